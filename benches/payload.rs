//! In-process cost of `payload::interpret_payload` (docs/design.md §6: a
//! VEHICLE_STATE delivery of about a hundred signals, some 30 KB, at no
//! less than 480 MB/s, i.e. 60 us at most; and a VEHICLE_ERROR delivery).
//! `payload/*` is the domain call alone (scan, group, interpret each item,
//! verdict), the figure design 6's budget uses; `respond_payload/*` is the
//! whole handler plus encoding its response, what the server does per call
//! besides HTTP/2 (the difference is the adapter's rendering of the items);
//! `json_read/*` is serde_json alone skimming the same deliveries, the
//! plain read `scripts/bench-json-floor` adds to the floor.
//! Run: `cargo bench --bench payload` (`-- --quick` on a noisy machine).

use std::{hint::black_box, sync::Arc, time::SystemTime};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use prost::Message as _;
use serde::de::IgnoredAny;
use tonic::Request;
use vehicle_error_interpreter::{
    Catalog,
    grpc::{Interpreter, ServiceSettings},
    payload::{Limits, PayloadRequest, interpret_payload},
    pb::server::{InterpretPayloadRequest, interpreter_service_server::InterpreterService as _},
    reload::CatalogStore,
};

// The server's allocator (src/main.rs), so these figures are the
// server's: glibc's malloc ranks allocations differently (sizes past its
// 1 KiB thread cache cost several times more).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// The deliveries; the DOOR_OPEN body beside them is `Interpret`'s.
#[allow(dead_code)]
#[path = "../examples/common/deliveries.rs"]
mod deliveries;

use deliveries::{VEHICLE_ERROR, vehicle_state};

fn benches(c: &mut Criterion) {
    let catalog = Catalog::embedded().unwrap();
    let state = vehicle_state(100);
    // Two more sizes, so `scripts/bench payload-sizes` can tell the
    // server's cost per call from its cost per byte.
    let (state_30, state_300) = (vehicle_state(30), vehicle_state(300));
    let used = ["closure-islocked", "group2-signalname9"];
    let mut g = c.benchmark_group("payload");
    for (name, body) in [
        ("vehicle_state_100", state.as_str()),
        ("vehicle_error", VEHICLE_ERROR),
        ("vehicle_state_30", state_30.as_str()),
        ("vehicle_state_300", state_300.as_str()),
    ] {
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                let request = PayloadRequest {
                    body: black_box(body),
                    used_signals: &used[..],
                    limits: Limits::default(),
                    now: SystemTime::now(),
                    operation: None,
                };
                interpret_payload(&catalog, &request).unwrap()
            })
        });
    }
    g.finish();

    // The floor's optional plain read (`FLOOR_JSON_READ=skim`) of the same
    // deliveries: serde_json alone, nothing kept, for
    // `scripts/bench-json-floor`.
    let mut g = c.benchmark_group("json_read");
    for (name, body) in [
        ("skim_vehicle_state_30", state_30.as_str()),
        ("skim_vehicle_state_100", state.as_str()),
        ("skim_vehicle_state_300", state_300.as_str()),
    ] {
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| serde_json::from_str::<IgnoredAny>(black_box(body)).is_ok())
        });
    }
    g.finish();

    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let service = Interpreter::new(
        CatalogStore::new(Arc::new(catalog), "the app"),
        ServiceSettings::default(),
    );
    let mut g = c.benchmark_group("respond_payload");
    for (name, body) in [
        ("vehicle_state_100", state.as_str()),
        ("vehicle_error", VEHICLE_ERROR),
    ] {
        let request = InterpretPayloadRequest {
            body: body.to_owned(),
            used_signals: used.iter().map(|s| (*s).to_owned()).collect(),
            app_name: "Load Test".into(),
            ..Default::default()
        };
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(service.interpret_payload(Request::new(black_box(request.clone()))))
                    .unwrap()
                    .into_inner()
                    .encode_to_vec()
            })
        });
    }
    g.finish();

    // As `encode/interpret_answer` in benches/interpret.rs: encoding the
    // answer, which design 6's floor writes pre-encoded.
    let request = InterpretPayloadRequest {
        body: state.clone(),
        used_signals: used.iter().map(|s| (*s).to_owned()).collect(),
        app_name: "Load Test".into(),
        ..Default::default()
    };
    let answer = rt
        .block_on(service.interpret_payload(Request::new(request)))
        .unwrap()
        .into_inner();
    let mut g = c.benchmark_group("encode");
    g.bench_function("payload_answer", |b| {
        b.iter(|| black_box(&answer).encode_to_vec())
    });
    g.finish();
}

criterion_group!(payload, benches);
criterion_main!(payload);
