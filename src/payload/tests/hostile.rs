//! Hostile payloads (design §3e): bodies that are no payload, lists that
//! are not lists, repeated keys, deep nesting, 100,000 signals.

use super::*;

#[test]
fn bodies_that_are_no_payload_are_unrecognized_never_errors() {
    for (body, kind) in [
        (
            "<html>502 Bad Gateway</html>",
            PayloadWarningKind::BodyNotJson,
        ),
        ("[1,2]", PayloadWarningKind::NotAPayload),
        ("\"text\"", PayloadWarningKind::NotAPayload),
        (r#"{"type":"PERMISSION"}"#, PayloadWarningKind::NotAPayload),
        (r#"{"data":{"errors":[]}}"#, PayloadWarningKind::NotAPayload),
        (
            r#"{"eventType":"VEHICLE_ERROR","data":{}} trailing"#,
            PayloadWarningKind::BodyNotJson,
        ),
    ] {
        let answer = run(body, &[]);
        assert_eq!(answer.kind, PayloadKind::Unrecognized, "{body}");
        assert_eq!(kinds(&answer), [kind], "{body}");
        assert_eq!(answer.verdict.outcome, Outcome::Ok);
    }
}

#[test]
fn errors_that_are_not_a_list_are_read_as_none() {
    for errors in [r#"{"type":"PERMISSION"}"#, r#""PERMISSION""#, "42"] {
        let body = vehicle_error(errors);
        let answer = run(&body, &[]);
        assert_eq!(answer.kind, PayloadKind::Webhook);
        assert!(answer.items.is_empty());
        assert_eq!(kinds(&answer), [PayloadWarningKind::NotAList]);
    }
    let body = vehicle_error(r#"[{"code":"X"}, 7, "s"]"#);
    let answer = run(&body, &[]);
    assert!(answer.items.is_empty());
    assert_eq!(kinds(&answer), [PayloadWarningKind::ErrorSkipped]);
}

#[test]
fn duplicate_keys_are_read_again_never_failing() {
    let body = format!(
        r#"{{"eventType":"VERIFY","eventType":"VEHICLE_ERROR","data":{{"errors":[{PERMISSION_WIDE}],"vehicle":{{"id":"a"}},"vehicle":{{"id":"b"}},"errors":[{COMPATIBILITY_SIGNALS}]}},"data":{{"user":{{"id":"u"}}}}}}"#
    );
    let answer = run(&body, &[]);
    let event = answer.event.as_ref().unwrap();
    assert_eq!(event.event_type, EventType::VehicleError);
    assert_eq!(event.user_id.as_deref(), Some("u"));
    assert_eq!(answer.items.len(), 2);
    assert_eq!(answer.verdict.outcome, Outcome::ActionRequired);
}

#[test]
fn deep_nesting_stops_at_the_parser_limit_with_a_warning() {
    let nested = |depth: usize| {
        let signal = format!(
            r#"{{"code":"x-y","body":{}{},"status":{{"value":"ERROR","error":{{"type":"SERVER","code":"INTERNAL"}}}}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        );
        format!(r#"{{"eventType":"VEHICLE_STATE","data":{{"signals":[{signal}]}}}}"#)
    };
    // Values the scan skips are skipped by serde_json without recursion,
    // at any depth.
    let body = nested(100_000);
    let fine = run(&body, &[]);
    assert_eq!(fine.items.len(), 1);
    // Values it reads (here `attributes` inside `attributes`) recurse, and
    // stop at serde_json's 128 levels.
    let body = format!(
        r#"{{"data":[{}{{}}{}]}}"#,
        r#"{"attributes":"#.repeat(200),
        "}".repeat(200)
    );
    let deep = run(&body, &[]);
    assert_eq!(deep.kind, PayloadKind::Unrecognized);
    assert_eq!(kinds(&deep), [PayloadWarningKind::DepthLimitReached]);
}

#[test]
fn a_hundred_thousand_signals_keep_memory_bounded_by_the_limits() {
    let failed = r#"{"code":"c","status":{"value":"ERROR","error":{"type":"COMPATIBILITY","code":"VEHICLE_NOT_CAPABLE"}}}"#;
    let ok = r#"{"code":"charge-voltage","status":{"value":"SUCCESS"},"body":{"value":85}}"#;
    for (signal, items) in [(failed, 1), (ok, 0)] {
        let signals = vec![signal; 100_000].join(",");
        let body = format!(r#"{{"eventType":"VEHICLE_STATE","data":{{"signals":[{signals}]}}}}"#);
        let answer = run(&body, &[]);
        assert_eq!(answer.items.len(), items);
        if items == 1 {
            assert_eq!(answer.items[0].signals.len(), Limits::default().max_signals);
            assert!(kinds(&answer).contains(&PayloadWarningKind::SignalLimitReached));
        }
    }
    // 100,000 distinct errors: the item limit.
    let distinct: Vec<String> = (0..100_000)
        .map(|i| format!(r#"{{"status":{{"error":{{"type":"T{i}","code":"C"}}}}}}"#))
        .collect();
    let body = format!(
        r#"{{"eventType":"VEHICLE_STATE","data":{{"signals":[{}]}}}}"#,
        distinct.join(",")
    );
    let answer = run(&body, &[]);
    assert_eq!(answer.items.len(), Limits::default().max_items);
    assert!(kinds(&answer).contains(&PayloadWarningKind::ItemLimitReached));
}
