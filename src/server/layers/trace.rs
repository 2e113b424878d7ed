//! The tower layer that opens an OpenTelemetry server span per call the
//! sampler keeps, continuing the caller's W3C `traceparent`/`tracestate`
//! and `baggage`; for `Server::layer`, inside the metrics layer, and built
//! only while traces are on (from the [`Traces`] handle telemetry gives).
//! [`InterpretationSpans`] puts each interpretation on the call's span.
//! The exporter and the subscriber's span layer are `crate::telemetry`'s.
//!
//! As in the metrics layer, a call's status is known only at its end: in
//! the response headers for a trailers-only response (every error), else
//! in the body's trailers ([`StatusBody`]), and the span ends then, or
//! with CANCELLED when the body is dropped first (the client went away,
//! or tonic's timeout dropped the call).
//!
//! # What a span carries, and what it never carries
//!
//! `rpc.system` (`grpc`), `rpc.service`, `rpc.method`,
//! `rpc.grpc.status_code`, and for interpretations
//! `vei.interpretation.identification`, `.decided_by`, `.category` and
//! `.reason` (proto enum names without prefix, and the catalog's fixed
//! reasons); for payloads `vei.payload.kind`, `.outcome` and `.items`.
//! Never a request or response body, a rendered message, a raw code a
//! caller sent, the `grpc-message` (it can quote a caller's code), or any
//! log event. An RPC this server does not serve is named `_OTHER`, so
//! a caller cannot put arbitrary text into a span through the path either.
//!
//! # Semantic conventions
//!
//! The names come from `opentelemetry-semantic-conventions` 0.33.1 (schema
//! 1.42.0), pinned exactly in Cargo.toml. In that schema the RPC
//! conventions are still experimental, and `rpc.system`, `rpc.service` and
//! `rpc.grpc.status_code` are marked deprecated in favour of
//! `rpc.system.name`, a fully qualified `rpc.method` and a string
//! `rpc.response.status_code`. We emit the earlier, widely deployed set on
//! purpose (it is what dashboards and the Python gRPC instrumentation use
//! today); Go's otelgrpc emits the new set by default and the earlier one
//! with `OTEL_SEMCONV_STABILITY_OPT_IN=rpc/old` (or both with `rpc/dup`).

use std::{
    fmt,
    future::Future,
    pin::Pin,
    sync::LazyLock,
    task::{Context, Poll, ready},
};

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body::Body as HttpBody;
use opentelemetry::{
    KeyValue,
    propagation::{Extractor, TextMapCompositePropagator, TextMapPropagator},
    trace::{SpanKind, Status, TraceContextExt as _},
};
use opentelemetry_sdk::trace::{IdGenerator as _, SamplingDecision, ShouldSample};
use opentelemetry_semantic_conventions as semconv;
use tonic::{Code, body::Body};
use tower::{Layer, Service};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use super::status_body::{OnStatus, StatusBody, grpc_status};
use crate::grpc::rpc::{self, RPCS, SERVICE_NAME};
use crate::interpret::Interpretation;
use crate::observe::Observe;
use crate::payload::{Outcome, PayloadKind};
use crate::telemetry::{Ids, SPAN_TARGET, Traces};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Opens a server span per call its sampler keeps.
#[derive(Debug, Clone)]
pub(crate) struct TraceLayer {
    traces: Traces,
}

impl TraceLayer {
    /// A layer making the spans `traces`' sampler keeps.
    pub(crate) fn new(traces: Traces) -> Self {
        Self { traces }
    }
}

impl<S> Layer<S> for TraceLayer {
    type Service = TraceService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TraceService {
            inner,
            traces: self.traces.clone(),
        }
    }
}

/// The service [`TraceLayer`] wraps around the routes.
#[derive(Debug, Clone)]
pub(crate) struct TraceService<S> {
    inner: S,
    traces: Traces,
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
        let span = server_span(
            request.uri().path(),
            request.headers(),
            self.traces.sampler(),
        );
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
                call.finish(Code::Internal);
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
    fn finish(&mut self, code: Code) {
        let span = std::mem::replace(&mut self.span, Span::none());
        if !span.is_none() {
            record_status(&span, code);
        }
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        self.finish(Code::Cancelled);
    }
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call").finish_non_exhaustive()
    }
}

/// The `tracing` name of every RPC span but BatchInterpret's.
const RPC_SPAN: &str = "grpc.server";
/// The `tracing` name of BatchInterpret's span, where interpretations
/// become events (one per item) rather than attributes.
const BATCH_SPAN: &str = "grpc.server.batch";
/// `rpc.service`, `rpc.method` and the span name of a path this server
/// does not serve (semantic conventions' placeholder).
const OTHER: &str = "_OTHER";

/// Interpretation attributes; our own namespace, with the values of the
/// proto enums (without their prefix) and the catalog's reasons.
const IDENTIFICATION: &str = "vei.interpretation.identification";
const DECIDED_BY: &str = "vei.interpretation.decided_by";
const CATEGORY: &str = "vei.interpretation.category";
const REASON: &str = "vei.interpretation.reason";
/// InterpretPayload attributes: the payload kind and verdict outcome (proto
/// enum names without prefix) and the item count; never the body.
const PAYLOAD_KIND: &str = "vei.payload.kind";
const PAYLOAD_OUTCOME: &str = "vei.payload.outcome";
const PAYLOAD_ITEMS: &str = "vei.payload.items";
/// The event a BatchInterpret span gets per interpreted item.
const INTERPRETATION_EVENT: &str = "interpretation";

/// W3C trace context and baggage, the standard propagators.
static PROPAGATOR: LazyLock<TextMapCompositePropagator> = LazyLock::new(|| {
    TextMapCompositePropagator::new(vec![
        Box::new(opentelemetry_sdk::propagation::TraceContextPropagator::new()),
        Box::new(opentelemetry_sdk::propagation::BaggagePropagator::new()),
    ])
});

/// Span names by index into `RPCS`, then `_OTHER`.
static SPAN_NAMES: LazyLock<Box<[String]>> = LazyLock::new(|| {
    RPCS.iter()
        .map(|(service, method)| format!("{service}/{method}"))
        .chain([OTHER.to_owned()])
        .collect()
});

/// The span of a call to `path`, child of the context the caller's
/// `headers` carry (`traceparent`, `tracestate`, `baggage`), or
/// [`Span::none`] when `sampler` drops the call.
///
/// Why decide here: an unsampled span used to cost nearly what a sampled
/// one does (the `tracing` span, its OpenTelemetry builder and attributes,
/// all made before the SDK's sampler said no at the span's end), so 10 %
/// sampling cost 1.33x the CPU per call of no tracing (docs/benchmarks.md,
/// "What tracing costs"). The decision is the one the SDK would make: the
/// same sampler, the caller's context, and the caller's trace id or, for a
/// root, a fresh one. The SDK then samples what it is given
/// (`Sampler::AlwaysOn`), so the ratio is not applied twice. For a root,
/// the span's own trace id is drawn again by the SDK, so it is not the one
/// this decision used; only a later trace-id sampler could tell (this
/// service calls no other; a collector's probabilistic sampler hashes the
/// id with its own seed).
fn server_span(path: &str, headers: &HeaderMap, sampler: &dyn ShouldSample) -> Span {
    let rpc = rpc::index(path);
    let (service, method) = RPCS.get(rpc).copied().unwrap_or((OTHER, OTHER));
    let name = SPAN_NAMES[rpc].as_str();
    let parent = PROPAGATOR.extract(&Headers(headers));
    if !sampled(sampler, &parent, name) {
        return Span::none();
    }
    let span = if (service, method) == (SERVICE_NAME, "BatchInterpret") {
        tracing::info_span!(target: SPAN_TARGET, BATCH_SPAN, otel.name = name, otel.kind = "server")
    } else {
        tracing::info_span!(target: SPAN_TARGET, RPC_SPAN, otel.name = name, otel.kind = "server")
    };
    // Fails only when no OpenTelemetry layer sees the span (tests).
    let _ = span.set_parent(parent);
    #[allow(deprecated)] // see the module docs, "Semantic conventions"
    {
        span.set_attribute(semconv::attribute::RPC_SYSTEM, "grpc");
        span.set_attribute(semconv::attribute::RPC_SERVICE, service);
    }
    span.set_attribute(semconv::attribute::RPC_METHOD, method);
    span
}

/// Whether `sampler` keeps a server span `name` under `parent`.
fn sampled(sampler: &dyn ShouldSample, parent: &opentelemetry::Context, name: &str) -> bool {
    let remote = parent.span();
    let trace_id = if remote.span_context().is_valid() {
        remote.span_context().trace_id()
    } else {
        Ids.new_trace_id()
    };
    // Only the decision is used: the environment's samplers add no
    // attributes and keep the parent's trace state. RecordOnly is dropped
    // too, as its span would be recorded but never exported.
    let result = sampler.should_sample(Some(parent), trace_id, name, &SpanKind::Server, &[], &[]);
    result.decision == SamplingDecision::RecordAndSample
}

/// gRPC metadata as a propagator reads it.
struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

/// Records the call's gRPC status `code` on `span`, which ends when the
/// caller drops it. Per the gRPC conventions for server spans, only codes
/// that are the server's fault make the span's status an error; the
/// status message is never recorded (it can quote a caller's code).
fn record_status(span: &Span, code: Code) {
    #[allow(deprecated)] // see the module docs, "Semantic conventions"
    span.set_attribute(
        semconv::attribute::RPC_GRPC_STATUS_CODE,
        i64::from(code as i32),
    );
    if rpc::is_server_fault(code) {
        span.set_status(Status::error(""));
    }
}

/// Puts each interpretation on the current RPC span: as attributes on an
/// Interpret span, as one `interpretation` event per item on a
/// BatchInterpret span. Part of the interpreter's observer only while
/// traces are on (`super::observer`), so off it costs nothing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InterpretationSpans;

impl Observe for InterpretationSpans {
    fn interpreted(&self, interpretation: &Interpretation<'_, '_>) {
        let span = Span::current();
        let Some(name) = span.metadata().map(|meta| meta.name()) else {
            return;
        };
        let attributes = [
            KeyValue::new(IDENTIFICATION, interpretation.identification.as_str()),
            KeyValue::new(DECIDED_BY, interpretation.decided_by.as_str()),
            KeyValue::new(CATEGORY, interpretation.category.as_str()),
            KeyValue::new(REASON, interpretation.reason.to_owned()),
        ];
        match name {
            RPC_SPAN => {
                for KeyValue { key, value, .. } in attributes {
                    span.set_attribute(key, value);
                }
            }
            BATCH_SPAN => span.add_event(INTERPRETATION_EVENT, attributes.to_vec()),
            _ => {}
        }
    }

    /// Puts an answered payload's kind, outcome and item count on the
    /// InterpretPayload span, as attributes.
    fn payload_interpreted(&self, kind: PayloadKind, outcome: Outcome, items: usize) {
        let span = Span::current();
        if span.metadata().map(|meta| meta.name()) != Some(RPC_SPAN) {
            return;
        }
        span.set_attribute(PAYLOAD_KIND, kind.as_str());
        span.set_attribute(PAYLOAD_OUTCOME, outcome.as_str());
        span.set_attribute(PAYLOAD_ITEMS, i64::try_from(items).unwrap_or(i64::MAX));
    }
}

#[cfg(test)]
mod tests;
