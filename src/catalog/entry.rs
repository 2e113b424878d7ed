//! Validation of one entry of `catalog/vehicle_state_errors.json` into a
//! [`VehicleStateError`]: its names, its retry policy, then its texts.

use std::time::Duration;

use super::{
    MAX_CODE_LEN, ResolutionType, RetryPolicy, TextBlock, VEHICLE_STATE, VehicleStateError, dto,
};
use crate::render::{APP_NAME_PLACEHOLDER, Template, has_placeholder_token};
use crate::rules::is_upper_snake;

/// Checks `entry` and builds the domain entry from it.
///
/// # Errors
/// The first rule the entry breaks, in words.
pub(super) fn validate(entry: dto::Entry) -> Result<VehicleStateError, String> {
    let resolution = check_names(&entry)?;
    let delay = Duration::from_secs(entry.retry.delay_seconds);
    entry.retry.strategy.check(entry.retry.action, delay)?;
    let texts = Texts::of(&entry);
    texts.check(&entry)?;
    let user_message = Template::parse(&texts.user_message.joined())
        .map_err(|e| format!("userMessage: {e} (only {APP_NAME_PLACEHOLDER} is known)"))?;
    let dto::Entry {
        code,
        legacy_codes,
        category,
        retry,
        body,
        troubleshooting_steps,
        ..
    } = entry;
    Ok(VehicleStateError {
        reason: format!("{VEHICLE_STATE}_{code}"),
        error_type: body.error_type,
        code,
        description: body.description,
        doc_url: body.doc_url,
        status_code: body.status_code,
        resolution,
        suggested_user_message: body.suggested_user_message,
        suggested_resolution_text: if texts.suggested_resolution.is_empty() {
            String::new()
        } else {
            texts.suggested_resolution.joined()
        },
        overview: texts.overview,
        suggested_resolution: texts.suggested_resolution,
        troubleshooting_steps,
        user_message_template: texts.user_message,
        category,
        retry: RetryPolicy {
            strategy: retry.strategy,
            action: retry.action,
            delay,
            delay_reason: retry.delay_reason,
            scope: retry.scope,
        },
        legacy_codes,
        user_message,
        localized: Vec::new(),
    })
}

/// The entry's code, the body's names for it, its legacy codes and its
/// category; the body's resolution type, read.
fn check_names(entry: &dto::Entry) -> Result<ResolutionType, String> {
    let (code, body) = (&entry.code, &entry.body);
    if !is_upper_snake(code) || code.len() > MAX_CODE_LEN {
        return Err("code must be UPPER_SNAKE_CASE, at most 64 characters".into());
    }
    if body.code != *code {
        return Err(format!("body.code {:?} differs from code", body.code));
    }
    if body.error_type != VEHICLE_STATE {
        return Err(format!("body.type must be {VEHICLE_STATE}"));
    }
    if !(100..=599).contains(&body.status_code) {
        return Err("body.statusCode is not an HTTP status".into());
    }
    if let Some(bad) = entry.legacy_codes.iter().find(|c| !is_legacy_code(c)) {
        return Err(format!("legacy code {bad:?} is not VS_ and three digits"));
    }
    let resolution = match body.resolution.kind.as_deref() {
        None => ResolutionType::None,
        Some(kind) => ResolutionType::parse(kind)
            .ok_or_else(|| format!("unknown resolution type {kind:?}"))?,
    };
    if !entry.category.is_vehicle_state() {
        return Err(format!(
            "category {:?} is not a vehicle-state category",
            entry.category
        ));
    }
    Ok(resolution)
}

/// The entry's text blocks in their domain form.
struct Texts {
    overview: TextBlock,
    suggested_resolution: TextBlock,
    user_message: TextBlock,
}

impl Texts {
    fn of(entry: &dto::Entry) -> Self {
        Self {
            overview: (&entry.overview).into(),
            suggested_resolution: entry
                .suggested_resolution
                .as_ref()
                .map(Into::into)
                .unwrap_or_default(),
            user_message: (&entry.user_message).into(),
        }
    }

    /// Required text is there, no bullet is empty, and only the user
    /// message holds a placeholder.
    fn check(&self, entry: &dto::Entry) -> Result<(), String> {
        let body = &entry.body;
        let required = [
            ("body.description", body.description.as_str()),
            ("body.docURL", &body.doc_url),
            ("body.suggestedUserMessage", &body.suggested_user_message),
            ("overview.text", &self.overview.text),
            ("userMessage.text", &self.user_message.text),
            ("retry.delayReason", &entry.retry.delay_reason),
        ];
        if let Some((field, _)) = required.iter().find(|(_, v)| v.trim().is_empty()) {
            return Err(format!("{field} is empty"));
        }
        let all_text = [body.description.as_str(), &body.suggested_user_message]
            .into_iter()
            .chain(self.overview.strings())
            .chain(self.suggested_resolution.strings())
            .chain(entry.troubleshooting_steps.iter().map(String::as_str));
        if let Some(text) = all_text.into_iter().find(|t| has_placeholder_token(t)) {
            return Err(format!(
                "only userMessage may hold a placeholder, found one in {text:?}"
            ));
        }
        if self
            .suggested_resolution
            .bullets
            .iter()
            .chain(&entry.troubleshooting_steps)
            .any(|s| s.trim().is_empty())
        {
            return Err("empty bullet".into());
        }
        Ok(())
    }
}

fn is_legacy_code(s: &str) -> bool {
    s.len() == 6 && s.starts_with("VS_") && s[3..].bytes().all(|b| b.is_ascii_digit())
}
