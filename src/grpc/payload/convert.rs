//! The payload domain's values as proto messages: the event, an item, a
//! verdict, a warning, and the answers the adapter writes itself (a body
//! over the size limit, an ignored operation). Leaf of the payload
//! adapter: it names `pb`, the adapter's enum conversions and the
//! domain's values.

use super::super::convert::{action, scope};
use super::super::pb::server;
use super::super::wire::EncodedInterpretResponse;
use crate::interpret::{Interpretation, Messages};
use crate::payload::{
    DeliveredAt, Envelope, Event, EventType, Extent, Item, ItemState, Mode, Outcome, PayloadKind,
    PayloadWarning, PayloadWarningKind, Verdict,
};

/// What the body was recognised as.
pub(super) fn kind(k: PayloadKind) -> server::PayloadKind {
    match k {
        PayloadKind::Webhook => server::PayloadKind::Webhook,
        PayloadKind::SignalsResponse => server::PayloadKind::SignalsResponse,
        PayloadKind::BatchResponse => server::PayloadKind::BatchResponse,
        PayloadKind::Unrecognized => server::PayloadKind::Unrecognized,
    }
}

/// A webhook event, every string as sent (empty when absent).
pub(super) fn event(e: &Event<'_>) -> server::WebhookEvent {
    let text = |s: &Option<std::borrow::Cow<'_, str>>| s.as_deref().unwrap_or_default().to_owned();
    server::WebhookEvent {
        r#type: match e.event_type {
            EventType::Verify => server::WebhookEventType::Verify,
            EventType::VehicleState => server::WebhookEventType::VehicleState,
            EventType::VehicleError => server::WebhookEventType::VehicleError,
            EventType::Unknown => server::WebhookEventType::Other,
        } as i32,
        type_name: e.name.clone().into_owned(),
        event_id: text(&e.event_id),
        delivery_id: text(&e.delivery_id),
        webhook_id: text(&e.webhook_id),
        mode: match e.mode {
            Mode::Unspecified => server::WebhookMode::Unspecified,
            Mode::Live => server::WebhookMode::Live,
            Mode::Test => server::WebhookMode::Test,
            Mode::Other => server::WebhookMode::Other,
        } as i32,
        mode_name: text(&e.mode_name),
        vehicle_id: text(&e.vehicle_id),
        user_id: text(&e.user_id),
        challenge: text(&e.challenge),
        delivered_at: match &e.delivered_at {
            None => String::new(),
            Some(DeliveredAt::Text(t)) => t.clone().into_owned(),
            Some(DeliveredAt::EpochMillis(ms)) => ms.to_string(),
        },
        version: text(&e.version),
        envelope: match e.envelope {
            Envelope::V4 => server::WebhookEnvelope::V4,
            Envelope::Legacy2 => server::WebhookEnvelope::Legacy2,
        } as i32,
    }
}

/// An item around its rendered `interpretation`; its vehicle is its own
/// when the payload names one per item, else the event's.
pub(super) fn item(
    item: &Item<'_, '_>,
    interpretation: EncodedInterpretResponse,
    event_vehicle: Option<&str>,
) -> server::PayloadItem {
    server::PayloadItem {
        interpretation: Some(interpretation),
        state: match item.state {
            ItemState::Error => server::ErrorState::Error,
            ItemState::Resolved => server::ErrorState::Resolved,
        } as i32,
        extent: match item.extent {
            Extent::Vehicle => server::ErrorExtent::Vehicle,
            Extent::Signals => server::ErrorExtent::Signals,
            Extent::Path => server::ErrorExtent::Path,
        } as i32,
        signals: item
            .signals
            .iter()
            .map(|s| s.clone().into_owned())
            .collect(),
        paths: item.paths.iter().map(|p| p.clone().into_owned()).collect(),
        relevant: item.relevant,
        vehicle_id: item
            .vehicle_id
            .as_deref()
            .or(event_vehicle)
            .unwrap_or_default()
            .to_owned(),
    }
}

/// A verdict, its action, URL, user message and scope taken from the
/// deciding item (its index, interpretation and rendered messages: so
/// exactly what that item says, in the caller's app name and locale);
/// `OK` has none of them.
pub(super) fn verdict(
    v: &Verdict<'_>,
    deciding: Option<(usize, &Interpretation<'_, '_>, &Messages<'_>)>,
) -> server::PayloadVerdict {
    let advice = deciding.map(|(_, d, _)| &d.advice);
    server::PayloadVerdict {
        outcome: match v.outcome {
            Outcome::Ok => server::VerdictOutcome::Ok,
            Outcome::Unsupported => server::VerdictOutcome::Unsupported,
            Outcome::Wait => server::VerdictOutcome::Wait,
            Outcome::ActionRequired => server::VerdictOutcome::ActionRequired,
        } as i32,
        reason: v.reason.unwrap_or_default().to_owned(),
        action: advice.map_or(server::Action::None as i32, |a| action(a.action) as i32),
        action_url: deciding
            .and_then(|(_, d, _)| d.action_url.as_deref())
            .unwrap_or_default()
            .to_owned(),
        user_message: deciding
            .map(|(_, _, m)| m.user_message.clone())
            .unwrap_or_default(),
        cleared_reasons: v.cleared_reasons.iter().map(|r| (*r).to_owned()).collect(),
        deciding_item: deciding.and_then(|(i, _, _)| u32::try_from(i).ok()),
        scope: advice.map_or(server::Scope::Unspecified as i32, |a| scope(a.scope) as i32),
    }
}

/// A payload warning. Every one is about the body, except
/// `USED_SIGNALS_EMPTY`; the JSON field a warning names stays in its
/// metadata (`field`).
pub(super) fn warning(w: &PayloadWarning) -> server::InterpretationWarning {
    let field = match w.kind {
        PayloadWarningKind::UsedSignalsEmpty => "used_signals",
        _ => "body",
    };
    server::InterpretationWarning {
        reason: w.kind.reason().to_owned(),
        field: field.to_owned(),
        message: w.kind.message().to_owned(),
        metadata: w
            .metadata
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    }
}

/// `OPERATION_IGNORED`: a webhook delivery answers no request of the
/// caller's, so the operation it named changes nothing.
pub(super) fn operation_ignored() -> server::InterpretationWarning {
    server::InterpretationWarning {
        reason: "OPERATION_IGNORED".to_owned(),
        field: "operation".to_owned(),
        message: "a webhook delivery answers no request of the caller's; the operation was ignored"
            .to_owned(),
        metadata: Default::default(),
    }
}

/// The answer for a body over the payload size limit, unread:
/// `UNRECOGNIZED` with `BODY_TOO_LARGE` (the length and the limit in its
/// metadata) and an `OK` verdict, as for any body that is no payload.
pub(super) fn too_large(len: usize, limit: usize) -> server::InterpretPayloadResponse {
    server::InterpretPayloadResponse {
        payload_kind: server::PayloadKind::Unrecognized as i32,
        verdict: Some(verdict(
            &Verdict {
                outcome: Outcome::Ok,
                deciding_item: None,
                reason: None,
                cleared_reasons: Vec::new(),
            },
            None,
        )),
        warnings: vec![server::InterpretationWarning {
            reason: "BODY_TOO_LARGE".to_owned(),
            field: "body".to_owned(),
            message: "the body is over the payload size limit; no errors were read".to_owned(),
            metadata: [("length", len), ("limit", limit)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_string()))
                .collect(),
        }],
        ..Default::default()
    }
}
