//! The hook the adapter calls once per answered payload, the payload's
//! counterpart of `interpret::Observe`: the metrics and the call's span
//! implement it, so the adapter names neither.

use std::fmt;

use super::{Outcome, PayloadKind};

/// Watches answered payloads: told of each `InterpretPayload` answer
/// (a body over the size limit included, as `Unrecognized`). Only
/// bounded values: the kind, the verdict's outcome and the item count,
/// never anything of the body.
pub(crate) trait ObservePayload: fmt::Debug + Send + Sync {
    /// Notes one answered payload.
    fn payload_interpreted(&self, kind: PayloadKind, outcome: Outcome, items: usize);
}

/// No one watching (tests, benches).
impl ObservePayload for () {
    fn payload_interpreted(&self, _: PayloadKind, _: Outcome, _: usize) {}
}

/// Both, in order.
impl<A: ObservePayload, B: ObservePayload> ObservePayload for (A, B) {
    fn payload_interpreted(&self, kind: PayloadKind, outcome: Outcome, items: usize) {
        self.0.payload_interpreted(kind, outcome, items);
        self.1.payload_interpreted(kind, outcome, items);
    }
}

/// One that may be off (traces are, unless configured).
impl<O: ObservePayload> ObservePayload for Option<O> {
    fn payload_interpreted(&self, kind: PayloadKind, outcome: Outcome, items: usize) {
        if let Some(observer) = self {
            observer.payload_interpreted(kind, outcome, items);
        }
    }
}
