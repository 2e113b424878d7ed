//! Groups the errors a scan finds, within the count limits, and answers
//! each group with `interpret::interpret`: failed signals with the same
//! type, code, state and vehicle are one group; identical sub-responses
//! are one group, and sub-responses whose whole interpretation is the same
//! are merged once interpreted.

use std::{borrow::Cow, collections::HashMap, time::SystemTime};

use super::{Extent, Item, ItemState, Limits, PayloadWarning, PayloadWarningKind};
use crate::catalog::{Catalog, Operation};
use crate::interpret::{self, BodyTexts, Context, Input, Interpretation};
use crate::rules::upper;

/// Where a group's error came from, as `interpret` will take it.
#[derive(Debug)]
pub(super) enum Source<'a> {
    /// An error object, as its text: a VEHICLE_ERROR error, or a failed
    /// signal's `status.error` (whose `resolution` and `description`,
    /// when v3 sends them, count as they do in `Interpret`).
    Error(&'a str),
    /// A batch sub-response with `code` >= 400 and its own headers; its
    /// body as text (owned only when it came as a JSON string).
    Response {
        body: Cow<'a, str>,
        status: u16,
        retry_after: Option<Cow<'a, str>>,
        request_id: Option<Cow<'a, str>>,
    },
}

/// One distinct error, before it is interpreted.
#[derive(Debug)]
pub(super) struct Group<'a> {
    pub(super) source: Source<'a>,
    pub(super) state: ItemState,
    pub(super) extent: Extent,
    pub(super) signals: Vec<Cow<'a, str>>,
    pub(super) paths: Vec<Cow<'a, str>>,
    pub(super) vehicle_id: Option<Cow<'a, str>>,
}

/// What makes two errors of one scope (a delivery's data, a 2.0 vehicle)
/// the same group.
#[derive(Debug, PartialEq, Eq, Hash)]
enum Key<'a> {
    Signal(u32, Cow<'a, str>, Cow<'a, str>, Option<&'a str>),
    Error(u32, Cow<'a, str>, Cow<'a, str>, ItemState, bool),
    Response(
        u32,
        Cow<'a, str>,
        u16,
        Option<Cow<'a, str>>,
        Option<Cow<'a, str>>,
    ),
}

/// The groups found so far, within the limits.
#[derive(Debug)]
pub(super) struct Collector<'a> {
    limits: Limits,
    groups: Vec<Group<'a>>,
    index: HashMap<Key<'a>, usize>,
    scope: u32,
    scope_start: usize,
    signals_listed: usize,
    signals_dropped: usize,
    signals_unreadable: usize,
    items_dropped: usize,
}

impl<'a> Collector<'a> {
    pub(super) fn new(limits: Limits) -> Self {
        Self {
            limits,
            groups: Vec::new(),
            index: HashMap::new(),
            scope: 0,
            scope_start: 0,
            signals_listed: 0,
            signals_dropped: 0,
            signals_unreadable: 0,
            items_dropped: 0,
        }
    }

    /// How many more signal codes may be listed.
    pub(super) fn signal_budget(&self) -> usize {
        self.limits.max_signals.saturating_sub(self.signals_listed)
    }

    /// Counts signals that were read but not listed.
    pub(super) fn drop_signals(&mut self, n: usize) {
        self.signals_dropped = self.signals_dropped.saturating_add(n);
    }

    /// Counts `n` signal entries that name no signal (`SIGNAL_UNREADABLE`).
    pub(super) fn unreadable_signals(&mut self, n: usize) {
        self.signals_unreadable = self.signals_unreadable.saturating_add(n);
    }

    /// A failed signal: its `status.error` as text; what groups it (that
    /// error's type and code, and its whole text when the text says more);
    /// and the signal's code when it has one.
    pub(super) fn signal_error(
        &mut self,
        text: &'a str,
        (error_type, code, whole): (Cow<'a, str>, Cow<'a, str>, Option<&'a str>),
        signal: Option<Cow<'a, str>>,
    ) {
        let key = Key::Signal(self.scope, upper(error_type), upper(code), whole);
        let source = || Source::Error(text);
        let Some(i) = self.group(key, source, ItemState::Error, Extent::Signals) else {
            self.drop_signals(usize::from(signal.is_some()));
            return;
        };
        if let Some(signal) = signal {
            self.list_signals(i, std::iter::once(signal));
        }
    }

    /// A VEHICLE_ERROR error object with its type, code, state and the
    /// signals already read from it (within [`Self::signal_budget`]).
    pub(super) fn error(
        &mut self,
        text: &'a str,
        (error_type, code): (Cow<'a, str>, Cow<'a, str>),
        state: ItemState,
        signals: Vec<Cow<'a, str>>,
        vehicle_wide: bool,
    ) {
        let key = Key::Error(
            self.scope,
            upper(error_type),
            upper(code),
            state,
            vehicle_wide,
        );
        let extent = if vehicle_wide {
            Extent::Vehicle
        } else {
            Extent::Signals
        };
        let count = signals.len();
        match self.group(key, || Source::Error(text), state, extent) {
            Some(i) => self.list_signals(i, signals.into_iter()),
            None => self.drop_signals(count),
        }
    }

    /// A failing sub-response (`code` >= 400) at `path`.
    pub(super) fn response(&mut self, path: Option<Cow<'a, str>>, source: Source<'a>) {
        let Source::Response {
            body,
            status,
            retry_after,
            request_id,
        } = &source
        else {
            return;
        };
        let key = Key::Response(
            self.scope,
            body.clone(),
            *status,
            retry_after.clone(),
            request_id.clone(),
        );
        if let Some(i) = self.group(key, || source, ItemState::Error, Extent::Path) {
            self.groups[i].paths.extend(path);
        }
    }

    /// Ends a scope: its groups are about `vehicle_id`.
    pub(super) fn end_scope(&mut self, vehicle_id: Option<&Cow<'a, str>>) {
        for group in &mut self.groups[self.scope_start..] {
            group.vehicle_id = vehicle_id.cloned();
        }
        self.scope = self.scope.saturating_add(1);
        self.scope_start = self.groups.len();
    }

    /// The groups, and a warning for each limit reached.
    pub(super) fn finish(self, warnings: &mut Vec<PayloadWarning>) -> Vec<Group<'a>> {
        if self.items_dropped > 0 {
            warnings.push(
                PayloadWarning::new(PayloadWarningKind::ItemLimitReached)
                    .with("limit", &self.limits.max_items)
                    .with("dropped", &self.items_dropped),
            );
        }
        if self.signals_dropped > 0 {
            warnings.push(
                PayloadWarning::new(PayloadWarningKind::SignalLimitReached)
                    .with("limit", &self.limits.max_signals)
                    .with("dropped", &self.signals_dropped),
            );
        }
        if self.signals_unreadable > 0 {
            warnings.push(
                PayloadWarning::new(PayloadWarningKind::SignalUnreadable)
                    .with("count", &self.signals_unreadable),
            );
        }
        self.groups
    }

    /// The group for `key`, created when new and the item limit allows.
    fn group(
        &mut self,
        key: Key<'a>,
        source: impl FnOnce() -> Source<'a>,
        state: ItemState,
        extent: Extent,
    ) -> Option<usize> {
        if let Some(&i) = self.index.get(&key) {
            return Some(i);
        }
        if self.groups.len() >= self.limits.max_items {
            self.items_dropped = self.items_dropped.saturating_add(1);
            return None;
        }
        self.groups.push(Group {
            source: source(),
            state,
            extent,
            signals: Vec::new(),
            paths: Vec::new(),
            vehicle_id: None,
        });
        self.index.insert(key, self.groups.len() - 1);
        Some(self.groups.len() - 1)
    }

    fn list_signals(&mut self, i: usize, signals: impl Iterator<Item = Cow<'a, str>>) {
        for signal in signals {
            if self.signal_budget() == 0 {
                self.drop_signals(1);
                continue;
            }
            self.signals_listed += 1;
            self.groups[i].signals.push(signal);
        }
    }
}

/// What every group of one payload is interpreted with.
#[derive(Debug, Clone, Copy)]
pub(super) struct Asked {
    /// The time a Retry-After date is measured from.
    pub(super) now: SystemTime,
    /// The caller's operation, where the payload's kind takes it.
    pub(super) operation: Option<Operation>,
}

/// Answers every group with `interpret::interpret`, the same call
/// `Interpret` makes, and merges sub-responses whose interpretations are
/// the same.
pub(super) fn interpret_groups<'c, 'a>(
    catalog: &'c Catalog,
    groups: Vec<Group<'a>>,
    asked: Asked,
    warnings: &mut Vec<PayloadWarning>,
) -> Vec<Item<'c, 'a>> {
    let mut items: Vec<Item<'c, 'a>> = Vec::with_capacity(groups.len());
    for group in groups {
        let Some(interpretation) = answer(catalog, &group.source, asked) else {
            warnings.push(PayloadWarning::new(PayloadWarningKind::ErrorSkipped));
            continue;
        };
        if group.extent == Extent::Path
            && let Some(same) = items.iter_mut().find(|item| {
                item.extent == Extent::Path
                    && item.vehicle_id == group.vehicle_id
                    && same_answer(&item.interpretation, &interpretation)
            })
        {
            same.paths.extend(group.paths);
            continue;
        }
        items.push(Item {
            interpretation,
            state: group.state,
            extent: group.extent,
            signals: group.signals,
            paths: group.paths,
            vehicle_id: group.vehicle_id,
            relevant: false,
        });
    }
    items
}

/// One group's interpretation; `None` for an error object `interpret`
/// cannot read (no type and, in a webhook, no HTTP status).
fn answer<'c, 'a>(
    catalog: &'c Catalog,
    source: &Source<'a>,
    asked: Asked,
) -> Option<Interpretation<'c, 'a>> {
    match source {
        &Source::Error(text) => {
            interpret::interpret(catalog, Input::Body(text), &context(0, "", "", asked)).ok()
        }
        Source::Response {
            body,
            status,
            retry_after,
            request_id,
        } => {
            let status = u32::from(*status);
            match (body, retry_after.as_ref(), request_id.as_ref()) {
                (
                    Cow::Borrowed(body),
                    None | Some(Cow::Borrowed(_)),
                    None | Some(Cow::Borrowed(_)),
                ) => {
                    let borrowed = |c: Option<&Cow<'a, str>>| match c {
                        Some(Cow::Borrowed(s)) => *s,
                        _ => "",
                    };
                    let ctx = context(
                        status,
                        borrowed(retry_after.as_ref()),
                        borrowed(request_id.as_ref()),
                        asked,
                    );
                    interpret::interpret(catalog, Input::Body(body), &ctx).ok()
                }
                (body, retry_after, request_id) => {
                    let ctx = context(status, local(retry_after), local(request_id), asked);
                    interpret::interpret(catalog, Input::Body(body), &ctx)
                        .ok()
                        .map(owned)
                }
            }
        }
    }
}

/// `Interpret`'s context for one error: its upstream fields and what the
/// payload was asked with.
fn context<'s>(
    http_status: u32,
    retry_after: &'s str,
    request_id: &'s str,
    asked: Asked,
) -> Context<'s> {
    Context {
        http_status,
        retry_after,
        request_id,
        now: Some(asked.now),
        operation: asked.operation,
    }
}

/// A header's text, or empty when absent.
fn local<'s>(c: Option<&'s Cow<'_, str>>) -> &'s str {
    c.map_or("", |c| c.as_ref())
}

/// True when two interpretations are the same answer, headers included.
fn same_answer(a: &Interpretation<'_, '_>, b: &Interpretation<'_, '_>) -> bool {
    a.key == b.key
        && a.reason == b.reason
        && a.identification == b.identification
        && a.decided_by == b.decided_by
        && a.advice == b.advice
        && a.propagation == b.propagation
        && a.request_id == b.request_id
        && a.http_status == b.http_status
        && a.error_type == b.error_type
        && a.error_code == b.error_code
        && a.other_errors == b.other_errors
        && a.warnings == b.warnings
        && a.body.description == b.body.description
        && a.body.suggested_user_message == b.body.suggested_user_message
        && a.body.doc_url == b.body.doc_url
        && a.action_url == b.action_url
}

/// An interpretation of local text, with every borrowed string copied so
/// it can outlive that text.
fn owned<'c, 'a>(i: Interpretation<'c, '_>) -> Interpretation<'c, 'a> {
    fn own<'a>(c: Option<Cow<'_, str>>) -> Option<Cow<'a, str>> {
        c.map(|c| Cow::Owned(c.into_owned()))
    }
    Interpretation {
        identification: i.identification,
        decided_by: i.decided_by,
        key: i.key,
        entry: i.entry,
        answer: i.answer,
        reason: i.reason,
        error_type: own(i.error_type),
        known_type: i.known_type,
        error_code: own(i.error_code),
        category: i.category,
        advice: i.advice,
        propagation: i.propagation,
        request_id: own(i.request_id),
        http_status: i.http_status,
        other_errors: i.other_errors,
        warnings: i.warnings,
        body: BodyTexts {
            description: own(i.body.description),
            suggested_user_message: own(i.body.suggested_user_message),
            doc_url: own(i.body.doc_url),
        },
        action_url: own(i.action_url),
    }
}
