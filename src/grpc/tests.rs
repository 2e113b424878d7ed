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

/// What a client reads from an answer the server wrote by hand
/// (`respond`): the plain message decoded from its bytes, which must be
/// exactly the bytes prost writes for that message (field order, default
/// values left out, lengths), but for the order of a warning's metadata
/// entries: prost writes a map in its hash order, which is not fixed.
/// (The values themselves are the API tests' to check.)
fn as_client(answer: &EncodedInterpretResponse) -> pb::InterpretResponse {
    let decoded = pb::InterpretResponse::decode(answer.as_bytes()).unwrap();
    let prosts = decoded.encode_to_vec();
    same_fields(answer.as_bytes(), &prosts, &format!("{decoded:?}"));
    decoded
}

/// `ours` and `theirs` hold the same fields in the same order, byte for
/// byte, except that within each of `warnings` (19) the `metadata` (4)
/// entries may come in any order.
fn same_fields(ours: &[u8], theirs: &[u8], what: &str) {
    let (ours, theirs) = (fields(ours), fields(theirs));
    let numbers = |f: &[(u32, &[u8])]| f.iter().map(|(n, _)| *n).collect::<Vec<_>>();
    assert_eq!(numbers(&ours), numbers(&theirs), "{what}");
    for ((number, ours), (_, theirs)) in ours.iter().zip(&theirs) {
        if *number == 19 {
            let content = |field: &[u8]| {
                let mut b = field;
                let _key = prost::encoding::decode_key(&mut b).unwrap();
                let _len = prost::encoding::decode_varint(&mut b).unwrap();
                b.to_vec()
            };
            let (ours, theirs) = (content(ours), content(theirs));
            // A warning's fields in order, its metadata entries sorted.
            fn split(b: &[u8]) -> Vec<(u32, &[u8])> {
                let (mut entries, mut rest): (Vec<_>, Vec<_>) =
                    fields(b).into_iter().partition(|(n, _)| *n == 4);
                entries.sort_unstable();
                rest.extend(entries);
                rest
            }
            assert_eq!(split(&ours), split(&theirs), "a warning of {what}");
        } else {
            assert_eq!(ours, theirs, "field {number} of {what}");
        }
    }
}

/// `bytes`' top-level fields in order: each one's number and encoding.
fn fields(mut bytes: &[u8]) -> Vec<(u32, &[u8])> {
    let mut fields = Vec::new();
    while !bytes.is_empty() {
        let start = bytes;
        let (number, wire_type) = prost::encoding::decode_key(&mut bytes).unwrap();
        prost::encoding::skip_field(wire_type, number, &mut bytes, Default::default()).unwrap();
        fields.push((number, &start[..start.len() - bytes.len()]));
    }
    fields
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

/// Every vehicle-state error's answer, in both views and with every
/// upstream field set, is exactly prost's encoding of what a client reads,
/// and names the error it was asked about.
#[tokio::test]
async fn written_answers_are_prosts_encoding() {
    let service = interpreter();
    for (code, body) in crate::catalog::seed_bodies() {
        for view in [InterpretationView::Basic, InterpretationView::Full] {
            let request = InterpretRequest {
                input: Some(Input::Body(body.clone())),
                app_name: "My App".into(),
                locale: "fr-CA".into(),
                http_status: 409,
                retry_after: "not a delay".into(),
                request_id: "5f8c2e3a-1b7d-4c9e-8f0a-2d6b4e1c9a7f".into(),
                view: view as i32,
                operation: 1,
            };
            let response = service.interpret(Request::new(request)).await.unwrap();
            let answer = as_client(response.get_ref());
            assert_eq!(answer.error_code, code);
            assert_eq!(answer.messages.is_some(), view == InterpretationView::Full);
            assert_eq!(
                answer.vehicle_state_error.is_some(),
                view == InterpretationView::Full
            );
            assert!(!answer.warnings.is_empty(), "{code}: retry_after warns");
        }
    }
}

async fn propagation_status(service: &Interpreter, body: &str) -> tonic_types::pb::Status {
    let request = InterpretRequest {
        input: Some(Input::Body(body.to_owned())),
        ..Default::default()
    };
    let response = service.interpret(Request::new(request)).await.unwrap();
    as_client(response.get_ref()).propagation_status.unwrap()
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
                    let r = as_client(response.get_ref());
                    prop_assert!(catalog.reasons().any(|x| x == r.reason), "{}", r.reason);
                    let status = r.propagation_status.clone().unwrap();
                    prop_assert_ne!(status.code, 0);
                    let scope = r.retry_advice.as_ref().unwrap().scope();
                    prop_assert_ne!(scope, pb::Scope::Unspecified, "{}", r.reason);
                    prop_assert_ne!(r.decided_by(), pb::DecisionSource::Unspecified);
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
            use pb::server::InterpretPayloadRequest;
            use pb::{PayloadKind, Scope, VerdictOutcome};
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
                    let server = response.into_inner();
                    let r = pb::InterpretPayloadResponse::decode(&*server.encode_to_vec()).unwrap();
                    prop_assert_ne!(r.payload_kind(), PayloadKind::Unspecified);
                    let webhook = r.payload_kind() == PayloadKind::Webhook;
                    for (item, written) in r.items.iter().zip(&server.items) {
                        let i = item.interpretation.as_ref().unwrap();
                        prop_assert_eq!(i, &as_client(written.interpretation.as_ref().unwrap()));
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
