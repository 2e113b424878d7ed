//! Lenient serde building blocks for payloads: any field may be missing,
//! null, repeated or of the wrong JSON type without failing the payload.
//! A wrong type reads as absent, a repeated key is read again (the last
//! scalar wins, lists are read each time), and strings are borrowed from
//! the body unless they hold escapes.

use std::{borrow::Cow, fmt};

use serde::de::{
    Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use crate::interpret::lenient::{Scalar, ignore_json};

/// Any JSON value, kept when it is a string or an integer: the shared
/// [`Scalar`], with the payload readers' accessors.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) enum Text<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    #[default]
    Other,
}

impl<'a> Text<'a> {
    /// The value when it is a string with something besides whitespace,
    /// trimmed.
    pub(super) fn string(self) -> Option<Cow<'a, str>> {
        match self {
            Text::Str(Cow::Borrowed(s)) if !s.trim().is_empty() => Some(Cow::Borrowed(s.trim())),
            Text::Str(Cow::Owned(s)) if !s.trim().is_empty() => Some(Cow::Owned(s.trim().into())),
            _ => None,
        }
    }

    /// The value as text: a non-blank string, or an integer's digits (ids
    /// and Retry-After values arrive both ways).
    pub(super) fn text(self) -> Option<Cow<'a, str>> {
        match self {
            Text::Int(i) => Some(Cow::Owned(i.to_string())),
            other => other.string(),
        }
    }

    /// The value as a string slice, untrimmed; `None` for anything else.
    pub(super) fn as_str(&self) -> Option<&str> {
        match self {
            Text::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as an HTTP status: an integer or a numeric string.
    pub(super) fn status(&self) -> Option<u16> {
        let n = match self {
            Text::Int(i) => *i,
            Text::Str(s) => s.trim().parse().ok()?,
            Text::Other => return None,
        };
        u16::try_from(n).ok().filter(|n| (100..=599).contains(n))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Scalar::deserialize(d)? {
            Scalar::Str(s) => Text::Str(s),
            Scalar::Int(i) => Text::Int(i),
            Scalar::Other => Text::Other,
        })
    }
}

/// An object read one field at a time into `self`.
pub(super) trait Fields<'de> {
    /// Reads the value of `key` (or skips it with [`skip`]).
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error>;
}

/// A list read one element at a time into `self`.
pub(super) trait Elements<'de> {
    /// Reads the next element; `false` at the end of the list.
    fn element<A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<bool, A::Error>;
}

/// Skips a value.
pub(super) fn skip<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|_| ())
}

/// What a value turned out to be, for the helpers below.
pub(super) enum Shape<T> {
    /// It had the expected shape; the state it was read into.
    Read(T),
    /// null or absent.
    Null,
    /// Something else (skipped).
    Other,
}

/// Reads an object into `state`; any other value is skipped.
pub(super) fn object<'de, D, T>(d: D, state: T) -> Result<Shape<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Fields<'de>,
{
    d.deserialize_any(ObjectVisitor(state))
}

/// Reads `text`, a value the payload's own parse has already read (so
/// valid JSON, whose nesting is skipped without recursion here as there),
/// as an object into `state`; `None` for any other value.
pub(super) fn object_in<'de, T: Fields<'de>>(text: &'de str, state: T) -> Option<T> {
    match object(&mut serde_json::Deserializer::from_str(text), state) {
        Ok(Shape::Read(read)) => Some(read),
        _ => None,
    }
}

/// Reads a list into `state`; any other value is skipped.
pub(super) fn list<'de, D, T>(d: D, state: T) -> Result<Shape<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Elements<'de>,
{
    d.deserialize_any(ListVisitor(state))
}

/// The answers of the shape visitors to the values they do not read.
macro_rules! other_values {
    () => {
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        ignore_json!('de, Shape::Other; str, i64, u64, f64, bool);
        ignore_json!('de, Shape::Null; unit);
    };
}

struct ObjectVisitor<T>(T);

impl<'de, T: Fields<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = Shape<T>;
    other_values!();
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match key.as_str() {
                Some(k) => self.0.field(k, &mut map)?,
                None => skip(&mut map)?,
            }
        }
        Ok(Shape::Read(self.0))
    }
    ignore_json!('de, Shape::Other; seq);
}

struct ListVisitor<T>(T);

impl<'de, T: Elements<'de>> Visitor<'de> for ListVisitor<T> {
    type Value = Shape<T>;
    other_values!();
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Self::Value, A::Error> {
        while self.0.element(&mut seq)? {}
        Ok(Shape::Read(self.0))
    }
    ignore_json!('de, Shape::Other; map);
}

/// A seed that reads an object into its state (see [`object`]).
pub(super) struct AsObject<T>(pub(super) T);

impl<'de, T: Fields<'de>> DeserializeSeed<'de> for AsObject<T> {
    type Value = Shape<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        object(d, self.0)
    }
}

/// A seed that reads a list into its state (see [`list`]).
pub(super) struct AsList<T>(pub(super) T);

impl<'de, T: Elements<'de>> DeserializeSeed<'de> for AsList<T> {
    type Value = Shape<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        list(d, self.0)
    }
}

/// A seed that reads an object or a list into its state (the top-level
/// `data` is the webhook's object or a v3 signals list).
pub(super) struct AsObjectOrList<T>(pub(super) T);

impl<'de, T: Fields<'de> + Elements<'de>> DeserializeSeed<'de> for AsObjectOrList<T> {
    type Value = Shape<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(BothVisitor(self.0))
    }
}

struct BothVisitor<T>(T);

impl<'de, T: Fields<'de> + Elements<'de>> Visitor<'de> for BothVisitor<T> {
    type Value = Shape<T>;
    other_values!();
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        ObjectVisitor(self.0).visit_map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        ListVisitor(self.0).visit_seq(seq)
    }
}
