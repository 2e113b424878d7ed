//! The overlay file's watcher: reloads the store when the file changes.

use std::{
    io,
    path::{Path, PathBuf},
    sync::{Arc, mpsc},
};

use notify::{
    EventKind, RecommendedWatcher, RecursiveMode, Watcher as _,
    event::{AccessKind, AccessMode},
};
use thiserror::Error;

use super::{CatalogStore, SnapshotCache, store::fnv1a_hex};
use crate::catalog::{
    Catalog,
    overlay::{MAX_OVERLAY_BYTES, Overlay, OverlayError, OverlaySummary},
};

/// Why the overlay could not be set up at start-up.
#[derive(Debug, Error)]
pub enum ReloadError {
    /// The overlay file exists but is invalid: start-up fails rather than
    /// serve a catalog the operator did not mean.
    #[error("catalog overlay {path}: {source}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Why.
        source: OverlayError,
    },
    /// The overlay file exists but cannot be read.
    #[error("catalog overlay {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The directory cannot be watched (it does not exist, say).
    #[error("cannot watch {dir} for catalog overlay changes: {source}")]
    Watch {
        /// The overlay's directory.
        dir: PathBuf,
        /// Why.
        source: notify::Error,
    },
    /// The reload thread could not be started.
    #[error("cannot start the catalog reload thread: {0}")]
    Thread(io::Error),
}

/// Watches an overlay file's directory and reloads the store on changes.
/// Watching stops when this is dropped.
#[derive(Debug)]
pub struct OverlayWatcher {
    // Dropping the watcher drops the event sender, which ends the reload
    // thread's loop.
    _watcher: RecommendedWatcher,
}

impl OverlayWatcher {
    /// Loads the overlay at `path` into `store` and starts watching.
    ///
    /// A missing file is fine (the embedded catalog serves, and the file
    /// is picked up when it appears); an invalid or unreadable one is an
    /// error, so a bad ConfigMap stops a new pod from becoming ready
    /// instead of serving the wrong text.
    ///
    /// # Errors
    /// `Invalid` or `Read` for the file, `Watch` when its directory cannot
    /// be watched, `Thread` when the reload thread cannot start.
    pub fn start<C: SnapshotCache>(
        store: Arc<CatalogStore<C>>,
        path: &Path,
    ) -> Result<Self, ReloadError> {
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let (tx, rx) = mpsc::channel::<()>();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                match event {
                    // Opening or reading the file (our own reads included)
                    // changes nothing; reacting to it would loop.
                    Ok(event) if is_read_only(event.kind) => {}
                    Ok(_) => {
                        let _ = tx.send(());
                    }
                    // A watch error may mean lost events (queue overflow):
                    // re-reading is the safe answer.
                    Err(err) => {
                        tracing::warn!(%err, "catalog overlay watch error; re-reading the file");
                        let _ = tx.send(());
                    }
                }
            })
            .map_err(|source| ReloadError::Watch {
                dir: dir.clone(),
                source,
            })?;
        watcher
            .watch(&dir, RecursiveMode::NonRecursive)
            .map_err(|source| ReloadError::Watch {
                dir: dir.clone(),
                source,
            })?;

        // The first read comes after the watch is in place, so a change
        // racing start-up is seen either by this read or as an event.
        let mut reloader = Reloader {
            store,
            path: path.to_path_buf(),
            last: Seen::Missing,
        };
        reloader.initial()?;
        tracing::info!(dir = %dir.display(), "watching for catalog overlay changes");
        std::thread::Builder::new()
            .name("catalog-overlay".into())
            .spawn(move || {
                while rx.recv().is_ok() {
                    // One ConfigMap update is a burst of events (new
                    // directory, symlink rename, old directory removed):
                    // read once for all that arrived.
                    while rx.try_recv().is_ok() {}
                    reloader.reload();
                }
            })
            .map_err(ReloadError::Thread)?;
        Ok(Self { _watcher: watcher })
    }
}

/// An overlay file that `check_overlay` accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlayCheck {
    /// What it overrides.
    pub summary: OverlaySummary,
    /// FNV-1a of its bytes, the `digest` the server logs when it applies
    /// the file, so an operator can match a checked file to a served one.
    pub digest: String,
}

/// Reads and validates the overlay at `path` against `base` as start-up
/// does (the same bounded read, parse and apply), and says what it would
/// override; serves and watches nothing.
///
/// # Errors
/// As at start-up, `Invalid` or `Read`; unlike start-up, a missing file is
/// a `Read` error too: the check is asked about a file that should exist.
pub fn check_overlay(base: &Catalog, path: &Path) -> Result<OverlayCheck, ReloadError> {
    let unreadable = |source| ReloadError::Read {
        path: path.to_path_buf(),
        source,
    };
    let missing = || {
        let why = "no such file (the server would serve the embedded catalog)";
        unreadable(io::Error::new(io::ErrorKind::NotFound, why))
    };
    let bytes = read(path).map_err(unreadable)?.ok_or_else(missing)?;
    let invalid = |source| ReloadError::Invalid {
        path: path.to_path_buf(),
        source,
    };
    let overlay = Overlay::from_bytes(&bytes).map_err(invalid)?;
    overlay.apply(base).map_err(invalid)?;
    Ok(OverlayCheck {
        summary: overlay.summary(),
        digest: fnv1a_hex(&bytes),
    })
}

fn is_read_only(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::Access(
            AccessKind::Open(_) | AccessKind::Read | AccessKind::Close(AccessMode::Read)
        )
    )
}

/// What the reloader last saw at the path, so repeated events for one
/// change (and changes to other files in the directory) neither swap nor
/// log again.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Missing,
    Bytes(Vec<u8>),
    Unreadable(String),
}

#[derive(Debug)]
struct Reloader<C> {
    store: Arc<CatalogStore<C>>,
    path: PathBuf,
    last: Seen,
}

impl<C: SnapshotCache> Reloader<C> {
    fn initial(&mut self) -> Result<(), ReloadError> {
        match read(&self.path) {
            Ok(None) => {
                tracing::info!(path = %self.path.display(), "no catalog overlay file; serving the embedded catalog");
                Ok(())
            }
            Ok(Some(bytes)) => {
                self.store
                    .apply_first_overlay(&bytes)
                    .map_err(|source| ReloadError::Invalid {
                        path: self.path.clone(),
                        source,
                    })?;
                self.last = Seen::Bytes(bytes);
                Ok(())
            }
            Err(source) => Err(ReloadError::Read {
                path: self.path.clone(),
                source,
            }),
        }
    }

    fn reload(&mut self) {
        let seen = self.read_settled();
        if seen == self.last {
            return;
        }
        match &seen {
            Seen::Missing => self.store.remove_overlay(),
            // The error is published and logged by the store.
            Seen::Bytes(bytes) => {
                let _ = self.store.apply_overlay(bytes);
            }
            Seen::Unreadable(err) => self
                .store
                .reject(format!("cannot read {}: {err}", self.path.display())),
        }
        self.last = seen;
    }

    /// The file as it is once any ConfigMap update in progress is done.
    ///
    /// kubelet deletes the previous version's directory right after it
    /// swaps `..data`; a read that resolved `..data` to the previous
    /// version just before can then find the file gone. Taking that miss
    /// for a removal would serve the embedded catalog for a moment, so a
    /// miss counts only when it persists: by the next try the path
    /// resolves to the new version.
    fn read_settled(&self) -> Seen {
        for attempt in 1..=MISS_READS {
            match read(&self.path) {
                Ok(None) if attempt < MISS_READS => std::thread::sleep(MISS_RETRY_PAUSE),
                Ok(None) => break,
                Ok(Some(bytes)) => return Seen::Bytes(bytes),
                Err(err) => return Seen::Unreadable(err.to_string()),
            }
        }
        Seen::Missing
    }
}

/// Reads of a missing file before it counts as removed, and the pause
/// between them (only on this reload thread, never on a call's path).
const MISS_READS: usize = 3;
const MISS_RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(10);

/// The file's bytes, `None` when it does not exist. Reads one byte past
/// the limit so an oversized file is reported as such without reading all
/// of it.
fn read(path: &Path) -> io::Result<Option<Vec<u8>>> {
    use std::io::Read as _;
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    let mut bytes = Vec::new();
    file.take(MAX_OVERLAY_BYTES as u64 + 1)
        .read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}
