//! Generated protobuf and gRPC code for `vehicle_errors.v1`, and the
//! descriptor set that reflection serves. The only module that sees the
//! generated code directly.
//!
//! The proto is generated twice. The crate root of this module holds plain
//! structs and the client, for callers and tests. [`wire`] holds the
//! server's view of the same messages (same field numbers, same bytes on
//! the wire) in which a catalog entry is a [`SharedEntry`]: encoded once
//! at start-up and shared by reference, because cloning and re-encoding a
//! ~2.5 KB entry on every call was most of a response's cost.
#![allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic)]

use std::{fmt, sync::Arc};

use prost::{
    DecodeError, Message,
    bytes::{Buf, BufMut},
    encoding::{DecodeContext, WireType, skip_field},
};

tonic::include_proto!("vehicle_errors.v1");

/// The server's messages; see the module docs.
pub mod wire {
    include!(concat!(env!("OUT_DIR"), "/wire/vehicle_errors.v1.rs"));
}

/// The encoded `FileDescriptorSet` of `interpreter.proto` and its imports
/// (`google.rpc.Status`, the well-known types), for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    tonic::include_file_descriptor_set!("interpreter_descriptor");

/// A `VehicleStateError` encoded once and shared: what [`wire`] messages
/// hold where the proto has a `VehicleStateError`.
///
/// Encoding writes the stored bytes. The server never decodes one (no
/// request carries an entry), so decoding skips the fields.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct SharedEntry(Arc<[u8]>);

impl SharedEntry {
    /// Encodes `entry` once.
    pub fn new(entry: &VehicleStateError) -> Self {
        Self(entry.encode_to_vec().into())
    }
}

impl fmt::Debug for SharedEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedEntry({} bytes)", self.0.len())
    }
}

impl Message for SharedEntry {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        buf.put_slice(&self.0);
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        skip_field(wire_type, tag, buf, ctx)
    }

    fn encoded_len(&self) -> usize {
        self.0.len()
    }

    fn clear(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::*;

    /// The descriptor set decodes and describes the service reflection lists.
    #[test]
    fn file_descriptor_set_decodes() {
        let fds = prost_types::FileDescriptorSet::decode(super::FILE_DESCRIPTOR_SET).unwrap();
        let file = fds
            .file
            .iter()
            .find(|f| f.package() == "vehicle_errors.v1")
            .unwrap();
        assert_eq!(file.service[0].name(), "InterpreterService");
    }

    /// A wire response holding a shared entry encodes to the same bytes as
    /// the plain response holding the entry itself.
    #[test]
    fn shared_entry_encodes_like_the_struct() {
        let entry = VehicleStateError {
            code: "DOOR_OPEN".into(),
            description: "d".into(),
            ..Default::default()
        };
        let plain = GetVehicleStateErrorResponse {
            vehicle_state_error: Some(entry.clone()),
        };
        let shared = wire::GetVehicleStateErrorResponse {
            vehicle_state_error: Some(SharedEntry::new(&entry)),
        };
        assert_eq!(plain.encode_to_vec(), shared.encode_to_vec());
        let decoded = GetVehicleStateErrorResponse::decode(&*shared.encode_to_vec()).unwrap();
        assert_eq!(decoded.vehicle_state_error, Some(entry));
    }
}
