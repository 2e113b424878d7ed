//! Bad input: each gets INVALID_ARGUMENT with a BadRequest naming the field
//! and an ErrorInfo reason, and the server keeps answering.

use tonic::{Code, Status};
use tonic_types::StatusExt;
use vehicle_error_interpreter::pb::{
    BatchInterpretRequest, GetVehicleStateErrorRequest, InterpretRequest,
    ListVehicleStateErrorsRequest, StructuredError, interpret_request::Input,
};

use crate::helpers::{TestServer, structured};

fn body(body: impl Into<String>) -> InterpretRequest {
    InterpretRequest {
        input: Some(Input::Body(body.into())),
        ..Default::default()
    }
}

fn assert_bad_request(err: &Status, field: &str, reason: &str) {
    assert_eq!(err.code(), Code::InvalidArgument, "{field}: {err:?}");
    let details = err.get_error_details();
    let violations = &details.bad_request().expect("BadRequest").field_violations;
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].field, field);
    assert!(!violations[0].description.is_empty());
    let info = details.error_info().expect("ErrorInfo");
    assert_eq!(
        (info.reason.as_str(), info.domain.as_str()),
        (reason, "vehicle-error-interpreter")
    );
    assert_eq!(info.metadata["field"], field);
}

/// Every caller mistake `Interpret` refuses (docs/design.md §6), and more.
#[tokio::test]
async fn bad_interpret_inputs_are_invalid_argument_with_field() {
    let mut server = TestServer::spawn().await;
    let cases: Vec<(InterpretRequest, &str, &str)> = vec![
        (InterpretRequest::default(), "body", "MISSING_INPUT"),
        (body(""), "body", "EMPTY_BODY"),
        (body(" \n\t "), "body", "EMPTY_BODY"),
        (
            body("<html>502 Bad Gateway</html>"),
            "body",
            "BODY_NOT_JSON",
        ),
        (
            body(r#"{"type":"VEHICLE_STATE","code":"#),
            "body",
            "BODY_NOT_JSON",
        ),
        (body("[1,2]"), "body", "BODY_NOT_OBJECT"),
        (body("null"), "body", "BODY_NOT_OBJECT"),
        (body(r#"{"hello":"world"}"#), "body", "BODY_NOT_AN_ERROR"),
        (
            body(format!(
                r#"{{"type":"VEHICLE_STATE","pad":"{}"}}"#,
                "x".repeat(16 * 1024)
            )),
            "body",
            "BODY_TOO_LARGE",
        ),
        (
            InterpretRequest {
                app_name: "x".repeat(65),
                ..structured("DOOR_OPEN")
            },
            "app_name",
            "FIELD_TOO_LONG",
        ),
        (
            InterpretRequest {
                app_name: "My\u{0}App".into(),
                ..structured("DOOR_OPEN")
            },
            "app_name",
            "CONTROL_CHARACTERS",
        ),
        (
            InterpretRequest {
                app_name: "   ".into(),
                ..structured("DOOR_OPEN")
            },
            "app_name",
            "EMPTY_FIELD",
        ),
        // Unusable bodies are the caller's problem only when no usable
        // status came with them (a 2xx or 3xx is not one); malformed
        // upstream fields are never: tests/api/taxonomy.rs.
        (
            InterpretRequest {
                http_status: 200,
                ..body("<html>OK</html>")
            },
            "body",
            "BODY_NOT_JSON",
        ),
        (
            InterpretRequest {
                locale: "not a locale".into(),
                ..structured("DOOR_OPEN")
            },
            "locale",
            "MALFORMED_FIELD",
        ),
        (
            InterpretRequest {
                input: Some(Input::Structured(StructuredError {
                    r#type: " ".into(),
                    code: "DOOR_OPEN".into(),
                })),
                ..Default::default()
            },
            "structured.type",
            "EMPTY_FIELD",
        ),
        (
            InterpretRequest {
                input: Some(Input::Structured(StructuredError {
                    r#type: "VEHICLE_STATE".into(),
                    code: "C".repeat(65),
                })),
                ..Default::default()
            },
            "structured.code",
            "FIELD_TOO_LONG",
        ),
    ];
    for (request, field, reason) in cases {
        let err = server.client.interpret(request).await.unwrap_err();
        assert_bad_request(&err, field, reason);
        server.assert_serving(reason).await;
    }
    server.stop().await;
}

/// Bad batch, lookup and list requests name their field too.
#[tokio::test]
async fn bad_batch_get_and_list_requests() {
    let mut server = TestServer::spawn().await;
    let err = server
        .client
        .batch_interpret(BatchInterpretRequest { requests: vec![] })
        .await
        .unwrap_err();
    assert_bad_request(&err, "requests", "EMPTY_BATCH");
    let err = server
        .client
        .batch_interpret(BatchInterpretRequest {
            requests: vec![structured("DOOR_OPEN"); 101],
        })
        .await
        .unwrap_err();
    assert_bad_request(&err, "requests", "BATCH_TOO_LARGE");
    let err = server
        .client
        .get_vehicle_state_error(GetVehicleStateErrorRequest {
            code: String::new(),
        })
        .await
        .unwrap_err();
    assert_bad_request(&err, "code", "EMPTY_FIELD");
    let err = server
        .client
        .get_vehicle_state_error(GetVehicleStateErrorRequest {
            code: "A\u{1b}[31m".into(),
        })
        .await
        .unwrap_err();
    assert_bad_request(&err, "code", "CONTROL_CHARACTERS");
    let list = |page_size, page_token: &str| ListVehicleStateErrorsRequest {
        page_size,
        page_token: page_token.into(),
        ..Default::default()
    };
    let err = server
        .client
        .list_vehicle_state_errors(list(-1, ""))
        .await
        .unwrap_err();
    assert_bad_request(&err, "page_size", "MALFORMED_FIELD");
    let err = server
        .client
        .list_vehicle_state_errors(list(5, "42"))
        .await
        .unwrap_err();
    assert_bad_request(&err, "page_token", "MALFORMED_FIELD");
    server.stop().await;
}

/// A message over the transport limit is refused by the codec
/// (OUT_OF_RANGE), never INTERNAL, and the connection stays usable.
#[tokio::test]
async fn message_over_the_transport_limit_is_out_of_range() {
    let mut server = TestServer::spawn().await;
    let huge = body("x".repeat(300 * 1024));
    let err = server.client.interpret(huge).await.unwrap_err();
    assert_eq!(err.code(), Code::OutOfRange, "{err:?}");
    server.assert_serving("the oversized message").await;
    server.stop().await;
}
