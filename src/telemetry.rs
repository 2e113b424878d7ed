//! Tracing set-up: text or JSON lines on stderr, filtered by directives,
//! and OpenTelemetry traces when the `OTEL_*` environment asks for them
//! ([`crate::tracing_otel`]). Text is coloured only when stderr is a
//! terminal: a log collector reading a pipe or file would store the escape
//! codes.
//!
//! The log filter applies to the log lines only; the trace layer has its
//! own filter (our RPC spans, nothing else), so `--log-filter warn` does
//! not turn traces off, and no log event ever becomes span data.

use std::io::IsTerminal;

use thiserror::Error;
use tracing_subscriber::{
    EnvFilter, Layer as _, fmt, layer::SubscriberExt as _, util::SubscriberInitExt as _,
};

use crate::config::LogFormat;
use crate::tracing_otel::{Settings, Tracing, TracingError};

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

/// Installs the global subscriber, with the OpenTelemetry layer when the
/// environment configures an OTLP endpoint; the returned [`Tracing`] is
/// then to be flushed at exit ([`Tracing::shutdown`]).
///
/// Call it inside the tokio runtime the server will run on: the span
/// exporter and its batch task live there.
///
/// # Errors
/// When `filter` is not valid tracing directives, or the `OTEL_*`
/// environment is unsupported.
pub fn init(format: LogFormat, filter: &str) -> Result<Option<Tracing>, InitError> {
    let filter = EnvFilter::try_new(filter)?;
    let ansi = std::io::stderr().is_terminal();
    let logs = match format {
        LogFormat::Text => fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .with_filter(filter)
            .boxed(),
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .with_filter(filter)
            .boxed(),
    };
    let registry = tracing_subscriber::registry().with(logs);
    match Settings::from_env()? {
        None => {
            registry.init();
            Ok(None)
        }
        Some(settings) => {
            let (tracing, layer) = settings.start()?;
            registry.with(layer).init();
            tracing::info!(endpoint = %settings.endpoint, "exporting traces (OTLP/gRPC)");
            Ok(Some(tracing))
        }
    }
}
