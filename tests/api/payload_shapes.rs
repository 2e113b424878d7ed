//! `InterpretPayload` through the real server for the shapes `payload.rs`
//! leaves to the domain's tests: a v4 VERIFY (and a challenge the clients
//! would refuse to sign), a v3 signals response (a list, a `SignalError`
//! with its resolution, the single-signal resource), a legacy 2.0
//! delivery about several vehicles, and signals written in every shape
//! the API uses. Per-error answers are compared with `Interpret`'s, never with a
//! copy of the catalog.

use vehicle_error_interpreter::pb::{
    ErrorExtent, ErrorState, InterpretPayloadRequest, InterpretPayloadResponse, InterpretRequest,
    InterpretResponse, PayloadKind, VerdictOutcome, WebhookEnvelope, WebhookEventType, WebhookMode,
    interpret_request::Input,
};

use crate::helpers::TestServer;
use crate::payload::{interpret_body, request, vehicle_error};

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

/// What `Interpret` answers for `body` alone (no HTTP status, no headers),
/// as a signal's error is asked.
async fn interpret(server: &mut TestServer, body: &str) -> InterpretResponse {
    interpret_body(server, body, 0, "", "").await
}

fn reasons(answer: &InterpretPayloadResponse) -> Vec<&str> {
    answer.warnings.iter().map(|w| w.reason.as_str()).collect()
}

/// The v4 VERIFY event page's shape, with `challenge`.
fn verify(challenge: &str) -> String {
    format!(
        r#"{{"eventId":"52f6e0bb","eventType":"VERIFY","data":{{"challenge":"{challenge}"}},"meta":{{"version":"4.0","webhookId":"5a8e5e38","webhookName":"Example Webhook","deliveryId":"5d569643","deliveredAt":"2025-07-31T19:38:42.332Z","mode":"TEST"}}}}"#
    )
}

#[tokio::test]
async fn a_v4_verify_carries_its_challenge_and_an_unsignable_one_is_dropped() {
    let mut server = TestServer::spawn().await;
    let answer = payload(&mut server, request(&verify("a1b2c3-X_9.~"), &[])).await;
    assert_eq!(answer.payload_kind(), PayloadKind::Webhook);
    let event = answer.event.as_ref().unwrap();
    assert_eq!(event.envelope(), WebhookEnvelope::V4);
    assert_eq!(event.r#type(), WebhookEventType::Verify);
    assert_eq!(event.mode(), WebhookMode::Test);
    assert_eq!(
        (
            event.challenge.as_str(),
            event.event_id.as_str(),
            event.delivery_id.as_str(),
            event.delivered_at.as_str(),
            event.version.as_str(),
        ),
        (
            "a1b2c3-X_9.~",
            "52f6e0bb",
            "5d569643",
            "2025-07-31T19:38:42.332Z",
            "4.0"
        )
    );
    assert!(answer.items.is_empty());
    assert_eq!(
        answer.verdict.as_ref().unwrap().outcome(),
        VerdictOutcome::Ok
    );
    assert!(answer.warnings.is_empty());

    // A challenge outside [A-Za-z0-9._~-] (here base64's `+/=`) or longer
    // than 256 characters is not handed over: a receiver must not sign it.
    for bad in ["c2lnbiBtZQ+/=", &"a".repeat(257)] {
        let answer = payload(&mut server, request(&verify(bad), &[])).await;
        let event = answer.event.as_ref().unwrap();
        assert_eq!(event.r#type(), WebhookEventType::Verify, "{bad}");
        assert_eq!(event.challenge, "", "{bad}");
        assert_eq!(reasons(&answer), ["CHALLENGE_INVALID"], "{bad}");
    }
    server.stop().await;
}

#[tokio::test]
async fn a_v3_signals_response_answers_each_failed_signal_as_interpret_would() {
    let mut server = TestServer::spawn().await;
    let body = r#"{"data":[
{"id":"s1","type":"signal","attributes":{"code":"charge-voltage","name":"Voltage","group":"Charge","status":{"value":"SUCCESS"},"body":{"unit":"volts","value":85}}},
{"id":"s2","type":"signal","attributes":{"name":"IsLocked","group":"Closure","status":{"value":"ERROR","error":{"type":"UPSTREAM","code":"NO_RESPONSE"}}}},
{"id":"s3","type":"signal","attributes":{"code":"closure-isopen","status":{"value":"ERROR","error":{"type":"UPSTREAM","code":"NO_RESPONSE"}}}}
],"meta":{"page":1}}"#;
    let answer = payload(&mut server, request(body, &["closure-islocked"])).await;
    assert_eq!(answer.payload_kind(), PayloadKind::SignalsResponse);
    assert!(answer.event.is_none());
    // The two failed signals share type, code and state: one item.
    assert_eq!(answer.items.len(), 1);
    let item = &answer.items[0];
    assert_eq!(item.signals, ["closure-islocked", "closure-isopen"]);
    assert_eq!(
        (item.extent(), item.state(), item.relevant),
        (ErrorExtent::Signals, ErrorState::Error, true)
    );
    // An answer to the caller's own call keeps everything Interpret gives,
    // the propagation status and suggested delay included.
    let direct = interpret(&mut server, r#"{"type":"UPSTREAM","code":"NO_RESPONSE"}"#).await;
    assert!(direct.propagation_status.is_some());
    assert_eq!(item.interpretation.as_ref().unwrap(), &direct);
    let verdict = answer.verdict.as_ref().unwrap();
    assert_eq!(verdict.outcome(), VerdictOutcome::Wait);
    assert_eq!(verdict.reason, direct.reason);
    assert_eq!(verdict.deciding_item, Some(0));

    // Only a signal that succeeded is used: nothing to do, and no warning.
    let answer = payload(&mut server, request(body, &["Charge.Voltage"])).await;
    assert!(!answer.items[0].relevant);
    assert_eq!(
        answer.verdict.as_ref().unwrap().outcome(),
        VerdictOutcome::Ok
    );
    assert!(answer.warnings.is_empty());
    server.stop().await;
}

/// v3's failed signal carries more than a type and a code: the API's own
/// example is a `SignalError` with a description and a `resolution`
/// (REAUTHENTICATE). The item is `Interpret`'s answer to that whole
/// object, so the resolution counts: someone must act, not "the vehicle
/// cannot give this signal".
#[tokio::test]
async fn a_v3_signal_error_is_interpreted_whole_with_its_resolution() {
    let mut server = TestServer::spawn().await;
    let error = r#"{"type":"SignalError","code":"SIGNAL_NOT_FOUND","description":"The requested signal does not exist.","resolution":{"type":"REAUTHENTICATE"}}"#;
    let body = format!(
        r#"{{"data":[{{"id":"charge-voltage","type":"signal","attributes":{{"code":"charge-voltage","name":"Voltage","group":"Charge","status":{{"value":"ERROR","error":{error}}}}}}}]}}"#
    );
    let answer = payload(&mut server, request(&body, &["charge-voltage"])).await;
    assert_eq!(answer.payload_kind(), PayloadKind::SignalsResponse);
    assert_eq!(answer.items.len(), 1);
    let direct = interpret(&mut server, error).await;
    let without_resolution = interpret(
        &mut server,
        r#"{"type":"SignalError","code":"SIGNAL_NOT_FOUND"}"#,
    )
    .await;
    // The resolution changes Interpret's answer, so this test can tell
    // the whole object from its type and code.
    let action = |i: &InterpretResponse| i.retry_advice.as_ref().unwrap().action;
    assert_ne!(action(&direct), action(&without_resolution));
    let item = &answer.items[0];
    assert_eq!(item.interpretation.as_ref().unwrap(), &direct);
    assert_eq!(item.signals, ["charge-voltage"]);
    let verdict = answer.verdict.as_ref().unwrap();
    assert_eq!(verdict.outcome(), VerdictOutcome::ActionRequired);
    assert_eq!(verdict.action, action(&direct));
    server.stop().await;
}

/// `GET /vehicles/{id}/signals/{code}` answers one signal resource, with
/// no `data` list around it: a signals response of one signal. Another
/// resource with `attributes` (a vehicle) is no signals response.
#[tokio::test]
async fn a_v3_single_signal_response_is_a_signals_response_of_one() {
    let mut server = TestServer::spawn().await;
    let resource = |status: &str| {
        format!(
            r#"{{"id":"charge-voltage","type":"signal","attributes":{{"code":"charge-voltage","name":"Voltage","group":"Charge","status":{status},"body":{{"unit":"volts","value":85}}}},"meta":{{"retrievedAt":1758668712404}},"links":{{"self":"/vehicles/v1/signals/charge-voltage"}}}}"#
        )
    };
    let failed = resource(
        r#"{"value":"ERROR","error":{"type":"COMPATIBILITY","code":"VEHICLE_NOT_CAPABLE"}}"#,
    );
    let answer = payload(&mut server, request(&failed, &["Charge.Voltage"])).await;
    assert_eq!(answer.payload_kind(), PayloadKind::SignalsResponse);
    assert!(answer.warnings.is_empty(), "{:?}", answer.warnings);
    assert_eq!(answer.items.len(), 1);
    let item = &answer.items[0];
    assert_eq!(item.signals, ["charge-voltage"]);
    assert!(item.relevant);
    let direct = interpret(
        &mut server,
        r#"{"type":"COMPATIBILITY","code":"VEHICLE_NOT_CAPABLE"}"#,
    )
    .await;
    assert_eq!(item.interpretation.as_ref().unwrap(), &direct);
    assert_eq!(
        answer.verdict.as_ref().unwrap().outcome(),
        VerdictOutcome::Unsupported
    );

    let succeeded = resource(r#"{"value":"SUCCESS"}"#);
    let answer = payload(&mut server, request(&succeeded, &["Charge.Voltage"])).await;
    assert_eq!(answer.payload_kind(), PayloadKind::SignalsResponse);
    assert!(answer.items.is_empty());
    assert!(answer.warnings.is_empty(), "{:?}", answer.warnings);

    let vehicle = r#"{"id":"v1","type":"vehicle","attributes":{"make":"TESLA","status":{"value":"ERROR","error":{"type":"SERVER","code":"INTERNAL"}}}}"#;
    let answer = payload(&mut server, request(vehicle, &[])).await;
    assert_eq!(answer.payload_kind(), PayloadKind::Unrecognized);
    assert!(answer.items.is_empty());
    assert_eq!(reasons(&answer), ["NOT_A_PAYLOAD"]);
    server.stop().await;
}

#[tokio::test]
async fn a_legacy_delivery_about_several_vehicles_has_a_verdict_per_vehicle() {
    let mut server = TestServer::spawn().await;
    let body = r#"{"version":"2.0","webhookId":"w-1","eventName":"schedule","mode":"live","payload":{"vehicles":[
{"vehicleId":"car-a","requestId":"r1","data":[{"path":"/odometer","code":200,"body":{"distance":1}},{"path":"/battery","code":401,"headers":{},"body":{"type":"AUTHENTICATION","code":null}}]},
{"vehicleId":"car-b","requestId":"r2","data":[{"path":"/odometer","code":200,"body":{"distance":2}}]},
{"vehicleId":"car-c","requestId":"r3","data":[{"path":"/battery","code":409,"headers":{},"body":{"type":"VEHICLE_STATE","code":"ASLEEP"}}]}]}}"#;
    let answer = payload(&mut server, request(body, &[])).await;
    assert_eq!(answer.payload_kind(), PayloadKind::Webhook);
    let event = answer.event.as_ref().unwrap();
    assert_eq!(event.envelope(), WebhookEnvelope::Legacy2);
    assert_eq!(event.mode(), WebhookMode::Live);
    assert_eq!(
        event.vehicle_id, "",
        "several vehicles: each item names its own"
    );
    let items: Vec<_> = answer
        .items
        .iter()
        .map(|i| {
            let interp = i.interpretation.as_ref().unwrap();
            (
                i.vehicle_id.as_str(),
                interp.error_type.as_str(),
                i.paths.clone(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("car-a", "AUTHENTICATION", vec!["/battery".to_owned()]),
            ("car-c", "VEHICLE_STATE", vec!["/battery".to_owned()]),
        ]
    );
    let per: Vec<_> = answer
        .vehicle_verdicts
        .iter()
        .map(|v| (v.vehicle_id.as_str(), v.verdict.as_ref().unwrap().outcome()))
        .collect();
    assert_eq!(
        per,
        [
            ("car-a", VerdictOutcome::ActionRequired),
            ("car-b", VerdictOutcome::Ok),
            ("car-c", VerdictOutcome::ActionRequired),
        ]
    );
    // The payload's own verdict is the most urgent of them. Both items ask
    // for an action and retry after it (RETRY_AFTER_ACTION), so design
    // 3e's next tie-break decides: the longer delay, the sleeping car's.
    // Webhook items carry no delay, so Interpret says what it is.
    let verdict = answer.verdict.as_ref().unwrap();
    assert_eq!(verdict.outcome(), VerdictOutcome::ActionRequired);
    let mut direct = Vec::new();
    for body in [
        r#"{"type":"AUTHENTICATION","code":null}"#,
        r#"{"type":"VEHICLE_STATE","code":"ASLEEP"}"#,
    ] {
        let req = InterpretRequest {
            input: Some(Input::Body(body.into())),
            app_name: "Acme Fleet".into(),
            ..Default::default()
        };
        direct.push(server.ask(body, req).await.retry_advice.unwrap());
    }
    let [token, asleep] = [&direct[0], &direct[1]];
    assert_eq!(token.strategy, asleep.strategy);
    let seconds = |d: &Option<prost_types::Duration>| d.map_or(0, |d| d.seconds);
    assert!(seconds(&asleep.suggested_delay) > seconds(&token.suggested_delay));
    assert_eq!(verdict.deciding_item, Some(1));
    assert_eq!(
        verdict.reason,
        answer.items[1].interpretation.as_ref().unwrap().reason
    );
    server.stop().await;
}

#[tokio::test]
async fn signals_in_every_shape_are_matched_against_used_signals_by_code() {
    let mut server = TestServer::spawn().await;
    // The last two objects: a code written camelCase beside its group and
    // name (one of the API's signal pages does), and a recorded
    // delivery's group and name swapped beside a correct code.
    let errors = r#"[{"type":"PERMISSION","code":null,"resolution":{"type":"REAUTHENTICATE"},"state":"ERROR","signals":[
"Closure.IsLocked",{"code":"odometer-traveleddistance"},{"group":"Location","name":"IsAtHome"},
{"code":"chargeVoltage","name":"Voltage","group":"Charge"},
{"code":"closure-isopen","name":"Closure","group":"IsOpen"}]}]"#;
    let body = vehicle_error(errors);
    let answer = payload(&mut server, request(&body, &[])).await;
    assert_eq!(
        answer.items[0].signals,
        [
            "closure-islocked",
            "odometer-traveleddistance",
            "location-isathome",
            "charge-voltage",
            "closure-isopen"
        ]
    );
    // Each shape is found whichever way the caller names it.
    for used in [
        "closure-islocked",
        "Closure.IsLocked",
        "Odometer.TraveledDistance",
        "location-isathome",
        "Charge.Voltage",
        "closure-isopen",
    ] {
        let answer = payload(&mut server, request(&body, &[used])).await;
        assert!(answer.items[0].relevant, "{used}");
        assert_eq!(
            answer.verdict.as_ref().unwrap().outcome(),
            VerdictOutcome::ActionRequired,
            "{used}"
        );
    }
    let unused = payload(&mut server, request(&body, &["Charge.Amperage"])).await;
    assert!(!unused.items[0].relevant);
    assert_eq!(
        unused.verdict.as_ref().unwrap().outcome(),
        VerdictOutcome::Ok
    );
    server.stop().await;
}

/// A signal-scoped error whose `signals` name no signal this service can
/// read (a number, null, a name without its group, a blank string) is
/// still signal-scoped: it does not escalate to the vehicle ("reconnect
/// your car") when the caller names its used signals, and the entries
/// are counted in a warning, never dropped silently. A VEHICLE_STATE
/// list's entries that are no signal are counted the same way.
#[tokio::test]
async fn signal_entries_that_name_no_signal_keep_an_error_signal_scoped_and_are_counted() {
    let mut server = TestServer::spawn().await;
    let errors = r#"[{"type":"PERMISSION","code":null,"resolution":{"type":"REAUTHENTICATE"},"state":"ERROR",
"signals":[42,null,{"name":"IsLocked"},"  "]}]"#;
    let body = vehicle_error(errors);
    let count = |answer: &InterpretPayloadResponse| {
        answer
            .warnings
            .iter()
            .find(|w| w.reason == "SIGNAL_UNREADABLE")
            .map(|w| w.metadata["count"].clone())
    };

    let used = payload(&mut server, request(&body, &["closure-islocked"])).await;
    let item = &used.items[0];
    assert_eq!(item.extent(), ErrorExtent::Signals);
    assert!(item.signals.is_empty());
    assert!(!item.relevant);
    assert_eq!(used.verdict.as_ref().unwrap().outcome(), VerdictOutcome::Ok);
    assert_eq!(count(&used).as_deref(), Some("4"));

    // With no used signals every signal counts, these too, and says so.
    let all = payload(&mut server, request(&body, &[])).await;
    assert!(all.items[0].relevant);
    assert_eq!(
        all.verdict.as_ref().unwrap().outcome(),
        VerdictOutcome::ActionRequired
    );
    assert!(reasons(&all).contains(&"USED_SIGNALS_EMPTY"));
    assert_eq!(count(&all).as_deref(), Some("4"));

    // An empty list is vehicle-wide, as design 3e has it, and warns of
    // nothing unreadable.
    let wide = vehicle_error(
        r#"[{"type":"PERMISSION","code":null,"resolution":{"type":"REAUTHENTICATE"},"state":"ERROR","signals":[]}]"#,
    );
    let wide = payload(&mut server, request(&wide, &["closure-islocked"])).await;
    assert_eq!(wide.items[0].extent(), ErrorExtent::Vehicle);
    assert!(wide.items[0].relevant);
    assert_eq!(count(&wide), None);

    let state = r#"{"eventId":"5a537912","eventType":"VEHICLE_STATE","data":{"vehicle":{"id":"123e4567"},"signals":[
7,null,"Closure.IsLocked",
{"status":{"value":"ERROR","error":{"type":"PERMISSION","code":null}}},
{"code":"charge-voltage","status":{"value":"ERROR","error":{"type":"COMPATIBILITY","code":"VEHICLE_NOT_CAPABLE"}}},
{"code":"closure-islocked","status":{"value":"SUCCESS"}}]},"meta":{"version":"4.0","mode":"LIVE"}}"#;
    let answer = payload(&mut server, request(state, &["closure-islocked"])).await;
    assert_eq!(count(&answer).as_deref(), Some("4"));
    let permission = answer
        .items
        .iter()
        .find(|i| i.interpretation.as_ref().unwrap().error_type == "PERMISSION")
        .unwrap();
    assert!(permission.signals.is_empty() && !permission.relevant);
    assert_eq!(
        answer.verdict.as_ref().unwrap().outcome(),
        VerdictOutcome::Ok
    );
    server.stop().await;
}
