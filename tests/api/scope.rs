//! `RetryAdvice.scope`, what an answer blocks, through the real server:
//! one representative input for every row of design 3c's table and every
//! status-only status, the scope kept when a body's resolution changes the
//! action and the `scope` in the propagation status' `ErrorInfo` metadata
//! (docs/design.md §4.7; `ListErrorTypes`' rules: `taxonomy`).

use tonic_types::RpcStatusExt;
use vehicle_error_interpreter::pb::{Action, InterpretRequest, InterpretResponse, Scope};

use crate::helpers::TestServer;
use crate::taxonomy::{self, body};

/// A v2 body of `error_type` and `code` (empty: null).
fn v2(error_type: &str, code: &str, status: u32) -> InterpretRequest {
    taxonomy::v2(error_type, Some(code).filter(|c| !c.is_empty()), status)
}

fn oauth(error: &str) -> InterpretRequest {
    body(
        &format!(r#"{{"error":"{error}","error_description":"d"}}"#),
        400,
    )
}

fn scope(r: &InterpretResponse) -> Scope {
    r.retry_advice.as_ref().unwrap().scope()
}

/// The scope in the propagation status' `ErrorInfo` metadata.
fn error_info_scope(r: &InterpretResponse) -> String {
    let details = r.propagation_status.as_ref().unwrap().get_error_details();
    details.error_info().unwrap().metadata["scope"].clone()
}

/// The input of every row of design 3c's table and every status-only
/// status, with the scope it must answer.
fn rows() -> Vec<(String, InterpretRequest, Scope)> {
    use Scope::{Application as App, Call, Operation as Op, User, Vehicle as Veh};
    let mut rows: Vec<(String, InterpretRequest, Scope)> = Vec::new();
    for (code, want) in [
        ("DOOR_OPEN", Op),
        ("HOOD_OPEN", Op),
        ("TRUNK_OPEN", Op),
        ("CHARGING_IN_PROGRESS", Op),
        ("CHARGING_PLUG_CONNECTED", Op),
        ("CHARGING_PLUG_NOT_CONNECTED", Op),
        ("FULLY_CHARGED", Op),
        ("NOT_CHARGING", Op),
        ("CHARGE_FAULT", Op),
        ("ASLEEP", Veh),
        ("UNREACHABLE", Veh),
        ("REMOTE_ACCESS_DISABLED", Veh),
        ("VEHICLE_OFFLINE_FOR_SERVICE", Veh),
        ("IGNITION_ON", Veh),
        ("IN_MOTION", Veh),
        ("LOW_BATTERY", Veh),
        ("UNKNOWN", Veh),
    ] {
        rows.push((
            format!("VEHICLE_STATE {code}"),
            v2("VEHICLE_STATE", code, 409),
            want,
        ));
    }
    #[rustfmt::skip]
    let typed = [
        ("SERVER", "INTERNAL", 500, Call),
        ("SERVER", "RECORD_NOT_FOUND", 500, Op),
        ("SERVER", "MULTIPLE_RECORDS_FOUND", 500, Op),
        ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE", 501, Op),
        ("COMPATIBILITY", "SMARTCAR_NOT_CAPABLE", 501, Op),
        ("COMPATIBILITY", "MAKE_NOT_COMPATIBLE", 501, Veh),
        ("COMPATIBILITY", "PLATFORM_NOT_CAPABLE", 501, User),
        ("VALIDATION", "PARAMETER", 400, Op),
        ("VALIDATION", "", 400, Op),
        ("RESOURCE_NOT_FOUND", "PATH", 404, Op),
        ("AUTHENTICATION", "ACCESS_DENIED", 403, Op),
        ("AUTHENTICATION", "", 401, User),
        ("AUTHENTICATION", "UNAUTHORIZED", 401, User),
        ("PERMISSION", "", 403, User),
        ("RATE_LIMIT", "VEHICLE", 429, Veh),
        ("RATE_LIMIT", "SMARTCAR_API", 429, App),
        ("RATE_LIMIT", "", 429, App),
        ("BILLING", "VEHICLE_REQUEST_LIMIT", 430, Veh),
        ("BILLING", "VEHICLE_LIMIT", 430, App),
        ("BILLING", "INVALID_PLAN", 430, App),
        ("BILLING", "ACCOUNT_SUSPENDED", 430, App),
        ("UPSTREAM", "INVALID_DATA", 502, Veh),
        ("UPSTREAM", "KNOWN_ISSUE", 502, Veh),
        ("UPSTREAM", "UNKNOWN_ISSUE", 502, Veh),
        ("UPSTREAM", "NO_RESPONSE", 502, Veh),
        ("UPSTREAM", "RATE_LIMIT", 502, Veh),
        ("CONNECTED_SERVICES_ACCOUNT", "VEHICLE_MISSING", 400, Veh),
        ("CONNECTED_SERVICES_ACCOUNT", "VIRTUAL_KEY_REQUIRED", 400, Veh),
        ("CONNECTED_SERVICES_ACCOUNT", "ACCOUNT_ISSUE", 400, User),
        ("CONNECTED_SERVICES_ACCOUNT", "SUBSCRIPTION", 400, User),
        ("CONNECTED_SERVICES_ACCOUNT", "NO_VEHICLES", 400, User),
        ("CONNECTED_SERVICES_ACCOUNT", "PERMISSION", 400, User),
        ("CONNECTED_SERVICES_ACCOUNT", "AUTHENTICATION_FAILED", 400, User),
    ];
    for (error_type, code, status, want) in typed {
        rows.push((
            format!("{error_type} {code}"),
            v2(error_type, code, status),
            want,
        ));
    }
    for (error, want) in [
        ("invalid_grant", User),
        ("invalid_client", App),
        ("invalid_request", Op),
    ] {
        rows.push((format!("OAuth {error}"), oauth(error), want));
    }
    #[rustfmt::skip]
    let statuses = [
        (500, Call), (502, Call), (503, Call), (504, Call), (408, Call), (507, Call),
        (429, App), (430, App), (401, User), (403, User), (409, Veh),
        (400, Op), (404, Op), (501, Op), (418, Op),
    ];
    for (status, want) in statuses {
        rows.push((
            format!("a bare {status}"),
            body("<h1>error</h1>", status),
            want,
        ));
    }
    rows.push((
        "an unknown type with no usable status".into(),
        body(r#"{"type":"WEATHER","code":"HAIL"}"#, 0),
        Call,
    ));
    rows
}

/// Every row of design 3c's table answers its scope in BASIC, and the
/// propagation status' `ErrorInfo` metadata names it without the prefix.
#[tokio::test]
async fn every_row_answers_its_scope() {
    let mut server = TestServer::spawn().await;
    for (name, request, want) in rows() {
        let r = server.ask(&name, request).await;
        assert_eq!(scope(&r), want, "{name} ({})", r.reason);
        let metadata = error_info_scope(&r);
        assert_eq!(
            format!("SCOPE_{metadata}"),
            want.as_str_name(),
            "{name}: ErrorInfo metadata"
        );
    }
    server.stop().await;
}

/// A body's resolution that changes the action keeps the row's scope:
/// what is blocked is the row's, whoever must act.
#[tokio::test]
async fn a_resolution_changing_the_action_keeps_the_rows_scope() {
    let mut server = TestServer::spawn().await;
    #[rustfmt::skip]
    let cases = [
        ("RATE_LIMIT SMARTCAR_API + REAUTHENTICATE", r#"{"type":"RATE_LIMIT","code":"SMARTCAR_API","description":"d","resolution":{"type":"REAUTHENTICATE"}}"#, 429, Action::UserReconnect, Scope::Application),
        ("UPSTREAM KNOWN_ISSUE + CONTACT_SUPPORT", r#"{"type":"UPSTREAM","code":"KNOWN_ISSUE","description":"d","resolution":{"type":"CONTACT_SUPPORT"}}"#, 502, Action::ContactSupport, Scope::Vehicle),
        ("SERVER INTERNAL + ACTION_REQUIRED", r#"{"type":"SERVER","code":"INTERNAL","description":"d","resolution":{"type":"ACTION_REQUIRED"}}"#, 500, Action::UserAccountAction, Scope::Call),
    ];
    for (name, json, status, action, want) in cases {
        let r = server.ask(name, body(json, status)).await;
        let advice = r.retry_advice.as_ref().unwrap();
        assert_eq!(advice.action(), action, "{name}: the action changed");
        assert_eq!(advice.scope(), want, "{name}");
        assert_eq!(
            format!("SCOPE_{}", error_info_scope(&r)),
            want.as_str_name(),
            "{name}"
        );
    }
    server.stop().await;
}
