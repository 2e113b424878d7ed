//! Generated protobuf and gRPC code for `vehicle_errors.v1`, and the
//! descriptor set that reflection serves. The only module that sees the
//! generated code directly.
#![allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic)]

tonic::include_proto!("vehicle_errors.v1");

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
