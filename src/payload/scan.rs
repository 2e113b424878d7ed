//! Recognises a payload's kind from its top-level fields and streams its
//! lists into the collector in one pass, never building a
//! `serde_json::Value`: the v4 webhook envelope (`eventType` + `data`),
//! the legacy 2.0 envelope (`eventName` + `payload`), a v2 batch response
//! (`responses`) and a v3 signals response (`data` as a list, or one
//! signal resource: `type: "signal"` with its `attributes`).
//!
//! Depth: values the scan skips (a signal's `body`, unknown fields) are
//! skipped by serde_json without recursion, at any depth. Values it reads
//! recurse, and serde_json stops them at 128 levels, far beyond any real
//! payload (a delivery nests about 6 deep): such a body is answered as
//! `Unrecognized` with `DEPTH_LIMIT_REACHED`, never a stack overflow
//! (docs/design.md, "Payload verdicts").

use std::borrow::Cow;

use serde::de::MapAccess;
use serde_json::value::RawValue;

mod envelope;

use envelope::{Data, DataFound, Legacy, LegacyReader, Meta};

use super::collect::{Collector, Group};
use super::json::{AsList, AsObject, AsObjectOrList, Fields, Shape, Text, skip};
use super::shapes::{Responses, Signals, Warnings, not_a_list};
use super::{
    Envelope, Event, EventType, Limits, MAX_CHALLENGE_CHARS, PayloadKind, PayloadWarning,
    PayloadWarningKind,
};

/// What a scan found.
#[derive(Debug)]
pub(super) struct Scanned<'a> {
    pub(super) kind: PayloadKind,
    pub(super) event: Option<Event<'a>>,
    pub(super) groups: Vec<Group<'a>>,
    /// A 2.0 delivery's vehicles, in order.
    pub(super) vehicles: Vec<Cow<'a, str>>,
    pub(super) warnings: Warnings,
}

/// Scans a payload. Never fails: what cannot be read is a warning.
pub(super) fn scan(body: &str, limits: Limits) -> Scanned<'_> {
    let mut collector = Collector::new(limits);
    let mut warnings = Vec::new();
    let mut de = serde_json::Deserializer::from_str(body);
    let top = super::json::object(&mut de, Top::new(&mut collector, &mut warnings))
        .and_then(|top| de.end().map(|()| top));
    let unrecognized = |kind, warnings: Warnings| Scanned {
        kind: PayloadKind::Unrecognized,
        event: None,
        groups: Vec::new(),
        vehicles: Vec::new(),
        warnings: [warnings, vec![PayloadWarning::new(kind)]].concat(),
    };
    let top = match top {
        Ok(Shape::Read(top)) => top.into_found(),
        Ok(_) => return unrecognized(PayloadWarningKind::NotAPayload, Vec::new()),
        Err(e) if e.to_string().starts_with("recursion limit exceeded") => {
            return unrecognized(PayloadWarningKind::DepthLimitReached, Vec::new());
        }
        Err(_) => return unrecognized(PayloadWarningKind::BodyNotJson, Vec::new()),
    };
    let Some(kind) = top.kind else {
        return unrecognized(PayloadWarningKind::NotAPayload, warnings);
    };
    let mut groups = collector.finish(&mut warnings);
    // A v4 delivery is about one vehicle, wherever it names it; a 2.0
    // vehicle's groups already carry theirs.
    if let Some(vehicle) = top.event.as_ref().and_then(|e| e.vehicle_id.as_ref()) {
        for group in groups.iter_mut().filter(|g| g.vehicle_id.is_none()) {
            group.vehicle_id = Some(vehicle.clone());
        }
    }
    if top.skipped > 0 {
        warnings.push(
            PayloadWarning::new(PayloadWarningKind::ErrorSkipped).with("count", &top.skipped),
        );
    }
    warnings.extend(top.challenge_warning);
    Scanned {
        kind,
        event: top.event,
        groups,
        vehicles: top.vehicles,
        warnings,
    }
}

/// The top-level fields of every shape.
struct Top<'x, 'a> {
    collector: &'x mut Collector<'a>,
    warnings: &'x mut Warnings,
    event_type: Text<'a>,
    event_id: Text<'a>,
    vehicle_id: Text<'a>,
    data: Option<DataFound<'a>>,
    data_is_list: bool,
    meta: Meta<'a>,
    event_name: Text<'a>,
    legacy: Option<Legacy<'a>>,
    responses: bool,
    /// A top-level `type` (v3 resources say `"signal"`).
    resource_type: Text<'a>,
    /// A top-level `attributes`, as text: read as a signal only once the
    /// whole body shows it is a signal resource (and nothing else), so a
    /// stray `attributes` adds nothing to another payload.
    attributes: Option<&'a str>,
    skipped: usize,
}

/// What the top level said, once read.
struct Found<'a> {
    kind: Option<PayloadKind>,
    event: Option<Event<'a>>,
    vehicles: Vec<Cow<'a, str>>,
    skipped: usize,
    challenge_warning: Option<PayloadWarning>,
}

impl<'x, 'a> Top<'x, 'a> {
    fn new(collector: &'x mut Collector<'a>, warnings: &'x mut Warnings) -> Self {
        Self {
            collector,
            warnings,
            event_type: Text::Other,
            event_id: Text::Other,
            vehicle_id: Text::Other,
            data: None,
            data_is_list: false,
            meta: Meta::default(),
            event_name: Text::Other,
            legacy: None,
            responses: false,
            resource_type: Text::Other,
            attributes: None,
            skipped: 0,
        }
    }

    /// A v3 single-signal response's `attributes`: `{id, type: "signal",
    /// attributes}`.
    fn signal_resource(&self) -> Option<&'a str> {
        self.attributes.filter(|_| {
            self.resource_type
                .as_str()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("signal"))
        })
    }

    fn into_found(self) -> Found<'a> {
        let mut found = Found {
            kind: None,
            event: None,
            vehicles: Vec::new(),
            skipped: self.skipped,
            challenge_warning: None,
        };
        let signal_resource = self.signal_resource();
        let meta = self.meta;
        if let (Some(name), Some(data)) = (self.event_type.string(), self.data) {
            let (challenge, warning) = checked_challenge(data.challenge);
            found.challenge_warning = warning;
            found.kind = Some(PayloadKind::Webhook);
            found.event = Some(Event {
                envelope: Envelope::V4,
                event_type: event_type(&name),
                name,
                event_id: self.event_id.text(),
                vehicle_id: data.vehicle_id.text().or(self.vehicle_id.text()),
                user_id: data.user_id.text(),
                challenge,
                ..meta.event()
            });
        } else if let (Some(name), Some(legacy)) = (self.event_name.string(), self.legacy) {
            let (challenge, warning) = checked_challenge(legacy.challenge);
            found.challenge_warning = warning;
            found.kind = Some(PayloadKind::Webhook);
            let only = match legacy.vehicles.as_slice() {
                [one] => Some(one.clone()),
                _ => None,
            };
            found.event = Some(Event {
                envelope: Envelope::Legacy2,
                event_type: event_type(&name),
                name,
                event_id: legacy.event_id.text(),
                vehicle_id: legacy.vehicle_id.text().or(only),
                user_id: None,
                challenge,
                ..meta.event()
            });
            found.vehicles = legacy.vehicles;
        } else if self.responses {
            found.kind = Some(PayloadKind::BatchResponse);
        } else if self.data_is_list {
            found.kind = Some(PayloadKind::SignalsResponse);
        } else if let Some(attributes) = signal_resource {
            let mut signal = Signals {
                collector: self.collector,
                skipped: 0,
            };
            if signal.resource(attributes) {
                found.kind = Some(PayloadKind::SignalsResponse);
                found.skipped += signal.skipped;
            }
        }
        found
    }
}

impl<'de> Fields<'de> for Top<'_, 'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "eventType" => self.event_type = map.next_value()?,
            "eventId" => self.event_id = map.next_value()?,
            "vehicleId" => self.vehicle_id = map.next_value()?,
            "meta" => self.meta.read(map)?,
            // 2.0 puts these at the top; v4 under `meta`.
            "version" => self.meta.version = map.next_value()?,
            "webhookId" => self.meta.webhook_id = map.next_value()?,
            "mode" => self.meta.mode = map.next_value()?,
            "eventName" => self.event_name = map.next_value()?,
            "data" => {
                let data = Data::new(self.collector, self.warnings);
                if let Shape::Read(d) = map.next_value_seed(AsObjectOrList(data))? {
                    self.skipped += d.skipped;
                    self.data_is_list |= d.list;
                    if !d.list {
                        self.data = Some(d.into_found());
                    }
                }
            }
            "payload" => {
                let legacy = LegacyReader {
                    collector: self.collector,
                    warnings: self.warnings,
                    found: Legacy::default(),
                };
                if let Shape::Read(l) = map.next_value_seed(AsObject(legacy))? {
                    self.legacy = Some(l.found);
                }
            }
            "type" => self.resource_type = map.next_value()?,
            "attributes" => self.attributes = Some(map.next_value::<&'de RawValue>()?.get()),
            "responses" => {
                let shape = map.next_value_seed(AsList(Responses {
                    collector: self.collector,
                }))?;
                not_a_list(&shape, "responses", self.warnings);
                self.responses |= matches!(shape, Shape::Read(_));
            }
            _ => skip(map)?,
        }
        Ok(())
    }
}

fn event_type(name: &str) -> EventType {
    match name.trim().to_ascii_uppercase().as_str() {
        "VERIFY" => EventType::Verify,
        "VEHICLE_STATE" => EventType::VehicleState,
        "VEHICLE_ERROR" => EventType::VehicleError,
        _ => EventType::Unknown,
    }
}

/// A challenge is signed by the caller: pass on only one of a sane length
/// made of the characters tokens are made of.
fn checked_challenge(challenge: Text<'_>) -> (Option<Cow<'_, str>>, Option<PayloadWarning>) {
    let Some(c) = challenge.string() else {
        return (None, None);
    };
    let sane = c.len() <= MAX_CHALLENGE_CHARS
        && c.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b));
    if sane {
        (Some(c), None)
    } else {
        let warning =
            PayloadWarning::new(PayloadWarningKind::ChallengeInvalid).with("length", &c.len());
        (None, Some(warning))
    }
}
