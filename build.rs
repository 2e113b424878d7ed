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
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .extern_path(".google.rpc", "::tonic_types::pb")
        // prost, but undecodable requests are INVALID_ARGUMENT, not
        // INTERNAL: see src/codec.rs.
        .codec_path("crate::codec::CallerFaultCodec")
        .compile_fds(fds)?;
    println!("cargo:rerun-if-changed=proto");
    Ok(())
}
