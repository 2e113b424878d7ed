//! The caller's operation (docs/design.md §3.1): which (operation,
//! vehicle-state code) pairs decide the answer instead of the entry
//! alone, read from the catalog file's `operations` and validated like its
//! entries.
//!
//! A rule either confirms the entry's answer (a start-charge that finds
//! the car charging is done, as the entry already says) or replaces it
//! with an answer of its own under a reason of its own. Those answers are
//! kept among the type table's answers, so whatever is indexed by answer
//! (the encoded statuses, the metrics, the overlay's `reasons`) covers
//! them with no second mechanism, and `Catalog::reasons` lists them.

use std::time::Duration;

use super::{
    Answer, AnswerId, CatalogError, EntryId, LocalizedText, Operation, RetryPolicy, RetryStrategy,
    TypeTable, VehicleStateError, dto,
};
use crate::render::{APP_NAME_PLACEHOLDER, Template, has_placeholder_token};
use crate::rules::is_reason;

/// One rule: when the caller says `operation` and the error is the entry
/// `entry`, the operation decides the answer.
#[derive(Debug, Clone)]
pub struct OperationRule {
    /// The caller's operation.
    pub operation: Operation,
    /// The vehicle-state entry it pairs with.
    pub entry: EntryId,
    /// The answer when the operation changes the entry's; `None` when it
    /// confirms it (the entry's answer and reason stand).
    pub answer: Option<AnswerId>,
    /// What the rule rests on.
    pub evidence: String,
}

/// Checks the file's `operations` against `entries`, adding each rule's
/// own answer to `table`.
///
/// # Errors
/// `CatalogError::Operation` naming the first rule broken: an unknown or
/// repeated pairing, a reason that is not the entry's followed by a
/// suffix or is taken, an answer that does not change the entry's, or a
/// retry policy, propagation or text that breaks the catalog's rules.
pub(super) fn build(
    rules: Vec<dto::OperationRule>,
    entries: &[VehicleStateError],
    table: &mut TypeTable,
) -> Result<Vec<OperationRule>, CatalogError> {
    let mut out: Vec<OperationRule> = Vec::with_capacity(rules.len());
    for (index, rule) in rules.into_iter().enumerate() {
        let path = format!("operations[{index}]");
        let broken = |reason: String| CatalogError::Operation {
            path: path.clone(),
            reason,
        };
        let position = entries
            .iter()
            .position(|e| e.code == rule.code)
            .ok_or_else(|| broken(format!("no entry has the code {:?}", rule.code)))?;
        let entry = EntryId(position);
        if out
            .iter()
            .any(|r| r.operation == rule.operation && r.entry == entry)
        {
            return Err(broken(format!(
                "{} with {} appears twice",
                rule.operation.as_str(),
                rule.code
            )));
        }
        if rule.evidence.trim().is_empty() {
            return Err(broken("evidence is empty".into()));
        }
        let answer = match rule.answer {
            Some(answer) => {
                let own = Own {
                    operation: rule.operation,
                    evidence: &rule.evidence,
                    entry: &entries[position],
                };
                let answer = own.answer(answer, entries, table).map_err(broken)?;
                Some(table.push_answer(answer))
            }
            None => None,
        };
        out.push(OperationRule {
            operation: rule.operation,
            entry,
            answer,
            evidence: rule.evidence,
        });
    }
    Ok(out)
}

/// What a rule's own answer is built from besides the file's answer.
struct Own<'r> {
    operation: Operation,
    evidence: &'r str,
    entry: &'r VehicleStateError,
}

impl Own<'_> {
    /// The rule's own answer, checked against its entry and the reasons
    /// `entries` and `table` already use.
    fn answer(
        &self,
        answer: dto::OperationAnswer,
        entries: &[VehicleStateError],
        table: &TypeTable,
    ) -> Result<Answer, String> {
        let entry = self.entry;
        let prefix = format!("{}_", entry.reason);
        if !is_reason(&answer.reason) || !answer.reason.starts_with(&prefix) {
            return Err(format!(
                "reason {:?} must be {prefix}<SUFFIX>, UPPER_SNAKE, 63 characters at most",
                answer.reason
            ));
        }
        let taken = entries.iter().map(|e| e.reason.as_str());
        if taken
            .chain(table.answers().iter().map(|a| a.reason.as_str()))
            .any(|r| r == answer.reason)
        {
            return Err(format!("reason {} appears twice", answer.reason));
        }
        let retry = answer.retry;
        let delay = Duration::from_secs(retry.delay_seconds);
        retry.strategy.check(retry.action, delay)?;
        if (retry.strategy, retry.action) == (entry.retry.strategy, entry.retry.action) {
            return Err(format!(
                "the answer is {}'s own: leave it out, and the rule confirms the entry",
                entry.code
            ));
        }
        if matches!(
            retry.strategy,
            RetryStrategy::DoNotRetry | RetryStrategy::RetryAfterAction
        ) && answer.propagation.is_retried_by_infrastructure()
        {
            return Err(format!(
                "{:?} must not propagate {:?}: retry layers would retry it",
                retry.strategy, answer.propagation
            ));
        }
        for (field, text) in [
            ("delayReason", &retry.delay_reason),
            ("developerNote", &answer.developer_note),
        ] {
            if text.trim().is_empty() || has_placeholder_token(text) {
                return Err(format!("{field} is empty or holds a placeholder"));
            }
        }
        if answer.user_message.trim().is_empty() {
            return Err("userMessage is empty".into());
        }
        let template = Template::parse(&answer.user_message)
            .map_err(|e| format!("userMessage: {e} (only {APP_NAME_PLACEHOLDER} is known)"))?;
        Ok(Answer {
            reason: answer.reason,
            category: entry.category,
            retry: RetryPolicy {
                strategy: retry.strategy,
                action: retry.action,
                delay,
                delay_reason: retry.delay_reason,
                scope: retry.scope,
            },
            propagation: answer.propagation,
            user_message: LocalizedText::new(answer.user_message, template),
            evidence: self.evidence.to_owned(),
            vehicle_state_fallback: false,
            developer_note: Some(answer.developer_note),
            ignores_resolution: true,
            operation: Some(self.operation),
        })
    }
}

#[cfg(test)]
mod tests;
