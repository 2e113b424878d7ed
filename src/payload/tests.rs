//! Payload tests, built from the API's documented shapes (the webhook
//! event pages for VERIFY, VEHICLE_STATE and VEHICLE_ERROR, the 2.0
//! tutorials, the v3 signals and v2 batch responses) and from the hostile
//! inputs design §3e names. Each asserts the items, their relevance, the
//! verdict and the cleared reasons.

use std::time::{Duration, SystemTime};

use super::*;
use crate::catalog::{Action, Scope};
use crate::interpret::{Context, DelayReason, Input, interpret};

fn catalog() -> &'static Catalog {
    static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| Catalog::embedded().unwrap())
}

fn run<'a>(body: &'a str, used: &'a [&'a str]) -> PayloadAnswer<'static, 'a> {
    interpret_payload(catalog(), &request(body, used)).unwrap()
}

fn request<'a>(body: &'a str, used: &'a [&'a str]) -> PayloadRequest<'a, &'a str> {
    PayloadRequest {
        body,
        used_signals: used,
        limits: Limits::default(),
        now: SystemTime::now(),
        operation: None,
    }
}

/// The reason `Interpret` gives a structured type and code: the payload
/// must answer with the same.
fn reason(error_type: &str, code: &str) -> &'static str {
    let input = Input::Structured { error_type, code };
    interpret(catalog(), input, &Context::default())
        .unwrap()
        .reason
}

fn kinds(answer: &PayloadAnswer<'_, '_>) -> Vec<PayloadWarningKind> {
    answer.warnings.iter().map(|w| w.kind).collect()
}

/// A v4 VEHICLE_ERROR delivery around `errors` (the event page's shape).
fn vehicle_error(errors: &str) -> String {
    format!(
        r#"{{"eventId":"1821c036-71cb-408f-8dee-2989b9764307","eventType":"VEHICLE_ERROR",
        "data":{{"user":{{"id":"2fbd0033"}},"vehicle":{{"id":"a1d50709","make":"VOLKSWAGEN","model":"ID.4","year":2021}},
        "errors":{errors}}},
        "meta":{{"version":"4.0","deliveryId":"49c3f6bb","deliveredAt":1758224204078,"webhookId":"5a8e5e38","mode":"LIVE"}}}}"#
    )
}

const PERMISSION_WIDE: &str = r#"{"type":"PERMISSION","code":null,"description":"Your application has insufficient permissions to access the requested resource.","docURL":"https://smartcar.com/docs/errors/api-errors/permission-errors#null","resolution":{"type":"REAUTHENTICATE"},"state":"ERROR"}"#;
const PERMISSION_SIGNALS: &str = r#"{"type":"PERMISSION","code":null,"resolution":{"type":"REAUTHENTICATE"},"state":"ERROR","signals":[{"name":"Permissions","group":"VehicleUserAccount","code":"vehicleuseraccount-permissions"},{"name":"Role","group":"VehicleUserAccount","code":"vehicleuseraccount-role"}]}"#;
const COMPATIBILITY_SIGNALS: &str = r#"{"type":"COMPATIBILITY","code":"VEHICLE_NOT_CAPABLE","description":"The vehicle is incapable of performing your request.","resolution":{"type":null},"suggestedUserMessage":"Your car is unable to perform this request.","state":"ERROR","signals":["VehicleIdentification.Nickname","InternalCombustionEngine.FuelLevel"]}"#;

#[test]
fn vehicle_wide_permission_is_relevant_with_or_without_used_signals() {
    let body = vehicle_error(&format!("[{PERMISSION_WIDE}]"));
    for used in [&[][..], &["tractionbattery-stateofcharge"][..]] {
        let answer = run(&body, used);
        assert_eq!(answer.kind, PayloadKind::Webhook);
        let event = answer.event.as_ref().unwrap();
        assert_eq!(event.event_type, EventType::VehicleError);
        assert_eq!(event.vehicle_id.as_deref(), Some("a1d50709"));
        assert_eq!(event.user_id.as_deref(), Some("2fbd0033"));
        assert_eq!(event.delivery_id.as_deref(), Some("49c3f6bb"));
        assert_eq!(event.mode, Mode::Live);
        assert_eq!(
            event.delivered_at,
            Some(DeliveredAt::EpochMillis(1_758_224_204_078))
        );
        let [item] = answer.items.as_slice() else {
            panic!("{:?}", answer.items)
        };
        assert_eq!(item.extent, Extent::Vehicle);
        assert!(item.relevant);
        assert_eq!(item.interpretation.reason, reason("PERMISSION", ""));
        assert_eq!(item.interpretation.advice.action, Action::UserReconnect);
        assert_eq!(answer.verdict.outcome, Outcome::ActionRequired);
        assert_eq!(answer.verdict.deciding_item, Some(0));
        assert!(!kinds(&answer).contains(&PayloadWarningKind::UsedSignalsEmpty));
    }
}

#[test]
fn signal_scoped_permission_escalates_only_through_a_used_signal() {
    let body = vehicle_error(&format!("[{PERMISSION_SIGNALS}]"));
    let unused = run(&body, &["tractionbattery-stateofcharge"]);
    assert_eq!(unused.items[0].extent, Extent::Signals);
    assert_eq!(
        unused.items[0].signals,
        ["vehicleuseraccount-permissions", "vehicleuseraccount-role"]
    );
    assert!(!unused.items[0].relevant);
    assert_eq!(unused.verdict.outcome, Outcome::Ok);
    assert_eq!(unused.verdict.deciding_item, None);

    let used = run(&body, &["VehicleUserAccount.Role"]);
    assert!(used.items[0].relevant);
    assert_eq!(used.verdict.outcome, Outcome::ActionRequired);
    assert!(!kinds(&used).contains(&PayloadWarningKind::UsedSignalsEmpty));

    let all = run(&body, &[]);
    assert!(all.items[0].relevant);
    assert_eq!(all.verdict.outcome, Outcome::ActionRequired);
    assert!(kinds(&all).contains(&PayloadWarningKind::UsedSignalsEmpty));
}

#[test]
fn an_action_outranks_an_incompatibility_only_through_used_signals() {
    // The event page's mix: a COMPATIBILITY error over strings and a
    // PERMISSION over an object signal.
    let permission = r#"{"type":"PERMISSION","code":null,"resolution":{"type":"REAUTHENTICATE"},"state":"ERROR","signals":[{"name":"Closure","group":"IsLocked","code":"closure-islocked"}]}"#;
    let body = vehicle_error(&format!("[{COMPATIBILITY_SIGNALS},{permission}]"));
    let both = run(&body, &[]);
    assert_eq!(both.items.len(), 2);
    assert_eq!(
        both.items[0].signals,
        [
            "vehicleidentification-nickname",
            "internalcombustionengine-fuellevel"
        ]
    );
    assert_eq!(both.verdict.outcome, Outcome::ActionRequired);
    assert_eq!(both.verdict.deciding_item, Some(1));

    let fuel = run(&body, &["InternalCombustionEngine.FuelLevel"]);
    assert_eq!(fuel.verdict.outcome, Outcome::Unsupported);
    assert_eq!(
        fuel.verdict.reason,
        Some(reason("COMPATIBILITY", "VEHICLE_NOT_CAPABLE"))
    );
    assert!(!fuel.items[1].relevant);
}

#[test]
fn a_resolved_event_clears_its_reason() {
    let resolved = PERMISSION_WIDE.replace(r#""state":"ERROR""#, r#""state":"RESOLVED""#);
    let body = vehicle_error(&format!("[{resolved}]"));
    let answer = run(&body, &[]);
    assert_eq!(answer.items[0].state, ItemState::Resolved);
    assert_eq!(answer.verdict.outcome, Outcome::Ok);
    assert_eq!(answer.verdict.cleared_reasons, [reason("PERMISSION", "")]);

    // Not cleared while a relevant ERROR item still fails with it.
    let body = vehicle_error(&format!("[{resolved},{PERMISSION_SIGNALS}]"));
    let answer = run(&body, &["vehicleuseraccount-role"]);
    assert_eq!(answer.items.len(), 2);
    assert_eq!(answer.verdict.outcome, Outcome::ActionRequired);
    assert!(answer.verdict.cleared_reasons.is_empty());
}

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

#[test]
fn a_vehicle_state_delivery_groups_failed_signals_by_type_and_code() {
    let answer = run(VEHICLE_STATE, &[]);
    assert_eq!(
        answer.event.as_ref().unwrap().event_type,
        EventType::VehicleState
    );
    let items: Vec<_> = answer
        .items
        .iter()
        .map(|i| (i.interpretation.reason, i.signals.clone(), i.extent))
        .collect();
    assert_eq!(
        items,
        [
            (
                reason("COMPATIBILITY", "VEHICLE_NOT_CAPABLE"),
                vec!["location-isathome".into(), "charge-voltage".into()],
                Extent::Signals
            ),
            (
                reason("SERVER", "INTERNAL"),
                vec!["odometer-traveleddistance".into()],
                Extent::Signals
            ),
            (
                reason("PERMISSION", ""),
                vec!["closure-islocked".into()],
                Extent::Signals
            ),
        ]
    );
    assert!(
        answer
            .items
            .iter()
            .all(|i| i.vehicle_id.as_deref() == Some("123e4567"))
    );
    // The PERMISSION is not hidden behind the COMPATIBILITY.
    assert_eq!(answer.verdict.outcome, Outcome::ActionRequired);
    assert_eq!(answer.verdict.deciding_item, Some(2));

    let odometer = run(
        VEHICLE_STATE,
        &["odometer-traveleddistance", "Location.IsAtHome"],
    );
    assert_eq!(
        odometer
            .items
            .iter()
            .map(|i| i.relevant)
            .collect::<Vec<_>>(),
        [true, true, false]
    );
    assert_eq!(odometer.verdict.outcome, Outcome::Wait);
    assert_eq!(odometer.verdict.deciding_item, Some(1));

    let soc = run(VEHICLE_STATE, &["tractionbattery-stateofcharge"]);
    assert_eq!(soc.verdict.outcome, Outcome::Ok);
}

#[test]
fn a_legacy_verify_carries_its_challenge() {
    let body = r#"{"version":"2.0","webhookId":"865ca68d","eventName":"verify","payload":{"challenge":"3f9a1c2e-77b0"}}"#;
    let answer = run(body, &[]);
    assert_eq!(answer.kind, PayloadKind::Webhook);
    let event = answer.event.unwrap();
    assert_eq!(event.envelope, Envelope::Legacy2);
    assert_eq!(event.event_type, EventType::Verify);
    assert_eq!(event.name, "verify");
    assert_eq!(event.webhook_id.as_deref(), Some("865ca68d"));
    assert_eq!(event.version.as_deref(), Some("2.0"));
    assert_eq!(event.challenge.as_deref(), Some("3f9a1c2e-77b0"));
    assert!(answer.items.is_empty());
    assert_eq!(answer.verdict.outcome, Outcome::Ok);
}

#[test]
fn a_v4_verify_carries_its_challenge_and_a_bad_one_is_dropped() {
    let body = r#"{"eventId":"52f6e0bb","eventType":"VERIFY","data":{"challenge":"a1b2c3"},"meta":{"version":"4.0","webhookId":"5a8e5e38","webhookName":"Example Webhook","deliveryId":"5d569643","deliveredAt":"2025-07-31T19:38:42.332Z"}}"#;
    let answer = run(body, &[]);
    let event = answer.event.unwrap();
    assert_eq!(event.envelope, Envelope::V4);
    assert_eq!(event.event_type, EventType::Verify);
    assert_eq!(event.challenge.as_deref(), Some("a1b2c3"));
    assert_eq!(
        event.delivered_at,
        Some(DeliveredAt::Text("2025-07-31T19:38:42.332Z".into()))
    );
    assert_eq!(event.mode, Mode::Unspecified);

    let hostile = body.replace("a1b2c3", "{\\\"sign\\\": \\\"me\\\"}");
    let answer = run(&hostile, &[]);
    assert_eq!(kinds(&answer), [PayloadWarningKind::ChallengeInvalid]);
    assert_eq!(answer.event.unwrap().challenge, None);
}

/// The clients answer only challenges of `[A-Za-z0-9._~-]` (an unreserved
/// URL character set): the server passes on exactly those, so what it
/// hands a caller is what the caller's receiver would sign.
#[test]
fn a_challenge_is_passed_on_only_in_the_clients_character_set() {
    let body = r#"{"eventId":"e","eventType":"VERIFY","data":{"challenge":"CHALLENGE"}}"#;
    let (longest, too_long) = ("a".repeat(256), "a".repeat(257));
    for (challenge, passed) in [
        ("aZ09-._~", true),
        (longest.as_str(), true),
        (too_long.as_str(), false),
        ("abc+def", false),
        ("abc/def", false),
        ("abc=", false),
        ("abc def", false),
    ] {
        let delivery = body.replace("CHALLENGE", challenge);
        let got = run(&delivery, &[]).event.unwrap().challenge;
        assert_eq!(got.as_deref(), passed.then_some(challenge), "{challenge}");
    }
}

#[test]
fn an_unknown_event_type_is_kept_by_name() {
    let body = r#"{"eventId":"e1","eventType":"CHARGING_STARTED","data":{"vehicle":{"id":"v1"}},"meta":{"mode":"test"}}"#;
    let answer = run(body, &[]);
    let event = answer.event.unwrap();
    assert_eq!(event.event_type, EventType::Unknown);
    assert_eq!(event.name, "CHARGING_STARTED");
    assert_eq!(event.mode, Mode::Test);
    assert_eq!(event.mode_name.as_deref(), Some("test"));
    assert_eq!(answer.verdict.outcome, Outcome::Ok);
}

/// A v2 batch response: a success, a 429 with its own Retry-After and
/// request id (header names in another case), and a 409.
const BATCH: &str = r#"{"responses":[
{"path":"/odometer","code":200,"headers":{"sc-data-age":"2024-01-01T00:00:00.000Z"},"body":{"distance":1234.5}},
{"path":"/battery","code":429,"headers":{"Retry-After":"30","SC-Request-Id":"req-429"},"body":{"type":"RATE_LIMIT","code":"VEHICLE","description":"You have reached the throttling rate limit for this vehicle.","statusCode":429,"resolution":{"type":"RETRY_LATER"}}},
{"path":"/security","code":"409","headers":{"sc-request-id":"req-409"},"body":{"type":"VEHICLE_STATE","code":"ASLEEP","statusCode":409,"resolution":{"type":null}}}
]}"#;

#[test]
fn batch_sub_responses_keep_their_own_headers() {
    let answer = run(BATCH, &[]);
    assert_eq!(answer.kind, PayloadKind::BatchResponse);
    assert!(answer.event.is_none());
    let [limit, asleep] = answer.items.as_slice() else {
        panic!("{:?}", answer.items)
    };
    assert_eq!(limit.paths, ["/battery"]);
    assert_eq!(limit.extent, Extent::Path);
    assert!(limit.relevant);
    assert_eq!(limit.interpretation.advice.delay, Duration::from_secs(30));
    assert_eq!(
        limit.interpretation.advice.delay_reason,
        DelayReason::RetryAfter
    );
    assert_eq!(limit.interpretation.request_id.as_deref(), Some("req-429"));
    assert_eq!(limit.interpretation.http_status, Some(429));
    assert_eq!(asleep.paths, ["/security"]);
    assert_eq!(asleep.interpretation.request_id.as_deref(), Some("req-409"));
    // Exactly what Interpret answers for the same body and headers.
    let ctx = Context {
        http_status: 429,
        retry_after: "30",
        request_id: "req-429",
        now: Some(SystemTime::now()),
        operation: None,
    };
    let body = r#"{"type":"RATE_LIMIT","code":"VEHICLE","statusCode":429,"resolution":{"type":"RETRY_LATER"}}"#;
    let direct = interpret(catalog(), Input::Body(body), &ctx).unwrap();
    assert_eq!(limit.interpretation.reason, direct.reason);
    assert_eq!(limit.interpretation.advice, direct.advice);
    // ASLEEP asks the driver to start the car: an action outranks a wait.
    assert_eq!(asleep.interpretation.advice.action, Action::DriverAtVehicle);
    assert_eq!(answer.verdict.outcome, Outcome::ActionRequired);
    assert_eq!(answer.verdict.deciding_item, Some(1));
}

#[test]
fn batch_sub_responses_merge_only_when_their_answers_are_the_same() {
    let twice = r#"{"responses":[
{"path":"/battery","code":429,"headers":{"retry-after":"30"},"body":{"type":"RATE_LIMIT","code":"VEHICLE"}},
{"path":"/charge","code":429,"headers":{"retry-after":"30"},"body":{"type":"RATE_LIMIT","code":"VEHICLE"}},
{"path":"/fuel","code":429,"headers":{"retry-after":"60"},"body":{"type":"RATE_LIMIT","code":"VEHICLE"}},
{"path":"/tires","code":429,"headers":{"retry-after":"30"},"body":{"code":"VEHICLE","type":"RATE_LIMIT"}}
]}"#;
    let answer = run(twice, &[]);
    let paths: Vec<Vec<&str>> = answer
        .items
        .iter()
        .map(|i| i.paths.iter().map(|p| p.as_ref()).collect())
        .collect();
    assert_eq!(
        paths,
        [vec!["/battery", "/charge", "/tires"], vec!["/fuel"]]
    );
    // Ties go to the longer delay.
    assert_eq!(answer.verdict.deciding_item, Some(1));
}

#[test]
fn a_v3_signals_response_and_a_legacy_delivery_about_several_vehicles() {
    let v3 = r#"{"data":[{"id":"s1","type":"signal","attributes":{"code":"charge-voltage","name":"Voltage","group":"Charge","status":{"value":"SUCCESS"},"body":{"unit":"volts","value":85}}},
{"id":"s2","type":"signal","attributes":{"name":"IsLocked","group":"Closure","status":{"value":"ERROR","error":{"type":"UPSTREAM","code":"NO_RESPONSE"}}}}],"meta":{"page":1}}"#;
    let answer = run(v3, &[]);
    assert_eq!(answer.kind, PayloadKind::SignalsResponse);
    assert_eq!(answer.items[0].signals, ["closure-islocked"]);
    assert_eq!(kinds(&answer), [PayloadWarningKind::UsedSignalsEmpty]);
    assert_eq!(answer.verdict.outcome, Outcome::Wait);
    let untyped = v3.replace(r#""type":"UPSTREAM","#, "");
    let answer = run(&untyped, &[]);
    assert!(answer.items.is_empty());
    assert_eq!(kinds(&answer), [PayloadWarningKind::ErrorSkipped]);

    let legacy = r#"{"version":"2.0","webhookId":"w","eventName":"schedule","mode":"live","payload":{"vehicles":[
{"vehicleId":"car-a","requestId":"r1","data":[{"path":"/odometer","code":200,"body":{"distance":1}},{"path":"/battery","code":401,"headers":{},"body":{"type":"AUTHENTICATION","code":null}}]},
{"vehicleId":"car-b","requestId":"r2","data":[{"path":"/odometer","code":200,"body":{"distance":2}}]}]}}"#;
    let answer = run(legacy, &[]);
    assert_eq!(answer.event.as_ref().unwrap().mode, Mode::Live);
    assert_eq!(answer.items.len(), 1);
    assert_eq!(answer.items[0].vehicle_id.as_deref(), Some("car-a"));
    assert_eq!(answer.verdict.outcome, Outcome::ActionRequired);
    let per: Vec<_> = answer
        .vehicle_verdicts
        .iter()
        .map(|v| (v.vehicle_id.as_ref(), v.verdict.outcome))
        .collect();
    assert_eq!(
        per,
        [("car-a", Outcome::ActionRequired), ("car-b", Outcome::Ok)]
    );
}

#[test]
fn signals_of_every_shape_become_codes() {
    let errors = r#"[{"type":"COMPATIBILITY","code":"SMARTCAR_NOT_CAPABLE","state":"ERROR","signals":[
"Closure.IsLocked"," charge-voltage ",{"code":"Odometer-TraveledDistance"},{"group":"Location","name":"IsAtHome"},
{"name":"NoGroup"},42,null,["x"],"TractionBattery.StateOfCharge"]}]"#;
    let body = vehicle_error(errors);
    let answer = run(&body, &[]);
    assert_eq!(
        answer.items[0].signals,
        [
            "closure-islocked",
            "charge-voltage",
            "odometer-traveleddistance",
            "location-isathome",
            "tractionbattery-stateofcharge"
        ]
    );
    assert_eq!(signal_code("Closure.IsLocked"), "closure-islocked");
}

#[test]
fn used_signals_are_checked() {
    let body = vehicle_error("[]");
    let err = |used: &[&str]| interpret_payload(catalog(), &request(&body, used)).unwrap_err();
    let long = "a".repeat(129);
    assert_eq!(err(&[long.as_str()]).reason(), "FIELD_TOO_LONG");
    assert_eq!(err(&["ok", "a.b.c"]).field(), "used_signals[1]");
    assert_eq!(err(&["has space"]).reason(), "MALFORMED_FIELD");
    assert_eq!(err(&[" "]).reason(), "EMPTY_FIELD");
    let many = vec!["a"; MAX_USED_SIGNALS + 1];
    assert_eq!(err(&many).field(), "used_signals");
    assert!(interpret_payload(catalog(), &request(&body, &["a"; MAX_USED_SIGNALS])).is_ok());
    let empty = interpret_payload(catalog(), &request("  ", &[])).unwrap_err();
    assert_eq!(
        (empty.field().as_ref(), empty.reason()),
        ("body", "EMPTY_BODY")
    );
}

/// Design 3e's tie-break inside one outcome, after the strategy and the
/// delay: the broader retry scope wins, and only then vehicle-wide
/// before signal-scoped.
#[test]
fn ties_go_to_the_broader_scope_then_to_vehicle_wide() {
    let input = Input::Structured {
        error_type: "RATE_LIMIT",
        code: "VEHICLE",
    };
    let base = interpret(catalog(), input, &Context::default()).unwrap();
    let item = |scope: Scope, extent: Extent| {
        let mut interpretation = base.clone();
        interpretation.advice.scope = scope;
        Item {
            interpretation,
            state: ItemState::Error,
            extent,
            signals: Vec::new(),
            paths: Vec::new(),
            vehicle_id: None,
            relevant: true,
        }
    };
    // The broader scope wins although it is signal-scoped and comes last.
    let items = [
        item(Scope::Call, Extent::Vehicle),
        item(Scope::Application, Extent::Signals),
        item(Scope::Vehicle, Extent::Vehicle),
    ];
    let verdict = verdict::decide(&items);
    assert_eq!(verdict.outcome, Outcome::Wait);
    assert_eq!(verdict.deciding_item, Some(1));
    // Same scope: vehicle-wide first.
    let items = [
        item(Scope::Vehicle, Extent::Signals),
        item(Scope::Vehicle, Extent::Vehicle),
    ];
    assert_eq!(verdict::decide(&items).deciding_item, Some(1));
}

mod hostile;

/// The caller's operation reaches the items of a batch response and a
/// signals response, which answer the caller's own requests, and never a
/// webhook delivery's (a VEHICLE_ERROR object or a failed signal of a
/// VEHICLE_STATE event), which answer none.
#[test]
fn the_operation_reaches_batch_and_signals_items_not_webhook_ones() {
    use crate::catalog::Operation;
    use crate::interpret::DecisionSource;
    let not_charging = r#"{"type":"VEHICLE_STATE","code":"NOT_CHARGING"}"#;
    let batch = format!(
        r#"{{"responses":[{{"path":"/charge","code":409,"headers":{{}},"body":{not_charging}}}]}}"#
    );
    let signals = r#"{"data":[{"id":"s1","type":"signal","attributes":{"code":"charge-chargingstate","status":{"value":"ERROR","error":{"type":"VEHICLE_STATE","code":"NOT_CHARGING"}}}}]}"#;
    let event_error =
        vehicle_error(r#"[{"type":"VEHICLE_STATE","code":"NOT_CHARGING","state":"ERROR"}]"#);
    let event_signal = VEHICLE_STATE.replace(
        r#"{"code":"INTERNAL","type":"SERVER"}"#,
        r#"{"code":"NOT_CHARGING","type":"VEHICLE_STATE"}"#,
    );
    let read = |body: &str| {
        let request = PayloadRequest {
            operation: Some(Operation::Read),
            ..request(body, &[])
        };
        let answer = interpret_payload(catalog(), &request).unwrap();
        let item = answer
            .items
            .iter()
            .find(|i| i.interpretation.error_code.as_deref() == Some("NOT_CHARGING"))
            .unwrap_or_else(|| panic!("no NOT_CHARGING item in {body}"))
            .interpretation
            .clone();
        (answer.kind, item.reason, item.decided_by)
    };
    for (body, kind) in [
        (batch.as_str(), PayloadKind::BatchResponse),
        (signals, PayloadKind::SignalsResponse),
    ] {
        assert_eq!(
            read(body),
            (
                kind,
                "VEHICLE_STATE_NOT_CHARGING_NO_SESSION",
                DecisionSource::Operation
            ),
            "{body}"
        );
    }
    for body in [event_error.as_str(), event_signal.as_str()] {
        assert_eq!(
            read(body),
            (
                PayloadKind::Webhook,
                "VEHICLE_STATE_NOT_CHARGING",
                DecisionSource::Catalog
            ),
            "{body}"
        );
    }
}

/// A failed signal's error object that says more than its type and code
/// (v3's `resolution`) groups only with the same object, so an item's
/// answer never depends on which signal came first; plain `{type, code}`
/// errors still group by type and code, an integer code under its digits.
#[test]
fn signal_errors_group_by_what_decides_their_answer() {
    let signal = |code: &str, error: &str| {
        format!(
            r#"{{"type":"signal","attributes":{{"code":"{code}","status":{{"value":"ERROR","error":{error}}}}}}}"#
        )
    };
    let reauthenticate = r#"{"type":"SignalError","code":"SIGNAL_NOT_FOUND","resolution":{"type":"REAUTHENTICATE"}}"#;
    let bare = r#"{"type":"SignalError","code":"SIGNAL_NOT_FOUND"}"#;
    let (a, b) = (
        signal("charge-voltage", reauthenticate),
        signal("closure-islocked", bare),
    );
    for body in [
        format!(r#"{{"data":[{a},{b}]}}"#),
        format!(r#"{{"data":[{b},{a}]}}"#),
    ] {
        let answer = run(&body, &[]);
        assert_eq!(answer.items.len(), 2, "{body}");
        let of = |signal: &str| {
            let item = answer.items.iter().find(|i| i.signals == [signal]).unwrap();
            item.interpretation.advice.action
        };
        assert_ne!(of("charge-voltage"), of("closure-islocked"), "{body}");
        assert_eq!(answer.verdict.outcome, Outcome::ActionRequired, "{body}");
    }

    // Key order differs, type and code do not: one item.
    let plain = format!(
        r#"{{"data":[{},{}]}}"#,
        signal("a-b", r#"{"type":"SERVER","code":"INTERNAL"}"#),
        signal("c-d", r#"{"code":"INTERNAL","type":"SERVER"}"#)
    );
    let answer = run(&plain, &[]);
    assert_eq!(answer.items.len(), 1);
    assert_eq!(answer.items[0].signals, ["a-b", "c-d"]);

    // Integer codes are codes: 1 and 2 are two errors, not one under "".
    let numbered = format!(
        r#"{{"data":[{},{}]}}"#,
        signal("a-b", r#"{"type":"SERVER","code":1}"#),
        signal("c-d", r#"{"type":"SERVER","code":2}"#)
    );
    let answer = run(&numbered, &[]);
    let codes: Vec<_> = answer
        .items
        .iter()
        .map(|i| i.interpretation.error_code.as_deref())
        .collect();
    assert_eq!(codes, [Some("1"), Some("2")]);
}

/// A signal's `status` naming `error` again as null keeps the error it
/// named first (as a repeated key never erased a read error).
#[test]
fn a_repeated_null_error_does_not_hide_a_failed_signal() {
    let body = r#"{"data":[{"type":"signal","attributes":{"code":"a-b","status":{"value":"ERROR","error":{"type":"SERVER","code":"INTERNAL"},"error":null}}}]}"#;
    let answer = run(body, &[]);
    assert_eq!(answer.items.len(), 1);
    assert_eq!(
        answer.items[0].interpretation.reason,
        reason("SERVER", "INTERNAL")
    );
}

/// A top-level `attributes` is a signal only in a single-signal response
/// (`type: "signal"`, in either order); beside a batch's `responses` or a
/// `data` list it adds nothing.
#[test]
fn a_stray_top_level_attributes_adds_no_item() {
    let failed = r#""attributes":{"code":"a-b","status":{"value":"ERROR","error":{"type":"SERVER","code":"INTERNAL"}}}"#;
    let single = format!(r#"{{{failed},"type":"signal"}}"#);
    let single = run(&single, &[]);
    assert_eq!(single.kind, PayloadKind::SignalsResponse);
    assert_eq!(single.items.len(), 1);

    let batch = format!(
        r#"{{"type":"signal",{failed},"responses":[{{"path":"/battery","code":401,"body":{{"type":"AUTHENTICATION","code":null}}}}]}}"#
    );
    let answer = run(&batch, &[]);
    assert_eq!(answer.kind, PayloadKind::BatchResponse);
    assert_eq!(answer.items.len(), 1);
    assert_eq!(answer.items[0].paths, ["/battery"]);

    let list = format!(r#"{{"type":"signal",{failed},"data":[]}}"#);
    let answer = run(&list, &[]);
    assert_eq!(answer.kind, PayloadKind::SignalsResponse);
    assert!(answer.items.is_empty());
}
