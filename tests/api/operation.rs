//! `InterpretRequest.operation` through the real server (docs/design.md
//! §3.1, the shared design's 3d): every pairing the design names, "not said" and an unknown number
//! answered as today, other pairings answered by the table, in every input
//! form and both views, batch items each with their own operation, and an
//! overlay rewording an operation's own answer by its reason.
//!
//! The expectations are the design's rules written out here, not the
//! server's output copied: the strategy, action and scope each pairing
//! must give, and the catalog's answer (design §3, §3c) where the
//! operation must not matter.

use std::io::Write as _;

use serde_json::json;
use tonic::Code;
use tonic_types::RpcStatusExt;
use vehicle_error_interpreter::{
    ServerConfig,
    pb::{
        Action, BatchInterpretRequest, DecisionSource, Identification, InterpretRequest,
        InterpretResponse, InterpretationView, Operation, RetryStrategy, Scope, StructuredError,
        batch_interpret_result::Result as ItemResult, interpret_request::Input,
    },
};

use crate::helpers::TestServer;

use Action as A;
use DecisionSource as D;
use Operation as O;
use RetryStrategy as S;

const APP: &str = "Fleet";

/// How the error reaches the server.
#[derive(Debug, Clone, Copy)]
enum Form {
    /// A v2 body, as the API sends it.
    V2,
    /// A v3 body (`errors[]`).
    V3,
    /// A v1 body: `vehicle_state_error` with the code's current name.
    V1,
    /// `StructuredError`.
    Structured,
}

const FORMS: [Form; 4] = [Form::V2, Form::V3, Form::V1, Form::Structured];

fn request(form: Form, code: &str, operation: i32, view: InterpretationView) -> InterpretRequest {
    let body = |b: String| Some(Input::Body(b));
    let input = match form {
        Form::V2 => body(format!(
            r#"{{"type":"VEHICLE_STATE","code":"{code}","description":"d","statusCode":409,"requestId":"r-1","resolution":{{"type":null}}}}"#
        )),
        Form::V3 => body(format!(
            r#"{{"errors":[{{"status":"409","type":"VEHICLE_STATE","code":"{code}","detail":"d"}}]}}"#
        )),
        Form::V1 => body(format!(
            r#"{{"error":"vehicle_state_error","message":"m","code":"{code}","statusCode":409}}"#
        )),
        Form::Structured => Some(Input::Structured(StructuredError {
            r#type: "VEHICLE_STATE".into(),
            code: code.into(),
        })),
    };
    InterpretRequest {
        input,
        http_status: 409,
        app_name: APP.into(),
        view: view as i32,
        operation,
        ..Default::default()
    }
}

/// What an answer must be: reason, strategy, action, scope, decided_by;
/// every one of these is a vehicle state, so the propagation code is
/// FAILED_PRECONDITION (design §3: waits, actions and "already done").
type Want = (&'static str, RetryStrategy, Action, Scope, DecisionSource);

fn got(r: &InterpretResponse) -> (String, RetryStrategy, Action, Scope, DecisionSource) {
    let advice = r.retry_advice.as_ref().unwrap();
    (
        r.reason.clone(),
        advice.strategy(),
        advice.action(),
        advice.scope(),
        r.decided_by(),
    )
}

/// Design 3d's pairings, with what each must answer. START_CHARGE's two
/// codes confirm the catalog (its reason kept); the three the operation
/// changes answer under a reason of their own.
#[rustfmt::skip]
const PAIRINGS: [(Operation, &str, Want); 5] = [
    (O::StartCharge, "CHARGING_IN_PROGRESS", ("VEHICLE_STATE_CHARGING_IN_PROGRESS", S::NoRetryNeeded, A::None, Scope::Operation, D::Operation)),
    (O::StartCharge, "FULLY_CHARGED", ("VEHICLE_STATE_FULLY_CHARGED", S::NoRetryNeeded, A::None, Scope::Operation, D::Operation)),
    (O::StopCharge, "NOT_CHARGING", ("VEHICLE_STATE_NOT_CHARGING_ALREADY_STOPPED", S::NoRetryNeeded, A::None, Scope::Operation, D::Operation)),
    (O::Read, "NOT_CHARGING", ("VEHICLE_STATE_NOT_CHARGING_NO_SESSION", S::DoNotRetry, A::None, Scope::Operation, D::Operation)),
    (O::StopCharge, "CHARGING_IN_PROGRESS", ("VEHICLE_STATE_CHARGING_IN_PROGRESS_NOT_STOPPED", S::RetryLater, A::None, Scope::Operation, D::Operation)),
];

/// The catalog's answers (design §3 and §3c) for the codes below: what
/// "not said" and every other pairing must answer.
#[rustfmt::skip]
const CATALOG: [(&str, Want); 6] = [
    ("CHARGING_IN_PROGRESS", ("VEHICLE_STATE_CHARGING_IN_PROGRESS", S::NoRetryNeeded, A::None, Scope::Operation, D::Catalog)),
    ("FULLY_CHARGED", ("VEHICLE_STATE_FULLY_CHARGED", S::NoRetryNeeded, A::None, Scope::Operation, D::Catalog)),
    ("NOT_CHARGING", ("VEHICLE_STATE_NOT_CHARGING", S::RetryAfterAction, A::DriverAtVehicle, Scope::Operation, D::Catalog)),
    ("DOOR_OPEN", ("VEHICLE_STATE_DOOR_OPEN", S::RetryAfterAction, A::DriverAtVehicle, Scope::Operation, D::Catalog)),
    ("ASLEEP", ("VEHICLE_STATE_ASLEEP", S::RetryAfterAction, A::DriverAtVehicle, Scope::Vehicle, D::Catalog)),
    ("CHARGING_PLUG_NOT_CONNECTED", ("VEHICLE_STATE_CHARGING_PLUG_NOT_CONNECTED", S::RetryAfterAction, A::DriverAtVehicle, Scope::Operation, D::Catalog)),
];

fn catalog_answer(code: &str) -> Want {
    CATALOG.iter().find(|(c, _)| *c == code).unwrap().1
}

/// Pairings design 3d does not name: the table's answer.
const OTHERS: [(Operation, &str); 8] = [
    (O::Lock, "DOOR_OPEN"),
    (O::StartCharge, "NOT_CHARGING"),
    (O::Read, "ASLEEP"),
    (O::Read, "CHARGING_IN_PROGRESS"),
    (O::StopCharge, "FULLY_CHARGED"),
    (O::Unlock, "CHARGING_IN_PROGRESS"),
    (O::OtherCommand, "NOT_CHARGING"),
    (O::StartCharge, "CHARGING_PLUG_NOT_CONNECTED"),
];

/// Checks `r` against `want` in both views' shared fields and the
/// propagation status: its code, the ErrorInfo reason and scope, the
/// violation's type and subject, RetryInfo for a wait, and a user message
/// that is the status' LocalizedMessage, with no placeholder left.
fn assert_answer(name: &str, r: &InterpretResponse, want: Want) {
    assert_eq!(
        got(r),
        (want.0.to_owned(), want.1, want.2, want.3, want.4),
        "{name}"
    );
    assert_eq!(
        r.propagation_code,
        Code::FailedPrecondition as i32,
        "{name}"
    );
    assert!(!r.catalog_code.is_empty(), "{name}: catalog code");
    let status = r.propagation_status.as_ref().unwrap();
    assert_eq!(status.code, Code::FailedPrecondition as i32, "{name}");
    let details = status.get_error_details();
    let info = details.error_info().unwrap();
    assert_eq!(info.reason, want.0, "{name}: ErrorInfo reason");
    assert_eq!(
        format!("SCOPE_{}", info.metadata["scope"]),
        want.3.as_str_name(),
        "{name}: ErrorInfo scope"
    );
    let violation = &details.precondition_failure().unwrap().violations[0];
    let kind = match want.1 {
        S::NoRetryNeeded => "ALREADY_IN_REQUESTED_STATE",
        S::RetryLater => "WAIT_REQUIRED",
        S::DoNotRetry => "NOT_RETRYABLE",
        _ => "ACTION_REQUIRED",
    };
    assert_eq!(
        (violation.r#type.as_str(), violation.subject.as_str()),
        (kind, want.0),
        "{name}"
    );
    let delay = r
        .retry_advice
        .as_ref()
        .unwrap()
        .suggested_delay
        .unwrap()
        .seconds;
    match details.retry_info() {
        Some(info) => {
            assert_eq!(want.1, S::RetryLater, "{name}: RetryInfo only for a wait");
            assert_eq!(info.retry_delay.unwrap().as_secs() as i64, delay, "{name}");
            assert!(delay > 0, "{name}");
        }
        None => assert_ne!(want.1, S::RetryLater, "{name}: a wait has RetryInfo"),
    }
    let message = &r.user_message;
    assert!(
        !message.is_empty() && !message.contains('<'),
        "{name}: {message}"
    );
    assert_eq!(
        details.localized_message().unwrap().message,
        *message,
        "{name}"
    );
}

/// Every pairing of design 3d answers as the design says, in every input
/// form and both views; FULL still carries the entry the error is (its
/// code and documentation).
#[tokio::test]
async fn every_pairing_of_design_3d_answers_as_designed() {
    let mut server = TestServer::spawn().await;
    for (operation, code, want) in PAIRINGS {
        for form in FORMS {
            for view in [InterpretationView::Basic, InterpretationView::Full] {
                let name = format!("{operation:?} with {code}, {form:?}, {view:?}");
                let r = server
                    .ask(&name, request(form, code, operation as i32, view))
                    .await;
                assert_answer(&name, &r, want);
                assert_eq!(r.catalog_code, code, "{name}");
                assert_eq!(r.identification(), Identification::ExactCode, "{name}");
                match view {
                    InterpretationView::Full => {
                        assert_eq!(r.vehicle_state_error.as_ref().unwrap().code, code, "{name}");
                        assert!(r.messages.is_some(), "{name}");
                    }
                    _ => assert!(r.vehicle_state_error.is_none() && r.messages.is_none()),
                }
            }
        }
    }
    server.stop().await;
}

/// The three answers the operation changes say what they mean: a read
/// with no charge session says so, an "already stopped" says nothing is
/// charging, a stop that did not take says the charge could not be stopped
/// yet; none asks the driver to act, as the entry's NOT_CHARGING message
/// does. Their status messages (for developers) name the operation.
#[tokio::test]
async fn the_changed_answers_say_what_they_mean() {
    let mut server = TestServer::spawn().await;
    let entry = server
        .ask(
            "NOT_CHARGING",
            request(Form::V2, "NOT_CHARGING", 0, InterpretationView::Basic),
        )
        .await;
    #[rustfmt::skip]
    let cases = [
        (O::Read, "NOT_CHARGING", ["not charging", "charge session"], "read"),
        (O::StopCharge, "NOT_CHARGING", ["not charging", "no charge to stop"], "stop-charge"),
        (O::StopCharge, "CHARGING_IN_PROGRESS", ["could not stop", "yet"], "did not take"),
    ];
    for (operation, code, words, developer) in cases {
        let name = format!("{operation:?} with {code}");
        let r = server
            .ask(
                &name,
                request(Form::V2, code, operation as i32, InterpretationView::Full),
            )
            .await;
        for word in words {
            assert!(r.user_message.contains(word), "{name}: {}", r.user_message);
        }
        assert_ne!(r.user_message, entry.user_message, "{name}");
        let status = r.propagation_status.as_ref().unwrap();
        assert!(
            status.message.contains(developer),
            "{name}: {}",
            status.message
        );
        let messages = r.messages.as_ref().unwrap();
        assert!(
            messages.troubleshooting_steps.is_empty(),
            "{name}: no driver steps"
        );
        // The Help link is still the entry's documentation.
        let help = status.get_error_details().help().unwrap().links[0]
            .url
            .clone();
        assert_eq!(
            help,
            r.vehicle_state_error.as_ref().unwrap().doc_url,
            "{name}"
        );
    }
    let stop = server
        .ask(
            "stop",
            request(
                Form::V2,
                "CHARGING_IN_PROGRESS",
                O::StopCharge as i32,
                InterpretationView::Basic,
            ),
        )
        .await;
    assert!(stop.user_message.contains(APP), "{}", stop.user_message);
    server.stop().await;
}

/// Not said, and a number this proto does not define, answer exactly as
/// the catalog does, response for response; so does every pairing design
/// 3d does not name, decided_by included.
#[tokio::test]
async fn not_said_unknown_and_other_pairings_answer_as_the_catalog() {
    let mut server = TestServer::spawn().await;
    let mut cases: Vec<(i32, &str)> = Vec::new();
    for (code, _) in CATALOG {
        cases.push((O::Unspecified as i32, code));
        cases.push((99, code));
        cases.push((-3, code));
    }
    cases.extend(OTHERS.iter().map(|&(o, code)| (o as i32, code)));
    for (operation, code) in cases {
        for form in FORMS {
            for view in [InterpretationView::Basic, InterpretationView::Full] {
                let name = format!("operation {operation} with {code}, {form:?}, {view:?}");
                let r = server
                    .ask(&name, request(form, code, operation, view))
                    .await;
                assert_answer(&name, &r, catalog_answer(code));
                let unsaid = server.ask(&name, request(form, code, 0, view)).await;
                assert_eq!(r, unsaid, "{name}: the whole response as not said");
            }
        }
    }
    server.stop().await;
}

/// v1's legacy codes (VS_000 to VS_004) name no code design 3d pairs with,
/// so an operation leaves them as they were: LOCK with VS_001 (DOOR_OPEN)
/// and START_CHARGE with VS_004 (CHARGING_PLUG_NOT_CONNECTED).
#[tokio::test]
async fn v1_legacy_codes_keep_their_answer() {
    let mut server = TestServer::spawn().await;
    for (operation, legacy, code) in [
        (O::Lock, "VS_001", "DOOR_OPEN"),
        (O::StartCharge, "VS_004", "CHARGING_PLUG_NOT_CONNECTED"),
        (O::StopCharge, "VS_004", "CHARGING_PLUG_NOT_CONNECTED"),
    ] {
        let name = format!("{operation:?} with {legacy}");
        let r = server
            .ask(
                &name,
                request(
                    Form::V1,
                    legacy,
                    operation as i32,
                    InterpretationView::Basic,
                ),
            )
            .await;
        assert_answer(&name, &r, catalog_answer(code));
        assert_eq!(r.identification(), Identification::LegacyCode, "{name}");
        assert_eq!(r.catalog_code, code, "{name}");
    }
    server.stop().await;
}

/// Each batch item takes its own operation: the same error answers per
/// item as `Interpret` answers that item alone.
#[tokio::test]
async fn batch_items_each_take_their_own_operation() {
    let mut server = TestServer::spawn().await;
    let items = [
        (O::StopCharge as i32, "NOT_CHARGING", PAIRINGS[2].2),
        (O::Read as i32, "NOT_CHARGING", PAIRINGS[3].2),
        (
            O::Unspecified as i32,
            "NOT_CHARGING",
            catalog_answer("NOT_CHARGING"),
        ),
        (O::StopCharge as i32, "CHARGING_IN_PROGRESS", PAIRINGS[4].2),
        (O::StartCharge as i32, "CHARGING_IN_PROGRESS", PAIRINGS[0].2),
        (
            42,
            "CHARGING_IN_PROGRESS",
            catalog_answer("CHARGING_IN_PROGRESS"),
        ),
    ];
    let requests: Vec<InterpretRequest> = items
        .iter()
        .map(|&(operation, code, _)| request(Form::V2, code, operation, InterpretationView::Basic))
        .collect();
    let results = server
        .client
        .batch_interpret(BatchInterpretRequest {
            requests: requests.clone(),
        })
        .await
        .unwrap()
        .into_inner()
        .results;
    assert_eq!(results.len(), items.len());
    for ((result, (operation, code, want)), alone) in results.into_iter().zip(items).zip(requests) {
        let name = format!("batch item: operation {operation} with {code}");
        let Some(ItemResult::Response(r)) = result.result else {
            panic!("{name}: not answered");
        };
        assert_answer(&name, &r, want);
        assert_eq!(
            r,
            server.ask(&name, alone).await,
            "{name}: as Interpret alone"
        );
    }
    server.stop().await;
}

/// An overlay rewords an operation's own answer under its reason, like any
/// other answer: the user message (with the app name), a translation and
/// the delay; the reason, strategy, action, scope and decided_by stay, and
/// the entry's own message is untouched.
#[tokio::test]
async fn an_overlay_rewords_an_operations_answer_by_its_reason() {
    let overlay = json!({
        "reasons": {
            "VEHICLE_STATE_NOT_CHARGING_NO_SESSION": {
                "userMessage": "Nothing to show: your car is not charging. (<app name>)",
                "locales": { "fr": { "userMessage": "Rien à afficher : votre voiture ne charge pas. (<app name>)" } }
            },
            "VEHICLE_STATE_CHARGING_IN_PROGRESS_NOT_STOPPED": {
                "retry": { "delaySeconds": 120, "delayReason": "Our chargers need two minutes." }
            }
        }
    });
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(overlay.to_string().as_bytes()).unwrap();
    let config = ServerConfig {
        catalog_overlay: Some(file.path().to_owned()),
        ..ServerConfig::default()
    };
    let mut server = TestServer::spawn_with(config).await;
    let read = |locale: &str| InterpretRequest {
        locale: locale.into(),
        ..request(
            Form::V2,
            "NOT_CHARGING",
            O::Read as i32,
            InterpretationView::Full,
        )
    };
    let r = server.ask("read", read("")).await;
    assert_answer("read", &r, PAIRINGS[3].2);
    assert_eq!(
        r.user_message,
        format!("Nothing to show: your car is not charging. ({APP})")
    );
    let r = server.ask("read in French", read("fr-CA")).await;
    assert_answer("read in French", &r, PAIRINGS[3].2);
    assert_eq!(
        r.user_message,
        format!("Rien à afficher : votre voiture ne charge pas. ({APP})")
    );
    assert_eq!(r.messages.unwrap().locale, "fr");

    let stop = request(
        Form::V2,
        "CHARGING_IN_PROGRESS",
        O::StopCharge as i32,
        InterpretationView::Basic,
    );
    let r = server.ask("stop", stop).await;
    assert_answer("stop", &r, PAIRINGS[4].2);
    let advice = r.retry_advice.unwrap();
    assert_eq!(
        (
            advice.suggested_delay.unwrap().seconds,
            advice.delay_reason.as_str()
        ),
        (120, "Our chargers need two minutes.")
    );

    let unsaid = server
        .ask(
            "not said",
            request(Form::V2, "NOT_CHARGING", 0, InterpretationView::Basic),
        )
        .await;
    assert!(
        !unsaid.user_message.contains("Nothing to show"),
        "{}",
        unsaid.user_message
    );
    server.stop().await;
}
