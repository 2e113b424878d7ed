//! The settings read from `OTEL_*` variables, the server span the layer
//! makes around the real service (in memory, no collector), and the drop
//! counting of the queue and the exporter.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use http_body_util::BodyExt as _;
use opentelemetry::{
    Value,
    trace::{SpanId, SpanKind, TraceId, Tracer as _, TracerProvider as _},
};
use opentelemetry_sdk::{
    error::OTelSdkError,
    trace::{SdkTracerProvider, SimpleSpanProcessor},
};
use prost::Message;
use tower::ServiceExt as _;
use tracing_subscriber::layer::SubscriberExt as _;

use super::*;
use crate::catalog::Catalog;
use crate::grpc::{Interpreter, ServiceSettings, pb::server::*};
use crate::reload::CatalogStore;

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

// ------------------------------------------------------------ spans

/// Finished spans, in memory.
#[derive(Debug, Clone, Default)]
struct Memory(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Memory {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.lock().unwrap().extend(batch);
        Ok(())
    }
}

/// Runs `calls` against the real service behind the trace layer, with
/// this thread's subscriber exporting into memory, and returns the spans.
async fn spans_of(calls: Vec<Request<Body>>) -> Vec<SpanData> {
    let memory = Memory::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(memory.clone())
        .build();
    let subscriber = tracing_subscriber::registry().with(span_layer(&provider));
    let _default = tracing::subscriber::set_default(subscriber);
    ACTIVE.store(true, Ordering::Relaxed);
    let catalog = Arc::new(Catalog::embedded().unwrap());
    let server = Interpreter::new(
        CatalogStore::new(catalog, "the app"),
        ServiceSettings::default(),
    )
    .into_server();
    let service = TraceLayer.layer(server);
    for call in calls {
        let response = service.clone().oneshot(call).await.unwrap();
        response.into_body().collect().await.unwrap();
    }
    memory.0.lock().unwrap().clone()
}

fn call(method: &str, message: &impl Message, headers: &[(&str, &str)]) -> Request<Body> {
    let encoded = message.encode_to_vec();
    let mut frame = vec![0];
    frame.extend((encoded.len() as u32).to_be_bytes());
    frame.extend(encoded);
    let mut request = Request::builder()
        .method("POST")
        .uri(format!(
            "http://localhost/{}/{method}",
            crate::grpc::SERVICE_NAME
        ))
        .header("content-type", "application/grpc")
        .header("te", "trailers");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
        .body(Body::new(http_body_util::Full::new(Bytes::from(frame))))
        .unwrap()
}

fn attributes(span: &SpanData) -> HashMap<String, Value> {
    span.attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.clone()))
        .collect()
}

/// Every attribute and event value of `span`, as text.
fn all_values(span: &SpanData) -> Vec<String> {
    let events = span.events.iter().flat_map(|e| e.attributes.iter());
    span.attributes
        .iter()
        .chain(events)
        .map(|kv| kv.value.to_string())
        .chain([span.name.to_string()])
        .collect()
}

const TRACEPARENT: &str = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
/// Texts a caller sends that must never reach a span.
const SECRETS: [&str; 3] = ["SecretApp", "req-secret-42", "MADE_UP_BY_A_CALLER"];

fn door_open_body() -> String {
    serde_json::json!({
        "type": "VEHICLE_STATE",
        "code": "DOOR_OPEN",
        "description": "The door is open.",
        "requestId": "req-secret-42",
    })
    .to_string()
}

/// An Interpret call gets one server span, child of the caller's
/// `traceparent`, named and attributed per the RPC conventions, with the
/// interpretation's kinds, category and reason, and nothing the caller
/// sent.
#[tokio::test(flavor = "current_thread")]
async fn interpret_span_continues_the_caller_and_carries_no_input() {
    let request = InterpretRequest {
        input: Some(interpret_request::Input::Body(door_open_body())),
        app_name: "SecretApp".into(),
        ..Default::default()
    };
    let headers = [
        ("traceparent", TRACEPARENT),
        ("tracestate", "vendor=1"),
        ("baggage", "tenant=acme"),
    ];
    let spans = spans_of(vec![call("Interpret", &request, &headers)]).await;
    assert_eq!(spans.len(), 1, "{spans:#?}");
    let span = &spans[0];
    assert_eq!(span.name, "vehicle_errors.v1.InterpreterService/Interpret");
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(
        span.span_context.trace_id(),
        TraceId::from_hex("0af7651916cd43dd8448eb211c80319c").unwrap()
    );
    assert_eq!(
        span.parent_span_id,
        SpanId::from_hex("b7ad6b7169203331").unwrap()
    );
    assert_eq!(span.span_context.trace_state().header(), "vendor=1");
    assert_eq!(span.status, Status::Unset);
    let attributes = attributes(span);
    for (key, value) in [
        ("rpc.system", Value::from("grpc")),
        (
            "rpc.service",
            Value::from("vehicle_errors.v1.InterpreterService"),
        ),
        ("rpc.method", Value::from("Interpret")),
        ("rpc.grpc.status_code", Value::I64(0)),
        (IDENTIFICATION, Value::from("EXACT_CODE")),
        (DECIDED_BY, Value::from("CATALOG")),
        (CATEGORY, Value::from("CLOSURE")),
        (REASON, Value::from("VEHICLE_STATE_DOOR_OPEN")),
    ] {
        assert_eq!(attributes.get(key), Some(&value), "{key} in {attributes:?}");
    }
    assert_eq!(attributes.len(), 8, "{attributes:?}");
    for value in all_values(span) {
        for secret in SECRETS.iter().chain(&["door is open", "acme"]) {
            assert!(!value.contains(secret), "{secret} in {value}");
        }
    }
}

/// A caller's unknown code and a failed lookup: the span has the reason,
/// never the code, not even through the status message; a caller's fault
/// is no span error, and without a `traceparent` the span is a root.
#[tokio::test(flavor = "current_thread")]
async fn unknown_codes_and_errors_stay_out_of_spans() {
    let unknown = InterpretRequest {
        input: Some(interpret_request::Input::Structured(StructuredError {
            r#type: "VEHICLE_STATE".into(),
            code: "MADE_UP_BY_A_CALLER".into(),
        })),
        ..Default::default()
    };
    let lookup = GetVehicleStateErrorRequest {
        code: "MADE_UP_BY_A_CALLER".into(),
    };
    let spans = spans_of(vec![
        call("Interpret", &unknown, &[]),
        call("GetVehicleStateError", &lookup, &[]),
    ])
    .await;
    assert_eq!(spans.len(), 2, "{spans:#?}");
    let interpret = attributes(&spans[0]);
    assert_eq!(interpret[IDENTIFICATION], Value::from("UNKNOWN_CODE"));
    assert_eq!(interpret[REASON], Value::from("VEHICLE_STATE_UNKNOWN"));
    let get = attributes(&spans[1]);
    assert_eq!(get["rpc.grpc.status_code"], Value::I64(5), "{get:?}");
    assert_eq!(spans[1].status, Status::Unset);
    for span in &spans {
        assert_eq!(span.parent_span_id, SpanId::INVALID);
        for value in all_values(span) {
            assert!(!value.contains("MADE_UP"), "{value}");
        }
    }
}

/// A BatchInterpret span gets one `interpretation` event per item, in
/// order, and no interpretation attributes of its own.
#[tokio::test(flavor = "current_thread")]
async fn batch_items_become_events() {
    let item = |code: &str| InterpretRequest {
        input: Some(interpret_request::Input::Structured(StructuredError {
            r#type: "VEHICLE_STATE".into(),
            code: code.into(),
        })),
        ..Default::default()
    };
    let batch = BatchInterpretRequest {
        requests: vec![item("DOOR_OPEN"), item("MADE_UP_BY_A_CALLER")],
    };
    let spans = spans_of(vec![call("BatchInterpret", &batch, &[])]).await;
    assert_eq!(spans.len(), 1);
    let span = &spans[0];
    assert_eq!(
        span.name,
        "vehicle_errors.v1.InterpreterService/BatchInterpret"
    );
    assert!(!attributes(span).contains_key(REASON));
    let reasons: Vec<String> = span
        .events
        .iter()
        .map(|e| {
            assert_eq!(e.name, INTERPRETATION_EVENT);
            let reason = e.attributes.iter().find(|kv| kv.key.as_str() == REASON);
            reason.unwrap().value.to_string()
        })
        .collect();
    assert_eq!(
        reasons,
        ["VEHICLE_STATE_DOOR_OPEN", "VEHICLE_STATE_UNKNOWN"]
    );
    for value in all_values(span) {
        assert!(!value.contains("MADE_UP"), "{value}");
    }
}

/// A path this server does not serve is `_OTHER`, not the caller's text,
/// and UNIMPLEMENTED marks the span an error (the server's side).
#[tokio::test(flavor = "current_thread")]
async fn unknown_paths_are_other() {
    let mut request = call("Interpret", &InterpretRequest::default(), &[]);
    *request.uri_mut() = "http://localhost/vehicle_errors.v1.InterpreterService/SecretApp"
        .parse()
        .unwrap();
    let spans = spans_of(vec![request]).await;
    let span = &spans[0];
    assert_eq!(span.name, "_OTHER");
    let attributes = attributes(span);
    assert_eq!(attributes["rpc.method"], Value::from("_OTHER"));
    assert_eq!(attributes["rpc.grpc.status_code"], Value::I64(12));
    assert_eq!(span.status, Status::error(""));
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
