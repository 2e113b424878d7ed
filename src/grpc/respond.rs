//! The one place an `InterpretResponse` is assembled: the converted
//! fields (`convert`), the propagation status (`propagation`) and, for
//! the FULL view, the entry encoded once per snapshot (`encoded`).

use super::convert::{
    action, category, decided_by, duration, identification, rpc_code, scope, strategy, warning,
};
use super::{encoded::EncodedCatalog, pb::server, propagation};
use crate::interpret::{Interpretation, Messages};
use crate::rules::upper;

/// The response to an interpretation and its messages rendered with
/// `app_name` (the full view renders the body's own message with it too),
/// holding what `view` holds (AIP-157: unspecified is BASIC).
pub(super) fn interpret_response(
    interp: &Interpretation<'_, '_>,
    messages: Messages<'_>,
    app_name: &str,
    encoded: &EncodedCatalog,
    view: server::InterpretationView,
) -> server::InterpretResponse {
    interpret_response_for(interp, messages, app_name, encoded, view, Delivery::Call)
}

/// Who the answer is for: a call's caller, or a webhook delivery, which
/// has no suggested delay and no propagation status (no caller to
/// propagate to; the API sends RESOLVED itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Delivery {
    /// An error a call of the caller's got: every field.
    Call,
    /// An error inside a webhook delivery: `propagation_code` kept, the
    /// status never built.
    Webhook,
}

/// [`interpret_response`] for `delivery`.
pub(super) fn interpret_response_for(
    interp: &Interpretation<'_, '_>,
    messages: Messages<'_>,
    app_name: &str,
    encoded: &EncodedCatalog,
    view: server::InterpretationView,
    delivery: Delivery,
) -> server::InterpretResponse {
    let full = view == server::InterpretationView::Full;
    let call = delivery == Delivery::Call;
    let propagation_status =
        call.then(|| propagation::status(interp, &messages, encoded.answer(interp.key)));
    server::InterpretResponse {
        identification: identification(interp.identification) as i32,
        decided_by: decided_by(interp.decided_by) as i32,
        error_type: match interp.known_type {
            Some(t) => t.to_owned(),
            None => upper(interp.error_type.as_deref().unwrap_or_default()).into_owned(),
        },
        error_code: upper(interp.error_code.as_deref().unwrap_or_default()).into_owned(),
        reason: interp.reason.to_owned(),
        catalog_code: interp
            .entry
            .map(|e| e.entry.code.clone())
            .unwrap_or_default(),
        category: category(interp.category) as i32,
        retry_advice: Some(server::RetryAdvice {
            strategy: strategy(interp.advice.strategy) as i32,
            action: action(interp.advice.action) as i32,
            suggested_delay: call.then(|| duration(interp.advice.delay)),
            delay_reason: interp.advice.delay_reason.as_str().to_owned(),
            scope: scope(interp.advice.scope) as i32,
        }),
        request_id: interp.request_id.as_deref().unwrap_or_default().to_owned(),
        http_status: interp.http_status.map_or(0, u32::from),
        other_error_count: interp.other_errors,
        warnings: interp.warnings.iter().map(warning).collect(),
        propagation_code: rpc_code(interp.propagation) as i32,
        propagation_status,
        vehicle_state_error: interp
            .entry
            .filter(|_| full)
            .map(|e| encoded.entry(e.id).shared.clone()),
        messages: full.then(|| server::RenderedMessages {
            suggested_user_message: messages.suggested_user_message.into_owned(),
            description: messages.description.into_owned(),
            suggested_resolution: messages.suggested_resolution.to_owned(),
            troubleshooting_steps: messages.troubleshooting_steps.to_vec(),
            locale: messages.locale.to_owned(),
            body_suggested_user_message: interp
                .body_suggested_user_message(app_name)
                .unwrap_or_default(),
        }),
        user_message: messages.user_message,
        action_url: interp.action_url.as_deref().unwrap_or_default().to_owned(),
    }
}
