//! The JSON shape of `catalog/vehicle_state_errors.json`, kept private so
//! the file format and the domain types can change independently, and its
//! validation into domain entries.

use std::time::Duration;

use serde::Deserialize;

use crate::render::has_placeholder_token;
use crate::rules::is_upper_snake;

use super::{
    APP_NAME_PLACEHOLDER, Action, Category, ResolutionType, RetryPolicy, RetryStrategy, Template,
    VEHICLE_STATE, VehicleStateError,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Catalog {
    #[serde(rename = "$comment")]
    _comment: Option<String>,
    pub(super) errors: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct Entry {
    pub(super) code: String,
    #[serde(default)]
    legacy_codes: Vec<String>,
    category: Category,
    retry: Retry,
    body: Body,
    overview: TextBlock,
    suggested_resolution: Option<TextBlock>,
    #[serde(default)]
    troubleshooting_steps: Vec<String>,
    user_message: TextBlock,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Retry {
    strategy: RetryStrategy,
    action: Action,
    delay_seconds: u64,
    delay_reason: String,
}

/// The API's JSON body as the documentation shows it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Body {
    #[serde(rename = "type")]
    error_type: String,
    code: String,
    description: String,
    #[serde(rename = "docURL")]
    doc_url: String,
    status_code: u16,
    #[serde(rename = "requestId")]
    _request_id: String,
    resolution: Resolution,
    suggested_user_message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Resolution {
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextBlock {
    text: String,
    #[serde(default)]
    bullets: Vec<String>,
}

impl From<TextBlock> for super::TextBlock {
    fn from(b: TextBlock) -> Self {
        Self {
            text: b.text,
            bullets: b.bullets,
        }
    }
}

impl Entry {
    pub(super) fn into_domain(self) -> Result<VehicleStateError, String> {
        let Entry {
            code,
            legacy_codes,
            category,
            retry,
            body,
            overview,
            suggested_resolution,
            troubleshooting_steps,
            user_message,
        } = self;
        if !is_upper_snake(&code) || code.len() > super::MAX_CODE_LEN {
            return Err("code must be UPPER_SNAKE_CASE, at most 64 characters".into());
        }
        if body.code != code {
            return Err(format!("body.code {:?} differs from code", body.code));
        }
        if body.error_type != VEHICLE_STATE {
            return Err(format!("body.type must be {VEHICLE_STATE}"));
        }
        if !(100..=599).contains(&body.status_code) {
            return Err("body.statusCode is not an HTTP status".into());
        }
        if let Some(bad) = legacy_codes.iter().find(|c| !is_legacy_code(c)) {
            return Err(format!("legacy code {bad:?} is not VS_ and three digits"));
        }
        let resolution = match body.resolution.kind.as_deref() {
            None => ResolutionType::None,
            Some(kind) => ResolutionType::parse(kind)
                .ok_or_else(|| format!("unknown resolution type {kind:?}"))?,
        };
        if !category.is_vehicle_state() {
            return Err(format!(
                "category {category:?} is not a vehicle-state category"
            ));
        }
        let delay = Duration::from_secs(retry.delay_seconds);
        retry.strategy.check(retry.action, delay)?;
        let overview: super::TextBlock = overview.into();
        let suggested_resolution: super::TextBlock =
            suggested_resolution.map(Into::into).unwrap_or_default();
        let user_message_template: super::TextBlock = user_message.into();

        let required = [
            ("body.description", body.description.as_str()),
            ("body.docURL", &body.doc_url),
            ("body.suggestedUserMessage", &body.suggested_user_message),
            ("overview.text", &overview.text),
            ("userMessage.text", &user_message_template.text),
            ("retry.delayReason", &retry.delay_reason),
        ];
        if let Some((field, _)) = required.iter().find(|(_, v)| v.trim().is_empty()) {
            return Err(format!("{field} is empty"));
        }
        let all_text = [body.description.as_str(), &body.suggested_user_message]
            .into_iter()
            .chain(overview.strings())
            .chain(suggested_resolution.strings())
            .chain(troubleshooting_steps.iter().map(String::as_str));
        if let Some(text) = all_text.into_iter().find(|t| has_placeholder_token(t)) {
            return Err(format!(
                "only userMessage may hold a placeholder, found one in {text:?}"
            ));
        }
        if suggested_resolution
            .bullets
            .iter()
            .chain(&troubleshooting_steps)
            .any(|s| s.trim().is_empty())
        {
            return Err("empty bullet".into());
        }
        let joined = user_message_template.joined();
        let user_message = Template::parse(&joined)
            .map_err(|e| format!("userMessage: {e} (only {APP_NAME_PLACEHOLDER} is known)"))?;

        Ok(VehicleStateError {
            reason: format!("{VEHICLE_STATE}_{code}"),
            error_type: body.error_type,
            code,
            description: body.description,
            doc_url: body.doc_url,
            status_code: body.status_code,
            resolution,
            suggested_user_message: body.suggested_user_message,
            suggested_resolution_text: if suggested_resolution.is_empty() {
                String::new()
            } else {
                suggested_resolution.joined()
            },
            overview,
            suggested_resolution,
            troubleshooting_steps,
            user_message_template,
            category,
            retry: RetryPolicy {
                strategy: retry.strategy,
                action: retry.action,
                delay,
                delay_reason: retry.delay_reason,
            },
            legacy_codes,
            user_message,
            localized: Vec::new(),
        })
    }
}

fn is_legacy_code(s: &str) -> bool {
    s.len() == 6 && s.starts_with("VS_") && s[3..].bytes().all(|b| b.is_ascii_digit())
}
