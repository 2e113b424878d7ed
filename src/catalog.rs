//! The catalog of vehicle-state errors: loading, validation and lookup.
//!
//! The JSON shape lives in private DTOs (`dto` below) so the file format,
//! the domain types here and the proto can change independently.
//! A catalog never changes once built, so it is shared as `Arc<Catalog>`
//! without a lock; an operator's overlay (`overlay`) builds a new catalog
//! from this one rather than changing it.

use std::time::Duration;

use thiserror::Error;

use crate::render::{APP_NAME_PLACEHOLDER, Template};

/// The catalog embedded in the binary, from `catalog/vehicle_state_errors.json`.
pub const EMBEDDED_JSON: &str = include_str!("../catalog/vehicle_state_errors.json");

/// The error type every catalog entry has.
pub const VEHICLE_STATE: &str = "VEHICLE_STATE";

/// The code whose guidance answers a vehicle-state error the catalog lacks.
pub const FALLBACK_CODE: &str = "UNKNOWN";

/// The longest code a lookup considers; longer input cannot be a code.
pub const MAX_CODE_LEN: usize = 64;

/// The language of the documentation, and so of every catalog text that no
/// overlay locale variant replaces.
pub const DOCUMENTATION_LOCALE: &str = "en";

pub mod overlay;

/// Which kind of vehicle state blocked a request (design.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Category {
    /// Asleep, out of coverage, remote access off, in service mode.
    Connectivity,
    /// The charging state conflicts with the request.
    Charging,
    /// A door, the hood or the trunk is open.
    Closure,
    /// The vehicle is running or moving.
    VehicleInUse,
    /// A battery is too low.
    Power,
    /// The API could not tell which state it is.
    Unknown,
    /// Not a vehicle-state error at all; never in the catalog.
    #[serde(skip)]
    Other,
}

/// How a caller should retry (design.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RetryStrategy {
    /// Retry automatically with backoff.
    RetryLater,
    /// Ask the user to act, then retry once.
    RetryAfterUserAction,
    /// The vehicle is already in the requested state.
    NoRetryNeeded,
    /// Retrying will not help; only for errors outside the catalog.
    #[serde(skip)]
    DoNotRetry,
}

/// The `resolution.type` the API sends with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResolutionType {
    /// `resolution` or its `type` is null or absent.
    None,
    /// `RETRY_LATER`.
    RetryLater,
    /// `REAUTHENTICATE`.
    Reauthenticate,
    /// `CONTACT_SUPPORT`.
    ContactSupport,
}

impl ResolutionType {
    /// Reads a documented resolution type in any letter case; `None` for
    /// anything else.
    pub fn parse(s: &str) -> Option<Self> {
        [
            ("RETRY_LATER", Self::RetryLater),
            ("REAUTHENTICATE", Self::Reauthenticate),
            ("CONTACT_SUPPORT", Self::ContactSupport),
        ]
        .into_iter()
        .find_map(|(name, kind)| s.eq_ignore_ascii_case(name).then_some(kind))
    }
}

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
    /// The strategy.
    pub strategy: RetryStrategy,
    /// How long to wait before retrying.
    pub delay: Duration,
    /// Why this delay.
    pub delay_reason: String,
}

/// One vehicle-state error: the documentation's text and our classification.
#[derive(Debug, Clone)]
pub struct VehicleStateError {
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

/// A translation of an entry's user-facing messages (an overlay's
/// `locales`).
#[derive(Debug, Clone)]
pub struct LocalizedMessages {
    /// The BCP 47 tag as the overlay spells it, such as `fr-CA`.
    pub locale: String,
    /// The long user message, with `<app name>`.
    pub user_message_template: TextBlock,
    /// `user_message_template` split at the placeholder.
    pub user_message: Template,
    /// The short message, the counterpart of `suggested_user_message`.
    pub suggested_user_message: String,
}

/// An entry's user-facing messages in one language.
#[derive(Debug, Clone, Copy)]
pub struct UserMessages<'c> {
    /// The BCP 47 tag of the language these are in.
    pub locale: &'c str,
    /// The long user message template.
    pub user_message: &'c Template,
    /// The short message.
    pub suggested_user_message: &'c str,
}

impl VehicleStateError {
    /// The user-facing messages for the requested `locale`: the variant
    /// with exactly that tag, else the one for its base language (`fr` for
    /// `fr-CA`), else the documentation's English. Tags compare in any
    /// letter case, with `_` read as `-`.
    ///
    /// Only the request is shortened (RFC 4647 lookup): a request for `fr`
    /// does not pick a `fr-CA` variant, which may not suit every French
    /// reader.
    pub fn user_messages(&self, locale: Option<&str>) -> UserMessages<'_> {
        let variant = locale
            .filter(|_| !self.localized.is_empty())
            .and_then(|tag| {
                let base = tag.split(['-', '_']).next().unwrap_or_default();
                let find = |want: &str| self.localized.iter().find(|v| same_tag(&v.locale, want));
                find(tag).or_else(|| find(base))
            });
        match variant {
            Some(v) => UserMessages {
                locale: &v.locale,
                user_message: &v.user_message,
                suggested_user_message: &v.suggested_user_message,
            },
            None => UserMessages {
                locale: DOCUMENTATION_LOCALE,
                user_message: &self.user_message,
                suggested_user_message: &self.suggested_user_message,
            },
        }
    }
}

/// BCP 47 tags are case-insensitive; some callers write `fr_CA`.
fn same_tag(a: &str, b: &str) -> bool {
    let norm = |c: u8| {
        if c == b'_' {
            b'-'
        } else {
            c.to_ascii_lowercase()
        }
    };
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| norm(x) == norm(y))
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
}

/// How a code was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// By its current name.
    Code,
    /// By a legacy v1 code.
    LegacyCode,
}

/// The validated, immutable catalog.
#[derive(Debug)]
pub struct Catalog {
    entries: Vec<VehicleStateError>,
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

    /// Parses and validates a catalog.
    ///
    /// # Errors
    /// When the JSON does not have the catalog's shape, an entry has empty
    /// required text, a code repeats, a template holds an unknown
    /// placeholder, or the `UNKNOWN` entry is missing.
    pub fn from_json(json: &str) -> Result<Self, CatalogError> {
        let doc: dto::Catalog = serde_json::from_str(json)?;
        let entries = doc
            .errors
            .into_iter()
            .enumerate()
            .map(|(index, entry)| {
                let code = entry.code.clone();
                entry.into_domain().map_err(|reason| CatalogError::Invalid {
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
        Ok(Self {
            entries,
            names,
            fallback,
        })
    }

    /// Finds an entry by code or legacy code, in any letter case.
    pub fn get(&self, code: &str) -> Option<(&VehicleStateError, Found)> {
        let code = code.trim();
        self.names
            .iter()
            .find(|(name, ..)| name.eq_ignore_ascii_case(code))
            .map(|&(_, index, found)| (&self.entries[index], found))
    }

    /// Every entry, in the documentation's order.
    pub fn list(&self) -> &[VehicleStateError] {
        &self.entries
    }

    /// The position of `entry`, which must be one of this catalog's, in
    /// `list()`: a key for data derived from the catalog at start-up.
    pub fn position(&self, entry: &VehicleStateError) -> usize {
        self.entries
            .iter()
            .position(|e| std::ptr::eq(e, entry))
            .expect("entry from this catalog")
    }

    /// The `UNKNOWN` entry, whose guidance answers codes the catalog lacks.
    pub fn fallback(&self) -> &VehicleStateError {
        &self.entries[self.fallback]
    }
}

/// The JSON shape of `catalog/vehicle_state_errors.json`.
mod dto {
    use std::time::Duration;

    use serde::Deserialize;

    use super::{
        APP_NAME_PLACEHOLDER, Category, ResolutionType, RetryPolicy, RetryStrategy, Template,
        VEHICLE_STATE, VehicleStateError,
    };

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Catalog {
        #[serde(rename = "$comment")]
        _comment: Option<String>,
        pub(super) errors: Vec<Entry>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub(super) struct Entry {
        pub(super) code: String,
        #[serde(default)]
        legacy_codes: Vec<String>,
        category: Category,
        retry: Retry,
        body: Body,
        overview: TextBlock,
        suggested_resolution: Option<TextBlock>,
        #[serde(default)]
        troubleshooting_steps: Vec<String>,
        user_message: TextBlock,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Retry {
        strategy: RetryStrategy,
        delay_seconds: u64,
        delay_reason: String,
    }

    /// The API's JSON body as the documentation shows it.
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Body {
        #[serde(rename = "type")]
        error_type: String,
        code: String,
        description: String,
        #[serde(rename = "docURL")]
        doc_url: String,
        status_code: u16,
        #[serde(rename = "requestId")]
        _request_id: String,
        resolution: Resolution,
        suggested_user_message: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Resolution {
        #[serde(rename = "type")]
        kind: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct TextBlock {
        text: String,
        #[serde(default)]
        bullets: Vec<String>,
    }

    impl From<TextBlock> for super::TextBlock {
        fn from(b: TextBlock) -> Self {
            Self {
                text: b.text,
                bullets: b.bullets,
            }
        }
    }

    impl Entry {
        pub(super) fn into_domain(self) -> Result<VehicleStateError, String> {
            let Entry {
                code,
                legacy_codes,
                category,
                retry,
                body,
                overview,
                suggested_resolution,
                troubleshooting_steps,
                user_message,
            } = self;
            if !is_upper_snake(&code) || code.len() > super::MAX_CODE_LEN {
                return Err("code must be UPPER_SNAKE_CASE, at most 64 characters".into());
            }
            if body.code != code {
                return Err(format!("body.code {:?} differs from code", body.code));
            }
            if body.error_type != VEHICLE_STATE {
                return Err(format!("body.type must be {VEHICLE_STATE}"));
            }
            if !(100..=599).contains(&body.status_code) {
                return Err("body.statusCode is not an HTTP status".into());
            }
            if let Some(bad) = legacy_codes.iter().find(|c| !is_legacy_code(c)) {
                return Err(format!("legacy code {bad:?} is not VS_ and three digits"));
            }
            let resolution = match body.resolution.kind.as_deref() {
                None => ResolutionType::None,
                Some(kind) => ResolutionType::parse(kind)
                    .ok_or_else(|| format!("unknown resolution type {kind:?}"))?,
            };
            let delay = Duration::from_secs(retry.delay_seconds);
            match retry.strategy {
                RetryStrategy::NoRetryNeeded if !delay.is_zero() => {
                    return Err("NO_RETRY_NEEDED must have a zero delay".into());
                }
                RetryStrategy::RetryLater if delay.is_zero() => {
                    return Err("RETRY_LATER needs a delay".into());
                }
                _ => {}
            }
            let overview: super::TextBlock = overview.into();
            let suggested_resolution: super::TextBlock =
                suggested_resolution.map(Into::into).unwrap_or_default();
            let user_message_template: super::TextBlock = user_message.into();

            let required = [
                ("body.description", body.description.as_str()),
                ("body.docURL", &body.doc_url),
                ("body.suggestedUserMessage", &body.suggested_user_message),
                ("overview.text", &overview.text),
                ("userMessage.text", &user_message_template.text),
                ("retry.delayReason", &retry.delay_reason),
            ];
            if let Some((field, _)) = required.iter().find(|(_, v)| v.trim().is_empty()) {
                return Err(format!("{field} is empty"));
            }
            let all_text = [body.description.as_str(), &body.suggested_user_message]
                .into_iter()
                .chain(overview.strings())
                .chain(suggested_resolution.strings())
                .chain(troubleshooting_steps.iter().map(String::as_str));
            if let Some(text) = all_text.into_iter().find(|t| t.contains('<')) {
                return Err(format!(
                    "only userMessage may hold a placeholder, found one in {text:?}"
                ));
            }
            if suggested_resolution
                .bullets
                .iter()
                .chain(&troubleshooting_steps)
                .any(|s| s.trim().is_empty())
            {
                return Err("empty bullet".into());
            }
            let joined = user_message_template.joined();
            let user_message = Template::parse(&joined)
                .map_err(|e| format!("userMessage: {e} (only {APP_NAME_PLACEHOLDER} is known)"))?;

            Ok(VehicleStateError {
                error_type: body.error_type,
                code,
                description: body.description,
                doc_url: body.doc_url,
                status_code: body.status_code,
                resolution,
                suggested_user_message: body.suggested_user_message,
                suggested_resolution_text: if suggested_resolution.is_empty() {
                    String::new()
                } else {
                    suggested_resolution.joined()
                },
                overview,
                suggested_resolution,
                troubleshooting_steps,
                user_message_template,
                category,
                retry: RetryPolicy {
                    strategy: retry.strategy,
                    delay,
                    delay_reason: retry.delay_reason,
                },
                legacy_codes,
                user_message,
                localized: Vec::new(),
            })
        }
    }

    fn is_upper_snake(s: &str) -> bool {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    }

    fn is_legacy_code(s: &str) -> bool {
        s.len() == 6 && s.starts_with("VS_") && s[3..].bytes().all(|b| b.is_ascii_digit())
    }
}

#[cfg(test)]
mod tests;
