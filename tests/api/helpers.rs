//! Fixtures shared by the test modules: the server in this process
//! (`server`), the binary as a child process (`binary`), raw HTTP/2 gRPC
//! calls (`raw`), hand-built HTTP/2 frames (`frames`) and the rendered Kubernetes manifests (`k8s`).

mod binary;
pub(crate) mod frames;
mod k8s;
mod raw;
mod server;

use std::net::SocketAddr;

use tonic::transport::Channel;
use vehicle_error_interpreter::pb::{InterpretRequest, StructuredError, interpret_request::Input};

pub(crate) use binary::{BinaryServer, http_get, http_get_accepting};
pub(crate) use k8s::{Manifest, health_client, probe_once};
pub(crate) use raw::{INTERPRET, INTERPRET_PAYLOAD, RawClient, RawReply, frame};
pub(crate) use server::TestServer;

/// A plaintext channel to `addr`, connected.
pub(crate) async fn connect(addr: SocketAddr) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// An `Interpret` request for the vehicle-state error `code`, structured.
pub(crate) fn structured(code: &str) -> InterpretRequest {
    InterpretRequest {
        input: Some(Input::Structured(StructuredError {
            r#type: "VEHICLE_STATE".into(),
            code: code.into(),
        })),
        ..Default::default()
    }
}

pub(crate) use vehicle_error_interpreter::catalog::seed_bodies;
