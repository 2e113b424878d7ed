//! What the caller itself sets for a payload: `used_signals` (its mistake
//! when malformed: a `PayloadError` naming the field) and the one rule
//! that turns every signal shape into a code.

use std::{borrow::Cow, collections::HashSet};

use thiserror::Error;

/// The most `used_signals` entries a request may list.
pub const MAX_USED_SIGNALS: usize = 1_000;

/// The longest `used_signals` entry, in characters.
pub const MAX_USED_SIGNAL_CHARS: usize = 128;

/// A payload request the service cannot answer, naming the field at
/// fault; the shape of `interpret::RequestError` (a field and a stable
/// reason), which the adapter turns into INVALID_ARGUMENT + BadRequest.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PayloadError {
    /// The body is empty or only whitespace: no input at all.
    #[error("body is empty")]
    EmptyBody,
    /// `used_signals` lists more entries than the limit.
    #[error("used_signals has {len} entries; the limit is {limit}")]
    TooManyUsedSignals {
        /// The number of entries.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// An entry is empty or only whitespace.
    #[error("used_signals[{index}] is empty")]
    EmptyUsedSignal {
        /// The entry's position.
        index: usize,
    },
    /// An entry is longer than the limit.
    #[error("used_signals[{index}] is {len} characters; the limit is {limit}")]
    UsedSignalTooLong {
        /// The entry's position.
        index: usize,
        /// Its length in characters.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// An entry is neither a code (`closure-islocked`) nor `Group.Name`.
    #[error(
        "used_signals[{index}] is malformed: expected a signal code such as \
         closure-islocked or Group.Name such as Closure.IsLocked"
    )]
    MalformedUsedSignal {
        /// The entry's position.
        index: usize,
    },
}

impl PayloadError {
    /// The request field at fault, as a `BadRequest` field path
    /// (`used_signals[3]` for one entry).
    pub fn field(&self) -> Cow<'static, str> {
        match self {
            Self::EmptyBody => Cow::Borrowed("body"),
            Self::TooManyUsedSignals { .. } => Cow::Borrowed("used_signals"),
            Self::EmptyUsedSignal { index }
            | Self::UsedSignalTooLong { index, .. }
            | Self::MalformedUsedSignal { index } => Cow::Owned(format!("used_signals[{index}]")),
        }
    }

    /// A stable UPPER_SNAKE reason, from `RequestError`'s vocabulary where
    /// the meaning is the same.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::EmptyBody => "EMPTY_BODY",
            Self::TooManyUsedSignals { .. } => "TOO_MANY_VALUES",
            Self::EmptyUsedSignal { .. } => "EMPTY_FIELD",
            Self::UsedSignalTooLong { .. } => "FIELD_TOO_LONG",
            Self::MalformedUsedSignal { .. } => "MALFORMED_FIELD",
        }
    }
}

/// Checks `used_signals` and returns them as codes.
pub(super) fn used_signals<S: AsRef<str>>(
    signals: &[S],
) -> Result<HashSet<Cow<'_, str>>, PayloadError> {
    if signals.len() > MAX_USED_SIGNALS {
        return Err(PayloadError::TooManyUsedSignals {
            len: signals.len(),
            limit: MAX_USED_SIGNALS,
        });
    }
    let mut used = HashSet::with_capacity(signals.len());
    for (index, s) in signals.iter().enumerate() {
        let s = s.as_ref().trim();
        let len = s.chars().count();
        if len == 0 {
            return Err(PayloadError::EmptyUsedSignal { index });
        }
        if len > MAX_USED_SIGNAL_CHARS {
            return Err(PayloadError::UsedSignalTooLong {
                index,
                len,
                limit: MAX_USED_SIGNAL_CHARS,
            });
        }
        if !is_signal_syntax(s) {
            return Err(PayloadError::MalformedUsedSignal { index });
        }
        used.insert(signal_code(s));
    }
    Ok(used)
}

/// A code or `Group.Name`: letters, digits, `-` and `_`, with at most one
/// dot between two non-empty parts.
fn is_signal_syntax(s: &str) -> bool {
    let mut parts = s.split('.');
    let ok = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    match (parts.next(), parts.next(), parts.next()) {
        (Some(one), None, _) => ok(one),
        (Some(group), Some(name), None) => ok(group) && ok(name),
        _ => false,
    }
}

/// A signal given as a string, as its code: `Group.Name` becomes
/// lowercase(group) + `-` + lowercase(name) (`Closure.IsLocked` ->
/// `closure-islocked`); anything else is taken as a code, in lower case.
pub fn signal_code(s: &str) -> Cow<'_, str> {
    let s = s.trim();
    match s.split_once('.') {
        Some((group, name)) => Cow::Owned(joined(group, name)),
        None => lower(Cow::Borrowed(s)),
    }
}

/// A signal given as an object, as its code: `code` when given, else
/// from `group` and `name`; `None` when neither is usable. A `code` that
/// is its group and name run together (`chargeVoltage` beside `Charge` and
/// `Voltage`, as one of the API's signal pages writes it) is written the
/// way the signal lists write it (`charge-voltage`), so it matches the
/// caller's `Charge.Voltage`; any other code is kept, in lower case (a
/// recorded delivery swaps `group` and `name` beside a correct code).
pub(super) fn object_code<'a>(
    code: Option<Cow<'a, str>>,
    group: Option<&str>,
    name: Option<&str>,
) -> Option<Cow<'a, str>> {
    match (code, group, name) {
        (Some(code), Some(group), Some(name)) if run_together(&code, group, name) => {
            Some(Cow::Owned(joined(group, name)))
        }
        (Some(code), _, _) => Some(lower(code)),
        (None, Some(group), Some(name)) => Some(Cow::Owned(joined(group, name))),
        _ => None,
    }
}

/// A string signal from a borrowed or owned value, as its code.
pub(super) fn string_code(s: Cow<'_, str>) -> Cow<'_, str> {
    match s {
        Cow::Borrowed(b) => signal_code(b),
        Cow::Owned(o) => Cow::Owned(signal_code(&o).into_owned()),
    }
}

/// True when `code` is `group` then `name`, in any letter case, with no
/// separator.
fn run_together(code: &str, group: &str, name: &str) -> bool {
    let (code, group, name) = (
        code.trim().as_bytes(),
        group.trim().as_bytes(),
        name.trim().as_bytes(),
    );
    !group.is_empty()
        && !name.is_empty()
        && code.len() == group.len() + name.len()
        && code[..group.len()].eq_ignore_ascii_case(group)
        && code[group.len()..].eq_ignore_ascii_case(name)
}

fn joined(group: &str, name: &str) -> String {
    let mut code = String::with_capacity(group.len() + name.len() + 1);
    code.push_str(group.trim());
    code.push('-');
    code.push_str(name.trim());
    code.make_ascii_lowercase();
    code
}

/// Lower case, borrowing when it already is (codes usually are).
fn lower(s: Cow<'_, str>) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        s
    }
}
