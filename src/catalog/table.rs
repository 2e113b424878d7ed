//! The type table: how every error that is not a vehicle-state error is
//! answered (docs/design.md §4), loaded from `catalog/error_types.json`
//! and validated like the vehicle-state entries.
//!
//! The file groups codes into rules; here every (type, code) pair becomes
//! an [`Answer`] of its own, with its own stable `reason`, so an operator's
//! overlay can reword one answer without touching its neighbours and the
//! request path reads one flat list by index.

use std::time::Duration;

use super::{CatalogError, Category, LocalizedText, Propagation, RetryPolicy, RetryStrategy, dto};
use crate::render::{Template, has_placeholder_token};
use crate::rules::{BrokenRule, invalid, is_reason, is_upper_snake};

/// The type table embedded in the binary, from `catalog/error_types.json`.
pub const EMBEDDED_TYPES_JSON: &str = include_str!("../../catalog/error_types.json");

/// Identifies one [`Answer`] of a catalog's type table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AnswerId(usize);

impl AnswerId {
    /// The answer's position in [`TypeTable::answers`].
    pub fn index(self) -> usize {
        self.0
    }
}

/// How one reason is answered: one (type, code) pair of the table, an
/// OAuth error, an HTTP status, or the default.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The stable key (`RATE_LIMIT_VEHICLE`, `HTTP_504`, ...).
    pub reason: String,
    /// The kind of problem.
    pub category: Category,
    /// When to retry and who acts, before any `resolution` in the body.
    pub retry: RetryPolicy,
    /// The code to propagate, before any `resolution` in the body.
    pub propagation: Propagation,
    /// The user message in this project's words, with `<app name>`.
    pub user_message: LocalizedText,
    /// What the answer rests on (a documentation page, an SDK's behaviour).
    pub evidence: String,
    /// Answers a bare HTTP 409 with the vehicle-state catalog's `UNKNOWN`
    /// guidance: its texts and strategy come from that entry.
    pub vehicle_state_fallback: bool,
}

/// One error type of the API, as `ListErrorTypes` shows it.
#[derive(Debug, Clone)]
pub struct ErrorType {
    /// The type, such as `RATE_LIMIT`.
    pub name: String,
    /// The HTTP status the API sends it with.
    pub http_status: u16,
    /// The v1 `error` strings meaning it.
    pub v1_errors: Vec<String>,
    /// Its rules, as the file groups its codes.
    pub rules: Vec<TypeRule>,
    codes: Vec<(Option<String>, AnswerId)>,
    legacy_codes: Vec<(String, AnswerId)>,
    unlisted: AnswerId,
}

/// A group of a type's codes answered alike, as the file writes it.
#[derive(Debug, Clone)]
pub struct TypeRule {
    /// The codes; `None` is the API's null code.
    pub codes: Vec<Option<String>>,
    /// Legacy v1 codes of the rule.
    pub legacy_codes: Vec<String>,
    /// Answers codes the type does not list.
    pub answers_unlisted_codes: bool,
    /// The answer of the rule's first code: the rule's category, retry,
    /// propagation and message.
    pub answer: AnswerId,
}

/// How a code was found in a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeMatch {
    /// A code the type lists, or its null code.
    Listed,
    /// A legacy v1 code, or a code implied by a v1 `error` string.
    Legacy,
    /// A code the type does not list.
    Unlisted,
}

/// The type table, validated and flattened into answers.
#[derive(Debug, Clone)]
pub struct TypeTable {
    answers: Vec<Answer>,
    types: Vec<ErrorType>,
    /// v1 `error` string (lower case) -> type index and implied code.
    v1_errors: Vec<(String, usize, Option<String>)>,
    oauth: Vec<(String, AnswerId)>,
    statuses: Vec<(u16, AnswerId)>,
    class_4xx: AnswerId,
    class_5xx: AnswerId,
    unrecognized: AnswerId,
}

impl TypeTable {
    /// Loads and validates the table in `json`; `conflict_409` is the
    /// answer for a bare 409, derived from the vehicle-state catalog.
    ///
    /// # Errors
    /// `CatalogError` naming the first rule broken.
    pub(super) fn from_json(json: &str, conflict_409: Answer) -> Result<Self, CatalogError> {
        let mut doc: dto::Table = serde_json::from_str(json)?;
        let messages = std::mem::take(&mut doc.category_messages);
        Ok(Builder::new(messages)?.build(doc, conflict_409)?)
    }

    /// Every answer, in a fixed order ([`AnswerId::index`]).
    pub fn answers(&self) -> &[Answer] {
        &self.answers
    }

    /// The answer with `reason`, for the overlay.
    pub(super) fn answer_mut(&mut self, reason: &str) -> Option<&mut Answer> {
        self.answers.iter_mut().find(|a| a.reason == reason)
    }

    /// The answer `id` names.
    pub fn answer(&self, id: AnswerId) -> &Answer {
        &self.answers[id.0]
    }

    /// Every type, in the file's order.
    pub fn types(&self) -> &[ErrorType] {
        &self.types
    }

    /// The type named `name` (any letter case), or the type a v1 `error`
    /// string means, with the code that string implies.
    pub fn find_type(&self, name: &str) -> Option<(&ErrorType, Option<&str>)> {
        let name = name.trim();
        if let Some(t) = self
            .types
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
        {
            return Some((t, None));
        }
        self.v1_errors
            .iter()
            .find(|(e, ..)| e.eq_ignore_ascii_case(name))
            .map(|(_, index, code)| (&self.types[*index], code.as_deref()))
    }

    /// The answer for an OAuth `error` value, in any letter case.
    pub fn oauth(&self, error: &str) -> Option<AnswerId> {
        let error = error.trim();
        self.oauth
            .iter()
            .find(|(e, _)| e.eq_ignore_ascii_case(error))
            .map(|&(_, id)| id)
    }

    /// The answer for a usable HTTP status (400-599) alone.
    pub fn status(&self, status: u16) -> Option<AnswerId> {
        if let Some(&(_, id)) = self.statuses.iter().find(|(s, _)| *s == status) {
            return Some(id);
        }
        match status {
            400..=499 => Some(self.class_4xx),
            500..=599 => Some(self.class_5xx),
            _ => None,
        }
    }

    /// The answer for an error nothing identifies.
    pub fn unrecognized(&self) -> AnswerId {
        self.unrecognized
    }

    /// Re-derives the bare-409 answer from the (patched) `UNKNOWN` entry,
    /// so an overlay's change to that entry reaches it too.
    pub(super) fn refresh_conflict_answer(&mut self, unknown: &super::VehicleStateError) {
        if let Some(&(_, id)) = self.statuses.iter().find(|(s, _)| *s == 409) {
            self.answers[id.0] = super::conflict_answer(unknown);
        }
    }
}

impl ErrorType {
    /// The answer for `code` (`None`: the API's null code), and how it was
    /// found.
    pub fn answer_for(&self, code: Option<&str>) -> (AnswerId, CodeMatch) {
        let code = code.map(str::trim).filter(|c| !c.is_empty());
        let listed = self.codes.iter().find(|(c, _)| match (c, code) {
            (None, None) => true,
            (Some(c), Some(code)) => c.eq_ignore_ascii_case(code),
            _ => false,
        });
        if let Some(&(_, id)) = listed {
            return (id, CodeMatch::Listed);
        }
        if let Some(code) = code
            && let Some(&(_, id)) = self
                .legacy_codes
                .iter()
                .find(|(c, _)| c.eq_ignore_ascii_case(code))
        {
            return (id, CodeMatch::Legacy);
        }
        (self.unlisted, CodeMatch::Unlisted)
    }
}

/// Turns the file's rules into answers, checking each.
struct Builder {
    answers: Vec<Answer>,
    category_messages: Vec<(Category, String)>,
}

impl Builder {
    fn new(messages: Vec<(Category, String)>) -> Result<Self, BrokenRule> {
        for category in [
            Category::Access,
            Category::Account,
            Category::RateLimit,
            Category::Billing,
            Category::Compatibility,
            Category::Upstream,
            Category::Provider,
            Category::Request,
            Category::Other,
        ] {
            if !messages.iter().any(|(c, _)| *c == category) {
                return Err(invalid(
                    "categoryMessages",
                    format!("no message for {category:?}"),
                ));
            }
        }
        Ok(Self {
            answers: Vec::new(),
            category_messages: messages,
        })
    }

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
        self.answers.push(Answer {
            reason,
            category: rule.category,
            retry: RetryPolicy {
                strategy: rule.strategy,
                action: rule.action,
                delay,
                delay_reason: rule.delay_reason.clone(),
            },
            propagation: rule.propagation,
            user_message: LocalizedText::new(text, template),
            evidence: rule.evidence.clone(),
            vehicle_state_fallback: false,
        });
        Ok(AnswerId(self.answers.len() - 1))
    }

    fn build(mut self, doc: dto::Table, conflict_409: Answer) -> Result<TypeTable, BrokenRule> {
        let mut types = Vec::with_capacity(doc.types.len());
        let mut v1_errors = Vec::new();
        for (t_index, t) in doc.types.into_iter().enumerate() {
            let path = format!("types[{t_index}] ({})", t.name);
            if !is_upper_snake(&t.name) || t.name == super::VEHICLE_STATE {
                return Err(invalid(
                    &path,
                    "type must be UPPER_SNAKE and not VEHICLE_STATE",
                ));
            }
            if types.iter().any(|x: &ErrorType| x.name == t.name) {
                return Err(invalid(&path, "type appears twice"));
            }
            if !(400..=599).contains(&t.http_status) {
                return Err(invalid(&path, "httpStatus must be 400-599"));
            }
            let mut codes = Vec::new();
            let mut legacy_codes = Vec::new();
            let mut rules = Vec::new();
            for (r_index, rule) in t.rules.iter().enumerate() {
                let path = format!("{path}.rules[{r_index}]");
                if rule.codes.is_empty() {
                    return Err(invalid(&path, "a rule needs at least one code"));
                }
                let mut first = None;
                for code in &rule.codes {
                    if let Some(c) = code
                        && !is_upper_snake(c)
                    {
                        return Err(invalid(&path, format!("code {c:?} is not UPPER_SNAKE")));
                    }
                    if codes
                        .iter()
                        .any(|(c, _): &(Option<String>, AnswerId)| c == code)
                    {
                        return Err(invalid(&path, format!("code {code:?} appears twice")));
                    }
                    let reason = match code {
                        Some(c) => format!("{}_{c}", t.name),
                        None => t.name.clone(),
                    };
                    let id = self.push(&path, reason, &rule.rule)?;
                    first.get_or_insert(id);
                    codes.push((code.clone(), id));
                }
                let first = first.unwrap_or(AnswerId(0));
                for legacy in &rule.legacy_codes {
                    if !is_upper_snake(legacy) {
                        return Err(invalid(
                            &path,
                            format!("legacy code {legacy:?} is not UPPER_SNAKE"),
                        ));
                    }
                    legacy_codes.push((legacy.clone(), first));
                }
                rules.push(TypeRule {
                    codes: rule.codes.clone(),
                    legacy_codes: rule.legacy_codes.clone(),
                    answers_unlisted_codes: r_index == t.unknown_codes,
                    answer: first,
                });
            }
            // An unlisted code gets the type's own reason (`<TYPE>`), never
            // one built from the code: reasons stay a fixed vocabulary.
            let unlisted_rule = t
                .rules
                .get(t.unknown_codes)
                .ok_or_else(|| invalid(&path, "unknownCodes names no rule"))?;
            let unlisted = match codes.iter().find(|(c, _)| c.is_none()) {
                Some(&(_, id)) if rules[t.unknown_codes].codes.contains(&None) => id,
                Some(_) => {
                    return Err(invalid(
                        &path,
                        "the null code must sit in the rule unknownCodes names, which shares the type's reason",
                    ));
                }
                None => self.push(&path, t.name.clone(), &unlisted_rule.rule)?,
            };
            for entry in &t.v1_errors {
                let (error, code) = match entry.split_once(':') {
                    Some((e, c)) => (e, Some(c.to_owned())),
                    None => (entry.as_str(), None),
                };
                if error.is_empty()
                    || v1_errors
                        .iter()
                        .any(|(e, ..): &(String, usize, Option<String>)| e == error)
                {
                    return Err(invalid(
                        &path,
                        format!("v1 error {error:?} is empty or repeated"),
                    ));
                }
                v1_errors.push((error.to_owned(), types.len(), code));
            }
            types.push(ErrorType {
                name: t.name,
                http_status: t.http_status,
                v1_errors: t.v1_errors,
                rules,
                codes,
                legacy_codes,
                unlisted,
            });
        }
        for (name, _, code) in &v1_errors {
            let t = &types[v1_errors
                .iter()
                .find(|(n, ..)| n == name)
                .map_or(0, |x| x.1)];
            if let Some(code) = code
                && t.answer_for(Some(code)).1 != CodeMatch::Listed
            {
                return Err(invalid(
                    "types",
                    format!(
                        "v1 error {name} implies {code}, which {} does not list",
                        t.name
                    ),
                ));
            }
        }
        let mut oauth = Vec::new();
        for (i, o) in doc.oauth_errors.iter().enumerate() {
            let path = format!("oauthErrors[{i}]");
            let reason = format!("OAUTH_{}", o.error.to_ascii_uppercase());
            oauth.push((o.error.clone(), self.push(&path, reason, &o.rule)?));
        }
        let mut statuses = Vec::new();
        let (mut class_4xx, mut class_5xx) = (None, None);
        for (i, s) in doc.http_statuses.iter().enumerate() {
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
                        if statuses.iter().any(|(x, _)| *x == status) {
                            return Err(invalid(&path, format!("{status} appears twice")));
                        }
                        statuses
                            .push((status, self.push(&path, format!("HTTP_{status}"), &s.rule)?));
                    }
                }
                (None, Some(4)) if class_4xx.is_none() => {
                    class_4xx = Some(self.push(&path, "HTTP_4XX".into(), &s.rule)?);
                }
                (None, Some(5)) if class_5xx.is_none() => {
                    class_5xx = Some(self.push(&path, "HTTP_5XX".into(), &s.rule)?);
                }
                _ => {
                    return Err(invalid(
                        &path,
                        "give statuses or a statusClass of 4 or 5, once each",
                    ));
                }
            }
        }
        let unrecognized = self.push(
            "unrecognized",
            "UNRECOGNIZED_ERROR".into(),
            &doc.unrecognized,
        )?;
        self.answers.push(conflict_409);
        statuses.push((409, AnswerId(self.answers.len() - 1)));
        Ok(TypeTable {
            answers: self.answers,
            types,
            v1_errors,
            oauth,
            statuses,
            class_4xx: class_4xx.ok_or_else(|| invalid("httpStatuses", "no statusClass 4"))?,
            class_5xx: class_5xx.ok_or_else(|| invalid("httpStatuses", "no statusClass 5"))?,
            unrecognized,
        })
    }
}
