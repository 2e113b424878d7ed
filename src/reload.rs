//! Catalog snapshots and the overlay's hot reload.
//!
//! The service reads the catalog through a [`CatalogStore`]: an
//! `ArcSwap<Snapshot>` whose snapshot (merged catalog, its proto form and
//! the default app name) never changes once built. A request loads the
//! snapshot once and uses only it, so it sees one consistent catalog
//! however many swaps happen meanwhile, and a swap never blocks or fails a
//! call: the old snapshot lives until its last reader drops it.
//!
//! [`OverlayWatcher`] watches the overlay file's *directory* (a mounted
//! ConfigMap updates by swapping its `..data` symlink, which a watch on the
//! file never sees; platform-facts §5), re-reads the file on any change,
//! and swaps in a new snapshot only once the whole overlay is valid. An
//! invalid file leaves the last good snapshot serving; a removed file means
//! the embedded catalog again. Every outcome is published on a
//! `tokio::sync::watch` channel ([`CatalogStore::subscribe`]) for logs,
//! metrics and tests.

use std::{
    io,
    path::{Path, PathBuf},
    sync::{Arc, mpsc},
};

use arc_swap::{ArcSwap, Guard};
use notify::{
    EventKind, RecommendedWatcher, RecursiveMode, Watcher as _,
    event::{AccessKind, AccessMode},
};
use thiserror::Error;
use tokio::sync::watch;

use crate::catalog::{
    Catalog,
    overlay::{MAX_OVERLAY_BYTES, Overlay, OverlayError},
};
use crate::convert::ProtoCatalog;

/// One immutable catalog as the service answers from it.
#[derive(Debug)]
pub struct Snapshot {
    /// The catalog: the embedded one, or it with the overlay applied.
    pub catalog: Arc<Catalog>,
    /// `catalog` converted to proto once, when the snapshot was built.
    pub protos: ProtoCatalog,
    /// Substituted for `<app name>` when a request names no app: the
    /// overlay's `defaultAppName`, else the configured one.
    pub default_app_name: String,
    /// Where the catalog came from.
    pub source: CatalogSource,
}

/// Where the serving catalog came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogSource {
    /// The catalog embedded in the binary, unchanged.
    Embedded,
    /// The embedded catalog with an overlay file applied.
    Overlay {
        /// FNV-1a of the file's bytes, in hex: tells operators which
        /// version of the file is live.
        digest: String,
    },
}

/// What the latest reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadOutcome {
    /// Nothing has been loaded beyond the embedded catalog yet.
    Initial,
    /// A new overlay was validated and swapped in.
    Applied,
    /// An overlay was invalid or unreadable; the previous snapshot still
    /// serves.
    Rejected {
        /// Why, naming the field at fault where there is one.
        reason: String,
    },
    /// The overlay file went away; the embedded catalog serves again.
    Removed,
}

/// The reload state the store publishes after every outcome: what a
/// metrics exporter turns into counters and gauges
/// (`catalog_reloads_total{outcome}`, `catalog_last_reload_ok`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReloadStatus {
    /// How many outcomes have been published; 0 before the first.
    pub generation: u64,
    /// The latest outcome.
    pub last: ReloadOutcome,
    /// Overlays applied so far.
    pub applied: u64,
    /// Overlays rejected so far.
    pub rejected: u64,
    /// Times the overlay file was removed.
    pub removed: u64,
    /// Where the serving snapshot came from.
    pub source: CatalogSource,
}

impl ReloadStatus {
    /// False while the latest overlay on disk is one that was rejected, so
    /// the serving catalog is older than the file.
    pub fn last_ok(&self) -> bool {
        !matches!(self.last, ReloadOutcome::Rejected { .. })
    }
}

/// The swappable current snapshot, plus what rebuilding one needs.
#[derive(Debug)]
pub struct CatalogStore {
    current: ArcSwap<Snapshot>,
    base: Arc<Catalog>,
    base_app_name: String,
    status: watch::Sender<ReloadStatus>,
}

impl CatalogStore {
    /// A store serving `base` with `default_app_name`, until an overlay is
    /// applied.
    pub fn new(base: Arc<Catalog>, default_app_name: impl Into<String>) -> Arc<Self> {
        let base_app_name = default_app_name.into();
        let snapshot = Snapshot {
            protos: ProtoCatalog::new(&base),
            catalog: Arc::clone(&base),
            default_app_name: base_app_name.clone(),
            source: CatalogSource::Embedded,
        };
        let (status, _) = watch::channel(ReloadStatus {
            generation: 0,
            last: ReloadOutcome::Initial,
            applied: 0,
            rejected: 0,
            removed: 0,
            source: CatalogSource::Embedded,
        });
        Arc::new(Self {
            current: ArcSwap::from_pointee(snapshot),
            base,
            base_app_name,
            status,
        })
    }

    /// The current snapshot. Cheap (no lock, no reference-count traffic in
    /// the common case): call it once per request and use only what it
    /// returns.
    pub fn load(&self) -> Guard<Arc<Snapshot>> {
        self.current.load()
    }

    /// A receiver of every reload outcome, starting with the current one.
    pub fn subscribe(&self) -> watch::Receiver<ReloadStatus> {
        self.status.subscribe()
    }

    /// The latest reload status.
    pub fn status(&self) -> ReloadStatus {
        self.status.borrow().clone()
    }

    /// Validates the overlay in `bytes` against the embedded catalog and,
    /// if it is valid, swaps it in; otherwise keeps the current snapshot.
    /// Either way publishes and logs the outcome.
    ///
    /// # Errors
    /// Why the overlay was rejected.
    pub fn apply_overlay(&self, bytes: &[u8]) -> Result<(), OverlayError> {
        match self.build(bytes) {
            Ok(snapshot) => {
                let source = snapshot.source.clone();
                self.current.store(Arc::new(snapshot));
                tracing::info!(?source, "catalog overlay applied");
                self.publish(ReloadOutcome::Applied, Some(source));
                Ok(())
            }
            Err(err) => {
                self.reject(err.to_string());
                Err(err)
            }
        }
    }

    /// Serves the embedded catalog again, after the overlay file went away.
    pub fn remove_overlay(&self) {
        self.current.store(Arc::new(Snapshot {
            protos: ProtoCatalog::new(&self.base),
            catalog: Arc::clone(&self.base),
            default_app_name: self.base_app_name.clone(),
            source: CatalogSource::Embedded,
        }));
        tracing::info!("catalog overlay removed; serving the embedded catalog");
        self.publish(ReloadOutcome::Removed, Some(CatalogSource::Embedded));
    }

    fn build(&self, bytes: &[u8]) -> Result<Snapshot, OverlayError> {
        let overlay = Overlay::from_bytes(bytes)?;
        let catalog = overlay.apply(&self.base)?;
        Ok(Snapshot {
            protos: ProtoCatalog::new(&catalog),
            catalog: Arc::new(catalog),
            default_app_name: overlay
                .default_app_name()
                .unwrap_or(&self.base_app_name)
                .to_owned(),
            source: CatalogSource::Overlay {
                digest: fnv1a_hex(bytes),
            },
        })
    }

    fn reject(&self, reason: String) {
        tracing::error!(%reason, "catalog overlay rejected; the previous catalog keeps serving");
        self.publish(ReloadOutcome::Rejected { reason }, None);
    }

    fn publish(&self, outcome: ReloadOutcome, source: Option<CatalogSource>) {
        // `send_modify` updates even with no receiver, so the status is
        // readable by whoever subscribes later.
        self.status.send_modify(|status| {
            status.generation += 1;
            match &outcome {
                ReloadOutcome::Initial => {}
                ReloadOutcome::Applied => status.applied += 1,
                ReloadOutcome::Rejected { .. } => status.rejected += 1,
                ReloadOutcome::Removed => status.removed += 1,
            }
            status.last = outcome;
            if let Some(source) = source {
                status.source = source;
            }
        });
    }
}

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
    pub fn start(store: Arc<CatalogStore>, path: &Path) -> Result<Self, ReloadError> {
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
struct Reloader {
    store: Arc<CatalogStore>,
    path: PathBuf,
    last: Seen,
}

impl Reloader {
    fn initial(&mut self) -> Result<(), ReloadError> {
        match read(&self.path) {
            Ok(None) => {
                tracing::info!(path = %self.path.display(), "no catalog overlay file; serving the embedded catalog");
                Ok(())
            }
            Ok(Some(bytes)) => {
                self.store
                    .apply_overlay(&bytes)
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
}

impl Reloader {
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

/// 64-bit FNV-1a: a short, stable fingerprint of the file for logs; not a
/// security measure.
fn fnv1a_hex(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests;
