//! Validation of the request's context fields: app name, request id, HTTP
//! status, `Retry-After` and locale. Each `parse_*` turns raw text into a
//! checked domain value or a `RequestError` naming the field.

use std::time::{Duration, SystemTime};

use super::RequestError;
use crate::rules::{self, AppNameError};

/// The longest `Retry-After` honoured; longer values (a millisecond
/// timestamp sent as seconds, say) are clamped to it, so a caller never
/// parks a retry for days on a misread header.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

const MAX_REQUEST_ID_CHARS: usize = 128;
const MAX_HEADER_CHARS: usize = 64;
const MAX_TYPE_OR_CODE_CHARS: usize = 64;

/// The request's context, checked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The HTTP status the error arrived with.
    pub http_status: Option<u16>,
    /// The `Retry-After` delay, clamped.
    pub retry_after: Option<Duration>,
    /// The `sc-request-id` header.
    pub request_id: Option<&'a str>,
}

/// A checked app name: at most 64 characters, no control characters, not
/// blank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppName<'a>(&'a str);

impl<'a> AppName<'a> {
    /// Checks `s`; `Ok(None)` for an empty name, meaning "use the default".
    ///
    /// # Errors
    /// `FieldTooLong`, `ControlCharacters`, or `EmptyField` for a blank name.
    pub fn parse(s: &'a str) -> Result<Option<Self>, RequestError> {
        const FIELD: &str = "app_name";
        if s.is_empty() {
            return Ok(None);
        }
        match rules::check_app_name(s) {
            Ok(()) => Ok(Some(Self(s.trim()))),
            Err(AppNameError::TooLong(len)) => Err(RequestError::FieldTooLong {
                field: FIELD,
                len,
                limit: rules::MAX_APP_NAME_CHARS,
            }),
            Err(AppNameError::ControlCharacters) => {
                Err(RequestError::ControlCharacters { field: FIELD })
            }
            Err(AppNameError::Blank) => Err(RequestError::EmptyField { field: FIELD }),
        }
    }

    /// The name.
    pub fn as_str(&self) -> &'a str {
        self.0
    }
}

/// A checked BCP 47 language tag, such as `fr-CA`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locale<'a>(&'a str);

impl<'a> Locale<'a> {
    /// Checks the syntax of `s` (language, then subtags of 1 to 8 letters
    /// or digits); `Ok(None)` for empty.
    ///
    /// # Errors
    /// `Malformed` when `s` is not a well-formed tag.
    pub fn parse(s: &'a str) -> Result<Option<Self>, RequestError> {
        if s.is_empty() {
            return Ok(None);
        }
        if !rules::is_language_tag(s) {
            return Err(RequestError::Malformed {
                field: "locale",
                detail: "expected a BCP 47 language tag such as en or fr-CA".into(),
            });
        }
        Ok(Some(Self(s)))
    }

    /// The tag as given.
    pub fn as_str(&self) -> &'a str {
        self.0
    }
}

/// Checks a structured `type` or `code`.
///
/// # Errors
/// `FieldTooLong` or `ControlCharacters`.
pub fn check_type_or_code(field: &'static str, s: &str) -> Result<(), RequestError> {
    check_text(field, s, MAX_TYPE_OR_CODE_CHARS)
}

/// Checks a request id; `Ok(None)` for empty.
///
/// # Errors
/// `FieldTooLong` or `ControlCharacters`.
pub fn parse_request_id(s: &str) -> Result<Option<&str>, RequestError> {
    check_text("request_id", s, MAX_REQUEST_ID_CHARS)?;
    Ok(Some(s.trim()).filter(|s| !s.is_empty()))
}

/// Checks an HTTP status; `Ok(None)` for 0 (unknown).
///
/// # Errors
/// `Malformed` outside 100..=599.
pub fn parse_http_status(status: u32) -> Result<Option<u16>, RequestError> {
    match status {
        0 => Ok(None),
        100..=599 => Ok(u16::try_from(status).ok()),
        _ => Err(RequestError::Malformed {
            field: "http_status",
            detail: "expected 0 (unknown) or an HTTP status between 100 and 599".into(),
        }),
    }
}

/// Reads a `Retry-After` value: delay-seconds or an HTTP-date (relative to
/// `now`), clamped to `MAX_RETRY_AFTER`; `Ok(None)` for empty.
///
/// # Errors
/// `Malformed` for anything else, negative numbers included (RFC 9110
/// allows only non-negative delay-seconds).
pub fn parse_retry_after(s: &str, now: SystemTime) -> Result<Option<Duration>, RequestError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    check_text("retry_after", s, MAX_HEADER_CHARS)?;
    if s.bytes().all(|b| b.is_ascii_digit()) {
        // All digits but too big for u64 is still "very long": clamp.
        let secs = s.parse::<u64>().unwrap_or(u64::MAX);
        return Ok(Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER)));
    }
    match httpdate::parse_http_date(s) {
        Ok(at) => Ok(Some(
            at.duration_since(now)
                .unwrap_or_default()
                .min(MAX_RETRY_AFTER),
        )),
        Err(_) => Err(RequestError::Malformed {
            field: "retry_after",
            detail: "expected delay-seconds (such as 120) or an HTTP-date".into(),
        }),
    }
}

fn check_text(field: &'static str, s: &str, max_chars: usize) -> Result<(), RequestError> {
    // Bytes bound chars from above, so most calls skip the count.
    if s.len() > max_chars {
        let len = s.chars().count();
        if len > max_chars {
            return Err(RequestError::FieldTooLong {
                field,
                len,
                limit: max_chars,
            });
        }
    }
    if s.chars().any(char::is_control) {
        return Err(RequestError::ControlCharacters { field });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Delay-seconds, HTTP-dates, and absurd values clamp; negatives and
    /// junk are malformed.
    #[test]
    fn retry_after_forms() {
        let now = httpdate::parse_http_date("Wed, 25 Nov 2026 10:00:00 GMT").unwrap();
        let parse = |s| parse_retry_after(s, now);
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse("120"), Ok(Some(Duration::from_secs(120))));
        assert_eq!(parse("1764000000000"), Ok(Some(MAX_RETRY_AFTER)));
        assert_eq!(parse("99999999999999999999999"), Ok(Some(MAX_RETRY_AFTER)));
        assert_eq!(
            parse("Wed, 25 Nov 2026 10:02:00 GMT"),
            Ok(Some(Duration::from_secs(120)))
        );
        assert_eq!(
            parse("Wed, 25 Nov 2026 09:00:00 GMT"),
            Ok(Some(Duration::ZERO))
        );
        for bad in ["-5", "1.5", "soon", "5 s"] {
            assert_eq!(parse(bad).unwrap_err().field(), "retry_after", "{bad}");
        }
    }

    /// App names: empty means default; control characters, blanks and long
    /// names are refused.
    #[test]
    fn app_name_rules() {
        assert_eq!(AppName::parse(""), Ok(None));
        assert_eq!(
            AppName::parse("My App").unwrap().unwrap().as_str(),
            "My App"
        );
        assert!(matches!(
            AppName::parse("a\u{0}b"),
            Err(RequestError::ControlCharacters { .. })
        ));
        assert!(matches!(
            AppName::parse("a\nb"),
            Err(RequestError::ControlCharacters { .. })
        ));
        assert!(matches!(
            AppName::parse("   "),
            Err(RequestError::EmptyField { .. })
        ));
        assert!(matches!(
            AppName::parse(&"x".repeat(65)),
            Err(RequestError::FieldTooLong { .. })
        ));
        assert!(AppName::parse(&"é".repeat(64)).is_ok());
    }

    /// Locale tags are checked for form only.
    #[test]
    fn locale_rules() {
        for good in ["en", "fr-CA", "zh-Hant-TW", "de_DE"] {
            assert!(Locale::parse(good).unwrap().is_some(), "{good}");
        }
        for bad in ["e", "en-", "fr CA", "123", "en-toolongsubtag"] {
            assert!(Locale::parse(bad).is_err(), "{bad}");
        }
    }

    /// Statuses outside HTTP's range are refused; 0 means unknown.
    #[test]
    fn http_status_rules() {
        assert_eq!(parse_http_status(0), Ok(None));
        assert_eq!(parse_http_status(409), Ok(Some(409)));
        assert!(parse_http_status(99).is_err());
        assert!(parse_http_status(600).is_err());
    }
}
