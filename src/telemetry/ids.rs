//! Trace and span ids from a per-thread xoshiro256++ seeded by std's
//! `RandomState` (the `getrandom` system call), not the SDK's default.
//!
//! Why: the SDK's generator seeds `rand` through getrandom 0.3, which in a
//! static glibc binary cannot find the system call's libc wrapper and
//! falls back to reading `/dev/urandom`; without that file (the image's
//! filesystem in a chroot, scripts/test.d/65-image.sh) every new span
//! panicked and the call died with it. Ids need uniqueness and
//! unpredictability enough for sampling decisions, not cryptographic
//! strength; 128 bits of OS entropy per thread give both.

use std::cell::Cell;

use opentelemetry::trace::{SpanId, TraceId};

/// The id generator of our tracer provider, and of the trace ids the
/// trace layer samples root calls by.
#[derive(Debug)]
pub(crate) struct Ids;

thread_local! {
    static ID_STATE: Cell<[u64; 4]> = Cell::new(id_seed());
}

fn id_seed() -> [u64; 4] {
    use std::hash::BuildHasher as _;
    let keys = std::hash::RandomState::new();
    let mut state = [0_u64; 4];
    for (i, word) in (0_u64..).zip(&mut state) {
        *word = keys.hash_one(i);
    }
    if state == [0; 4] {
        state[0] = 1; // the one state xoshiro cannot leave
    }
    state
}

/// The next xoshiro256++ output of this thread's state.
fn next_id_word() -> u64 {
    ID_STATE.with(|cell| {
        let mut s = cell.get();
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        cell.set(s);
        result
    })
}

impl opentelemetry_sdk::trace::IdGenerator for Ids {
    fn new_trace_id(&self) -> TraceId {
        loop {
            let id = (u128::from(next_id_word()) << 64) | u128::from(next_id_word());
            if id != 0 {
                return TraceId::from_bytes(id.to_be_bytes());
            }
        }
    }

    fn new_span_id(&self) -> SpanId {
        loop {
            let id = next_id_word();
            if id != 0 {
                return SpanId::from_bytes(id.to_be_bytes());
            }
        }
    }
}
