//! The request's upstream fields, read leniently: they come from the API's
//! response, which is never the caller's fault, so a malformed one is
//! ignored with a warning instead of failing the call (docs/design.md §6).

use std::time::{Duration, SystemTime};

use super::warning::{Warning, WarningKind};

/// The longest `Retry-After` honoured; longer values are clamped to it, so
/// a caller never parks a retry for days on a misread header.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// An integer `Retry-After` of this or more is a Unix timestamp in
/// milliseconds (java-sdk documents one; node-sdk tests send one), not a
/// delay: 10^12 ms is 2001-09-09, 10^12 s is the year 33658.
const EPOCH_MILLIS_FROM: u64 = 1_000_000_000_000;

const MAX_REQUEST_ID_CHARS: usize = 128;
const MAX_HEADER_CHARS: usize = 64;

/// The request's `http_status`: `None` for 0 (unknown), and for anything
/// outside 100-599, with a warning.
pub(super) fn http_status(status: u32, warnings: &mut Vec<Warning>) -> Option<u16> {
    match status {
        0 => None,
        100..=599 => u16::try_from(status).ok(),
        _ => {
            warnings.push(
                Warning::new(WarningKind::HttpStatusMalformed, "http_status")
                    .with("value", &status),
            );
            None
        }
    }
}

/// The `Retry-After` delay: delay-seconds, an HTTP-date (relative to
/// `now`) or a millisecond timestamp, clamped to [`MAX_RETRY_AFTER`];
/// `None` when absent or malformed (with a warning).
pub(super) fn retry_after(
    value: &str,
    now: Option<SystemTime>,
    warnings: &mut Vec<Warning>,
) -> Option<Duration> {
    const FIELD: &str = "retry_after";
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    // Most calls carry no Retry-After: only those read the clock.
    let now = now.unwrap_or_else(SystemTime::now);
    let malformed = |warnings: &mut Vec<Warning>| {
        warnings.push(Warning::new(WarningKind::RetryAfterMalformed, FIELD));
        None
    };
    if value.len() > MAX_HEADER_CHARS || value.chars().any(char::is_control) {
        return malformed(warnings);
    }
    let delay = if value.bytes().all(|b| b.is_ascii_digit()) {
        // All digits but too big for u64 is still "very long": clamp.
        let n = value.parse::<u64>().unwrap_or(u64::MAX);
        if n >= EPOCH_MILLIS_FROM {
            warnings.push(
                Warning::new(WarningKind::RetryAfterEpochMillis, FIELD).with("value", &value),
            );
            // Past what the clock can hold is "very long": clamped below.
            SystemTime::UNIX_EPOCH
                .checked_add(Duration::from_millis(n))
                .map_or(Duration::MAX, |at| {
                    at.duration_since(now).unwrap_or_default()
                })
        } else {
            Duration::from_secs(n)
        }
    } else {
        match httpdate::parse_http_date(value) {
            Ok(at) => at.duration_since(now).unwrap_or_default(),
            Err(_) => return malformed(warnings),
        }
    };
    if delay > MAX_RETRY_AFTER {
        // Whole seconds: the answer's delays are whole seconds too.
        let asked = Duration::from_secs(delay.as_secs());
        warnings.push(
            Warning::new(WarningKind::RetryAfterClamped, FIELD)
                .with("requestedSeconds", &asked.as_secs())
                .with("usedSeconds", &MAX_RETRY_AFTER.as_secs()),
        );
        return Some(MAX_RETRY_AFTER);
    }
    Some(delay)
}

/// The request's `request_id`: `None` when empty, too long or holding
/// control characters (with a warning).
pub(super) fn request_id<'a>(
    id: &'a str,
    field: &'static str,
    warnings: &mut Vec<Warning>,
) -> Option<&'a str> {
    let id = id.trim();
    if id.is_empty() {
        return None;
    }
    // Ids are printable ASCII (UUIDs): one pass over the bytes settles
    // them, and only other text pays for decoding characters.
    let malformed = if id.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        id.len() > MAX_REQUEST_ID_CHARS
    } else {
        id.chars().count() > MAX_REQUEST_ID_CHARS || id.chars().any(char::is_control)
    };
    if malformed {
        warnings.push(Warning::new(WarningKind::RequestIdMalformed, field));
        return None;
    }
    Some(id)
}

/// The body's `requestId`, by the same rule.
pub(super) fn body_request_id<'a>(
    id: std::borrow::Cow<'a, str>,
    warnings: &mut Vec<Warning>,
) -> Option<std::borrow::Cow<'a, str>> {
    request_id(&id, "body", warnings)?;
    Some(match id {
        std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(s.trim()),
        std::borrow::Cow::Owned(s) => std::borrow::Cow::Owned(s.trim().to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(warnings: &[Warning]) -> Vec<&'static str> {
        warnings.iter().map(|w| w.kind.reason()).collect()
    }

    /// Delay-seconds, HTTP-dates and millisecond timestamps are read;
    /// absurd values clamp and say so; junk is ignored and says so.
    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Wed, 25 Nov 2026 10:00:00 GMT").unwrap();
        let parse = |s| {
            let mut w = Vec::new();
            let d = retry_after(s, Some(now), &mut w);
            (d, reasons(&w))
        };
        assert_eq!(parse(""), (None, vec![]));
        assert_eq!(parse("120"), (Some(Duration::from_secs(120)), vec![]));
        assert_eq!(
            parse("Wed, 25 Nov 2026 10:02:00 GMT"),
            (Some(Duration::from_secs(120)), vec![])
        );
        assert_eq!(
            parse("Wed, 25 Nov 2026 09:00:00 GMT"),
            (Some(Duration::ZERO), vec![])
        );
        let in_90_s = (now.duration_since(SystemTime::UNIX_EPOCH).unwrap()
            + Duration::from_secs(90))
        .as_millis()
        .to_string();
        assert_eq!(
            parse(&in_90_s),
            (
                Some(Duration::from_secs(90)),
                vec!["RETRY_AFTER_EPOCH_MILLIS"]
            )
        );
        assert_eq!(
            parse("86400"),
            (Some(MAX_RETRY_AFTER), vec!["RETRY_AFTER_CLAMPED"])
        );
        assert_eq!(
            parse("99999999999999999999999"),
            (
                Some(MAX_RETRY_AFTER),
                vec!["RETRY_AFTER_EPOCH_MILLIS", "RETRY_AFTER_CLAMPED"]
            )
        );
        for bad in ["-5", "1.5", "soon", "5 s", "a\u{0}"] {
            assert_eq!(parse(bad), (None, vec!["RETRY_AFTER_MALFORMED"]), "{bad}");
        }
    }

    /// Statuses outside HTTP's range are ignored with a warning.
    #[test]
    fn http_status_rules() {
        let mut w = Vec::new();
        assert_eq!(http_status(0, &mut w), None);
        assert_eq!(http_status(409, &mut w), Some(409));
        assert!(w.is_empty());
        assert_eq!(http_status(99, &mut w), None);
        assert_eq!(http_status(600, &mut w), None);
        assert_eq!(
            reasons(&w),
            ["HTTP_STATUS_MALFORMED", "HTTP_STATUS_MALFORMED"]
        );
    }

    /// Request ids: trimmed; too long or with control characters, ignored.
    #[test]
    fn request_id_rules() {
        let mut w = Vec::new();
        assert_eq!(request_id(" r-1 ", "request_id", &mut w), Some("r-1"));
        assert_eq!(request_id(&"x".repeat(129), "request_id", &mut w), None);
        assert_eq!(request_id("a\nb", "request_id", &mut w), None);
        assert_eq!(
            reasons(&w),
            ["REQUEST_ID_MALFORMED", "REQUEST_ID_MALFORMED"]
        );
    }
}
