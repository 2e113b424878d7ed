//! The store: catalog snapshots swapped atomically, and the reload status
//! it publishes.

use std::sync::Arc;

use arc_swap::{ArcSwap, Guard};
use tokio::sync::watch;

use crate::catalog::{
    Catalog,
    overlay::{Overlay, OverlayError},
};

/// Data derived from a catalog once per snapshot, so the request path only
/// reads it: the gRPC adapter's encoded entries, for one. The store builds
/// it with each snapshot and names no concrete type, so the store knows
/// nothing of the adapter.
pub trait SnapshotCache: Send + Sync + 'static {
    /// Derives the data from `catalog`.
    fn derive(catalog: &Catalog) -> Self;
}

/// Nothing derived: for stores that only hold catalogs (tests, tools).
impl SnapshotCache for () {
    fn derive(_: &Catalog) -> Self {}
}

/// One immutable catalog as the service answers from it.
#[derive(Debug)]
pub struct Snapshot<C> {
    /// The catalog: the embedded one, or it with the overlay applied.
    pub catalog: Arc<Catalog>,
    /// What was derived from `catalog` when the snapshot was built.
    pub cache: C,
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
pub struct CatalogStore<C> {
    current: ArcSwap<Snapshot<C>>,
    base: Arc<Catalog>,
    base_app_name: String,
    status: watch::Sender<ReloadStatus>,
}

impl<C: SnapshotCache> CatalogStore<C> {
    /// A store serving `base` with `default_app_name`, until an overlay is
    /// applied.
    pub fn new(base: Arc<Catalog>, default_app_name: impl Into<String>) -> Arc<Self> {
        let base_app_name = default_app_name.into();
        let snapshot = Snapshot {
            cache: C::derive(&base),
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
    pub fn load(&self) -> Guard<Arc<Snapshot<C>>> {
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
        self.apply_first_overlay(bytes)
            .inspect_err(|err| self.reject(err.to_string()))
    }

    /// [`Self::apply_overlay`] for the overlay read at start-up: a
    /// rejection is the caller's to report (start-up fails with it), not
    /// logged as "the previous catalog keeps serving", which no catalog
    /// yet does.
    ///
    /// # Errors
    /// Why the overlay was rejected.
    pub fn apply_first_overlay(&self, bytes: &[u8]) -> Result<(), OverlayError> {
        let snapshot = self.build(bytes)?;
        let source = snapshot.source.clone();
        self.current.store(Arc::new(snapshot));
        tracing::info!(?source, "catalog overlay applied");
        self.publish(ReloadOutcome::Applied, Some(source));
        Ok(())
    }

    /// Serves the embedded catalog again, after the overlay file went away.
    pub fn remove_overlay(&self) {
        self.current.store(Arc::new(Snapshot {
            cache: C::derive(&self.base),
            catalog: Arc::clone(&self.base),
            default_app_name: self.base_app_name.clone(),
            source: CatalogSource::Embedded,
        }));
        tracing::info!("catalog overlay removed; serving the embedded catalog");
        self.publish(ReloadOutcome::Removed, Some(CatalogSource::Embedded));
    }

    fn build(&self, bytes: &[u8]) -> Result<Snapshot<C>, OverlayError> {
        let overlay = Overlay::from_bytes(bytes)?;
        let catalog = overlay.apply(&self.base)?;
        Ok(Snapshot {
            cache: C::derive(&catalog),
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

    pub(super) fn reject(&self, reason: String) {
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

/// 64-bit FNV-1a: a short, stable fingerprint of the file for logs; not a
/// security measure.
pub(super) fn fnv1a_hex(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{hash:016x}")
}
