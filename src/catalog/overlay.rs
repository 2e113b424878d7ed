//! Operator overlays: a sparse JSON patch over the embedded catalog that
//! changes text, retry delays and the default app name, and adds locale
//! variants of the user-facing messages. The format is documented in
//! `docs/catalog-overlay.md`.
//!
//! An overlay is checked completely against the catalog it patches before
//! anything uses it, and one bad field rejects the whole file: a
//! half-applied overlay never serves. Codes, categories and retry
//! strategies are not overridable; they are the service's classification
//! (docs/design.md §3), not wording.

use std::time::Duration;

use thiserror::Error;

use super::{
    Answer, Catalog, LocalizedMessages, LocalizedText, RetryPolicy, RetryStrategy, TextBlock,
    VehicleStateError, dto, same_tag,
};
use crate::render::{APP_NAME_PLACEHOLDER, Template, has_placeholder_token};
use crate::rules::{self, AppNameError, BrokenRule, invalid};

/// The largest overlay file read. Real overlays are a few KiB; the bound
/// keeps a wrong mount (a log file, say) from being read into memory.
pub const MAX_OVERLAY_BYTES: usize = 1024 * 1024;

/// The longest retry delay an overlay may set. The catalog's longest is an
/// hour; a day is generous, and more is surely a unit mistake
/// (milliseconds for seconds).
pub const MAX_DELAY: Duration = Duration::from_secs(24 * 60 * 60);

/// Why an overlay was rejected.
#[derive(Debug, Error)]
pub enum OverlayError {
    /// The file is larger than `MAX_OVERLAY_BYTES`.
    #[error("overlay is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// The file is not UTF-8.
    #[error("overlay is not UTF-8 text")]
    NotUtf8,
    /// The JSON does not have the overlay's shape (unknown fields included,
    /// so a misspelt field is an error rather than silently ignored).
    #[error("overlay JSON is malformed: {0}")]
    Json(#[from] serde_json::Error),
    /// A field breaks a rule.
    #[error("overlay field {path}: {reason}")]
    Invalid {
        /// The field's path, such as `entries.DOOR_OPEN.locales.fr.userMessage.text`.
        path: String,
        /// The rule it breaks.
        reason: String,
    },
}

impl From<BrokenRule> for OverlayError {
    fn from(broken: BrokenRule) -> Self {
        Self::Invalid {
            path: broken.path,
            reason: broken.reason,
        }
    }
}

/// A parsed overlay, not yet checked against a catalog.
#[derive(Debug)]
pub struct Overlay {
    doc: dto::Overlay,
}

impl Overlay {
    /// Parses an overlay file's bytes.
    ///
    /// # Errors
    /// `TooLarge`, `NotUtf8`, or `Json` for a file without the overlay's
    /// shape, a repeated key or an unknown field.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, OverlayError> {
        if bytes.len() > MAX_OVERLAY_BYTES {
            return Err(OverlayError::TooLarge {
                limit: MAX_OVERLAY_BYTES,
            });
        }
        let json = std::str::from_utf8(bytes).map_err(|_| OverlayError::NotUtf8)?;
        Ok(Self {
            doc: serde_json::from_str(json)?,
        })
    }

    /// The default app name the overlay sets, if any (checked by `apply`).
    pub fn default_app_name(&self) -> Option<&str> {
        self.doc.default_app_name.as_deref()
    }

    /// A new catalog: `base` with this overlay applied.
    ///
    /// # Errors
    /// `Invalid` naming the first field that breaks a rule: an unknown
    /// code, empty text, a placeholder other than `<app name>` (or any
    /// placeholder outside `userMessage`), a delay out of range or against
    /// the entry's strategy, a delay without its reason, a malformed or
    /// repeated locale tag, or a bad default app name.
    pub fn apply(&self, base: &Catalog) -> Result<Catalog, OverlayError> {
        if let Some(name) = &self.doc.default_app_name {
            check_app_name(name)?;
        }
        let mut entries = base.entries.clone();
        for (code, patch) in &self.doc.entries {
            let path = format!("entries.{code}");
            // Exact, upper-case codes only: a key that matches loosely is
            // more likely a mistake than a wish, and legacy aliases would
            // let two keys patch one entry.
            let index = base
                .entries
                .iter()
                .position(|e| e.code == *code)
                .ok_or_else(|| {
                    invalid(
                        &path,
                        "no catalog entry has this code (keys are codes such as DOOR_OPEN, in upper case)",
                    )
                })?;
            patch.apply(&mut entries[index], &path)?;
        }
        let mut table = base.table.clone();
        for (reason, patch) in &self.doc.reasons {
            let path = format!("reasons.{reason}");
            let answer = table
                .answer_mut(reason)
                .filter(|a| !a.vehicle_state_fallback)
                .ok_or_else(|| {
                    invalid(
                        &path,
                        "no type-table answer has this reason (vehicle-state codes are patched under entries)",
                    )
                })?;
            patch.apply(answer, &path)?;
        }
        table.refresh_conflict_answer(&entries[base.fallback]);
        Ok(Catalog {
            entries,
            table,
            names: base.names.clone(),
            fallback: base.fallback,
        })
    }
}

impl dto::EntryPatch {
    fn apply(&self, entry: &mut VehicleStateError, path: &str) -> Result<(), BrokenRule> {
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
        let mut localized: Vec<LocalizedMessages> = Vec::with_capacity(self.locales.len());
        for (tag, variant) in &self.locales {
            let path = format!("{path}.locales.{tag}");
            check_tag(&path, tag)?;
            if localized.iter().any(|l| same_tag(&l.locale, tag)) {
                return Err(invalid(
                    path,
                    "the same tag appears twice (tags ignore case)",
                ));
            }
            let (block, template) =
                template_block(&format!("{path}.userMessage"), &variant.user_message)?;
            plain_text(
                &format!("{path}.suggestedUserMessage"),
                &variant.suggested_user_message,
            )?;
            localized.push(LocalizedMessages {
                locale: tag.clone(),
                user_message_template: block,
                user_message: template,
                suggested_user_message: variant.suggested_user_message.clone(),
            });
        }
        entry.localized = localized;
        Ok(())
    }
}

impl dto::AnswerPatch {
    fn apply(&self, answer: &mut Answer, path: &str) -> Result<(), BrokenRule> {
        if let Some(text) = &self.user_message {
            answer.user_message = localized_text(&format!("{path}.userMessage"), text)?;
        }
        if let Some(retry) = &self.retry {
            retry.apply_policy(&mut answer.retry, &answer.reason, &format!("{path}.retry"))?;
        }
        let mut localized: Vec<(String, String, Template)> = Vec::with_capacity(self.locales.len());
        for (tag, variant) in &self.locales {
            let path = format!("{path}.locales.{tag}");
            check_tag(&path, tag)?;
            if localized.iter().any(|(l, ..)| same_tag(l, tag)) {
                return Err(invalid(
                    path,
                    "the same tag appears twice (tags ignore case)",
                ));
            }
            let text = localized_text(&format!("{path}.userMessage"), &variant.user_message)?;
            localized.push((tag.clone(), text.text, text.template));
        }
        answer.user_message.localized = localized;
        Ok(())
    }
}

/// A one-paragraph user message template: checked like a catalog template.
fn localized_text(path: &str, text: &str) -> Result<LocalizedText, BrokenRule> {
    check_text(path, text)?;
    let template = Template::parse(text)
        .map_err(|e| invalid(path, format!("{e}; only {APP_NAME_PLACEHOLDER} is known")))?;
    Ok(LocalizedText::new(text.to_owned(), template))
}

impl dto::RetryPatch {
    fn apply(&self, entry: &mut VehicleStateError, path: &str) -> Result<(), BrokenRule> {
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

fn check_app_name(name: &str) -> Result<(), BrokenRule> {
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
    if tag.eq_ignore_ascii_case(super::DOCUMENTATION_LOCALE) {
        return Err(invalid(
            path,
            "English is the catalog's own language: override the entry's fields instead",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
