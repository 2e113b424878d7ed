//! SIGTERM against the real binary: an in-flight call completes, health
//! turns NOT_SERVING, and the process exits 0.

use std::time::Duration;

use prost::Message;
use tokio_stream::StreamExt;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use vehicle_error_interpreter::pb::InterpretResponse;

use crate::helpers::{BinaryServer, INTERPRET, RawClient, connect, frame, structured};

/// The call is opened (headers sent and seen by the server) before SIGTERM
/// and its body is sent after: it is in flight across the signal, and it
/// must still complete with OK. Meanwhile a health Watch must see
/// NOT_SERVING, and the process must exit 0 once the Watch is closed.
#[tokio::test]
async fn sigterm_lets_in_flight_call_finish_and_exits_zero() {
    let server = BinaryServer::start(&["--drain-timeout", "20s"]);

    let mut health = HealthClient::new(connect(server.addr).await);
    let request = HealthCheckRequest {
        service: "vehicle_errors.v1.InterpreterService".into(),
    };
    let mut watch = health.watch(request).await.unwrap().into_inner();
    assert_eq!(
        watch.next().await.unwrap().unwrap().status(),
        ServingStatus::Serving
    );

    // `open` returns once the server has the call (its PING barrier).
    let mut raw = RawClient::connect(server.addr).await;
    let call = raw.open(INTERPRET, &[]).await;

    server.terminate();
    assert_eq!(
        watch.next().await.unwrap().unwrap().status(),
        ServingStatus::NotServing
    );

    let reply = call
        .finish(frame(&structured("DOOR_OPEN").encode_to_vec()))
        .await;
    assert_eq!(reply.status, 0, "{reply:?}");
    let answer: InterpretResponse = reply.message();
    assert_eq!(answer.catalog_code, "DOOR_OPEN");

    drop(watch);
    drop(raw);
    let status = server.wait_exit(Duration::from_secs(15)).await;
    assert!(status.success(), "exit status {status:?}");
}

/// `--drain-timeout` shorter than `--request-timeout` (`0s` included) is
/// refused at start-up with a message naming both flags: such a drain cuts
/// calls still in flight at SIGTERM (with `0s` the SIGTERM fault test
/// failed about 1 run in 4), so the server will not run with it.
#[test]
fn a_drain_shorter_than_the_request_timeout_is_refused() {
    for drain in ["0s", "4s"] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_vehicle-error-interpreter"))
            .args([
                "--listen-addr",
                "127.0.0.1:0",
                "--metrics-addr",
                "127.0.0.1:0",
            ])
            .args(["--drain-timeout", drain, "--request-timeout", "5s"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{drain}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!(
                "--drain-timeout ({drain}) must be at least --request-timeout (5s)"
            )),
            "{stderr}"
        );
    }
}
