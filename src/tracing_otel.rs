//! OpenTelemetry traces: one server span per RPC, continuing the caller's
//! W3C `traceparent`/`tracestate` and `baggage`, exported over OTLP/gRPC
//! in batches. Configured only by the standard `OTEL_*` variables
//! ([`Settings::from_env`]); with no endpoint it is off and makes no span:
//! no span layer in the subscriber, the server's trace layer an `Either`
//! that always takes the plain branch, and one relaxed atomic load per
//! interpretation.
//!
//! Pieces:
//! - [`Settings`]: what the environment asks for, or `None` (off);
//! - [`Settings::start`]: the exporter, the bounded batch queue, the
//!   provider, and the `tracing` layer that turns our RPC spans (and only
//!   those: no log event ever becomes span data) into OpenTelemetry spans;
//! - [`server_span`] and [`record_status`]: a call's span, for the tower
//!   layer in `server::trace_layer` (inside the metrics layer), which ends
//!   it with the call's gRPC status;
//! - [`record_interpretation`]: called by the service for every
//!   interpretation, it puts the interpretation's kinds, category and
//!   reason on the Interpret span, or one event per item on a
//!   BatchInterpret span;
//! - [`Tracing::shutdown`]: the flush at exit, bounded by
//!   [`FLUSH_TIMEOUT`].
//!
//! # What a span carries, and what it never carries
//!
//! `rpc.system` (`grpc`), `rpc.service`, `rpc.method`,
//! `rpc.grpc.status_code`, and for interpretations
//! `vei.interpretation.identification`, `.decided_by`, `.category` and
//! `.reason` (proto enum names without prefix, and the catalog's fixed
//! reasons). Never a request or response body, a rendered message, a raw
//! code a caller sent, the `grpc-message` (it can quote a caller's code), or
//! any log event. An RPC this server does not serve is named `_OTHER`, so
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
//!
//! # Export, queue and drops
//!
//! The batch processor runs as a task on the server's own tokio runtime
//! (the thread-based one has no tokio reactor for the tonic exporter and
//! exports nothing). Ending a span never waits: the span goes into a
//! bounded queue (`OTEL_BSP_MAX_QUEUE_SIZE`, default 2048) or, when the
//! queue is full, is dropped. The SDK counts neither those drops nor the
//! spans of a failed export, so [`Bounded`] and [`Counted`] wrap the
//! processor and the exporter and count both in
//! `vei_trace_spans_dropped_total`.

use std::{
    sync::{
        Arc, LazyLock, OnceLock,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use http::HeaderMap;
use opentelemetry::{
    InstrumentationScope, KeyValue,
    propagation::{Extractor, TextMapCompositePropagator, TextMapPropagator},
    trace::{SpanKind, Status, TraceContextExt as _, TracerProvider as _},
};
use opentelemetry_sdk::{
    Resource,
    error::OTelSdkResult,
    runtime,
    trace::{
        BatchConfigBuilder, IdGenerator as _, Sampler, SamplingDecision, SdkTracerProvider,
        ShouldSample, SpanData, SpanExporter, SpanProcessor, TracerProviderBuilder,
        span_processor_with_async_runtime::BatchSpanProcessor,
    },
};
use opentelemetry_semantic_conventions as semconv;
use prometheus_client::metrics::counter::Counter;
use thiserror::Error;
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::registry::LookupSpan;

use crate::grpc::RPCS;
use crate::interpret::Interpretation;
use crate::metrics;

/// The most time the exit path waits for the last spans to be exported.
/// Counted in the shutdown budget (`tests/api/k8s.rs`): preStop sleep +
/// shutdown delay + drain timeout + this fits the pod's grace period.
pub const FLUSH_TIMEOUT: Duration = Duration::from_secs(3);

/// The `tracing` target of our RPC spans: the only callsites the
/// OpenTelemetry layer sees.
const SPAN_TARGET: &str = "vei::rpc";
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
pub(crate) const IDENTIFICATION: &str = "vei.interpretation.identification";
pub(crate) const DECIDED_BY: &str = "vei.interpretation.decided_by";
pub(crate) const CATEGORY: &str = "vei.interpretation.category";
pub(crate) const REASON: &str = "vei.interpretation.reason";
/// The event a BatchInterpret span gets per interpreted item.
pub(crate) const INTERPRETATION_EVENT: &str = "interpretation";

/// The default `OTEL_BSP_MAX_QUEUE_SIZE`, as the SDK's.
const DEFAULT_QUEUE_SIZE: usize = opentelemetry_sdk::trace::OTEL_BSP_MAX_QUEUE_SIZE_DEFAULT;
/// Room in the batch processor's channel above the span queue, for its
/// flush and shutdown messages.
const CONTROL_HEADROOM: usize = 8;

/// Whether [`Settings::start`] ran: the one check the untraced path makes.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// The sampler `OTEL_TRACES_SAMPLER` asks for, applied by [`server_span`]
/// before it makes a span; set by [`Settings::start`].
static SAMPLER: OnceLock<Arc<dyn ShouldSample>> = OnceLock::new();

/// Turns `record_interpretation` on for tests that install a subscriber
/// with [`span_layer`] themselves.
#[cfg(test)]
pub(crate) fn activate_for_tests() {
    ACTIVE.store(true, Ordering::Relaxed);
}

/// Spans dropped: queue full, export failed or timed out, or still queued
/// when the exit flush ran out of time. Process-wide like the tracer
/// itself; registered in every [`metrics::Metrics`] as
/// `vei_trace_spans_dropped_total` (0 while tracing is off).
static SPANS_DROPPED: LazyLock<Counter> = LazyLock::new(Counter::default);

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

/// The counter behind `vei_trace_spans_dropped_total`.
pub(crate) fn spans_dropped() -> &'static Counter {
    &SPANS_DROPPED
}

/// Why tracing could not start; the server refuses to start rather than
/// run without the traces it was asked for.
#[derive(Debug, Error)]
pub enum TracingError {
    /// A variable asks for something this server does not support.
    #[error("{var}={value}: {why}")]
    Unsupported {
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
        /// What is supported.
        why: &'static str,
    },
    /// The OTLP exporter rejected its configuration (an endpoint that is
    /// not a URL, say).
    #[error("OTLP exporter: {0}")]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
}

/// What the `OTEL_*` environment asks for, when it asks for traces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The OTLP/gRPC endpoint, for the log line (the exporter reads the
    /// variables itself).
    pub endpoint: String,
    /// Spans waiting for export at most (`OTEL_BSP_MAX_QUEUE_SIZE`).
    pub queue_size: usize,
    /// `OTEL_SERVICE_NAME`, or `service.name` in
    /// `OTEL_RESOURCE_ATTRIBUTES`, is set; else ours is used.
    pub service_name_set: bool,
}

impl Settings {
    /// Reads the process environment; see [`Settings::from_lookup`].
    ///
    /// # Errors
    /// As [`Settings::from_lookup`].
    pub fn from_env() -> Result<Option<Self>, TracingError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// `None` (tracing off) when `OTEL_SDK_DISABLED=true`, when
    /// `OTEL_TRACES_EXPORTER=none`, or when neither
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` nor `OTEL_EXPORTER_OTLP_ENDPOINT`
    /// is set to a non-empty value. Sampling (`OTEL_TRACES_SAMPLER`,
    /// `_ARG`; parent-based always-on by default), batching (`OTEL_BSP_*`),
    /// timeouts, headers and compression (`OTEL_EXPORTER_OTLP_*`) and the
    /// resource (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`) are read
    /// by the SDK and the exporter themselves.
    ///
    /// # Errors
    /// An exporter other than `otlp` or `none`, or an OTLP protocol other
    /// than `grpc`.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, TracingError> {
        let set = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        if set("OTEL_SDK_DISABLED").is_some_and(|v| v.trim().eq_ignore_ascii_case("true")) {
            return Ok(None);
        }
        match set("OTEL_TRACES_EXPORTER").as_deref().map(str::trim) {
            None | Some("otlp") => {}
            Some("none") => return Ok(None),
            Some(other) => {
                return Err(TracingError::Unsupported {
                    var: "OTEL_TRACES_EXPORTER",
                    value: other.to_owned(),
                    why: "only `otlp` (OTLP over gRPC) and `none` are supported",
                });
            }
        }
        let Some(endpoint) = set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            .or_else(|| set("OTEL_EXPORTER_OTLP_ENDPOINT"))
        else {
            return Ok(None);
        };
        for var in [
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ] {
            if let Some(value) = set(var)
                && value.trim() != "grpc"
            {
                return Err(TracingError::Unsupported {
                    var,
                    value,
                    why: "only `grpc` is supported (the collector's OTLP/gRPC port, 4317 by default)",
                });
            }
        }
        let queue_size = set("OTEL_BSP_MAX_QUEUE_SIZE")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(DEFAULT_QUEUE_SIZE);
        let service_name_set = set("OTEL_SERVICE_NAME").is_some()
            || set("OTEL_RESOURCE_ATTRIBUTES").is_some_and(|attrs| {
                attrs.split(',').any(|kv| {
                    kv.split('=').next().map(str::trim) == Some(semconv::resource::SERVICE_NAME)
                })
            });
        Ok(Some(Self {
            endpoint: endpoint.trim().to_owned(),
            queue_size,
            service_name_set,
        }))
    }

    /// Builds the exporter, the batch processor (a task on the current
    /// tokio runtime: call this inside it) and the provider, turns the
    /// server's trace layer on, and returns the handle for the exit flush with
    /// the `tracing` layer to install in the global subscriber.
    ///
    /// # Errors
    /// When the exporter rejects its configuration.
    pub fn start<S>(
        &self,
    ) -> Result<
        (
            Tracing,
            impl tracing_subscriber::Layer<S> + Send + Sync + use<S>,
        ),
        TracingError,
    >
    where
        S: tracing::Subscriber + for<'a> LookupSpan<'a> + Send + Sync,
    {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .build()?;
        let queue = Arc::new(Queue::new(self.queue_size));
        let batch = BatchSpanProcessor::builder(
            Counted {
                inner: exporter,
                queue: Arc::clone(&queue),
            },
            runtime::Tokio,
        )
        .with_batch_config(
            BatchConfigBuilder::default()
                .with_max_queue_size(self.queue_size + CONTROL_HEADROOM)
                .build(),
        )
        .build();
        let mut resource = Resource::builder();
        if !self.service_name_set {
            resource = resource.with_service_name(env!("CARGO_PKG_NAME"));
        }
        let (sampler, provider) = recording(opentelemetry_sdk::trace::Config::default().sampler);
        // The first start's sampler stays: a process starts tracing once.
        let _ = SAMPLER.set(sampler);
        let provider = provider
            .with_span_processor(Bounded {
                inner: batch,
                queue: Arc::clone(&queue),
            })
            .with_resource(
                resource
                    .with_attribute(KeyValue::new(
                        semconv::resource::SERVICE_VERSION,
                        env!("CARGO_PKG_VERSION"),
                    ))
                    .build(),
            )
            .build();
        let layer = span_layer(&provider);
        ACTIVE.store(true, Ordering::Relaxed);
        Ok((Tracing { provider, queue }, layer))
    }
}

/// Sampling split in two: `configured` (the environment's sampler) is
/// returned for [`server_span`] to decide with before a span exists, and
/// the provider builder records every span it is then given, with our
/// ids. Shared by [`Settings::start`] and the tests, so a provider that
/// sampled again (a ratio applied twice) fails them.
pub(crate) fn recording(
    configured: Box<dyn ShouldSample>,
) -> (Arc<dyn ShouldSample>, TracerProviderBuilder) {
    let provider = SdkTracerProvider::builder()
        .with_sampler(Sampler::AlwaysOn)
        .with_id_generator(Ids);
    (Arc::from(configured), provider)
}

/// The `tracing` layer for `provider`'s tracer, seeing our RPC spans only:
/// log events and other crates' spans never reach it. Location, thread,
/// level, target and busy/idle timings are off (noise per span).
pub(crate) fn span_layer<S>(
    provider: &SdkTracerProvider,
) -> impl tracing_subscriber::Layer<S> + Send + Sync + use<S>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a> + Send + Sync,
{
    use tracing_subscriber::Layer as _;
    let scope = InstrumentationScope::builder(env!("CARGO_PKG_NAME"))
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer_with_scope(scope))
        .with_location(false)
        .with_threads(false)
        .with_level(false)
        .with_target(false)
        .with_tracked_inactivity(false)
        .with_context_activation(false)
        .with_filter(tracing_subscriber::filter::filter_fn(|meta| {
            meta.is_span() && meta.target() == SPAN_TARGET
        }))
}

/// The running tracer provider; [`Tracing::shutdown`] flushes it at exit.
#[derive(Debug)]
pub struct Tracing {
    provider: SdkTracerProvider,
    queue: Arc<Queue>,
}

impl Tracing {
    /// Exports what is still queued and stops the exporter, waiting at most
    /// `timeout`; spans still queued then are counted as dropped. Never
    /// blocks the runtime (the SDK's shutdown blocks its thread until the
    /// batch task, which runs on this runtime, answers).
    pub async fn shutdown(self, timeout: Duration) {
        let provider = self.provider.clone();
        let flush = tokio::task::spawn_blocking(move || provider.shutdown_with_timeout(timeout));
        match tokio::time::timeout(timeout, flush).await {
            Ok(Ok(Ok(()))) => tracing::info!("traces flushed"),
            Ok(Ok(Err(err))) => tracing::warn!(%err, "flushing traces failed"),
            Ok(Err(err)) => tracing::warn!(%err, "flushing traces failed"),
            Err(_) => {
                let lost = self.queue.pending.swap(0, Ordering::Relaxed);
                SPANS_DROPPED.inc_by(lost as u64);
                tracing::warn!(?timeout, lost, "flushing traces timed out");
            }
        }
    }
}

/// Trace and span ids from a per-thread xoshiro256++ seeded by std's
/// `RandomState` (the `getrandom` system call), not the SDK's default.
/// That one seeds `rand` through getrandom 0.3, which in a static glibc
/// binary cannot find the system call's libc wrapper and falls back to
/// reading `/dev/urandom`; without that file (the image's filesystem in a
/// chroot, scripts/test.d/65-image.sh) every new span panicked and the call
/// died with it. Ids need uniqueness and unpredictability enough for
/// sampling decisions, not cryptographic strength; 128 bits of OS entropy
/// per thread give both.
#[derive(Debug)]
struct Ids;

thread_local! {
    static ID_STATE: std::cell::Cell<[u64; 4]> = std::cell::Cell::new(id_seed());
}

fn id_seed() -> [u64; 4] {
    use std::hash::BuildHasher as _;
    let keys = std::hash::RandomState::new();
    let mut state = [0_u64; 4];
    for (i, word) in (0_u64..).zip(&mut state) {
        *word = keys.hash_one(i);
    }
    if state == [0; 4] {
        state[0] = 1; // the one state xoshiro cannot leave
    }
    state
}

/// The next xoshiro256++ output of this thread's state.
fn next_id_word() -> u64 {
    ID_STATE.with(|cell| {
        let mut s = cell.get();
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        cell.set(s);
        result
    })
}

impl opentelemetry_sdk::trace::IdGenerator for Ids {
    fn new_trace_id(&self) -> opentelemetry::trace::TraceId {
        loop {
            let id = (u128::from(next_id_word()) << 64) | u128::from(next_id_word());
            if id != 0 {
                return opentelemetry::trace::TraceId::from_bytes(id.to_be_bytes());
            }
        }
    }

    fn new_span_id(&self) -> opentelemetry::trace::SpanId {
        loop {
            let id = next_id_word();
            if id != 0 {
                return opentelemetry::trace::SpanId::from_bytes(id.to_be_bytes());
            }
        }
    }
}

/// Spans handed to the batch processor and not yet taken by the exporter.
#[derive(Debug)]
struct Queue {
    pending: AtomicUsize,
    capacity: usize,
    /// The last export failed (logged once per outage).
    failing: AtomicBool,
}

impl Queue {
    fn new(capacity: usize) -> Self {
        Self {
            pending: AtomicUsize::new(0),
            capacity,
            failing: AtomicBool::new(false),
        }
    }
}

/// The batch processor behind a queue bound of our own, so that every span
/// it refuses is counted (the SDK's processor counts only for a log line
/// at shutdown). Its own channel is a little larger, so it never refuses a
/// span we admit.
#[derive(Debug)]
struct Bounded<P> {
    inner: P,
    queue: Arc<Queue>,
}

impl<P: SpanProcessor> SpanProcessor for Bounded<P> {
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, cx: &opentelemetry::Context) {
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        // The processor ignores unsampled spans too.
        if !span.span_context.is_sampled() {
            return;
        }
        if self.queue.pending.fetch_add(1, Ordering::Relaxed) >= self.queue.capacity {
            self.queue.pending.fetch_sub(1, Ordering::Relaxed);
            SPANS_DROPPED.inc();
            return;
        }
        self.inner.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// The exporter, counting the spans of every export that fails or is cut
/// short (the processor's export timeout drops the future).
#[derive(Debug)]
struct Counted<E> {
    inner: E,
    queue: Arc<Queue>,
}

/// Counts `spans` as dropped unless disarmed.
struct DropGuard {
    spans: u64,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if self.spans > 0 {
            SPANS_DROPPED.inc_by(self.spans);
        }
    }
}

impl<E: SpanExporter> SpanExporter for Counted<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let spans = batch.len();
        self.queue.pending.fetch_sub(spans, Ordering::Relaxed);
        let mut guard = DropGuard {
            spans: spans as u64,
        };
        let result = self.inner.export(batch).await;
        match &result {
            Ok(()) => {
                guard.spans = 0;
                if self.queue.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!("exporting spans works again");
                }
            }
            Err(err) => {
                if !self.queue.failing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        %err,
                        "exporting spans failed; dropping them (vei_trace_spans_dropped_total) until the collector answers"
                    );
                }
            }
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// Puts an interpretation on the current RPC span: as attributes on an
/// Interpret span, as one `interpretation` event per item on a
/// BatchInterpret span. Off (no tracing configured), one relaxed load.
pub(crate) fn record_interpretation(interpretation: &Interpretation<'_, '_>) {
    if !enabled() {
        return;
    }
    let span = Span::current();
    let Some(name) = span.metadata().map(|meta| meta.name()) else {
        return;
    };
    let [identification, decided_by, category] = metrics::interpretation_labels(interpretation);
    let attributes = [
        KeyValue::new(IDENTIFICATION, identification),
        KeyValue::new(DECIDED_BY, decided_by),
        KeyValue::new(CATEGORY, category),
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

/// Whether tracing is on: the server installs its trace layer
/// (`server::trace_layer`) only then, so the stack is otherwise what it is
/// without tracing.
pub(crate) fn enabled() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// The sampler [`Settings::start`] read from the environment, or the
/// SDK's default (parent-based, always on) before it ran.
pub(crate) fn sampler() -> Arc<dyn ShouldSample> {
    SAMPLER
        .get()
        .cloned()
        .unwrap_or_else(|| Arc::new(Sampler::ParentBased(Box::new(Sampler::AlwaysOn))))
}

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
pub(crate) fn server_span(path: &str, headers: &HeaderMap, sampler: &dyn ShouldSample) -> Span {
    let rpc = metrics::rpc_index(path);
    let (service, method) = RPCS.get(rpc).copied().unwrap_or((OTHER, OTHER));
    let name = SPAN_NAMES[rpc].as_str();
    let parent = PROPAGATOR.extract(&Headers(headers));
    if !sampled(sampler, &parent, name) {
        return Span::none();
    }
    let span = if (service, method) == (crate::grpc::SERVICE_NAME, "BatchInterpret") {
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
/// that are the server's fault (UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED,
/// INTERNAL, UNAVAILABLE, DATA_LOSS) make the span's status an error; the
/// status message is never recorded (it can quote a caller's code).
pub(crate) fn record_status(span: &Span, code: usize) {
    #[allow(deprecated)] // see the module docs, "Semantic conventions"
    span.set_attribute(semconv::attribute::RPC_GRPC_STATUS_CODE, code as i64);
    if matches!(code, 2 | 4 | 12 | 13 | 14 | 15) {
        span.set_status(Status::error(""));
    }
}

#[cfg(test)]
mod tests;
