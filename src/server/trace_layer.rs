//! The tower layer that opens an OpenTelemetry server span per call
//! ([`crate::tracing_otel`]), for `Server::layer`, inside the metrics layer
//! and only while tracing is on ([`layer`]).
//!
//! As in the metrics layer, a call's status is known only at its end: in
//! the response headers for a trailers-only response (every error), else
//! in the body's trailers ([`StatusBody`]), and the span ends then, or
//! with CANCELLED when the body is dropped first (the client went away,
//! or tonic's timeout dropped the call).

use std::{
    fmt,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
};

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body as HttpBody;
use opentelemetry_sdk::trace::ShouldSample;
use tonic::body::Body;
use tower::{Layer, Service};
use tracing::Span;

use super::status_body::{OnStatus, StatusBody};
use crate::metrics::calls::grpc_status;
use crate::tracing_otel;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Opens a server span per call its sampler keeps.
#[derive(Debug, Clone)]
pub(crate) struct TraceLayer {
    sampler: Arc<dyn ShouldSample>,
}

impl TraceLayer {
    /// A layer making the spans `sampler` keeps.
    pub(crate) fn new(sampler: Arc<dyn ShouldSample>) -> Self {
        Self { sampler }
    }
}

/// The [`TraceLayer`] with the environment's sampler when tracing is on,
/// else `None` (with `tower::util::option_layer`, an `Either` that always
/// takes the plain branch).
pub(crate) fn layer() -> Option<TraceLayer> {
    tracing_otel::enabled().then(|| TraceLayer::new(tracing_otel::sampler()))
}

impl<S> Layer<S> for TraceLayer {
    type Service = TraceService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TraceService {
            inner,
            sampler: Arc::clone(&self.sampler),
        }
    }
}

/// The service [`TraceLayer`] wraps around the routes.
#[derive(Debug, Clone)]
pub(crate) struct TraceService<S> {
    inner: S,
    sampler: Arc<dyn ShouldSample>,
}

impl<S, B> Service<Request<Body>> for TraceService<S>
where
    S: Service<Request<Body>, Response = Response<B>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response<Body>;
    // The inner error, unchanged: `Either` with the routes alone (tracing
    // off) needs the same type.
    type Error = S::Error;
    type Future = TraceFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let span =
            tracing_otel::server_span(request.uri().path(), request.headers(), &*self.sampler);
        let inner = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        TraceFuture {
            inner,
            span: Some(span),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`TraceService`]: polls the call inside its
    /// span.
    pub(crate) struct TraceFuture<F> {
        #[pin]
        inner: F,
        span: Option<Span>,
    }
}

impl<F> fmt::Debug for TraceFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceFuture").finish_non_exhaustive()
    }
}

impl<F, B, E> Future for TraceFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = {
            let _entered = this.span.as_ref().map(Span::enter);
            ready!(this.inner.poll(cx))
        };
        let span = this.span.take().unwrap_or_else(Span::none);
        if span.is_none() {
            // Unsampled: no status to record, so no wrapper around the body.
            return Poll::Ready(result.map(|response| response.map(Body::new)));
        }
        let mut call = Call { span };
        Poll::Ready(match result {
            Ok(response) => {
                let call = match grpc_status(response.headers()) {
                    // Trailers-only (every error): the status is final.
                    Some(code) => {
                        call.finish(code);
                        None
                    }
                    None => Some(call),
                };
                Ok(response.map(|inner| Body::new(StatusBody::new(inner, call))))
            }
            // Never for tonic's routes (their error is `Infallible`); the
            // metrics layer outside turns any other into a status.
            Err(err) => {
                call.finish(tonic::Code::Internal as usize);
                Err(err)
            }
        })
    }
}

/// One call's span until its status is known; dropped unfinished it
/// records CANCELLED, as the metrics do.
struct Call {
    span: Span,
}

impl OnStatus for Call {
    /// Records `code` and ends the span (once).
    fn finish(&mut self, code: usize) {
        let span = std::mem::replace(&mut self.span, Span::none());
        if !span.is_none() {
            tracing_otel::record_status(&span, code);
        }
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        self.finish(tonic::Code::Cancelled as usize);
    }
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
