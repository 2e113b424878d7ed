//! Hostile input through the real server: every case gets its expected
//! status (and `BadRequest` field where one applies), never `INTERNAL`,
//! `UNKNOWN`, a panic or a hang, and the server answers a normal call
//! after each.

use std::time::Duration;

use tonic::{Code, Status};
use tonic_types::StatusExt;
use vehicle_error_interpreter::{
    ServerConfig,
    grpc::ServiceSettings,
    pb::{
        BatchInterpretRequest, GetVehicleStateErrorRequest, Identification, InterpretRequest,
        ListVehicleStateErrorsRequest, batch_interpret_result::Result as ItemResult,
        interpret_request::Input,
    },
    server::ServeConfig,
};

use crate::helpers::{INTERPRET, RawClient, RawReply, TestServer, frame, structured};

/// The body limit of the default configuration.
const BODY_LIMIT: usize = 16 * 1024;

/// One hostile request, sent typed through tonic or as raw bytes.
enum Send {
    Interpret(InterpretRequest),
    Batch(BatchInterpretRequest),
    Get(&'static str),
    GetOwned(String),
    List(ListVehicleStateErrorsRequest),
    /// Hand-built protobuf bytes as the `Interpret` message.
    RawInterpret(Vec<u8>),
}

/// What the server must answer.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// OK; for `Interpret`, with this match.
    Ok(Option<Identification>),
    /// INVALID_ARGUMENT, `BadRequest` naming this field, `ErrorInfo` reason.
    Bad(&'static str, &'static str),
    /// This code and (when given) `ErrorInfo` reason, no `BadRequest`.
    Code(Code, Option<&'static str>),
}

fn body(text: impl Into<String>) -> Send {
    Send::Interpret(body_request(text))
}

fn body_request(text: impl Into<String>) -> InterpretRequest {
    InterpretRequest {
        input: Some(Input::Body(text.into())),
        ..Default::default()
    }
}

/// DOOR_OPEN with `app_name` set.
fn app_name(name: impl Into<String>) -> Send {
    Send::Interpret(InterpretRequest {
        app_name: name.into(),
        ..structured("DOOR_OPEN")
    })
}

/// UNREACHABLE (a retry-later code, so `Retry-After` applies) with it set.
fn retry_after(value: impl Into<String>) -> Send {
    Send::Interpret(InterpretRequest {
        retry_after: value.into(),
        ..structured("UNREACHABLE")
    })
}

/// A valid v2 DOOR_OPEN body padded with spaces to exactly `len` bytes.
fn padded_body(len: usize) -> String {
    let json = r#"{"type":"VEHICLE_STATE","code":"DOOR_OPEN"}"#;
    format!("{json}{}", " ".repeat(len - json.len()))
}

/// A v3 envelope with `n` errors, the vehicle-state one last.
fn v3_envelope(n: usize) -> String {
    let mut errors = vec![r#"{"type":"RATE_LIMIT","code":"VEHICLE"}"#; n - 1];
    errors.push(r#"{"type":"VEHICLE_STATE","code":"DOOR_OPEN","status":"409"}"#);
    format!(r#"{{"errors":[{}]}}"#, errors.join(","))
}

/// Protobuf wire bytes: a length-delimited field.
fn len_field(number: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![number << 3 | 2, u8::try_from(bytes.len()).unwrap()];
    out.extend_from_slice(bytes);
    out
}

const DOOR_BODY: &[u8] = br#"{"type":"VEHICLE_STATE","code":"DOOR_OPEN"}"#;

fn ok(kind: Identification) -> Expect {
    Expect::Ok(Some(kind))
}

const fn bad(field: &'static str, reason: &'static str) -> Expect {
    Expect::Bad(field, reason)
}

/// The table: a name, the request, the answer. One case per line.
#[rustfmt::skip]
fn cases() -> Vec<(&'static str, Send, Expect)> {
    use Identification::{ExactCode as Exact, UnknownCode as Fallback, UnknownType as NotVehicleState};
    let not_json = bad("body", "BODY_NOT_JSON");
    let not_object = bad("body", "BODY_NOT_OBJECT");
    let not_error = bad("body", "BODY_NOT_AN_ERROR");
    let too_large = bad("body", "BODY_TOO_LARGE");
    let control = |field| bad(field, "CONTROL_CHARACTERS");
    let malformed = |field| bad(field, "MALFORMED_FIELD");
    let undecodable = Expect::Code(Code::InvalidArgument, Some("MALFORMED_MESSAGE"));
    let over_transport = Expect::Code(Code::OutOfRange, None);
    vec![
        // Bodies that are not JSON, or not an object.
        ("empty body", body(""), bad("body", "EMPTY_BODY")),
        ("whitespace body", body(" \t\r\n "), bad("body", "EMPTY_BODY")),
        ("byte order mark only", body("\u{feff}"), not_json),
        ("truncated JSON", body(r#"{"type":"VEHICLE_STATE","code":"DOOR_"#), not_json),
        ("lone brace", body("{"), not_json),
        ("trailing garbage", body(r#"{"type":"VEHICLE_STATE"}}"#), not_json),
        ("HTML error page", body("<html><body>502 Bad Gateway</body></html>"), not_json),
        ("lone surrogate escape", body(r#"{"type":"VEHICLE_STATE","code":"\ud800"}"#), not_json),
        ("JSON array", body("[]"), not_object),
        ("array holding an error", body(r#"[{"type":"VEHICLE_STATE","code":"DOOR_OPEN"}]"#), not_object),
        ("JSON string", body(r#""DOOR_OPEN""#), not_object),
        ("JSON number", body("409"), not_object),
        ("JSON number out of range", body("1e999999"), not_object),
        ("JSON true", body("true"), not_object),
        ("10,000 open brackets", body("[".repeat(10_000)), not_json),
        ("8,000 nested brackets", body(format!("{}{}", "[".repeat(8_000), "]".repeat(8_000))), not_object),
        ("10,000 brackets inside errors", body(format!(r#"{{"errors":{}"#, "[".repeat(10_000))), not_json),
        ("2,000 nested objects in code", body(format!(r#"{{"type":"VEHICLE_STATE","code":{}"#, r#"{"a":"#.repeat(2_000))), not_json),
        // JSON objects that are not (quite) errors.
        ("empty object", body("{}"), not_error),
        ("null type and code", body(r#"{"type":null,"code":null}"#), not_error),
        ("empty errors list", body(r#"{"errors":[]}"#), not_error),
        ("errors list of scalars", body(r#"{"errors":[1,"x",null,true]}"#), not_error),
        ("duplicate type key (the last wins)", body(r#"{"type":"VEHICLE_STATE","type":"X","code":"DOOR_OPEN"}"#), ok(NotVehicleState)),
        ("numeric type", body(r#"{"type":42,"code":"DOOR_OPEN"}"#), ok(NotVehicleState)),
        ("NUL inside the code", body(r#"{"type":"VEHICLE_STATE","code":"DOOR\u0000OPEN"}"#), ok(Fallback)),
        ("code of 10,000 characters", body(format!(r#"{{"type":"VEHICLE_STATE","code":"{}"}}"#, "C".repeat(10_000))), ok(Fallback)),
        // Sizes.
        ("body just under the limit", body(padded_body(BODY_LIMIT)), ok(Exact)),
        ("body just over the limit", body(padded_body(BODY_LIMIT + 1)), too_large),
        ("multi-byte body over the limit in bytes", body(format!(r#"{{"type":"VEHICLE_STATE","code":"{}"}}"#, "é".repeat(BODY_LIMIT / 2))), too_large),
        ("v3 envelope with 10,000 errors", body(v3_envelope(10_000)), over_transport),
        ("10 MB message", body("x".repeat(10 * 1024 * 1024)), over_transport),
        ("1 MB app_name", app_name("a".repeat(1024 * 1024)), over_transport),
        // app_name.
        ("NUL in app_name", app_name("My\0App"), control("app_name")),
        ("ANSI escape in app_name", app_name("\u{1b}[31mred"), control("app_name")),
        ("header injection in app_name", app_name("App\r\nX-Evil: 1"), control("app_name")),
        ("DEL in app_name", app_name("App\u{7f}"), control("app_name")),
        ("C1 control in app_name", app_name("App\u{85}"), control("app_name")),
        ("65 characters of app_name", app_name("n".repeat(65)), bad("app_name", "FIELD_TOO_LONG")),
        ("64 four-byte characters of app_name", app_name("🚗".repeat(64)), ok(Exact)),
        ("bidi override in app_name", app_name("\u{202e}ppA"), ok(Exact)),
        // Retry-After: upstream input, so a bad one is ignored (with a
        // warning, checked in taxonomy.rs), never a failed call.
        ("negative Retry-After", retry_after("-1"), ok(Exact)),
        ("fractional Retry-After", retry_after("1.5"), ok(Exact)),
        ("huge Retry-After", retry_after("99999999999999999999999999"), ok(Exact)),
        ("millisecond timestamp Retry-After", retry_after("1764000000000"), ok(Exact)),
        ("HTTP-date Retry-After in the past", retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), ok(Exact)),
        ("HTTP-date Retry-After in year 9999", retry_after("Fri, 31 Dec 9999 23:59:59 GMT"), ok(Exact)),
        ("RFC 850 date Retry-After", retry_after("Sunday, 06-Nov-94 08:49:37 GMT"), ok(Exact)),
        ("NUL Retry-After", retry_after("\0"), ok(Exact)),
        ("1,000-character Retry-After", retry_after("9".repeat(1_000)), ok(Exact)),
        // Other fields.
        ("http_status u32::MAX", Send::Interpret(InterpretRequest { http_status: u32::MAX, ..structured("DOOR_OPEN") }), ok(Exact)),
        ("path in locale", Send::Interpret(InterpretRequest { locale: "../../etc/passwd".into(), ..structured("DOOR_OPEN") }), malformed("locale")),
        ("NUL in structured code", Send::Interpret(structured("DOOR\0OPEN")), control("structured.code")),
        ("empty structured code", Send::Interpret(structured("")), ok(Fallback)),
        // Batches.
        ("empty batch", Send::Batch(BatchInterpretRequest { requests: vec![] }), bad("requests", "EMPTY_BATCH")),
        ("batch over the limit", Send::Batch(BatchInterpretRequest { requests: vec![structured("DOOR_OPEN"); 101]}), bad("requests", "BATCH_TOO_LARGE")),
        ("batch of 100 bad items", Send::Batch(BatchInterpretRequest { requests: vec![body_request("{"); 100]}), Expect::Ok(None)),
        // Lookups and listing.
        ("unknown legacy code", Send::Get("VS_999"), Expect::Code(Code::NotFound, Some("UNKNOWN_CODE"))),
        ("10 KB code", Send::GetOwned("C".repeat(10_000)), bad("code", "FIELD_TOO_LONG")),
        ("unknown category enum number", Send::List(ListVehicleStateErrorsRequest { category: 99, strategy: -7, ..Default::default() }), Expect::Ok(None)),
        ("page_size i32::MAX", Send::List(ListVehicleStateErrorsRequest { page_size: i32::MAX, ..Default::default() }), Expect::Ok(None)),
        ("old-style page token", Send::List(ListVehicleStateErrorsRequest { page_token: "offset:18446744073709551615".into(), ..Default::default() }), bad("page_token", "MALFORMED_FIELD")),
        // Hand-built protobuf.
        ("invalid UTF-8 in body", Send::RawInterpret(len_field(1, b"{\"type\":\"\xff\xfe\"}")), undecodable),
        ("invalid UTF-8 in app_name", Send::RawInterpret([len_field(1, DOOR_BODY), len_field(3, b"App\xc3")].concat()), undecodable),
        ("truncated length-delimited field", Send::RawInterpret(vec![0x0a, 100, b'{']), undecodable),
        ("wrong wire type for body", Send::RawInterpret(vec![0x08, 0x01]), undecodable),
        ("garbage bytes", Send::RawInterpret(vec![0xff; 16]), undecodable),
        ("empty message", Send::RawInterpret(vec![]), bad("body", "MISSING_INPUT")),
        ("unknown field beside a body", Send::RawInterpret([len_field(1, DOOR_BODY), vec![0xf8, 0x06, 0x2a]].concat()), ok(Exact)),
        ("unknown length-delimited field only", Send::RawInterpret(len_field(15, b"whatever")), bad("body", "MISSING_INPUT")),
    ]
}

/// Every hostile input gets its documented answer, none is INTERNAL or
/// UNKNOWN, none hangs, and the server answers a normal call after each.
#[tokio::test]
async fn hostile_inputs_get_their_documented_status() {
    let mut server = TestServer::spawn().await;
    let mut raw = RawClient::connect(server.addr).await;
    let cases = cases();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    for (name, request, expect) in cases {
        let outcome = tokio::time::timeout(
            Duration::from_secs(20),
            send(&mut server, &mut raw, request),
        )
        .await
        .unwrap_or_else(|_| panic!("{name}: no answer (hang)"));
        check(name, outcome, expect);
        server.assert_serving(name).await;
    }
    server.stop().await;
}

/// The outcome of one call: the match kind of an OK `Interpret`, or the
/// status.
type Outcome = Result<Option<Identification>, Status>;

async fn send(server: &mut TestServer, raw: &mut RawClient, request: Send) -> Outcome {
    let client = &mut server.client;
    match request {
        Send::Interpret(r) => client
            .interpret(r)
            .await
            .map(|r| Some(r.into_inner().identification())),
        Send::Batch(r) => client.batch_interpret(r).await.map(|r| {
            let results = r.into_inner().results;
            assert!(results.iter().all(|r| match &r.result {
                Some(ItemResult::Error(s)) => s.code != Code::Internal as i32,
                Some(ItemResult::Response(_)) => true,
                None => false,
            }));
            None
        }),
        Send::Get(code) => get(client, code.to_owned()).await,
        Send::GetOwned(code) => get(client, code).await,
        Send::List(r) => client.list_vehicle_state_errors(r).await.map(|_| None),
        Send::RawInterpret(bytes) => {
            let reply = raw.call(INTERPRET, &[], frame(&bytes)).await;
            if reply.status == 0 {
                let response: vehicle_error_interpreter::pb::InterpretResponse = reply.message();
                Ok(Some(response.identification()))
            } else {
                Err(raw_status(&reply))
            }
        }
    }
}

async fn get(
    client: &mut vehicle_error_interpreter::pb::interpreter_service_client::InterpreterServiceClient<tonic::transport::Channel>,
    code: String,
) -> Outcome {
    client
        .get_vehicle_state_error(GetVehicleStateErrorRequest { code })
        .await
        .map(|_| None)
}

/// The status a raw reply carries, details included, as tonic would read it.
fn raw_status(reply: &RawReply) -> Status {
    let mut headers = http::HeaderMap::new();
    headers.insert("grpc-status", reply.status.to_string().parse().unwrap());
    headers.insert("grpc-message", reply.message.parse().unwrap());
    if let Some(details) = &reply.details {
        headers.insert("grpc-status-details-bin", details.parse().unwrap());
    }
    Status::from_header_map(&headers).unwrap()
}

fn check(name: &str, outcome: Outcome, expect: Expect) {
    if let Err(status) = &outcome {
        assert!(
            !matches!(status.code(), Code::Internal | Code::Unknown),
            "{name}: {status:?}"
        );
    }
    match (expect, outcome) {
        (Expect::Ok(kind), Ok(got)) => {
            if kind.is_some() {
                assert_eq!(got, kind, "{name}");
            }
        }
        (Expect::Bad(field, reason), Err(status)) => {
            assert_eq!(status.code(), Code::InvalidArgument, "{name}: {status:?}");
            let details = status.get_error_details();
            let violations = &details
                .bad_request()
                .unwrap_or_else(|| panic!("{name}: no BadRequest"))
                .field_violations;
            assert_eq!(violations.len(), 1, "{name}");
            assert_eq!(violations[0].field, field, "{name}");
            assert_eq!(
                details.error_info().map(|i| i.reason.as_str()),
                Some(reason),
                "{name}"
            );
        }
        (Expect::Code(code, reason), Err(status)) => {
            assert_eq!(status.code(), code, "{name}: {status:?}");
            let details = status.get_error_details();
            assert!(details.bad_request().is_none(), "{name}");
            if let Some(reason) = reason {
                assert_eq!(
                    details.error_info().map(|i| i.reason.as_str()),
                    Some(reason),
                    "{name}"
                );
            }
        }
        (expect, outcome) => panic!("{name}: expected {expect:?}, got {outcome:?}"),
    }
}

/// With limits raised past them, inputs that the default limits stop early
/// reach the parser and the field checks: a v3 envelope of 10,000 errors is
/// read in one pass, 10,000-deep JSON is skipped without a stack overflow,
/// and a 1 MB `app_name` is refused by its own limit.
#[tokio::test]
async fn hostile_inputs_past_the_size_limits() {
    let config = ServerConfig {
        service: ServiceSettings {
            max_body_bytes: 1024 * 1024,
            ..Default::default()
        },
        serve: ServeConfig {
            max_message_bytes: 4 * 1024 * 1024,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut server = TestServer::spawn_with(config).await;

    let response = server
        .client
        .interpret(body_request(v3_envelope(10_000)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.identification(), Identification::ExactCode);
    assert_eq!(response.error_code, "DOOR_OPEN");
    assert_eq!(response.other_error_count, 9_999);

    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let err = server
        .client
        .interpret(body_request(nested))
        .await
        .unwrap_err();
    // Valid JSON, just deep: skipped without recursion, and not an object.
    assert_eq!(
        err.get_error_details().error_info().unwrap().reason,
        "BODY_NOT_OBJECT"
    );

    // Valid JSON, deep where a field's value goes: skipped without
    // recursion, so the value just reads as absent (no code: a fallback).
    let deep_code = format!(
        r#"{{"type":"VEHICLE_STATE","code":{}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let response = server
        .client
        .interpret(body_request(deep_code))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.identification(), Identification::UnknownCode);
    // Deep objects inside a v3 error's `type`.
    let deep_type = format!(
        r#"{{"errors":[{{"type":{}1{}}}]}}"#,
        r#"{"type":"#.repeat(10_000),
        "}".repeat(10_000)
    );
    // An error object whose type is unusable is still an error object: it is
    // answered as another type, with no catalog entry.
    let response = server
        .client
        .interpret(body_request(deep_type))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.identification(), Identification::UnknownType);

    let request = InterpretRequest {
        app_name: "a".repeat(1024 * 1024),
        ..structured("DOOR_OPEN")
    };
    let err = server.client.interpret(request).await.unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        err.get_error_details().error_info().unwrap().reason,
        "FIELD_TOO_LONG"
    );

    server.assert_serving("the 1 MB app_name").await;
    server.stop().await;
}

/// Extra request headers of a raw call.
type Headers<'a> = Vec<(&'a str, &'a str)>;

/// Broken gRPC framing is refused by tonic's transport before our codec
/// runs, with tonic's codes. Some are INTERNAL, and must be: the gRPC
/// compression spec requires INTERNAL for a compressed flag without
/// `grpc-encoding`, and tonic uses it for a body that ends mid-frame or
/// holds no message. Only a broken gRPC implementation sends these, never
/// a caller's data; docs/reliability.md lists them. The server keeps
/// answering after each.
#[tokio::test]
async fn broken_framing_gets_tonics_status_and_the_server_keeps_answering() {
    let mut server = TestServer::spawn().await;
    let mut raw = RawClient::connect(server.addr).await;
    let payload = len_field(1, DOOR_BODY);
    let with_flag = |flag: u8| {
        let mut framed = frame(&payload).to_vec();
        framed[0] = flag;
        bytes::Bytes::from(framed)
    };
    let truncated = frame(&payload).slice(..10);
    let cases: Vec<(&str, &str, Headers<'_>, bytes::Bytes, Code)> = vec![
        (
            "compressed flag without grpc-encoding",
            INTERPRET,
            vec![],
            with_flag(1),
            Code::Internal,
        ),
        (
            "compression flag 2",
            INTERPRET,
            vec![],
            with_flag(2),
            Code::Internal,
        ),
        (
            "body ends mid-frame",
            INTERPRET,
            vec![],
            truncated,
            Code::Internal,
        ),
        (
            "no message at all",
            INTERPRET,
            vec![],
            bytes::Bytes::new(),
            Code::Internal,
        ),
        (
            "unsupported grpc-encoding",
            INTERPRET,
            vec![("grpc-encoding", "br")],
            with_flag(1),
            Code::Unimplemented,
        ),
        (
            "unknown method",
            "/vehicle_errors.v1.InterpreterService/Nope",
            vec![],
            frame(&payload),
            Code::Unimplemented,
        ),
    ];
    for (name, path, headers, data, code) in cases {
        let reply = tokio::time::timeout(Duration::from_secs(20), raw.call(path, &headers, data))
            .await
            .unwrap_or_else(|_| panic!("{name}: no answer (hang)"));
        assert_eq!(Code::from_i32(reply.status), code, "{name}: {reply:?}");
        server.assert_serving(name).await;
    }
    server.stop().await;
}

/// Odd `Retry-After` values never push a retry past the one-hour clamp,
/// and a date in the past means "now".
#[tokio::test]
async fn odd_retry_after_values_are_clamped() {
    let mut server = TestServer::spawn().await;
    let cases = [
        ("99999999999999999999999999", 3600),
        // A Unix timestamp in milliseconds, long past: retry now.
        ("1764000000000", 0),
        ("Fri, 31 Dec 9999 23:59:59 GMT", 3600),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0),
        ("Sunday, 06-Nov-94 08:49:37 GMT", 0),
        (" 120\t", 120),
    ];
    for (value, seconds) in cases {
        let request = InterpretRequest {
            retry_after: value.into(),
            ..structured("UNREACHABLE")
        };
        let response = server.client.interpret(request).await.unwrap().into_inner();
        let delay = response.retry_advice.unwrap().suggested_delay.unwrap();
        assert_eq!((delay.seconds, delay.nanos), (seconds, 0), "{value:?}");
    }
    server.stop().await;
}
