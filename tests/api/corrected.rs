//! The corrected rows and the resolution types of design 3b ("3b,
//! corrected"), through the real server: each row's category, strategy,
//! action, propagation code and reason, its user message rendered with the
//! app's name, and what a body's `resolution.type` changes (docs/design.md
//! §4.4, §5.1 and §5.2).

use tonic::Code;
use tonic_types::RpcStatusExt;
use vehicle_error_interpreter::pb::{
    Action, Category, DecisionSource, InterpretRequest, InterpretResponse, RetryStrategy,
    interpret_request::Input,
};

use crate::helpers::TestServer;

use Action as A;
use Category as C;
use RetryStrategy as S;

const APP: &str = "Fleet";

fn body(body: &str, status: u32) -> InterpretRequest {
    InterpretRequest {
        input: Some(Input::Body(body.to_owned())),
        http_status: status,
        app_name: APP.into(),
        ..Default::default()
    }
}

/// A v2 body of `error_type` and `code` with the given `resolution` JSON.
fn v2(error_type: &str, code: &str, resolution: &str, status: u32) -> InterpretRequest {
    body(
        &format!(
            r#"{{"type":"{error_type}","code":"{code}","description":"d","statusCode":{status},"resolution":{resolution}}}"#
        ),
        status,
    )
}

/// The decision of an answer: category, strategy, action, propagation
/// code and reason.
fn decision(r: &InterpretResponse) -> (Category, RetryStrategy, Action, i32, &str) {
    let advice = r.retry_advice.as_ref().unwrap();
    (
        r.category(),
        advice.strategy(),
        advice.action(),
        r.propagation_code,
        r.reason.as_str(),
    )
}

/// Every corrected row answers as design 3b says, with its user message
/// rendered (the app's name in place of every placeholder, where the row's
/// message names the app) and the reason in the status' `ErrorInfo`.
#[tokio::test]
async fn every_corrected_row_answers_as_designed() {
    const FP: i32 = Code::FailedPrecondition as i32;
    const RE: i32 = Code::ResourceExhausted as i32;
    let null = r#"{"type":null}"#;
    #[rustfmt::skip]
    let rows = [
        ("CSA PERMISSION", v2("CONNECTED_SERVICES_ACCOUNT", "PERMISSION", null, 400), (C::Access, S::RetryAfterAction, A::UserReconnect, FP, "CONNECTED_SERVICES_ACCOUNT_PERMISSION"), true),
        ("CSA PERMISSION with its documented REAUTHENTICATE", v2("CONNECTED_SERVICES_ACCOUNT", "PERMISSION", r#"{"type":"REAUTHENTICATE"}"#, 400), (C::Access, S::RetryAfterAction, A::UserReconnect, FP, "CONNECTED_SERVICES_ACCOUNT_PERMISSION"), true),
        ("CSA PERMISSION with CONTACT_SUPPORT: still a reconnect", v2("CONNECTED_SERVICES_ACCOUNT", "PERMISSION", r#""CONTACT_SUPPORT""#, 400), (C::Access, S::RetryAfterAction, A::UserReconnect, FP, "CONNECTED_SERVICES_ACCOUNT_PERMISSION"), true),
        ("CSA NO_VEHICLES", v2("CONNECTED_SERVICES_ACCOUNT", "NO_VEHICLES", null, 400), (C::Account, S::RetryAfterAction, A::UserReconnect, FP, "CONNECTED_SERVICES_ACCOUNT_NO_VEHICLES"), true),
        ("v1 VOA_000", body(r#"{"error":"vehicle_owner_action_required","message":"m","code":"VOA_000"}"#, 400), (C::Access, S::RetryAfterAction, A::UserReconnect, FP, "CONNECTED_SERVICES_ACCOUNT_AUTHENTICATION_FAILED"), true),
        ("v1 VOA_001", body(r#"{"error":"vehicle_owner_action_required","message":"m","code":"VOA_001"}"#, 400), (C::Account, S::RetryAfterAction, A::UserAccountAction, FP, "CONNECTED_SERVICES_ACCOUNT_SUBSCRIPTION"), false),
        ("UPSTREAM NO_RESPONSE", v2("UPSTREAM", "NO_RESPONSE", r#"{"type":"RETRY_LATER"}"#, 502), (C::Upstream, S::RetryLater, A::None, Code::DeadlineExceeded as i32, "UPSTREAM_NO_RESPONSE"), true),
        ("PERMISSION null", body(r#"{"type":"PERMISSION","code":null,"description":"Insufficient permissions."}"#, 403), (C::Access, S::RetryAfterAction, A::UserReconnect, FP, "PERMISSION"), true),
        ("a bare 403", body("", 403), (C::Access, S::RetryAfterAction, A::UserReconnect, FP, "HTTP_403"), true),
        ("BILLING VEHICLE_LIMIT", v2("BILLING", "VEHICLE_LIMIT", null, 430), (C::Billing, S::DoNotRetry, A::ContactSupport, RE, "BILLING_VEHICLE_LIMIT"), true),
        ("BILLING VEHICLE_REQUEST_LIMIT", v2("BILLING", "VEHICLE_REQUEST_LIMIT", null, 430), (C::Billing, S::DoNotRetry, A::ContactSupport, RE, "BILLING_VEHICLE_REQUEST_LIMIT"), true),
        ("a bare 430", body("", 430), (C::Billing, S::DoNotRetry, A::ContactSupport, RE, "HTTP_430"), true),
        ("LOW_BATTERY, unchanged", v2("VEHICLE_STATE", "LOW_BATTERY", r#"{"type":"RETRY_LATER"}"#, 409), (C::Power, S::RetryLater, A::None, FP, "VEHICLE_STATE_LOW_BATTERY"), true),
    ];
    let mut server = TestServer::spawn().await;
    for (name, request, want, names_app) in rows {
        let r = server.ask(name, request).await;
        assert_eq!(decision(&r), want, "{name}");
        let status = r.propagation_status.as_ref().unwrap();
        assert_eq!(status.code, want.3, "{name}");
        let details = status.get_error_details();
        assert_eq!(details.error_info().unwrap().reason, want.4, "{name}");
        if want.3 == RE {
            assert!(details.quota_failure().is_some(), "{name}: QuotaFailure");
        }
        let message = &r.user_message;
        assert!(!message.contains('<'), "{name}: {message}");
        assert_eq!(message.contains(APP), names_app, "{name}: {message}");
        assert_eq!(
            details.localized_message().unwrap().message,
            *message,
            "{name}"
        );
    }
    server.stop().await;
}

/// The new messages say what to do: NO_VEHICLES both steps, CSA PERMISSION
/// a reconnect, NO_RESPONSE the timeout's "may or may not have reached";
/// PERMISSION's status message (for developers) names the Connect scope.
#[tokio::test]
async fn corrected_rows_say_what_to_do() {
    let mut server = TestServer::spawn().await;
    let null = r#"{"type":null}"#;
    let no_vehicles = server
        .ask(
            "NO_VEHICLES",
            v2("CONNECTED_SERVICES_ACCOUNT", "NO_VEHICLES", null, 400),
        )
        .await;
    let m = &no_vehicles.user_message;
    assert!(m.contains("add your car") && m.contains("reconnect"), "{m}");
    let permission = server
        .ask(
            "CSA PERMISSION",
            v2(
                "CONNECTED_SERVICES_ACCOUNT",
                "PERMISSION",
                r#""RETRY_LATER""#,
                400,
            ),
        )
        .await;
    assert!(permission.user_message.contains("reconnect"));
    assert_eq!(permission.decided_by(), DecisionSource::TypeTable);
    let no_response = server
        .ask("NO_RESPONSE", v2("UPSTREAM", "NO_RESPONSE", null, 502))
        .await;
    assert!(
        no_response
            .user_message
            .contains("may or may not have reached")
    );
    for (name, request) in [
        ("PERMISSION null", v2("PERMISSION", "", null, 403)),
        ("a bare 403", body("<h1>403</h1>", 403)),
    ] {
        let r = server.ask(name, request).await;
        let message = &r.propagation_status.as_ref().unwrap().message;
        assert!(message.contains("Connect scope"), "{name}: {message}");
    }
    server.stop().await;
}

/// `ACTION_REQUIRED` (sent with VIRTUAL_KEY_REQUIRED) is a user's account
/// action, and over a row that waits it decides and the code follows; an
/// unknown `resolution.type` answers from the table with a
/// `RESOLUTION_TYPE_UNKNOWN` warning carrying the value (cut when long); a
/// known type changes the answer as before, with no warning.
#[tokio::test]
async fn resolution_types_known_unknown_and_action_required() {
    const FP: i32 = Code::FailedPrecondition as i32;
    let long = format!("\"{}\"", "X".repeat(5000));
    let cut = format!("{}…", "X".repeat(64));
    #[rustfmt::skip]
    let rows = [
        ("ACTION_REQUIRED with VIRTUAL_KEY_REQUIRED", v2("CONNECTED_SERVICES_ACCOUNT", "VIRTUAL_KEY_REQUIRED", r#"{"type":"ACTION_REQUIRED","url":"https://example.invalid/key"}"#, 400), DecisionSource::TypeTable, (C::Account, S::RetryAfterAction, A::UserAccountAction, FP, "CONNECTED_SERVICES_ACCOUNT_VIRTUAL_KEY_REQUIRED"), None),
        ("ACTION_REQUIRED over UPSTREAM", v2("UPSTREAM", "KNOWN_ISSUE", r#""action_required""#, 502), DecisionSource::Resolution, (C::Upstream, S::RetryAfterAction, A::UserAccountAction, FP, "UPSTREAM_KNOWN_ISSUE"), None),
        ("an unknown type", v2("SERVER", "INTERNAL", r#"{"type":"SEND_FLOWERS"}"#, 500), DecisionSource::TypeTable, (C::Provider, S::RetryLater, A::None, Code::Unavailable as i32, "SERVER_INTERNAL"), Some("SEND_FLOWERS")),
        ("a long unknown type", v2("SERVER", "INTERNAL", &long, 500), DecisionSource::TypeTable, (C::Provider, S::RetryLater, A::None, Code::Unavailable as i32, "SERVER_INTERNAL"), Some(cut.as_str())),
        ("a known type", v2("UPSTREAM", "KNOWN_ISSUE", r#"{"type":"CONTACT_SUPPORT"}"#, 502), DecisionSource::Resolution, (C::Upstream, S::DoNotRetry, A::ContactSupport, FP, "UPSTREAM_KNOWN_ISSUE"), None),
    ];
    let mut server = TestServer::spawn().await;
    for (name, request, decided_by, want, unknown) in rows {
        let r = server.ask(name, request).await;
        assert_eq!((r.decided_by(), decision(&r)), (decided_by, want), "{name}");
        let warnings: Vec<(&str, Option<&str>)> = r
            .warnings
            .iter()
            .map(|w| {
                (
                    w.reason.as_str(),
                    w.metadata.get("value").map(String::as_str),
                )
            })
            .collect();
        let expected: Vec<(&str, Option<&str>)> = unknown
            .map(|value| ("RESOLUTION_TYPE_UNKNOWN", Some(value)))
            .into_iter()
            .collect();
        assert_eq!(warnings, expected, "{name}");
    }
    server.stop().await;
}
