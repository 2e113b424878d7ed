//! Identification, decision and rendering over the embedded catalog.

use std::time::Duration;

use super::*;
use crate::catalog::{Action, Category, Propagation, Scope};

fn catalog() -> Catalog {
    Catalog::embedded().unwrap()
}

/// The decision in short: identification, catalog code (vehicle states),
/// reason, strategy.
type Short = (Identification, Option<String>, String, RetryStrategy);

fn short(i: &Interpretation<'_, '_>) -> Short {
    (
        i.identification,
        i.entry.map(|e| e.entry.code.clone()),
        i.reason.to_owned(),
        i.advice.strategy,
    )
}

fn body(catalog: &Catalog, body: &str) -> Short {
    short(&interpret(catalog, Input::Body(body), &Context::default()).unwrap())
}

fn with_status<'a>(catalog: &'a Catalog, body: &'a str, status: u32) -> Interpretation<'a, 'a> {
    let ctx = Context {
        http_status: status,
        ..Context::default()
    };
    interpret(catalog, Input::Body(body), &ctx).unwrap()
}

fn warnings(i: &Interpretation<'_, '_>) -> Vec<&'static str> {
    i.warnings.iter().map(|w| w.kind.reason()).collect()
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
        assert_eq!(i.identification, Identification::ExactCode);
        assert_eq!(i.decided_by, DecisionSource::Catalog);
        assert_eq!(entry.code, item["code"].as_str().unwrap());
        assert_eq!(i.reason, format!("VEHICLE_STATE_{}", entry.code));
        assert_eq!(i.category, entry.category);
        assert_eq!(i.advice.strategy, entry.retry.strategy);
        assert_eq!(i.advice.action, entry.retry.action);
        assert_eq!(i.advice.delay, entry.retry.delay);
        assert_eq!(i.propagation, Propagation::FailedPrecondition);
        assert_eq!(i.http_status, Some(409));
        assert!(i.warnings.is_empty());
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
            Identification::ExactCode,
            Some("DOOR_OPEN".into()),
            "VEHICLE_STATE_DOOR_OPEN".into(),
            RetryStrategy::RetryAfterAction
        )
    );
    let i = interpret(
        &catalog,
        Input::Structured {
            error_type: "Rate_Limit",
            code: "vehicle",
        },
        &Context::default(),
    )
    .unwrap();
    assert_eq!(
        (i.identification, i.reason, i.known_type),
        (
            Identification::ExactCode,
            "RATE_LIMIT_VEHICLE",
            Some("RATE_LIMIT")
        )
    );
}

/// v1 bodies: VS codes are legacy codes; an unknown VS code falls back;
/// other v1 `error` strings map to their types, some with a code.
#[test]
fn v1_bodies() {
    let catalog = catalog();
    let v1 = |error: &str, code: &str| format!(r#"{{"error":"{error}","message":"m"{code}}}"#);
    assert_eq!(
        body(&catalog, &v1("vehicle_state_error", r#","code":"VS_003""#)),
        (
            Identification::LegacyCode,
            Some("HOOD_OPEN".into()),
            "VEHICLE_STATE_HOOD_OPEN".into(),
            RetryStrategy::RetryAfterAction
        )
    );
    let fallback = body(&catalog, &v1("vehicle_state_error", r#","code":"VS_OO1""#));
    assert_eq!(
        (fallback.0, fallback.2.as_str()),
        (Identification::UnknownCode, "VEHICLE_STATE_UNKNOWN")
    );
    for (error, reason, strategy) in [
        (
            "authentication_error",
            "AUTHENTICATION",
            RetryStrategy::RetryAfterAction,
        ),
        ("server_error", "SERVER", RetryStrategy::RetryLater),
        (
            "rate_limiting_error",
            "RATE_LIMIT",
            RetryStrategy::RetryLater,
        ),
        ("rate_limit_error", "RATE_LIMIT", RetryStrategy::RetryLater),
    ] {
        let got = body(&catalog, &v1(error, ""));
        assert_eq!(
            (got.0, got.2.as_str(), got.3),
            (Identification::ExactCode, reason, strategy),
            "{error}"
        );
    }
    let implied = body(&catalog, &v1("vehicle_not_capable_error", ""));
    assert_eq!(
        (implied.0, implied.2.as_str()),
        (
            Identification::LegacyCode,
            "COMPATIBILITY_VEHICLE_NOT_CAPABLE"
        )
    );
    // VOA_000 asks for a new sign-in, VOA_001 for the subscription.
    for (code, reason) in [
        (
            "VOA_000",
            "CONNECTED_SERVICES_ACCOUNT_AUTHENTICATION_FAILED",
        ),
        ("VOA_001", "CONNECTED_SERVICES_ACCOUNT_SUBSCRIPTION"),
    ] {
        let code = format!(r#","code":"{code}""#);
        let voa = body(&catalog, &v1("vehicle_owner_action_required", &code));
        assert_eq!(
            (voa.0, voa.2.as_str()),
            (Identification::LegacyCode, reason)
        );
    }
}

/// An unknown vehicle-state code gets UNKNOWN's guidance and keeps its
/// code; an unknown code of another type gets the type's reason, never one
/// built from the code.
#[test]
fn unknown_codes_keep_the_code_out_of_the_reason() {
    let catalog = catalog();
    let i = interpret(
        &catalog,
        Input::Body(r#"{"type":"VEHICLE_STATE","code":"WINDOW_OPEN"}"#),
        &Context::default(),
    )
    .unwrap();
    assert_eq!(i.identification, Identification::UnknownCode);
    assert_eq!(i.entry.unwrap().entry.code, "UNKNOWN");
    assert_eq!(i.error_code.as_deref(), Some("WINDOW_OPEN"));
    assert_eq!(i.category, Category::Unknown);
    assert_eq!(i.advice.strategy, RetryStrategy::RetryLater);
    let i = interpret(
        &catalog,
        Input::Body(r#"{"type":"UPSTREAM","code":"BRAND_NEW_CODE"}"#),
        &Context::default(),
    )
    .unwrap();
    assert_eq!(
        (i.identification, i.reason, i.propagation),
        (
            Identification::UnknownCode,
            "UPSTREAM",
            Propagation::Unavailable
        )
    );
}

/// The body's explicit resolution outranks the table; when it changes the
/// strategy, the propagated code follows the final strategy.
#[test]
fn resolution_outranks_the_table_and_the_code_follows() {
    let catalog = catalog();
    let decide = |b: &str| {
        let i = interpret(&catalog, Input::Body(b), &Context::default()).unwrap();
        (
            i.decided_by,
            i.advice.strategy,
            i.advice.action,
            i.propagation,
        )
    };
    // SERVER:INTERNAL is RETRY_LATER / UNAVAILABLE by the table...
    assert_eq!(
        decide(r#"{"type":"SERVER","code":"INTERNAL"}"#),
        (
            DecisionSource::TypeTable,
            RetryStrategy::RetryLater,
            Action::None,
            Propagation::Unavailable
        )
    );
    // ...but CONTACT_SUPPORT makes it DO_NOT_RETRY, never UNAVAILABLE.
    assert_eq!(
        decide(r#"{"type":"SERVER","code":"INTERNAL","resolution":"CONTACT_SUPPORT"}"#),
        (
            DecisionSource::Resolution,
            RetryStrategy::DoNotRetry,
            Action::ContactSupport,
            Propagation::FailedPrecondition
        )
    );
    // A resolution that agrees with the table changes nothing.
    assert_eq!(
        decide(r#"{"type":"SERVER","code":"INTERNAL","resolution":{"type":"RETRY_LATER"}}"#).0,
        DecisionSource::TypeTable
    );
    // RETRY_LATER on a request error: a wait, never a retried code.
    assert_eq!(
        decide(r#"{"type":"VALIDATION","resolution":{"type":"RETRY_LATER","url":"u"}}"#),
        (
            DecisionSource::Resolution,
            RetryStrategy::RetryLater,
            Action::None,
            Propagation::FailedPrecondition
        )
    );
    // ACTION_REQUIRED (sent with VIRTUAL_KEY_REQUIRED): the user acts in
    // the carmaker account; over a retried code, the code follows.
    assert_eq!(
        decide(r#"{"type":"UPSTREAM","code":"KNOWN_ISSUE","resolution":"action_required"}"#),
        (
            DecisionSource::Resolution,
            RetryStrategy::RetryAfterAction,
            Action::UserAccountAction,
            Propagation::FailedPrecondition
        )
    );
    // CSA PERMISSION is a reconnect whatever the body's resolution says.
    for resolution in ["RETRY_LATER", "CONTACT_SUPPORT", "ACTION_REQUIRED"] {
        let b = format!(
            r#"{{"type":"CONNECTED_SERVICES_ACCOUNT","code":"PERMISSION","resolution":"{resolution}"}}"#
        );
        assert_eq!(
            decide(&b),
            (
                DecisionSource::TypeTable,
                RetryStrategy::RetryAfterAction,
                Action::UserReconnect,
                Propagation::FailedPrecondition
            ),
            "{resolution}"
        );
    }
    // Vehicle-state answers are the catalog's, whatever the body says.
    assert_eq!(
        decide(r#"{"type":"VEHICLE_STATE","code":"DOOR_OPEN","resolution":"CONTACT_SUPPORT"}"#).0,
        DecisionSource::Catalog
    );
}

/// Unusable bodies with a usable status are answered from the status with
/// a warning; without one they are the caller's problem.
#[test]
fn unusable_bodies_fall_back_to_the_status() {
    let catalog = catalog();
    let cases = [
        (
            "<html>502 Bad Gateway</html>",
            502,
            "HTTP_502",
            "BODY_NOT_JSON",
        ),
        ("", 504, "HTTP_504", "BODY_EMPTY"),
        (
            r#"{"error_description":"unauthorized"}"#,
            401,
            "HTTP_401",
            "BODY_NOT_AN_ERROR",
        ),
        ("[1,2]", 418, "HTTP_4XX", "BODY_NOT_AN_ERROR"),
        ("{}", 599, "HTTP_5XX", "BODY_NOT_AN_ERROR"),
    ];
    for (b, status, reason, warning) in cases {
        let i = with_status(&catalog, b, status);
        assert_eq!(i.identification, Identification::NoErrorBody, "{b}");
        assert_eq!(i.decided_by, DecisionSource::HttpStatus, "{b}");
        assert_eq!(i.reason, reason, "{b}");
        assert_eq!(warnings(&i), [warning], "{b}");
    }
    let gateway = with_status(&catalog, "<html/>", 504);
    assert_eq!(gateway.propagation, Propagation::DeadlineExceeded);
    let conflict = with_status(&catalog, "", 409);
    assert_eq!(
        (conflict.reason, conflict.entry.unwrap().entry.code.as_str()),
        ("HTTP_409", "UNKNOWN")
    );
    for status in [0, 200, 302, 600] {
        let ctx = Context {
            http_status: status,
            ..Context::default()
        };
        assert!(
            interpret(&catalog, Input::Body("<html/>"), &ctx).is_err(),
            "{status}"
        );
    }
}

/// An unknown type with a usable status is answered from the status;
/// without one, by the default.
#[test]
fn unknown_types_use_the_status_else_the_default() {
    let catalog = catalog();
    let i = with_status(&catalog, r#"{"error":"random_error"}"#, 504);
    assert_eq!(
        (i.identification, i.decided_by, i.reason),
        (
            Identification::UnknownType,
            DecisionSource::HttpStatus,
            "HTTP_504"
        )
    );
    let i = with_status(&catalog, r#"{"type":"type"}"#, 0);
    assert_eq!(
        (i.identification, i.decided_by, i.reason, i.propagation),
        (
            Identification::UnknownType,
            DecisionSource::Default,
            "UNRECOGNIZED_ERROR",
            Propagation::Unknown
        )
    );
}

/// A v3 body is answered for its most restrictive error, with the count of
/// the others and a warning.
#[test]
fn v3_answers_the_most_restrictive_error() {
    let catalog = catalog();
    let i = interpret(
        &catalog,
        Input::Body(
            r#"{"errors":[
                {"type":"VEHICLE_STATE","code":"CHARGING_IN_PROGRESS","status":"409"},
                {"type":"VEHICLE_STATE","code":"IN_MOTION","status":"409"},
                {"type":"COMPATIBILITY","code":"MAKE_NOT_COMPATIBLE","status":"501"},
                {"type":"VEHICLE_STATE","code":"DOOR_OPEN","status":"409"}
            ]}"#,
        ),
        &Context::default(),
    )
    .unwrap();
    assert_eq!(i.reason, "COMPATIBILITY_MAKE_NOT_COMPATIBLE");
    assert_eq!(i.other_errors, 3);
    assert_eq!(warnings(&i), ["OTHER_ERRORS_IGNORED"]);
}

/// The body's status wins over the request's, and a disagreement is a
/// warning; the body's request id wins too; malformed upstream fields are
/// ignored with a warning.
#[test]
fn upstream_fields_are_lenient() {
    let catalog = catalog();
    let ctx = Context {
        http_status: 401,
        request_id: "hdr",
        ..Context::default()
    };
    let i = interpret(
        &catalog,
        Input::Body(
            r#"{"type":"VEHICLE_STATE","code":"ASLEEP","statusCode":409,"requestId":"body"}"#,
        ),
        &ctx,
    )
    .unwrap();
    assert_eq!(i.http_status, Some(409));
    assert_eq!(warnings(&i), ["HTTP_STATUS_MISMATCH"]);
    assert_eq!(i.request_id.as_deref(), Some("body"));
    let ctx = Context {
        http_status: 1000,
        retry_after: "soon",
        request_id: "a\u{7}b",
        ..Context::default()
    };
    let i = interpret(
        &catalog,
        Input::Structured {
            error_type: "RATE_LIMIT",
            code: "VEHICLE",
        },
        &ctx,
    )
    .unwrap();
    assert_eq!(i.reason, "RATE_LIMIT_VEHICLE");
    assert_eq!(
        warnings(&i),
        [
            "HTTP_STATUS_MALFORMED",
            "RETRY_AFTER_MALFORMED",
            "REQUEST_ID_MALFORMED"
        ]
    );
    assert_eq!(i.request_id, None);
    assert_eq!(i.advice.delay, i.answer.unwrap().1.retry.delay);
}

/// Retry-After replaces the delay only where retrying later is the advice.
#[test]
fn retry_after_applies_to_retry_later_only() {
    let catalog = catalog();
    let ctx = Context {
        retry_after: "42",
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
/// and never leaves a placeholder, for catalog and table text alike.
#[test]
fn renders_app_name() {
    let catalog = catalog();
    let ctx = Context::default();
    let structured = |code| Input::Structured {
        error_type: "VEHICLE_STATE",
        code,
    };
    let mut low = interpret(&catalog, structured("LOW_BATTERY"), &ctx).unwrap();
    assert!(
        low.messages("the app")
            .user_message
            .starts_with("The app was unable to connect")
    );
    let mut asleep = interpret(&catalog, structured("ASLEEP"), &ctx).unwrap();
    let m = asleep.messages("Fleet Manager").user_message;
    assert!(m.contains("unable to connect to Fleet Manager."), "{m}");
    let mut foreign = interpret(
        &catalog,
        Input::Body(r#"{"type":"X","suggestedUserMessage":"Open <your app name> again"}"#),
        &ctx,
    )
    .unwrap();
    let m = foreign.messages("Fleet");
    assert!(!m.user_message.is_empty() && !m.user_message.contains('<'));
    assert_eq!(
        foreign.body_suggested_user_message("Fleet").as_deref(),
        Some("Open Fleet again")
    );
}

/// Every reason the catalog can produce has a non-empty user message with
/// no placeholder left, for every answer of the table.
#[test]
fn every_answer_renders_a_message() {
    let catalog = catalog();
    for answer in catalog.table().answers() {
        let m = answer.user_message.template.render("Fleet");
        assert!(!m.is_empty() && !m.contains('<'), "{}: {m}", answer.reason);
    }
}

/// CHARGE_FAULT's bullets render one per line.
#[test]
fn bullets_render_on_their_own_lines() {
    let catalog = catalog();
    let mut i = interpret(
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

/// A resolution type the table does not know is never silent: the table
/// answers, with a warning carrying the value, cut when long.
#[test]
fn unknown_resolution_types_warn_with_the_value() {
    let catalog = catalog();
    let warned = |b: &str| {
        let i = interpret(&catalog, Input::Body(b), &Context::default()).unwrap();
        let values: Vec<String> = i
            .warnings
            .iter()
            .filter(|w| w.kind == WarningKind::ResolutionTypeUnknown)
            .flat_map(|w| w.metadata.iter().map(|(k, v)| format!("{k}={v}")))
            .collect();
        (i.decided_by, i.reason, values)
    };
    assert_eq!(
        warned(r#"{"type":"SERVER","code":"INTERNAL","resolution":{"type":"SEND_FLOWERS"}}"#),
        (
            DecisionSource::TypeTable,
            "SERVER_INTERNAL",
            vec!["value=SEND_FLOWERS".to_owned()]
        )
    );
    let long = "é".repeat(300);
    let (_, _, values) = warned(&format!(
        r#"{{"type":"SERVER","code":"INTERNAL","resolution":"{long}"}}"#
    ));
    assert_eq!(values, [format!("value={}…", "é".repeat(64))]);
    // Blank and null resolutions say nothing.
    for b in [
        r#"{"type":"SERVER","resolution":"  "}"#,
        r#"{"type":"SERVER","resolution":{"type":null}}"#,
    ] {
        assert!(warned(b).2.is_empty(), "{b}");
    }
}

/// The corrected rows (design 3b, corrected): UPSTREAM NO_RESPONSE is a
/// timeout, and PERMISSION's status message names the Connect scope.
#[test]
fn corrected_rows_decide_as_designed() {
    let catalog = catalog();
    let i = with_status(&catalog, r#"{"type":"UPSTREAM","code":"NO_RESPONSE"}"#, 0);
    assert_eq!(
        (i.advice.strategy, i.propagation, i.reason),
        (
            RetryStrategy::RetryLater,
            Propagation::DeadlineExceeded,
            "UPSTREAM_NO_RESPONSE"
        )
    );
    for b in [
        r#"{"type":"PERMISSION","description":"No access."}"#,
        "<h1>403</h1>",
    ] {
        let mut i = with_status(&catalog, b, 403);
        let description = i.messages("Fleet").description;
        assert!(description.contains("Connect scope"), "{b}: {description}");
    }
}

/// Every operation, not said included, with every catalog code: design
/// 3d's pairings are decided by the operation (`DecisionSource::Operation`,
/// also where it confirms the entry), each with the reason and strategy
/// the design gives; every other pairing answers exactly as not saying.
#[test]
fn the_operation_decides_design_3ds_pairings_only() {
    use crate::catalog::Operation as Op;
    let catalog = catalog();
    let designed = |op: Op, code: &str| -> Option<(String, RetryStrategy, Action)> {
        let own = |suffix: &str| format!("VEHICLE_STATE_{code}_{suffix}");
        match (op, code) {
            (Op::StartCharge, "CHARGING_IN_PROGRESS" | "FULLY_CHARGED") => Some((
                format!("VEHICLE_STATE_{code}"),
                RetryStrategy::NoRetryNeeded,
                Action::None,
            )),
            (Op::StopCharge, "NOT_CHARGING") => Some((
                own("ALREADY_STOPPED"),
                RetryStrategy::NoRetryNeeded,
                Action::None,
            )),
            (Op::Read, "NOT_CHARGING") => {
                Some((own("NO_SESSION"), RetryStrategy::DoNotRetry, Action::None))
            }
            (Op::StopCharge, "CHARGING_IN_PROGRESS") => {
                Some((own("NOT_STOPPED"), RetryStrategy::RetryLater, Action::None))
            }
            _ => None,
        }
    };
    let operations = [
        Op::Lock,
        Op::Unlock,
        Op::StartCharge,
        Op::StopCharge,
        Op::Read,
        Op::OtherCommand,
    ];
    let mut matched = 0;
    for entry in catalog.list() {
        let input = Input::Structured {
            error_type: "VEHICLE_STATE",
            code: &entry.code,
        };
        let unsaid = interpret(&catalog, input, &Context::default()).unwrap();
        assert_eq!(unsaid.decided_by, DecisionSource::Catalog, "{}", entry.code);
        for op in operations {
            let ctx = Context {
                operation: Some(op),
                ..Context::default()
            };
            let said = interpret(&catalog, input, &ctx).unwrap();
            let name = format!("{op:?} with {}", entry.code);
            match designed(op, &entry.code) {
                Some((reason, strategy, action)) => {
                    matched += 1;
                    assert_eq!(said.decided_by, DecisionSource::Operation, "{name}");
                    assert_eq!(
                        (said.reason, said.advice.strategy, said.advice.action),
                        (reason.as_str(), strategy, action),
                        "{name}"
                    );
                    assert_eq!(said.advice.scope, Scope::Operation, "{name}");
                    assert_eq!(said.propagation, Propagation::FailedPrecondition);
                    assert_eq!(said.category, Category::Charging, "{name}");
                    // Still about the entry: its code, its documentation.
                    assert_eq!(
                        said.entry.map(|e| e.entry.code.as_str()),
                        Some(&*entry.code)
                    );
                }
                None => {
                    assert_eq!(
                        (said.decided_by, said.reason, said.key, said.advice),
                        (unsaid.decided_by, unsaid.reason, unsaid.key, unsaid.advice),
                        "{name}"
                    );
                }
            }
        }
    }
    assert_eq!(matched, 5);
}

/// The operation decides vehicle states only: a table answer, a bare 409
/// (no code to pair with) and an unknown vehicle-state code answer as when
/// not said.
#[test]
fn the_operation_leaves_other_sources_alone() {
    use crate::catalog::Operation as Op;
    let catalog = catalog();
    for (b, status) in [
        (r#"{"type":"RATE_LIMIT","code":"VEHICLE"}"#, 429),
        ("", 409),
        (
            r#"{"type":"VEHICLE_STATE","code":"NOT_CHARGING_AT_ALL"}"#,
            409,
        ),
    ] {
        let unsaid = with_status(&catalog, b, status);
        for op in [Op::StopCharge, Op::Read, Op::StartCharge] {
            let ctx = Context {
                http_status: status,
                operation: Some(op),
                ..Context::default()
            };
            let said = interpret(&catalog, Input::Body(b), &ctx).unwrap();
            assert_eq!(
                (said.decided_by, said.reason, said.advice),
                (unsaid.decided_by, unsaid.reason, unsaid.advice),
                "{op:?} with {b}"
            );
        }
    }
}

/// An operation's own answer speaks in its own words: the answer's user
/// message, the entry's description followed by the developer note, no
/// driver instructions (the entry's resolution and steps), and the entry's
/// documentation link; a body's resolution changes it no more than it
/// changes an entry.
#[test]
fn an_operations_answer_renders_its_own_words() {
    use crate::catalog::Operation as Op;
    let catalog = catalog();
    let ctx = Context {
        operation: Some(Op::StopCharge),
        ..Context::default()
    };
    let body = r#"{"type":"VEHICLE_STATE","code":"CHARGING_IN_PROGRESS","resolution":{"type":"CONTACT_SUPPORT"}}"#;
    let mut i = interpret(&catalog, Input::Body(body), &ctx).unwrap();
    assert_eq!(i.reason, "VEHICLE_STATE_CHARGING_IN_PROGRESS_NOT_STOPPED");
    assert_eq!(i.advice.strategy, RetryStrategy::RetryLater);
    assert_eq!(i.decided_by, DecisionSource::Operation);
    let (_, answer) = i.answer.unwrap();
    let entry = i.entry.unwrap().entry;
    let m = i.messages("Fleet");
    assert_eq!(m.user_message, answer.user_message.template.render("Fleet"));
    assert!(m.user_message.contains("Fleet"), "{}", m.user_message);
    assert_ne!(m.user_message, entry.user_message.render("Fleet"));
    assert_eq!(
        m.description,
        format!(
            "{} {}",
            entry.description,
            answer.developer_note.as_deref().unwrap()
        )
    );
    assert!(m.description.contains("did not take"), "{}", m.description);
    assert_eq!(
        (m.suggested_resolution, m.troubleshooting_steps.len()),
        ("", 0)
    );
    assert_eq!(m.suggested_user_message, "");
    assert_eq!(m.doc_url.as_deref(), Some(entry.doc_url.as_str()));
}

/// A v3 body is ranked with the operation: a read's NOT_CHARGING does not
/// retry, so it outranks an ASLEEP that waits on the driver; not said, the
/// first of the two equals (both wait on the driver) answers.
#[test]
fn v3_ranks_its_errors_with_the_operation() {
    let catalog = catalog();
    let body = r#"{"errors":[
        {"type":"VEHICLE_STATE","code":"ASLEEP","status":"409"},
        {"type":"VEHICLE_STATE","code":"NOT_CHARGING","status":"409"}
    ]}"#;
    let unsaid = interpret(&catalog, Input::Body(body), &Context::default()).unwrap();
    assert_eq!(unsaid.reason, "VEHICLE_STATE_ASLEEP");
    let ctx = Context {
        operation: Some(crate::catalog::Operation::Read),
        ..Context::default()
    };
    let read = interpret(&catalog, Input::Body(body), &ctx).unwrap();
    assert_eq!(read.reason, "VEHICLE_STATE_NOT_CHARGING_NO_SESSION");
    assert_eq!(read.other_errors, 1);
}
