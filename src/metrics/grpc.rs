//! The tower layer that records every gRPC call's RPC, status, latency
//! and in-flight count, for `Server::layer`.
//!
//! A call's status is known only at its end: in the response headers for
//! a trailers-only response (every error), else in the body's trailers. So
//! the response body is wrapped, and the call is recorded when the
//! trailers pass through, or as CANCELLED when the body is dropped first.

use std::{
    fmt,
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
    time::Instant,
};

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use prometheus_client::metrics::gauge::Gauge;
use tonic::{Status, body::Body};
use tower::{Layer, Service};

use super::{GRPC_CODES, Metrics, OTHER, RPCS, RpcHandles, RpcLabels, UNKNOWN, rpc_index};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Records calls in [`Metrics`]; build it with [`Metrics::grpc_layer`].
#[derive(Debug, Clone)]
pub struct GrpcMetricsLayer {
    metrics: Metrics,
}

impl Metrics {
    /// The layer recording gRPC calls into these metrics.
    pub fn grpc_layer(&self) -> GrpcMetricsLayer {
        GrpcMetricsLayer {
            metrics: self.clone(),
        }
    }

    /// Starts timing a call to `path`; the guard records its outcome.
    fn start_call(&self, path: &str) -> CallGuard {
        let rpc = rpc_index(path);
        let guard = CallGuard {
            metrics: self.clone(),
            rpc,
            start: Instant::now(),
            finished: false,
        };
        guard.in_flight().inc();
        guard
    }
}

impl<S> Layer<S> for GrpcMetricsLayer {
    type Service = GrpcMetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GrpcMetricsService {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// The service [`GrpcMetricsLayer`] wraps around the routes.
#[derive(Debug, Clone)]
pub struct GrpcMetricsService<S> {
    inner: S,
    metrics: Metrics,
}

impl<S, B> Service<Request<Body>> for GrpcMetricsService<S>
where
    S: Service<Request<Body>, Response = Response<B>>,
    S::Error: Into<BoxError>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<MetricsBody>;
    type Error = BoxError;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let guard = self.metrics.start_call(request.uri().path());
        ResponseFuture {
            inner: self.inner.call(request),
            guard: Some(guard),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`GrpcMetricsService`].
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        guard: Option<CallGuard>,
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    E: Into<BoxError>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response<MetricsBody>, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        let mut guard = this.guard.take();
        match result {
            Ok(response) => {
                if let (Some(guard), Some(code)) = (&mut guard, grpc_status(response.headers())) {
                    // Trailers-only: the status is already final.
                    guard.finish(code);
                }
                Poll::Ready(Ok(response.map(|body| MetricsBody {
                    inner: Body::new(body),
                    guard,
                })))
            }
            // What tonic's own RecoverError would do one layer out: a
            // Status error (load shedding, say) becomes its response;
            // anything else resets the stream, which a client reads as
            // INTERNAL.
            Err(err) => match Status::try_from_error(err.into()) {
                Ok(status) => {
                    if let Some(guard) = &mut guard {
                        guard.finish(status.code() as usize);
                    }
                    Poll::Ready(Ok(status
                        .into_http::<Body>()
                        .map(|inner| MetricsBody { inner, guard: None })))
                }
                Err(err) => {
                    if let Some(guard) = &mut guard {
                        guard.finish(tonic::Code::Internal as usize);
                    }
                    Poll::Ready(Err(err))
                }
            },
        }
    }
}

/// A response body that records its call when the trailers pass.
#[derive(Debug)]
pub struct MetricsBody {
    inner: Body,
    /// `None` once the call is recorded.
    guard: Option<CallGuard>,
}

impl HttpBody for MetricsBody {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let frame = ready!(Pin::new(&mut self.inner).poll_frame(cx));
        let code = match &frame {
            Some(Ok(frame)) => frame
                .trailers_ref()
                .map(|t| grpc_status(t).unwrap_or(UNKNOWN)),
            // The body failed: tonic resets the stream.
            Some(Err(_)) => Some(tonic::Code::Internal as usize),
            // Ended without trailers, which a gRPC client reads as an error.
            None => Some(UNKNOWN),
        };
        // Take the guard only with a status in hand: dropping it records
        // CANCELLED.
        if let Some(code) = code
            && let Some(mut guard) = self.guard.take()
        {
            guard.finish(code);
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The `grpc-status` in `headers`, as a number; malformed reads as
/// UNKNOWN.
fn grpc_status(headers: &HeaderMap) -> Option<usize> {
    let value = headers.get("grpc-status")?;
    Some(
        std::str::from_utf8(value.as_bytes())
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(UNKNOWN),
    )
}

/// One call in flight: records its status and latency once, and counts
/// it as CANCELLED if it is dropped first (the client went away, or
/// tonic's request timeout dropped it).
struct CallGuard {
    metrics: Metrics,
    rpc: usize,
    start: Instant,
    finished: bool,
}

impl CallGuard {
    const CANCELLED: usize = 1;

    fn labels(&self) -> RpcLabels {
        let (service, method) = RPCS.get(self.rpc).copied().unwrap_or((OTHER, OTHER));
        [("grpc_service", service), ("grpc_method", method)]
    }

    fn handles(&self) -> &RpcHandles {
        &self.metrics.inner.rpcs[self.rpc]
    }

    fn in_flight(&self) -> &Gauge {
        self.handles().in_flight.get_or_init(|| {
            self.metrics
                .inner
                .in_flight
                .get_or_create(&self.labels())
                .clone()
        })
    }

    /// Records the call's gRPC status code (a number; out of range reads as
    /// UNKNOWN) and latency.
    fn finish(&mut self, code: usize) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        let code = if code < GRPC_CODES.len() {
            code
        } else {
            UNKNOWN
        };
        let inner = &*self.metrics.inner;
        let handles = self.handles();
        handles.handled[code]
            .get_or_init(|| {
                let [service, method] = self.labels();
                inner
                    .handled
                    .get_or_create(&[service, method, ("grpc_code", GRPC_CODES[code])])
                    .clone()
            })
            .inc();
        handles
            .latency
            .get_or_init(|| inner.latency.get_or_create(&self.labels()).clone())
            .observe(self.start.elapsed().as_secs_f64());
        self.in_flight().dec();
    }
}

impl fmt::Debug for CallGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallGuard").field("rpc", &self.rpc).finish()
    }
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        self.finish(Self::CANCELLED);
    }
}
