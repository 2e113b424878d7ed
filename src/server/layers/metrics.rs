//! The tower layer that records every gRPC call's RPC, status, latency
//! and in-flight count into the metrics, for `Server::layer`.
//!
//! A call's status is known only at its end: in the response headers for
//! a trailers-only response (every error), else in the body's trailers
//! ([`StatusBody`]), or CANCELLED when the body is dropped first.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
};

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body as HttpBody;
use tonic::{Code, Status, body::Body};
use tower::{Layer, Service};

use super::status_body::{OnStatus, StatusBody, grpc_status};
use crate::metrics::{Metrics, calls::CallGuard};

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
                Poll::Ready(Ok(
                    response.map(|body| StatusBody::new(Body::new(body), guard))
                ))
            }
            // What tonic's own RecoverError would do one layer out: a
            // Status error (load shedding, say) becomes its response;
            // anything else resets the stream, which a client reads as
            // INTERNAL.
            Err(err) => match Status::try_from_error(err.into()) {
                Ok(status) => {
                    if let Some(guard) = &mut guard {
                        guard.finish(status.code());
                    }
                    Poll::Ready(Ok(status
                        .into_http::<Body>()
                        .map(|inner| StatusBody::new(inner, None))))
                }
                Err(err) => {
                    if let Some(guard) = &mut guard {
                        guard.finish(Code::Internal);
                    }
                    Poll::Ready(Err(err))
                }
            },
        }
    }
}

/// A response body that records its call when the trailers pass.
pub(crate) type MetricsBody = StatusBody<Body, CallGuard>;

impl OnStatus for CallGuard {
    fn finish(&mut self, code: Code) {
        CallGuard::finish(self, code);
    }
}
