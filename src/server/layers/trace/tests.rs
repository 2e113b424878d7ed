//! The server span the layer makes around the real service, exported
//! into memory (no collector): parentage, names, attributes, and nothing a
//! caller sent.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use http_body_util::BodyExt as _;
use opentelemetry::{
    Value,
    trace::{SpanId, SpanKind, Status, TraceId},
};
use opentelemetry_sdk::{
    error::OTelSdkResult,
    trace::{Sampler, SamplingDecision, SamplingResult, ShouldSample, SpanData, SpanExporter},
};
use prost::Message;
use tower::ServiceExt as _;
use tracing_subscriber::layer::SubscriberExt as _;

use super::*;
use crate::catalog::Catalog;
use crate::grpc::{Interpreter, ServiceSettings, pb::server::*};
use crate::reload::CatalogStore;
use crate::telemetry::{recording, span_layer};

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
/// this thread's subscriber exporting into memory, and returns the spans;
/// sampled as by default (parent-based, always on).
async fn spans_of(calls: Vec<Request<Body>>) -> Vec<SpanData> {
    spans_sampled(calls, Sampler::ParentBased(Box::new(Sampler::AlwaysOn))).await
}

/// [`spans_of`], with the layer deciding by `sampler` and the provider
/// recording whatever it is given, set up by `Settings::start`'s own
/// [`recording`].
async fn spans_sampled(
    calls: Vec<Request<Body>>,
    sampler: impl ShouldSample + 'static,
) -> Vec<SpanData> {
    let memory = Memory::default();
    let (traces, provider) = recording(Box::new(sampler));
    let provider = provider.with_simple_exporter(memory.clone()).build();
    let subscriber = tracing_subscriber::registry().with(span_layer(&provider));
    let _default = tracing::subscriber::set_default(subscriber);
    let catalog = Arc::new(Catalog::embedded().unwrap());
    let server = Interpreter::new(
        CatalogStore::new(catalog, "the app"),
        ServiceSettings::default(),
    )
    .with_observer(InterpretationSpans)
    .into_server();
    let service = TraceLayer::new(traces).layer(server);
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
/// An InterpretPayload span carries the payload's kind, verdict outcome
/// and item count, and nothing of the body or the caller's fields.
#[tokio::test(flavor = "current_thread")]
async fn payload_spans_carry_kind_outcome_and_items_never_the_body() {
    let body = r#"{"eventId":"evt-secret","eventType":"VEHICLE_ERROR","data":{"vehicle":{"id":"car-secret"},"errors":[
{"type":"PERMISSION","code":null,"description":"MADE_UP_BY_A_CALLER","state":"ERROR","signals":["Closure.IsLocked"]},
{"type":"COMPATIBILITY","code":"VEHICLE_NOT_CAPABLE","state":"ERROR","signals":["Charge.Voltage"]}]},"meta":{"version":"4.0"}}"#;
    let request = InterpretPayloadRequest {
        body: body.into(),
        used_signals: vec!["Charge.Voltage".into()],
        app_name: "SecretApp".into(),
        ..Default::default()
    };
    let spans = spans_of(vec![call("InterpretPayload", &request, &[])]).await;
    let [span] = spans.as_slice() else {
        panic!("{spans:#?}")
    };
    assert_eq!(
        span.name,
        "vehicle_errors.v1.InterpreterService/InterpretPayload"
    );
    let attributes = attributes(span);
    for (key, value) in [
        ("rpc.method", Value::from("InterpretPayload")),
        ("rpc.grpc.status_code", Value::I64(0)),
        (PAYLOAD_KIND, Value::from("WEBHOOK")),
        (PAYLOAD_OUTCOME, Value::from("UNSUPPORTED")),
        (PAYLOAD_ITEMS, Value::I64(2)),
    ] {
        assert_eq!(attributes.get(key), Some(&value), "{key} in {attributes:?}");
    }
    for value in all_values(span) {
        for secret in SECRETS
            .iter()
            .chain(&["evt-secret", "car-secret", "Closure"])
        {
            assert!(!value.contains(secret), "{secret} in {value}");
        }
    }
}

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

/// The sampler decides before a span exists: a caller that did not
/// sample gets no span even from a provider that records everything, and
/// a ratio applies once (not again by the SDK): about half of 2,000 root
/// calls at 0.5, where applying it twice would keep about a quarter; a
/// decision to record without sampling makes no span (it would never be
/// exported).
#[tokio::test(flavor = "current_thread")]
async fn the_sampler_decides_before_the_span_and_once() {
    let request = InterpretRequest {
        input: Some(interpret_request::Input::Body(door_open_body())),
        ..Default::default()
    };
    let unsampled = TRACEPARENT.replace("-01", "-00");
    let calls = vec![
        call("Interpret", &request, &[("traceparent", &unsampled)]),
        call("Interpret", &request, &[("traceparent", TRACEPARENT)]),
    ];
    let spans = spans_of(calls).await;
    assert_eq!(spans.len(), 1, "only the sampled caller's call: {spans:?}");
    assert_eq!(
        spans[0].span_context.trace_id(),
        TraceId::from_hex("0af7651916cd43dd8448eb211c80319c").unwrap()
    );

    let roots = (0..2_000)
        .map(|_| call("Interpret", &request, &[]))
        .collect();
    let kept = spans_sampled(roots, Sampler::TraceIdRatioBased(0.5))
        .await
        .len();
    // Binomial(2000, 0.5): sd 22; these bounds are 9 sd away.
    assert!((800..=1200).contains(&kept), "kept {kept} of 2000 at 0.5");

    // Recorded but not sampled would never be exported: no span either.
    let calls = vec![call("Interpret", &request, &[])];
    assert!(spans_sampled(calls, RecordOnly).await.is_empty());
}

/// A sampler that records every span and samples none.
#[derive(Debug, Clone)]
struct RecordOnly;

impl ShouldSample for RecordOnly {
    fn should_sample(
        &self,
        _: Option<&opentelemetry::Context>,
        _: TraceId,
        _: &str,
        _: &SpanKind,
        _: &[opentelemetry::KeyValue],
        _: &[opentelemetry::trace::Link],
    ) -> SamplingResult {
        SamplingResult {
            decision: SamplingDecision::RecordOnly,
            attributes: Vec::new(),
            trace_state: Default::default(),
        }
    }
}
