//! Applying one overlay patch to an entry or a type-table answer, and the
//! rules an overlay's text keeps: shown as is, or a template with
//! `<app name>`; locale tags in their canonical spelling.

use std::time::Duration;

use super::MAX_DELAY;
use crate::catalog::{
    Answer, DOCUMENTATION_LOCALE, LocalizedMessages, LocalizedText, RetryPolicy, RetryStrategy,
    TextBlock, VehicleStateError, dto, localized::same_tag,
};
use crate::render::{APP_NAME_PLACEHOLDER, Template, has_placeholder_token};
use crate::rules::{self, AppNameError, BrokenRule, invalid};

impl dto::EntryPatch {
    pub(super) fn apply(
        &self,
        entry: &mut VehicleStateError,
        path: &str,
    ) -> Result<(), BrokenRule> {
        if let Some(text) = &self.description {
            plain_text(&format!("{path}.description"), text)?;
            entry.description.clone_from(text);
        }
        if let Some(text) = &self.suggested_user_message {
            plain_text(&format!("{path}.suggestedUserMessage"), text)?;
            entry.suggested_user_message.clone_from(text);
        }
        if let Some(block) = &self.overview {
            entry.overview = plain_block(&format!("{path}.overview"), block)?;
        }
        if let Some(block) = &self.suggested_resolution {
            entry.suggested_resolution =
                plain_block(&format!("{path}.suggestedResolution"), block)?;
            entry.suggested_resolution_text = entry.suggested_resolution.joined();
        }
        if let Some(steps) = &self.troubleshooting_steps {
            let steps_path = format!("{path}.troubleshootingSteps");
            if steps.is_empty() {
                return Err(invalid(
                    steps_path,
                    "is empty; omit it to keep the documentation's steps",
                ));
            }
            for (i, step) in steps.iter().enumerate() {
                plain_text(&format!("{steps_path}[{i}]"), step)?;
            }
            entry.troubleshooting_steps.clone_from(steps);
        }
        if let Some(block) = &self.user_message {
            let (block, template) = template_block(&format!("{path}.userMessage"), block)?;
            entry.user_message_template = block;
            entry.user_message = template;
        }
        if let Some(retry) = &self.retry {
            retry.apply(entry, &format!("{path}.retry"))?;
        }
        entry.localized = locales(
            path,
            &self.locales,
            |l: &LocalizedMessages| &l.locale,
            |path, tag, variant| {
                let (block, template) =
                    template_block(&format!("{path}.userMessage"), &variant.user_message)?;
                plain_text(
                    &format!("{path}.suggestedUserMessage"),
                    &variant.suggested_user_message,
                )?;
                Ok(LocalizedMessages {
                    locale: tag.to_owned(),
                    user_message_template: block,
                    user_message: template,
                    suggested_user_message: variant.suggested_user_message.clone(),
                })
            },
        )?;
        Ok(())
    }
}

impl dto::AnswerPatch {
    pub(super) fn apply(&self, answer: &mut Answer, path: &str) -> Result<(), BrokenRule> {
        if let Some(text) = &self.user_message {
            answer.user_message = localized_text(&format!("{path}.userMessage"), text)?;
        }
        if let Some(retry) = &self.retry {
            retry.apply_policy(&mut answer.retry, &answer.reason, &format!("{path}.retry"))?;
        }
        answer.user_message.localized = locales(
            path,
            &self.locales,
            |(tag, ..): &(String, String, Template)| tag,
            |path, tag, variant| {
                let text = localized_text(&format!("{path}.userMessage"), &variant.user_message)?;
                Ok((tag.to_owned(), text.text, text.template))
            },
        )?;
        Ok(())
    }
}

/// Reads a patch's `locales` with `read`, each under a well-formed tag that
/// no other variant has in any letter case (`tag_of` names a read one's).
fn locales<V, T>(
    path: &str,
    patches: &[(String, V)],
    tag_of: impl Fn(&T) -> &str,
    read: impl Fn(&str, &str, &V) -> Result<T, BrokenRule>,
) -> Result<Vec<T>, BrokenRule> {
    let mut out: Vec<T> = Vec::with_capacity(patches.len());
    for (tag, variant) in patches {
        let path = format!("{path}.locales.{tag}");
        check_tag(&path, tag)?;
        if out.iter().any(|v| same_tag(tag_of(v), tag)) {
            return Err(invalid(
                path,
                "the same tag appears twice (tags ignore case)",
            ));
        }
        out.push(read(&path, tag, variant)?);
    }
    Ok(out)
}

/// A one-paragraph user message template: checked like a catalog template.
fn localized_text(path: &str, text: &str) -> Result<LocalizedText, BrokenRule> {
    check_text(path, text)?;
    let template = Template::parse(text)
        .map_err(|e| invalid(path, format!("{e}; only {APP_NAME_PLACEHOLDER} is known")))?;
    Ok(LocalizedText::new(text.to_owned(), template))
}

impl dto::RetryPatch {
    pub(super) fn apply(
        &self,
        entry: &mut VehicleStateError,
        path: &str,
    ) -> Result<(), BrokenRule> {
        self.apply_policy(&mut entry.retry, &entry.code, path)
    }

    /// Patches a retry policy's delay and reason; `name` names its owner
    /// in errors.
    fn apply_policy(
        &self,
        policy: &mut RetryPolicy,
        name: &str,
        path: &str,
    ) -> Result<(), BrokenRule> {
        if self.delay_seconds.is_none() && self.delay_reason.is_none() {
            return Err(invalid(path, "sets neither delaySeconds nor delayReason"));
        }
        if let Some(secs) = self.delay_seconds {
            let field = format!("{path}.delaySeconds");
            // Every delay is catalog data with its reason (docs/design.md §3); a
            // new number under the old reason would contradict it.
            if self.delay_reason.is_none() {
                return Err(invalid(
                    field,
                    "needs a delayReason next to it saying why this delay",
                ));
            }
            let delay = Duration::from_secs(secs);
            if delay > MAX_DELAY {
                return Err(invalid(
                    field,
                    format!("is more than {} (a day)", MAX_DELAY.as_secs()),
                ));
            }
            match policy.strategy {
                RetryStrategy::NoRetryNeeded if !delay.is_zero() => {
                    return Err(invalid(field, format!("must be 0: {name} needs no retry")));
                }
                RetryStrategy::RetryLater if delay.is_zero() => {
                    return Err(invalid(
                        field,
                        format!("must be positive: callers retry {name} after it"),
                    ));
                }
                _ => {}
            }
            policy.delay = delay;
        }
        if let Some(reason) = &self.delay_reason {
            plain_text(&format!("{path}.delayReason"), reason)?;
            policy.delay_reason.clone_from(reason);
        }
        Ok(())
    }
}

/// Non-blank, and no control characters but newlines (which separate
/// paragraphs, as in the embedded catalog).
fn check_text(path: &str, text: &str) -> Result<(), BrokenRule> {
    if text.trim().is_empty() {
        return Err(invalid(path, "is empty"));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(path, "contains control characters"));
    }
    Ok(())
}

/// Text shown as is: a placeholder in it would reach users verbatim.
fn plain_text(path: &str, text: &str) -> Result<(), BrokenRule> {
    check_text(path, text)?;
    if has_placeholder_token(text) {
        return Err(invalid(
            path,
            format!("only userMessage may hold {APP_NAME_PLACEHOLDER}; this text is shown as is"),
        ));
    }
    Ok(())
}

fn plain_block(path: &str, block: &dto::TextBlock) -> Result<TextBlock, BrokenRule> {
    plain_text(&format!("{path}.text"), &block.text)?;
    for (i, bullet) in block.bullets.iter().enumerate() {
        plain_text(&format!("{path}.bullets[{i}]"), bullet)?;
    }
    Ok(TextBlock::from(block))
}

fn template_block(path: &str, block: &dto::TextBlock) -> Result<(TextBlock, Template), BrokenRule> {
    check_text(&format!("{path}.text"), &block.text)?;
    for (i, bullet) in block.bullets.iter().enumerate() {
        check_text(&format!("{path}.bullets[{i}]"), bullet)?;
    }
    let block = TextBlock::from(block);
    let template = Template::parse(&block.joined())
        .map_err(|e| invalid(path, format!("{e}; only {APP_NAME_PLACEHOLDER} is known")))?;
    Ok((block, template))
}

/// The overlay's `defaultAppName`, by the rules of a request's app name.
pub(super) fn check_app_name(name: &str) -> Result<(), BrokenRule> {
    const PATH: &str = "defaultAppName";
    plain_text(PATH, name)?;
    match rules::check_app_name(name) {
        Ok(()) => Ok(()),
        Err(AppNameError::TooLong(_)) => Err(invalid(
            PATH,
            format!("is longer than {} characters", rules::MAX_APP_NAME_CHARS),
        )),
        Err(AppNameError::ControlCharacters) => Err(invalid(PATH, "contains control characters")),
        Err(AppNameError::Blank) => Err(invalid(PATH, "is empty")),
    }
}

/// A BCP 47 tag, by the same grammar as a request's `locale`
/// (`rules::is_language_tag`), in its canonical spelling with `-`: a
/// request may write `fr_CA`, a stored key is written once, correctly.
/// English alone is refused:
/// the entry's own fields are its English text, and two places for one
/// text would be ambiguous.
fn check_tag(path: &str, tag: &str) -> Result<(), BrokenRule> {
    if !rules::is_language_tag(tag) || tag.contains('_') {
        return Err(invalid(
            path,
            "is not a BCP 47 language tag such as fr or fr-CA",
        ));
    }
    if tag.eq_ignore_ascii_case(DOCUMENTATION_LOCALE) {
        return Err(invalid(
            path,
            "English is the catalog's own language: override the entry's fields instead",
        ));
    }
    Ok(())
}
