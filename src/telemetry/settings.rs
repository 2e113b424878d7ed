//! What the `OTEL_*` environment asks of traces: off, or an OTLP/gRPC
//! endpoint and a queue bound. Only the standard variables; what the SDK
//! and the exporter read themselves is left to them.

use opentelemetry_semantic_conventions as semconv;
use thiserror::Error;

/// The default `OTEL_BSP_MAX_QUEUE_SIZE`, as the SDK's.
const DEFAULT_QUEUE_SIZE: usize = opentelemetry_sdk::trace::OTEL_BSP_MAX_QUEUE_SIZE_DEFAULT;

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
}
