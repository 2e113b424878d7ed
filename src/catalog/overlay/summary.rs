//! What a parsed overlay changes, for the binary's `check-overlay` mode:
//! read from the same document `Overlay::apply` applies, so the summary
//! cannot list a field the loader would ignore, or miss one it applies.

use std::fmt;

use super::Overlay;
use crate::catalog::dto;

/// What an overlay overrides: its entries and type-table answers (each
/// with the fields it sets and the locales it adds), and the default app
/// name. Displayed as the lines `check-overlay` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlaySummary {
    /// The `defaultAppName` it sets, if any.
    pub default_app_name: Option<String>,
    /// The catalog entries it patches, by code, in file order.
    pub entries: Vec<Patched>,
    /// The type-table answers it patches, by reason, in file order.
    pub reasons: Vec<Patched>,
}

/// One patched entry or type-table answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patched {
    /// The entry's code or the answer's reason.
    pub key: String,
    /// The overlay fields it sets, as spelt in the file
    /// (`userMessage`, `retry.delaySeconds`, ...).
    pub fields: Vec<&'static str>,
    /// The locale tags it adds, as spelt in the file.
    pub locales: Vec<String>,
}

impl OverlaySummary {
    /// Every locale tag the overlay adds, each once, in file order.
    pub fn locales(&self) -> Vec<&str> {
        let mut tags: Vec<&str> = Vec::new();
        for tag in self
            .entries
            .iter()
            .chain(&self.reasons)
            .flat_map(|p| &p.locales)
        {
            if !tags.contains(&tag.as_str()) {
                tags.push(tag);
            }
        }
        tags
    }
}

impl Overlay {
    /// What this overlay overrides. Describes the file only: call it once
    /// `apply` has accepted the overlay.
    pub fn summary(&self) -> OverlaySummary {
        let doc = &self.doc;
        OverlaySummary {
            default_app_name: doc.default_app_name.clone(),
            entries: doc.entries.iter().map(|(code, p)| entry(code, p)).collect(),
            reasons: doc
                .reasons
                .iter()
                .map(|(reason, p)| answer(reason, p))
                .collect(),
        }
    }
}

fn entry(code: &str, patch: &dto::EntryPatch) -> Patched {
    let set = [
        ("description", patch.description.is_some()),
        (
            "suggestedUserMessage",
            patch.suggested_user_message.is_some(),
        ),
        ("overview", patch.overview.is_some()),
        ("suggestedResolution", patch.suggested_resolution.is_some()),
        (
            "troubleshootingSteps",
            patch.troubleshooting_steps.is_some(),
        ),
        ("userMessage", patch.user_message.is_some()),
    ];
    patched(code, &set, patch.retry.as_ref(), &patch.locales)
}

fn answer(reason: &str, patch: &dto::AnswerPatch) -> Patched {
    let set = [("userMessage", patch.user_message.is_some())];
    patched(reason, &set, patch.retry.as_ref(), &patch.locales)
}

fn patched<V>(
    key: &str,
    set: &[(&'static str, bool)],
    retry: Option<&dto::RetryPatch>,
    locales: &[(String, V)],
) -> Patched {
    let retry = retry.map_or([false; 2], |r| {
        [r.delay_seconds.is_some(), r.delay_reason.is_some()]
    });
    let retry = [
        ("retry.delaySeconds", retry[0]),
        ("retry.delayReason", retry[1]),
    ];
    Patched {
        key: key.to_owned(),
        fields: set
            .iter()
            .chain(&retry)
            .filter(|(_, on)| *on)
            .map(|(f, _)| *f)
            .collect(),
        locales: locales.iter().map(|(tag, _)| tag.clone()).collect(),
    }
}

/// The lines `check-overlay` prints: one per patched entry or answer,
/// then the locales and the default app name.
impl fmt::Display for OverlaySummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (heading, patched) in [("entries", &self.entries), ("reasons", &self.reasons)] {
            writeln!(f, "{heading} overridden: {}", patched.len())?;
            for p in patched {
                let mut parts = Vec::new();
                if !p.fields.is_empty() {
                    parts.push(p.fields.join(", "));
                }
                if !p.locales.is_empty() {
                    parts.push(format!("locales {}", p.locales.join(", ")));
                }
                // An empty patch (`"DOOR_OPEN": {}`) is valid and changes
                // nothing: say so rather than print a bare key.
                let parts = if parts.is_empty() {
                    "nothing".to_owned()
                } else {
                    parts.join("; ")
                };
                writeln!(f, "  {}: {parts}", p.key)?;
            }
        }
        match self.locales().as_slice() {
            [] => writeln!(f, "locales added: none")?,
            tags => writeln!(f, "locales added: {}", tags.join(", "))?,
        }
        match &self.default_app_name {
            Some(name) => writeln!(f, "default app name: {name}"),
            None => writeln!(f, "default app name: not set (--default-app-name applies)"),
        }
    }
}
