//! The operation's rules: the embedded ones are design 3d's, their own
//! answers join the reason vocabulary, and a broken rule does not load.

use std::collections::HashSet;

use super::super::*;

fn embedded() -> Catalog {
    Catalog::embedded().unwrap()
}

/// A rule as design 3d states it: the operation, the code, and the answer
/// when the operation changes the entry's (reason, strategy, action,
/// scope, propagation).
type Designed = (
    Operation,
    &'static str,
    Option<(&'static str, RetryStrategy, Action, Scope, Propagation)>,
);

/// Design 3d, rule by rule. START_CHARGE's two codes confirm the entries,
/// which already answer NO_RETRY_NEEDED; NOT_CHARGING's entry answers
/// RETRY_AFTER_ACTION / DRIVER_AT_VEHICLE, so STOP_CHARGE changes it and
/// gets a reason of its own (ALREADY_STOPPED), as READ does (NO_SESSION);
/// STOP_CHARGE with CHARGING_IN_PROGRESS is never "already done".
const DESIGN_3D: [Designed; 5] = [
    (Operation::StartCharge, "CHARGING_IN_PROGRESS", None),
    (Operation::StartCharge, "FULLY_CHARGED", None),
    (
        Operation::StopCharge,
        "NOT_CHARGING",
        Some((
            "VEHICLE_STATE_NOT_CHARGING_ALREADY_STOPPED",
            RetryStrategy::NoRetryNeeded,
            Action::None,
            Scope::Operation,
            Propagation::FailedPrecondition,
        )),
    ),
    (
        Operation::Read,
        "NOT_CHARGING",
        Some((
            "VEHICLE_STATE_NOT_CHARGING_NO_SESSION",
            RetryStrategy::DoNotRetry,
            Action::None,
            Scope::Operation,
            Propagation::FailedPrecondition,
        )),
    ),
    (
        Operation::StopCharge,
        "CHARGING_IN_PROGRESS",
        Some((
            "VEHICLE_STATE_CHARGING_IN_PROGRESS_NOT_STOPPED",
            RetryStrategy::RetryLater,
            Action::None,
            Scope::Operation,
            Propagation::FailedPrecondition,
        )),
    ),
];

/// The embedded rules are design 3d's, no more and no fewer.
#[test]
fn the_embedded_rules_are_design_3d() {
    let catalog = embedded();
    let got: Vec<Designed> = catalog
        .operation_rules()
        .iter()
        .map(|rule| {
            let code = catalog.list()[rule.entry.index()].code.as_str();
            let code = DESIGN_3D
                .iter()
                .map(|d| d.1)
                .find(|c| *c == code)
                .unwrap_or_else(|| panic!("{code} is in no rule of design 3d"));
            let answer = rule.answer.map(|id| {
                let a = catalog.table().answer(id);
                let reason = DESIGN_3D
                    .iter()
                    .filter_map(|d| d.2.map(|x| x.0))
                    .find(|r| *r == a.reason)
                    .unwrap_or_else(|| panic!("{} is no reason of design 3d", a.reason));
                (
                    reason,
                    a.retry.strategy,
                    a.retry.action,
                    a.retry.scope,
                    a.propagation,
                )
            });
            (rule.operation, code, answer)
        })
        .collect();
    assert_eq!(got, DESIGN_3D);
}

/// A rule's own answer is about its entry: the entry's category, a
/// strategy or action the entry does not have, a user message and a
/// developer note of its own, and a delay that fits its strategy.
#[test]
fn own_answers_change_their_entry_and_keep_its_category() {
    let catalog = embedded();
    for rule in catalog.operation_rules() {
        let entry = &catalog.list()[rule.entry.index()];
        let Some(id) = rule.answer else {
            continue;
        };
        let a = catalog.table().answer(id);
        assert_eq!(a.operation, Some(rule.operation), "{}", a.reason);
        assert_eq!(a.category, entry.category, "{}", a.reason);
        assert_ne!(
            (a.retry.strategy, a.retry.action),
            (entry.retry.strategy, entry.retry.action),
            "{}",
            a.reason
        );
        assert_ne!(a.user_message.text, entry.user_message_template.joined());
        assert!(a.developer_note.as_deref().is_some_and(|n| !n.is_empty()));
        assert!(a.reason.starts_with(&format!("{}_", entry.reason)));
        assert_eq!(
            a.retry.strategy == RetryStrategy::RetryLater,
            !a.retry.delay.is_zero(),
            "{}",
            a.reason
        );
    }
}

/// The three new reasons are in the bounded vocabulary, and every reason
/// of the catalog is distinct.
#[test]
fn own_reasons_join_the_bounded_vocabulary() {
    let catalog = embedded();
    let reasons: Vec<&str> = catalog.reasons().collect();
    let distinct: HashSet<&str> = reasons.iter().copied().collect();
    assert_eq!(distinct.len(), reasons.len());
    for (_, _, answer) in DESIGN_3D {
        if let Some((reason, ..)) = answer {
            assert!(distinct.contains(reason), "{reason}");
        }
    }
    // Only the operation's answers are about an entry without being the
    // bare 409's fallback.
    let own = catalog
        .table()
        .answers()
        .iter()
        .filter(|a| a.operation.is_some())
        .count();
    assert_eq!(own, 3);
}

/// A broken rule is refused at load, naming the rule and what it breaks.
#[test]
fn broken_rules_are_refused() {
    let good: serde_json::Value = serde_json::from_str(EMBEDDED_JSON).unwrap();
    let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut doc = good.clone();
        edit(&mut doc);
        Catalog::from_json(&doc.to_string())
            .unwrap_err()
            .to_string()
    };
    type Edit<'a> = &'a dyn Fn(&mut serde_json::Value);
    // operations[2] is STOP_CHARGE with NOT_CHARGING, which has an answer.
    let cases: [(&str, Edit<'_>); 11] = [
        ("missing field `operations`", &|d| {
            d.as_object_mut().unwrap().remove("operations");
        }),
        ("operations[0]: no entry has the code \"VS_001\"", &|d| {
            d["operations"][0]["code"] = "VS_001".into()
        }),
        (
            "operations[1]: START_CHARGE with CHARGING_IN_PROGRESS appears twice",
            &|d| d["operations"][1] = d["operations"][0].clone(),
        ),
        ("unknown variant `HONK`", &|d| {
            d["operations"][0]["operation"] = "HONK".into()
        }),
        ("operations[0]: evidence is empty", &|d| {
            d["operations"][0]["evidence"] = " ".into()
        }),
        ("must be VEHICLE_STATE_NOT_CHARGING_<SUFFIX>", &|d| {
            d["operations"][2]["answer"]["reason"] = "ALREADY_STOPPED".into()
        }),
        (
            "reason VEHICLE_STATE_NOT_CHARGING_NO_SESSION appears twice",
            &|d| {
                d["operations"][2]["answer"]["reason"] =
                    "VEHICLE_STATE_NOT_CHARGING_NO_SESSION".into()
            },
        ),
        ("leave it out, and the rule confirms the entry", &|d| {
            d["operations"][2]["answer"]["retry"]["strategy"] = "RETRY_AFTER_ACTION".into();
            d["operations"][2]["answer"]["retry"]["action"] = "DRIVER_AT_VEHICLE".into();
        }),
        ("retry layers would retry it", &|d| {
            d["operations"][3]["answer"]["propagation"] = "UNAVAILABLE".into()
        }),
        ("developerNote is empty or holds a placeholder", &|d| {
            d["operations"][2]["answer"]["developerNote"] = "Tell <app name>.".into()
        }),
        ("NO_RETRY_NEEDED must have a zero delay", &|d| {
            d["operations"][2]["answer"]["retry"]["delaySeconds"] = 5.into()
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
