//! SIGTERM against the real binary: an in-flight call completes, health
//! turns NOT_SERVING, and the process exits 0.

use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use prost::Message;
use tokio_stream::StreamExt;
use tonic::transport::Channel;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use vehicle_error_interpreter::pb::{
    InterpretRequest, InterpretResponse, StructuredError, interpret_request::Input,
};

use crate::helpers::BinaryServer;

/// A gRPC message frame: no compression, big-endian length, payload.
fn grpc_frame(message: &impl Message) -> Bytes {
    let payload = message.encode_to_vec();
    let mut frame = BytesMut::with_capacity(5 + payload.len());
    frame.put_u8(0);
    frame.put_u32(u32::try_from(payload.len()).unwrap());
    frame.put_slice(&payload);
    frame.freeze()
}

/// The call is opened (headers sent and seen by the server) before SIGTERM
/// and its body is sent after: it is in flight across the signal, and it
/// must still complete with OK. Meanwhile a health Watch must see
/// NOT_SERVING, and the process must exit 0 once the Watch is closed.
#[tokio::test]
async fn sigterm_lets_in_flight_call_finish_and_exits_zero() {
    let server = BinaryServer::start(&["--drain-timeout", "20s"]);
    let addr = server.addr;

    let channel = Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = HealthClient::new(channel);
    let request = HealthCheckRequest {
        service: "vehicle_errors.v1.InterpreterService".into(),
    };
    let mut watch = health.watch(request).await.unwrap().into_inner();
    assert_eq!(
        watch.next().await.unwrap().unwrap().status(),
        ServingStatus::Serving
    );

    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut h2, mut connection) = h2::client::handshake(tcp).await.unwrap();
    let mut ping = connection.ping_pong().unwrap();
    tokio::spawn(connection);
    let head = http::Request::post(format!(
        "http://{addr}/vehicle_errors.v1.InterpreterService/Interpret"
    ))
    .header("content-type", "application/grpc")
    .header("te", "trailers")
    .body(())
    .unwrap();
    let (response, mut body) = h2.send_request(head, false).unwrap();
    // A PING is answered only after the frames before it were processed,
    // so the server has opened the stream once the pong arrives.
    ping.ping(h2::Ping::opaque()).await.unwrap();

    server.terminate();
    assert_eq!(
        watch.next().await.unwrap().unwrap().status(),
        ServingStatus::NotServing
    );

    let request = InterpretRequest {
        input: Some(Input::Structured(StructuredError {
            r#type: "VEHICLE_STATE".into(),
            code: "DOOR_OPEN".into(),
        })),
        ..Default::default()
    };
    body.send_data(grpc_frame(&request), true).unwrap();
    let response = response.await.unwrap();
    assert_eq!(response.status(), 200);
    let mut response_body = response.into_body();
    let mut received = BytesMut::new();
    while let Some(chunk) = response_body.data().await {
        let chunk = chunk.unwrap();
        let _ = response_body.flow_control().release_capacity(chunk.len());
        received.extend_from_slice(&chunk);
    }
    let trailers = response_body.trailers().await.unwrap().unwrap();
    assert_eq!(trailers["grpc-status"], "0");
    let answer = InterpretResponse::decode(&received[5..]).unwrap();
    assert_eq!(answer.vehicle_state_error.unwrap().code, "DOOR_OPEN");

    drop(watch);
    drop(h2);
    let status = server.wait_exit(Duration::from_secs(15)).await;
    assert!(status.success(), "exit status {status:?}");
}
