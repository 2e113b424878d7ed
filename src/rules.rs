//! Validation rules that more than one input shares, each written once: a
//! request's fields and the operator's overlay check app names and
//! language tags alike; the catalog's entries and its type table check
//! codes and reasons alike; and the type table and the overlay report a
//! broken rule, with the path where it broke, alike ([`BrokenRule`]);
//! the adapter and the payload readers upper-case types and codes alike.

use std::borrow::Cow;

/// The longest app name, in characters: a request's `app_name` and an
/// overlay's `defaultAppName` alike.
pub(crate) const MAX_APP_NAME_CHARS: usize = 64;

/// The longest BCP 47 tag accepted (RFC 5646 §4.4.1's advice for storage).
pub(crate) const MAX_LANGUAGE_TAG_CHARS: usize = 35;

/// What is wrong with an app name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AppNameError {
    /// Longer than [`MAX_APP_NAME_CHARS`]; carries the length in characters.
    TooLong(usize),
    /// Holds a control character (a newline, NUL, an escape...), which
    /// would break the sentence it is rendered into.
    ControlCharacters,
    /// Nothing but whitespace.
    Blank,
}

/// Checks an app name, which is rendered into user messages.
///
/// # Errors
/// The first rule `name` breaks.
pub(crate) fn check_app_name(name: &str) -> Result<(), AppNameError> {
    // Bytes bound chars from above, so most calls skip the count.
    if name.len() > MAX_APP_NAME_CHARS {
        let len = name.chars().count();
        if len > MAX_APP_NAME_CHARS {
            return Err(AppNameError::TooLong(len));
        }
    }
    if name.chars().any(char::is_control) {
        return Err(AppNameError::ControlCharacters);
    }
    if name.trim().is_empty() {
        return Err(AppNameError::Blank);
    }
    Ok(())
}

/// True for a well-formed BCP 47 language tag in its common spelling: a
/// language of 2 to 8 letters, then subtags of 1 to 8 letters or digits,
/// separated by `-` (or `_`, as some callers write `fr_CA`); at most
/// [`MAX_LANGUAGE_TAG_CHARS`]. Form only: whether a language exists is
/// not checked.
pub(crate) fn is_language_tag(tag: &str) -> bool {
    let mut subtags = tag.split(['-', '_']);
    let language = subtags.next().unwrap_or_default();
    tag.len() <= MAX_LANGUAGE_TAG_CHARS
        && (2..=8).contains(&language.len())
        && language.bytes().all(|b| b.is_ascii_alphabetic())
        && subtags
            .all(|t| (1..=8).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A type or code in the upper case it is matched and answered in (codes
/// match in any letter case); borrowed when it already is, as codes and
/// types almost always are, so the common case costs no copy.
pub(crate) fn upper<'a>(s: impl Into<Cow<'a, str>>) -> Cow<'a, str> {
    let s = s.into();
    if s.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(s.to_ascii_uppercase())
    } else {
        s
    }
}

/// True for UPPER_SNAKE text: capitals, digits and `_`, not empty. The
/// form of every code and type the catalog files name.
pub(crate) fn is_upper_snake(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// AIP-193's form for `ErrorInfo.reason`: UPPER_SNAKE, starting with a
/// letter, at most 63 characters.
pub(crate) fn is_reason(reason: &str) -> bool {
    reason.len() <= 63
        && reason.starts_with(|c: char| c.is_ascii_uppercase())
        && is_upper_snake(reason)
}

/// A rule a loaded file breaks, at a path inside it: what every loader's
/// error carries, so each says where and why the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BrokenRule {
    /// Where, such as `types[3].rules[0]` or `entries.DOOR_OPEN.retry`.
    pub(crate) path: String,
    /// The rule it breaks.
    pub(crate) reason: String,
}

/// The rule `reason` names, broken at `path`.
pub(crate) fn invalid(path: impl Into<String>, reason: impl Into<String>) -> BrokenRule {
    BrokenRule {
        path: path.into(),
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// App names: control characters, blanks and long names are refused.
    #[test]
    fn app_name_rules() {
        assert_eq!(check_app_name("My App"), Ok(()));
        assert_eq!(check_app_name(&"é".repeat(64)), Ok(()));
        assert_eq!(
            check_app_name(&"x".repeat(65)),
            Err(AppNameError::TooLong(65))
        );
        assert_eq!(check_app_name("a\nb"), Err(AppNameError::ControlCharacters));
        assert_eq!(
            check_app_name("a\u{0}b"),
            Err(AppNameError::ControlCharacters)
        );
        assert_eq!(check_app_name("   "), Err(AppNameError::Blank));
    }

    /// Codes are UPPER_SNAKE; reasons also start with a letter and fit
    /// AIP-193's 63 characters.
    #[test]
    fn code_and_reason_forms() {
        assert!(is_upper_snake("DOOR_OPEN") && is_upper_snake("VS_001"));
        assert!(!is_upper_snake("") && !is_upper_snake("door_open"));
        assert!(is_reason("HTTP_409") && !is_reason("_X") && !is_reason("4XX"));
        assert!(is_reason(&"A".repeat(63)) && !is_reason(&"A".repeat(64)));
    }

    /// Tags are checked for form only.
    #[test]
    fn language_tag_grammar() {
        for good in ["en", "fr-CA", "zh-Hant-TW", "de_DE"] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in [
            "",
            "e",
            "en-",
            "fr CA",
            "123",
            "en-toolongsubtag",
            &"a".repeat(36),
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }
}
