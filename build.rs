//! Compiles the proto with protox (pure Rust, so no system `protoc`) and
//! writes the descriptor set that server reflection serves.

use std::{env, fs, path::PathBuf};

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    let fds = protox::compile(["vehicle_errors/v1/interpreter.proto"], ["proto"])?;
    // `compile_fds` neither writes the descriptor set nor emits rerun lines,
    // so both are done here.
    fs::write(
        out_dir.join("interpreter_descriptor.bin"),
        fds.encode_to_vec(),
    )?;
    // `pb`: plain structs, with the client, for callers and tests.
    // `google.rpc.Status` is tonic-types' own type (so a per-item status is
    // the type tonic-types builds); tonic-types has no `google.rpc.Code`,
    // which is generated here from the vendored code.proto.
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(false)
        .extern_path(".google.rpc.Status", "::tonic_types::pb::Status")
        .compile_fds(fds.clone())?;
    // `pb::server`: the server's view of the same messages, where a catalog
    // entry is a shared, pre-encoded message rather than a struct, so a
    // response carries its ~1 KB entry without cloning or re-encoding it.
    let server_dir = out_dir.join("server");
    fs::create_dir_all(&server_dir)?;
    tonic_prost_build::configure()
        .build_client(false)
        .build_server(true)
        .out_dir(&server_dir)
        // A status the server sends is assembled from pre-encoded parts:
        // see src/grpc/wire.rs.
        .extern_path(".google.rpc.Status", "crate::grpc::wire::EncodedStatus")
        .extern_path(".google.rpc.Code", "crate::grpc::pb::RpcCode")
        .extern_path(
            ".vehicle_errors.v1.VehicleStateError",
            "crate::grpc::encoded::SharedEntry",
        )
        // An interpretation is written in its wire format, with no
        // struct in between: see src/grpc/respond.rs.
        .extern_path(
            ".vehicle_errors.v1.InterpretResponse",
            "crate::grpc::wire::EncodedInterpretResponse",
        )
        // prost, but undecodable requests are INVALID_ARGUMENT, not
        // INTERNAL: see src/grpc/codec.rs.
        .codec_path("crate::grpc::codec::CallerFaultCodec")
        .compile_fds(fds)?;
    println!("cargo:rerun-if-changed=proto");
    Ok(())
}
