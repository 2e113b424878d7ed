//! The JSON shapes of the three files the catalog reads: the vehicle-state
//! entries (`catalog/vehicle_state_errors.json`), the type table
//! (`catalog/error_types.json`) and an operator's overlay
//! (`docs/catalog-overlay.md`). Shapes only: each loader validates what it
//! reads into domain types, so the file formats, the domain and the proto
//! can change independently.

use std::{fmt, marker::PhantomData};

use serde::{
    Deserialize, Deserializer,
    de::{Error as _, MapAccess, Visitor},
};

use super::{Action, Category, Operation, Propagation, RetryStrategy, Scope};

// === catalog/vehicle_state_errors.json ===

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Catalog {
    #[serde(rename = "$comment")]
    _comment: Option<String>,
    pub(super) errors: Vec<Entry>,
    /// Required, like a scope: a catalog without the operation's rules
    /// would answer every operation as if it were not said.
    pub(super) operations: Vec<OperationRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct Entry {
    pub(super) code: String,
    #[serde(default)]
    pub(super) legacy_codes: Vec<String>,
    pub(super) category: Category,
    pub(super) retry: Retry,
    pub(super) body: Body,
    pub(super) overview: TextBlock,
    pub(super) suggested_resolution: Option<TextBlock>,
    #[serde(default)]
    pub(super) troubleshooting_steps: Vec<String>,
    pub(super) user_message: TextBlock,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct Retry {
    pub(super) strategy: RetryStrategy,
    pub(super) action: Action,
    pub(super) delay_seconds: u64,
    pub(super) delay_reason: String,
    /// Required: an entry without a scope does not load.
    pub(super) scope: Scope,
}

/// One rule of the caller's operation (docs/design.md §3.1): `answer` when
/// the operation changes the entry's answer, none when it confirms it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct OperationRule {
    pub(super) operation: Operation,
    pub(super) code: String,
    pub(super) evidence: String,
    pub(super) answer: Option<OperationAnswer>,
}

/// The answer an operation gives in place of the entry's, in this
/// project's words; its category is the entry's.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct OperationAnswer {
    pub(super) reason: String,
    pub(super) retry: Retry,
    pub(super) propagation: Propagation,
    pub(super) user_message: String,
    /// For developers: follows the entry's description in the status
    /// message.
    pub(super) developer_note: String,
}

/// The API's JSON body as the documentation shows it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct Body {
    #[serde(rename = "type")]
    pub(super) error_type: String,
    pub(super) code: String,
    pub(super) description: String,
    #[serde(rename = "docURL")]
    pub(super) doc_url: String,
    pub(super) status_code: u16,
    #[serde(rename = "requestId")]
    _request_id: String,
    pub(super) resolution: Resolution,
    pub(super) suggested_user_message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Resolution {
    #[serde(rename = "type")]
    pub(super) kind: Option<String>,
}

/// Prose and bullets, in the catalog and in an overlay alike.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TextBlock {
    pub(super) text: String,
    #[serde(default)]
    pub(super) bullets: Vec<String>,
}

impl From<&TextBlock> for super::TextBlock {
    fn from(b: &TextBlock) -> Self {
        Self {
            text: b.text.clone(),
            bullets: b.bullets.clone(),
        }
    }
}

// === catalog/error_types.json ===

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct Table {
    #[serde(rename = "$comment")]
    _comment: Option<String>,
    #[serde(deserialize_with = "unique_pairs")]
    pub(super) category_messages: Vec<(Category, String)>,
    pub(super) types: Vec<Type>,
    pub(super) oauth_errors: Vec<OAuth>,
    pub(super) http_statuses: Vec<Status>,
    pub(super) unrecognized: Rule,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct Type {
    #[serde(rename = "type")]
    pub(super) name: String,
    pub(super) http_status: u16,
    #[serde(default)]
    pub(super) v1_errors: Vec<String>,
    pub(super) unknown_codes: usize,
    pub(super) rules: Vec<CodeRule>,
}

// No `deny_unknown_fields` where `flatten` is used: serde does not
// support the two together. The table's unit tests catch misspelt keys
// by checking every answer's fields.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CodeRule {
    pub(super) codes: Vec<Option<String>>,
    #[serde(default)]
    pub(super) legacy_codes: Vec<String>,
    #[serde(flatten)]
    pub(super) rule: Rule,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Rule {
    pub(super) category: Category,
    pub(super) strategy: RetryStrategy,
    pub(super) action: Action,
    pub(super) propagation: Propagation,
    pub(super) delay_seconds: u64,
    pub(super) delay_reason: String,
    /// Required: a rule without a scope does not load.
    pub(super) scope: Scope,
    pub(super) user_message: Option<String>,
    pub(super) evidence: String,
    /// A sentence for developers, added to the status message.
    pub(super) developer_note: Option<String>,
    /// The body's `resolution` does not change this answer.
    #[serde(default)]
    pub(super) ignores_resolution: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct OAuth {
    pub(super) error: String,
    #[serde(flatten)]
    pub(super) rule: Rule,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Status {
    pub(super) statuses: Option<Vec<u16>>,
    pub(super) status_class: Option<u8>,
    #[serde(flatten)]
    pub(super) rule: Rule,
}

// === an overlay: every optional field left out keeps the catalog's value ===

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct Overlay {
    #[serde(rename = "$comment")]
    _comment: Option<String>,
    /// Answers of the type table and the operation's own answers, by
    /// reason.
    #[serde(default, deserialize_with = "unique_pairs")]
    pub(super) reasons: Vec<(String, AnswerPatch)>,
    pub(super) default_app_name: Option<String>,
    #[serde(default, deserialize_with = "unique_pairs")]
    pub(super) entries: Vec<(String, EntryPatch)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct EntryPatch {
    #[serde(rename = "$comment")]
    _comment: Option<String>,
    pub(super) description: Option<String>,
    pub(super) suggested_user_message: Option<String>,
    pub(super) overview: Option<TextBlock>,
    pub(super) suggested_resolution: Option<TextBlock>,
    pub(super) troubleshooting_steps: Option<Vec<String>>,
    pub(super) user_message: Option<TextBlock>,
    pub(super) retry: Option<RetryPatch>,
    #[serde(default, deserialize_with = "unique_pairs")]
    pub(super) locales: Vec<(String, LocalePatch)>,
}

/// A type-table answer's wording (this project's words, not the API's):
/// its user message, its delay and the message's translations.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct AnswerPatch {
    #[serde(rename = "$comment")]
    _comment: Option<String>,
    pub(super) user_message: Option<String>,
    pub(super) retry: Option<RetryPatch>,
    #[serde(default, deserialize_with = "unique_pairs")]
    pub(super) locales: Vec<(String, AnswerLocalePatch)>,
}

/// A translation of an answer's user message.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct AnswerLocalePatch {
    pub(super) user_message: String,
}

/// No `strategy`: the classification is not the operator's to change,
/// and `deny_unknown_fields` says so instead of ignoring it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct RetryPatch {
    pub(super) delay_seconds: Option<u64>,
    pub(super) delay_reason: Option<String>,
}

/// Both messages are required, so a response's user-facing messages
/// are never half translated.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct LocalePatch {
    pub(super) user_message: TextBlock,
    pub(super) suggested_user_message: String,
}

/// Deserialises a JSON object into its key-value pairs in file order,
/// refusing a repeated key: serde_json would otherwise keep the last one
/// silently, and a ConfigMap with two `DOOR_OPEN` keys (or a table with
/// two messages for one category) is a mistake to report, not to guess at.
fn unique_pairs<'de, D, K, V>(de: D) -> Result<Vec<(K, V)>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + PartialEq + fmt::Debug,
    V: Deserialize<'de>,
{
    struct Pairs<K, V>(PhantomData<(K, V)>);

    impl<'de, K, V> Visitor<'de> for Pairs<K, V>
    where
        K: Deserialize<'de> + PartialEq + fmt::Debug,
        V: Deserialize<'de>,
    {
        type Value = Vec<(K, V)>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out: Vec<(K, V)> = Vec::new();
            while let Some(key) = map.next_key::<K>()? {
                if out.iter().any(|(k, _)| *k == key) {
                    return Err(A::Error::custom(format!("key {key:?} appears twice")));
                }
                let value = map.next_value()?;
                out.push((key, value));
            }
            Ok(out)
        }
    }

    de.deserialize_map(Pairs(PhantomData))
}
