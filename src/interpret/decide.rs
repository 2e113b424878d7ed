//! The decision, in the order of evidence (docs/design.md §4 and §5):
//! identify the error (a vehicle-state entry, a table type, an OAuth
//! error, the HTTP status, or nothing), take that source's answer, let the
//! caller's operation decide an entry's (design 3d), then let the body's
//! own `resolution` amend a table answer.

use std::{borrow::Cow, time::Duration};

use super::action_url::action_url;
use super::parse::{ItemKey, RawError};
use super::warning::cut;
use super::{
    AnswerKey, BodyTexts, DecisionSource, DelayReason, Identification, Interpretation, RetryAdvice,
    Warning, WarningKind, upstream,
};
use crate::catalog::{
    Action, Answer, AnswerId, Catalog, CatalogEntry, Category, CodeMatch, Found, MAX_CODE_LEN,
    Operation, Propagation, ResolutionType, RetryPolicy, RetryStrategy, VEHICLE_STATE,
};

/// The delay advised when a body's `resolution` says `RETRY_LATER` for an
/// error whose table answer does not wait: no row gives one, and a minute
/// neither hammers the API nor leaves the user waiting long.
pub const DEFAULT_RETRY_LATER_DELAY: Duration = Duration::from_secs(60);

/// True for the type names of vehicle-state errors: v2/v3's `VEHICLE_STATE`
/// and v1's `vehicle_state_error`, in any letter case.
pub fn is_vehicle_state_type(t: &str) -> bool {
    let t = t.trim();
    t.eq_ignore_ascii_case(VEHICLE_STATE) || t.eq_ignore_ascii_case("VEHICLE_STATE_ERROR")
}

/// An HTTP status the table can answer from: 400-599 (docs/design.md §4.5).
pub(super) fn is_usable(status: u16) -> bool {
    (400..=599).contains(&status)
}

/// How restrictive a v3 error's answer is: the body is answered for its
/// most restrictive error (DO_NOT_RETRY > RETRY_AFTER_ACTION > RETRY_LATER
/// > NO_RETRY_NEEDED).
///
/// The parser calls this while it reads the list, so a body of many errors
/// is never held whole. The caller's `operation` counts: a read's
/// NOT_CHARGING does not retry, whatever the entry alone would say.
pub(super) fn rank(catalog: &Catalog, item: &ItemKey<'_>, operation: Option<Operation>) -> u8 {
    let raw = RawError {
        error_type: item.error_type.map(Cow::Borrowed),
        code: item.code.map(Cow::Borrowed),
        status: item.status,
        resolution: item.resolution.map(Cow::Borrowed),
        ..RawError::default()
    };
    let decided = decide(catalog, Some(raw), None, operation, &mut Vec::new());
    decided.advice.strategy as u8
}

/// Identifies a parsed error (or, with none, a usable status) and decides
/// the answer, in the order of evidence, for the caller's `operation` when
/// it says one. The warnings are the caller's to attach.
pub(super) fn decide<'c, 'a>(
    catalog: &'c Catalog,
    raw: Option<RawError<'a>>,
    request_status: Option<u16>,
    operation: Option<Operation>,
    warnings: &mut Vec<Warning>,
) -> Interpretation<'c, 'a> {
    // No error body at all, as against an error object without a usable
    // type (a v3 item whose `type` is an object, say).
    let no_body = raw.is_none();
    let raw = raw.unwrap_or_default();
    let status = raw.status.or(request_status);
    if let (Some(body), Some(request)) = (raw.status, request_status)
        && body != request
    {
        warnings.push(Warning::status_mismatch(body, request));
    }
    if raw.other_errors > 0 {
        warnings.push(Warning::other_errors(raw.other_errors));
    }
    let identified = identify(catalog, &raw, no_body, status);
    let mut answered = answer_from(catalog, identified.source);
    let mut decided_by = identified.decided_by;
    if let Some(operation) = operation
        && answered.apply_operation(catalog, identified.source, operation)
    {
        decided_by = DecisionSource::Operation;
    }
    // The body's explicit resolution outranks the table, the status and the
    // default, never the catalog (vehicle-state guidance is documented) nor
    // a row whose evidence says only its own action helps.
    let resolution = raw
        .resolution
        .as_deref()
        .and_then(|r| BodyResolution::read(r, warnings))
        .filter(|_| answered.entry.is_none())
        .filter(|_| answered.answer.is_none_or(|(_, a)| !a.ignores_resolution));
    if let Some(resolution) = resolution
        && answered.apply_resolution(resolution)
    {
        decided_by = DecisionSource::Resolution;
    }
    let request_id = raw
        .request_id
        .and_then(|id| upstream::body_request_id(id, warnings));
    let action_url = raw.action_url.and_then(|url| action_url(url, warnings));
    Interpretation {
        identification: identified.identification,
        decided_by,
        key: answered.key,
        entry: answered.entry,
        answer: answered.answer,
        reason: answered.reason,
        error_type: raw.error_type,
        known_type: identified.known_type,
        error_code: raw.code,
        category: answered.category,
        advice: answered.advice,
        propagation: answered.propagation,
        request_id,
        http_status: status,
        other_errors: raw.other_errors,
        warnings: Vec::new(),
        body: BodyTexts {
            description: raw.description,
            suggested_user_message: raw.suggested_user_message,
            doc_url: raw.doc_url,
        },
        action_url,
    }
}

/// The longest `resolution.type` a warning repeats: it is upstream input,
/// so a long one is cut (a code is at most this long too).
const MAX_RESOLUTION_CHARS: usize = MAX_CODE_LEN;

/// A body's `resolution.type` the service acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyResolution {
    /// A type a catalog entry's body may carry too.
    Documented(ResolutionType),
    /// `ACTION_REQUIRED`, sent with VIRTUAL_KEY_REQUIRED: the user acts in
    /// the carmaker account (design 3b, corrected).
    ActionRequired,
}

impl BodyResolution {
    /// Reads `value` in any letter case; a blank one is none, and one the
    /// table does not know is none with a `RESOLUTION_TYPE_UNKNOWN`
    /// warning carrying the value, cut to [`MAX_RESOLUTION_CHARS`].
    fn read(value: &str, warnings: &mut Vec<Warning>) -> Option<Self> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        if value.eq_ignore_ascii_case("ACTION_REQUIRED") {
            return Some(Self::ActionRequired);
        }
        if let Some(documented) = ResolutionType::parse(value) {
            return Some(Self::Documented(documented));
        }
        let shown = cut(value, MAX_RESOLUTION_CHARS);
        warnings
            .push(Warning::new(WarningKind::ResolutionTypeUnknown, "body").with("value", &shown));
        None
    }
}

/// What identified an error: a vehicle-state entry or a table answer.
#[derive(Debug, Clone, Copy)]
enum Source<'c> {
    Entry(CatalogEntry<'c>),
    Answer(AnswerId),
}

/// How an error was recognised, and the source whose answer applies.
struct Identified<'c> {
    identification: Identification,
    decided_by: DecisionSource,
    source: Source<'c>,
    /// The type it was identified as; `None` when not identified by type.
    known_type: Option<&'c str>,
}

/// Identifies `raw` by its type and code: a vehicle-state entry, a table
/// type, an OAuth error (v1 bodies only), else its HTTP `status`.
fn identify<'c>(
    catalog: &'c Catalog,
    raw: &RawError<'_>,
    no_body: bool,
    status: Option<u16>,
) -> Identified<'c> {
    let code = raw.code.as_deref().filter(|c| c.len() <= MAX_CODE_LEN);
    let Some(t) = raw.error_type.as_deref() else {
        let identification = if no_body {
            Identification::NoErrorBody
        } else {
            Identification::UnknownType
        };
        return from_status(catalog, status, identification);
    };
    if is_vehicle_state_type(t) {
        let (entry, identification) = match code.and_then(|c| catalog.get(c)) {
            Some((entry, Found::Code)) => (entry, Identification::ExactCode),
            Some((entry, Found::LegacyCode)) => (entry, Identification::LegacyCode),
            None => (catalog.fallback(), Identification::UnknownCode),
        };
        return Identified {
            identification,
            decided_by: DecisionSource::Catalog,
            source: Source::Entry(entry),
            known_type: Some(VEHICLE_STATE),
        };
    }
    let table = catalog.table();
    if let Some((error_type, implied)) = table.find_type(t) {
        let (id, found) = error_type.answer_for(code.or(implied));
        let identification = match found {
            CodeMatch::Listed if code.is_none() && implied.is_some() => Identification::LegacyCode,
            CodeMatch::Listed => Identification::ExactCode,
            CodeMatch::Legacy => Identification::LegacyCode,
            CodeMatch::Unlisted => Identification::UnknownCode,
        };
        return Identified {
            identification,
            decided_by: DecisionSource::TypeTable,
            source: Source::Answer(id),
            known_type: Some(error_type.name.as_str()),
        };
    }
    match table.oauth(t).filter(|_| raw.legacy_format) {
        Some(id) => Identified {
            identification: Identification::ExactCode,
            decided_by: DecisionSource::TypeTable,
            source: Source::Answer(id),
            known_type: None,
        },
        None => from_status(catalog, status, Identification::UnknownType),
    }
}

/// The answer for an error identified by its HTTP status alone, else the
/// default.
fn from_status(
    catalog: &Catalog,
    status: Option<u16>,
    identification: Identification,
) -> Identified<'_> {
    let table = catalog.table();
    let (decided_by, id) = match status
        .filter(|s| is_usable(*s))
        .and_then(|s| table.status(s))
    {
        Some(id) => (DecisionSource::HttpStatus, id),
        None => (DecisionSource::Default, table.unrecognized()),
    };
    Identified {
        identification,
        decided_by,
        source: Source::Answer(id),
        known_type: None,
    }
}

/// A source's answer, before the body's resolution amends it.
struct Answered<'c> {
    key: AnswerKey,
    entry: Option<CatalogEntry<'c>>,
    answer: Option<(AnswerId, &'c Answer)>,
    category: Category,
    advice: RetryAdvice<'c>,
    propagation: Propagation,
    reason: &'c str,
}

/// What `source` answers: an entry's guidance, or a table answer's.
fn answer_from<'c>(catalog: &'c Catalog, source: Source<'c>) -> Answered<'c> {
    match source {
        Source::Entry(matched) => {
            let e = matched.entry;
            Answered {
                key: AnswerKey::Entry(matched.id),
                entry: Some(matched),
                answer: None,
                category: e.category,
                advice: advice_from(&e.retry),
                propagation: Propagation::FailedPrecondition,
                reason: e.reason.as_str(),
            }
        }
        Source::Answer(id) => {
            let a = catalog.table().answer(id);
            Answered {
                key: AnswerKey::Table(id),
                // A bare 409 answers with UNKNOWN's guidance: its entry, for
                // the texts and the catalog code.
                entry: a.vehicle_state_fallback.then(|| catalog.fallback()),
                answer: Some((id, a)),
                category: a.category,
                advice: advice_from(&a.retry),
                propagation: a.propagation,
                reason: a.reason.as_str(),
            }
        }
    }
}

/// The advice a retry policy gives before anything else is considered.
fn advice_from(policy: &RetryPolicy) -> RetryAdvice<'_> {
    RetryAdvice {
        strategy: policy.strategy,
        action: policy.action,
        delay: policy.delay,
        delay_reason: DelayReason::Catalog(&policy.delay_reason),
        scope: policy.scope,
    }
}

impl<'c> Answered<'c> {
    /// Lets the caller's `operation` decide an entry's answer (design 3d):
    /// true when one of its rules matched `source`; the rule's own answer,
    /// where it has one, replaces the entry's, still about that entry (its
    /// code, its documentation). Other sources never match: the operation
    /// decides "already done" for vehicle states only.
    fn apply_operation(
        &mut self,
        catalog: &'c Catalog,
        source: Source<'c>,
        operation: Operation,
    ) -> bool {
        let Source::Entry(matched) = source else {
            return false;
        };
        let Some(rule) = catalog.operation_rule(operation, matched.id) else {
            return false;
        };
        if let Some(id) = rule.answer {
            let a = catalog.table().answer(id);
            *self = Answered {
                key: AnswerKey::Table(id),
                entry: Some(matched),
                answer: Some((id, a)),
                category: a.category,
                advice: advice_from(&a.retry),
                propagation: a.propagation,
                reason: a.reason.as_str(),
            };
        }
        true
    }

    /// Applies a body's `resolution.type` (docs/design.md §5.2): it sets
    /// the strategy and action; when it changes the strategy, the
    /// propagated code follows the final strategy, so a retry layer never
    /// retries what must not be retried. True when the answer changed.
    fn apply_resolution(&mut self, resolution: BodyResolution) -> bool {
        let (strategy, action, reason) = match resolution {
            BodyResolution::Documented(ResolutionType::None) => return false,
            BodyResolution::Documented(ResolutionType::RetryLater) => (
                RetryStrategy::RetryLater,
                Action::None,
                "The error's resolution is RETRY_LATER; one minute is a cautious default.",
            ),
            BodyResolution::Documented(ResolutionType::Reauthenticate) => (
                RetryStrategy::RetryAfterAction,
                Action::UserReconnect,
                "The error's resolution is REAUTHENTICATE; retry once the user has signed in again.",
            ),
            BodyResolution::Documented(ResolutionType::ContactSupport) => (
                RetryStrategy::DoNotRetry,
                Action::ContactSupport,
                "The error's resolution is CONTACT_SUPPORT; retrying will not help.",
            ),
            BodyResolution::ActionRequired => (
                RetryStrategy::RetryAfterAction,
                Action::UserAccountAction,
                "The error's resolution is ACTION_REQUIRED; retry once the user has acted in the carmaker account.",
            ),
        };
        let advice = &mut self.advice;
        if (strategy, action) == (advice.strategy, advice.action) {
            return false;
        }
        if strategy != advice.strategy {
            let propagation = self.propagation;
            self.propagation = match strategy {
                RetryStrategy::RetryLater if propagation.is_retried_by_infrastructure() => {
                    propagation
                }
                RetryStrategy::DoNotRetry | RetryStrategy::RetryAfterAction
                    if !propagation.is_retried_by_infrastructure() =>
                {
                    propagation
                }
                _ => Propagation::FailedPrecondition,
            };
            if !(strategy == RetryStrategy::RetryLater
                && advice.strategy == RetryStrategy::RetryLater)
            {
                advice.delay = match strategy {
                    RetryStrategy::RetryLater => DEFAULT_RETRY_LATER_DELAY,
                    _ => Duration::ZERO,
                };
                advice.delay_reason = DelayReason::Fixed(reason);
            }
        }
        advice.strategy = strategy;
        advice.action = action;
        true
    }
}
