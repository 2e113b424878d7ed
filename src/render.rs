//! Message templates: the documentation's user messages with `<app name>`
//! placeholders, split once at load time so rendering is a few copies.

use thiserror::Error;

/// The placeholder the documentation uses for the calling app's name.
pub(crate) const APP_NAME_PLACEHOLDER: &str = "<app name>";

/// The variant some of the documentation's pages use instead; rendered the
/// same way, so no placeholder ever reaches a user.
pub(crate) const YOUR_APP_NAME_PLACEHOLDER: &str = "<your app name>";

/// The next placeholder in `text`: where it starts and how long it is.
fn next_placeholder(text: &str) -> Option<(usize, usize)> {
    [APP_NAME_PLACEHOLDER, YOUR_APP_NAME_PLACEHOLDER]
        .into_iter()
        .filter_map(|p| text.find(p).map(|at| (at, p.len())))
        .min()
}

/// Why a template could not be parsed.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("unknown placeholder {0:?}")]
pub struct TemplateError(String);

/// A message split at its placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
    literal_len: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    /// Where the app name goes; `capitalize` when it opens a sentence, so
    /// a default such as "the app" reads "The app was unable ...".
    AppName {
        capitalize: bool,
    },
}

impl Template {
    /// Splits `text` at each `<app name>`.
    ///
    /// # Errors
    /// When `text` holds any other `<...>` token, which would otherwise
    /// reach users as is.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = text;
        let mut at_sentence_start = true;
        while let Some((pos, len)) = next_placeholder(rest) {
            let (before, after) = rest.split_at(pos);
            if !before.is_empty() {
                parts.push(Part::Text(before.to_owned()));
                let trimmed = before.trim_end();
                if !trimmed.is_empty() {
                    at_sentence_start = trimmed.ends_with(['.', '!', '?', '•']);
                }
            }
            parts.push(Part::AppName {
                capitalize: at_sentence_start,
            });
            at_sentence_start = false;
            rest = &after[len..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        if let Some(Part::Text(t)) = parts
            .iter()
            .find(|p| matches!(p, Part::Text(t) if has_placeholder_token(t)))
        {
            return Err(TemplateError(t.clone()));
        }
        let literal_len = parts
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.len(),
                Part::AppName { .. } => 0,
            })
            .sum();
        Ok(Self { parts, literal_len })
    }

    /// True when the template has at least one placeholder.
    pub fn has_placeholder(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::AppName { .. }))
    }

    /// Renders the template with `app_name` in every placeholder.
    pub fn render(&self, app_name: &str) -> String {
        let placeholders = self.parts.len()
            - self
                .parts
                .iter()
                .filter(|p| matches!(p, Part::Text(_)))
                .count();
        let mut out = String::with_capacity(self.literal_len + placeholders * app_name.len());
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::AppName { capitalize: false } => out.push_str(app_name),
                Part::AppName { capitalize: true } => push_capitalized(&mut out, app_name),
            }
        }
        out
    }
}

/// Replaces every app-name placeholder in text that did not come from the
/// catalog (a body's own texts), so no placeholder reaches a caller.
pub(crate) fn replace_placeholders(text: &str, app_name: &str) -> String {
    if !text.contains('<') {
        return text.to_owned();
    }
    text.replace(APP_NAME_PLACEHOLDER, app_name)
        .replace(YOUR_APP_NAME_PLACEHOLDER, app_name)
}

fn push_capitalized(out: &mut String, s: &str) {
    let mut chars = s.chars();
    if let Some(first) = chars.next() {
        out.extend(first.to_uppercase());
        out.push_str(chars.as_str());
    }
}

/// True when `text` holds something like a placeholder (`<` then a
/// letter): the one rule for "would a token reach users verbatim", shared
/// by templates, the catalog loader and the overlay.
pub(crate) fn has_placeholder_token(text: &str) -> bool {
    text.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'<' && w[1].is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every placeholder is replaced, and a placeholder opening a sentence
    /// is capitalised.
    #[test]
    fn renders_app_name_everywhere_and_capitalises_sentence_starts() {
        let t =
            Template::parse("<app name> failed. Reconnect <app name>. <app name> waits.").unwrap();
        assert_eq!(
            t.render("the app"),
            "The app failed. Reconnect the app. The app waits."
        );
        assert!(t.has_placeholder());
    }

    /// Text without a placeholder renders as itself.
    #[test]
    fn text_without_placeholder_renders_verbatim() {
        let t = Template::parse("Your car is already charging.").unwrap();
        assert!(!t.has_placeholder());
        assert_eq!(t.render("X"), "Your car is already charging.");
    }

    /// The documentation's `<your app name>` variant renders too.
    #[test]
    fn your_app_name_variant_renders() {
        let t = Template::parse("Open <your app name>, then <app name>.").unwrap();
        assert_eq!(t.render("Fleet"), "Open Fleet, then Fleet.");
        assert_eq!(
            replace_placeholders("<your app name> or <app name>", "X"),
            "X or X"
        );
    }

    /// A token other than `<app name>` is rejected at load time.
    #[test]
    fn unknown_placeholder_is_rejected() {
        assert!(Template::parse("Hello <user name>, <app name> here").is_err());
        assert!(Template::parse("a < b").is_ok());
    }

    /// An empty app name is the caller's choice; rendering never panics.
    #[test]
    fn empty_app_name_renders() {
        let t = Template::parse("<app name> x").unwrap();
        assert_eq!(t.render(""), " x");
    }
}
