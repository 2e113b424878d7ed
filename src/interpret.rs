//! The domain decision: identify an error, decide when to retry, who acts
//! and what to propagate, and render its messages. Pure functions over a
//! `Catalog` (its vehicle-state entries and its type table); no gRPC types.
//!
//! Layout: `interpretation` names the input and the answer, `parse` reads
//! bodies, `upstream` reads the request's upstream fields leniently
//! (warnings, never failures), `request` checks what the caller itself
//! sets, `decide` weighs the evidence (docs/design.md §4 and §5),
//! `warning` names what was ignored or repaired, `messages` renders,
//! `error` names the caller's mistakes, `lenient` holds what `parse` and
//! the `payload` readers share, `action_url` checks the link a body asks
//! the user to open, `violation` words the precondition or quota an
//! answer states (the adapter places it in status details), and `labels`
//! names the kinds for metrics and spans (which watch interpretations
//! through `crate::observe`); this file runs one request through them.

mod action_url;
mod decide;
mod error;
mod interpretation;
mod labels;
pub(crate) mod lenient;
mod messages;
mod parse;
mod request;
mod upstream;
pub(crate) mod violation;
mod warning;

use std::borrow::Cow;

pub use action_url::MAX_ACTION_URL_LEN;
pub use decide::{DEFAULT_RETRY_LATER_DELAY, is_vehicle_state_type};
pub use error::{LookupError, RequestError};
pub use interpretation::{
    AnswerKey, BodyTexts, Context, DecisionSource, DelayReason, Identification, Input,
    Interpretation, RetryAdvice,
};
pub use messages::Messages;
pub(crate) use parse::{RawError, parse_body};
pub use request::{AppName, Locale, check_type_or_code};
pub use upstream::MAX_RETRY_AFTER;
pub use warning::{Warning, WarningKind};

use crate::catalog::{Catalog, RetryStrategy};
use decide::{decide, is_usable, rank};

/// Interprets one error, for the caller's operation when `ctx` says one
/// (design 3d).
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
        Input::Body(body) => parse_body(body, &|item| rank(catalog, item, ctx.operation)),
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
    let mut interpretation = decide(catalog, raw, request_status, ctx.operation, &mut warnings);
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

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
