//! The OTLP pipeline: exporter, bounded batch queue, tracer provider, and
//! the `tracing` layer that turns our RPC spans (and only those: no log
//! event ever becomes span data) into OpenTelemetry spans.
//!
//! The batch processor runs as a task on the server's own tokio runtime
//! (the thread-based one has no tokio reactor for the tonic exporter and
//! exports nothing).

use std::{sync::Arc, time::Duration};

use opentelemetry::{InstrumentationScope, KeyValue, trace::TracerProvider as _};
use opentelemetry_sdk::{
    Resource, runtime,
    trace::{
        BatchConfigBuilder, Sampler, SdkTracerProvider, ShouldSample, TracerProviderBuilder,
        span_processor_with_async_runtime::BatchSpanProcessor,
    },
};
use opentelemetry_semantic_conventions as semconv;
use tracing_subscriber::registry::LookupSpan;

use super::dropped::{Bounded, Counted, Queue};
use super::{Ids, SPAN_TARGET, Settings, Traces, TracingError};

/// Room in the batch processor's channel above the span queue, for its
/// flush and shutdown messages.
const CONTROL_HEADROOM: usize = 8;

/// Builds the exporter, the batch processor (a task on the current tokio
/// runtime: call this inside it) and the provider; returns the pipeline
/// for the exit flush, the handle the server's trace layer is built from,
/// and the `tracing` layer to install in the global subscriber.
///
/// # Errors
/// When the exporter rejects its configuration.
pub(super) fn start<S>(
    settings: &Settings,
) -> Result<
    (
        Pipeline,
        Traces,
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
    let queue = Arc::new(Queue::new(settings.queue_size));
    let batch = BatchSpanProcessor::builder(
        Counted {
            inner: exporter,
            queue: Arc::clone(&queue),
        },
        runtime::Tokio,
    )
    .with_batch_config(
        BatchConfigBuilder::default()
            .with_max_queue_size(settings.queue_size + CONTROL_HEADROOM)
            .build(),
    )
    .build();
    let mut resource = Resource::builder();
    if !settings.service_name_set {
        resource = resource.with_service_name(env!("CARGO_PKG_NAME"));
    }
    let (traces, provider) = recording(opentelemetry_sdk::trace::Config::default().sampler);
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
    Ok((Pipeline { provider, queue }, traces, layer))
}

/// Sampling split in two: `configured` (the environment's sampler) goes
/// into the [`Traces`] handle, for the trace layer to decide with before a
/// span exists, and the provider builder records every span it is then
/// given, with our ids. Shared by [`start`] and the tests, so a provider
/// that sampled again (a ratio applied twice) fails them.
pub(crate) fn recording(configured: Box<dyn ShouldSample>) -> (Traces, TracerProviderBuilder) {
    let provider = SdkTracerProvider::builder()
        .with_sampler(Sampler::AlwaysOn)
        .with_id_generator(Ids);
    let traces = Traces {
        sampler: Arc::from(configured),
    };
    (traces, provider)
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

/// The running tracer provider; [`Pipeline::shutdown`] flushes it at exit.
#[derive(Debug)]
pub(super) struct Pipeline {
    provider: SdkTracerProvider,
    queue: Arc<Queue>,
}

impl Pipeline {
    /// Exports what is still queued and stops the exporter, waiting at most
    /// `timeout`; spans still queued then are counted as dropped. Never
    /// blocks the runtime (the SDK's shutdown blocks its thread until the
    /// batch task, which runs on this runtime, answers).
    pub(super) async fn shutdown(self, timeout: Duration) {
        let provider = self.provider.clone();
        let flush = tokio::task::spawn_blocking(move || provider.shutdown_with_timeout(timeout));
        match tokio::time::timeout(timeout, flush).await {
            Ok(Ok(Ok(()))) => tracing::info!("traces flushed"),
            Ok(Ok(Err(err))) => tracing::warn!(%err, "flushing traces failed"),
            Ok(Err(err)) => tracing::warn!(%err, "flushing traces failed"),
            Err(_) => {
                let lost = self.queue.drop_pending();
                tracing::warn!(?timeout, lost, "flushing traces timed out");
            }
        }
    }
}
