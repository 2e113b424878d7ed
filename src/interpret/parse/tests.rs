//! Body formats and tolerance cases of docs/design.md §6.

use std::borrow::Cow;

use super::*;

/// Ranks v3 errors as the service does not: the first error of type
/// `VEHICLE_STATE` above all others, so these tests can check the parser's
/// side of the ranking on its own.
fn vehicle_state_first(item: &ItemKey<'_>) -> u8 {
    u8::from(item.error_type == Some("VEHICLE_STATE"))
}

fn parse_body(body: &str) -> Result<RawError<'_>, RequestError> {
    super::parse_body(body, &vehicle_state_first)
}

fn parse(body: &str) -> RawError<'_> {
    parse_body(body).unwrap_or_else(|e| panic!("{body}: {e}"))
}

/// v2, the current format, with every documented field.
#[test]
fn reads_v2() {
    let raw = parse(
        r#"{"type":"VEHICLE_STATE","code":"DOOR_OPEN","description":"d","docURL":"u",
            "statusCode":409,"requestId":"r-1","resolution":{"type":null},
            "suggestedUserMessage":"m"}"#,
    );
    assert_eq!(raw.error_type.as_deref(), Some("VEHICLE_STATE"));
    assert_eq!(raw.code.as_deref(), Some("DOOR_OPEN"));
    assert_eq!(raw.status, Some(409));
    assert_eq!(raw.request_id.as_deref(), Some("r-1"));
    assert_eq!(raw.resolution, None);
    assert_eq!(raw.description.as_deref(), Some("d"));
    assert_eq!(raw.suggested_user_message.as_deref(), Some("m"));
    assert!(!raw.legacy_format);
}

/// Strings without escapes are borrowed from the body, not copied.
#[test]
fn borrows_plain_strings() {
    let raw = parse(r#"{"type":"VEHICLE_STATE","code":"DOOR\u005fOPEN"}"#);
    assert!(matches!(raw.error_type, Some(Cow::Borrowed(_))));
    assert_eq!(raw.code.as_deref(), Some("DOOR_OPEN"));
}

/// v1: `error` is the type and `message` the description.
#[test]
fn reads_v1() {
    let raw = parse(
        r#"{"error":"vehicle_state_error","message":"Door open","code":"VS_001","statusCode":"409"}"#,
    );
    assert_eq!(raw.error_type.as_deref(), Some("vehicle_state_error"));
    assert_eq!(raw.code.as_deref(), Some("VS_001"));
    assert_eq!(raw.description.as_deref(), Some("Door open"));
    assert_eq!(raw.status, Some(409));
    assert!(raw.legacy_format);
}

/// v3: the first vehicle-state error wins, the others are counted, the
/// string status is read.
#[test]
fn reads_v3_and_counts_the_rest() {
    let raw = parse(
        r#"{"errors":[
            {"status":"401","type":"AUTHENTICATION","code":null,"title":"t","detail":"x"},
            "junk",
            {"status":"409","type":"VEHICLE_STATE","code":"IN_MOTION","title":"t","detail":"moving",
             "links":{"about":"https://example.invalid"},"resolution":{"type":"RETRY_LATER"}},
            {"type":"VEHICLE_STATE","code":"ASLEEP"}
        ]}"#,
    );
    assert_eq!(raw.code.as_deref(), Some("IN_MOTION"));
    assert_eq!(raw.status, Some(409));
    assert_eq!(raw.description.as_deref(), Some("moving"));
    assert_eq!(raw.resolution.as_deref(), Some("RETRY_LATER"));
    assert_eq!(raw.other_errors, 2);
}

/// v3 with no vehicle-state error answers about the first error.
#[test]
fn v3_without_vehicle_state_takes_the_first() {
    let raw = parse(r#"{"errors":[{"type":"RATE_LIMIT","code":"VEHICLE"},{"type":"SERVER"}]}"#);
    assert_eq!(raw.error_type.as_deref(), Some("RATE_LIMIT"));
    assert_eq!(raw.other_errors, 1);
}

/// Every `resolution` shape reads as its type or as none.
#[test]
fn reads_every_resolution_shape() {
    for (resolution, expected) in [
        ("null", None),
        (r#""REAUTHENTICATE""#, Some("REAUTHENTICATE")),
        (r#"{"type":null}"#, None),
        (r#"{"type":"RETRY_LATER"}"#, Some("RETRY_LATER")),
        (
            r#"{"type":"CONTACT_SUPPORT","url":"https://x"}"#,
            Some("CONTACT_SUPPORT"),
        ),
        (r#"{"foo":[1,{"type":"X"}]}"#, None),
        ("[1,2]", None),
        ("7", None),
    ] {
        let body = format!(r#"{{"type":"T","resolution":{resolution}}}"#);
        assert_eq!(parse(&body).resolution.as_deref(), expected, "{resolution}");
    }
}

/// `resolution.url` is read from a v2 object and from the answered v3
/// error; a string resolution, a v1 body and a url of the wrong JSON type
/// have none.
#[test]
fn reads_the_resolution_url() {
    let url = |body: &str| parse(body).action_url.map(Cow::into_owned);
    let v2 = r#"{"type":"CONNECTED_SERVICES_ACCOUNT","code":"AUTHENTICATION_FAILED",
        "resolution":{"type":"REAUTHENTICATE","url":"https://connect.example/re"}}"#;
    assert_eq!(url(v2).as_deref(), Some("https://connect.example/re"));
    let v3 = r#"{"errors":[
        {"type":"RATE_LIMIT","resolution":{"type":"RETRY_LATER","url":"https://other"}},
        {"type":"VEHICLE_STATE","code":"X","resolution":{"type":"ACTION_REQUIRED","url":"https://vk"}}]}"#;
    assert_eq!(url(v3).as_deref(), Some("https://vk"));
    for none in [
        r#"{"type":"T","resolution":"https://x"}"#,
        r#"{"type":"T","resolution":{"type":"REAUTHENTICATE","url":null}}"#,
        r#"{"type":"T","resolution":{"url":{"href":"https://x"}}}"#,
        r#"{"error":"vehicle_owner_action_required","code":"VOA_000","url":"https://x"}"#,
    ] {
        assert_eq!(url(none), None, "{none}");
    }
}

/// Missing, null and wrongly typed fields read as absent; extra fields are
/// ignored.
#[test]
fn tolerates_missing_null_and_odd_fields() {
    let raw = parse(
        r#"{"type":"VEHICLE_STATE","code":null,"description":5.5,"statusCode":"abc",
            "requestId":{"a":1},"extra":[{"deep":[1,2,3]}],"suggestedUserMessage":true}"#,
    );
    assert_eq!(raw.error_type.as_deref(), Some("VEHICLE_STATE"));
    assert_eq!(raw.code, None);
    assert_eq!(raw.description, None);
    assert_eq!(raw.status, None);
    assert_eq!(raw.request_id, None);
    assert_eq!(raw.suggested_user_message, None);
}

/// Statuses outside HTTP's range are ignored rather than trusted.
#[test]
fn ignores_impossible_statuses() {
    for status in [
        "0",
        "-409",
        "4090",
        "\"40x\"",
        "409.0",
        "18446744073709551616",
    ] {
        let body = format!(r#"{{"type":"T","statusCode":{status}}}"#);
        assert_eq!(parse(&body).status, None, "{status}");
    }
}

/// Each kind of bad body has its own error.
#[test]
fn rejects_bad_bodies_with_typed_errors() {
    let cases: [(&str, &str); 11] = [
        ("", "EMPTY_BODY"),
        ("  \n\t ", "EMPTY_BODY"),
        ("not json", "BODY_NOT_JSON"),
        (r#"{"type":"VEHICLE_STATE""#, "BODY_NOT_JSON"),
        (r#"{"type":"A"} trailing"#, "BODY_NOT_JSON"),
        ("[1,2,3]", "BODY_NOT_OBJECT"),
        (r#""VEHICLE_STATE""#, "BODY_NOT_OBJECT"),
        ("42", "BODY_NOT_OBJECT"),
        ("{}", "BODY_NOT_AN_ERROR"),
        (r#"{"errors":[]}"#, "BODY_NOT_AN_ERROR"),
        (r#"{"errors":[1,"x"]}"#, "BODY_NOT_AN_ERROR"),
    ];
    for (body, reason) in cases {
        assert_eq!(parse_body(body).unwrap_err().reason(), reason, "{body:?}");
    }
    // A repeated key is not worth refusing an upstream body: the last wins.
    assert_eq!(
        parse(r#"{"type":"A","type":"B"}"#).error_type.as_deref(),
        Some("B")
    );
}

/// 10,000 nested brackets never crash: nested values are skipped without
/// recursion wherever they sit, and a nested top level is not an object.
#[test]
fn deep_nesting_never_crashes() {
    let nest = |n| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let in_read_field = format!(r#"{{"type":"A","code":{}}}"#, nest(10_000));
    assert_eq!(parse(&in_read_field).code, None);
    let top = nest(10_000);
    assert_eq!(parse_body(&top).unwrap_err().reason(), "BODY_NOT_OBJECT");
    let in_skipped_field = format!(r#"{{"type":"A","x":{}}}"#, nest(10_000));
    assert_eq!(parse(&in_skipped_field).error_type.as_deref(), Some("A"));
}
