//! Catalog snapshots and the overlay's hot reload.
//!
//! The service reads the catalog through a [`CatalogStore`]: an
//! `ArcSwap<Snapshot>` whose snapshot (the merged catalog, whatever its
//! user derives from it once through [`SnapshotCache`], and the default
//! app name) never changes once built. A request loads the snapshot once
//! and uses only it, so it sees one consistent catalog however many swaps
//! happen meanwhile, and a swap never blocks or fails a call: the old
//! snapshot lives until its last reader drops it.
//!
//! [`OverlayWatcher`] watches the overlay file's *directory* (a mounted
//! ConfigMap updates by swapping its `..data` symlink, which a watch on the
//! file never sees, and the watch dies at the first swap), re-reads the
//! file on any change, and swaps in a new snapshot only once the whole
//! overlay is valid. An invalid file leaves the last good snapshot
//! serving; a removed file means the embedded catalog again. Every outcome
//! is published on a `tokio::sync::watch` channel
//! ([`CatalogStore::subscribe`]) for logs, metrics and tests.
//! [`check_overlay`] runs the same read and validation once, for the
//! binary's `check-overlay` mode.

mod store;
mod watch;

pub use store::{
    CatalogSource, CatalogStore, ReloadOutcome, ReloadStatus, Snapshot, SnapshotCache,
};
pub use watch::{OverlayCheck, OverlayWatcher, ReloadError, check_overlay};

#[cfg(test)]
mod tests;
