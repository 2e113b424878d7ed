use std::time::Duration;

use serde_json::json;

use super::*;
use crate::catalog::RetryStrategy;

fn base() -> Catalog {
    Catalog::embedded().unwrap()
}

fn apply(overlay: &serde_json::Value) -> Result<Catalog, OverlayError> {
    Overlay::from_bytes(overlay.to_string().as_bytes())?.apply(&base())
}

/// The path of the field an invalid overlay is rejected for.
fn rejected_path(overlay: &serde_json::Value) -> String {
    match apply(overlay) {
        Err(OverlayError::Invalid { path, .. }) => path,
        other => panic!(
            "expected Invalid for {overlay}, got {:?}",
            other.map(|_| ())
        ),
    }
}

/// An empty overlay changes nothing.
#[test]
fn empty_overlay_is_the_base() {
    let patched = apply(&json!({})).unwrap();
    let base = base();
    assert_eq!(patched.list().len(), base.list().len());
    for (a, b) in patched.list().iter().zip(base.list()) {
        assert_eq!(a.code, b.code);
        assert_eq!(a.user_message, b.user_message);
        assert_eq!(a.retry, b.retry);
        assert!(a.localized.is_empty());
    }
}

/// Overridden fields change, derived forms follow, and every other entry
/// and field stays as documented.
#[test]
fn overrides_patch_only_the_named_fields() {
    let patched = apply(&json!({
        "$comment": "ops overrides",
        "defaultAppName": "Fleet",
        "entries": {
            "DOOR_OPEN": {
                "userMessage": { "text": "Close the doors, then open <app name> again.", "bullets": ["Driver door"] },
                "suggestedResolution": { "text": "Close them." },
                "retry": { "delaySeconds": 45, "delayReason": "Our fleet's doors report slowly." }
            }
        }
    }))
    .unwrap();
    let base = base();
    let door = patched.get("door_open").unwrap().0.entry;
    assert_eq!(
        door.user_message.render("Fleet"),
        "Close the doors, then open Fleet again.\n• Driver door"
    );
    assert_eq!(door.suggested_resolution_text, "Close them.");
    assert_eq!(door.retry.delay, Duration::from_secs(45));
    assert_eq!(
        door.retry.strategy,
        base.get("DOOR_OPEN").unwrap().0.entry.retry.strategy
    );
    let base_door = base.get("DOOR_OPEN").unwrap().0.entry;
    assert_eq!(door.description, base_door.description);
    assert_eq!(
        door.suggested_user_message,
        base_door.suggested_user_message
    );
    assert_eq!(
        patched.get("VS_001").unwrap().0.entry.code,
        "DOOR_OPEN",
        "legacy codes still resolve"
    );
    let asleep = patched.get("ASLEEP").unwrap().0.entry;
    assert_eq!(
        asleep.user_message,
        base.get("ASLEEP").unwrap().0.entry.user_message
    );
}

/// Locale selection: exact tag, then base language, then English; tags in
/// any case and with `_`.
#[test]
fn locale_fallback_exact_then_base_then_english() {
    let patched = apply(&json!({ "entries": { "DOOR_OPEN": { "locales": {
        "fr": { "userMessage": { "text": "FR <app name>" }, "suggestedUserMessage": "fr court" },
        "fr-CA": { "userMessage": { "text": "CA <app name>" }, "suggestedUserMessage": "ca court" }
    } } } }))
    .unwrap();
    let door = patched.get("DOOR_OPEN").unwrap().0.entry;
    let pick = |tag: Option<&str>| {
        let m = door.user_messages(tag);
        (m.locale.to_owned(), m.user_message.render("X"))
    };
    assert_eq!(pick(Some("fr-CA")), ("fr-CA".into(), "CA X".into()));
    assert_eq!(pick(Some("FR_ca")), ("fr-CA".into(), "CA X".into()));
    assert_eq!(pick(Some("fr-BE")), ("fr".into(), "FR X".into()));
    assert_eq!(pick(Some("fr")), ("fr".into(), "FR X".into()));
    let english = door.user_message.render("X");
    assert_eq!(pick(Some("de-DE")), ("en".into(), english.clone()));
    assert_eq!(pick(None), ("en".into(), english));
    assert_eq!(
        door.user_messages(Some("fr")).suggested_user_message,
        "fr court"
    );
    // An entry without variants answers in English whatever is asked.
    let asleep = patched.get("ASLEEP").unwrap().0.entry;
    assert_eq!(asleep.user_messages(Some("fr")).locale, "en");
}

/// A request for a base language does not pick a regional variant.
#[test]
fn base_language_request_does_not_pick_a_region() {
    let patched = apply(&json!({ "entries": { "DOOR_OPEN": { "locales": {
        "pt-BR": { "userMessage": { "text": "BR" }, "suggestedUserMessage": "br" }
    } } } }))
    .unwrap();
    let door = patched.get("DOOR_OPEN").unwrap().0.entry;
    assert_eq!(door.user_messages(Some("pt")).locale, "en");
    assert_eq!(door.user_messages(Some("pt-PT")).locale, "en");
    assert_eq!(door.user_messages(Some("pt-br")).locale, "pt-BR");
}

/// Every rule rejects the whole overlay and names the field at fault.
#[test]
fn invalid_overlays_name_the_field() {
    let cases = [
        (
            json!({"entries": {"DOOR_OPENED": {"description": "x"}}}),
            "entries.DOOR_OPENED",
        ),
        (
            json!({"entries": {"door_open": {"description": "x"}}}),
            "entries.door_open",
        ),
        (
            json!({"entries": {"VS_001": {"description": "x"}}}),
            "entries.VS_001",
        ),
        (
            json!({"entries": {"DOOR_OPEN": {"description": "  "}}}),
            "entries.DOOR_OPEN.description",
        ),
        (
            json!({"entries": {"DOOR_OPEN": {"suggestedUserMessage": "Open <app name>"}}}),
            "entries.DOOR_OPEN.suggestedUserMessage",
        ),
        (
            json!({"entries": {"DOOR_OPEN": {"description": "tab\there"}}}),
            "entries.DOOR_OPEN.description",
        ),
        (
            json!({"entries": {"DOOR_OPEN": {"userMessage": {"text": "Hi <user>, <app name>"}}}}),
            "entries.DOOR_OPEN.userMessage",
        ),
        (
            json!({"entries": {"DOOR_OPEN": {"userMessage": {"text": "ok", "bullets": [""]}}}}),
            "entries.DOOR_OPEN.userMessage.bullets[0]",
        ),
        (
            json!({"entries": {"DOOR_OPEN": {"troubleshootingSteps": []}}}),
            "entries.DOOR_OPEN.troubleshootingSteps",
        ),
        (
            json!({"entries": {"DOOR_OPEN": {"overview": {"text": "x", "bullets": ["<b>"]}}}}),
            "entries.DOOR_OPEN.overview.bullets[0]",
        ),
        (
            json!({"entries": {"DOOR_OPEN": {"retry": {}}}}),
            "entries.DOOR_OPEN.retry",
        ),
        (
            json!({"entries": {"DOOR_OPEN": {"retry": {"delaySeconds": 60}}}}),
            "entries.DOOR_OPEN.retry.delaySeconds",
        ),
        (
            json!({"entries": {"DOOR_OPEN": {"retry": {"delaySeconds": 86401, "delayReason": "x"}}}}),
            "entries.DOOR_OPEN.retry.delaySeconds",
        ),
        (
            json!({"entries": {"FULLY_CHARGED": {"retry": {"delaySeconds": 5, "delayReason": "x"}}}}),
            "entries.FULLY_CHARGED.retry.delaySeconds",
        ),
        (
            json!({"entries": {"IN_MOTION": {"retry": {"delaySeconds": 0, "delayReason": "x"}}}}),
            "entries.IN_MOTION.retry.delaySeconds",
        ),
        (
            json!({"entries": {"DOOR_OPEN": {"retry": {"delayReason": ""}}}}),
            "entries.DOOR_OPEN.retry.delayReason",
        ),
        (
            json!({"entries": {"DOOR_OPEN": {"locales": {"français": {"userMessage": {"text": "x"}, "suggestedUserMessage": "y"}}}}}),
            "entries.DOOR_OPEN.locales.français",
        ),
        (
            json!({"entries": {"DOOR_OPEN": {"locales": {"fr_CA": {"userMessage": {"text": "x"}, "suggestedUserMessage": "y"}}}}}),
            "entries.DOOR_OPEN.locales.fr_CA",
        ),
        (
            json!({"entries": {"DOOR_OPEN": {"locales": {"EN": {"userMessage": {"text": "x"}, "suggestedUserMessage": "y"}}}}}),
            "entries.DOOR_OPEN.locales.EN",
        ),
        (
            json!({"entries": {"DOOR_OPEN": {"locales": {
                "fr": {"userMessage": {"text": "x"}, "suggestedUserMessage": "y"},
                "FR": {"userMessage": {"text": "x"}, "suggestedUserMessage": "y"}
            }}}}),
            // json! sorts keys, so "FR" comes first and "fr" repeats it.
            "entries.DOOR_OPEN.locales.fr",
        ),
        (
            json!({"entries": {"DOOR_OPEN": {"locales": {"fr": {"userMessage": {"text": "<nom>"}, "suggestedUserMessage": "y"}}}}}),
            "entries.DOOR_OPEN.locales.fr.userMessage",
        ),
        (
            json!({"entries": {"DOOR_OPEN": {"locales": {"fr": {"userMessage": {"text": "x"}, "suggestedUserMessage": ""}}}}}),
            "entries.DOOR_OPEN.locales.fr.suggestedUserMessage",
        ),
        (json!({"defaultAppName": ""}), "defaultAppName"),
        (json!({"defaultAppName": "a\nb"}), "defaultAppName"),
        (json!({"defaultAppName": "x".repeat(65)}), "defaultAppName"),
    ];
    for (overlay, path) in cases {
        assert_eq!(rejected_path(&overlay), path, "{overlay}");
    }
}

/// Shape errors: unknown fields (a misspelling, or an attempt to change
/// the classification), repeated keys, wrong types, non-UTF-8, oversize.
#[test]
fn malformed_overlays_are_rejected() {
    for text in [
        r#"{"entrys": {}}"#,
        r#"{"entries": {"DOOR_OPEN": {"userMesage": {"text": "x"}}}}"#,
        r#"{"entries": {"DOOR_OPEN": {"retry": {"strategy": "RETRY_LATER"}}}}"#,
        r#"{"entries": {"DOOR_OPEN": {"category": "POWER"}}}"#,
        // A scope is the classification's, never the operator's.
        r#"{"entries": {"DOOR_OPEN": {"retry": {"scope": "CALL"}}}}"#,
        r#"{"reasons": {"HTTP_429": {"retry": {"scope": "CALL"}}}}"#,
        r#"{"entries": {"DOOR_OPEN": {}, "DOOR_OPEN": {}}}"#,
        r#"{"entries": {"DOOR_OPEN": {"retry": {"delaySeconds": -1, "delayReason": "x"}}}}"#,
        r#"{"entries": []}"#,
        r#"[]"#,
        "",
    ] {
        assert!(
            matches!(
                Overlay::from_bytes(text.as_bytes()),
                Err(OverlayError::Json(_))
            ),
            "{text}"
        );
    }
    assert!(matches!(
        Overlay::from_bytes(b"{\"defaultAppName\": \"\xff\"}"),
        Err(OverlayError::NotUtf8)
    ));
    let big = format!(r#"{{"$comment": "{}"}}"#, "x".repeat(MAX_OVERLAY_BYTES));
    assert!(matches!(
        Overlay::from_bytes(big.as_bytes()),
        Err(OverlayError::TooLarge { .. })
    ));
}

/// The default app name is read from the overlay.
#[test]
fn default_app_name_is_exposed() {
    let overlay = Overlay::from_bytes(br#"{"defaultAppName": "Fleet"}"#).unwrap();
    assert_eq!(overlay.default_app_name(), Some("Fleet"));
    assert!(overlay.apply(&base()).is_ok());
    let none = Overlay::from_bytes(b"{}").unwrap();
    assert_eq!(none.default_app_name(), None);
}

/// The examples in docs/catalog-overlay.md (the JSON block and the
/// ConfigMap's data) are valid overlays.
#[test]
fn documented_examples_apply() {
    const DOC: &str = include_str!("../../../docs/catalog-overlay.md");
    let json_block = DOC
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap();
    let configmap: String = DOC
        .split("catalog-overlay.json: |\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|line| line.starts_with("    "))
        .map(|line| format!("{}\n", &line[4..]))
        .collect();
    for example in [json_block, configmap.as_str()] {
        let overlay = Overlay::from_bytes(example.as_bytes()).unwrap();
        let catalog = overlay.apply(&base()).unwrap();
        assert!(catalog.list().iter().any(|e| !e.localized.is_empty()));
        assert_eq!(overlay.default_app_name(), Some("Fleet Manager"));
    }
}

/// Every JSON example in docs/catalog-overlay.md is a valid overlay, the
/// one rewording an operation's answer included.
#[test]
fn every_documented_json_example_applies() {
    const DOC: &str = include_str!("../../../docs/catalog-overlay.md");
    let blocks: Vec<&str> = DOC
        .split("```json\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .collect();
    assert!(blocks.len() >= 2, "{}", blocks.len());
    for block in &blocks {
        let overlay = Overlay::from_bytes(block.as_bytes()).unwrap();
        overlay
            .apply(&base())
            .unwrap_or_else(|e| panic!("{e}: {block}"));
    }
    assert!(
        blocks
            .iter()
            .any(|b| b.contains("VEHICLE_STATE_NOT_CHARGING_NO_SESSION"))
    );
}

/// Type-table answers are patched by reason: their message, delay and
/// translations, which requests then get by locale like the catalog's.
#[test]
fn answers_are_patched_by_reason() {
    let patched = apply(&json!({
        "reasons": {
            "RATE_LIMIT_VEHICLE": {
                "userMessage": "<app name> is waiting for your car.",
                "retry": { "delaySeconds": 90, "delayReason": "The fleet's own limit." },
                "locales": { "fr": { "userMessage": "<app name> attend votre voiture." } }
            }
        }
    }))
    .unwrap();
    let answer = patched
        .table()
        .answers()
        .iter()
        .find(|a| a.reason == "RATE_LIMIT_VEHICLE")
        .unwrap();
    assert_eq!(answer.retry.delay, Duration::from_secs(90));
    assert_eq!(answer.retry.strategy, RetryStrategy::RetryLater);
    let (tag, fr) = answer.user_message.pick(Some("fr-CA"));
    assert_eq!(
        (tag, fr.render("Fleet").as_str()),
        ("fr", "Fleet attend votre voiture.")
    );
    let (tag, en) = answer.user_message.pick(Some("de"));
    assert_eq!(
        (tag, en.render("Fleet").as_str()),
        ("en", "Fleet is waiting for your car.")
    );
    // Its neighbour under the same type keeps the table's words.
    let other = patched
        .table()
        .answers()
        .iter()
        .find(|a| a.reason == "RATE_LIMIT_SMARTCAR_API")
        .unwrap();
    assert!(other.user_message.localized.is_empty());
}

/// An operation's own answer (design 3d) is patched by its reason like a
/// table answer; its delay keeps its strategy's rule (NO_RETRY_NEEDED:
/// zero), and what the rule decides (strategy, scope, operation) stays.
#[test]
fn operation_answers_are_patched_by_reason() {
    let patched = apply(&json!({
        "reasons": {
            "VEHICLE_STATE_NOT_CHARGING_NO_SESSION": {
                "userMessage": "<app name>: no charge session.",
                "locales": { "de": { "userMessage": "<app name>: kein Ladevorgang." } }
            },
            "VEHICLE_STATE_CHARGING_IN_PROGRESS_NOT_STOPPED": {
                "retry": { "delaySeconds": 300, "delayReason": "Our wallboxes are slow." }
            }
        }
    }))
    .unwrap();
    let find = |reason: &str| {
        let a = patched
            .table()
            .answers()
            .iter()
            .find(|a| a.reason == reason);
        a.unwrap().clone()
    };
    let session = find("VEHICLE_STATE_NOT_CHARGING_NO_SESSION");
    assert_eq!(session.retry.strategy, RetryStrategy::DoNotRetry);
    assert_eq!(session.operation, Some(crate::catalog::Operation::Read));
    let (tag, de) = session.user_message.pick(Some("de-AT"));
    assert_eq!(
        (tag, de.render("Fleet").as_str()),
        ("de", "Fleet: kein Ladevorgang.")
    );
    let stop = find("VEHICLE_STATE_CHARGING_IN_PROGRESS_NOT_STOPPED");
    assert_eq!(stop.retry.delay, Duration::from_secs(300));
    assert_eq!(stop.retry.strategy, RetryStrategy::RetryLater);
    // The rules still point at the patched answers.
    let rules = patched.operation_rules();
    assert!(rules.iter().filter_map(|r| r.answer).any(|id| {
        patched.table().answer(id).reason == "VEHICLE_STATE_NOT_CHARGING_NO_SESSION"
            && patched.table().answer(id).user_message.text == "<app name>: no charge session."
    }));
    assert_eq!(
        rejected_path(
            &json!({"reasons": {"VEHICLE_STATE_NOT_CHARGING_ALREADY_STOPPED": {
                "retry": {"delaySeconds": 30, "delayReason": "r"}
            }}})
        ),
        "reasons.VEHICLE_STATE_NOT_CHARGING_ALREADY_STOPPED.retry.delaySeconds"
    );
}

/// A reason patch names a real table reason, keeps the strategy's delay
/// rule and holds only the app-name placeholder.
#[test]
fn invalid_answer_patches_name_the_field() {
    for (overlay, path) in [
        (
            json!({"reasons": {"NOT_A_REASON": {}}}),
            "reasons.NOT_A_REASON",
        ),
        (
            json!({"reasons": {"VEHICLE_STATE_DOOR_OPEN": {"userMessage": "x"}}}),
            "reasons.VEHICLE_STATE_DOOR_OPEN",
        ),
        (
            json!({"reasons": {"HTTP_409": {"userMessage": "x"}}}),
            "reasons.HTTP_409",
        ),
        (
            json!({"reasons": {"SERVER_INTERNAL": {"userMessage": "Hi <user>"}}}),
            "reasons.SERVER_INTERNAL.userMessage",
        ),
        (
            json!({"reasons": {"SERVER_INTERNAL": {"retry": {"delaySeconds": 0, "delayReason": "r"}}}}),
            "reasons.SERVER_INTERNAL.retry.delaySeconds",
        ),
        (
            json!({"reasons": {"UPSTREAM": {"locales": {"fr_CA": {"userMessage": "x"}}}}}),
            "reasons.UPSTREAM.locales.fr_CA",
        ),
    ] {
        assert_eq!(rejected_path(&overlay), path, "{overlay}");
    }
}

/// The summary `check-overlay` prints names every entry and answer the
/// overlay patches, the fields it sets (as spelt in the file) and the
/// locales it adds, in file order, each locale once; an empty overlay
/// overrides nothing.
#[test]
fn summary_names_what_the_overlay_overrides() {
    let overlay = json!({
        "defaultAppName": "Fleet Manager",
        "entries": {
            "IN_MOTION": { "retry": { "delaySeconds": 900, "delayReason": "Longer drives." } },
            "DOOR_OPEN": {
                "description": "Doors.",
                "locales": {
                    "fr": {
                        "userMessage": { "text": "<app name> : portières." },
                        "suggestedUserMessage": "Fermez les portières."
                    }
                }
            }
        },
        "reasons": {
            "RATE_LIMIT_VEHICLE": {
                "locales": {
                    "de": { "userMessage": "<app name> wartet." },
                    "fr": { "userMessage": "<app name> attend." }
                }
            }
        }
    });
    let parsed = Overlay::from_bytes(overlay.to_string().as_bytes()).unwrap();
    parsed.apply(&base()).unwrap();
    let summary = parsed.summary();
    // `json!` sorts keys, so file order is alphabetical here.
    let patched = |key: &str, fields: &[&'static str], locales: &[&str]| Patched {
        key: key.to_owned(),
        fields: fields.to_vec(),
        locales: locales.iter().map(|&t| t.to_owned()).collect(),
    };
    assert_eq!(
        summary,
        OverlaySummary {
            default_app_name: Some("Fleet Manager".to_owned()),
            entries: vec![
                patched("DOOR_OPEN", &["description"], &["fr"]),
                patched(
                    "IN_MOTION",
                    &["retry.delaySeconds", "retry.delayReason"],
                    &[]
                ),
            ],
            reasons: vec![patched("RATE_LIMIT_VEHICLE", &[], &["de", "fr"])],
        }
    );
    assert_eq!(summary.locales(), ["fr", "de"]);
    let shown = summary.to_string();
    assert!(
        shown.contains("\n  RATE_LIMIT_VEHICLE: locales de, fr\n"),
        "{shown}"
    );
    let nothing = Overlay::from_bytes(br#"{"entries": {"DOOR_OPEN": {}}}"#).unwrap();
    let shown = nothing.summary().to_string();
    assert!(shown.contains("\n  DOOR_OPEN: nothing\n"), "{shown}");
    let empty = Overlay::from_bytes(b"{}").unwrap().summary();
    assert_eq!(
        empty.to_string().lines().next(),
        Some("entries overridden: 0")
    );
    assert!(empty.locales().is_empty() && empty.default_app_name.is_none());
}
