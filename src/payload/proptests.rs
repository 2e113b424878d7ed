//! Property tests: any JSON-shaped payload answers (never panics), and
//! the only errors are the caller's own fields (an empty body, a bad
//! `used_signals`). Case counts are modest so the suite stays quick on two
//! cores.

use std::time::SystemTime;

use proptest::prelude::*;

use super::*;
use crate::interpret::lenient::json_fragment;

fn catalog() -> &'static Catalog {
    static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| Catalog::embedded().unwrap())
}

/// Checks the contract for one body: an answer whose items hold
/// `interpret`'s reasons and whose verdict names an existing item, or
/// `EmptyBody` for a blank one.
fn assert_answers(body: &str, used: &[String]) -> Result<(), TestCaseError> {
    let request = PayloadRequest {
        body,
        used_signals: used,
        limits: Limits {
            max_items: 8,
            max_signals: 16,
        },
        now: SystemTime::now(),
        operation: None,
    };
    match interpret_payload(catalog(), &request) {
        Ok(answer) => {
            prop_assert!(answer.items.len() <= 8);
            prop_assert!(answer.items.iter().map(|i| i.signals.len()).sum::<usize>() <= 16);
            for item in &answer.items {
                let reason = item.interpretation.reason;
                prop_assert!(catalog().reasons().any(|r| r == reason), "{}", reason);
            }
            match answer.verdict.deciding_item {
                Some(i) => prop_assert!(answer.items[i].relevant),
                None => prop_assert_eq!(answer.verdict.outcome, Outcome::Ok),
            }
            if answer.kind == PayloadKind::Unrecognized {
                prop_assert!(answer.items.is_empty());
                prop_assert!(!answer.warnings.is_empty());
            }
        }
        Err(err) => {
            prop_assert!(body.trim().is_empty(), "{:?}", err);
            prop_assert_eq!(err.reason(), "EMPTY_BODY");
        }
    }
    Ok(())
}

/// Fragments that steer generated text into every shape's keys, lists
/// and repeated keys, besides the common punctuation and odd scalars.
fn fragment() -> impl Strategy<Value = &'static str> {
    json_fragment(&[
        "\"eventType\"",
        "\"eventName\"",
        "\"payload\"",
        "\"data\"",
        "\"signals\"",
        "\"value\"",
        "\"ERROR\"",
        "\"RESOLVED\"",
        "\"state\"",
        "\"name\"",
        "\"group\"",
        "\"attributes\"",
        "\"responses\"",
        "\"path\"",
        "\"headers\"",
        "\"retry-after\"",
        "\"body\"",
        "\"vehicles\"",
        "\"vehicleId\"",
        "\"challenge\"",
        "\"meta\"",
        "\"deliveredAt\"",
        "\"VEHICLE_ERROR\"",
        "\"VEHICLE_STATE\"",
        "\"PERMISSION\"",
        "\"COMPATIBILITY\"",
        "\"Closure.IsLocked\"",
        "429",
    ])
}

/// A well-formed delivery whose lists hold arbitrary JSON-shaped text, so
/// most cases reach the list readers.
fn delivery(inner: &str) -> String {
    format!(
        r#"{{"eventType":"VEHICLE_ERROR","data":{{"errors":[{inner}],"signals":[{inner}]}},"responses":[{inner}]}}"#
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any string answers, or is an empty body.
    #[test]
    fn any_string_answers(body in any::<String>()) {
        assert_answers(&body, &[])?;
    }

    /// JSON-shaped text built from the shapes' own keys answers.
    #[test]
    fn json_like_text_answers(parts in prop::collection::vec(fragment(), 0..64)) {
        assert_answers(&parts.concat(), &[])?;
        assert_answers(&delivery(&parts.concat()), &["closure-islocked".into()])?;
    }

    /// Any `used_signals` is accepted or refused by its own rule, naming
    /// the field.
    #[test]
    fn any_used_signals_answer_or_name_the_field(used in prop::collection::vec(any::<String>(), 0..4)) {
        let body = delivery("");
        let request = PayloadRequest {
            body: &body,
            used_signals: &used,
            limits: Limits::default(),
            now: SystemTime::now(),
            operation: None,
        };
        if let Err(err) = interpret_payload(catalog(), &request) {
            prop_assert!(err.field().starts_with("used_signals["), "{:?}", err);
        }
    }
}
