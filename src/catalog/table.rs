//! The type table: how every error that is not a vehicle-state error is
//! answered (docs/design.md §4), loaded from `catalog/error_types.json`
//! and validated like the vehicle-state entries.
//!
//! The file groups codes into rules; here every (type, code) pair becomes
//! an [`Answer`] of its own, with its own stable `reason`, so an operator's
//! overlay can reword one answer without touching its neighbours and the
//! request path reads one flat list by index. Two kinds of answer come
//! from the vehicle-state catalog instead, after the file's: the bare
//! 409's and the caller's operation's own (`catalog::operation`).

mod build;

use super::{CatalogError, Category, LocalizedText, Operation, Propagation, RetryPolicy, dto};

/// The type table embedded in the binary, from `catalog/error_types.json`.
pub const EMBEDDED_TYPES_JSON: &str = include_str!("../../catalog/error_types.json");

/// Identifies one [`Answer`] of a catalog's type table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AnswerId(usize);

impl AnswerId {
    /// The answer's position in [`TypeTable::answers`].
    pub fn index(self) -> usize {
        self.0
    }
}

/// How one reason is answered: one (type, code) pair of the table, an
/// OAuth error, an HTTP status, or the default.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The stable key (`RATE_LIMIT_VEHICLE`, `HTTP_504`, ...).
    pub reason: String,
    /// The kind of problem.
    pub category: Category,
    /// When to retry and who acts, before any `resolution` in the body.
    pub retry: RetryPolicy,
    /// The code to propagate, before any `resolution` in the body.
    pub propagation: Propagation,
    /// The user message in this project's words, with `<app name>`.
    pub user_message: LocalizedText,
    /// What the answer rests on (a documentation page, an SDK's behaviour).
    pub evidence: String,
    /// Answers a bare HTTP 409 with the vehicle-state catalog's `UNKNOWN`
    /// guidance: its texts and strategy come from that entry.
    pub vehicle_state_fallback: bool,
    /// A sentence for developers that the status message adds to the
    /// description, where what to do depends on the app's own set-up (a
    /// PERMISSION answer: reconnecting helps only with the right scope).
    pub developer_note: Option<String>,
    /// The body's `resolution` never changes this answer: the evidence
    /// says only the row's action can fix the error (a permission revoked
    /// in the carmaker's portal needs a reconnect, whatever the body says).
    pub ignores_resolution: bool,
    /// The caller's operation whose rule gives this answer in place of a
    /// vehicle-state entry's (design 3d): the answer's user message and
    /// the developer note replace the entry's advice, which no longer
    /// applies. `None` for every answer of the table itself.
    pub operation: Option<Operation>,
}

/// One error type of the API, as `ListErrorTypes` shows it.
#[derive(Debug, Clone)]
pub struct ErrorType {
    /// The type, such as `RATE_LIMIT`.
    pub name: String,
    /// The HTTP status the API sends it with.
    pub http_status: u16,
    /// The v1 `error` strings meaning it.
    pub v1_errors: Vec<String>,
    /// Its rules, as the file groups its codes.
    pub rules: Vec<TypeRule>,
    codes: Vec<(Option<String>, AnswerId)>,
    legacy_codes: Vec<(String, AnswerId)>,
    unlisted: AnswerId,
}

/// A group of a type's codes answered alike, as the file writes it.
#[derive(Debug, Clone)]
pub struct TypeRule {
    /// The codes; `None` is the API's null code.
    pub codes: Vec<Option<String>>,
    /// Legacy v1 codes of the rule.
    pub legacy_codes: Vec<String>,
    /// Answers codes the type does not list.
    pub answers_unlisted_codes: bool,
    /// The answer of the rule's first code: the rule's category, retry,
    /// propagation and message.
    pub answer: AnswerId,
}

/// How a code was found in a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeMatch {
    /// A code the type lists, or its null code.
    Listed,
    /// A legacy v1 code, or a code implied by a v1 `error` string.
    Legacy,
    /// A code the type does not list.
    Unlisted,
}

/// A v1 `error` string (such as `rate_limiting_error`): the type it means
/// and the code it implies, if any.
#[derive(Debug, Clone)]
struct V1Error {
    error: String,
    type_index: usize,
    code: Option<String>,
}

/// The type table, validated and flattened into answers.
#[derive(Debug, Clone)]
pub struct TypeTable {
    answers: Vec<Answer>,
    types: Vec<ErrorType>,
    v1_errors: Vec<V1Error>,
    oauth: Vec<(String, AnswerId)>,
    statuses: Vec<(u16, AnswerId)>,
    class_4xx: AnswerId,
    class_5xx: AnswerId,
    unrecognized: AnswerId,
}

impl TypeTable {
    /// Loads and validates the table in `json`; `conflict_409` is the
    /// answer for a bare 409, derived from the vehicle-state catalog.
    ///
    /// # Errors
    /// `CatalogError` naming the first rule broken.
    pub(super) fn from_json(json: &str, conflict_409: Answer) -> Result<Self, CatalogError> {
        let doc: dto::Table = serde_json::from_str(json)?;
        Ok(build::build(doc, conflict_409)?)
    }

    /// Every answer, in a fixed order ([`AnswerId::index`]).
    pub fn answers(&self) -> &[Answer] {
        &self.answers
    }

    /// Adds an answer built outside the table's own file (an operation's),
    /// after every other; the caller has checked its reason is new.
    pub(super) fn push_answer(&mut self, answer: Answer) -> AnswerId {
        self.answers.push(answer);
        AnswerId(self.answers.len() - 1)
    }

    /// The answer with `reason`, for the overlay.
    pub(super) fn answer_mut(&mut self, reason: &str) -> Option<&mut Answer> {
        self.answers.iter_mut().find(|a| a.reason == reason)
    }

    /// The answer `id` names.
    pub fn answer(&self, id: AnswerId) -> &Answer {
        &self.answers[id.0]
    }

    /// Every type, in the file's order.
    pub fn types(&self) -> &[ErrorType] {
        &self.types
    }

    /// The type named `name` (any letter case), or the type a v1 `error`
    /// string means, with the code that string implies.
    pub fn find_type(&self, name: &str) -> Option<(&ErrorType, Option<&str>)> {
        let name = name.trim();
        if let Some(t) = self
            .types
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
        {
            return Some((t, None));
        }
        self.v1_errors
            .iter()
            .find(|v1| v1.error.eq_ignore_ascii_case(name))
            .map(|v1| (&self.types[v1.type_index], v1.code.as_deref()))
    }

    /// The answer for an OAuth `error` value, in any letter case.
    pub fn oauth(&self, error: &str) -> Option<AnswerId> {
        let error = error.trim();
        self.oauth
            .iter()
            .find(|(e, _)| e.eq_ignore_ascii_case(error))
            .map(|&(_, id)| id)
    }

    /// The answer for a usable HTTP status (400-599) alone.
    pub fn status(&self, status: u16) -> Option<AnswerId> {
        if let Some(&(_, id)) = self.statuses.iter().find(|(s, _)| *s == status) {
            return Some(id);
        }
        match status {
            400..=499 => Some(self.class_4xx),
            500..=599 => Some(self.class_5xx),
            _ => None,
        }
    }

    /// The answer for an error nothing identifies.
    pub fn unrecognized(&self) -> AnswerId {
        self.unrecognized
    }

    /// Re-derives the bare-409 answer from the (patched) `UNKNOWN` entry,
    /// so an overlay's change to that entry reaches it too.
    pub(super) fn refresh_conflict_answer(&mut self, unknown: &super::VehicleStateError) {
        if let Some(&(_, id)) = self.statuses.iter().find(|(s, _)| *s == 409) {
            self.answers[id.0] = super::conflict_answer(unknown);
        }
    }
}

impl ErrorType {
    /// The answer for `code` (`None`: the API's null code), and how it was
    /// found.
    pub fn answer_for(&self, code: Option<&str>) -> (AnswerId, CodeMatch) {
        let code = code.map(str::trim).filter(|c| !c.is_empty());
        let listed = self.codes.iter().find(|(c, _)| match (c, code) {
            (None, None) => true,
            (Some(c), Some(code)) => c.eq_ignore_ascii_case(code),
            _ => false,
        });
        if let Some(&(_, id)) = listed {
            return (id, CodeMatch::Listed);
        }
        if let Some(code) = code
            && let Some(&(_, id)) = self
                .legacy_codes
                .iter()
                .find(|(c, _)| c.eq_ignore_ascii_case(code))
        {
            return (id, CodeMatch::Legacy);
        }
        (self.unlisted, CodeMatch::Unlisted)
    }
}
