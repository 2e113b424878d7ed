//! `InterpretPayload`'s adapter (docs/design.md §3e, "Payload verdicts"):
//! checks the caller's own fields, runs `crate::payload` on the call's
//! catalog snapshot, and renders every item exactly as `Interpret` renders
//! its one error (`respond::interpret_response`, the same messages, view
//! and encoded catalog): no second classification, no second rendering.
//!
//! Two limits are not here. The payload size limit is: a body over it is
//! answered without being read. The gRPC message limit that admits such a
//! body, and the cap on payload bytes in flight, are the server's
//! (`crate::server`), which sees a message's length before it is buffered.
//!
//! Layout: this file decides and assembles; `convert` maps the domain's
//! payload values (event, item, verdict, warning) to their messages.

mod convert;

use std::time::SystemTime;

use tonic::Status;

use super::pb::server::{self, InterpretPayloadRequest, InterpretPayloadResponse};
use super::respond::{self, Delivery};
use super::{EncodedCatalog, Interpreter};
use crate::interpret::{AppName, Locale};
use crate::payload::{
    self, Limits, Outcome, PayloadAnswer, PayloadError, PayloadKind, PayloadRequest,
};
use crate::reload::Snapshot;

/// The caller's rendering choices, the same for every item.
struct Rendering<'a> {
    app_name: &'a str,
    locale: Option<&'a str>,
    view: server::InterpretationView,
}

impl Interpreter {
    /// Answers one `InterpretPayload` request from `snap`.
    pub(super) fn interpret_payload_one(
        &self,
        snap: &Snapshot<EncodedCatalog>,
        req: &InterpretPayloadRequest,
    ) -> Result<InterpretPayloadResponse, Status> {
        let app_name = AppName::parse(&req.app_name)?;
        let locale = Locale::parse(&req.locale)?;
        let rendering = Rendering {
            app_name: app_name.map_or(snap.default_app_name.as_str(), |a| a.as_str()),
            locale: locale.map(|l| l.as_str()),
            view: req.view(),
        };
        let limit = self.settings.max_payload_bytes;
        if req.body.len() > limit {
            // Upstream input, answered unread; the caller's own fields are
            // still checked, as for any other body.
            payload::check_used_signals(&req.used_signals)?;
            if req.body.trim().is_empty() {
                return Err(PayloadError::EmptyBody.into());
            }
            self.observer
                .payload_interpreted(PayloadKind::Unrecognized, Outcome::Ok, 0);
            return Ok(convert::too_large(req.body.len(), limit));
        }
        // An unknown operation number reads as unspecified, as in
        // Interpret.
        let operation = super::convert::operation(req.operation);
        let request = PayloadRequest {
            body: &req.body,
            used_signals: &req.used_signals,
            limits: Limits::default(),
            now: SystemTime::now(),
            // The domain applies it to batch and signals items only.
            operation,
        };
        let mut answer = payload::interpret_payload(&snap.catalog, &request)?;
        let mut extra = Vec::new();
        if answer.kind == PayloadKind::Webhook && operation.is_some() {
            extra.push(convert::operation_ignored());
        }
        self.observer
            .payload_interpreted(answer.kind, answer.verdict.outcome, answer.items.len());
        Ok(respond_payload(&mut answer, snap, &rendering, extra))
    }
}

/// The response for `answer`: each item rendered as `Interpret` renders
/// it, the verdicts taking their deciding item's rendered fields.
fn respond_payload(
    answer: &mut PayloadAnswer<'_, '_>,
    snap: &Snapshot<EncodedCatalog>,
    rendering: &Rendering<'_>,
    extra_warnings: Vec<server::InterpretationWarning>,
) -> InterpretPayloadResponse {
    // A webhook's items: no suggested delay, no propagation status
    // (never built), the typed code kept.
    let delivery = if answer.kind == PayloadKind::Webhook {
        Delivery::Webhook
    } else {
        Delivery::Call
    };
    let event_vehicle = answer.event.as_ref().and_then(|e| e.vehicle_id.as_deref());
    // Rendered once per item (rendering may add a warning to it); the
    // verdicts take their deciding item's user message from here.
    let messages: Vec<_> = answer
        .items
        .iter_mut()
        .map(|item| {
            item.interpretation
                .messages_in(rendering.app_name, rendering.locale)
        })
        .collect();
    let items: Vec<server::PayloadItem> = answer
        .items
        .iter()
        .zip(&messages)
        .map(|(item, messages)| {
            let interpretation = respond::interpret_response(
                &item.interpretation,
                messages,
                rendering.app_name,
                &snap.cache,
                rendering.view,
                delivery,
            );
            convert::item(item, interpretation, event_vehicle)
        })
        .collect();
    let deciding = |verdict: &payload::Verdict<'_>| {
        let i = verdict.deciding_item?;
        Some((i, &answer.items.get(i)?.interpretation, messages.get(i)?))
    };
    let verdict = convert::verdict(&answer.verdict, deciding(&answer.verdict));
    let vehicle_verdicts = answer
        .vehicle_verdicts
        .iter()
        .map(|v| server::VehicleVerdict {
            vehicle_id: v.vehicle_id.clone().into_owned(),
            verdict: Some(convert::verdict(&v.verdict, deciding(&v.verdict))),
        })
        .collect();
    let mut warnings: Vec<_> = answer.warnings.iter().map(convert::warning).collect();
    warnings.extend(extra_warnings);
    InterpretPayloadResponse {
        payload_kind: convert::kind(answer.kind) as i32,
        event: answer.event.as_ref().map(convert::event),
        items,
        verdict: Some(verdict),
        vehicle_verdicts,
        warnings,
    }
}
