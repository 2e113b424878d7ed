//! The verdict over a payload's items (docs/design.md, "Payload
//! verdicts"): only relevant ERROR items that still fail count; an action
//! someone can take outranks waiting, waiting outranks a permanent
//! incompatibility; RESOLVED items clear the prompts they caused.

use std::borrow::Cow;

use super::{Extent, Item, ItemState};
use crate::catalog::{Action, RetryStrategy};

/// What the caller should do about the payload as a whole, least urgent
/// first (the order is the ranking).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Nothing relevant is failing.
    Ok,
    /// A relevant item is DO_NOT_RETRY with no action: the vehicle cannot
    /// give it; stop asking.
    Unsupported,
    /// A relevant item is RETRY_LATER: the provider or the car recovers by
    /// itself.
    Wait,
    /// A relevant item needs someone to act (its action is not NONE).
    ActionRequired,
}

impl Outcome {
    /// The proto enum's value name without its prefix, for metric labels
    /// and span attributes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "OK",
            Self::Unsupported => "UNSUPPORTED",
            Self::Wait => "WAIT",
            Self::ActionRequired => "ACTION_REQUIRED",
        }
    }

    /// Every outcome, least urgent first.
    pub const ALL: [Self; 4] = [
        Self::Ok,
        Self::Unsupported,
        Self::Wait,
        Self::ActionRequired,
    ];
}

/// The verdict and what decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict<'c> {
    /// The outcome.
    pub outcome: Outcome,
    /// The index in the answer's `items` of the item that decided it (its
    /// reason, action, action URL and user message are the verdict's);
    /// `None` for `Ok`.
    pub deciding_item: Option<usize>,
    /// That item's reason.
    pub reason: Option<&'c str>,
    /// The reasons of RESOLVED items that no relevant ERROR item still
    /// fails with, in order of appearance: the prompts a caller can clear.
    pub cleared_reasons: Vec<&'c str>,
}

/// One vehicle's verdict in a legacy 2.0 delivery about several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VehicleVerdict<'c, 'a> {
    /// The vehicle.
    pub vehicle_id: Cow<'a, str>,
    /// Its verdict, over its items only.
    pub verdict: Verdict<'c>,
}

/// The outcome one counted item asks for.
fn outcome(item: &Item<'_, '_>) -> Outcome {
    let advice = &item.interpretation.advice;
    match (advice.action, advice.strategy) {
        (Action::None, RetryStrategy::DoNotRetry) => Outcome::Unsupported,
        (Action::None, _) => Outcome::Wait,
        _ => Outcome::ActionRequired,
    }
}

/// True for an item that counts: relevant, ERROR, and failing.
fn counts(item: &Item<'_, '_>) -> bool {
    item.relevant
        && item.state == ItemState::Error
        && item.interpretation.advice.strategy != RetryStrategy::NoRetryNeeded
}

/// The verdict over every item.
pub(super) fn decide<'c>(items: &[Item<'c, '_>]) -> Verdict<'c> {
    decide_where(items, |_| true)
}

/// One verdict per vehicle, in the delivery's order.
pub(super) fn per_vehicle<'c, 'a>(
    items: &[Item<'c, 'a>],
    vehicles: Vec<Cow<'a, str>>,
) -> Vec<VehicleVerdict<'c, 'a>> {
    vehicles
        .into_iter()
        .map(|vehicle_id| {
            let verdict = decide_where(items, |item| {
                item.vehicle_id.as_deref() == Some(vehicle_id.as_ref())
            });
            VehicleVerdict {
                vehicle_id,
                verdict,
            }
        })
        .collect()
}

/// The verdict over the items `keep` selects; indices stay the answer's.
/// Ties inside an outcome: the more restrictive strategy (3b's order),
/// then the longer delay, then the broader retry scope (what the caller
/// must pause: an application-wide pause outranks one call's), then
/// vehicle-wide first, then the first.
fn decide_where<'c>(items: &[Item<'c, '_>], keep: impl Fn(&Item<'c, '_>) -> bool) -> Verdict<'c> {
    let rank = |item: &Item<'_, '_>| {
        let advice = &item.interpretation.advice;
        (
            outcome(item),
            advice.strategy,
            advice.delay,
            advice.scope,
            item.extent == Extent::Vehicle,
        )
    };
    let mut best: Option<(usize, _)> = None;
    for (i, item) in items.iter().enumerate() {
        if !keep(item) || !counts(item) {
            continue;
        }
        let r = rank(item);
        if best.as_ref().is_none_or(|(_, b)| r > *b) {
            best = Some((i, r));
        }
    }
    let failing = |reason: &str| {
        items
            .iter()
            .any(|i| keep(i) && counts(i) && i.interpretation.reason == reason)
    };
    let mut cleared_reasons: Vec<&'c str> = Vec::new();
    for item in items
        .iter()
        .filter(|i| keep(i) && i.state == ItemState::Resolved)
    {
        let reason = item.interpretation.reason;
        if !failing(reason) && !cleared_reasons.contains(&reason) {
            cleared_reasons.push(reason);
        }
    }
    match best {
        Some((i, (outcome, ..))) => Verdict {
            outcome,
            deciding_item: Some(i),
            reason: Some(items[i].interpretation.reason),
            cleared_reasons,
        },
        None => Verdict {
            outcome: Outcome::Ok,
            deciding_item: None,
            reason: None,
            cleared_reasons,
        },
    }
}
