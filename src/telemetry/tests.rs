//! The settings read from `OTEL_*` variables, the ids, and the drop
//! counting of the queue and the exporter. The spans themselves:
//! `server/layers/trace/tests.rs`.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, atomic::Ordering},
    time::Duration,
};

use opentelemetry::trace::{SpanId, TraceId, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::{
    error::{OTelSdkError, OTelSdkResult},
    trace::{SdkTracerProvider, SimpleSpanProcessor, SpanData, SpanExporter, SpanProcessor},
};

use super::dropped::{Bounded, Counted, Queue};
use super::*;
use crate::catalog::Catalog;

// ------------------------------------------------------------ settings

fn settings(vars: &[(&str, &str)]) -> Result<Option<Settings>, TracingError> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Settings::from_lookup(|name| vars.get(name).cloned())
}

/// Off unless an endpoint is set; the traces endpoint wins over the
/// general one; `OTEL_SDK_DISABLED=true` and `OTEL_TRACES_EXPORTER=none`
/// turn it off even with one.
#[test]
fn on_only_with_an_endpoint() {
    assert_eq!(settings(&[]).unwrap(), None);
    assert_eq!(
        settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", " ")]).unwrap(),
        None
    );
    assert_eq!(settings(&[("OTEL_SERVICE_NAME", "x")]).unwrap(), None);
    let on = settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")])
        .unwrap()
        .unwrap();
    assert_eq!(
        on,
        Settings {
            endpoint: "http://collector:4317".into(),
            queue_size: 2048,
            service_name_set: false,
        }
    );
    let traces = settings(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4317"),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://b:4317"),
    ]);
    assert_eq!(traces.unwrap().unwrap().endpoint, "http://b:4317");
    for off in [
        ("OTEL_SDK_DISABLED", "TRUE"),
        ("OTEL_TRACES_EXPORTER", "none"),
    ] {
        let vars = [("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4317"), off];
        assert_eq!(settings(&vars).unwrap(), None, "{off:?}");
    }
    let not_disabled = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4317"),
        ("OTEL_SDK_DISABLED", "false"),
    ];
    assert!(settings(&not_disabled).unwrap().is_some());
}

/// What this server cannot do is refused at start, not ignored.
#[test]
fn unsupported_exporters_and_protocols_are_refused() {
    let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318");
    for bad in [
        ("OTEL_TRACES_EXPORTER", "zipkin"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"),
    ] {
        let err = settings(&[endpoint, bad]).unwrap_err();
        assert!(err.to_string().starts_with(bad.0), "{err}");
    }
    let grpc = [endpoint, ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")];
    assert!(settings(&grpc).unwrap().is_some());
}

/// The queue bound follows `OTEL_BSP_MAX_QUEUE_SIZE` (the SDK's default
/// when unparsable); a service name from the environment is kept.
#[test]
fn queue_size_and_service_name() {
    let endpoint = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4317");
    let s = |extra| settings(&[endpoint, extra]).unwrap().unwrap();
    assert_eq!(s(("OTEL_BSP_MAX_QUEUE_SIZE", "64")).queue_size, 64);
    assert_eq!(s(("OTEL_BSP_MAX_QUEUE_SIZE", "lots")).queue_size, 2048);
    assert!(s(("OTEL_SERVICE_NAME", "vei-eu")).service_name_set);
    assert!(s(("OTEL_RESOURCE_ATTRIBUTES", "a=b, service.name=vei-eu")).service_name_set);
    assert!(!s(("OTEL_RESOURCE_ATTRIBUTES", "service.namespace=x")).service_name_set);
}

/// Our ids are valid and do not repeat (the generator seeds itself per
/// thread from std's `RandomState`, not from `/dev/urandom`).
#[test]
fn ids_are_valid_and_distinct() {
    use opentelemetry_sdk::trace::IdGenerator as _;
    let traces: std::collections::HashSet<_> = (0..1000).map(|_| Ids.new_trace_id()).collect();
    let spans: std::collections::HashSet<_> = (0..1000).map(|_| Ids.new_span_id()).collect();
    assert_eq!((traces.len(), spans.len()), (1000, 1000));
    assert!(!traces.contains(&TraceId::INVALID) && !spans.contains(&SpanId::INVALID));
    let other = std::thread::spawn(|| Ids.new_trace_id()).join().unwrap();
    assert!(!traces.contains(&other));
}

// ------------------------------------------------------------ drops

/// Holds every span it is given; exports nothing.
#[derive(Debug, Default)]
struct Hold(Mutex<Vec<SpanData>>);

impl SpanProcessor for Hold {
    fn on_start(&self, _: &mut opentelemetry_sdk::trace::Span, _: &opentelemetry::Context) {}

    fn on_end(&self, span: SpanData) {
        self.0.lock().unwrap().push(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
        Ok(())
    }
}

/// Fails every export, as a stopped collector does.
#[derive(Debug)]
struct Down;

impl SpanExporter for Down {
    async fn export(&self, _: Vec<SpanData>) -> OTelSdkResult {
        Err(OTelSdkError::InternalFailure("connection refused".into()))
    }
}

fn end_spans(provider: &SdkTracerProvider, n: usize) {
    let tracer = provider.tracer("test");
    for _ in 0..n {
        drop(tracer.start("span"));
    }
}

/// Spans beyond the queue bound, and the spans of failed exports, are
/// counted in `vei_trace_spans_dropped_total` (one test: the counter is
/// process-wide).
#[test]
fn full_queues_and_failed_exports_are_counted() {
    let before = spans_dropped().get();
    let queue = Arc::new(Queue::new(2));
    let held = SdkTracerProvider::builder()
        .with_span_processor(Bounded {
            inner: Hold::default(),
            queue: Arc::clone(&queue),
        })
        .build();
    end_spans(&held, 5);
    assert_eq!(spans_dropped().get() - before, 3);
    assert_eq!(queue.pending.load(Ordering::Relaxed), 2);

    let queue = Arc::new(Queue::new(100));
    let down = SdkTracerProvider::builder()
        .with_span_processor(Bounded {
            inner: SimpleSpanProcessor::new(Counted {
                inner: Down,
                queue: Arc::clone(&queue),
            }),
            queue: Arc::clone(&queue),
        })
        .build();
    end_spans(&down, 4);
    assert_eq!(spans_dropped().get() - before, 3 + 4);
    assert_eq!(queue.pending.load(Ordering::Relaxed), 0);
    assert!(queue.failing.load(Ordering::Relaxed));

    let metrics = crate::metrics::Metrics::new(&Catalog::embedded().unwrap());
    let scrape = metrics.encode();
    assert!(
        scrape.contains("# TYPE vei_trace_spans_dropped counter"),
        "{scrape}"
    );
    assert!(
        scrape.contains("vei_trace_spans_dropped_total "),
        "{scrape}"
    );
}
