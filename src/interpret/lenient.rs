//! What the lenient JSON readers share: `parse` (bodies) and `payload`
//! (webhook deliveries, signal lists, batch responses) both read a value of
//! the wrong JSON type as absent. [`Scalar`] is the value both read a
//! field into, [`ignore_json!`] writes a serde `Visitor`'s methods for the
//! types it does not read once; the property tests' JSON fragments live
//! here too.

use std::{borrow::Cow, fmt, marker::PhantomData};

use serde::{Deserialize, Deserializer, de::Visitor};

/// Writes the `Visitor` methods for the JSON types a visitor does not
/// read: each skips the value (a map's entries, a list's elements) and
/// answers `$value`. `$de` is the visitor's input lifetime; the kinds are
/// any of `str`, `i64`, `u64`, `f64`, `bool`, `unit`, `none`, `map`,
/// `seq`. The expansion is what one would write by hand: no allocation.
macro_rules! ignore_json {
    ($de:lifetime, $value:expr; $($kind:ident),+ $(,)?) => {
        $( $crate::interpret::lenient::ignore_json!(@ $kind, $de, $value); )+
    };
    (@ str, $de:lifetime, $value:expr) => {
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
    (@ i64, $de:lifetime, $value:expr) => {
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
    (@ u64, $de:lifetime, $value:expr) => {
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
    (@ f64, $de:lifetime, $value:expr) => {
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
    (@ bool, $de:lifetime, $value:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
    (@ unit, $de:lifetime, $value:expr) => {
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
    (@ none, $de:lifetime, $value:expr) => {
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
    (@ map, $de:lifetime, $value:expr) => {
        fn visit_map<A: ::serde::de::MapAccess<$de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            use ::serde::de::IgnoredAny;
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok($value)
        }
    };
    (@ seq, $de:lifetime, $value:expr) => {
        fn visit_seq<A: ::serde::de::SeqAccess<$de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            while seq.next_element::<::serde::de::IgnoredAny>()?.is_some() {}
            Ok($value)
        }
    };
}

pub(crate) use ignore_json;

/// Any JSON value, kept only when it is a string or an integer; strings
/// are borrowed from the body unless they hold escapes. Each reader gives
/// it the accessors it needs.
#[derive(Debug, Default)]
pub(crate) enum Scalar<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    #[default]
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Scalar<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(i64::try_from(v).map_or(Scalar::Other, Scalar::Int))
            }
            ignore_json!('de, Scalar::Other; f64, bool, unit, none, map, seq);
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// JSON-shaped fragments for property tests: the punctuation of objects
/// and lists and the odd scalars every lenient reader must survive, plus
/// `words`, the keys and values that steer one reader into its deeper
/// paths.
#[cfg(test)]
pub(crate) fn json_fragment(
    words: &[&'static str],
) -> impl proptest::strategy::Strategy<Value = &'static str> + use<> {
    const COMMON: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"type\"",
        "\"code\"",
        "\"errors\"",
        "\"error\"",
        "\"status\"",
        "\"409\"",
        "-1",
        "1e400",
        "null",
        "true",
        "\"\"",
        "\"\\ud800\"",
        " ",
    ];
    proptest::sample::select([COMMON, words].concat())
}
