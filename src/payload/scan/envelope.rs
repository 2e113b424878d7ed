//! The envelopes' nested objects: v4's `meta` and `data`, and 2.0's
//! `payload` with its `vehicles`.

use std::borrow::Cow;

use serde::de::{MapAccess, SeqAccess};

use super::super::collect::Collector;
use super::super::json::{AsList, AsObject, Elements, Fields, Shape, Text, skip};
use super::super::shapes::{Errors, Responses, Signals, Warnings, not_a_list, not_a_list_if};
use super::super::{DeliveredAt, Envelope, Event, EventType, Mode};

/// v4's `meta` (2.0's top-level `version`, `webhookId` and `mode`).
#[derive(Default)]
pub(super) struct Meta<'a> {
    pub(super) version: Text<'a>,
    pub(super) webhook_id: Text<'a>,
    pub(super) delivery_id: Text<'a>,
    pub(super) delivered_at: Text<'a>,
    pub(super) mode: Text<'a>,
}

impl<'a> Meta<'a> {
    /// Reads `meta`, keeping what the top level already set when `meta`
    /// lacks it.
    pub(super) fn read<A: MapAccess<'a>>(&mut self, map: &mut A) -> Result<(), A::Error> {
        if let Shape::Read(meta) = map.next_value_seed(AsObject(Meta::default()))? {
            let keep = |new: Text<'a>, old: &mut Text<'a>| {
                if new != Text::Other {
                    *old = new;
                }
            };
            keep(meta.version, &mut self.version);
            keep(meta.webhook_id, &mut self.webhook_id);
            keep(meta.delivery_id, &mut self.delivery_id);
            keep(meta.delivered_at, &mut self.delivered_at);
            keep(meta.mode, &mut self.mode);
        }
        Ok(())
    }

    /// An event with the meta fields set and the rest empty.
    pub(super) fn event(self) -> Event<'a> {
        let mode_name = self.mode.string();
        let mode = match mode_name.as_deref().map(str::to_ascii_uppercase).as_deref() {
            None => Mode::Unspecified,
            Some("LIVE") => Mode::Live,
            Some("TEST") => Mode::Test,
            Some(_) => Mode::Other,
        };
        Event {
            envelope: Envelope::V4,
            event_type: EventType::Unknown,
            name: Cow::Borrowed(""),
            event_id: None,
            delivery_id: self.delivery_id.text(),
            webhook_id: self.webhook_id.text(),
            version: self.version.text(),
            delivered_at: match self.delivered_at {
                Text::Int(ms) => Some(DeliveredAt::EpochMillis(ms)),
                other => other.string().map(DeliveredAt::Text),
            },
            mode,
            mode_name,
            vehicle_id: None,
            user_id: None,
            challenge: None,
        }
    }
}

impl<'de> Fields<'de> for Meta<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "version" => self.version = map.next_value()?,
            "webhookId" => self.webhook_id = map.next_value()?,
            "deliveryId" => self.delivery_id = map.next_value()?,
            "deliveredAt" => self.delivered_at = map.next_value()?,
            "mode" => self.mode = map.next_value()?,
            _ => skip(map)?,
        }
        Ok(())
    }
}

/// What v4's `data` object holds besides its lists.
pub(super) struct DataFound<'a> {
    pub(super) vehicle_id: Text<'a>,
    pub(super) user_id: Text<'a>,
    pub(super) challenge: Text<'a>,
}

/// The top-level `data`: v4's object (its `errors` and `signals` go to
/// the collector) or a v3 signals list.
pub(super) struct Data<'x, 'a> {
    collector: &'x mut Collector<'a>,
    warnings: &'x mut Warnings,
    found: DataFound<'a>,
    pub(super) list: bool,
    pub(super) skipped: usize,
}

impl<'x, 'a> Data<'x, 'a> {
    pub(super) fn new(collector: &'x mut Collector<'a>, warnings: &'x mut Warnings) -> Self {
        Self {
            collector,
            warnings,
            found: DataFound {
                vehicle_id: Text::Other,
                user_id: Text::Other,
                challenge: Text::Other,
            },
            list: false,
            skipped: 0,
        }
    }

    pub(super) fn into_found(self) -> DataFound<'a> {
        self.found
    }
}

impl<'de> Fields<'de> for Data<'_, 'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "vehicle" => self.found.vehicle_id = map.next_value_seed(AsObject(Id::default()))?.id(),
            "user" => self.found.user_id = map.next_value_seed(AsObject(Id::default()))?.id(),
            "challenge" => self.found.challenge = map.next_value()?,
            "errors" => {
                let errors = Errors {
                    collector: self.collector,
                    warnings: self.warnings,
                };
                let other = matches!(map.next_value_seed(AsList(errors))?, Shape::Other);
                not_a_list_if(other, "data.errors", self.warnings);
            }
            "signals" => {
                let signals = Signals {
                    collector: self.collector,
                    skipped: 0,
                };
                let shape = map.next_value_seed(AsList(signals))?;
                not_a_list(&shape, "data.signals", self.warnings);
                if let Shape::Read(s) = shape {
                    self.skipped += s.skipped;
                }
            }
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl<'de> Elements<'de> for Data<'_, 'de> {
    fn element<A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<bool, A::Error> {
        self.list = true;
        let mut signals = Signals {
            collector: self.collector,
            skipped: 0,
        };
        let more = signals.element(seq)?;
        self.skipped += signals.skipped;
        Ok(more)
    }
}

/// `{id}`.
#[derive(Default)]
struct Id<'a>(Text<'a>);

impl<'de> Fields<'de> for Id<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "id" => self.0 = map.next_value()?,
            _ => skip(map)?,
        }
        Ok(())
    }
}

impl<'a> Shape<Id<'a>> {
    fn id(self) -> Text<'a> {
        match self {
            Shape::Read(Id(id)) => id,
            _ => Text::Other,
        }
    }
}

/// What 2.0's `payload` holds besides its vehicles' sub-responses.
#[derive(Default)]
pub(super) struct Legacy<'a> {
    pub(super) challenge: Text<'a>,
    pub(super) event_id: Text<'a>,
    pub(super) vehicle_id: Text<'a>,
    pub(super) vehicles: Vec<Cow<'a, str>>,
}

/// 2.0's `payload`: `{challenge}` for VERIFY, `{eventId, vehicleId, ...}`
/// for an event, `{vehicles: [{vehicleId, requestId, data: [...]}]}` for
/// scheduled and dynamic deliveries, whose `data` are batch sub-responses.
pub(super) struct LegacyReader<'x, 'a> {
    pub(super) collector: &'x mut Collector<'a>,
    pub(super) warnings: &'x mut Warnings,
    pub(super) found: Legacy<'a>,
}

impl<'de> Fields<'de> for LegacyReader<'_, 'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "challenge" => self.found.challenge = map.next_value()?,
            "eventId" => self.found.event_id = map.next_value()?,
            "vehicleId" => self.found.vehicle_id = map.next_value()?,
            "vehicles" => {
                let other = matches!(map.next_value_seed(AsList(Vehicles(self)))?, Shape::Other);
                not_a_list_if(other, "payload.vehicles", self.warnings);
            }
            _ => skip(map)?,
        }
        Ok(())
    }
}

/// 2.0's `vehicles`: one collector scope per vehicle.
struct Vehicles<'y, 'x, 'a>(&'y mut LegacyReader<'x, 'a>);

impl<'de> Elements<'de> for Vehicles<'_, '_, 'de> {
    fn element<A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<bool, A::Error> {
        let vehicle = Vehicle {
            collector: self.0.collector,
            warnings: self.0.warnings,
            id: Text::Other,
        };
        let Some(shape) = seq.next_element_seed(AsObject(vehicle))? else {
            return Ok(false);
        };
        if let Shape::Read(v) = shape {
            let id = v.id.text();
            self.0.collector.end_scope(id.as_ref());
            self.0.found.vehicles.extend(id);
        }
        Ok(true)
    }
}

struct Vehicle<'x, 'a> {
    collector: &'x mut Collector<'a>,
    warnings: &'x mut Warnings,
    id: Text<'a>,
}

impl<'de> Fields<'de> for Vehicle<'_, 'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "vehicleId" => self.id = map.next_value()?,
            "data" => {
                let responses = Responses {
                    collector: self.collector,
                };
                let shape = map.next_value_seed(AsList(responses))?;
                not_a_list(&shape, "payload.vehicles[].data", self.warnings);
            }
            _ => skip(map)?,
        }
        Ok(())
    }
}
