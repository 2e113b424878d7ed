//! Reads error bodies of every format the API has shipped (v1, v2, v3 and
//! minimal objects) into one borrowed shape, `RawError`.
//!
//! Liberal on purpose: every field may be missing, null or of the wrong
//! JSON type without failing the parse; the wrong type just reads as
//! absent. Strings are borrowed from the body unless they hold escapes, so
//! a typical body is read without allocating.
//!
//! The one call back into the decision is deliberate: a v3 body's `errors`
//! are ranked one by one as they are read ([`Rank`], which
//! `decide::rank` supplies), so only the error to answer is ever kept.

use std::{borrow::Cow, fmt};

use serde::{
    Deserialize, Deserializer,
    de::{
        DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor, value::MapAccessDeserializer,
    },
};

use super::RequestError;
use super::lenient::{Scalar, ignore_json};

/// The fields of one error, whichever format it came in.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct RawError<'a> {
    /// `type` (v2, v3) or `error` (v1, OAuth).
    pub error_type: Option<Cow<'a, str>>,
    /// `code`; `None` when absent or null.
    pub code: Option<Cow<'a, str>>,
    /// The HTTP status the body states: `statusCode` (v1, v2) or `status` (v3).
    pub status: Option<u16>,
    /// `requestId`.
    pub request_id: Option<Cow<'a, str>>,
    /// `resolution` as a type name, from a string or from `{type}`.
    pub resolution: Option<Cow<'a, str>>,
    /// `description` (v2), `detail` or `title` (v3), `message` (v1) or
    /// `error_description` (OAuth).
    pub description: Option<Cow<'a, str>>,
    /// `suggestedUserMessage`.
    pub suggested_user_message: Option<Cow<'a, str>>,
    /// `docURL` (v2) or `links.about` (v3).
    pub doc_url: Option<Cow<'a, str>>,
    /// `resolution.url` (v2, v3), unchecked.
    pub action_url: Option<Cow<'a, str>>,
    /// For v3, how many other errors the body held.
    pub other_errors: u32,
    /// True for a v1 or OAuth body (`error` instead of `type`).
    pub legacy_format: bool,
}

/// What a v3 body's errors are ranked by, one at a time, while the list is
/// read: enough to decide an error's retry strategy.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ItemKey<'k> {
    /// `type`.
    pub error_type: Option<&'k str>,
    /// `code`.
    pub code: Option<&'k str>,
    /// `resolution`'s type.
    pub resolution: Option<&'k str>,
    /// `status`.
    pub status: Option<u16>,
}

/// Ranks a v3 error: the highest rank is answered, the first of equals.
pub(crate) type Rank<'r> = &'r dyn Fn(&ItemKey<'_>) -> u8;

/// Parses a body into the error it describes; of a v3 body's several
/// errors, the one `rank` ranks highest (the first of equals).
///
/// # Errors
/// `EmptyBody`, `BodyNotJson`, `BodyNotObject` or `BodyNotAnError`; the
/// size limit is the caller's to check first.
pub(crate) fn parse_body<'a>(body: &'a str, rank: Rank<'_>) -> Result<RawError<'a>, RequestError> {
    let trimmed = body.trim_start();
    if trimmed.is_empty() {
        return Err(RequestError::EmptyBody);
    }
    if !trimmed.starts_with('{') {
        // Only the error path pays for a second parse, to tell "valid JSON,
        // wrong kind" from "not JSON".
        return Err(match serde_json::from_str::<IgnoredAny>(body) {
            Ok(_) => RequestError::BodyNotObject,
            Err(e) => not_json(&e),
        });
    }
    let mut de = serde_json::Deserializer::from_str(body);
    let top = TopLevelSeed { rank }
        .deserialize(&mut de)
        .and_then(|top| de.end().map(|()| top))
        .map_err(|e| match e.classify() {
            serde_json::error::Category::Data => RequestError::BodyNotAnError {
                detail: e.to_string(),
            },
            _ => not_json(&e),
        })?;
    top.into_raw()
}

fn not_json(e: &serde_json::Error) -> RequestError {
    RequestError::BodyNotJson {
        detail: e.to_string(),
    }
}

/// The union of the top-level fields of v1, v2, v3 and OAuth bodies. Read
/// by hand rather than derived, because the v3 list needs the ranking
/// (a `DeserializeSeed`), and so a repeated key keeps its last value
/// instead of failing the body.
#[derive(Default)]
struct TopLevel<'a> {
    error_type: Scalar<'a>,
    code: Scalar<'a>,
    description: Scalar<'a>,
    status_code: Scalar<'a>,
    request_id: Scalar<'a>,
    resolution: Resolution<'a>,
    suggested_user_message: Scalar<'a>,
    doc_url: Scalar<'a>,
    /// v1's and OAuth's type.
    error: Scalar<'a>,
    /// v1's description.
    message: Scalar<'a>,
    /// OAuth's description.
    error_description: Scalar<'a>,
    /// v3's list, reduced to its best error.
    errors: V3Errors<'a>,
}

struct TopLevelSeed<'r> {
    rank: Rank<'r>,
}

impl<'de, 'r> DeserializeSeed<'de> for TopLevelSeed<'r> {
    type Value = TopLevel<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, 'r> Visitor<'de> for TopLevelSeed<'r> {
    type Value = TopLevel<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an error object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut top = TopLevel::default();
        while let Some(key) = map.next_key::<Scalar<'de>>()? {
            let Scalar::Str(key) = key else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            match &*key {
                "type" => top.error_type = map.next_value()?,
                "code" => top.code = map.next_value()?,
                "description" => top.description = map.next_value()?,
                "statusCode" => top.status_code = map.next_value()?,
                "requestId" => top.request_id = map.next_value()?,
                "resolution" => top.resolution = map.next_value()?,
                "suggestedUserMessage" => top.suggested_user_message = map.next_value()?,
                "docURL" => top.doc_url = map.next_value()?,
                "error" => top.error = map.next_value()?,
                "message" => top.message = map.next_value()?,
                "error_description" => top.error_description = map.next_value()?,
                "errors" => top.errors = map.next_value_seed(V3ErrorsSeed { rank: self.rank })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(top)
    }
}

/// One entry of a v3 `errors` list.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V3Item<'a> {
    #[serde(borrow, default, rename = "type")]
    error_type: Scalar<'a>,
    #[serde(borrow, default)]
    code: Scalar<'a>,
    #[serde(borrow, default)]
    detail: Scalar<'a>,
    #[serde(borrow, default)]
    title: Scalar<'a>,
    #[serde(borrow, default)]
    description: Scalar<'a>,
    #[serde(default)]
    status: Scalar<'a>,
    #[serde(borrow, default)]
    resolution: Resolution<'a>,
    #[serde(borrow, default)]
    suggested_user_message: Scalar<'a>,
    #[serde(borrow, default)]
    links: Links<'a>,
}

/// v3's `links`; only `about`, the documentation page, is kept. Anything
/// but an object reads as no links.
#[derive(Default)]
struct Links<'a> {
    about: Scalar<'a>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Links<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Object<'a> {
            #[serde(borrow, default)]
            about: Scalar<'a>,
        }
        Ok(match Scalar::deserialize_or_object::<D, Object<'a>>(d)? {
            ScalarOrObject::Scalar(_) => Links::default(),
            ScalarOrObject::Object(o) => Links { about: o.about },
        })
    }
}

impl V3Item<'_> {
    fn key(&self) -> ItemKey<'_> {
        ItemKey {
            error_type: self.error_type.as_str(),
            code: self.code.as_str(),
            resolution: self.resolution.kind.as_deref(),
            status: self.status.status(),
        }
    }
}

impl<'a> TopLevel<'a> {
    fn into_raw(self) -> Result<RawError<'a>, RequestError> {
        let V3Errors { best, objects } = self.errors;
        if let Some((_, item)) = best {
            return Ok(RawError {
                error_type: item.error_type.text(),
                code: item.code.text(),
                status: item.status.status(),
                request_id: self.request_id.text(),
                resolution: item.resolution.kind,
                action_url: item.resolution.url,
                description: item
                    .detail
                    .text()
                    .or(item.description.text())
                    .or(item.title.text()),
                suggested_user_message: item.suggested_user_message.text(),
                doc_url: item.links.about.text(),
                other_errors: objects.saturating_sub(1),
                legacy_format: false,
            });
        }
        let (error_type, legacy_format) = match (self.error_type.text(), self.error.text()) {
            (Some(t), _) => (t, false),
            (None, Some(e)) => (e, true),
            (None, None) => {
                return Err(RequestError::BodyNotAnError {
                    detail: "no type, error, or errors list holding an error object".into(),
                });
            }
        };
        Ok(RawError {
            error_type: Some(error_type),
            code: self.code.text(),
            status: self.status_code.status(),
            request_id: self.request_id.text(),
            resolution: self.resolution.kind,
            action_url: self.resolution.url,
            description: self
                .description
                .text()
                .or(self.message.text())
                .or(self.error_description.text()),
            suggested_user_message: self.suggested_user_message.text(),
            doc_url: self.doc_url.text(),
            other_errors: 0,
            legacy_format,
        })
    }
}

impl<'a> Scalar<'a> {
    /// The value as text when it is a non-empty string.
    fn as_str(&self) -> Option<&str> {
        match self {
            Scalar::Str(s) if !s.trim().is_empty() => Some(s),
            _ => None,
        }
    }

    /// The value as text: a non-empty string, or an integer's digits.
    fn text(self) -> Option<Cow<'a, str>> {
        match self {
            Scalar::Str(s) if !s.trim().is_empty() => Some(s),
            Scalar::Int(i) => Some(Cow::Owned(i.to_string())),
            _ => None,
        }
    }

    /// The value as an HTTP status: an integer or a numeric string (v3 sends
    /// `"409"`) in 100..=599.
    fn status(&self) -> Option<u16> {
        let n = match self {
            Scalar::Int(i) => *i,
            Scalar::Str(s) => s.trim().parse().ok()?,
            Scalar::Other => return None,
        };
        u16::try_from(n).ok().filter(|n| (100..=599).contains(n))
    }

    /// Reads an object as `T`, or any other value as a `Scalar`.
    fn deserialize_or_object<'de: 'a, D, T>(d: D) -> Result<ScalarOrObject<'a, T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        struct V<'a, T>(std::marker::PhantomData<(&'a (), T)>);
        impl<'de: 'a, 'a, T: Deserialize<'de>> Visitor<'de> for V<'a, T> {
            type Value = ScalarOrObject<'a, T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(ScalarOrObject::Object)
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(ScalarOrObject::Scalar(Scalar::Str(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ScalarOrObject::Scalar(Scalar::Str(Cow::Owned(
                    v.to_owned(),
                ))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(ScalarOrObject::Scalar(Scalar::Int(v)))
            }
            ignore_json!('de, ScalarOrObject::Scalar(Scalar::Other); u64, f64, bool, unit, seq);
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }

    /// Hands a list to `seq_visitor`; any other value reads as `None`.
    fn deserialize_or_seq<'de, D, V>(d: D, seq_visitor: V) -> Result<Option<V::Value>, D::Error>
    where
        D: Deserializer<'de>,
        V: Visitor<'de>,
    {
        struct W<V>(V);
        impl<'de, V: Visitor<'de>> Visitor<'de> for W<V> {
            type Value = Option<V::Value>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                self.0.visit_seq(seq).map(Some)
            }
            ignore_json!('de, None; map, str, i64, u64, f64, bool, unit);
        }
        d.deserialize_any(W(seq_visitor))
    }
}

/// A JSON value read as an object of type `T` when it is one, else as a
/// [`Scalar`]: a field that may be either (`resolution`, a v3 list item).
enum ScalarOrObject<'a, T> {
    Scalar(Scalar<'a>),
    Object(T),
}

/// `resolution` in any of its shapes: null, `"RETRY_LATER"`, `{type: null}`,
/// `{type}`, `{type, url, ...}`; the type and the url are kept (a string
/// is a type and has no url).
#[derive(Debug, Default)]
struct Resolution<'a> {
    kind: Option<Cow<'a, str>>,
    url: Option<Cow<'a, str>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Resolution<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Object<'a> {
            #[serde(borrow, default, rename = "type")]
            kind: Scalar<'a>,
            #[serde(borrow, default)]
            url: Scalar<'a>,
        }
        Ok(match Scalar::deserialize_or_object::<D, Object<'a>>(d)? {
            ScalarOrObject::Scalar(s) => Resolution {
                kind: s.text(),
                url: None,
            },
            ScalarOrObject::Object(o) => Resolution {
                kind: o.kind.text(),
                url: o.url.text(),
            },
        })
    }
}

/// A v3 `errors` list, reduced while it is read to the error ranked
/// highest and how many objects there were: it never holds the whole
/// list, so a body of thousands of errors costs no more memory than one.
/// Anything but a list (null, a string, an object) reads as an empty list,
/// so the body is judged on its other fields.
#[derive(Default)]
struct V3Errors<'a> {
    best: Option<(u8, V3Item<'a>)>,
    objects: u32,
}

struct V3ErrorsSeed<'r> {
    rank: Rank<'r>,
}

impl<'de, 'r> DeserializeSeed<'de> for V3ErrorsSeed<'r> {
    type Value = V3Errors<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        Ok(Scalar::deserialize_or_seq(d, self)?.unwrap_or_default())
    }
}

impl<'de, 'r> Visitor<'de> for V3ErrorsSeed<'r> {
    type Value = V3Errors<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of errors")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = V3Errors::default();
        while let Some(item) = seq.next_element::<MaybeItem<'de>>()? {
            let Some(item) = item.0 else { continue };
            out.objects = out.objects.saturating_add(1);
            let rank = (self.rank)(&item.key());
            if out.best.as_ref().is_none_or(|(best, _)| rank > *best) {
                out.best = Some((rank, item));
            }
        }
        Ok(out)
    }
}

/// A list element: an error object, or anything else (skipped).
struct MaybeItem<'a>(Option<V3Item<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for MaybeItem<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Scalar::deserialize_or_object::<D, V3Item<'a>>(d)? {
            ScalarOrObject::Scalar(_) => MaybeItem(None),
            ScalarOrObject::Object(item) => MaybeItem(Some(item)),
        })
    }
}

#[cfg(test)]
mod tests;
