//! gRPC health: both registered names are SERVING, and turn NOT_SERVING as
//! soon as shutdown begins.

use tokio_stream::StreamExt;
use tonic::Code;
use tonic_health::pb::{HealthCheckRequest, health_check_response::ServingStatus};
use vehicle_error_interpreter::server::HEALTH_SERVICE_NAMES;

use crate::helpers::TestServer;

fn check(service: &str) -> HealthCheckRequest {
    HealthCheckRequest {
        service: service.into(),
    }
}

/// `""` and `vehicle_errors.v1.InterpreterService` are SERVING; an
/// unregistered name is NOT_FOUND.
#[tokio::test]
async fn check_serves_both_names() {
    let mut server = TestServer::spawn().await;
    assert_eq!(
        HEALTH_SERVICE_NAMES,
        ["", "vehicle_errors.v1.InterpreterService"]
    );
    for name in HEALTH_SERVICE_NAMES {
        let r = server.health.check(check(name)).await.unwrap().into_inner();
        assert_eq!(r.status(), ServingStatus::Serving, "{name:?}");
    }
    let err = server.health.check(check("nope")).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    server.stop().await;
}

/// A Watch sees NOT_SERVING the moment shutdown begins, and the bounded
/// drain ends the server even though the Watch stream stays open.
#[tokio::test]
async fn watch_sees_not_serving_when_shutdown_begins() {
    let config = vehicle_error_interpreter::ServerConfig {
        serve: vehicle_error_interpreter::server::ServeConfig {
            drain_timeout: std::time::Duration::from_millis(200),
            // The drain may not be shorter (ServeConfig::validate).
            request_timeout: std::time::Duration::from_millis(200),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut server = TestServer::spawn_with(config).await;
    let mut watch = server
        .health
        .watch(check("vehicle_errors.v1.InterpreterService"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        watch.next().await.unwrap().unwrap().status(),
        ServingStatus::Serving
    );
    let TestServer { stop, handle, .. } = server;
    stop.send(()).unwrap();
    assert_eq!(
        watch.next().await.unwrap().unwrap().status(),
        ServingStatus::NotServing
    );
    tokio::time::timeout(std::time::Duration::from_secs(10), handle)
        .await
        .unwrap()
        .unwrap();
}
