//! The one place an `InterpretResponse` is made: written in its wire
//! format straight from the interpretation, its rendered messages, the
//! propagation status (`propagation`) and, for the FULL view, the entry
//! encoded once per snapshot (`encoded`).
//!
//! Why written rather than built: an answer built as a prost struct
//! copied half a dozen strings into owned ones, moved the ~460-byte struct
//! through tonic's futures and was then traversed again to encode it
//! (prost recomputes nested lengths on the way): about a third of what
//! `Interpret` spent beyond design 6's floor, which answers pre-encoded
//! bytes, by a profile. Written here it is one buffer and no struct, and
//! a call costs about 2.7 % less CPU (docs/benchmarks.md, Sixth
//! session). Unit tests check that every answer they see is exactly
//! prost's encoding of the message it decodes to (field order, defaults
//! left out, lengths); the API tests check its values.

use super::convert::{
    action, category, decided_by, duration, identification, rpc_code, scope, strategy,
};
use super::encoded::EncodedCatalog;
use super::pb::server;
use super::propagation;
use super::wire::{EncodedInterpretResponse, bytes_field, message_field, text_field, varint_field};
use crate::interpret::{Interpretation, Messages, Warning};
use crate::rules::upper;

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

/// The response to an interpretation and its messages rendered with
/// `app_name` (the full view renders the body's own message with it too),
/// holding what `view` holds (AIP-157: unspecified is BASIC), for
/// `delivery`.
pub(super) fn interpret_response(
    interp: &Interpretation<'_, '_>,
    messages: &Messages<'_>,
    app_name: &str,
    encoded: &EncodedCatalog,
    view: server::InterpretationView,
    delivery: Delivery,
) -> EncodedInterpretResponse {
    use field::answer as f;
    let full = view == server::InterpretationView::Full;
    let status = (delivery == Delivery::Call)
        .then(|| propagation::status(interp, messages, encoded.answer(interp.key)));
    let entry = interp
        .entry
        .filter(|_| full)
        .map(|e| encoded.entry(e.id).shared.as_bytes());
    // Room for the whole answer at once: the parts of known length and
    // 256 bytes for the short fields.
    let capacity = 256
        + messages.user_message.len()
        + status.as_ref().map_or(0, |s| s.as_bytes().len())
        + entry.map_or(0, <[u8]>::len)
        + if full { rendered_len(messages) } else { 0 };
    let error_type = match interp.known_type {
        Some(t) => t.into(),
        None => upper(interp.error_type.as_deref().unwrap_or_default()),
    };
    let error_code = upper(interp.error_code.as_deref().unwrap_or_default());
    let catalog_code = interp.entry.map_or("", |e| e.entry.code.as_str());
    let request_id = interp.request_id.as_deref().unwrap_or_default();
    let action_url = interp.action_url.as_deref().unwrap_or_default();
    let mut buf = Vec::with_capacity(capacity);
    let b = &mut buf;
    // In field-number order, as prost writes them.
    if let Some(entry) = entry {
        bytes_field(b, f::VEHICLE_STATE_ERROR, entry);
    }
    text_field(b, f::ERROR_TYPE, &error_type);
    text_field(b, f::ERROR_CODE, &error_code);
    varint_field(b, f::CATEGORY, category(interp.category) as i32);
    message_field(b, f::RETRY_ADVICE, |b| retry_advice(b, interp, delivery));
    if full {
        message_field(b, f::MESSAGES, |b| rendered(b, interp, messages, app_name));
    }
    text_field(b, f::REQUEST_ID, request_id);
    varint_field(b, f::HTTP_STATUS, interp.http_status.map_or(0, u32::from));
    varint_field(b, f::OTHER_ERROR_COUNT, interp.other_errors);
    varint_field(b, f::PROPAGATION_CODE, rpc_code(interp.propagation) as i32);
    if let Some(status) = &status {
        bytes_field(b, f::PROPAGATION_STATUS, status.as_bytes());
    }
    let identified = identification(interp.identification);
    varint_field(b, f::IDENTIFICATION, identified as i32);
    varint_field(b, f::DECIDED_BY, decided_by(interp.decided_by) as i32);
    text_field(b, f::REASON, interp.reason);
    text_field(b, f::CATALOG_CODE, catalog_code);
    text_field(b, f::USER_MESSAGE, &messages.user_message);
    for w in &interp.warnings {
        message_field(b, f::WARNINGS, |b| warning(b, w));
    }
    text_field(b, f::ACTION_URL, action_url);
    EncodedInterpretResponse(buf)
}

/// `RetryAdvice`'s fields.
fn retry_advice(b: &mut Vec<u8>, interp: &Interpretation<'_, '_>, delivery: Delivery) {
    use field::advice as f;
    let advice = &interp.advice;
    varint_field(b, f::STRATEGY, strategy(advice.strategy) as i32);
    if delivery == Delivery::Call {
        let delay = duration(advice.delay);
        message_field(b, f::SUGGESTED_DELAY, |b| {
            varint_field(b, field::duration::SECONDS, delay.seconds);
            varint_field(b, field::duration::NANOS, delay.nanos);
        });
    }
    text_field(b, f::DELAY_REASON, advice.delay_reason.as_str());
    varint_field(b, f::ACTION, action(advice.action) as i32);
    varint_field(b, f::SCOPE, scope(advice.scope) as i32);
}

/// `RenderedMessages`' fields (the FULL view).
fn rendered(b: &mut Vec<u8>, interp: &Interpretation<'_, '_>, m: &Messages<'_>, app_name: &str) {
    use field::messages as f;
    text_field(b, f::SUGGESTED_USER_MESSAGE, &m.suggested_user_message);
    text_field(b, f::DESCRIPTION, &m.description);
    text_field(b, f::SUGGESTED_RESOLUTION, m.suggested_resolution);
    // A repeated string writes every element, empty ones too.
    for step in m.troubleshooting_steps {
        bytes_field(b, f::TROUBLESHOOTING_STEPS, step.as_bytes());
    }
    text_field(b, f::LOCALE, m.locale);
    if let Some(own) = interp.body_suggested_user_message(app_name) {
        text_field(b, f::BODY_SUGGESTED_USER_MESSAGE, &own);
    }
}

/// About the length of `RenderedMessages`, for the buffer's capacity.
fn rendered_len(m: &Messages<'_>) -> usize {
    let steps: usize = m.troubleshooting_steps.iter().map(|s| s.len() + 3).sum();
    m.suggested_user_message.len() + m.description.len() + m.suggested_resolution.len() + steps
}

/// `InterpretationWarning`'s fields.
fn warning(b: &mut Vec<u8>, w: &Warning) {
    use field::warning as f;
    text_field(b, f::REASON, w.kind.reason());
    text_field(b, f::FIELD, w.field);
    text_field(b, f::MESSAGE, w.kind.message());
    // A map<string, string> is one entry message per pair, key 1 and
    // value 2, each left out when empty, as prost writes it.
    for (key, value) in &w.metadata {
        message_field(b, f::METADATA, |b| {
            text_field(b, 1, key);
            text_field(b, 2, value);
        });
    }
}

/// The field numbers of proto/vehicle_errors/v1/interpreter.proto (and
/// `google.protobuf.Duration`) the writers above use. A number that is
/// wrong in kind or order fails the unit tests (prost's encoding differs);
/// one that names another field of the same kind fails the API tests
/// (the value is read from the wrong field).
mod field {
    /// `InterpretResponse`.
    pub(super) mod answer {
        pub(in super::super) const VEHICLE_STATE_ERROR: u32 = 2;
        pub(in super::super) const ERROR_TYPE: u32 = 3;
        pub(in super::super) const ERROR_CODE: u32 = 4;
        pub(in super::super) const CATEGORY: u32 = 5;
        pub(in super::super) const RETRY_ADVICE: u32 = 6;
        pub(in super::super) const MESSAGES: u32 = 7;
        pub(in super::super) const REQUEST_ID: u32 = 8;
        pub(in super::super) const HTTP_STATUS: u32 = 9;
        pub(in super::super) const OTHER_ERROR_COUNT: u32 = 11;
        pub(in super::super) const PROPAGATION_CODE: u32 = 12;
        pub(in super::super) const PROPAGATION_STATUS: u32 = 13;
        pub(in super::super) const IDENTIFICATION: u32 = 14;
        pub(in super::super) const DECIDED_BY: u32 = 15;
        pub(in super::super) const REASON: u32 = 16;
        pub(in super::super) const CATALOG_CODE: u32 = 17;
        pub(in super::super) const USER_MESSAGE: u32 = 18;
        pub(in super::super) const WARNINGS: u32 = 19;
        pub(in super::super) const ACTION_URL: u32 = 20;
    }

    /// `RetryAdvice`.
    pub(super) mod advice {
        pub(in super::super) const STRATEGY: u32 = 1;
        pub(in super::super) const SUGGESTED_DELAY: u32 = 4;
        pub(in super::super) const DELAY_REASON: u32 = 5;
        pub(in super::super) const ACTION: u32 = 6;
        pub(in super::super) const SCOPE: u32 = 7;
    }

    /// `google.protobuf.Duration`.
    pub(super) mod duration {
        pub(in super::super) const SECONDS: u32 = 1;
        pub(in super::super) const NANOS: u32 = 2;
    }

    /// `RenderedMessages`.
    pub(super) mod messages {
        pub(in super::super) const SUGGESTED_USER_MESSAGE: u32 = 2;
        pub(in super::super) const DESCRIPTION: u32 = 3;
        pub(in super::super) const SUGGESTED_RESOLUTION: u32 = 4;
        pub(in super::super) const TROUBLESHOOTING_STEPS: u32 = 5;
        pub(in super::super) const LOCALE: u32 = 6;
        pub(in super::super) const BODY_SUGGESTED_USER_MESSAGE: u32 = 7;
    }

    /// `InterpretationWarning`.
    pub(super) mod warning {
        pub(in super::super) const REASON: u32 = 1;
        pub(in super::super) const FIELD: u32 = 2;
        pub(in super::super) const MESSAGE: u32 = 3;
        pub(in super::super) const METADATA: u32 = 4;
    }
}
