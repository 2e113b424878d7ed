//! Rendering an interpretation's messages with the caller's app name and
//! locale: the catalog's texts for vehicle-state errors (the
//! documentation's), the type table's for the rest and for an operation's
//! own answers (this project's).

use std::borrow::Cow;

use super::{Interpretation, Warning, WarningKind};
use crate::catalog::{CatalogEntry, DOCUMENTATION_LOCALE};
use crate::render::replace_placeholders;

/// The messages of an interpretation, rendered with an app name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Messages<'c> {
    /// The message for the user; never empty, never a placeholder.
    pub user_message: String,
    /// The API's short user message (vehicle-state errors their entry
    /// answers; empty where an operation's own answer replaced it).
    pub suggested_user_message: Cow<'c, str>,
    /// The short English description, for developers: the catalog's, else
    /// the body's, else a sentence saying the API sent none; followed by
    /// the table answer's developer note where it has one.
    pub description: Cow<'c, str>,
    /// The suggested resolution, joined (vehicle-state errors their entry
    /// answers).
    pub suggested_resolution: &'c str,
    /// The troubleshooting steps (vehicle-state errors their entry
    /// answers).
    pub troubleshooting_steps: &'c [String],
    /// The BCP 47 tag `user_message` is in.
    pub locale: &'c str,
    /// The documentation page: the catalog's, else the body's.
    pub doc_url: Option<Cow<'c, str>>,
}

impl<'c> Interpretation<'c, '_> {
    /// Renders the messages with `app_name` in every app-name placeholder,
    /// the user-facing ones in the best variant for `locale` (the exact
    /// tag, else its base language, else English); when that is not the
    /// language asked for, adds a `LOCALE_FALLBACK` warning.
    pub fn messages_in(&mut self, app_name: &str, locale: Option<&str>) -> Messages<'c> {
        let messages = match (self.entry, self.answer) {
            // An operation's own answer (design 3d): its words, since the
            // entry's advice (start a charge, say) no longer applies; the
            // entry's description and documentation still name the error.
            (Some(CatalogEntry { entry, .. }), Some((_, answer))) if answer.operation.is_some() => {
                let (tag, template) = answer.user_message.pick(locale);
                let description = match &answer.developer_note {
                    Some(note) => Cow::Owned(format!("{} {note}", entry.description.trim_end())),
                    None => Cow::Borrowed(entry.description.as_str()),
                };
                Messages {
                    user_message: template.render(app_name),
                    suggested_user_message: Cow::Borrowed(""),
                    description,
                    suggested_resolution: "",
                    troubleshooting_steps: &[],
                    locale: tag,
                    doc_url: Some(Cow::Borrowed(&entry.doc_url)),
                }
            }
            (Some(CatalogEntry { entry, .. }), _) => {
                let user = entry.user_messages(locale);
                Messages {
                    user_message: user.user_message.render(app_name),
                    suggested_user_message: Cow::Borrowed(user.suggested_user_message),
                    description: Cow::Borrowed(&entry.description),
                    suggested_resolution: &entry.suggested_resolution_text,
                    troubleshooting_steps: &entry.troubleshooting_steps,
                    locale: user.locale,
                    doc_url: Some(Cow::Borrowed(&entry.doc_url)),
                }
            }
            (None, Some((_, answer))) => {
                let (tag, template) = answer.user_message.pick(locale);
                let user_message = template.render(app_name);
                // For developers (the status message): the body's own
                // description, else what the API sent, never a copy of the
                // user message.
                let description = match (&self.body.description, self.error_type.is_some()) {
                    (Some(d), _) => Cow::Owned(replace_placeholders(d, app_name)),
                    (None, true) => Cow::Borrowed("The API's error carried no description."),
                    (None, false) => Cow::Owned(format!(
                        "The API answered HTTP {} without a usable error body.",
                        self.http_status.unwrap_or_default()
                    )),
                };
                // What to check before acting, where it depends on the
                // app's own set-up (design 3b, corrected).
                let description = match &answer.developer_note {
                    Some(note) => Cow::Owned(format!("{} {note}", description.trim_end())),
                    None => description,
                };
                Messages {
                    user_message,
                    suggested_user_message: Cow::Borrowed(""),
                    description,
                    suggested_resolution: "",
                    troubleshooting_steps: &[],
                    locale: tag,
                    doc_url: self
                        .body
                        .doc_url
                        .as_deref()
                        .map(|u| Cow::Owned(u.to_owned())),
                }
            }
            // `decide` always sets one or the other.
            (None, None) => Messages {
                user_message: String::new(),
                suggested_user_message: Cow::Borrowed(""),
                description: Cow::Borrowed(""),
                suggested_resolution: "",
                troubleshooting_steps: &[],
                locale: DOCUMENTATION_LOCALE,
                doc_url: None,
            },
        };
        if let Some(asked) = locale
            && !same_language(asked, messages.locale)
        {
            self.warnings.push(
                Warning::new(WarningKind::LocaleFallback, "locale")
                    .with("requested", &asked)
                    .with("used", &messages.locale),
            );
        }
        messages
    }

    /// The body's own `suggestedUserMessage` with `app_name` in its
    /// placeholders. Apart from [`Interpretation::messages_in`] because
    /// only the full view shows it: the default view's calls skip a copy.
    pub fn body_suggested_user_message(&self, app_name: &str) -> Option<String> {
        self.body
            .suggested_user_message
            .as_deref()
            .map(|m| replace_placeholders(m, app_name))
    }

    /// [`Interpretation::messages_in`] in English.
    pub fn messages(&mut self, app_name: &str) -> Messages<'c> {
        self.messages_in(app_name, None)
    }
}

/// Two tags name the same language (their first subtags match, in any
/// letter case): `fr-CA` answered in `fr` is no fallback worth a warning,
/// `pt` answered in `en` is.
fn same_language(a: &str, b: &str) -> bool {
    fn lang(tag: &str) -> &str {
        tag.split(['-', '_']).next().unwrap_or_default()
    }
    lang(a).eq_ignore_ascii_case(lang(b))
}
