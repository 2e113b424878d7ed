//! The scrape endpoint: `GET /metrics` over HTTP/1.1 on its own listener.
//!
//! Served here rather than by an exporter's built-in listener so that the
//! address is bound with the others by `Application::build` (it may be
//! `127.0.0.1:0` in tests) and the endpoint keeps answering while the gRPC
//! server drains.

use std::{convert::Infallible, time::Duration};

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::{body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;

use super::Metrics;

/// The OpenMetrics text format's media type, which `prometheus-client`
/// writes (and Prometheus negotiates).
const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Serves `metrics` on `listener` forever; stops when the runtime does, so
/// scrapes keep working while the gRPC server drains.
pub(crate) async fn serve(listener: TcpListener, metrics: Metrics) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(err) => {
                // Out of file descriptors, say: back off instead of spinning.
                tracing::warn!(%err, "metrics: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let response = respond(&metrics, &request);
                async move { Ok::<_, Infallible>(response) }
            });
            // The timer makes hyper enforce its 30 s header read timeout,
            // so an idle scraper connection cannot be held open forever.
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .serve_connection(TokioIo::new(stream), service);
            if let Err(err) = connection.await {
                tracing::debug!(%err, "metrics: connection failed");
            }
        });
    }
}

fn respond(metrics: &Metrics, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    let found = request.uri().path() == "/metrics";
    let (status, body) = match *request.method() {
        Method::GET if found => (StatusCode::OK, metrics.encode()),
        _ if found => (StatusCode::METHOD_NOT_ALLOWED, String::new()),
        _ => (StatusCode::NOT_FOUND, String::new()),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    if status == StatusCode::OK {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static(CONTENT_TYPE),
        );
    }
    response
}
