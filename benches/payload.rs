//! In-process cost of `payload::interpret_payload` (docs/design.md §6: a
//! VEHICLE_STATE delivery of about a hundred signals, some 30 KB, at no
//! less than 480 MB/s, i.e. 60 us at most; and a VEHICLE_ERROR delivery).
//! The domain call alone: scan, group, interpret each item, verdict.
//! Run: `cargo bench --bench payload` (`-- --quick` on a noisy machine).

use std::{hint::black_box, time::SystemTime};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vehicle_error_interpreter::{
    Catalog,
    payload::{Limits, PayloadRequest, interpret_payload},
};

#[path = "../examples/common/deliveries.rs"]
mod deliveries;

use deliveries::{VEHICLE_ERROR, vehicle_state};

fn benches(c: &mut Criterion) {
    let catalog = Catalog::embedded().unwrap();
    let state = vehicle_state(100);
    let used = ["closure-islocked", "group2-signalname9"];
    let mut g = c.benchmark_group("payload");
    for (name, body) in [
        ("vehicle_state_100", state.as_str()),
        ("vehicle_error", VEHICLE_ERROR),
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
}

criterion_group!(payload, benches);
criterion_main!(payload);
