//! Conversions between domain values and proto messages. Only converts:
//! the handlers have already asked the domain for the interpretation and
//! its rendered messages.

use std::time::Duration;

use super::{encoded::EncodedCatalog, pb, pb::server, propagation};
use crate::catalog::{Category, ResolutionType, RetryStrategy, TextBlock, VehicleStateError};
use crate::interpret::{Interpretation, MatchKind, Messages};

/// Converts an interpretation and its rendered messages.
pub(super) fn interpretation(
    interp: &Interpretation<'_, '_>,
    messages: Messages<'_>,
    encoded: &EncodedCatalog,
) -> server::InterpretResponse {
    let entry = interp.entry.map(|e| encoded.entry(e.id));
    let status = propagation::status(interp, &messages, entry);
    server::InterpretResponse {
        r#match: match_kind(interp.match_kind) as i32,
        vehicle_state_error: entry.map(|e| e.shared.clone()),
        error_type: upper(&interp.error_type),
        error_code: upper(interp.error_code.as_deref().unwrap_or_default()),
        category: category(interp.category) as i32,
        retry_advice: Some(server::RetryAdvice {
            strategy: strategy(interp.advice.strategy) as i32,
            retryable: interp.advice.retryable(),
            user_action_required: interp.advice.user_action_required(),
            suggested_delay: Some(duration(interp.advice.delay)),
            delay_reason: interp.advice.delay_reason.as_str().to_owned(),
        }),
        messages: Some(server::RenderedMessages {
            user_message: messages.user_message,
            suggested_user_message: messages.suggested_user_message.into_owned(),
            description: messages.description.into_owned(),
            suggested_resolution: messages.suggested_resolution.to_owned(),
            troubleshooting_steps: messages.troubleshooting_steps.to_vec(),
            locale: messages.locale.to_owned(),
        }),
        request_id: interp.request_id.as_deref().unwrap_or_default().to_owned(),
        http_status: interp.http_status.map_or(0, u32::from),
        http_status_mismatch: interp.http_status_mismatch,
        other_error_count: interp.other_errors,
        propagation_code: propagation::propagation_code(interp.advice.strategy) as i32,
        status: Some(status),
    }
}

/// Upper-cases without the per-character work when the text already is,
/// as codes and types almost always are.
fn upper(s: &str) -> String {
    if s.bytes().any(|b| b.is_ascii_lowercase()) {
        s.to_ascii_uppercase()
    } else {
        s.to_owned()
    }
}

/// A catalog entry as its proto message.
pub(super) fn entry(e: &VehicleStateError) -> pb::VehicleStateError {
    pb::VehicleStateError {
        r#type: e.error_type.clone(),
        code: e.code.clone(),
        description: e.description.clone(),
        doc_url: e.doc_url.clone(),
        status_code: u32::from(e.status_code),
        resolution_type: resolution_type(e.resolution) as i32,
        suggested_user_message: e.suggested_user_message.clone(),
        overview: Some(text_block(&e.overview)),
        suggested_resolution: Some(text_block(&e.suggested_resolution)),
        troubleshooting_steps: e.troubleshooting_steps.clone(),
        user_message_template: Some(text_block(&e.user_message_template)),
        category: category(e.category) as i32,
        retry_policy: Some(pb::RetryPolicy {
            strategy: strategy(e.retry.strategy) as i32,
            suggested_delay: Some(duration(e.retry.delay)),
            delay_reason: e.retry.delay_reason.clone(),
        }),
        legacy_codes: e.legacy_codes.clone(),
    }
}

fn text_block(b: &TextBlock) -> pb::TextBlock {
    pb::TextBlock {
        text: b.text.clone(),
        bullets: b.bullets.clone(),
    }
}

/// A whole-second delay as a `google.protobuf.Duration`.
pub(super) fn duration(d: Duration) -> prost_types::Duration {
    prost_types::Duration {
        seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: 0,
    }
}

/// A list filter's category: `Ok(None)` for unspecified (any), `Err` for
/// a number this proto does not define (which matches no entry).
pub(super) fn category_filter(value: i32) -> Result<Option<Category>, ()> {
    match pb::Category::try_from(value).map_err(drop)? {
        pb::Category::Unspecified => Ok(None),
        pb::Category::Connectivity => Ok(Some(Category::Connectivity)),
        pb::Category::Charging => Ok(Some(Category::Charging)),
        pb::Category::Closure => Ok(Some(Category::Closure)),
        pb::Category::VehicleInUse => Ok(Some(Category::VehicleInUse)),
        pb::Category::Power => Ok(Some(Category::Power)),
        pb::Category::Unknown => Ok(Some(Category::Unknown)),
        pb::Category::Other => Ok(Some(Category::Other)),
    }
}

/// A list filter's retry strategy, as [`category_filter`].
pub(super) fn strategy_filter(value: i32) -> Result<Option<RetryStrategy>, ()> {
    match pb::RetryStrategy::try_from(value).map_err(drop)? {
        pb::RetryStrategy::Unspecified => Ok(None),
        pb::RetryStrategy::RetryLater => Ok(Some(RetryStrategy::RetryLater)),
        pb::RetryStrategy::RetryAfterUserAction => Ok(Some(RetryStrategy::RetryAfterUserAction)),
        pb::RetryStrategy::NoRetryNeeded => Ok(Some(RetryStrategy::NoRetryNeeded)),
        pb::RetryStrategy::DoNotRetry => Ok(Some(RetryStrategy::DoNotRetry)),
    }
}

fn category(c: Category) -> pb::Category {
    match c {
        Category::Connectivity => pb::Category::Connectivity,
        Category::Charging => pb::Category::Charging,
        Category::Closure => pb::Category::Closure,
        Category::VehicleInUse => pb::Category::VehicleInUse,
        Category::Power => pb::Category::Power,
        Category::Unknown => pb::Category::Unknown,
        Category::Other => pb::Category::Other,
    }
}

fn strategy(s: RetryStrategy) -> pb::RetryStrategy {
    match s {
        RetryStrategy::RetryLater => pb::RetryStrategy::RetryLater,
        RetryStrategy::RetryAfterUserAction => pb::RetryStrategy::RetryAfterUserAction,
        RetryStrategy::NoRetryNeeded => pb::RetryStrategy::NoRetryNeeded,
        RetryStrategy::DoNotRetry => pb::RetryStrategy::DoNotRetry,
    }
}

fn match_kind(m: MatchKind) -> pb::MatchKind {
    match m {
        MatchKind::Exact => pb::MatchKind::Exact,
        MatchKind::LegacyCode => pb::MatchKind::LegacyCode,
        MatchKind::Fallback => pb::MatchKind::Fallback,
        MatchKind::NotVehicleState => pb::MatchKind::NotVehicleState,
    }
}

/// A match kind's proto name without its prefix, as metrics and
/// `ErrorInfo` metadata spell it.
pub(super) fn match_kind_name(kind: MatchKind) -> &'static str {
    match kind {
        MatchKind::Exact => "EXACT",
        MatchKind::LegacyCode => "LEGACY_CODE",
        MatchKind::Fallback => "FALLBACK",
        MatchKind::NotVehicleState => "NOT_VEHICLE_STATE",
    }
}

fn resolution_type(r: ResolutionType) -> pb::ResolutionType {
    match r {
        ResolutionType::None => pb::ResolutionType::None,
        ResolutionType::RetryLater => pb::ResolutionType::RetryLater,
        ResolutionType::Reauthenticate => pb::ResolutionType::Reauthenticate,
        ResolutionType::ContactSupport => pb::ResolutionType::ContactSupport,
    }
}
