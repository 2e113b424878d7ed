//! Catalog validity, fidelity to the documentation, and the classification
//! table of docs/design.md §3.

use super::*;
use crate::render::APP_NAME_PLACEHOLDER;

/// The documentation the catalog reproduces, as kept in the repository.
const REFERENCE: &str = include_str!("../../catalog/vehicle-state-errors.reference.txt");

/// One error as the reference text lays it out, read independently of the
/// catalog's own loader.
#[derive(Debug)]
struct Documented {
    code: String,
    overview: TextBlock,
    body: serde_json::Value,
    suggested_resolution: Option<TextBlock>,
    troubleshooting_steps: Option<Vec<String>>,
    user_message: TextBlock,
}

/// Splits the reference into sections (a line that is only an UPPER_SNAKE
/// code starts one) and each section into its parts.
fn documented() -> Vec<Documented> {
    let lines: Vec<&str> = REFERENCE.split('\n').collect();
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && l.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
        .map(|(i, _)| i)
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(n, &start)| {
            let end = starts.get(n + 1).copied().unwrap_or(lines.len());
            let section = &lines[start + 1..end];
            let open = section.iter().position(|l| *l == "{").unwrap();
            let close = open + section[open..].iter().position(|l| *l == "}").unwrap();
            let after = &section[close + 1..];
            let part = |heading: &str| -> Option<&[&str]> {
                let at = after.iter().position(|l| *l == heading)?;
                let next = after[at + 1..]
                    .iter()
                    .position(|l| {
                        [
                            "Suggested resolution",
                            "Troubleshooting Steps",
                            "Suggested user message",
                        ]
                        .contains(l)
                    })
                    .map_or(after.len(), |p| at + 1 + p);
                Some(&after[at + 1..next])
            };
            Documented {
                code: lines[start].to_owned(),
                overview: block(&section[..open]),
                body: serde_json::from_str(&section[open..=close].join("\n")).unwrap(),
                suggested_resolution: part("Suggested resolution").map(block),
                troubleshooting_steps: part("Troubleshooting Steps").map(|l| block(l).bullets),
                user_message: block(part("Suggested user message").unwrap()),
            }
        })
        .collect()
}

/// Prose paragraphs (joined by a blank line) and `  • ` bullets.
fn block(lines: &[&str]) -> TextBlock {
    let mut paragraphs = Vec::new();
    let mut bullets = Vec::new();
    for line in lines {
        if let Some(bullet) = line.strip_prefix("  • ") {
            bullets.push(bullet.to_owned());
        } else if !line.trim().is_empty() {
            assert!(bullets.is_empty(), "prose after bullets: {line:?}");
            paragraphs.push(*line);
        }
    }
    TextBlock {
        text: paragraphs.join("\n\n"),
        bullets,
    }
}

fn embedded() -> Catalog {
    Catalog::embedded().expect("embedded catalog is valid")
}

/// The embedded catalog loads: 17 entries, unique codes, required text,
/// a classification and delay reason for each, `UNKNOWN` present.
#[test]
fn embedded_catalog_is_valid() {
    let catalog = embedded();
    assert_eq!(catalog.list().len(), 17);
    for entry in catalog.list() {
        assert!(!entry.retry.delay_reason.is_empty(), "{}", entry.code);
        assert_eq!(catalog.get(&entry.code).unwrap().0.entry.code, entry.code);
    }
    assert_eq!(catalog.fallback().entry.code, "UNKNOWN");
}

/// Every field of every entry is the reference text's, in its order: the
/// JSON body (all seven documented fields plus requestId), the overview,
/// the suggested resolution with its bullets, the troubleshooting steps and
/// the user message template with its bullets.
#[test]
fn catalog_matches_reference_text_field_by_field() {
    let documented = documented();
    let raw: serde_json::Value = serde_json::from_str(EMBEDDED_JSON).unwrap();
    let raw_entries = raw["errors"].as_array().unwrap();
    let catalog = embedded();
    assert_eq!(documented.len(), 17);
    assert_eq!(
        catalog
            .list()
            .iter()
            .map(|e| e.code.as_str())
            .collect::<Vec<_>>(),
        documented
            .iter()
            .map(|d| d.code.as_str())
            .collect::<Vec<_>>(),
        "codes and their order"
    );
    for ((doc, entry), raw) in documented.iter().zip(catalog.list()).zip(raw_entries) {
        let code = &doc.code;
        assert_eq!(raw["body"], doc.body, "{code}: JSON body");
        assert_eq!(
            entry.error_type,
            doc.body["type"].as_str().unwrap(),
            "{code}: type"
        );
        assert_eq!(
            entry.code,
            doc.body["code"].as_str().unwrap(),
            "{code}: code"
        );
        assert_eq!(
            entry.description,
            doc.body["description"].as_str().unwrap(),
            "{code}"
        );
        assert_eq!(
            entry.doc_url,
            doc.body["docURL"].as_str().unwrap(),
            "{code}: docURL"
        );
        assert_eq!(
            u64::from(entry.status_code),
            doc.body["statusCode"].as_u64().unwrap()
        );
        assert_eq!(
            entry.suggested_user_message,
            doc.body["suggestedUserMessage"].as_str().unwrap(),
            "{code}: suggestedUserMessage"
        );
        let resolution = doc.body["resolution"]["type"]
            .as_str()
            .map(ResolutionType::parse);
        assert_eq!(
            Some(entry.resolution),
            resolution.unwrap_or(Some(ResolutionType::None))
        );
        assert_eq!(entry.overview, doc.overview, "{code}: overview");
        assert_eq!(
            entry.suggested_resolution,
            doc.suggested_resolution.clone().unwrap_or_default(),
            "{code}: suggested resolution"
        );
        assert_eq!(
            entry.troubleshooting_steps,
            doc.troubleshooting_steps.clone().unwrap_or_default(),
            "{code}: troubleshooting steps"
        );
        assert_eq!(
            entry.user_message_template, doc.user_message,
            "{code}: user message"
        );
    }
}

/// The repository's copy of the reference is the shared documentation,
/// byte for byte, wherever the shared folder sits beside the checkout.
#[test]
fn reference_copy_is_the_shared_documentation() {
    let shared = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/vehicle-state-errors.txt"
    );
    match std::fs::read_to_string(shared) {
        Ok(text) => assert_eq!(
            text, REFERENCE,
            "catalog/vehicle-state-errors.reference.txt drifted"
        ),
        Err(err) => eprintln!("skipping: {shared}: {err}"),
    }
}

/// The classification is docs/design.md §3's table, row for row.
#[test]
fn classification_follows_the_design_table() {
    use Category::*;
    use RetryStrategy::*;
    let table = [
        ("ASLEEP", Connectivity, RetryAfterAction),
        ("UNREACHABLE", Connectivity, RetryLater),
        ("REMOTE_ACCESS_DISABLED", Connectivity, RetryAfterAction),
        ("VEHICLE_OFFLINE_FOR_SERVICE", Connectivity, RetryLater),
        ("CHARGING_IN_PROGRESS", Charging, NoRetryNeeded),
        ("FULLY_CHARGED", Charging, NoRetryNeeded),
        ("CHARGING_PLUG_CONNECTED", Charging, RetryAfterAction),
        ("CHARGING_PLUG_NOT_CONNECTED", Charging, RetryAfterAction),
        ("NOT_CHARGING", Charging, RetryAfterAction),
        ("CHARGE_FAULT", Charging, RetryAfterAction),
        ("DOOR_OPEN", Closure, RetryAfterAction),
        ("HOOD_OPEN", Closure, RetryAfterAction),
        ("TRUNK_OPEN", Closure, RetryAfterAction),
        ("IGNITION_ON", VehicleInUse, RetryLater),
        ("IN_MOTION", VehicleInUse, RetryLater),
        ("LOW_BATTERY", Power, RetryLater),
        ("UNKNOWN", Unknown, RetryLater),
    ];
    let catalog = embedded();
    assert_eq!(catalog.list().len(), table.len());
    for (code, category, strategy) in table {
        let entry = catalog.get(code).unwrap().0.entry;
        assert_eq!(
            (entry.category, entry.retry.strategy),
            (category, strategy),
            "{code}"
        );
        match strategy {
            RetryLater => assert!(!entry.retry.delay.is_zero(), "{code}"),
            NoRetryNeeded => assert!(entry.retry.delay.is_zero(), "{code}"),
            _ => {}
        }
    }
}

/// Legacy codes map as docs/design.md §6 lists them, in any letter case.
#[test]
fn legacy_codes_resolve() {
    let catalog = embedded();
    for (legacy, code) in [
        ("VS_000", "UNKNOWN"),
        ("VS_001", "DOOR_OPEN"),
        ("vs_002", "TRUNK_OPEN"),
        ("VS_003", "HOOD_OPEN"),
        ("VS_004", "CHARGING_PLUG_NOT_CONNECTED"),
    ] {
        let (CatalogEntry { entry, .. }, found) = catalog.get(legacy).unwrap();
        assert_eq!((entry.code.as_str(), found), (code, Found::LegacyCode));
    }
    assert!(catalog.get("VS_005").is_none());
}

/// Templates hold the placeholder exactly where the documentation does, and
/// rendering never leaves it behind.
#[test]
fn templates_render_without_placeholders() {
    for entry in embedded().list() {
        let documented = entry
            .user_message_template
            .joined()
            .contains(APP_NAME_PLACEHOLDER);
        assert_eq!(
            entry.user_message.has_placeholder(),
            documented,
            "{}",
            entry.code
        );
        let rendered = entry.user_message.render("Fleet Manager");
        assert!(!rendered.contains(APP_NAME_PLACEHOLDER), "{}", entry.code);
        assert_eq!(
            rendered.contains("Fleet Manager"),
            documented,
            "{}",
            entry.code
        );
    }
}

/// A broken catalog is refused with a message naming the entry and rule.
#[test]
fn invalid_catalogs_are_refused() {
    let good: serde_json::Value = serde_json::from_str(EMBEDDED_JSON).unwrap();
    let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut doc = good.clone();
        edit(&mut doc);
        Catalog::from_json(&doc.to_string())
            .unwrap_err()
            .to_string()
    };
    type Edit<'a> = &'a dyn Fn(&mut serde_json::Value);
    let cases: [(&str, Edit<'_>); 8] = [
        ("appears twice", &|d| {
            d["errors"][1] = d["errors"][0].clone()
        }),
        ("description is empty", &|d| {
            d["errors"][0]["body"]["description"] = "".into()
        }),
        ("unknown placeholder", &|d| {
            d["errors"][0]["userMessage"]["text"] = "Hi <user>".into()
        }),
        ("no UNKNOWN entry", &|d| {
            d["errors"]
                .as_array_mut()
                .unwrap()
                .retain(|e| e["code"] != "UNKNOWN");
        }),
        ("unknown variant", &|d| {
            d["errors"][0]["category"] = "WEATHER".into()
        }),
        ("RETRY_LATER needs a delay", &|d| {
            d["errors"][13]["retry"]["delaySeconds"] = 0.into()
        }),
        ("unknown field", &|d| {
            d["errors"][0]["colour"] = "red".into()
        }),
        ("differs from code", &|d| {
            d["errors"][0]["code"] = "SLEEPY".into()
        }),
    ];
    for (expected, edit) in cases {
        let message = broken(edit);
        assert!(
            message.contains(expected),
            "{expected:?} not in {message:?}"
        );
    }
}

/// Every entry and every type-table row names its scope: one without is
/// a load error, not a silent default (docs/design.md §3c).
#[test]
fn a_row_or_entry_without_a_scope_does_not_load() {
    let mut entries: serde_json::Value = serde_json::from_str(EMBEDDED_JSON).unwrap();
    entries["errors"][4]["retry"]
        .as_object_mut()
        .unwrap()
        .remove("scope");
    let err = Catalog::from_json(&entries.to_string()).unwrap_err();
    assert!(err.to_string().contains("missing field `scope`"), "{err}");

    let table: serde_json::Value = serde_json::from_str(EMBEDDED_TYPES_JSON).unwrap();
    let without = |edit: &dyn Fn(&mut serde_json::Value) -> Option<serde_json::Value>| {
        let mut doc = table.clone();
        assert!(edit(&mut doc).is_some(), "the row has a scope to remove");
        Catalog::from_parts(EMBEDDED_JSON, &doc.to_string())
            .unwrap_err()
            .to_string()
    };
    type Edit<'a> = &'a dyn Fn(&mut serde_json::Value) -> Option<serde_json::Value>;
    let rows: [Edit<'_>; 4] = [
        &|d| d["types"][3]["rules"][1].as_object_mut()?.remove("scope"),
        &|d| d["oauthErrors"][0].as_object_mut()?.remove("scope"),
        &|d| d["httpStatuses"][8].as_object_mut()?.remove("scope"),
        &|d| d["unrecognized"].as_object_mut()?.remove("scope"),
    ];
    for edit in rows {
        let err = without(edit);
        assert!(err.contains("scope"), "{err}");
    }
}

/// The five scope labels (metrics, ErrorInfo metadata) are distinct and
/// every scope is used by some entry or answer of the embedded catalog.
#[test]
fn scope_labels_are_distinct_and_all_used() {
    let labels: std::collections::BTreeSet<&str> = Scope::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(labels.len(), Scope::ALL.len());
    let catalog = embedded();
    let used: std::collections::BTreeSet<Scope> = catalog
        .list()
        .iter()
        .map(|e| e.retry.scope)
        .chain(catalog.table().answers().iter().map(|a| a.retry.scope))
        .collect();
    assert_eq!(used.into_iter().collect::<Vec<_>>(), Scope::ALL);
}

/// The type table refuses a wait-on-someone answer with a code retry
/// layers retry at once, except a BILLING quota (docs/design.md §5.1).
#[test]
fn table_codes_follow_the_strategy_except_billing_quotas() {
    let mut doc: serde_json::Value = serde_json::from_str(EMBEDDED_TYPES_JSON).unwrap();
    let types = doc["types"].as_array_mut().unwrap();
    let validation = types
        .iter_mut()
        .find(|t| t["type"] == "VALIDATION")
        .unwrap();
    validation["rules"][0]["propagation"] = "RESOURCE_EXHAUSTED".into();
    let err = Catalog::from_parts(EMBEDDED_JSON, &doc.to_string())
        .unwrap_err()
        .to_string();
    assert!(err.contains("retry layers would retry it"), "{err}");
    // BILLING's quota answers keep RESOURCE_EXHAUSTED with DO_NOT_RETRY.
    let catalog = embedded();
    for reason in [
        "BILLING_VEHICLE_LIMIT",
        "BILLING_VEHICLE_REQUEST_LIMIT",
        "HTTP_430",
    ] {
        let answer = catalog
            .table()
            .answers()
            .iter()
            .find(|a| a.reason == reason)
            .unwrap();
        assert_eq!(
            (answer.retry.strategy, answer.propagation),
            (RetryStrategy::DoNotRetry, Propagation::ResourceExhausted),
            "{reason}"
        );
    }
}
