//! The registry's families, reload counting and interpretation labels.

use super::*;
use crate::interpret::{Context, Input, interpret};

fn structured(code: &str) -> Input<'_> {
    Input::Structured {
        error_type: "VEHICLE_STATE",
        code,
    }
}

/// Reload outcomes so far become counters by outcome, and a rejected
/// latest overlay turns the "last reload ok" gauge to 0 until a good
/// one is applied.
#[tokio::test]
async fn reload_outcomes_are_counted() {
    let catalog = Arc::new(Catalog::embedded().unwrap());
    let store = crate::reload::CatalogStore::<()>::new(Arc::clone(&catalog), "the app");
    let metrics = Metrics::new(&catalog);
    let observer = metrics.observe_reloads(store.subscribe());
    tokio::pin!(observer);
    // Polls the observer until it waits for the next change, having
    // recorded the status as it is now.
    let mut catch_up = async || {
        tokio::select! {
            biased;
            () = &mut observer => unreachable!("the observer never ends"),
            () = std::future::ready(()) => {}
        }
    };
    let good = br#"{"defaultAppName": "Fleet"}"#;
    store.apply_overlay(good).unwrap();
    store
        .apply_overlay(br#"{"entries": {"NOT_A_CODE": {}}}"#)
        .unwrap_err();
    catch_up().await;
    assert_scrape_has(
        &metrics,
        &[
            r#"vei_catalog_reloads_total{outcome="applied"} 1"#,
            r#"vei_catalog_reloads_total{outcome="rejected"} 1"#,
            "vei_catalog_last_reload_ok 0",
        ],
    );
    store.apply_overlay(good).unwrap();
    store.remove_overlay();
    catch_up().await;
    assert_scrape_has(
        &metrics,
        &[
            r#"vei_catalog_reloads_total{outcome="applied"} 2"#,
            r#"vei_catalog_reloads_total{outcome="removed"} 1"#,
            "vei_catalog_last_reload_ok 1",
        ],
    );
}

/// Fails unless every one of `samples` is in a scrape of `metrics`.
fn assert_scrape_has(metrics: &Metrics, samples: &[&str]) {
    let text = metrics.encode();
    for sample in samples {
        assert!(text.contains(sample), "{sample} in {text}");
    }
}

/// Every family has a HELP ending in exactly one period, in both
/// formats; the build metric is a gauge of 1 in both.
#[test]
fn help_ends_in_one_period_and_build_info_is_a_gauge() {
    let metrics = Metrics::new(&Catalog::embedded().unwrap());
    for text in [metrics.encode(), metrics.encode_classic()] {
        let helps: Vec<&str> = text.lines().filter(|l| l.starts_with("# HELP ")).collect();
        // Families without a series yet are not written.
        assert!(helps.len() >= 3, "{text}");
        for help in helps {
            assert!(help.ends_with('.') && !help.ends_with(".."), "{help}");
        }
        assert!(text.contains("# TYPE vei_build_info gauge\n"), "{text}");
        assert!(
            text.contains("vei_catalog_reloads_total{outcome=\"rejected\"} 0\n"),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "vei_build_info{{version=\"{}\"}} 1\n",
                env!("CARGO_PKG_VERSION")
            )),
            "{text}"
        );
    }
}

/// Interpretations are labelled with their reason, kinds, category and
/// scope;
/// a caller's unknown code never becomes a label value.
#[test]
fn labels_are_reasons_never_raw_codes() {
    let built_from = Catalog::embedded().unwrap();
    let reloaded = Catalog::embedded().unwrap();
    let metrics = Metrics::new(&built_from);
    for code in ["DOOR_OPEN", "MADE_UP_BY_A_CALLER"] {
        let interpretation = interpret(&reloaded, structured(code), &Context::default());
        metrics.interpreted(&interpretation.unwrap());
    }
    assert_scrape_has(
        &metrics,
        &[
            r#"vei_interpretations_total{identification="EXACT_CODE",decided_by="CATALOG",category="CLOSURE",scope="OPERATION",reason="VEHICLE_STATE_DOOR_OPEN"} 1"#,
            r#"vei_interpretations_total{identification="UNKNOWN_CODE",decided_by="CATALOG",category="UNKNOWN",scope="VEHICLE",reason="VEHICLE_STATE_UNKNOWN"} 1"#,
        ],
    );
    let text = metrics.encode();
    assert!(!text.contains("MADE_UP"), "{text}");
}

/// The caller's operation adds a decision source and its own answers'
/// reasons, from the catalog's fixed vocabulary like every other: a
/// confirmed entry keeps its reason under `decided_by="OPERATION"`.
#[test]
fn operation_answers_are_counted_under_their_reason() {
    use crate::catalog::Operation;
    let catalog = Catalog::embedded().unwrap();
    let metrics = Metrics::new(&catalog);
    for (operation, code) in [
        (Operation::Read, "NOT_CHARGING"),
        (Operation::StartCharge, "FULLY_CHARGED"),
        (Operation::StopCharge, "CHARGING_IN_PROGRESS"),
    ] {
        let ctx = Context {
            operation: Some(operation),
            ..Context::default()
        };
        let interpretation = interpret(&catalog, structured(code), &ctx);
        metrics.interpreted(&interpretation.unwrap());
    }
    assert_scrape_has(
        &metrics,
        &[
            r#"vei_interpretations_total{identification="EXACT_CODE",decided_by="OPERATION",category="CHARGING",scope="OPERATION",reason="VEHICLE_STATE_NOT_CHARGING_NO_SESSION"} 1"#,
            r#"vei_interpretations_total{identification="EXACT_CODE",decided_by="OPERATION",category="CHARGING",scope="OPERATION",reason="VEHICLE_STATE_FULLY_CHARGED"} 1"#,
            r#"vei_interpretations_total{identification="EXACT_CODE",decided_by="OPERATION",category="CHARGING",scope="OPERATION",reason="VEHICLE_STATE_CHARGING_IN_PROGRESS_NOT_STOPPED"} 1"#,
        ],
    );
}
