//! `InterpretPayload` through the real server, from the API's documented
//! payload shapes (the webhook event pages for VERIFY, VEHICLE_STATE and
//! VEHICLE_ERROR, the 2.0 envelope, the v2 batch response). Each test
//! asserts the items, their relevance, the verdict and the cleared
//! reasons; every per-error answer is compared with what `Interpret`
//! answers for the same error, never with a copy of the catalog.

use tonic::Code;
use tonic_types::StatusExt as _;
use vehicle_error_interpreter::pb::{
    Action, ErrorExtent, ErrorState, InterpretPayloadRequest, InterpretPayloadResponse,
    InterpretRequest, InterpretResponse, Operation, PayloadKind, VerdictOutcome, WebhookEnvelope,
    WebhookEventType, WebhookMode, interpret_request::Input,
};

use crate::helpers::TestServer;

/// A v4 VEHICLE_ERROR delivery around `errors` (the event page's shape).
pub(crate) fn vehicle_error(errors: &str) -> String {
    format!(
        r#"{{"eventId":"1821c036-71cb-408f-8dee-2989b9764307","eventType":"VEHICLE_ERROR",
        "data":{{"user":{{"id":"2fbd0033"}},"vehicle":{{"id":"a1d50709","make":"VOLKSWAGEN","model":"ID.4","year":2021}},
        "errors":{errors}}},
        "meta":{{"version":"4.0","deliveryId":"49c3f6bb","deliveredAt":1758224204078,"webhookId":"5a8e5e38","mode":"LIVE"}}}}"#
    )
}

const PERMISSION_WIDE: &str = r#"{"type":"PERMISSION","code":null,"description":"Your application has insufficient permissions to access the requested resource.","docURL":"https://smartcar.com/docs/errors/api-errors/permission-errors#null","resolution":{"type":"REAUTHENTICATE"},"suggestedUserMessage":"Please reconnect your vehicle to <app name>.","state":"ERROR"}"#;
const PERMISSION_SIGNALS: &str = r#"{"type":"PERMISSION","code":null,"resolution":{"type":"REAUTHENTICATE"},"state":"ERROR","signals":[{"name":"Permissions","group":"VehicleUserAccount","code":"vehicleuseraccount-permissions"},{"name":"Role","group":"VehicleUserAccount","code":"vehicleuseraccount-role"}]}"#;

/// A VEHICLE_STATE delivery (the event page's shape) with SERVER,
/// PERMISSION and COMPATIBILITY signals besides successful ones.
const VEHICLE_STATE: &str = r#"{"eventId":"5a537912","eventType":"VEHICLE_STATE",
"data":{"user":{"id":"93b3ea96"},"vehicle":{"id":"123e4567","make":"Test Make","model":"Test Model","year":2020},
"signals":[
{"code":"location-preciselocation","name":"PreciseLocation","group":"Location","body":{"latitude":37.7749,"longitude":-122.4194},"status":{"value":"SUCCESS"},"meta":{"retrievedAt":1758668712404}},
{"code":"location-isathome","name":"IsAtHome","group":"Location","status":{"error":{"code":"VEHICLE_NOT_CAPABLE","type":"COMPATIBILITY"},"value":"ERROR"}},
{"code":"charge-voltage","name":"Voltage","group":"Charge","status":{"error":{"code":"VEHICLE_NOT_CAPABLE","type":"COMPATIBILITY"},"value":"ERROR"}},
{"code":"odometer-traveleddistance","name":"TraveledDistance","group":"Odometer","status":{"error":{"code":"INTERNAL","type":"SERVER"},"value":"ERROR"}},
{"name":"IsLocked","group":"Closure","status":{"error":{"code":null,"type":"PERMISSION"},"value":"ERROR"}},
{"code":"tractionbattery-stateofcharge","name":"StateOfCharge","group":"TractionBattery","body":{"unit":"percent","value":75},"status":{"value":"SUCCESS"}}
]},
"triggers":[{"type":"SIGNAL_UPDATED","signal":{"name":"StateOfCharge","group":"TractionBattery","code":"tractionbattery-stateofcharge"}}],
"meta":{"version":"4.0","deliveryId":"48b25f8f","deliveredAt":1761896351529,"webhookId":"123e4567","webhookName":"My First Webhook","signalCount":6,"mode":"LIVE"}}"#;

const RATE_LIMIT_BODY: &str = r#"{"type":"RATE_LIMIT","code":"VEHICLE","description":"You have reached the throttling rate limit for this vehicle.","statusCode":429,"resolution":{"type":"RETRY_LATER"}}"#;
const ASLEEP_BODY: &str =
    r#"{"type":"VEHICLE_STATE","code":"ASLEEP","statusCode":409,"resolution":{"type":null}}"#;

/// A v2 batch response: a success, a 429 with its own Retry-After and
/// request id (header names in another case), and a 409.
fn batch() -> String {
    format!(
        r#"{{"responses":[
{{"path":"/odometer","code":200,"headers":{{"sc-data-age":"2024-01-01T00:00:00.000Z"}},"body":{{"distance":1234.5}}}},
{{"path":"/battery","code":429,"headers":{{"Retry-After":"30","SC-Request-Id":"req-429"}},"body":{RATE_LIMIT_BODY}}},
{{"path":"/security","code":"409","headers":{{"sc-request-id":"req-409"}},"body":{ASLEEP_BODY}}}
]}}"#
    )
}

pub(crate) fn request(body: &str, used: &[&str]) -> InterpretPayloadRequest {
    InterpretPayloadRequest {
        body: body.to_owned(),
        used_signals: used.iter().map(|s| (*s).to_owned()).collect(),
        app_name: "Acme Fleet".into(),
        ..Default::default()
    }
}

async fn payload(
    server: &mut TestServer,
    req: InterpretPayloadRequest,
) -> InterpretPayloadResponse {
    server
        .client
        .interpret_payload(req)
        .await
        .unwrap_or_else(|e| panic!("InterpretPayload: {e:?}"))
        .into_inner()
}

/// What `Interpret` answers for `body` with the payload requests' app.
pub(crate) async fn interpret_body(
    server: &mut TestServer,
    body: &str,
    http_status: u32,
    retry_after: &str,
    request_id: &str,
) -> InterpretResponse {
    let req = InterpretRequest {
        input: Some(Input::Body(body.to_owned())),
        http_status,
        retry_after: retry_after.into(),
        request_id: request_id.into(),
        app_name: "Acme Fleet".into(),
        ..Default::default()
    };
    server.ask(body, req).await
}

/// `Interpret`'s answer as a webhook item carries it: no suggested delay,
/// no propagation status, the typed code kept.
fn as_webhook_item(mut answer: InterpretResponse) -> InterpretResponse {
    answer.retry_advice.as_mut().unwrap().suggested_delay = None;
    answer.propagation_status = None;
    answer
}

fn warning_reasons(answer: &InterpretPayloadResponse) -> Vec<&str> {
    answer.warnings.iter().map(|w| w.reason.as_str()).collect()
}

fn outcome(answer: &InterpretPayloadResponse) -> VerdictOutcome {
    answer.verdict.as_ref().unwrap().outcome()
}

#[tokio::test]
async fn a_vehicle_wide_permission_asks_to_reconnect_whatever_the_used_signals() {
    let mut server = TestServer::spawn().await;
    let body = vehicle_error(&format!("[{PERMISSION_WIDE}]"));
    let direct = interpret_body(&mut server, PERMISSION_WIDE, 0, "", "").await;
    assert_eq!(
        direct.retry_advice.as_ref().unwrap().action(),
        Action::UserReconnect
    );
    for used in [&[][..], &["charge-voltage"][..]] {
        let answer = payload(&mut server, request(&body, used)).await;
        assert_eq!(answer.payload_kind(), PayloadKind::Webhook);
        let event = answer.event.as_ref().unwrap();
        assert_eq!(event.r#type(), WebhookEventType::VehicleError);
        assert_eq!(event.envelope(), WebhookEnvelope::V4);
        assert_eq!(event.mode(), WebhookMode::Live);
        assert_eq!(
            (
                event.event_id.as_str(),
                event.delivery_id.as_str(),
                event.webhook_id.as_str()
            ),
            (
                "1821c036-71cb-408f-8dee-2989b9764307",
                "49c3f6bb",
                "5a8e5e38"
            )
        );
        assert_eq!(
            (event.vehicle_id.as_str(), event.user_id.as_str()),
            ("a1d50709", "2fbd0033")
        );
        assert_eq!(event.delivered_at, "1758224204078");
        let [item] = answer.items.as_slice() else {
            panic!("{:?}", answer.items)
        };
        assert_eq!(item.state(), ErrorState::Error);
        assert_eq!(item.extent(), ErrorExtent::Vehicle);
        assert!(item.relevant && item.signals.is_empty());
        assert_eq!(item.vehicle_id, "a1d50709");
        // Exactly Interpret's answer, less what a webhook item never has.
        assert_eq!(
            item.interpretation.as_ref().unwrap(),
            &as_webhook_item(direct.clone())
        );
        assert_ne!(item.interpretation.as_ref().unwrap().propagation_code, 0);
        let verdict = answer.verdict.as_ref().unwrap();
        assert_eq!(verdict.outcome(), VerdictOutcome::ActionRequired);
        assert_eq!(verdict.reason, direct.reason);
        assert_eq!(verdict.action(), Action::UserReconnect);
        assert_eq!(verdict.user_message, direct.user_message);
        assert!(verdict.user_message.contains("Acme Fleet"), "{verdict:?}");
        assert_eq!(verdict.scope, direct.retry_advice.as_ref().unwrap().scope);
        assert_eq!(verdict.deciding_item, Some(0));
        assert!(verdict.cleared_reasons.is_empty());
        assert!(answer.warnings.is_empty(), "{:?}", answer.warnings);
    }
    server.stop().await;
}

#[tokio::test]
async fn a_signal_scoped_permission_escalates_only_through_a_used_signal() {
    let mut server = TestServer::spawn().await;
    let body = vehicle_error(&format!("[{PERMISSION_SIGNALS}]"));

    let unused = payload(&mut server, request(&body, &["charge-voltage"])).await;
    let item = &unused.items[0];
    assert_eq!(item.extent(), ErrorExtent::Signals);
    assert_eq!(
        item.signals,
        ["vehicleuseraccount-permissions", "vehicleuseraccount-role"]
    );
    assert!(!item.relevant);
    let verdict = unused.verdict.as_ref().unwrap();
    assert_eq!(verdict.outcome(), VerdictOutcome::Ok);
    assert_eq!(verdict.deciding_item, None);
    assert!(verdict.reason.is_empty() && verdict.user_message.is_empty());
    assert_eq!(verdict.action(), Action::None);

    let used = payload(&mut server, request(&body, &["VehicleUserAccount.Role"])).await;
    assert!(used.items[0].relevant);
    assert_eq!(outcome(&used), VerdictOutcome::ActionRequired);
    assert!(warning_reasons(&used).is_empty());

    let all = payload(&mut server, request(&body, &[])).await;
    assert!(all.items[0].relevant);
    assert_eq!(outcome(&all), VerdictOutcome::ActionRequired);
    assert_eq!(warning_reasons(&all), ["USED_SIGNALS_EMPTY"]);
    assert_eq!(all.warnings[0].field, "used_signals");
    server.stop().await;
}

#[tokio::test]
async fn a_resolved_event_clears_its_reason_and_asks_nothing() {
    let mut server = TestServer::spawn().await;
    let resolved = PERMISSION_WIDE.replace(r#""state":"ERROR""#, r#""state":"RESOLVED""#);
    let direct = interpret_body(&mut server, PERMISSION_WIDE, 0, "", "").await;
    let answer = payload(
        &mut server,
        request(&vehicle_error(&format!("[{resolved}]")), &[]),
    )
    .await;
    let [item] = answer.items.as_slice() else {
        panic!("{:?}", answer.items)
    };
    assert_eq!(item.state(), ErrorState::Resolved);
    assert!(item.relevant);
    let verdict = answer.verdict.as_ref().unwrap();
    assert_eq!(verdict.outcome(), VerdictOutcome::Ok);
    assert_eq!(
        verdict.cleared_reasons,
        std::slice::from_ref(&direct.reason)
    );
    assert_eq!(verdict.deciding_item, None);

    // Not cleared while a relevant ERROR item still fails with it.
    let both = vehicle_error(&format!("[{resolved},{PERMISSION_SIGNALS}]"));
    let answer = payload(&mut server, request(&both, &["vehicleuseraccount-role"])).await;
    assert_eq!(answer.items.len(), 2);
    let verdict = answer.verdict.as_ref().unwrap();
    assert_eq!(verdict.outcome(), VerdictOutcome::ActionRequired);
    assert_eq!(verdict.deciding_item, Some(1));
    assert!(verdict.cleared_reasons.is_empty());
    server.stop().await;
}

#[tokio::test]
async fn a_vehicle_state_delivery_mixing_server_permission_and_compatibility() {
    let mut server = TestServer::spawn().await;
    let all = payload(&mut server, request(VEHICLE_STATE, &[])).await;
    let summary: Vec<_> = all
        .items
        .iter()
        .map(|i| {
            let interp = i.interpretation.as_ref().unwrap();
            (interp.error_type.as_str(), i.signals.clone(), i.extent())
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "COMPATIBILITY",
                vec!["location-isathome".to_owned(), "charge-voltage".to_owned()],
                ErrorExtent::Signals
            ),
            (
                "SERVER",
                vec!["odometer-traveleddistance".to_owned()],
                ErrorExtent::Signals
            ),
            (
                "PERMISSION",
                vec!["closure-islocked".to_owned()],
                ErrorExtent::Signals
            ),
        ]
    );
    // Each is Interpret's answer for that type and code.
    for (item, body) in all.items.iter().zip([
        r#"{"type":"COMPATIBILITY","code":"VEHICLE_NOT_CAPABLE"}"#,
        r#"{"type":"SERVER","code":"INTERNAL"}"#,
        r#"{"type":"PERMISSION","code":null}"#,
    ]) {
        let direct = interpret_body(&mut server, body, 0, "", "").await;
        assert_eq!(
            item.interpretation.as_ref().unwrap(),
            &as_webhook_item(direct)
        );
    }
    // Every signal used: the PERMISSION's action decides.
    assert_eq!(outcome(&all), VerdictOutcome::ActionRequired);
    assert_eq!(all.verdict.as_ref().unwrap().deciding_item, Some(2));
    assert_eq!(warning_reasons(&all), ["USED_SIGNALS_EMPTY"]);

    // The odometer: the server will recover, no one acts.
    let odometer = payload(
        &mut server,
        request(
            VEHICLE_STATE,
            &["Odometer.TraveledDistance", "charge-voltage"],
        ),
    )
    .await;
    let relevant: Vec<_> = odometer.items.iter().map(|i| i.relevant).collect();
    assert_eq!(relevant, [true, true, false]);
    assert_eq!(outcome(&odometer), VerdictOutcome::Wait);
    assert_eq!(odometer.verdict.as_ref().unwrap().deciding_item, Some(1));

    // Only an unsupported signal: stop asking for it.
    let voltage = payload(&mut server, request(VEHICLE_STATE, &["Charge.Voltage"])).await;
    assert_eq!(outcome(&voltage), VerdictOutcome::Unsupported);
    assert_eq!(voltage.verdict.as_ref().unwrap().deciding_item, Some(0));

    // A signal that succeeded: nothing to do.
    let soc = payload(
        &mut server,
        request(VEHICLE_STATE, &["tractionbattery-stateofcharge"]),
    )
    .await;
    assert_eq!(outcome(&soc), VerdictOutcome::Ok);
    assert!(soc.items.iter().all(|i| !i.relevant));
    server.stop().await;
}

#[tokio::test]
async fn a_legacy_verify_carries_its_challenge_and_ignores_an_operation() {
    let mut server = TestServer::spawn().await;
    let body = r#"{"version":"2.0","webhookId":"865ca68d","eventName":"verify","payload":{"challenge":"3f9a1c2e-77b0"}}"#;
    let answer = payload(&mut server, request(body, &[])).await;
    assert_eq!(answer.payload_kind(), PayloadKind::Webhook);
    let event = answer.event.as_ref().unwrap();
    assert_eq!(event.envelope(), WebhookEnvelope::Legacy2);
    assert_eq!(event.r#type(), WebhookEventType::Verify);
    assert_eq!(
        (
            event.type_name.as_str(),
            event.challenge.as_str(),
            event.version.as_str()
        ),
        ("verify", "3f9a1c2e-77b0", "2.0")
    );
    assert_eq!(event.webhook_id, "865ca68d");
    assert!(answer.items.is_empty());
    assert_eq!(outcome(&answer), VerdictOutcome::Ok);
    assert!(answer.warnings.is_empty());

    let mut req = request(body, &[]);
    req.set_operation(Operation::Lock);
    let answer = payload(&mut server, req).await;
    assert_eq!(warning_reasons(&answer), ["OPERATION_IGNORED"]);
    assert_eq!(answer.warnings[0].field, "operation");
    server.stop().await;
}

#[tokio::test]
async fn a_batch_response_keeps_each_sub_responses_headers_as_interpret_would() {
    let mut server = TestServer::spawn().await;
    let answer = payload(&mut server, request(&batch(), &[])).await;
    assert_eq!(answer.payload_kind(), PayloadKind::BatchResponse);
    assert!(answer.event.is_none());
    let [limit, asleep] = answer.items.as_slice() else {
        panic!("{:?}", answer.items)
    };
    assert_eq!(
        (limit.paths.as_slice(), limit.extent()),
        (&["/battery".to_owned()][..], ErrorExtent::Path)
    );
    assert_eq!(asleep.paths, ["/security"]);
    assert!(limit.relevant && asleep.relevant);
    // Exactly Interpret's answers, suggested delay and propagation status
    // included: the Retry-After of 30 s is honoured.
    let direct_429 = interpret_body(&mut server, RATE_LIMIT_BODY, 429, "30", "req-429").await;
    assert_eq!(limit.interpretation.as_ref().unwrap(), &direct_429);
    let delay = direct_429
        .retry_advice
        .as_ref()
        .unwrap()
        .suggested_delay
        .unwrap();
    assert_eq!(delay.seconds, 30);
    assert!(direct_429.propagation_status.is_some());
    let direct_409 = interpret_body(&mut server, ASLEEP_BODY, 409, "", "req-409").await;
    assert_eq!(asleep.interpretation.as_ref().unwrap(), &direct_409);
    // The driver starting the car outranks waiting out the rate limit.
    let verdict = answer.verdict.as_ref().unwrap();
    assert_eq!(verdict.outcome(), VerdictOutcome::ActionRequired);
    assert_eq!(verdict.deciding_item, Some(1));
    assert_eq!(verdict.reason, direct_409.reason);
    assert_eq!(verdict.action(), Action::DriverAtVehicle);
    assert_eq!(verdict.user_message, direct_409.user_message);
    server.stop().await;
}

/// The batch page types a sub-response's `body` as a string, and a proxy
/// may forward it so: a string holding the error object is answered as
/// that object, not from the HTTP status alone; a string holding
/// anything else still is.
#[tokio::test]
async fn a_batch_sub_response_body_sent_as_a_json_string_is_read_as_its_object() {
    let mut server = TestServer::spawn().await;
    let quoted = serde_json::to_string(RATE_LIMIT_BODY).unwrap();
    let body = format!(
        r#"{{"responses":[
{{"path":"/battery","code":429,"headers":{{"retry-after":"30","sc-request-id":"req-429"}},"body":{quoted}}},
{{"path":"/odometer","code":502,"body":"Bad Gateway"}}
]}}"#
    );
    let answer = payload(&mut server, request(&body, &[])).await;
    assert_eq!(answer.payload_kind(), PayloadKind::BatchResponse);
    let [limit, gateway] = answer.items.as_slice() else {
        panic!("{:?}", answer.items)
    };
    let direct_429 = interpret_body(&mut server, RATE_LIMIT_BODY, 429, "30", "req-429").await;
    assert_eq!(limit.interpretation.as_ref().unwrap(), &direct_429);
    assert_eq!(limit.paths, ["/battery"]);
    let direct_502 = interpret_body(&mut server, "\"Bad Gateway\"", 502, "", "").await;
    assert_eq!(gateway.interpretation.as_ref().unwrap(), &direct_502);
    server.stop().await;
}

#[tokio::test]
async fn an_unknown_event_type_and_a_non_json_body_are_answered_not_refused() {
    let mut server = TestServer::spawn().await;
    let body = r#"{"eventId":"e1","eventType":"CHARGING_STARTED","data":{"vehicle":{"id":"v1"}},"meta":{"mode":"test"}}"#;
    let answer = payload(&mut server, request(body, &[])).await;
    assert_eq!(answer.payload_kind(), PayloadKind::Webhook);
    let event = answer.event.as_ref().unwrap();
    assert_eq!(event.r#type(), WebhookEventType::Other);
    assert_eq!(event.type_name, "CHARGING_STARTED");
    assert_eq!(
        (event.mode(), event.mode_name.as_str()),
        (WebhookMode::Test, "test")
    );
    assert!(answer.items.is_empty());
    assert_eq!(outcome(&answer), VerdictOutcome::Ok);

    let answer = payload(&mut server, request("<html>502 Bad Gateway</html>", &[])).await;
    assert_eq!(answer.payload_kind(), PayloadKind::Unrecognized);
    assert!(answer.event.is_none() && answer.items.is_empty());
    assert_eq!(warning_reasons(&answer), ["BODY_NOT_JSON"]);
    assert_eq!(answer.warnings[0].field, "body");
    assert_eq!(outcome(&answer), VerdictOutcome::Ok);
    server.stop().await;
}

#[tokio::test]
async fn the_callers_own_mistakes_are_invalid_argument_with_a_bad_request() {
    let mut server = TestServer::spawn().await;
    let body = vehicle_error(&format!("[{PERMISSION_WIDE}]"));
    let long = "x".repeat(129);
    let cases: Vec<(InterpretPayloadRequest, &str, &str)> = vec![
        (
            request(&body, &["charge-voltage", "not a signal"]),
            "used_signals[1]",
            "MALFORMED_FIELD",
        ),
        (
            request(&body, &["", "charge-voltage"]),
            "used_signals[0]",
            "EMPTY_FIELD",
        ),
        (
            request(&body, &["charge-voltage", &long]),
            "used_signals[1]",
            "FIELD_TOO_LONG",
        ),
        (
            request(&body, &vec!["charge-voltage"; 1001]),
            "used_signals",
            "TOO_MANY_VALUES",
        ),
        (request("  \n", &[]), "body", "EMPTY_BODY"),
        (
            InterpretPayloadRequest {
                app_name: "\u{0}bad".into(),
                ..request(&body, &[])
            },
            "app_name",
            "",
        ),
    ];
    for (req, field, reason) in cases {
        let status = server.client.interpret_payload(req).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{field}: {status:?}");
        let details = status.get_error_details();
        let violations = &details.bad_request().unwrap().field_violations;
        assert_eq!(violations[0].field, field, "{status:?}");
        if !reason.is_empty() {
            assert_eq!(details.error_info().unwrap().reason, reason);
        }
    }
    server.stop().await;
}

/// Every answered payload is counted by kind and verdict outcome, beside
/// the call itself, and a refused one only as a call.
#[tokio::test]
async fn payloads_are_counted_by_kind_and_outcome() {
    let server = crate::helpers::BinaryServer::start(&[]);
    let mut client =
        vehicle_error_interpreter::pb::interpreter_service_client::InterpreterServiceClient::new(
            crate::helpers::connect(server.addr).await,
        );
    let wide = vehicle_error(&format!("[{PERMISSION_WIDE}]"));
    for req in [
        request(&wide, &[]),
        request(&wide, &[]),
        request(VEHICLE_STATE, &["Charge.Voltage"]),
        request("not json", &[]),
    ] {
        client.interpret_payload(req).await.unwrap();
    }
    client
        .interpret_payload(request(&wide, &["bad signal"]))
        .await
        .unwrap_err();
    let metrics = crate::metrics::scrape(server.metrics_addr).await;
    let payloads = |kind: &str, outcome: &str| {
        metrics[&format!(r#"vei_payloads_total{{kind="{kind}",outcome="{outcome}"}}"#)]
    };
    assert_eq!(payloads("WEBHOOK", "ACTION_REQUIRED"), 2.0);
    assert_eq!(payloads("WEBHOOK", "UNSUPPORTED"), 1.0);
    assert_eq!(payloads("UNRECOGNIZED", "OK"), 1.0);
    assert_eq!(payloads("BATCH_RESPONSE", "WAIT"), 0.0);
    let calls = |code: &str| {
        metrics[&format!(
            r#"grpc_server_handled_total{{grpc_service="vehicle_errors.v1.InterpreterService",grpc_method="InterpretPayload",grpc_code="{code}"}}"#
        )]
    };
    assert_eq!((calls("OK"), calls("INVALID_ARGUMENT")), (4.0, 1.0));
}

/// A batch response's `operation` applies to each sub-response exactly as
/// `Interpret` applies it (design 3d); a webhook delivery ignores it with
/// `OPERATION_IGNORED`.
#[tokio::test]
async fn the_operation_applies_to_batch_items_and_not_to_webhooks() {
    let mut server = TestServer::spawn().await;
    let not_charging = r#"{"type":"VEHICLE_STATE","code":"NOT_CHARGING","statusCode":409,"resolution":{"type":null}}"#;
    let batch = format!(
        r#"{{"responses":[{{"path":"/charge","code":409,"headers":{{"sc-request-id":"r-1"}},"body":{not_charging}}}]}}"#
    );
    let direct = |operation: Operation| InterpretRequest {
        input: Some(Input::Body(not_charging.to_owned())),
        http_status: 409,
        request_id: "r-1".into(),
        app_name: "Acme Fleet".into(),
        operation: operation as i32,
        ..Default::default()
    };
    for (operation, want) in [
        (Operation::Unspecified, VerdictOutcome::ActionRequired),
        (Operation::StopCharge, VerdictOutcome::Ok),
    ] {
        let mut req = request(&batch, &[]);
        req.set_operation(operation);
        let answer = payload(&mut server, req).await;
        let expected = server.ask("direct", direct(operation)).await;
        assert_eq!(answer.items[0].interpretation.as_ref().unwrap(), &expected);
        assert_eq!(outcome(&answer), want, "{operation:?}");
        assert!(answer.warnings.is_empty(), "{:?}", answer.warnings);
    }
    let stop = server.ask("direct", direct(Operation::StopCharge)).await;
    let unspecified = server.ask("direct", direct(Operation::Unspecified)).await;
    assert_ne!(stop.reason, unspecified.reason);

    let webhook = vehicle_error(
        r#"[{"type":"VEHICLE_STATE","code":"NOT_CHARGING","resolution":{"type":null},"state":"ERROR"}]"#,
    );
    let mut req = request(&webhook, &[]);
    req.set_operation(Operation::StopCharge);
    let answer = payload(&mut server, req).await;
    assert_eq!(warning_reasons(&answer), ["OPERATION_IGNORED"]);
    let item = answer.items[0].interpretation.as_ref().unwrap();
    assert_eq!(item.reason, unspecified.reason);
    assert_eq!(outcome(&answer), VerdictOutcome::ActionRequired);
    server.stop().await;
}
