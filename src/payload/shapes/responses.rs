//! A batch's `responses` (and a 2.0 vehicle's `data`), read one
//! sub-response at a time: only failing ones (`code` >= 400) are kept,
//! each with its own headers and its body as the text `Interpret` reads.

use std::borrow::Cow;

use serde::de::{MapAccess, SeqAccess};
use serde_json::value::RawValue;

use crate::payload::collect::{Collector, Source};
use crate::payload::json::{AsObject, Elements, Fields, Shape, Text, skip};

/// A batch's `responses` (and a 2.0 vehicle's `data`): each sub-response
/// with `code` >= 400 is one error, with its own headers.
pub(in crate::payload) struct Responses<'x, 'a> {
    pub(in crate::payload) collector: &'x mut Collector<'a>,
}

impl<'de> Elements<'de> for Responses<'_, 'de> {
    fn element<A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<bool, A::Error> {
        let Some(shape) = seq.next_element_seed(AsObject(Response::default()))? else {
            return Ok(false);
        };
        let Shape::Read(response) = shape else {
            return Ok(true);
        };
        let Some(status) = response.code.status().filter(|c| *c >= 400) else {
            return Ok(true);
        };
        let source = Source::Response {
            body: response
                .body
                .map_or(Cow::Borrowed(""), |b| body_text(b.get())),
            status,
            retry_after: response.headers.retry_after.text(),
            request_id: response.headers.request_id.text(),
        };
        self.collector.response(response.path.text(), source);
        Ok(true)
    }
}

/// A sub-response's body as `Interpret` takes it: its JSON text, or, when
/// the body came as a JSON string whose text is an object's (starts with
/// `{`: the batch page types `body` as a string, and a proxy may forward
/// it so), that text, decoded. Any other string stays the string literal,
/// which `Interpret` answers from the HTTP status with `BODY_NOT_AN_ERROR`;
/// only a string that may hold an object is decoded (copied).
fn body_text(raw: &str) -> Cow<'_, str> {
    let holds_object = raw
        .strip_prefix('"')
        .is_some_and(|content| content.trim_start().starts_with('{'));
    if holds_object && let Ok(content) = serde_json::from_str::<Cow<'_, str>>(raw) {
        return content;
    }
    Cow::Borrowed(raw)
}

/// `{path, code, headers, body}`; the body kept as its text.
#[derive(Default)]
struct Response<'a> {
    path: Text<'a>,
    code: Text<'a>,
    headers: Headers<'a>,
    body: Option<&'a RawValue>,
}

impl<'de> Fields<'de> for Response<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        match key {
            "path" => self.path = map.next_value()?,
            "code" => self.code = map.next_value()?,
            "headers" => {
                if let Shape::Read(h) = map.next_value_seed(AsObject(Headers::default()))? {
                    self.headers = h;
                }
            }
            "body" => self.body = Some(map.next_value()?),
            _ => skip(map)?,
        }
        Ok(())
    }
}

/// The headers `Interpret` reads, named in any letter case.
#[derive(Default)]
struct Headers<'a> {
    retry_after: Text<'a>,
    request_id: Text<'a>,
}

impl<'de> Fields<'de> for Headers<'de> {
    fn field<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        if key.eq_ignore_ascii_case("retry-after") {
            self.retry_after = map.next_value()?;
        } else if key.eq_ignore_ascii_case("sc-request-id") {
            self.request_id = map.next_value()?;
        } else {
            skip(map)?;
        }
        Ok(())
    }
}
