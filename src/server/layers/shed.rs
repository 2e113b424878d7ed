//! Load shedding for the interpreter service: at most N calls in flight
//! across all connections; a call beyond that is answered at once with
//! `RESOURCE_EXHAUSTED` instead of queueing.
//!
//! Why shed rather than queue: a handler takes microseconds, so a queue only
//! adds latency to every call behind it and memory for every decoded
//! request; a fast refusal lets the caller back off or go to another
//! replica, and the calls already admitted keep their latency.
//!
//! Built from tower's `GlobalConcurrencyLimit` (one semaphore shared by
//! every connection: Go and Python clients open few connections, so tonic's
//! per-connection limit would not bound anything) and `LoadShed` (turns "no
//! permit" into an immediate error). [`Shed`] adapts the pair to what
//! tonic's router needs: an infallible service that keeps the wrapped
//! service's gRPC name, so it is added with `add_service` next to health
//! and reflection, which stay unlimited.

use std::{
    convert::Infallible,
    future::Future,
    num::NonZeroUsize,
    pin::Pin,
    task::{Context, Poll, ready},
};

use tonic::{
    body::Body,
    codegen::http::{Request, Response},
    server::NamedService,
};
use tower::{
    Layer, Service,
    limit::{GlobalConcurrencyLimitLayer, concurrency::ConcurrencyLimit},
    load_shed::{LoadShed, LoadShedLayer},
};

/// A gRPC service behind a global concurrency limit that sheds excess
/// calls with `RESOURCE_EXHAUSTED`.
#[derive(Debug, Clone)]
pub(crate) struct Shed<S> {
    inner: LoadShed<ConcurrencyLimit<S>>,
    limit: usize,
}

impl<S> Shed<S> {
    /// Wraps `service`, admitting at most `limit` calls at once. Clones
    /// (tonic clones per call) share the limit.
    pub(crate) fn new(service: S, limit: NonZeroUsize) -> Self {
        let limited = GlobalConcurrencyLimitLayer::new(limit.get()).layer(service);
        Self {
            inner: LoadShedLayer::new().layer(limited),
            limit: limit.get(),
        }
    }
}

impl<S: NamedService> NamedService for Shed<S> {
    const NAME: &'static str = S::NAME;
}

impl<S, B> Service<Request<B>> for Shed<S>
where
    S: Service<Request<B>, Response = Response<Body>, Error = Infallible>,
    S::Future: Unpin,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = ShedFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // `LoadShed` is ready at once whether or not a permit was free; it
        // fails only if the inner service's readiness fails, and ours is
        // infallible. Either way `call` decides, so report ready.
        ready!(self.inner.poll_ready(cx)).ok();
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        ShedFuture {
            inner: self.inner.call(request),
            limit: self.limit,
        }
    }
}

/// The response of a [`Shed`] service: the inner response, or the
/// `RESOURCE_EXHAUSTED` status when the call was shed.
#[derive(Debug)]
pub(crate) struct ShedFuture<F> {
    inner: tower::load_shed::future::ResponseFuture<
        tower::limit::concurrency::future::ResponseFuture<F>,
    >,
    limit: usize,
}

impl<F> Future for ShedFuture<F>
where
    F: Future<Output = Result<Response<Body>, Infallible>> + Unpin,
{
    type Output = Result<Response<Body>, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // The inner service is infallible, so the only error is `Overloaded`.
        let response = match ready!(Pin::new(&mut self.inner).poll(cx)) {
            Ok(response) => response,
            // Built only here, so admitted calls pay nothing for it.
            Err(_overloaded) => crate::grpc::overloaded(self.limit).into_http(),
        };
        Poll::Ready(Ok(response))
    }
}
