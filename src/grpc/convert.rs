//! Conversions between domain values and proto messages. Only converts:
//! the handlers have already asked the domain for the interpretation and
//! its rendered messages.

use std::time::Duration;

use super::{encoded::EncodedCatalog, pb, pb::server, propagation};
use crate::catalog::{
    Action, Category, ResolutionType, RetryStrategy, TextBlock, VehicleStateError,
};
use crate::interpret::{Interpretation, MatchKind, Messages};

/// Converts an interpretation and its rendered messages, holding what
/// `view` holds (AIP-157: unspecified is BASIC).
pub(super) fn interpretation(
    interp: &Interpretation<'_, '_>,
    messages: Messages<'_>,
    encoded: &EncodedCatalog,
    view: server::InterpretationView,
) -> server::InterpretResponse {
    let entry = interp.entry.map(|e| encoded.entry(e.id));
    let full = view == server::InterpretationView::Full;
    let propagation_status = propagation::status(interp, &messages, entry);
    server::InterpretResponse {
        identification: identification(interp.match_kind) as i32,
        decided_by: decided_by(interp) as i32,
        error_type: upper(&interp.error_type),
        error_code: upper(interp.error_code.as_deref().unwrap_or_default()),
        reason: propagation::reason(interp),
        catalog_code: interp
            .entry
            .map(|e| e.entry.code.clone())
            .unwrap_or_default(),
        category: category(interp.category) as i32,
        retry_advice: Some(server::RetryAdvice {
            strategy: strategy(interp.advice.strategy) as i32,
            action: action(interp.advice.action) as i32,
            suggested_delay: Some(duration(interp.advice.delay)),
            delay_reason: interp.advice.delay_reason.as_str().to_owned(),
        }),
        user_message: messages.user_message.clone(),
        request_id: interp.request_id.as_deref().unwrap_or_default().to_owned(),
        http_status: interp.http_status.map_or(0, u32::from),
        other_error_count: interp.other_errors,
        warnings: warnings(interp),
        propagation_code: propagation_status.code,
        propagation_status: Some(propagation_status),
        vehicle_state_error: entry.filter(|_| full).map(|e| e.shared.clone()),
        messages: full.then(|| server::RenderedMessages {
            suggested_user_message: messages.suggested_user_message.into_owned(),
            description: messages.description.into_owned(),
            suggested_resolution: messages.suggested_resolution.to_owned(),
            troubleshooting_steps: messages.troubleshooting_steps.to_vec(),
            locale: messages.locale.to_owned(),
            body_suggested_user_message: String::new(),
        }),
    }
}

fn warnings(interp: &Interpretation<'_, '_>) -> Vec<server::InterpretationWarning> {
    let mut out = Vec::new();
    if interp.http_status_mismatch {
        out.push(server::InterpretationWarning {
            reason: "HTTP_STATUS_MISMATCH".to_owned(),
            field: "http_status".to_owned(),
            message: "the body's status and the request's http_status differ; the body's is used"
                .to_owned(),
            metadata: Default::default(),
        });
    }
    if interp.other_errors > 0 {
        out.push(server::InterpretationWarning {
            reason: "OTHER_ERRORS_IGNORED".to_owned(),
            field: "body".to_owned(),
            message: "the body held several errors; one was answered".to_owned(),
            metadata: Default::default(),
        });
    }
    out
}

fn identification(m: MatchKind) -> pb::Identification {
    match m {
        MatchKind::Exact => pb::Identification::ExactCode,
        MatchKind::LegacyCode => pb::Identification::LegacyCode,
        MatchKind::Fallback => pb::Identification::UnknownCode,
        MatchKind::NotVehicleState => pb::Identification::UnknownType,
    }
}

fn decided_by(interp: &Interpretation<'_, '_>) -> pb::DecisionSource {
    match (interp.entry, interp.advice.delay_reason) {
        (Some(_), _) => pb::DecisionSource::Catalog,
        (None, _) => pb::DecisionSource::Default,
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
            action: action(e.retry.action) as i32,
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
        pb::Category::Access => Ok(Some(Category::Access)),
        pb::Category::Account => Ok(Some(Category::Account)),
        pb::Category::RateLimit => Ok(Some(Category::RateLimit)),
        pb::Category::Billing => Ok(Some(Category::Billing)),
        pb::Category::Compatibility => Ok(Some(Category::Compatibility)),
        pb::Category::Upstream => Ok(Some(Category::Upstream)),
        pb::Category::Provider => Ok(Some(Category::Provider)),
        pb::Category::Request => Ok(Some(Category::Request)),
    }
}

/// A list filter's retry strategy, as [`category_filter`].
pub(super) fn strategy_filter(value: i32) -> Result<Option<RetryStrategy>, ()> {
    match pb::RetryStrategy::try_from(value).map_err(drop)? {
        pb::RetryStrategy::Unspecified => Ok(None),
        pb::RetryStrategy::RetryLater => Ok(Some(RetryStrategy::RetryLater)),
        pb::RetryStrategy::RetryAfterAction => Ok(Some(RetryStrategy::RetryAfterAction)),
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
        Category::Access => pb::Category::Access,
        Category::Account => pb::Category::Account,
        Category::RateLimit => pb::Category::RateLimit,
        Category::Billing => pb::Category::Billing,
        Category::Compatibility => pb::Category::Compatibility,
        Category::Upstream => pb::Category::Upstream,
        Category::Provider => pb::Category::Provider,
        Category::Request => pb::Category::Request,
    }
}

fn strategy(s: RetryStrategy) -> pb::RetryStrategy {
    match s {
        RetryStrategy::RetryLater => pb::RetryStrategy::RetryLater,
        RetryStrategy::RetryAfterAction => pb::RetryStrategy::RetryAfterAction,
        RetryStrategy::NoRetryNeeded => pb::RetryStrategy::NoRetryNeeded,
        RetryStrategy::DoNotRetry => pb::RetryStrategy::DoNotRetry,
    }
}

fn action(a: Action) -> pb::Action {
    match a {
        Action::None => pb::Action::None,
        Action::DriverAtVehicle => pb::Action::DriverAtVehicle,
        Action::UserReconnect => pb::Action::UserReconnect,
        Action::UserAccountAction => pb::Action::UserAccountAction,
        Action::CallerRefreshCredentials => pb::Action::CallerRefreshCredentials,
        Action::CallerFixRequest => pb::Action::CallerFixRequest,
        Action::ContactSupport => pb::Action::ContactSupport,
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
