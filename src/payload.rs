//! Payloads that carry several errors (docs/design.md §3e, "Payload
//! verdicts"): webhook deliveries (the v4 envelope and the legacy 2.0
//! one), v3 signal lists and v2 batch responses. Each error inside is
//! answered by [`crate::interpret::interpret`] with the same catalog, so there is
//! no second classification; this module only finds the errors, groups
//! them into items, decides which items matter to the caller and builds
//! the verdict. No gRPC types: the adapter converts these.
//!
//! Layout: `json` holds the lenient serde building blocks, `scan`
//! recognises the envelope and `shapes` streams its lists into `collect`'s
//! groups (only failed signals are kept), `collect` also calls
//! `interpret`, `request` checks the caller's `used_signals` and
//! normalises signal codes, `verdict` decides, `warning` names what was
//! ignored or cut.

mod collect;
mod json;
mod request;
mod scan;
mod shapes;
mod verdict;
mod warning;

use std::{borrow::Cow, time::SystemTime};

pub use request::{MAX_USED_SIGNAL_CHARS, MAX_USED_SIGNALS, PayloadError, signal_code};
pub use verdict::{Outcome, VehicleVerdict, Verdict};
pub use warning::{PayloadWarning, PayloadWarningKind};

use crate::catalog::{Catalog, Operation};
use crate::interpret::Interpretation;

/// What the payload was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadKind {
    /// A webhook delivery: the v4 envelope or the legacy 2.0 one.
    Webhook,
    /// A v3 signals response (`data[]` of signals with `attributes.status`).
    SignalsResponse,
    /// A v2 batch response (`responses[]` of `{path, code, headers, body}`).
    BatchResponse,
    /// None of them; the answer says why in a warning. Upstream input, so
    /// never the caller's error.
    Unrecognized,
}

impl PayloadKind {
    /// The proto enum's value name without its prefix, for metric labels
    /// and span attributes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "WEBHOOK",
            Self::SignalsResponse => "SIGNALS_RESPONSE",
            Self::BatchResponse => "BATCH_RESPONSE",
            Self::Unrecognized => "UNRECOGNIZED",
        }
    }

    /// Every kind, for pre-created metric series.
    pub const ALL: [Self; 4] = [
        Self::Webhook,
        Self::SignalsResponse,
        Self::BatchResponse,
        Self::Unrecognized,
    ];
}

/// Which webhook envelope a delivery came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Envelope {
    /// `{eventId, eventType, data, triggers, meta}`.
    V4,
    /// `{version, webhookId, eventName, payload}`, possibly about several
    /// vehicles.
    Legacy2,
}

/// The webhook event types the service knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// The callback URL check: carries a challenge, no errors.
    Verify,
    /// Signal values; failed signals carry `status.error`.
    VehicleState,
    /// `data.errors[]`, each ERROR or RESOLVED.
    VehicleError,
    /// A type this service does not know; its name is kept as received.
    Unknown,
}

/// The delivery's mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Absent.
    Unspecified,
    /// `LIVE` (any letter case).
    Live,
    /// `TEST` (any letter case).
    Test,
    /// Any other value (the 2.0 envelope's `simulated`, say), kept as sent.
    Other,
}

/// `meta.deliveredAt`, which the API sends as a string or as epoch
/// milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveredAt<'a> {
    /// A timestamp string, as sent.
    Text(Cow<'a, str>),
    /// Milliseconds since the Unix epoch.
    EpochMillis(i64),
}

/// A webhook delivery's event, with every id the caller needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event<'a> {
    /// The envelope it came in.
    pub envelope: Envelope,
    /// The event type.
    pub event_type: EventType,
    /// The type's name as received (`eventType`, or 2.0's `eventName`).
    pub name: Cow<'a, str>,
    /// `eventId`: the same across re-deliveries, so the key to
    /// de-duplicate on.
    pub event_id: Option<Cow<'a, str>>,
    /// `meta.deliveryId`: each delivery attempt's own.
    pub delivery_id: Option<Cow<'a, str>>,
    /// `meta.webhookId` (2.0: `webhookId`).
    pub webhook_id: Option<Cow<'a, str>>,
    /// `meta.version` (2.0: `version`).
    pub version: Option<Cow<'a, str>>,
    /// `meta.deliveredAt`.
    pub delivered_at: Option<DeliveredAt<'a>>,
    /// The mode.
    pub mode: Mode,
    /// The mode as sent.
    pub mode_name: Option<Cow<'a, str>>,
    /// `data.vehicle.id` (2.0: `payload.vehicleId`, or the only vehicle).
    pub vehicle_id: Option<Cow<'a, str>>,
    /// `data.user.id`.
    pub user_id: Option<Cow<'a, str>>,
    /// VERIFY's `data.challenge` (2.0: `payload.challenge`): the caller
    /// answers with its HMAC-SHA256 under the application management token,
    /// which this service never holds. Only a challenge of at most
    /// [`MAX_CHALLENGE_CHARS`] characters of `[A-Za-z0-9._~-]` is passed on,
    /// the set the client packages' receivers answer (a receiver that signs
    /// anything signs what an attacker chooses).
    pub challenge: Option<Cow<'a, str>>,
}

/// The longest VERIFY challenge passed on.
pub const MAX_CHALLENGE_CHARS: usize = 256;

/// An item's state: an error still present, or one the API says is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ItemState {
    /// `state: ERROR`, or no state (signal errors, batch sub-responses).
    Error,
    /// `state: RESOLVED`.
    Resolved,
}

/// What an error covers; not the retry advice's scope (what to pause).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Extent {
    /// The whole vehicle: an error without signals.
    Vehicle,
    /// The listed signals.
    Signals,
    /// The listed batch paths.
    Path,
}

/// One distinct error of the payload, answered as `Interpret` answers it.
#[derive(Debug, Clone)]
pub struct Item<'c, 'a> {
    /// The interpretation, exactly as `interpret::interpret` gives it.
    pub interpretation: Interpretation<'c, 'a>,
    /// ERROR or RESOLVED.
    pub state: ItemState,
    /// What the error covers.
    pub extent: Extent,
    /// The signals, normalised to codes (`closure-islocked`), in order of
    /// appearance.
    pub signals: Vec<Cow<'a, str>>,
    /// The batch paths of the merged sub-responses.
    pub paths: Vec<Cow<'a, str>>,
    /// The vehicle the error is about, when the payload says.
    pub vehicle_id: Option<Cow<'a, str>>,
    /// Vehicle-wide, a batch path, or it touches a used signal.
    pub relevant: bool,
}

/// Count limits, each answered with a warning when reached (the payload's
/// byte size and the bytes in flight are the adapter's limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most items kept; later distinct errors are counted, not kept.
    pub max_items: usize,
    /// The most signal codes listed over all items; later ones are counted.
    pub max_signals: usize,
}

impl Default for Limits {
    /// 1,000 items and 10,000 signals: far above a real delivery (a
    /// hundred signals), low enough that an answer stays a few hundred KB.
    fn default() -> Self {
        Self {
            max_items: 1_000,
            max_signals: 10_000,
        }
    }
}

/// A payload to interpret, borrowed from the request.
#[derive(Debug, Clone, Copy)]
pub struct PayloadRequest<'a, S> {
    /// The payload as received.
    pub body: &'a str,
    /// The signals the caller relies on, as codes or `Group.Name`; empty
    /// means every signal.
    pub used_signals: &'a [S],
    /// Count limits.
    pub limits: Limits,
    /// The time a sub-response's Retry-After date is measured from.
    pub now: SystemTime,
    /// What the caller's requests asked the vehicle to do (design 3d),
    /// applied to the items of a batch or signals response, which answer
    /// the caller's own requests; a webhook delivery answers none, so its
    /// items never take it. `None`: not said.
    pub operation: Option<Operation>,
}

/// The answer for a payload.
#[derive(Debug, Clone)]
pub struct PayloadAnswer<'c, 'a> {
    /// What the payload was recognised as.
    pub kind: PayloadKind,
    /// The event, for webhook deliveries.
    pub event: Option<Event<'a>>,
    /// One per distinct error, in order of first appearance.
    pub items: Vec<Item<'c, 'a>>,
    /// Built from the relevant ERROR items (see [`Verdict`]).
    pub verdict: Verdict<'c>,
    /// One verdict per vehicle, for a legacy 2.0 delivery about several.
    pub vehicle_verdicts: Vec<VehicleVerdict<'c, 'a>>,
    /// What was ignored, cut or assumed.
    pub warnings: Vec<PayloadWarning>,
}

/// Checks the caller's `used_signals` alone, as [`interpret_payload`]
/// does first: the adapter answers a body over its size limit without
/// reading it, yet the caller's own mistakes must still be named.
///
/// # Errors
/// Too many entries, or one that is empty, too long or not a code or
/// `Group.Name`.
pub fn check_used_signals<S: AsRef<str>>(used_signals: &[S]) -> Result<(), PayloadError> {
    request::used_signals(used_signals).map(drop)
}

/// Interprets every error a payload carries and decides the verdict.
///
/// Upstream input is never the caller's fault: a body that is not JSON,
/// nests deeper than serde_json's limit or is no known shape answers
/// `Unrecognized` with a warning.
///
/// # Errors
/// The caller's own mistakes: an empty body, or a malformed
/// `used_signals` (too many, too long, or not a code or `Group.Name`).
pub fn interpret_payload<'c, 'a, S: AsRef<str>>(
    catalog: &'c Catalog,
    request: &PayloadRequest<'a, S>,
) -> Result<PayloadAnswer<'c, 'a>, PayloadError> {
    let used = request::used_signals(request.used_signals)?;
    if request.body.trim().is_empty() {
        return Err(PayloadError::EmptyBody);
    }
    let scanned = scan::scan(request.body, request.limits);
    let mut warnings = scanned.warnings;
    let operation = match scanned.kind {
        PayloadKind::SignalsResponse | PayloadKind::BatchResponse => request.operation,
        PayloadKind::Webhook | PayloadKind::Unrecognized => None,
    };
    let asked = collect::Asked {
        now: request.now,
        operation,
    };
    let mut items = collect::interpret_groups(catalog, scanned.groups, asked, &mut warnings);
    let mut empty_made_relevant = false;
    for item in &mut items {
        item.relevant = match item.extent {
            Extent::Vehicle | Extent::Path => true,
            Extent::Signals if used.is_empty() => {
                empty_made_relevant |= item.state == ItemState::Error;
                true
            }
            Extent::Signals => item.signals.iter().any(|s| used.contains(s.as_ref())),
        };
    }
    if empty_made_relevant {
        warnings.push(PayloadWarning::new(PayloadWarningKind::UsedSignalsEmpty));
    }
    let verdict = verdict::decide(&items);
    let vehicle_verdicts = match &scanned.event {
        Some(e) if e.envelope == Envelope::Legacy2 && scanned.vehicles.len() > 1 => {
            verdict::per_vehicle(&items, scanned.vehicles)
        }
        _ => Vec::new(),
    };
    Ok(PayloadAnswer {
        kind: scanned.kind,
        event: scanned.event,
        items,
        verdict,
        vehicle_verdicts,
        warnings,
    })
}

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
