//! Validation of what the caller itself sets: the app name, the locale and
//! a structured type or code. Unlike the upstream fields (`upstream`),
//! these are the caller's own, so a malformed one is its mistake: a
//! `RequestError` naming the field.

use super::RequestError;
use crate::rules::{self, AppNameError};

const MAX_TYPE_OR_CODE_CHARS: usize = 64;

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
}
