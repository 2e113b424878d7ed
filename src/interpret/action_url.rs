//! The body's `resolution.url`, the link the user must open (the API's
//! re-authentication link, the carmaker's virtual-key page): answered as
//! `action_url` only when it is safe to show to users (design 3b,
//! corrected).
//!
//! Validated by hand rather than with the `url` crate: what must hold is
//! narrow (an `https` scheme, a host, nothing a browser or a chat client
//! would read differently from us), and a full WHATWG parse would accept
//! and normalise more than is wise to pass on, such as spaces, backslashes
//! or a user name before the host.

use std::borrow::Cow;

use super::warning::{Warning, WarningKind, cut};

/// The longest `action_url` passed on, in bytes: longer ones are not
/// links anyone should be sent to, and the answer must stay small.
pub const MAX_ACTION_URL_LEN: usize = 2048;

/// How much of a dropped URL its warning repeats.
const MAX_SHOWN_CHARS: usize = 64;

/// Why a `resolution.url` was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Invalid {
    /// Its scheme is not `https`.
    NotHttps,
    /// It is longer than [`MAX_ACTION_URL_LEN`].
    TooLong,
    /// No host, a user name before the host, whitespace or a control
    /// character.
    Malformed,
}

impl Invalid {
    fn as_str(self) -> &'static str {
        match self {
            Self::NotHttps => "NOT_HTTPS",
            Self::TooLong => "TOO_LONG",
            Self::Malformed => "MALFORMED",
        }
    }
}

/// The body's `resolution.url` as an `action_url`: trimmed, `None` when
/// blank, and `None` with an `ACTION_URL_INVALID` warning (its `reason`,
/// and the value cut to 64 characters) when it is not an `https` URL of
/// at most [`MAX_ACTION_URL_LEN`] bytes with a host.
pub(super) fn action_url<'a>(
    url: Cow<'a, str>,
    warnings: &mut Vec<Warning>,
) -> Option<Cow<'a, str>> {
    let trimmed = url.trim();
    if trimmed.is_empty() {
        return None;
    }
    if let Err(invalid) = check(trimmed) {
        warnings.push(
            Warning::new(WarningKind::ActionUrlInvalid, "body")
                .with("reason", &invalid.as_str())
                .with("value", &cut(trimmed, MAX_SHOWN_CHARS)),
        );
        return None;
    }
    Some(match url {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) => Cow::Owned(s.trim().to_owned()),
    })
}

/// Checks a trimmed, non-empty URL: the length first (so a long value is
/// never scanned twice), then the scheme (case-insensitive, as RFC 3986
/// says), then the authority and the characters.
fn check(url: &str) -> Result<(), Invalid> {
    const SCHEME: &str = "https://";
    if url.len() > MAX_ACTION_URL_LEN {
        return Err(Invalid::TooLong);
    }
    let rest = match url.get(..SCHEME.len()) {
        Some(scheme) if scheme.eq_ignore_ascii_case(SCHEME) => &url[SCHEME.len()..],
        _ => return Err(Invalid::NotHttps),
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Invalid::Malformed);
    }
    let authority = rest.split(['/', '?', '#', '\\']).next().unwrap_or_default();
    // `https://smartcar.com@evil.example/` opens evil.example: a link
    // shown to users never carries a user name.
    if authority.contains('@') {
        return Err(Invalid::Malformed);
    }
    // The host is what precedes the port, except in an IPv6 literal.
    let host = if authority.starts_with('[') {
        authority
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    if host.is_empty() {
        return Err(Invalid::Malformed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(url: &str) -> (Option<String>, Vec<(&'static str, String)>) {
        let mut warnings = Vec::new();
        let got = action_url(Cow::Borrowed(url), &mut warnings).map(Cow::into_owned);
        let metadata = warnings.into_iter().flat_map(|w| w.metadata).collect();
        (got, metadata)
    }

    fn reason(url: &str) -> Option<String> {
        let (got, metadata) = read(url);
        assert!(got.is_none(), "{url} passed");
        metadata
            .into_iter()
            .find(|(k, _)| *k == "reason")
            .map(|(_, v)| v)
    }

    /// `https` URLs with a host pass unchanged but trimmed, in any
    /// scheme case, with a port, a path, a query and a fragment.
    #[test]
    fn valid_urls_pass() {
        for url in [
            "https://connect.smartcar.com/oauth/reauthenticate?vehicle_id=1",
            "HTTPS://www.tesla.com/_ak/smartcar.com",
            "https://example.com:8443/a#b",
            "https://[::1]:443/",
            "https://example.com",
        ] {
            assert_eq!(read(url), (Some(url.to_owned()), vec![]), "{url}");
        }
        assert_eq!(
            read("  https://a.example/x \n").0.as_deref(),
            Some("https://a.example/x")
        );
        let longest = format!("https://a.example/{}", "x".repeat(MAX_ACTION_URL_LEN - 18));
        assert_eq!(longest.len(), MAX_ACTION_URL_LEN);
        assert_eq!(read(&longest).0, Some(longest.clone()));
    }

    /// Blank is absent, without a warning.
    #[test]
    fn blank_is_none_without_warning() {
        assert_eq!(read(""), (None, vec![]));
        assert_eq!(read("   "), (None, vec![]));
    }

    /// Every other value is dropped with its reason; a long one is cut in
    /// the warning.
    #[test]
    fn invalid_urls_are_dropped_with_a_reason() {
        for (url, want) in [
            ("http://connect.smartcar.com/x", "NOT_HTTPS"),
            ("javascript:alert(1)", "NOT_HTTPS"),
            ("connect.smartcar.com/x", "NOT_HTTPS"),
            ("https:/x", "NOT_HTTPS"),
            ("https://", "MALFORMED"),
            ("https:///path", "MALFORMED"),
            ("https://:443/", "MALFORMED"),
            ("https://a.example/a b", "MALFORMED"),
            ("https://a.example/\u{7}", "MALFORMED"),
            ("https://smartcar.com@evil.example/", "MALFORMED"),
        ] {
            assert_eq!(reason(url).as_deref(), Some(want), "{url}");
        }
        let long = format!("https://a.example/{}", "é".repeat(MAX_ACTION_URL_LEN));
        assert_eq!(reason(&long).as_deref(), Some("TOO_LONG"));
        let (_, metadata) = read(&long);
        let shown = &metadata.iter().find(|(k, _)| *k == "value").unwrap().1;
        assert!(shown.chars().count() <= MAX_SHOWN_CHARS + 1, "{shown}");
    }
}
