//! Generated protobuf and gRPC code for `vehicle_errors.v1`, and the
//! descriptor set that reflection serves.
//!
//! The proto is generated twice. This module's root holds plain structs
//! and the client, for callers and tests. [`server`] holds the server's
//! view of the same messages (same field numbers, same bytes on the wire)
//! in which a catalog entry is a [`SharedEntry`](super::encoded::SharedEntry):
//! encoded once per catalog snapshot and shared by reference, because
//! cloning and re-encoding a ~1 KB entry on every call was most of a
//! response's cost (docs/benchmarks.md); a `google.rpc.Status` is an
//! [`EncodedStatus`](super::wire::EncodedStatus), written from parts
//! encoded as few times as possible; and an `InterpretResponse` is an
//! [`EncodedInterpretResponse`](super::wire::EncodedInterpretResponse),
//! written straight from the interpretation with no struct in between.
//! Only the adapter (`crate::grpc`) names the server view; it is public
//! for the benches and fuzz targets, which call the handlers directly.

pub use generated::google::rpc::Code as RpcCode;
pub use generated::vehicle_errors::v1::*;

/// The generated code, fenced so that its lint exceptions cover nothing
/// hand-written. Nested by proto package, because generated code refers to
/// another package's types by relative path (`super::super::google::rpc`).
#[allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic)]
mod generated {
    pub mod vehicle_errors {
        pub mod v1 {
            tonic::include_proto!("vehicle_errors.v1");

            /// The server's messages and service trait; see the module docs.
            #[doc(hidden)]
            pub mod server {
                include!(concat!(env!("OUT_DIR"), "/server/vehicle_errors.v1.rs"));
            }
        }
    }

    pub mod google {
        pub mod rpc {
            // `google.rpc.Code`, the typed `propagation_code`; tonic-types
            // ships `Status` and the error details but not this enum.
            tonic::include_proto!("google.rpc");
        }
    }
}

/// The encoded `FileDescriptorSet` of `interpreter.proto` and its imports
/// (`google.rpc.Status`, the well-known types), for server reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    tonic::include_file_descriptor_set!("interpreter_descriptor");

#[cfg(test)]
mod tests {
    use prost::Message;

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
}
