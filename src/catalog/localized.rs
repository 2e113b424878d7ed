//! Translations of the user-facing messages (an overlay's `locales`), and
//! the choice of the variant a request's locale gets.

use super::{DOCUMENTATION_LOCALE, TextBlock, VehicleStateError};
use crate::render::Template;

/// A user message template with its translations: a type-table answer's
/// message (this project's words), in English and in any locale an
/// overlay adds.
#[derive(Debug, Clone)]
pub struct LocalizedText {
    /// The English template as written, with `<app name>`.
    pub text: String,
    /// `text`, split at its placeholders.
    pub template: Template,
    /// Translations: BCP 47 tag (as the overlay spells it), template text,
    /// template.
    pub localized: Vec<(String, String, Template)>,
}

impl LocalizedText {
    /// An English-only text.
    pub fn new(text: String, template: Template) -> Self {
        Self {
            text,
            template,
            localized: Vec::new(),
        }
    }

    /// The template for `locale` by the same rules as
    /// [`VehicleStateError::user_messages`], with the tag it is in.
    pub fn pick(&self, locale: Option<&str>) -> (&str, &Template) {
        match best_variant(&self.localized, |(tag, ..)| tag, locale) {
            Some((tag, _, template)) => (tag, template),
            None => (DOCUMENTATION_LOCALE, &self.template),
        }
    }
}

/// A translation of an entry's user-facing messages (an overlay's
/// `locales`).
#[derive(Debug, Clone)]
pub struct LocalizedMessages {
    /// The BCP 47 tag as the overlay spells it, such as `fr-CA`.
    pub locale: String,
    /// The long user message, with `<app name>`.
    pub user_message_template: TextBlock,
    /// `user_message_template` split at the placeholder.
    pub user_message: Template,
    /// The short message, the counterpart of `suggested_user_message`.
    pub suggested_user_message: String,
}

/// An entry's user-facing messages in one language.
#[derive(Debug, Clone, Copy)]
pub struct UserMessages<'c> {
    /// The BCP 47 tag of the language these are in.
    pub locale: &'c str,
    /// The long user message template.
    pub user_message: &'c Template,
    /// The short message.
    pub suggested_user_message: &'c str,
}

impl VehicleStateError {
    /// The user-facing messages for the requested `locale`: the variant
    /// with exactly that tag, else the one for its base language (`fr` for
    /// `fr-CA`), else the documentation's English. Tags compare in any
    /// letter case, with `_` read as `-`.
    ///
    /// Only the request is shortened (RFC 4647 lookup): a request for `fr`
    /// does not pick a `fr-CA` variant, which may not suit every French
    /// reader.
    pub fn user_messages(&self, locale: Option<&str>) -> UserMessages<'_> {
        match best_variant(&self.localized, |v| &v.locale, locale) {
            Some(v) => UserMessages {
                locale: &v.locale,
                user_message: &v.user_message,
                suggested_user_message: &v.suggested_user_message,
            },
            None => UserMessages {
                locale: DOCUMENTATION_LOCALE,
                user_message: &self.user_message,
                suggested_user_message: &self.suggested_user_message,
            },
        }
    }
}

/// The variant for `locale`: the one with exactly that tag, else the one
/// for its base language (`fr` for `fr-CA`). Only the request is shortened
/// (RFC 4647 lookup).
fn best_variant<'v, T>(
    variants: &'v [T],
    tag_of: impl Fn(&T) -> &str,
    locale: Option<&str>,
) -> Option<&'v T> {
    let tag = locale.filter(|_| !variants.is_empty())?;
    let base = tag.split(['-', '_']).next().unwrap_or_default();
    let find = |want: &str| variants.iter().find(|v| same_tag(tag_of(v), want));
    find(tag).or_else(|| find(base))
}

/// BCP 47 tags are case-insensitive; some callers write `fr_CA`.
pub(super) fn same_tag(a: &str, b: &str) -> bool {
    let norm = |c: u8| {
        if c == b'_' {
            b'-'
        } else {
            c.to_ascii_lowercase()
        }
    };
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| norm(x) == norm(y))
}
