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
/// writes (and Prometheus asks for first).
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The classic Prometheus text format's media type: what a scraper gets
/// unless it asks for OpenMetrics (`curl | promtool check metrics` sends no
/// `Accept`; Go's client asks for `text/plain`).
const CLASSIC: &str = "text/plain; version=0.0.4; charset=utf-8";

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
    let openmetrics = wants_openmetrics(request.headers());
    let (status, body) = match *request.method() {
        Method::GET if found && openmetrics => (StatusCode::OK, metrics.encode()),
        Method::GET if found => (StatusCode::OK, metrics.encode_classic()),
        _ if found => (StatusCode::METHOD_NOT_ALLOWED, String::new()),
        _ => (StatusCode::NOT_FOUND, String::new()),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    if status == StatusCode::OK {
        let content_type = if openmetrics { OPENMETRICS } else { CLASSIC };
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static(content_type),
        );
        headers.insert(header::VARY, header::HeaderValue::from_static("accept"));
    }
    response
}

/// Whether the `Accept` header prefers OpenMetrics to the classic format:
/// the media range with the highest `q` that either format satisfies
/// decides, the first listed on a tie (as Go's `expfmt.Negotiate` does).
/// No header, `*/*` or `text/plain` is the classic format; Prometheus
/// itself lists `application/openmetrics-text` first.
fn wants_openmetrics(headers: &http::HeaderMap) -> bool {
    let mut best: Option<(f32, bool)> = None;
    let ranges = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','));
    for range in ranges {
        let mut params = range.split(';');
        let media = params.next().unwrap_or("").trim().to_ascii_lowercase();
        let openmetrics = match media.as_str() {
            "application/openmetrics-text" => true,
            "text/plain" | "text/*" | "*/*" => false,
            _ => continue,
        };
        let q = params
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
            best = Some((q, openmetrics));
        }
    }
    best.is_some_and(|(_, openmetrics)| openmetrics)
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue, header::ACCEPT};

    use super::wants_openmetrics;

    fn negotiate(accept: &[&str]) -> bool {
        let mut headers = HeaderMap::new();
        for value in accept {
            headers.append(ACCEPT, HeaderValue::from_str(value).unwrap());
        }
        wants_openmetrics(&headers)
    }

    #[test]
    fn negotiates_the_format() {
        // No header, curl's default, Go's client, a browser.
        assert!(!negotiate(&[]));
        assert!(!negotiate(&["*/*"]));
        assert!(!negotiate(&["text/plain;version=0.0.4;q=1,*/*;q=0.1"]));
        assert!(!negotiate(&["text/html,application/xhtml+xml,*/*;q=0.8"]));
        // Prometheus 3's default scrape header.
        assert!(negotiate(&[
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,\
             application/openmetrics-text;version=0.0.1;q=0.5,\
             text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,\
             text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
        ]));
        assert!(negotiate(&["application/openmetrics-text"]));
        assert!(negotiate(&["Application/OpenMetrics-Text; version=1.0.0"]));
        // Preference by q, then by order; q=0 refuses.
        assert!(negotiate(&[
            "text/plain;q=0.5",
            "application/openmetrics-text"
        ]));
        assert!(!negotiate(&["text/plain", "application/openmetrics-text"]));
        assert!(!negotiate(&[
            "application/openmetrics-text;q=0,text/plain;q=0.1"
        ]));
        assert!(!negotiate(&[
            "application/openmetrics-text;q=0.2,text/plain;q=0.9"
        ]));
        // Only formats this server cannot write: the classic one.
        assert!(!negotiate(&["application/json"]));
    }
}
