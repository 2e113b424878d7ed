//! Load shedding: beyond `max_concurrent_requests` interpreter calls are
//! refused at once with RESOURCE_EXHAUSTED, health keeps answering, and
//! the calls already admitted complete.

use prost::Message;
use tonic::Code;
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus};
use tonic_types::StatusExt;
use vehicle_error_interpreter::{
    ServerConfig,
    pb::InterpretResponse,
    server::{HEALTH_SERVICE_NAMES, ServeConfig},
};

use crate::helpers::{INTERPRET, RawClient, TestServer, frame, structured};

/// With a limit of 2, two calls held open (headers sent, body not) take
/// both permits. A third call is shed with RESOURCE_EXHAUSTED and
/// `ErrorInfo` OVERLOADED while health still answers SERVING; once the
/// held calls get their bodies they complete OK, and new calls are
/// admitted again.
///
/// No timing is involved. The server runs on this test's single-threaded
/// runtime. `open` returns after a PING round trip, which the server answers
/// only after reading the call's HEADERS, and by then hyper has spawned the
/// call's task. The current-thread scheduler runs tasks in the order they
/// were woken, so that task (whose first poll takes the permit) runs before
/// our side even reads the PONG.
#[tokio::test(flavor = "current_thread")]
async fn calls_beyond_the_limit_are_shed_while_health_and_admitted_calls_go_on() {
    let config = ServerConfig {
        serve: ServeConfig {
            max_concurrent_requests: 2,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut server = TestServer::spawn_with(config).await;
    let mut raw = RawClient::connect(server.addr).await;
    let held = [
        raw.open(INTERPRET, &[]).await,
        raw.open(INTERPRET, &[]).await,
    ];

    let err = server
        .client
        .interpret(structured("DOOR_OPEN"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::ResourceExhausted, "{err:?}");
    let details = err.get_error_details();
    let info = details.error_info().expect("ErrorInfo");
    assert_eq!(info.reason, "OVERLOADED");
    assert_eq!(info.metadata["limit"], "2");
    for name in HEALTH_SERVICE_NAMES {
        let request = HealthCheckRequest {
            service: name.into(),
        };
        let health = server
            .health
            .check(request)
            .await
            .expect("health is never shed");
        assert_eq!(health.into_inner().status(), ServingStatus::Serving);
    }

    for call in held {
        let reply = call
            .finish(frame(&structured("DOOR_OPEN").encode_to_vec()))
            .await;
        assert_eq!(reply.status, 0, "{reply:?}");
        let response: InterpretResponse = reply.message();
        assert_eq!(response.catalog_code, "DOOR_OPEN");
    }
    // Admitted again once the held calls finished.
    server.assert_serving("the held calls finished").await;
    server.stop().await;
}

/// `max_concurrent_requests = 0` turns the limit off: with calls held open
/// (which would exhaust any limit up to their number), another is served.
#[tokio::test(flavor = "current_thread")]
async fn a_limit_of_zero_sheds_nothing() {
    let config = ServerConfig {
        serve: ServeConfig {
            max_concurrent_requests: 0,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut server = TestServer::spawn_with(config).await;
    let mut raw = RawClient::connect(server.addr).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(raw.open(INTERPRET, &[]).await);
    }
    server
        .client
        .interpret(structured("DOOR_OPEN"))
        .await
        .expect("not shed");
    for call in held {
        let reply = call
            .finish(frame(&structured("DOOR_OPEN").encode_to_vec()))
            .await;
        assert_eq!(reply.status, 0, "{reply:?}");
    }
    server.stop().await;
}
