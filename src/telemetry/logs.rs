//! Log lines on stderr: text or JSON, filtered by directives. Text is
//! coloured only when stderr is a terminal: a log collector reading a pipe
//! or file would store the escape codes.

use std::io::IsTerminal;

use clap::ValueEnum;
use tracing_subscriber::{EnvFilter, Layer, Registry, filter::ParseError, fmt};

/// How log lines are written (`--log-format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// The log layer: `format` lines of what `filter` lets through. The filter
/// is the layer's own, so it never decides what becomes a span.
///
/// # Errors
/// When `filter` is not valid tracing directives.
pub(super) fn layer(
    format: LogFormat,
    filter: &str,
) -> Result<Box<dyn Layer<Registry> + Send + Sync>, ParseError> {
    let filter = EnvFilter::try_new(filter)?;
    let ansi = std::io::stderr().is_terminal();
    Ok(match format {
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
    })
}
