//! The tower layer that records every gRPC call's RPC, status, latency
//! and in-flight count into the metrics, for `Server::layer`.
//!
//! A call's status is known only at its end: in the response headers for
//! a trailers-only response (every error), else in the body's trailers. So
//! the response body is wrapped, and the call is recorded when the
//! trailers pass through, or as CANCELLED when the body is dropped first.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
};

use bytes::Bytes;
use http::{Request, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use tonic::{Status, body::Body};
use tower::{Layer, Service};

use crate::metrics::{
    Metrics,
    calls::{CallGuard, grpc_status},
};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Records calls in [`Metrics`].
#[derive(Debug, Clone)]
pub(crate) struct GrpcMetricsLayer {
    metrics: Metrics,
}

impl GrpcMetricsLayer {
    /// The layer recording gRPC calls into `metrics`.
    pub(crate) fn new(metrics: Metrics) -> Self {
        Self { metrics }
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
pub(crate) struct GrpcMetricsService<S> {
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
    pub(crate) struct ResponseFuture<F> {
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
                        guard.finish(CallGuard::INTERNAL);
                    }
                    Poll::Ready(Err(err))
                }
            },
        }
    }
}

/// A response body that records its call when the trailers pass.
#[derive(Debug)]
pub(crate) struct MetricsBody {
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
                .map(|t| grpc_status(t).unwrap_or(crate::metrics::UNKNOWN)),
            // The body failed: tonic resets the stream.
            Some(Err(_)) => Some(CallGuard::INTERNAL),
            // Ended without trailers, which a gRPC client reads as an error.
            None => Some(crate::metrics::UNKNOWN),
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
