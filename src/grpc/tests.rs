//! Handler tests: the trait methods called directly, no network
//! (tonic-health's tier).

use std::sync::Arc;

use prost::Message as _;
use tonic::Request;

use super::pb::server::{
    InterpretRequest, InterpretationView, interpret_request::Input,
    interpreter_service_server::InterpreterService as _,
};
use super::*;
use crate::catalog::Catalog;

fn interpreter() -> Interpreter {
    let catalog = Arc::new(Catalog::embedded().unwrap());
    Interpreter::new(
        CatalogStore::new(catalog, "the app"),
        ServiceSettings::default(),
    )
}

async fn size(service: &Interpreter, body: &str, view: InterpretationView) -> usize {
    let request = InterpretRequest {
        input: Some(Input::Body(body.to_owned())),
        app_name: "My App".into(),
        view: view as i32,
        ..Default::default()
    };
    let response = service.interpret(Request::new(request)).await.unwrap();
    response.into_inner().encoded_len()
}

/// The default view's DOOR_OPEN answer fits in 1 KiB (docs/design.md §7),
/// counted as the serialized `InterpretResponse`; FULL is larger.
#[tokio::test]
async fn basic_door_open_answer_fits_in_a_kibibyte() {
    let service = interpreter();
    let seeds = crate::catalog::seed_bodies();
    let door = &seeds.iter().find(|(c, _)| c == "DOOR_OPEN").unwrap().1;
    let basic = size(&service, door, InterpretationView::Unspecified).await;
    let full = size(&service, door, InterpretationView::Full).await;
    eprintln!("DOOR_OPEN: BASIC {basic} bytes, FULL {full} bytes");
    assert!(basic <= 1024, "{basic}");
    assert!(full > basic);
}

async fn propagation_status(service: &Interpreter, body: &str) -> tonic_types::pb::Status {
    let request = InterpretRequest {
        input: Some(Input::Body(body.to_owned())),
        ..Default::default()
    };
    let response = service.interpret(Request::new(request)).await.unwrap();
    // The server's view holds the status encoded; read it as a client does.
    let bytes = response
        .into_inner()
        .propagation_status
        .unwrap()
        .encode_to_vec();
    tonic_types::pb::Status::decode(&*bytes).unwrap()
}

/// The violation and help a propagation status carries keep their type
/// and wording: the words are the domain's (`interpret::violation`), the
/// placing is the adapter's, and callers show both.
#[tokio::test]
async fn statuses_carry_the_domains_violation_wording() {
    use tonic_types::RpcStatusExt as _;

    let service = interpreter();
    let seeds = crate::catalog::seed_bodies();
    let door = &seeds.iter().find(|(c, _)| c == "DOOR_OPEN").unwrap().1;
    let details = propagation_status(&service, door).await.get_error_details();
    let violation = &details.precondition_failure().unwrap().violations[0];
    assert_eq!(violation.r#type, "ACTION_REQUIRED");
    assert_eq!(
        violation.description,
        "The driver must act at the vehicle first."
    );
    assert_eq!(details.help().unwrap().links[0].description, "API docs");

    let rate_limited = r#"{"type":"RATE_LIMIT","code":"VEHICLE"}"#;
    let details = propagation_status(&service, rate_limited)
        .await
        .get_error_details();
    let violation = &details.quota_failure().unwrap().violations[0];
    assert_eq!(
        violation.description,
        "A rate limit or quota of the API was reached."
    );
}

mod properties {
    use proptest::prelude::*;
    use tonic::Code;

    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// For any body, any upstream fields and any operation (unknown
        /// numbers included), with a valid app name and locale, `Interpret`
        /// answers OK or INVALID_ARGUMENT, and INVALID_ARGUMENT only when
        /// no usable HTTP status (400-599) was given; every reason it
        /// answers with is in the catalog's vocabulary, and so is the
        /// status' ErrorInfo reason; every answer has a scope (never
        /// unspecified), also in ErrorInfo, and a decision source.
        #[test]
        fn interpret_answers_any_upstream_input(
            body in prop_oneof![
                any::<String>(),
                "[{}\\[\\]\":,a-z0-9<> ]{0,64}",
                Just(String::new()),
                Just("<html>502</html>".to_owned()),
                Just(r#"{"type":"RATE_LIMIT","code":"VEHICLE"}"#.to_owned()),
                Just(r#"{"errors":[{"type":"X"},{"type":"VEHICLE_STATE","code":"ASLEEP"}]}"#.to_owned()),
                Just(r#"{"type":"VEHICLE_STATE","code":"NOT_CHARGING"}"#.to_owned()),
                Just(r#"{"type":"VEHICLE_STATE","code":"CHARGING_IN_PROGRESS"}"#.to_owned()),
                Just(r#"{"errors":[{"type":"VEHICLE_STATE","code":"FULLY_CHARGED"},{"type":"VEHICLE_STATE","code":"NOT_CHARGING"}]}"#.to_owned()),
            ],
            http_status in prop_oneof![Just(0_u32), 100_u32..700, any::<u32>()],
            retry_after in prop_oneof![Just(String::new()), "[0-9]{1,22}", any::<String>()],
            request_id in any::<String>(),
            full in any::<bool>(),
            operation in prop_oneof![Just(0_i32), 1_i32..=6, any::<i32>()],
        ) {
            let service = interpreter();
            let catalog = Catalog::embedded().unwrap();
            let request = InterpretRequest {
                input: Some(Input::Body(body)),
                app_name: "Fleet".into(),
                locale: "fr-CA".into(),
                http_status,
                retry_after,
                request_id,
                view: if full { InterpretationView::Full } else { InterpretationView::Basic } as i32,
                operation,
            };
            match runtime().block_on(service.interpret(Request::new(request))) {
                Ok(response) => {
                    let r = response.into_inner();
                    prop_assert!(catalog.reasons().any(|x| x == r.reason), "{}", r.reason);
                    // The server's view holds the status encoded; read it
                    // back as a client would.
                    let bytes = r.propagation_status.as_ref().unwrap().encode_to_vec();
                    let status = tonic_types::pb::Status::decode(&*bytes).unwrap();
                    prop_assert_ne!(status.code, 0);
                    let scope = r.retry_advice.as_ref().unwrap().scope();
                    prop_assert_ne!(scope, pb::server::Scope::Unspecified, "{}", r.reason);
                    prop_assert_ne!(r.decided_by(), pb::server::DecisionSource::Unspecified);
                    let info = tonic_types::RpcStatusExt::get_details_error_info(&status).unwrap();
                    prop_assert_eq!(&info.reason, &r.reason);
                    prop_assert_eq!(format!("SCOPE_{}", info.metadata["scope"]), scope.as_str_name());
                    prop_assert!(!r.user_message.is_empty());
                }
                Err(status) => {
                    prop_assert_eq!(status.code(), Code::InvalidArgument, "{:?}", status);
                    prop_assert!(!(400..=599).contains(&http_status), "{:?}", status);
                }
            }
        }
    }

    /// Real-shaped payloads the generated text is spliced into, so that
    /// most cases reach the webhook, signals and batch readers.
    fn payload_body() -> impl Strategy<Value = String> {
        // Mostly valid JSON values (so the readers see the shapes), now
        // and then raw text (so they also see broken ones).
        let value = prop_oneof![
            Just("null".to_owned()),
            Just("42".to_owned()),
            Just("{}".to_owned()),
            Just("[]".to_owned()),
            Just(r#""Charge.Voltage""#.to_owned()),
            Just(r#"{"type":"SERVER","code":"INTERNAL","state":"RESOLVED"}"#.to_owned()),
            Just(r#"{"type":"RATE_LIMIT","code":"SMARTCAR_API","state":"ERROR"}"#.to_owned()),
            Just(
                r#"{"path":"/x","code":409,"body":{"type":"VEHICLE_STATE","code":"ASLEEP"}}"#
                    .to_owned()
            ),
            "[a-zA-Z.]{0,12}".prop_map(|t| format!("\"{t}\"")),
            "[{}\\[\\]\":,a-z0-9 ]{0,24}",
        ];
        let inner = prop::collection::vec(value, 0..4)
            .prop_map(|v| v.iter().map(|x| format!(",{x}")).collect::<String>())
            .boxed();
        prop_oneof![
            any::<String>(),
            inner.clone().prop_map(|i| format!(
                r#"{{"eventType":"VEHICLE_ERROR","data":{{"vehicle":{{"id":"v"}},"errors":[{{"type":"PERMISSION","code":null,"state":"ERROR","signals":["Closure.IsLocked"{i}]}}{i}]}}}}"#
            )),
            inner.clone().prop_map(|i| format!(
                r#"{{"eventType":"VEHICLE_STATE","data":{{"signals":[{{"name":"IsLocked","group":"Closure","status":{{"value":"ERROR","error":{{"type":"SERVER","code":"INTERNAL"}}}}}}{i}]}}}}"#
            )),
            inner.clone().prop_map(|i| format!(
                r#"{{"responses":[{{"path":"/battery","code":429,"headers":{{"retry-after":"7"}},"body":{{"type":"RATE_LIMIT","code":"VEHICLE"}}}}{i}]}}"#
            )),
            inner.prop_map(|i| format!(r#"{{"data":[{{"attributes":{{"code":"charge-voltage","status":{{"value":"ERROR","error":{{"type":"COMPATIBILITY","code":"VEHICLE_NOT_CAPABLE"}}}}}}}}{i}]}}"#)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// For any payload body, any operation and any view, with valid
        /// caller fields, `InterpretPayload` answers OK (INVALID_ARGUMENT
        /// only for a blank body, naming `body`): every item's reason is in
        /// the vocabulary with a scope; webhook items carry no propagation
        /// status and no suggested delay but a non-OK propagation code,
        /// other items carry their status; the verdict is decided by a
        /// relevant item or is OK.
        #[test]
        fn interpret_payload_answers_any_body(
            body in payload_body(),
            used in prop_oneof![Just(vec![]), Just(vec!["Closure.IsLocked".to_owned()])],
            full in any::<bool>(),
            operation in prop_oneof![Just(0_i32), 1_i32..=6, any::<i32>()],
        ) {
            use pb::server::{InterpretPayloadRequest, PayloadKind, Scope, VerdictOutcome};
            let service = interpreter();
            let catalog = Catalog::embedded().unwrap();
            let request = InterpretPayloadRequest {
                body: body.clone(),
                used_signals: used,
                app_name: "Fleet".into(),
                locale: "fr-CA".into(),
                view: if full { InterpretationView::Full } else { InterpretationView::Basic } as i32,
                operation,
            };
            match runtime().block_on(service.interpret_payload(Request::new(request))) {
                Ok(response) => {
                    let r = response.into_inner();
                    prop_assert_ne!(r.payload_kind(), PayloadKind::Unspecified);
                    let webhook = r.payload_kind() == PayloadKind::Webhook;
                    for item in &r.items {
                        let i = item.interpretation.as_ref().unwrap();
                        prop_assert!(catalog.reasons().any(|x| x == i.reason), "{}", i.reason);
                        let advice = i.retry_advice.as_ref().unwrap();
                        prop_assert_ne!(advice.scope(), Scope::Unspecified);
                        prop_assert_eq!(i.propagation_status.is_none(), webhook);
                        prop_assert_ne!(i.propagation_code, 0);
                        if webhook {
                            prop_assert!(advice.suggested_delay.is_none());
                        }
                    }
                    let verdict = r.verdict.as_ref().unwrap();
                    match verdict.deciding_item {
                        Some(n) => prop_assert!(r.items[n as usize].relevant),
                        None => prop_assert_eq!(verdict.outcome(), VerdictOutcome::Ok),
                    }
                }
                Err(status) => {
                    prop_assert!(body.trim().is_empty(), "{:?}", status);
                    prop_assert_eq!(status.code(), Code::InvalidArgument);
                    let bad = tonic_types::StatusExt::get_details_bad_request(&status).unwrap();
                    prop_assert_eq!(&bad.field_violations[0].field, "body");
                }
            }
        }
    }
}
