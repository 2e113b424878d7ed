//! Logs and traces for the process: log lines on stderr, and OpenTelemetry
//! traces (one server span per RPC, continuing the caller's W3C context,
//! exported over OTLP/gRPC in batches) when the standard `OTEL_*`
//! variables ask for them. [`init`] installs both and returns the
//! [`Telemetry`] guard, whose [`Telemetry::shutdown`] flushes the traces
//! at exit within [`FLUSH_TIMEOUT`].
//!
//! The log filter applies to the log lines only; the trace layer has its
//! own filter (our RPC spans, nothing else), so `--log-filter warn` does
//! not turn traces off, and no log event ever becomes span data. With no
//! endpoint, traces are off and cost nothing: no span layer in the
//! subscriber, and no [`Traces`] handle for the server, which then builds
//! neither its trace layer nor the span observer.
//!
//! By job: `logs` (the log lines), `settings` (what the environment asks
//! for), `pipeline` (exporter, batch queue, provider), `ids` (trace and
//! span ids), `dropped` (spans never exported, counted). The per-call
//! span itself is made by its only caller, the server's trace layer
//! (`server::layers::trace`).

mod dropped;
mod ids;
mod logs;
mod pipeline;
mod settings;

use std::{sync::Arc, time::Duration};

use opentelemetry_sdk::trace::ShouldSample;
use thiserror::Error;
use tracing_subscriber::{layer::SubscriberExt as _, util::SubscriberInitExt as _};

pub(crate) use dropped::spans_dropped;
pub(crate) use ids::Ids;
pub use logs::LogFormat;
#[cfg(test)]
pub(crate) use pipeline::{recording, span_layer};
pub use settings::{Settings, TracingError};

/// The most time the exit path waits for the last spans to be exported.
/// Counted in the shutdown budget (`tests/api/k8s.rs`): preStop sleep +
/// shutdown delay + drain timeout + this fits the pod's grace period.
pub const FLUSH_TIMEOUT: Duration = Duration::from_secs(3);

/// The `tracing` target of our RPC spans: the only callsites the
/// OpenTelemetry layer sees.
pub(crate) const SPAN_TARGET: &str = "vei::rpc";

/// Why the subscriber could not be installed.
#[derive(Debug, Error)]
pub enum InitError {
    /// `--log-filter` is not valid tracing directives.
    #[error("invalid --log-filter: {0}")]
    Filter(#[from] tracing_subscriber::filter::ParseError),
    /// The `OTEL_*` environment asks for something unsupported.
    #[error("tracing: {0}")]
    Tracing(#[from] TracingError),
}

/// What the server's trace layer is built from while traces are on: the
/// sampler the environment asked for (`OTEL_TRACES_SAMPLER`), which the
/// layer applies before a span exists. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Traces {
    sampler: Arc<dyn ShouldSample>,
}

impl Traces {
    /// The sampler deciding which calls get a span.
    pub(crate) fn sampler(&self) -> &dyn ShouldSample {
        &*self.sampler
    }
}

/// Logs and traces while the process runs.
#[derive(Debug)]
pub struct Telemetry {
    traces: Option<(Traces, pipeline::Pipeline)>,
}

impl Telemetry {
    /// The handle for the server's trace layer; `None` while traces are
    /// off.
    pub fn traces(&self) -> Option<Traces> {
        self.traces.as_ref().map(|(traces, _)| traces.clone())
    }

    /// Exports the spans still queued, waiting at most [`FLUSH_TIMEOUT`]
    /// (what is left then is counted as dropped); nothing while traces are
    /// off. Call it after the drain, also after a failure.
    pub async fn shutdown(self) {
        if let Some((_, pipeline)) = self.traces {
            pipeline.shutdown(FLUSH_TIMEOUT).await;
        }
    }
}

/// Installs the global subscriber, with the OpenTelemetry layer when the
/// environment configures an OTLP endpoint.
///
/// Call it inside the tokio runtime the server will run on: the span
/// exporter and its batch task live there.
///
/// # Errors
/// When `filter` is not valid tracing directives, or the `OTEL_*`
/// environment is unsupported.
pub fn init(format: LogFormat, filter: &str) -> Result<Telemetry, InitError> {
    let registry = tracing_subscriber::registry().with(logs::layer(format, filter)?);
    let Some(settings) = Settings::from_env()? else {
        registry.init();
        return Ok(Telemetry { traces: None });
    };
    let (pipeline, traces, layer) = pipeline::start(&settings)?;
    registry.with(layer).init();
    tracing::info!(endpoint = %settings.endpoint, "exporting traces (OTLP/gRPC)");
    Ok(Telemetry {
        traces: Some((traces, pipeline)),
    })
}

#[cfg(test)]
mod tests;
