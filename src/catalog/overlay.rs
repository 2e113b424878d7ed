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
//!
//! This file parses an overlay and applies it to a catalog; `patch`
//! applies each entry's or answer's patch and holds the rules its text
//! keeps; `summary` says what an accepted overlay overrides; the JSON
//! shape is `catalog::dto`'s.

mod patch;
mod summary;

use std::time::Duration;

use thiserror::Error;

use super::{Catalog, dto};
use crate::rules::{BrokenRule, invalid};
use patch::check_app_name;
pub use summary::{OverlaySummary, Patched};

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
                        "no type-table or operation answer has this reason (vehicle-state codes are patched under entries)",
                    )
                })?;
            patch.apply(answer, &path)?;
        }
        table.refresh_conflict_answer(&entries[base.fallback]);
        Ok(Catalog {
            entries,
            table,
            operations: base.operations.clone(),
            names: base.names.clone(),
            fallback: base.fallback,
        })
    }
}

#[cfg(test)]
mod tests;
