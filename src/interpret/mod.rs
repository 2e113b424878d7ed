//! The domain decision: match an error to the catalog, classify it, advise
//! on retrying and render its messages. Pure functions over `Catalog`; no
//! gRPC types.
//!
//! Layout: `parse` reads bodies, `request` validates the request's other
//! fields, `error` names what can be wrong, this file decides.

mod error;
mod parse;
mod request;

use std::{borrow::Cow, time::Duration};

pub use error::{LookupError, RequestError};
pub use parse::{RawError, parse_body};
pub use request::{
    AppName, Context, Locale, MAX_RETRY_AFTER, check_type_or_code, parse_http_status,
    parse_request_id, parse_retry_after,
};

use crate::catalog::{
    Action, Catalog, CatalogEntry, Category, DOCUMENTATION_LOCALE, Found, MAX_CODE_LEN,
    ResolutionType, RetryStrategy, VEHICLE_STATE,
};
use crate::render::replace_placeholder;

/// The delay advised for an error of another type whose resolution says
/// `RETRY_LATER`: no catalog entry gives one, and a minute neither hammers
/// the API nor leaves the user waiting long.
pub const DEFAULT_RETRY_LATER_DELAY: Duration = Duration::from_secs(60);

/// The error to interpret, borrowed from the request.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// The response body as received.
    Body(&'a str),
    /// An error the caller already parsed.
    Structured {
        /// `type`.
        error_type: &'a str,
        /// `code`; empty for a null code.
        code: &'a str,
    },
}

/// How the input was matched to the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchKind {
    /// Type and code matched an entry.
    Exact,
    /// A legacy `VS_00x` code matched an entry.
    LegacyCode,
    /// A vehicle-state error the catalog lacks; `UNKNOWN`'s guidance.
    Fallback,
    /// An error of another type.
    NotVehicleState,
}

/// Why the advised delay is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DelayReason<'c> {
    /// The catalog's reason for its delay.
    Catalog(&'c str),
    /// The request's `Retry-After`.
    RetryAfter,
    /// A fixed reason for errors outside the catalog.
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

/// The interpretation of one error. Borrows the catalog (`'c`) and the
/// request (`'a`), so producing it allocates nothing for a typical body.
#[derive(Debug, Clone)]
pub struct Interpretation<'c, 'a> {
    /// How the input matched.
    pub match_kind: MatchKind,
    /// The matched entry; `UNKNOWN` for a fallback, `None` for another type.
    pub entry: Option<CatalogEntry<'c>>,
    /// The type as received (v1's `vehicle_state_error` reads as
    /// `VEHICLE_STATE`).
    pub error_type: Cow<'a, str>,
    /// The code as received; `None` when the error had none.
    pub error_code: Option<Cow<'a, str>>,
    /// The category.
    pub category: Category,
    /// The retry advice.
    pub advice: RetryAdvice<'c>,
    /// The body's request id, else the request's.
    pub request_id: Option<Cow<'a, str>>,
    /// The body's HTTP status, else the request's.
    pub http_status: Option<u16>,
    /// Both statuses were known and differ.
    pub http_status_mismatch: bool,
    /// For v3, how many other errors the body held.
    pub other_errors: u32,
    /// The body's own description and short message, used only for errors
    /// of another type, which have no catalog text.
    pub foreign_description: Option<Cow<'a, str>>,
    /// See `foreign_description`.
    pub foreign_user_message: Option<Cow<'a, str>>,
}

/// The messages of an interpretation, rendered with an app name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Messages<'c> {
    /// The long user message.
    pub user_message: String,
    /// The API's short user message.
    pub suggested_user_message: Cow<'c, str>,
    /// The API's description.
    pub description: Cow<'c, str>,
    /// The suggested resolution, joined.
    pub suggested_resolution: &'c str,
    /// The troubleshooting steps.
    pub troubleshooting_steps: &'c [String],
    /// The BCP 47 tag of the user-facing messages (`user_message`,
    /// `suggested_user_message`); the other texts are the documentation's
    /// English.
    pub locale: &'c str,
}

impl<'c> Interpretation<'c, '_> {
    /// Renders the messages with `app_name` in place of `<app name>`, in
    /// the documentation's English.
    pub fn messages(&self, app_name: &str) -> Messages<'c> {
        self.messages_in(app_name, None)
    }

    /// Renders the messages with `app_name`, the user-facing ones in the
    /// catalog's best variant for `locale`
    /// (`VehicleStateError::user_messages`).
    pub fn messages_in(&self, app_name: &str, locale: Option<&str>) -> Messages<'c> {
        match self.entry {
            Some(CatalogEntry { entry, .. }) => {
                let user = entry.user_messages(locale);
                Messages {
                    user_message: user.user_message.render(app_name),
                    suggested_user_message: Cow::Borrowed(user.suggested_user_message),
                    description: Cow::Borrowed(&entry.description),
                    suggested_resolution: &entry.suggested_resolution_text,
                    troubleshooting_steps: &entry.troubleshooting_steps,
                    locale: user.locale,
                }
            }
            None => {
                let short = self.foreign_user_message.as_deref().unwrap_or_default();
                let short = replace_placeholder(short, app_name);
                Messages {
                    user_message: short.clone(),
                    suggested_user_message: Cow::Owned(short),
                    description: Cow::Owned(replace_placeholder(
                        self.foreign_description.as_deref().unwrap_or_default(),
                        app_name,
                    )),
                    suggested_resolution: "",
                    troubleshooting_steps: &[],
                    // An error of another type carries the API's own text.
                    locale: DOCUMENTATION_LOCALE,
                }
            }
        }
    }
}

/// True for the type names of vehicle-state errors: v2/v3's `VEHICLE_STATE`
/// and v1's `vehicle_state_error`, in any letter case.
pub fn is_vehicle_state_type(t: &str) -> bool {
    let t = t.trim();
    t.eq_ignore_ascii_case(VEHICLE_STATE) || t.eq_ignore_ascii_case("VEHICLE_STATE_ERROR")
}

/// Interprets one error.
///
/// # Errors
/// The body's parse errors (`EmptyBody`, `BodyNotJson`, `BodyNotObject`,
/// `BodyNotAnError`). A well-formed error is never an error here: what the
/// catalog lacks is a `Fallback` or `NotVehicleState` match.
pub fn interpret<'c, 'a>(
    catalog: &'c Catalog,
    input: Input<'a>,
    ctx: &Context<'a>,
) -> Result<Interpretation<'c, 'a>, RequestError> {
    let raw = match input {
        Input::Body(body) => parse_body(body)?,
        Input::Structured { error_type, code } => RawError {
            error_type: Some(Cow::Borrowed(error_type.trim())),
            code: Some(code.trim())
                .filter(|c| !c.is_empty())
                .map(Cow::Borrowed),
            ..RawError::default()
        },
    };
    Ok(classify(catalog, raw, ctx))
}

/// Matches a parsed error to the catalog and advises on it.
pub fn classify<'c, 'a>(
    catalog: &'c Catalog,
    raw: RawError<'a>,
    ctx: &Context<'a>,
) -> Interpretation<'c, 'a> {
    let error_type = raw.error_type.unwrap_or_default();
    let is_vehicle_state = is_vehicle_state_type(&error_type);
    let (match_kind, entry) = if is_vehicle_state {
        match raw
            .code
            .as_deref()
            .filter(|c| c.len() <= MAX_CODE_LEN)
            .and_then(|c| catalog.get(c))
        {
            Some((entry, Found::Code)) => (MatchKind::Exact, Some(entry)),
            Some((entry, Found::LegacyCode)) => (MatchKind::LegacyCode, Some(entry)),
            None => (MatchKind::Fallback, Some(catalog.fallback())),
        }
    } else {
        (MatchKind::NotVehicleState, None)
    };

    let (category, mut advice) = match entry.map(|e| e.entry) {
        Some(entry) => (
            entry.category,
            RetryAdvice {
                strategy: entry.retry.strategy,
                action: entry.retry.action,
                delay: entry.retry.delay,
                delay_reason: DelayReason::Catalog(&entry.retry.delay_reason),
            },
        ),
        None => (
            Category::Other,
            advice_from_resolution(raw.resolution.as_deref()),
        ),
    };
    if let (RetryStrategy::RetryLater, Some(delay)) = (advice.strategy, ctx.retry_after) {
        advice.delay = delay;
        advice.delay_reason = DelayReason::RetryAfter;
    }

    let http_status = raw.status.or(ctx.http_status);
    let http_status_mismatch =
        matches!((raw.status, ctx.http_status), (Some(a), Some(b)) if a != b);

    Interpretation {
        match_kind,
        entry,
        error_type: if is_vehicle_state {
            Cow::Borrowed(VEHICLE_STATE)
        } else {
            error_type
        },
        error_code: raw.code,
        category,
        advice,
        request_id: raw.request_id.or_else(|| ctx.request_id.map(Cow::Borrowed)),
        http_status,
        http_status_mismatch,
        other_errors: raw.other_errors,
        foreign_description: raw.description,
        foreign_user_message: raw.suggested_user_message,
    }
}

/// Retry advice for an error of another type, from its `resolution`: the
/// only guidance such an error carries.
fn advice_from_resolution(resolution: Option<&str>) -> RetryAdvice<'static> {
    let kind = resolution
        .and_then(ResolutionType::parse)
        .unwrap_or(ResolutionType::None);
    let (strategy, action, delay, reason) = match kind {
        ResolutionType::RetryLater => (
            RetryStrategy::RetryLater,
            Action::None,
            DEFAULT_RETRY_LATER_DELAY,
            "The error's resolution is RETRY_LATER; without a catalog entry, one minute is a cautious default.",
        ),
        ResolutionType::Reauthenticate => (
            RetryStrategy::RetryAfterAction,
            Action::UserReconnect,
            Duration::ZERO,
            "The error's resolution is REAUTHENTICATE; retry once the user has signed in again.",
        ),
        ResolutionType::ContactSupport => (
            RetryStrategy::DoNotRetry,
            Action::ContactSupport,
            Duration::ZERO,
            "The error's resolution is CONTACT_SUPPORT; retrying will not help.",
        ),
        ResolutionType::None => (
            RetryStrategy::DoNotRetry,
            Action::None,
            Duration::ZERO,
            "The error names no resolution and no catalog entry covers it; do not retry automatically.",
        ),
    };
    RetryAdvice {
        strategy,
        action,
        delay,
        delay_reason: DelayReason::Fixed(reason),
    }
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
