//! In-process costs of the hot path (docs/design.md §7 targets: a raw v2 body
//! interpreted in <= 1 µs median, a structured type+code in <= 200 ns).
//!
//! `interpret/*` is the domain decision alone (parse + match + advice);
//! `respond/*` is the whole handler plus encoding its response, what the
//! server does per call besides HTTP/2; `render/*` is the template alone;
//! `json_read/*` is serde_json alone skimming the load's body, the plain
//! read `scripts/bench-json-floor` adds to the floor.
//! Run: `cargo bench --bench interpret`.

use std::{hint::black_box, sync::Arc};

use criterion::{Criterion, criterion_group, criterion_main};
use prost::Message as _;
use serde::de::IgnoredAny;
use tonic::Request;
use vehicle_error_interpreter::{
    Catalog,
    grpc::{Interpreter, ServiceSettings},
    interpret::{Context, Input, interpret},
    pb::server::{
        BatchInterpretRequest, InterpretRequest, StructuredError, interpret_request,
        interpreter_service_server::InterpreterService as _,
    },
    reload::CatalogStore,
};

// The server's allocator (src/main.rs), so these figures are the
// server's: glibc's malloc ranks allocations differently (sizes past its
// 1 KiB thread cache cost several times more).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// The load's DOOR_OPEN body, for `json_read/skim_door_open`.
#[allow(dead_code)]
#[path = "../examples/common/deliveries.rs"]
mod deliveries;

const V2: &str = r#"{"type":"VEHICLE_STATE","code":"ASLEEP","description":"The vehicle is in a sleep state and temporarily unable to perform your request.","docURL":"https://smartcar.com/docs/errors/api-errors/vehicle-state-errors#asleep","statusCode":409,"requestId":"5dea93a1-3f79-4246-90c5-89610a20471b","resolution":{"type":null},"suggestedUserMessage":"Your vehicle is in a sleep state. This request was not sent to preserve battery life. "}"#;
const V1: &str = r#"{"error":"vehicle_state_error","message":"The vehicle could not perform your request because one or more of its doors are open.","code":"VS_001","statusCode":409,"requestId":"5dea93a1-3f79-4246-90c5-89610a20471b"}"#;
const V3: &str = r#"{"errors":[{"status":"409","type":"VEHICLE_STATE","code":"IN_MOTION","title":"Vehicle in motion","detail":"The vehicle is currently in motion and unable to perform your request.","links":{"about":"https://smartcar.com/docs/errors/api-errors/vehicle-state-errors#in-motion"},"resolution":{"type":null},"suggestedUserMessage":"Your vehicle is unable to perform the request while in motion."}]}"#;

fn body_request(body: &str) -> InterpretRequest {
    InterpretRequest {
        input: Some(interpret_request::Input::Body(body.to_owned())),
        app_name: "Fleet Manager".into(),
        ..Default::default()
    }
}

fn benches(c: &mut Criterion) {
    let catalog = Arc::new(Catalog::embedded().unwrap());
    let ctx = Context::default();
    let structured = Input::Structured {
        error_type: "VEHICLE_STATE",
        code: "DOOR_OPEN",
    };

    let mut g = c.benchmark_group("interpret");
    for (name, body) in [("v2_body", V2), ("v1_body", V1), ("v3_body", V3)] {
        g.bench_function(name, |b| {
            b.iter(|| interpret(&catalog, Input::Body(black_box(body)), &ctx).unwrap())
        });
    }
    g.bench_function("structured", |b| {
        b.iter(|| interpret(&catalog, black_box(structured), &ctx).unwrap())
    });
    g.finish();

    // The floor's optional plain read (`FLOOR_JSON_READ=skim`) of the body
    // `Interpret`'s load sends: serde_json alone, nothing kept, for
    // `scripts/bench-json-floor`.
    let mut g = c.benchmark_group("json_read");
    g.bench_function("skim_door_open", |b| {
        b.iter(|| serde_json::from_str::<IgnoredAny>(black_box(deliveries::DOOR_OPEN_BODY)).is_ok())
    });
    g.finish();

    let mut asleep = interpret(&catalog, Input::Body(V2), &ctx).unwrap();
    c.bench_function("render/user_message_with_app_name", |b| {
        b.iter(|| asleep.messages(black_box("Fleet Manager")))
    });

    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let service = Interpreter::new(
        CatalogStore::new(Arc::clone(&catalog), "the app"),
        ServiceSettings::default(),
    );
    let mut g = c.benchmark_group("respond");
    let v2 = body_request(V2);
    g.bench_function("v2_body", |b| {
        b.iter(|| {
            rt.block_on(service.interpret(Request::new(black_box(v2.clone()))))
                .unwrap()
                .into_inner()
                .encode_to_vec()
        })
    });
    let s = InterpretRequest {
        input: Some(interpret_request::Input::Structured(StructuredError {
            r#type: "VEHICLE_STATE".into(),
            code: "DOOR_OPEN".into(),
        })),
        ..Default::default()
    };
    g.bench_function("structured", |b| {
        b.iter(|| {
            rt.block_on(service.interpret(Request::new(black_box(s.clone()))))
                .unwrap()
                .into_inner()
                .encode_to_vec()
        })
    });
    let batch = BatchInterpretRequest {
        requests: vec![body_request(V2); 100],
    };
    g.bench_function("batch_of_100_v2", |b| {
        b.iter(|| {
            rt.block_on(service.batch_interpret(Request::new(black_box(batch.clone()))))
                .unwrap()
                .into_inner()
                .encode_to_vec()
        })
    });
    g.finish();

    // Encoding the answer: part of what the server does beyond design 6's
    // floor, which writes the same bytes pre-encoded (examples/floor.rs).
    // The handler writes the answer in its wire format (`respond/*`
    // includes that), so this is the copy tonic makes into its frame.
    let answer = rt
        .block_on(service.interpret(Request::new(v2.clone())))
        .unwrap()
        .into_inner();
    let mut g = c.benchmark_group("encode");
    g.bench_function("interpret_answer", |b| {
        b.iter(|| black_box(&answer).encode_to_vec())
    });
    g.finish();
}

criterion_group!(benches_group, benches);
criterion_main!(benches_group);
