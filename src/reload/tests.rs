use std::sync::Arc;

use super::store::fnv1a_hex;
use super::*;
use crate::catalog::{Catalog, overlay::OverlayError};

fn store() -> Arc<CatalogStore<()>> {
    CatalogStore::new(Arc::new(Catalog::embedded().unwrap()), "the app")
}

fn door_message(store: &CatalogStore<()>) -> String {
    let snapshot = store.load();
    let door = snapshot.catalog.get("DOOR_OPEN").unwrap().0.entry;
    door.user_message.render(&snapshot.default_app_name)
}

const OVERLAY: &[u8] =
    br#"{"defaultAppName": "Fleet", "entries": {"DOOR_OPEN": {"userMessage": {"text": "Doors! <app name>"}}}}"#;

/// Applying swaps the snapshot and counts; rejecting keeps it and counts;
/// removing returns to the embedded catalog and the configured app name.
#[test]
fn apply_reject_remove_cycle() {
    let store = store();
    let embedded = door_message(&store);
    assert_eq!(store.status().last, ReloadOutcome::Initial);

    store.apply_overlay(OVERLAY).unwrap();
    assert_eq!(door_message(&store), "Doors! Fleet");
    let status = store.status();
    assert_eq!((status.generation, status.applied), (1, 1));
    assert!(matches!(status.source, CatalogSource::Overlay { .. }));
    assert!(status.last_ok());

    let err = store
        .apply_overlay(br#"{"entries": {"NOPE": {}}}"#)
        .unwrap_err();
    assert!(matches!(err, OverlayError::Invalid { .. }));
    assert_eq!(
        door_message(&store),
        "Doors! Fleet",
        "last good keeps serving"
    );
    let status = store.status();
    assert_eq!((status.generation, status.rejected), (2, 1));
    assert!(
        matches!(&status.last, ReloadOutcome::Rejected { reason } if reason.contains("entries.NOPE"))
    );
    assert!(!status.last_ok());
    assert!(matches!(status.source, CatalogSource::Overlay { .. }));

    store.remove_overlay();
    assert_eq!(door_message(&store), embedded);
    assert_eq!(store.load().default_app_name, "the app");
    let status = store.status();
    assert_eq!((status.generation, status.removed), (3, 1));
    assert_eq!(status.source, CatalogSource::Embedded);
}

/// A snapshot already loaded is unaffected by a later swap.
#[test]
fn loaded_snapshot_is_stable_across_swaps() {
    let store = store();
    let before = arc_swap::Guard::into_inner(store.load());
    store.apply_overlay(OVERLAY).unwrap();
    let door = before.catalog.get("DOOR_OPEN").unwrap().0.entry;
    assert!(!door.user_message.render("x").starts_with("Doors!"));
    assert_eq!(before.source, CatalogSource::Embedded);
}

/// The digest is stable and tells files apart.
#[test]
fn digest_is_stable() {
    assert_eq!(fnv1a_hex(b""), "cbf29ce484222325");
    assert_eq!(fnv1a_hex(b"a"), "af63dc4c8601ec8c");
    assert_ne!(fnv1a_hex(b"{}"), fnv1a_hex(b"{ }"));
}
