//! What wraps each call, by job: the tower layers around the routes
//! (`metrics` records every call, `trace` opens its span while traces are
//! on, `status_body` hands both the call's final gRPC status), `shed`, the
//! service wrapper that limits the interpreter alone, `payload`, the route
//! that gives `InterpretPayload` its own message limit and caps its bytes
//! in flight, and [`observer`],
//! what the interpreter tells of each interpretation (the metrics and the
//! span, the per-call records these layers keep). The connection path
//! (accept, TLS, guard, linger, coalesce) lies below them, per connection
//! rather than per call.

mod metrics;
mod payload;
mod shed;
mod status_body;
mod trace;

pub(crate) use metrics::GrpcMetricsLayer;
pub(crate) use payload::PayloadRoute;
pub(crate) use shed::Shed;
pub(crate) use trace::{InterpretationSpans, TraceLayer};

use crate::metrics::Metrics;
use crate::observe::Observe;
use crate::telemetry::Traces;

/// What the router serves the interpreter as: a gRPC service under the
/// interpreter's name (the generated server, or the benchmarks' floor's
/// wrapper of it). Public because the hidden
/// `Application::run_answering_with` bounds its `wrap` by it; hidden with
/// it.
#[doc(hidden)]
pub trait GrpcService:
    tower::Service<
        http::Request<tonic::body::Body>,
        Response = http::Response<tonic::body::Body>,
        Error = std::convert::Infallible,
        Future: Send + 'static,
    > + tonic::server::NamedService
    + Clone
    + Send
    + Sync
    + 'static
{
}

/// Every service with those bounds is one (a trait alias).
impl<S> GrpcService for S where
    S: tower::Service<
            http::Request<tonic::body::Body>,
            Response = http::Response<tonic::body::Body>,
            Error = std::convert::Infallible,
            Future: Send + 'static,
        > + tonic::server::NamedService
        + Clone
        + Send
        + Sync
        + 'static
{
}

/// What the interpreter tells of each interpretation: the metrics, and,
/// while traces are on, the call's span.
pub(crate) fn observer(metrics: &Metrics, traces: Option<&Traces>) -> impl Observe + 'static {
    (metrics.clone(), traces.map(|_| InterpretationSpans))
}
