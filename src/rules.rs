//! Validation rules that more than one input shares: a request's fields,
//! the operator's overlay and the catalog loader apply the same limits to
//! the same kinds of text, so each rule is written once, here.

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
