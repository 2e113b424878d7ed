//! Matching, classification and rendering over the embedded catalog.

use std::time::Duration;

use super::*;

fn catalog() -> Catalog {
    Catalog::embedded().unwrap()
}

fn body(catalog: &Catalog, body: &str) -> (MatchKind, Option<String>, RetryStrategy) {
    let i = interpret(catalog, Input::Body(body), &Context::default()).unwrap();
    (
        i.match_kind,
        i.entry.map(|e| e.entry.code.clone()),
        i.advice.strategy,
    )
}

/// Every catalog code, sent as its documented body, matches itself exactly
/// with the catalog's classification.
#[test]
fn every_documented_body_matches_exactly() {
    let catalog = catalog();
    let raw: serde_json::Value = serde_json::from_str(crate::catalog::EMBEDDED_JSON).unwrap();
    for item in raw["errors"].as_array().unwrap() {
        let seed = item["body"].to_string();
        let i = interpret(&catalog, Input::Body(&seed), &Context::default()).unwrap();
        let entry = i.entry.unwrap().entry;
        assert_eq!(i.match_kind, MatchKind::Exact);
        assert_eq!(entry.code, item["code"].as_str().unwrap());
        assert_eq!(i.category, entry.category);
        assert_eq!(i.advice.strategy, entry.retry.strategy);
        assert_eq!(i.advice.delay, entry.retry.delay);
        assert_eq!(i.http_status, Some(409));
        assert_eq!(
            i.request_id.as_deref(),
            Some("5dea93a1-3f79-4246-90c5-89610a20471b")
        );
    }
}

/// Codes match in any letter case, in both input forms.
#[test]
fn codes_match_in_any_case() {
    let catalog = catalog();
    assert_eq!(
        body(&catalog, r#"{"type":"vehicle_state","code":"door_open"}"#),
        (
            MatchKind::Exact,
            Some("DOOR_OPEN".into()),
            RetryStrategy::RetryAfterAction
        )
    );
    let ctx = Context::default();
    let i = interpret(
        &catalog,
        Input::Structured {
            error_type: "Vehicle_State",
            code: "In_Motion",
        },
        &ctx,
    )
    .unwrap();
    assert_eq!(
        (i.match_kind, i.entry.unwrap().entry.code.as_str()),
        (MatchKind::Exact, "IN_MOTION")
    );
}

/// v1 bodies: VS codes are LEGACY_CODE, an unknown VS code and a missing
/// code fall back, another v1 error type is not a vehicle state.
#[test]
fn v1_bodies() {
    let catalog = catalog();
    let v1 = |code: &str| format!(r#"{{"error":"vehicle_state_error","message":"m"{code}}}"#);
    assert_eq!(
        body(&catalog, &v1(r#","code":"VS_003""#)),
        (
            MatchKind::LegacyCode,
            Some("HOOD_OPEN".into()),
            RetryStrategy::RetryAfterAction
        )
    );
    assert_eq!(
        body(&catalog, &v1(r#","code":"VS_OO1""#)).0,
        MatchKind::Fallback
    );
    assert_eq!(body(&catalog, &v1("")).0, MatchKind::Fallback);
    let auth = body(
        &catalog,
        r#"{"error":"authentication_error","message":"expired"}"#,
    );
    assert_eq!(
        auth,
        (MatchKind::NotVehicleState, None, RetryStrategy::DoNotRetry)
    );
}

/// An unknown vehicle-state code gets UNKNOWN's guidance and keeps its code.
#[test]
fn unknown_code_falls_back_and_echoes_the_code() {
    let catalog = catalog();
    let i = interpret(
        &catalog,
        Input::Body(r#"{"type":"VEHICLE_STATE","code":"WINDOW_OPEN"}"#),
        &Context::default(),
    )
    .unwrap();
    assert_eq!(i.match_kind, MatchKind::Fallback);
    assert_eq!(i.entry.unwrap().entry.code, "UNKNOWN");
    assert_eq!(i.error_code.as_deref(), Some("WINDOW_OPEN"));
    assert_eq!(i.category, Category::Unknown);
    assert_eq!(i.advice.strategy, RetryStrategy::RetryLater);
}

/// Errors of another type take their retry advice from `resolution`.
#[test]
fn other_types_follow_their_resolution() {
    let catalog = catalog();
    for (resolution, strategy) in [
        (r#""RETRY_LATER""#, RetryStrategy::RetryLater),
        (
            r#"{"type":"REAUTHENTICATE"}"#,
            RetryStrategy::RetryAfterAction,
        ),
        (
            r#"{"type":"CONTACT_SUPPORT","url":"u"}"#,
            RetryStrategy::DoNotRetry,
        ),
        ("null", RetryStrategy::DoNotRetry),
    ] {
        let b = format!(r#"{{"type":"AUTHENTICATION","code":null,"resolution":{resolution}}}"#);
        let (kind, entry, got) = body(&catalog, &b);
        assert_eq!(
            (kind, entry, got),
            (MatchKind::NotVehicleState, None, strategy),
            "{resolution}"
        );
    }
}

/// The body's status wins over the request's, and a disagreement is
/// reported; the body's request id wins too.
#[test]
fn body_status_and_request_id_win() {
    let catalog = catalog();
    let ctx = Context {
        http_status: Some(401),
        retry_after: None,
        request_id: Some("hdr"),
    };
    let i = interpret(
        &catalog,
        Input::Body(
            r#"{"type":"VEHICLE_STATE","code":"ASLEEP","statusCode":409,"requestId":"body"}"#,
        ),
        &ctx,
    )
    .unwrap();
    assert_eq!((i.http_status, i.http_status_mismatch), (Some(409), true));
    assert_eq!(i.request_id.as_deref(), Some("body"));
    let i = interpret(
        &catalog,
        Input::Body(r#"{"type":"VEHICLE_STATE","code":"ASLEEP"}"#),
        &ctx,
    )
    .unwrap();
    assert_eq!((i.http_status, i.http_status_mismatch), (Some(401), false));
    assert_eq!(i.request_id.as_deref(), Some("hdr"));
}

/// Retry-After replaces the delay only where retrying later is the advice.
#[test]
fn retry_after_applies_to_retry_later_only() {
    let catalog = catalog();
    let ctx = Context {
        retry_after: Some(Duration::from_secs(42)),
        ..Context::default()
    };
    let later = interpret(
        &catalog,
        Input::Structured {
            error_type: "VEHICLE_STATE",
            code: "UNREACHABLE",
        },
        &ctx,
    )
    .unwrap();
    assert_eq!(
        (later.advice.delay, later.advice.delay_reason),
        (Duration::from_secs(42), DelayReason::RetryAfter)
    );
    let door = interpret(
        &catalog,
        Input::Structured {
            error_type: "VEHICLE_STATE",
            code: "DOOR_OPEN",
        },
        &ctx,
    )
    .unwrap();
    assert_eq!(door.advice.delay, door.entry.unwrap().entry.retry.delay);
}

/// Rendering puts the app name in, capitalises it at a sentence start,
/// and never leaves the placeholder, for catalog and foreign text alike.
#[test]
fn renders_app_name() {
    let catalog = catalog();
    let ctx = Context::default();
    let low = interpret(
        &catalog,
        Input::Structured {
            error_type: "VEHICLE_STATE",
            code: "LOW_BATTERY",
        },
        &ctx,
    )
    .unwrap();
    assert!(
        low.messages("the app")
            .user_message
            .starts_with("The app was unable to connect")
    );
    let asleep = interpret(
        &catalog,
        Input::Structured {
            error_type: "VEHICLE_STATE",
            code: "ASLEEP",
        },
        &ctx,
    )
    .unwrap();
    let m = asleep.messages("Fleet Manager").user_message;
    assert!(m.contains("unable to connect to Fleet Manager."), "{m}");
    let foreign = interpret(
        &catalog,
        Input::Body(r#"{"type":"X","suggestedUserMessage":"Open <app name> again"}"#),
        &ctx,
    )
    .unwrap();
    assert_eq!(foreign.messages("Fleet").user_message, "Open Fleet again");
}

/// CHARGE_FAULT's bullets render one per line.
#[test]
fn bullets_render_on_their_own_lines() {
    let catalog = catalog();
    let i = interpret(
        &catalog,
        Input::Structured {
            error_type: "VEHICLE_STATE",
            code: "CHARGE_FAULT",
        },
        &Context::default(),
    )
    .unwrap();
    let m = i.messages("X");
    assert_eq!(m.user_message.matches("\n• ").count(), 5);
    assert_eq!(m.suggested_resolution.matches("\n• ").count(), 5);
}
