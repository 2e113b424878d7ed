//! What responses need from each catalog entry and table answer, converted
//! and encoded once per catalog snapshot (the store's [`SnapshotCache`]),
//! so the request path only indexes and clones.

use std::{fmt, sync::Arc};

use prost::Message;

use super::{convert, propagation::EncodedAnswer};
use crate::catalog::{Catalog, EntryId, Propagation};
use crate::interpret::AnswerKey;
use crate::reload::SnapshotCache;

/// Every entry and table answer of one catalog in its encoded form, in the
/// catalog's order, so an [`AnswerKey`] indexes it directly.
#[derive(Debug)]
pub struct EncodedCatalog {
    entries: Vec<EncodedEntry>,
    answers: Vec<EncodedAnswer>,
}

/// One vehicle-state entry's encoded forms.
#[derive(Debug)]
pub(super) struct EncodedEntry {
    /// The entry as a `VehicleStateError` message.
    pub(super) shared: SharedEntry,
    /// The parts every answer from this entry shares.
    answer: EncodedAnswer,
}

impl SnapshotCache for EncodedCatalog {
    fn derive(catalog: &Catalog) -> Self {
        Self {
            entries: catalog
                .list()
                .iter()
                .map(|entry| EncodedEntry {
                    shared: SharedEntry::new(&convert::entry(entry)),
                    answer: EncodedAnswer::new(
                        &entry.reason,
                        &entry.retry,
                        Propagation::FailedPrecondition,
                        Some(&entry.doc_url),
                    ),
                })
                .collect(),
            answers: catalog
                .table()
                .answers()
                .iter()
                .map(|a| {
                    // A bare 409 answers with UNKNOWN's guidance and links
                    // its documentation; other table answers link only what
                    // a body names.
                    let doc = a
                        .vehicle_state_fallback
                        .then(|| catalog.fallback().entry.doc_url.as_str());
                    EncodedAnswer::new(&a.reason, &a.retry, a.propagation, doc)
                })
                .collect(),
        }
    }
}

impl EncodedCatalog {
    /// The encoded forms of the entry `id` names.
    pub(super) fn entry(&self, id: EntryId) -> &EncodedEntry {
        &self.entries[id.index()]
    }

    /// The encoded parts of what `key` names.
    pub(super) fn answer(&self, key: AnswerKey) -> &EncodedAnswer {
        match key {
            AnswerKey::Entry(id) => &self.entries[id.index()].answer,
            AnswerKey::Table(id) => &self.answers[id.index()],
        }
    }
}

/// A `VehicleStateError` encoded once and shared: what the server's
/// messages (`pb::server`) hold where the proto has a `VehicleStateError`.
///
/// Encoding writes the stored bytes. The server never decodes one (no
/// request carries an entry), so decoding skips the fields.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct SharedEntry(Arc<[u8]>);

impl SharedEntry {
    /// Encodes `entry` once.
    pub(super) fn new(entry: &super::pb::VehicleStateError) -> Self {
        Self(entry.encode_to_vec().into())
    }

    /// The encoded entry, for an answer's `vehicle_state_error`.
    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SharedEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedEntry({} bytes)", self.0.len())
    }
}

super::wire::pre_encoded_message!(SharedEntry);

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;
    use crate::grpc::pb;

    /// A server response holding a shared entry encodes to the same bytes
    /// as the plain response holding the entry itself.
    #[test]
    fn shared_entry_encodes_like_the_struct() {
        let entry = pb::VehicleStateError {
            code: "DOOR_OPEN".into(),
            description: "d".into(),
            ..Default::default()
        };
        let plain = pb::GetVehicleStateErrorResponse {
            vehicle_state_error: Some(entry.clone()),
        };
        let shared = pb::server::GetVehicleStateErrorResponse {
            vehicle_state_error: Some(SharedEntry::new(&entry)),
        };
        assert_eq!(plain.encode_to_vec(), shared.encode_to_vec());
        let decoded = pb::GetVehicleStateErrorResponse::decode(&*shared.encode_to_vec()).unwrap();
        assert_eq!(decoded.vehicle_state_error, Some(entry));
    }
}
