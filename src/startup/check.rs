//! The binary's `check-overlay` mode: the overlay loaded and validated as
//! start-up would, with nothing bound, watched or served, and no runtime.

use std::path::Path;

use super::BuildError;
use crate::catalog::Catalog;
use crate::reload::{self, OverlayCheck};

/// Loads the embedded catalog and checks the overlay at `path` against it
/// ([`reload::check_overlay`]).
///
/// # Errors
/// `Overlay` when the file is missing, unreadable or invalid; `Catalog`
/// when the embedded catalog is invalid, which a unit test rules out.
pub fn check_overlay(path: &Path) -> Result<OverlayCheck, BuildError> {
    let catalog = Catalog::embedded()?;
    Ok(reload::check_overlay(&catalog, path)?)
}

/// Runs [`check_overlay`] and reports it for people and CI: what the
/// overlay would apply on stdout, or the reason it would fail start-up on
/// stderr (start-up's wording).
///
/// # Returns
/// Whether the overlay is valid: the process' exit status 0, else 1.
pub fn report_overlay_check(path: &Path) -> bool {
    match check_overlay(path) {
        Ok(OverlayCheck { summary, digest }) => {
            let path = path.display();
            print!("catalog overlay {path} is valid (digest {digest})\n{summary}");
            true
        }
        Err(err) => {
            eprintln!("{err}");
            false
        }
    }
}
