//! What an interpretation is: the input it reads, the context the caller
//! forwards, and the answer with the evidence that decided it. Types only;
//! `decide` fills them in.

use std::{borrow::Cow, time::Duration, time::SystemTime};

use super::Warning;
use crate::catalog::{
    Action, Answer, AnswerId, CatalogEntry, Category, EntryId, Operation, Propagation,
    RetryStrategy, Scope,
};

/// The error to interpret, borrowed from the request.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// The response body as received.
    Body(&'a str),
    /// A body longer than the service's limit: unusable, like a body that
    /// is not JSON.
    OversizedBody {
        /// Its length in bytes.
        len: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// An error the caller already parsed.
    Structured {
        /// `type`.
        error_type: &'a str,
        /// `code`; empty for a null code.
        code: &'a str,
    },
}

/// What the request says around the error: the upstream fields, as the
/// caller forwarded them (never the caller's fault, so read leniently: a
/// malformed one is ignored with a warning), and the caller's operation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The HTTP status the error arrived with; 0 when unknown.
    pub http_status: u32,
    /// The `Retry-After` header's value; empty when absent.
    pub retry_after: &'a str,
    /// The `sc-request-id` header's value; empty when absent.
    pub request_id: &'a str,
    /// The time a Retry-After date is measured from; `None` for the clock,
    /// read only when the request has a Retry-After at all.
    pub now: Option<SystemTime>,
    /// What the failed request asked the vehicle to do; `None` when the
    /// caller does not say (the answers are then the entries' and the
    /// table's alone).
    pub operation: Option<Operation>,
}

/// How the error was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Identification {
    /// A code the catalog or the type table lists (or a type's null code).
    ExactCode,
    /// A v1 alias: `VS_00x`, `VOA_00x`, or a code a v1 `error` implies.
    LegacyCode,
    /// A known type with a code it does not list.
    UnknownCode,
    /// A type this service does not know.
    UnknownType,
    /// No error body: answered from the HTTP status.
    NoErrorBody,
}

/// Which evidence decided the answer (docs/design.md §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecisionSource {
    /// A vehicle-state catalog entry.
    Catalog,
    /// The body's `resolution.type` changed the table's answer.
    Resolution,
    /// The type table.
    TypeTable,
    /// The HTTP status alone.
    HttpStatus,
    /// Nothing usable.
    Default,
    /// The caller's operation, with a vehicle-state entry (design 3d):
    /// whenever one of its rules matched, also when it confirms the
    /// entry's answer.
    Operation,
}

/// Why the advised delay is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DelayReason<'c> {
    /// The catalog's or the table's reason for its delay.
    Catalog(&'c str),
    /// The request's `Retry-After`.
    RetryAfter,
    /// A fixed reason (the body's resolution changed the answer).
    Fixed(&'static str),
}

impl DelayReason<'_> {
    /// The reason as text.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Catalog(s) => s,
            Self::RetryAfter => "The API's Retry-After header.",
            Self::Fixed(s) => s,
        }
    }
}

/// When to retry, and who must act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAdvice<'c> {
    /// When to retry.
    pub strategy: RetryStrategy,
    /// Who must act first.
    pub action: Action,
    /// How long to wait first.
    pub delay: Duration,
    /// Why that long.
    pub delay_reason: DelayReason<'c>,
    /// What the error blocks: the row's or entry's, whatever the body's
    /// resolution says (docs/design.md §3c).
    pub scope: Scope,
}

/// What decided an interpretation: a vehicle-state entry, a table answer,
/// or both (a bare 409 answers with the `UNKNOWN` entry's guidance under
/// its own reason; an operation's own answer is a table answer about an
/// entry). Indexes per-catalog data such as metric handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnswerKey {
    /// A vehicle-state entry.
    Entry(EntryId),
    /// A type-table answer.
    Table(AnswerId),
}

/// The interpretation of one error. Borrows the catalog (`'c`) and the
/// request (`'a`), so producing it allocates nothing for a typical body.
#[derive(Debug, Clone)]
pub struct Interpretation<'c, 'a> {
    /// How the error was recognised.
    pub identification: Identification,
    /// What decided the answer.
    pub decided_by: DecisionSource,
    /// What decided this answer, as a key for per-catalog data.
    pub key: AnswerKey,
    /// The vehicle-state entry whose guidance answers (`UNKNOWN` for an
    /// unlisted code or a bare 409), or the entry an operation's own answer
    /// is about; `None` for other errors.
    pub entry: Option<CatalogEntry<'c>>,
    /// The type-table answer, or an operation's own answer; `None` for
    /// vehicle-state errors answered by their entry.
    pub answer: Option<(AnswerId, &'c Answer)>,
    /// The stable key, from the catalog's fixed vocabulary.
    pub reason: &'c str,
    /// The type as received (a v1 `error` string as sent).
    pub error_type: Option<Cow<'a, str>>,
    /// The type it was identified as (`VEHICLE_STATE` for v1's
    /// `vehicle_state_error`, `RATE_LIMIT` for `rate_limiting_error`);
    /// `None` when not identified by type.
    pub known_type: Option<&'c str>,
    /// The code as received; `None` when the error had none.
    pub error_code: Option<Cow<'a, str>>,
    /// The category.
    pub category: Category,
    /// When to retry, and who acts.
    pub advice: RetryAdvice<'c>,
    /// What a caller should propagate.
    pub propagation: Propagation,
    /// The body's request id, else the request's.
    pub request_id: Option<Cow<'a, str>>,
    /// The body's HTTP status, else the request's.
    pub http_status: Option<u16>,
    /// For v3, how many other errors the body held.
    pub other_errors: u32,
    /// What was ignored or repaired.
    pub warnings: Vec<Warning>,
    /// The body's own texts, for answers that are not the catalog's.
    pub body: BodyTexts<'a>,
    /// The link the user must open (the body's `resolution.url`), only
    /// when it is an `https` URL of at most 2 KiB; otherwise `None`, with
    /// an `ACTION_URL_INVALID` warning.
    pub action_url: Option<Cow<'a, str>>,
}

/// What the body itself said, kept for the messages and the status.
#[derive(Debug, Clone, Default)]
pub struct BodyTexts<'a> {
    /// `description`, `detail`, `title`, `message` or `error_description`.
    pub description: Option<Cow<'a, str>>,
    /// `suggestedUserMessage`.
    pub suggested_user_message: Option<Cow<'a, str>>,
    /// `docURL` or `links.about`.
    pub doc_url: Option<Cow<'a, str>>,
}
