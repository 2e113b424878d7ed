//! The lists inside payloads, read one element at a time straight into
//! the collector: a webhook's `errors` and `signals`, a v3 signals list,
//! a batch's `responses` (in `responses`, a job of its own). Only failed
//! signals and failing sub-responses are kept, so memory per signal is
//! constant whatever the list's length.

use std::{borrow::Cow, fmt};

use serde::de::{
    DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor, value::MapAccessDeserializer,
};
use serde_json::value::RawValue;

use super::collect::Collector;
use super::json::{AsList, AsObject, Elements, Fields, Shape, Text, object, object_in, skip};
use super::request::{object_code, string_code};
use super::{ItemState, PayloadWarning, PayloadWarningKind};
use crate::interpret::lenient::ignore_json;

mod responses;

pub(super) use responses::Responses;

/// Warnings raised while reading, shared by every reader of one payload.
pub(super) type Warnings = Vec<PayloadWarning>;

/// A field that should have been a list was something else (null is
/// absent, not a warning).
pub(super) fn not_a_list<T>(shape: &Shape<T>, field: &'static str, warnings: &mut Warnings) {
    not_a_list_if(matches!(shape, Shape::Other), field, warnings);
}

/// [`not_a_list`] once the list's reader has been given back.
pub(super) fn not_a_list_if(other: bool, field: &'static str, warnings: &mut Warnings) {
    if other {
        warnings.push(PayloadWarning::new(PayloadWarningKind::NotAList).with("field", &field));
    }
}

/// A webhook's `signals`, or a v3 response's `data`: every failed signal
/// goes to the collector.
pub(super) struct Signals<'x, 'a> {
    pub(super) collector: &'x mut Collector<'a>,
    pub(super) skipped: usize,
}

impl<'de> Elements<'de> for Signals<'_, 'de> {
    fn element<A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<bool, A::Error> {
        let Some(shape) = seq.next_element_seed(AsObject(Signal::default()))? else {
            return Ok(false);
        };
        let Shape::Read(signal) = shape else {
            // Not an object: no status to read, so it may have failed.
            self.collector.unreadable_signals(1);
            return Ok(true);
        };
        self.signal(signal);
        Ok(true)
    }
}

impl<'de> Signals<'_, 'de> {
    /// A v3 single-signal response's `attributes` (`GET .../signals/{code}`
    /// answers one signal resource, with no `data` list), as text: true
    /// when it is an object, whose signal then goes to the collector like
    /// a list's.
    pub(super) fn resource(&mut self, attributes: &'de str) -> bool {
        let Some(signal) = object_in(attributes, Signal::default()) else {
            return false;
        };
        self.signal(signal);
        true
    }

    fn signal(&mut self, signal: Signal<'de>) {
        if !signal.failed {
            return;
        }
        // Read a second time, for the one signal in many that failed: a
        // `Signal` that carried the parts would be copied whole for every
        // signal, failed or not (+10 % on a 100-signal delivery).
        let Some(error) = signal.error.and_then(SignalError::read) else {
            self.skipped += 1;
            return;
        };
        let Some(error_type) = error.error_type.string() else {
            self.skipped += 1;
            return;
        };
        // As `Interpret` reads a code: a string, or an integer's digits.
        let code = error.code.text().unwrap_or(Cow::Borrowed(""));
        let id = object_code(
            signal.code.string(),
            signal.group.as_str(),
            signal.name.as_str(),
        );
        if id.is_none() {
            self.collector.unreadable_signals(1);
        }
        // Errors that say more than their type and code group only with
        // the same text: their answers may differ (a resolution), and the
        // group's first error answers for all of it.
        let key = (error_type, code, error.more.then_some(error.text));
        self.collector.signal_error(error.text, key, id);
    }
}

/// One signal: `{code, name, group, status: {value, error: {type, code}}}`,
/// or a v3 list entry with those under `attributes`.
#[derive(Default)]
struct Signal<'a> {
    code: Text<'a>,
    name: Text<'a>,
    group: Text<'a>,
    failed: bool,
    /// `status.error`'s text, when it is an object.
    error: Option<&'a str>,
}

impl<'de> Fields<'de> for Signal<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "code" => self.code = map.next_value()?,
            "name" => self.name = map.next_value()?,
            "group" => self.group = map.next_value()?,
            "attributes" => {
                if let Shape::Read(inner) = map.next_value_seed(AsObject(std::mem::take(self)))? {
                    *self = inner;
                }
            }
            "status" => {
                if let Shape::Read(status) = map.next_value_seed(AsObject(Status::default()))? {
                    let value_error = status
                        .value
                        .as_str()
                        .is_some_and(|v| v.trim().eq_ignore_ascii_case("ERROR"));
                    // An error with a string `type` marks the signal failed
                    // whatever its `value`; read only when `value` does not.
                    let typed = || {
                        status
                            .error
                            .and_then(SignalError::read)
                            .is_some_and(|e| e.error_type.as_str().is_some())
                    };
                    self.failed = value_error || typed();
                    self.error = status.error;
                }
            }
            _ => skip(map)?,
        }
        Ok(())
    }
}

/// A signal's `status`.
#[derive(Default)]
struct Status<'a> {
    value: Text<'a>,
    /// `error`'s text, when it is an object.
    error: Option<&'a str>,
}

impl<'de> Fields<'de> for Status<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "value" => self.value = map.next_value()?,
            // A later `error` that is no object (null) does not undo one
            // that was.
            "error" => {
                // serde_json's raw text starts at the value itself.
                let text = map.next_value::<&'de RawValue>()?.get();
                if text.starts_with('{') {
                    self.error = Some(text);
                }
            }
            _ => skip(map)?,
        }
        Ok(())
    }
}

/// A failed signal's `status.error`: its text, which is interpreted as
/// `Interpret` would read that object (v3 adds a `description` and a
/// `resolution` to the webhook's `{type, code}`), and its type and code,
/// which group it with other signals.
struct SignalError<'a> {
    text: &'a str,
    error_type: Text<'a>,
    code: Text<'a>,
    /// The object holds more than its type and code, so its text, not
    /// just those two, decides its answer.
    more: bool,
}

impl<'a> SignalError<'a> {
    /// The error in `text`; anything but an object is none.
    fn read(text: &'a str) -> Option<Self> {
        object_in(text, TypeCode::default()).map(|e| SignalError {
            text,
            error_type: e.error_type,
            code: e.code,
            more: e.more,
        })
    }
}

/// `{type, code}`, and whether anything else is there.
#[derive(Default)]
struct TypeCode<'a> {
    error_type: Text<'a>,
    code: Text<'a>,
    more: bool,
}

impl<'de> Fields<'de> for TypeCode<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "type" => self.error_type = map.next_value()?,
            "code" => self.code = map.next_value()?,
            _ => {
                self.more = true;
                skip(map)?;
            }
        }
        Ok(())
    }
}

/// A VEHICLE_ERROR delivery's `data.errors`: each error object is kept as
/// its own text (interpreted as an `Interpret` body) and read once more
/// for its state and signals.
pub(super) struct Errors<'x, 'a> {
    pub(super) collector: &'x mut Collector<'a>,
    pub(super) warnings: &'x mut Warnings,
}

impl<'de> Elements<'de> for Errors<'_, 'de> {
    fn element<A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<bool, A::Error> {
        let Some(raw) = seq.next_element::<&'de RawValue>()? else {
            return Ok(false);
        };
        let text = raw.get();
        let budget = self.collector.signal_budget();
        // Not an object (the outer parse read it already, so a failure is
        // not expected): the one error is skipped.
        let Some(error) = object_in(text, ErrorObject::new(budget)) else {
            return Ok(true);
        };
        let (Some(error_type), code) = (error.error_type.string(), error.code.string()) else {
            self.warnings
                .push(PayloadWarning::new(PayloadWarningKind::ErrorSkipped));
            return Ok(true);
        };
        if error.signals_not_a_list {
            not_a_list_if(true, "errors[].signals", self.warnings);
        }
        self.collector.drop_signals(error.dropped);
        self.collector.unreadable_signals(error.unreadable);
        // Scoped to signals, even to none that could be read: only an
        // absent or empty list is vehicle-wide (design 3e), and reading a
        // malformed one as vehicle-wide would escalate it.
        let vehicle_wide = error.signals.is_empty() && error.dropped == 0 && error.unreadable == 0;
        let state = match error.state.as_str() {
            Some(s) if s.trim().eq_ignore_ascii_case("RESOLVED") => ItemState::Resolved,
            _ => ItemState::Error,
        };
        let key = (error_type, code.unwrap_or(Cow::Borrowed("")));
        self.collector
            .error(text, key, state, error.signals, vehicle_wide);
        Ok(true)
    }
}

/// The fields of one error object the grouping needs.
struct ErrorObject<'a> {
    error_type: Text<'a>,
    code: Text<'a>,
    state: Text<'a>,
    signals: Vec<Cow<'a, str>>,
    budget: usize,
    dropped: usize,
    /// Entries of `signals` that name no signal.
    unreadable: usize,
    signals_not_a_list: bool,
}

impl ErrorObject<'_> {
    fn new(budget: usize) -> Self {
        Self {
            error_type: Text::Other,
            code: Text::Other,
            state: Text::Other,
            signals: Vec::new(),
            budget,
            dropped: 0,
            unreadable: 0,
            signals_not_a_list: false,
        }
    }
}

impl<'de> Fields<'de> for ErrorObject<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "type" => self.error_type = map.next_value()?,
            "code" => self.code = map.next_value()?,
            "state" => self.state = map.next_value()?,
            "signals" => {
                let shape = map.next_value_seed(AsList(SignalRefs(self)))?;
                self.signals_not_a_list |= matches!(shape, Shape::Other);
            }
            _ => skip(map)?,
        }
        Ok(())
    }
}

/// An error's `signals`: strings (`"Closure.IsLocked"`) or objects
/// (`{name, group, code}`), as codes, within the signal budget.
struct SignalRefs<'x, 'a>(&'x mut ErrorObject<'a>);

impl<'de> Elements<'de> for SignalRefs<'_, 'de> {
    fn element<A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<bool, A::Error> {
        let Some(signal) = seq.next_element_seed(SignalRef)? else {
            return Ok(false);
        };
        let Some(code) = signal else {
            self.0.unreadable += 1;
            return Ok(true);
        };
        if self.0.signals.len() < self.0.budget {
            self.0.signals.push(code);
        } else {
            self.0.dropped += 1;
        }
        Ok(true)
    }
}

/// One entry of an error's `signals`, as its code.
struct SignalRef;

impl<'de> DeserializeSeed<'de> for SignalRef {
    type Value = Option<Cow<'de, str>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SignalRef {
    type Value = Option<Cow<'de, str>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a signal name or object")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Text::Str(Cow::Borrowed(v)).string().map(string_code))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Text::Str(Cow::Owned(v.to_owned()))
            .string()
            .map(string_code))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let named = object(MapAccessDeserializer::new(map), Named::default())?;
        Ok(match named {
            Shape::Read(Named(code, group, name)) => {
                object_code(code.string(), group.as_str(), name.as_str())
            }
            _ => None,
        })
    }
    ignore_json!('de, None; seq, i64, u64, f64, bool, unit);
}

/// A signal object: `{code, group, name}`.
#[derive(Default)]
struct Named<'a>(Text<'a>, Text<'a>, Text<'a>);

impl<'de> Fields<'de> for Named<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "code" => self.0 = map.next_value()?,
            "group" => self.1 = map.next_value()?,
            "name" => self.2 = map.next_value()?,
            _ => skip(map)?,
        }
        Ok(())
    }
}
