//! Building a [`TypeTable`] from `catalog/error_types.json`: one validator
//! per part of the file (the category messages, each type and each of its
//! rules, the OAuth errors, the HTTP statuses), each turning what it checks
//! into answers. Answers are numbered in the order they are built, which
//! is the file's order.

use std::time::Duration;

use super::{Answer, AnswerId, CodeMatch, ErrorType, TypeRule, TypeTable, V1Error};
use crate::catalog::{
    Category, LocalizedText, Propagation, RetryPolicy, RetryStrategy, VEHICLE_STATE,
    dto::{self, CodeRule},
};
use crate::render::{Template, has_placeholder_token};
use crate::rules::{BrokenRule, invalid, is_reason, is_upper_snake};

/// The categories whose answers may fall back on a category message.
const MESSAGE_CATEGORIES: [Category; 9] = [
    Category::Access,
    Category::Account,
    Category::RateLimit,
    Category::Billing,
    Category::Compatibility,
    Category::Upstream,
    Category::Provider,
    Category::Request,
    Category::Other,
];

/// Checks `doc` and flattens it into answers; `conflict_409` answers a
/// bare 409 and comes last.
pub(super) fn build(mut doc: dto::Table, conflict_409: Answer) -> Result<TypeTable, BrokenRule> {
    let mut builder = Builder::new(std::mem::take(&mut doc.category_messages))?;
    let mut types: Vec<ErrorType> = Vec::with_capacity(doc.types.len());
    let mut v1_errors = Vec::new();
    for (index, t) in doc.types.into_iter().enumerate() {
        let error_type = builder.error_type(index, t, &types, &mut v1_errors)?;
        types.push(error_type);
    }
    check_implied_codes(&types, &v1_errors)?;
    let oauth = builder.oauth(&doc.oauth_errors)?;
    let statuses = builder.statuses(&doc.http_statuses)?;
    let unrecognized = builder.push(
        "unrecognized",
        "UNRECOGNIZED_ERROR".into(),
        &doc.unrecognized,
    )?;
    let mut listed = statuses.listed;
    builder.answers.push(conflict_409);
    listed.push((409, AnswerId(builder.answers.len() - 1)));
    Ok(TypeTable {
        answers: builder.answers,
        types,
        v1_errors,
        oauth,
        statuses: listed,
        class_4xx: statuses
            .class_4xx
            .ok_or_else(|| invalid("httpStatuses", "no statusClass 4"))?,
        class_5xx: statuses
            .class_5xx
            .ok_or_else(|| invalid("httpStatuses", "no statusClass 5"))?,
        unrecognized,
    })
}

/// A v1 `error` string that implies a code must name a code its type
/// lists.
fn check_implied_codes(types: &[ErrorType], v1_errors: &[V1Error]) -> Result<(), BrokenRule> {
    for v1 in v1_errors {
        let t = &types[v1.type_index];
        if let Some(code) = &v1.code
            && t.answer_for(Some(code)).1 != CodeMatch::Listed
        {
            return Err(invalid(
                "types",
                format!(
                    "v1 error {} implies {code}, which {} does not list",
                    v1.error, t.name
                ),
            ));
        }
    }
    Ok(())
}

/// The HTTP statuses' answers: listed statuses, then the two classes.
struct Statuses {
    listed: Vec<(u16, AnswerId)>,
    class_4xx: Option<AnswerId>,
    class_5xx: Option<AnswerId>,
}

/// A type's codes as its rules list them, each with its answer.
#[derive(Default)]
struct TypeCodes {
    codes: Vec<(Option<String>, AnswerId)>,
    legacy_codes: Vec<(String, AnswerId)>,
}

/// Turns the file's rules into answers, checking each.
struct Builder {
    answers: Vec<Answer>,
    category_messages: Vec<(Category, String)>,
}

impl Builder {
    fn new(messages: Vec<(Category, String)>) -> Result<Self, BrokenRule> {
        if let Some(category) = MESSAGE_CATEGORIES
            .into_iter()
            .find(|category| !messages.iter().any(|(c, _)| c == category))
        {
            return Err(invalid(
                "categoryMessages",
                format!("no message for {category:?}"),
            ));
        }
        Ok(Self {
            answers: Vec::new(),
            category_messages: messages,
        })
    }

    /// Checks one type and its rules; `types` are the ones before it, and
    /// its v1 `error` strings join `v1_errors`.
    fn error_type(
        &mut self,
        index: usize,
        t: dto::Type,
        types: &[ErrorType],
        v1_errors: &mut Vec<V1Error>,
    ) -> Result<ErrorType, BrokenRule> {
        let path = format!("types[{index}] ({})", t.name);
        if !is_upper_snake(&t.name) || t.name == VEHICLE_STATE {
            return Err(invalid(
                &path,
                "type must be UPPER_SNAKE and not VEHICLE_STATE",
            ));
        }
        if types.iter().any(|x| x.name == t.name) {
            return Err(invalid(&path, "type appears twice"));
        }
        if !(400..=599).contains(&t.http_status) {
            return Err(invalid(&path, "httpStatus must be 400-599"));
        }
        let mut codes = TypeCodes::default();
        let mut rules = Vec::with_capacity(t.rules.len());
        for (r_index, rule) in t.rules.iter().enumerate() {
            let path = format!("{path}.rules[{r_index}]");
            let answers_unlisted = r_index == t.unknown_codes;
            rules.push(self.code_rule(&path, &t.name, rule, answers_unlisted, &mut codes)?);
        }
        let unlisted = self.unlisted(&path, &t, &rules, &codes)?;
        for entry in &t.v1_errors {
            let v1 = v1_error(&path, entry, types.len(), v1_errors)?;
            v1_errors.push(v1);
        }
        Ok(ErrorType {
            name: t.name,
            http_status: t.http_status,
            v1_errors: t.v1_errors,
            rules,
            codes: codes.codes,
            legacy_codes: codes.legacy_codes,
            unlisted,
        })
    }

    /// Checks one rule of type `type_name`: an answer per code, named
    /// `<TYPE>_<CODE>` (`<TYPE>` for the null code); its legacy codes
    /// share the first code's answer. Its codes join the type's `codes`.
    fn code_rule(
        &mut self,
        path: &str,
        type_name: &str,
        rule: &CodeRule,
        answers_unlisted_codes: bool,
        codes: &mut TypeCodes,
    ) -> Result<TypeRule, BrokenRule> {
        if rule.codes.is_empty() {
            return Err(invalid(path, "a rule needs at least one code"));
        }
        let mut first = None;
        for code in &rule.codes {
            if let Some(c) = code
                && !is_upper_snake(c)
            {
                return Err(invalid(path, format!("code {c:?} is not UPPER_SNAKE")));
            }
            if codes.codes.iter().any(|(c, _)| c == code) {
                return Err(invalid(path, format!("code {code:?} appears twice")));
            }
            let reason = match code {
                Some(c) => format!("{type_name}_{c}"),
                None => type_name.to_owned(),
            };
            let id = self.push(path, reason, &rule.rule)?;
            first.get_or_insert(id);
            codes.codes.push((code.clone(), id));
        }
        let first = first.unwrap_or(AnswerId(0));
        for legacy in &rule.legacy_codes {
            if !is_upper_snake(legacy) {
                return Err(invalid(
                    path,
                    format!("legacy code {legacy:?} is not UPPER_SNAKE"),
                ));
            }
            codes.legacy_codes.push((legacy.clone(), first));
        }
        Ok(TypeRule {
            codes: rule.codes.clone(),
            legacy_codes: rule.legacy_codes.clone(),
            answers_unlisted_codes,
            answer: first,
        })
    }

    /// The answer for the codes a type does not list: the type's own
    /// reason (`<TYPE>`), never one built from the code, so reasons stay a
    /// fixed vocabulary.
    fn unlisted(
        &mut self,
        path: &str,
        t: &dto::Type,
        rules: &[TypeRule],
        codes: &TypeCodes,
    ) -> Result<AnswerId, BrokenRule> {
        let unlisted_rule = t
            .rules
            .get(t.unknown_codes)
            .ok_or_else(|| invalid(path, "unknownCodes names no rule"))?;
        match codes.codes.iter().find(|(c, _)| c.is_none()) {
            Some(&(_, id)) if rules[t.unknown_codes].codes.contains(&None) => Ok(id),
            Some(_) => Err(invalid(
                path,
                "the null code must sit in the rule unknownCodes names, which shares the type's reason",
            )),
            None => self.push(path, t.name.clone(), &unlisted_rule.rule),
        }
    }

    /// The OAuth errors' answers, named `OAUTH_<ERROR>`.
    fn oauth(&mut self, errors: &[dto::OAuth]) -> Result<Vec<(String, AnswerId)>, BrokenRule> {
        let mut oauth = Vec::with_capacity(errors.len());
        for (i, o) in errors.iter().enumerate() {
            let path = format!("oauthErrors[{i}]");
            let reason = format!("OAUTH_{}", o.error.to_ascii_uppercase());
            oauth.push((o.error.clone(), self.push(&path, reason, &o.rule)?));
        }
        Ok(oauth)
    }

    /// The HTTP statuses' answers: `HTTP_<STATUS>` for a listed status,
    /// `HTTP_4XX` and `HTTP_5XX` for the rest of each class. 409 is not
    /// listed: its answer comes from the vehicle-state catalog.
    fn statuses(&mut self, entries: &[dto::Status]) -> Result<Statuses, BrokenRule> {
        let mut out = Statuses {
            listed: Vec::new(),
            class_4xx: None,
            class_5xx: None,
        };
        for (i, s) in entries.iter().enumerate() {
            let path = format!("httpStatuses[{i}]");
            match (&s.statuses, s.status_class) {
                (Some(list), None) => {
                    for &status in list {
                        if !(400..=599).contains(&status) || status == 409 {
                            return Err(invalid(
                                &path,
                                format!("{status} is not a usable status other than 409"),
                            ));
                        }
                        if out.listed.iter().any(|(x, _)| *x == status) {
                            return Err(invalid(&path, format!("{status} appears twice")));
                        }
                        let id = self.push(&path, format!("HTTP_{status}"), &s.rule)?;
                        out.listed.push((status, id));
                    }
                }
                (None, Some(4)) if out.class_4xx.is_none() => {
                    out.class_4xx = Some(self.push(&path, "HTTP_4XX".into(), &s.rule)?);
                }
                (None, Some(5)) if out.class_5xx.is_none() => {
                    out.class_5xx = Some(self.push(&path, "HTTP_5XX".into(), &s.rule)?);
                }
                _ => {
                    return Err(invalid(
                        &path,
                        "give statuses or a statusClass of 4 or 5, once each",
                    ));
                }
            }
        }
        Ok(out)
    }

    /// Checks `rule` as the answer under `reason` and adds it.
    fn push(
        &mut self,
        path: &str,
        reason: String,
        rule: &dto::Rule,
    ) -> Result<AnswerId, BrokenRule> {
        if rule.category.is_vehicle_state() {
            return Err(invalid(
                path,
                "a vehicle-state category belongs to the catalog",
            ));
        }
        if !is_reason(&reason) {
            return Err(invalid(
                path,
                format!("reason {reason:?} is not UPPER_SNAKE, 63 at most"),
            ));
        }
        if self.answers.iter().any(|a| a.reason == reason) {
            return Err(invalid(path, format!("reason {reason} appears twice")));
        }
        let retry = retry_policy(path, rule)?;
        check_propagation(path, rule)?;
        let developer_note = match &rule.developer_note {
            Some(note) if note.trim().is_empty() || has_placeholder_token(note) => {
                return Err(invalid(
                    path,
                    "developerNote is empty or holds a placeholder",
                ));
            }
            note => note.clone(),
        };
        let user_message = self.user_message(path, rule)?;
        self.answers.push(Answer {
            reason,
            category: rule.category,
            retry,
            propagation: rule.propagation,
            user_message,
            evidence: rule.evidence.clone(),
            vehicle_state_fallback: false,
            developer_note,
            ignores_resolution: rule.ignores_resolution,
            operation: None,
        });
        Ok(AnswerId(self.answers.len() - 1))
    }

    /// The rule's own message, else its category's.
    fn user_message(&self, path: &str, rule: &dto::Rule) -> Result<LocalizedText, BrokenRule> {
        let text = match &rule.user_message {
            Some(text) => text.clone(),
            None => self
                .category_messages
                .iter()
                .find(|(c, _)| *c == rule.category)
                .map(|(_, m)| m.clone())
                .ok_or_else(|| invalid(path, "no user message for its category"))?,
        };
        let template = Template::parse(&text).map_err(|e| invalid(path, e.to_string()))?;
        if text.trim().is_empty() {
            return Err(invalid(path, "userMessage is empty"));
        }
        Ok(LocalizedText::new(text, template))
    }
}

/// A rule's retry policy, checked; its reason and evidence are plain,
/// non-empty text.
fn retry_policy(path: &str, rule: &dto::Rule) -> Result<RetryPolicy, BrokenRule> {
    let delay = Duration::from_secs(rule.delay_seconds);
    rule.strategy
        .check(rule.action, delay)
        .map_err(|e| invalid(path, e))?;
    if rule.strategy == RetryStrategy::NoRetryNeeded {
        return Err(invalid(path, "NO_RETRY_NEEDED is for vehicle states only"));
    }
    for (field, text) in [
        ("delayReason", &rule.delay_reason),
        ("evidence", &rule.evidence),
    ] {
        if text.trim().is_empty() || has_placeholder_token(text) {
            return Err(invalid(
                path,
                format!("{field} is empty or holds a placeholder"),
            ));
        }
    }
    Ok(RetryPolicy {
        strategy: rule.strategy,
        action: rule.action,
        delay,
        delay_reason: rule.delay_reason.clone(),
        scope: rule.scope,
    })
}

/// The code follows the strategy (docs/design.md §5.1): an answer that
/// waits on an action, or says not to retry, never propagates a code that
/// generic retry layers retry at once. The one exception is a BILLING
/// quota: RESOURCE_EXHAUSTED with `QuotaFailure` says "quota" to every
/// caller, and the client helpers' pushback trailer stops generic retries.
fn check_propagation(path: &str, rule: &dto::Rule) -> Result<(), BrokenRule> {
    let waits_on_someone = matches!(
        rule.strategy,
        RetryStrategy::DoNotRetry | RetryStrategy::RetryAfterAction
    );
    let billing_quota =
        rule.category == Category::Billing && rule.propagation == Propagation::ResourceExhausted;
    if waits_on_someone && rule.propagation.is_retried_by_infrastructure() && !billing_quota {
        return Err(invalid(
            path,
            format!(
                "{:?} must not propagate {:?}: retry layers would retry it",
                rule.strategy, rule.propagation
            ),
        ));
    }
    Ok(())
}

/// One v1 `error` string of the type at `type_index`, written `error` or
/// `error:CODE` when it implies a code; unique across types.
fn v1_error(
    path: &str,
    entry: &str,
    type_index: usize,
    known: &[V1Error],
) -> Result<V1Error, BrokenRule> {
    let (error, code) = match entry.split_once(':') {
        Some((e, c)) => (e, Some(c.to_owned())),
        None => (entry, None),
    };
    if error.is_empty() || known.iter().any(|v1| v1.error == error) {
        return Err(invalid(
            path,
            format!("v1 error {error:?} is empty or repeated"),
        ));
    }
    Ok(V1Error {
        error: error.to_owned(),
        type_index,
        code,
    })
}
