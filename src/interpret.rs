//! The domain decision: identify an error, decide when to retry, who acts
//! and what to propagate, and render its messages. Pure functions over a
//! `Catalog` (its vehicle-state entries and its type table); no gRPC types.
//!
//! Layout: `parse` reads bodies, `upstream` reads the request's upstream
//! fields leniently (warnings, never failures), `request` checks what the
//! caller itself sets, `warning` names what was ignored or repaired,
//! `messages` renders, `error` names the caller's mistakes, this file
//! decides (docs/design.md §4 and §5).

mod error;
mod labels;
mod messages;
mod observe;
mod parse;
mod request;
mod upstream;
pub(crate) mod violation;
mod warning;

use std::{borrow::Cow, time::Duration, time::SystemTime};

pub use error::{LookupError, RequestError};
pub use messages::Messages;
pub(crate) use observe::Observe;
pub(crate) use parse::{ItemKey, RawError, parse_body};
pub use request::{AppName, Locale, check_type_or_code};
pub use upstream::MAX_RETRY_AFTER;
pub use warning::{Warning, WarningKind};

use crate::catalog::{
    Action, Answer, AnswerId, Catalog, CatalogEntry, Category, CodeMatch, Found, MAX_CODE_LEN,
    Propagation, ResolutionType, RetryStrategy, VEHICLE_STATE,
};

/// The delay advised when a body's `resolution` says `RETRY_LATER` for an
/// error whose table answer does not wait: no row gives one, and a minute
/// neither hammers the API nor leaves the user waiting long.
pub const DEFAULT_RETRY_LATER_DELAY: Duration = Duration::from_secs(60);

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

/// The request's upstream fields, as the caller forwarded them: never the
/// caller's fault, so read leniently (a malformed one is ignored with a
/// warning).
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The HTTP status the error arrived with; 0 when unknown.
    pub http_status: u32,
    /// The `Retry-After` header's value; empty when absent.
    pub retry_after: &'a str,
    /// The `sc-request-id` header's value; empty when absent.
    pub request_id: &'a str,
    /// The time a Retry-After date is measured from.
    pub now: SystemTime,
}

impl Default for Context<'_> {
    fn default() -> Self {
        Self {
            http_status: 0,
            retry_after: "",
            request_id: "",
            now: SystemTime::now(),
        }
    }
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
}

/// What decided an interpretation: a vehicle-state entry, a table answer,
/// or both (a bare 409 answers with the `UNKNOWN` entry's guidance under
/// its own reason). Indexes per-catalog data such as metric handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnswerKey {
    /// A vehicle-state entry.
    Entry(crate::catalog::EntryId),
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
    /// unlisted code or a bare 409); `None` for other errors.
    pub entry: Option<CatalogEntry<'c>>,
    /// The type-table answer; `None` for vehicle-state errors.
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

/// True for the type names of vehicle-state errors: v2/v3's `VEHICLE_STATE`
/// and v1's `vehicle_state_error`, in any letter case.
pub fn is_vehicle_state_type(t: &str) -> bool {
    let t = t.trim();
    t.eq_ignore_ascii_case(VEHICLE_STATE) || t.eq_ignore_ascii_case("VEHICLE_STATE_ERROR")
}

/// Interprets one error.
///
/// Upstream input is never the caller's fault: a body that cannot be used
/// is answered from the HTTP status when one in 400-599 is known (with a
/// warning), and malformed upstream fields are ignored with a warning.
///
/// # Errors
/// The body's parse errors (`EmptyBody`, `BodyNotJson`, `BodyNotObject`,
/// `BodyNotAnError`, `BodyTooLarge`), only when no usable HTTP status was
/// given either.
pub fn interpret<'c, 'a>(
    catalog: &'c Catalog,
    input: Input<'a>,
    ctx: &Context<'a>,
) -> Result<Interpretation<'c, 'a>, RequestError> {
    let mut warnings = Vec::new();
    let request_status = upstream::http_status(ctx.http_status, &mut warnings);
    let retry_after = upstream::retry_after(ctx.retry_after, ctx.now, &mut warnings);
    let request_id = upstream::request_id(ctx.request_id, "request_id", &mut warnings);
    let parsed = match input {
        Input::Body(body) => parse_body(body, &|item| rank(catalog, item)),
        Input::OversizedBody { len, limit } => Err(RequestError::BodyTooLarge { len, limit }),
        Input::Structured { error_type, code } => Ok(RawError {
            error_type: Some(Cow::Borrowed(error_type.trim())),
            code: Some(code.trim())
                .filter(|c| !c.is_empty())
                .map(Cow::Borrowed),
            ..RawError::default()
        }),
    };
    let raw = match parsed {
        Ok(raw) => Some(raw),
        Err(problem) => match request_status.filter(|s| is_usable(*s)) {
            Some(_) => {
                warnings.push(Warning::unusable_body(&problem));
                None
            }
            None => return Err(problem),
        },
    };
    let mut interpretation = decide(catalog, raw, request_status, &mut warnings);
    if interpretation.request_id.is_none() {
        interpretation.request_id = request_id.map(Cow::Borrowed);
    }
    if let (RetryStrategy::RetryLater, Some(delay)) = (interpretation.advice.strategy, retry_after)
    {
        interpretation.advice.delay = delay;
        interpretation.advice.delay_reason = DelayReason::RetryAfter;
    }
    interpretation.warnings = warnings;
    Ok(interpretation)
}

/// An HTTP status the table can answer from: 400-599 (docs/design.md §4.5).
fn is_usable(status: u16) -> bool {
    (400..=599).contains(&status)
}

/// How restrictive a v3 error's answer is: the body is answered for its
/// most restrictive error (DO_NOT_RETRY > RETRY_AFTER_ACTION > RETRY_LATER
/// > NO_RETRY_NEEDED).
fn rank(catalog: &Catalog, item: &ItemKey<'_>) -> u8 {
    let raw = RawError {
        error_type: item.error_type.map(Cow::Borrowed),
        code: item.code.map(Cow::Borrowed),
        status: item.status,
        resolution: item.resolution.map(Cow::Borrowed),
        ..RawError::default()
    };
    let decided = decide(catalog, Some(raw), None, &mut Vec::new());
    decided.advice.strategy as u8
}

/// Identifies a parsed error (or, with none, a usable status) and decides
/// the answer, in the order of evidence.
fn decide<'c, 'a>(
    catalog: &'c Catalog,
    raw: Option<RawError<'a>>,
    request_status: Option<u16>,
    warnings: &mut Vec<Warning>,
) -> Interpretation<'c, 'a> {
    // No error body at all, as against an error object without a usable
    // type (a v3 item whose `type` is an object, say).
    let no_body = raw.is_none();
    let raw = raw.unwrap_or_default();
    let status = raw.status.or(request_status);
    if let (Some(body), Some(request)) = (raw.status, request_status)
        && body != request
    {
        warnings.push(Warning::status_mismatch(body, request));
    }
    if raw.other_errors > 0 {
        warnings.push(Warning::other_errors(raw.other_errors));
    }
    let request_id = raw
        .request_id
        .and_then(|id| upstream::body_request_id(id, warnings));
    let table = catalog.table();
    let error_type = raw.error_type.as_deref();
    let code = raw.code.as_deref().filter(|c| c.len() <= MAX_CODE_LEN);

    let mut known_type = None;
    let (identification, decided_by, source) = match error_type {
        Some(t) if is_vehicle_state_type(t) => {
            known_type = Some(VEHICLE_STATE);
            let (entry, identification) = match code.and_then(|c| catalog.get(c)) {
                Some((entry, Found::Code)) => (entry, Identification::ExactCode),
                Some((entry, Found::LegacyCode)) => (entry, Identification::LegacyCode),
                None => (catalog.fallback(), Identification::UnknownCode),
            };
            (
                identification,
                DecisionSource::Catalog,
                Source::Entry(entry),
            )
        }
        Some(t) => match table.find_type(t) {
            Some((error_type, implied)) => {
                known_type = Some(error_type.name.as_str());
                let (id, found) = error_type.answer_for(code.or(implied));
                let identification = match found {
                    CodeMatch::Listed if code.is_none() && implied.is_some() => {
                        Identification::LegacyCode
                    }
                    CodeMatch::Listed => Identification::ExactCode,
                    CodeMatch::Legacy => Identification::LegacyCode,
                    CodeMatch::Unlisted => Identification::UnknownCode,
                };
                (
                    identification,
                    DecisionSource::TypeTable,
                    Source::Answer(id),
                )
            }
            None => match table.oauth(t).filter(|_| raw.legacy_format) {
                Some(id) => (
                    Identification::ExactCode,
                    DecisionSource::TypeTable,
                    Source::Answer(id),
                ),
                None => from_status(catalog, status, Identification::UnknownType),
            },
        },
        None if no_body => from_status(catalog, status, Identification::NoErrorBody),
        None => from_status(catalog, status, Identification::UnknownType),
    };
    let (key, entry, answer, category, mut advice, mut propagation, reason) = match source {
        Source::Entry(matched) => {
            let e = matched.entry;
            (
                AnswerKey::Entry(matched.id),
                Some(matched),
                None,
                e.category,
                advice_from(&e.retry),
                Propagation::FailedPrecondition,
                e.reason.as_str(),
            )
        }
        Source::Answer(id) => {
            let a = table.answer(id);
            // A bare 409 answers with UNKNOWN's guidance: its entry, for the
            // texts and the catalog code.
            let entry = a.vehicle_state_fallback.then(|| catalog.fallback());
            (
                AnswerKey::Table(id),
                entry,
                Some((id, a)),
                a.category,
                advice_from(&a.retry),
                a.propagation,
                a.reason.as_str(),
            )
        }
    };
    let mut decided_by = decided_by;
    // The body's explicit resolution outranks the table, the status and the
    // default, never the catalog (vehicle-state guidance is documented).
    let resolution = raw
        .resolution
        .as_deref()
        .and_then(ResolutionType::parse)
        .filter(|_| entry.is_none());
    if let Some(resolution) = resolution {
        apply_resolution(resolution, &mut advice, &mut propagation, &mut decided_by);
    }

    Interpretation {
        identification,
        decided_by,
        key,
        entry,
        answer,
        reason,
        error_type: raw.error_type,
        known_type,
        error_code: raw.code,
        category,
        advice,
        propagation,
        request_id,
        http_status: status,
        other_errors: raw.other_errors,
        warnings: Vec::new(),
        body: BodyTexts {
            description: raw.description,
            suggested_user_message: raw.suggested_user_message,
            doc_url: raw.doc_url,
        },
    }
}

/// The answer for an error identified by its HTTP status alone, else the
/// default.
fn from_status(
    catalog: &Catalog,
    status: Option<u16>,
    identification: Identification,
) -> (Identification, DecisionSource, Source<'_>) {
    let table = catalog.table();
    match status
        .filter(|s| is_usable(*s))
        .and_then(|s| table.status(s))
    {
        Some(id) => (
            identification,
            DecisionSource::HttpStatus,
            Source::Answer(id),
        ),
        None => (
            identification,
            DecisionSource::Default,
            Source::Answer(table.unrecognized()),
        ),
    }
}

/// The advice a retry policy gives before anything else is considered.
fn advice_from(policy: &crate::catalog::RetryPolicy) -> RetryAdvice<'_> {
    RetryAdvice {
        strategy: policy.strategy,
        action: policy.action,
        delay: policy.delay,
        delay_reason: DelayReason::Catalog(&policy.delay_reason),
    }
}

/// What identified an error: a vehicle-state entry or a table answer.
#[derive(Debug, Clone, Copy)]
enum Source<'c> {
    Entry(CatalogEntry<'c>),
    Answer(AnswerId),
}

/// Applies a body's `resolution.type` (docs/design.md §5.2): it sets the
/// strategy and action; when it changes the strategy, the propagated code
/// follows the final strategy, so a retry layer never retries what must
/// not be retried.
fn apply_resolution(
    resolution: ResolutionType,
    advice: &mut RetryAdvice<'_>,
    propagation: &mut Propagation,
    decided_by: &mut DecisionSource,
) {
    let (strategy, action, reason) = match resolution {
        ResolutionType::None => return,
        ResolutionType::RetryLater => (
            RetryStrategy::RetryLater,
            Action::None,
            "The error's resolution is RETRY_LATER; one minute is a cautious default.",
        ),
        ResolutionType::Reauthenticate => (
            RetryStrategy::RetryAfterAction,
            Action::UserReconnect,
            "The error's resolution is REAUTHENTICATE; retry once the user has signed in again.",
        ),
        ResolutionType::ContactSupport => (
            RetryStrategy::DoNotRetry,
            Action::ContactSupport,
            "The error's resolution is CONTACT_SUPPORT; retrying will not help.",
        ),
    };
    if (strategy, action) == (advice.strategy, advice.action) {
        return;
    }
    *decided_by = DecisionSource::Resolution;
    if strategy != advice.strategy {
        *propagation = match strategy {
            RetryStrategy::RetryLater if propagation.is_retried_by_infrastructure() => *propagation,
            RetryStrategy::DoNotRetry | RetryStrategy::RetryAfterAction
                if !propagation.is_retried_by_infrastructure() =>
            {
                *propagation
            }
            _ => Propagation::FailedPrecondition,
        };
        if !(strategy == RetryStrategy::RetryLater && advice.strategy == RetryStrategy::RetryLater)
        {
            advice.delay = match strategy {
                RetryStrategy::RetryLater => DEFAULT_RETRY_LATER_DELAY,
                _ => Duration::ZERO,
            };
            advice.delay_reason = DelayReason::Fixed(reason);
        }
    }
    advice.strategy = strategy;
    advice.action = action;
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
