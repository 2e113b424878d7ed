//! Prometheus metrics of the real binary, scraped from its own port:
//! calls by RPC and status, latency, in-flight, interpretations by match
//! kind, category and code, build info, and bounded label values.

use std::{collections::HashMap, net::SocketAddr};

use http::uri::PathAndQuery;
use tonic::Code;
use vehicle_error_interpreter::pb::{
    InterpretRequest, InterpretResponse, interpret_request::Input,
    interpreter_service_client::InterpreterServiceClient,
};

use crate::helpers::{BinaryServer, connect, http_get, structured};

/// Scrapes `/metrics`: each sample line's series (name and labels, as
/// written) mapped to its value.
async fn scrape(addr: SocketAddr) -> HashMap<String, f64> {
    let (status, rest) = http_get(addr, "/metrics").await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    let (headers, body) = rest.split_once("\r\n\r\n").unwrap();
    assert!(
        headers
            .to_ascii_lowercase()
            .contains("content-type: application/openmetrics-text"),
        "{headers}"
    );
    assert!(
        body.trim_end().ends_with("# EOF"),
        "not OpenMetrics: {body}"
    );
    body.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').unwrap();
            (series.to_owned(), value.parse().unwrap())
        })
        .collect()
}

fn request(input: Input) -> InterpretRequest {
    InterpretRequest {
        input: Some(input),
        ..Default::default()
    }
}

const INTERPRET: &str =
    r#"grpc_service="vehicle_errors.v1.InterpreterService",grpc_method="Interpret""#;

/// Calls of each outcome show up under their RPC and status, with their
/// latency and no call left in flight; interpretations are counted by
/// match kind, category and catalog code, and a code the catalog lacks is
/// `other`, never the caller's text.
#[tokio::test]
async fn counts_calls_and_interpretations_with_bounded_labels() {
    let server = BinaryServer::start(&[]);
    let channel = connect(server.addr).await;
    let mut client = InterpreterServiceClient::new(channel.clone());

    let before = scrape(server.metrics_addr).await;
    assert_eq!(before[r#"vei_build_info{version="0.1.0"}"#], 1.0);
    assert!(
        !before
            .keys()
            .any(|k| k.contains("grpc_method=\"Interpret\""))
    );

    for _ in 0..2 {
        client.interpret(structured("door_open")).await.unwrap();
    }
    let legacy = r#"{"error":"vehicle_state_error","message":"m","code":"VS_001"}"#;
    client
        .interpret(request(Input::Body(legacy.into())))
        .await
        .unwrap();
    client
        .interpret(structured("CALLER_MADE_THIS_UP"))
        .await
        .unwrap();
    let invalid = client.interpret(InterpretRequest::default()).await;
    assert_eq!(invalid.unwrap_err().code(), Code::InvalidArgument);
    // A path the server does not serve: UNIMPLEMENTED, labelled `other`.
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let unimplemented = grpc
        .unary::<_, InterpretResponse, _>(
            tonic::Request::new(structured("DOOR_OPEN")),
            PathAndQuery::from_static("/nope.v1.Nope/Nothing"),
            tonic_prost::ProstCodec::default(),
        )
        .await;
    assert_eq!(unimplemented.unwrap_err().code(), Code::Unimplemented);

    let after = scrape(server.metrics_addr).await;
    let value = |series: &str| {
        *after
            .get(series)
            .unwrap_or_else(|| panic!("no series {series} in {after:#?}"))
    };
    assert_eq!(
        value(&format!(
            r#"grpc_server_handled_total{{{INTERPRET},grpc_code="OK"}}"#
        )),
        4.0
    );
    assert_eq!(
        value(&format!(
            r#"grpc_server_handled_total{{{INTERPRET},grpc_code="INVALID_ARGUMENT"}}"#
        )),
        1.0
    );
    assert_eq!(
        value(
            r#"grpc_server_handled_total{grpc_service="other",grpc_method="other",grpc_code="UNIMPLEMENTED"}"#
        ),
        1.0
    );
    assert_eq!(
        value(&format!(
            "grpc_server_handling_seconds_count{{{INTERPRET}}}"
        )),
        5.0
    );
    assert!(value(&format!("grpc_server_handling_seconds_sum{{{INTERPRET}}}")) > 0.0);
    assert_eq!(
        value(&format!("grpc_server_in_flight_requests{{{INTERPRET}}}")),
        0.0
    );
    assert_eq!(
        value(
            r#"vei_interpretations_total{identification="EXACT_CODE",decided_by="CATALOG",category="CLOSURE",reason="VEHICLE_STATE_DOOR_OPEN"}"#
        ),
        2.0
    );
    assert_eq!(
        value(
            r#"vei_interpretations_total{identification="LEGACY_CODE",decided_by="CATALOG",category="CLOSURE",reason="VEHICLE_STATE_DOOR_OPEN"}"#
        ),
        1.0
    );
    assert_eq!(
        value(
            r#"vei_interpretations_total{identification="UNKNOWN_CODE",decided_by="CATALOG",category="UNKNOWN",reason="VEHICLE_STATE_UNKNOWN"}"#
        ),
        1.0
    );
    assert!(
        !after.keys().any(|k| k.contains("CALLER_MADE_THIS_UP")),
        "a caller's code became a label value"
    );
}

/// Only `/metrics` is served on the metrics port.
#[tokio::test]
async fn metrics_port_serves_only_metrics() {
    let server = BinaryServer::start(&[]);
    let (status, _) = http_get(server.metrics_addr, "/").await;
    assert_eq!(status, "HTTP/1.1 404 Not Found");
}
