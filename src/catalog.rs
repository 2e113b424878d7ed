//! The catalog: the 17 vehicle-state errors (loading, validation, lookup)
//! and the type table every other error is answered from (`table`).
//!
//! Layout: this file holds the entries and the `Catalog`; `vocabulary` the
//! classification's enums; `localized` the messages' translations; `dto`
//! the JSON shapes of every file the catalog reads (private, so the file
//! formats, the domain types and the proto can change independently);
//! `entry` validates one vehicle-state entry; `table` is the type table;
//! `operation` the caller's operation's rules (design 3d); `overlay` an
//! operator's patch.
//!
//! A catalog never changes once built, so it is shared as `Arc<Catalog>`
//! without a lock; an operator's overlay builds a new catalog from this
//! one rather than changing it.

mod dto;
mod entry;
mod labels;
mod localized;
mod operation;
pub mod overlay;
mod table;
mod vocabulary;

use std::time::Duration;

use thiserror::Error;

use crate::render::Template;

/// The catalog embedded in the binary, from `catalog/vehicle_state_errors.json`.
pub const EMBEDDED_JSON: &str = include_str!("../catalog/vehicle_state_errors.json");

/// Each embedded entry's code and the JSON body the API documents for it
/// (the seed bodies), in catalog order, read from [`EMBEDDED_JSON`] itself
/// rather than from a loaded [`Catalog`]: what tests, benchmarks and
/// examples send to exercise every entry. Not used when serving.
#[doc(hidden)]
pub fn seed_bodies() -> Vec<(String, String)> {
    let raw: serde_json::Value =
        serde_json::from_str(EMBEDDED_JSON).expect("the embedded catalog is JSON");
    raw["errors"]
        .as_array()
        .expect("the embedded catalog has an errors array")
        .iter()
        .map(|e| {
            (
                e["code"].as_str().unwrap_or_default().to_owned(),
                e["body"].to_string(),
            )
        })
        .collect()
}

/// The error type every catalog entry has.
pub const VEHICLE_STATE: &str = "VEHICLE_STATE";

/// The code whose guidance answers a vehicle-state error the catalog lacks.
pub const FALLBACK_CODE: &str = "UNKNOWN";

/// The longest code a lookup considers; longer input cannot be a code.
pub const MAX_CODE_LEN: usize = 64;

/// The language of the documentation, and so of every catalog text that no
/// overlay locale variant replaces.
pub const DOCUMENTATION_LOCALE: &str = "en";

pub use localized::{LocalizedMessages, LocalizedText, UserMessages};
pub use operation::OperationRule;
pub use table::{Answer, AnswerId, CodeMatch, EMBEDDED_TYPES_JSON, ErrorType, TypeRule, TypeTable};
pub use vocabulary::{
    Action, Category, Operation, Propagation, ResolutionType, RetryStrategy, Scope,
};

/// Prose followed by an optional bullet list, as the documentation lays it out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextBlock {
    /// The prose; paragraphs separated by a blank line.
    pub text: String,
    /// The bullet points after the prose.
    pub bullets: Vec<String>,
}

impl TextBlock {
    /// The block as one string: the prose, then each bullet on its own line
    /// after `• `.
    pub fn joined(&self) -> String {
        let mut out = self.text.clone();
        for bullet in &self.bullets {
            out.push_str("\n• ");
            out.push_str(bullet);
        }
        out
    }

    fn is_empty(&self) -> bool {
        self.text.is_empty() && self.bullets.is_empty()
    }

    fn strings(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.text.as_str()).chain(self.bullets.iter().map(String::as_str))
    }
}

/// How callers should retry one catalog entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// When to retry.
    pub strategy: RetryStrategy,
    /// Who must act first.
    pub action: Action,
    /// How long to wait before retrying.
    pub delay: Duration,
    /// Why this delay.
    pub delay_reason: String,
    /// What the error blocks: the caller's circuit. Data, never changed by
    /// a body's resolution or an overlay.
    pub scope: Scope,
}

/// One vehicle-state error: the documentation's text and our classification.
#[derive(Debug, Clone)]
pub struct VehicleStateError {
    /// The stable key of answers from this entry, `VEHICLE_STATE_<CODE>`.
    pub reason: String,
    /// The error type, `VEHICLE_STATE`.
    pub error_type: String,
    /// The code, such as `DOOR_OPEN`.
    pub code: String,
    /// The API's `description`.
    pub description: String,
    /// The API's `docURL`.
    pub doc_url: String,
    /// The API's `statusCode`.
    pub status_code: u16,
    /// The API's `resolution.type`.
    pub resolution: ResolutionType,
    /// The API's short `suggestedUserMessage`.
    pub suggested_user_message: String,
    /// The documentation's explanation of when the error occurs.
    pub overview: TextBlock,
    /// The documentation's suggested resolution; empty when it has none.
    pub suggested_resolution: TextBlock,
    /// The documentation's troubleshooting steps.
    pub troubleshooting_steps: Vec<String>,
    /// The documentation's long user message, with `<app name>`.
    pub user_message_template: TextBlock,
    /// The category.
    pub category: Category,
    /// The retry policy.
    pub retry: RetryPolicy,
    /// Legacy v1 codes (`VS_001`) that mean this error.
    pub legacy_codes: Vec<String>,
    /// `user_message_template` joined and split at the placeholder, ready
    /// to render on the request path.
    pub user_message: Template,
    /// `suggested_resolution` joined once, since it has no placeholder.
    pub suggested_resolution_text: String,
    /// Translations of the user-facing messages, from an overlay; empty for
    /// the embedded catalog.
    pub localized: Vec<LocalizedMessages>,
}

/// Why a catalog could not be loaded. Load time only; never on the wire.
#[derive(Debug, Error)]
pub enum CatalogError {
    /// The JSON does not have the catalog's shape.
    #[error("catalog JSON is malformed: {0}")]
    Json(#[from] serde_json::Error),
    /// An entry breaks a rule.
    #[error("catalog entry {index} ({code}): {reason}")]
    Invalid {
        /// The entry's position, from 0.
        index: usize,
        /// The entry's code as written.
        code: String,
        /// The rule it breaks.
        reason: String,
    },
    /// The catalog as a whole breaks a rule.
    #[error("catalog: {0}")]
    Incomplete(String),
    /// A rule of the caller's operation (`operations`) breaks a rule.
    #[error("catalog {path}: {reason}")]
    Operation {
        /// Where, such as `operations[2]`.
        path: String,
        /// The rule it breaks.
        reason: String,
    },
    /// The type table breaks a rule.
    #[error("type table {path}: {reason}")]
    Table {
        /// Where, such as `types[3].rules[0]`.
        path: String,
        /// The rule it breaks.
        reason: String,
    },
}

/// How a code was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// By its current name.
    Code,
    /// By a legacy v1 code.
    LegacyCode,
}

/// The validated, immutable catalog: the 17 vehicle-state entries, the
/// type table every other error is answered from, and the rules by which
/// a caller's operation decides an entry's answer.
#[derive(Debug)]
pub struct Catalog {
    entries: Vec<VehicleStateError>,
    table: TypeTable,
    operations: Vec<OperationRule>,
    /// Every name an entry answers to (its code and legacy codes), upper
    /// case. A linear scan with `eq_ignore_ascii_case` over 22 short names
    /// beats hashing an upper-cased copy of the input.
    names: Vec<(String, usize, Found)>,
    fallback: usize,
}

impl Catalog {
    /// Loads the catalog embedded in the binary.
    ///
    /// # Errors
    /// When the embedded data is invalid, which a unit test rules out.
    pub fn embedded() -> Result<Self, CatalogError> {
        Self::from_json(EMBEDDED_JSON)
    }

    /// Parses and validates vehicle-state entries, with the embedded type
    /// table.
    ///
    /// # Errors
    /// As [`Catalog::from_parts`].
    pub fn from_json(json: &str) -> Result<Self, CatalogError> {
        Self::from_parts(json, EMBEDDED_TYPES_JSON)
    }

    /// Parses and validates vehicle-state entries and a type table.
    ///
    /// # Errors
    /// When the JSON does not have the catalog's shape, an entry has empty
    /// required text, a code repeats, a template holds an unknown
    /// placeholder, the `UNKNOWN` entry is missing, the type table breaks
    /// one of its rules, or an operation's rule breaks one of its own.
    pub fn from_parts(json: &str, types_json: &str) -> Result<Self, CatalogError> {
        let doc: dto::Catalog = serde_json::from_str(json)?;
        let entries = doc
            .errors
            .into_iter()
            .enumerate()
            .map(|(index, entry)| {
                let code = entry.code.clone();
                entry::validate(entry).map_err(|reason| CatalogError::Invalid {
                    index,
                    code,
                    reason,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;

        let mut names: Vec<(String, usize, Found)> = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            let aliases = std::iter::once((&entry.code, Found::Code))
                .chain(entry.legacy_codes.iter().map(|c| (c, Found::LegacyCode)));
            for (name, found) in aliases {
                if names.iter().any(|(n, ..)| n.eq_ignore_ascii_case(name)) {
                    return Err(CatalogError::Invalid {
                        index,
                        code: entry.code.clone(),
                        reason: format!("code {name:?} appears twice"),
                    });
                }
                names.push((name.to_ascii_uppercase(), index, found));
            }
        }
        let fallback = entries
            .iter()
            .position(|e| e.code == FALLBACK_CODE)
            .ok_or_else(|| CatalogError::Incomplete(format!("no {FALLBACK_CODE} entry")))?;
        let mut table = TypeTable::from_json(types_json, conflict_answer(&entries[fallback]))?;
        let operations = operation::build(doc.operations, &entries, &mut table)?;
        Ok(Self {
            entries,
            table,
            operations,
            names,
            fallback,
        })
    }

    /// The type table.
    pub fn table(&self) -> &TypeTable {
        &self.table
    }

    /// Every reason an answer from this catalog can carry: the fixed
    /// vocabulary of `InterpretResponse.reason` (the operation's own
    /// answers are among the table's).
    pub fn reasons(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .map(|e| e.reason.as_str())
            .chain(self.table.answers().iter().map(|a| a.reason.as_str()))
    }

    /// The rule for `operation` with the entry `entry`, if the operation
    /// decides that entry's answer.
    pub fn operation_rule(&self, operation: Operation, entry: EntryId) -> Option<&OperationRule> {
        self.operations
            .iter()
            .find(|r| r.operation == operation && r.entry == entry)
    }

    /// Every rule of the caller's operation, in the file's order.
    pub fn operation_rules(&self) -> &[OperationRule] {
        &self.operations
    }

    /// Finds an entry by code or legacy code, in any letter case.
    pub fn get(&self, code: &str) -> Option<(CatalogEntry<'_>, Found)> {
        let code = code.trim();
        self.names
            .iter()
            .find(|(name, ..)| name.eq_ignore_ascii_case(code))
            .map(|&(_, index, found)| (self.entry(EntryId(index)), found))
    }

    /// Every entry, in the documentation's order; an entry's position here
    /// is its [`EntryId::index`].
    pub fn list(&self) -> &[VehicleStateError] {
        &self.entries
    }

    /// The entries of `category` and `strategy` (`None`: any), in order.
    pub fn filter(
        &self,
        category: Option<Category>,
        strategy: Option<RetryStrategy>,
    ) -> impl Iterator<Item = CatalogEntry<'_>> {
        self.entries
            .iter()
            .enumerate()
            .filter(move |(_, e)| category.is_none_or(|c| e.category == c))
            .filter(move |(_, e)| strategy.is_none_or(|s| e.retry.strategy == s))
            .map(|(index, entry)| CatalogEntry {
                id: EntryId(index),
                entry,
            })
    }

    /// The `UNKNOWN` entry, whose guidance answers codes the catalog lacks.
    pub fn fallback(&self) -> CatalogEntry<'_> {
        self.entry(EntryId(self.fallback))
    }

    fn entry(&self, id: EntryId) -> CatalogEntry<'_> {
        CatalogEntry {
            id,
            entry: &self.entries[id.0],
        }
    }
}

/// The answer for a bare HTTP 409: the API's vehicle-state status with no
/// body to say which state, so `UNKNOWN`'s guidance (its strategy and, on
/// the request path, its texts) under a reason of its own.
fn conflict_answer(unknown: &VehicleStateError) -> Answer {
    Answer {
        reason: "HTTP_409".into(),
        category: unknown.category,
        retry: unknown.retry.clone(),
        propagation: Propagation::FailedPrecondition,
        user_message: LocalizedText::new(
            unknown.user_message_template.joined(),
            unknown.user_message.clone(),
        ),
        evidence: "A 409 is how the API answers VEHICLE_STATE errors; with no body to name the state, UNKNOWN's guidance applies.".into(),
        vehicle_state_fallback: true,
        developer_note: None,
        ignores_resolution: false,
        operation: None,
    }
}

impl From<crate::rules::BrokenRule> for CatalogError {
    fn from(broken: crate::rules::BrokenRule) -> Self {
        Self::Table {
            path: broken.path,
            reason: broken.reason,
        }
    }
}

/// Names an entry of one catalog: its position in [`Catalog::list`]. Data
/// derived from a catalog (the adapter's encoded entries) is kept in the
/// same order and indexed by it, so a lookup is an index, never a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EntryId(usize);

impl EntryId {
    /// The entry's position in [`Catalog::list`].
    pub fn index(self) -> usize {
        self.0
    }
}

/// An entry together with its id.
#[derive(Debug, Clone, Copy)]
pub struct CatalogEntry<'c> {
    /// Where the entry sits in its catalog.
    pub id: EntryId,
    /// The entry.
    pub entry: &'c VehicleStateError,
}

#[cfg(test)]
mod tests;
