//! The one hook the adapter calls per answer. What watches answers (the
//! metrics, the call's trace span) implements [`Observe`] and is handed to
//! the adapter at start-up, so they depend on the domain and the adapter
//! on none of them (linkerd's shape). It lives beside `interpret` and
//! `payload` rather than in either, because it names both and `payload`
//! already names `interpret`.

use std::fmt;

use crate::interpret::Interpretation;
use crate::payload::{Outcome, PayloadKind};

/// Watches answers: told of each interpretation (every Interpret, and
/// every BatchInterpret item) once its messages are rendered, and of each
/// `InterpretPayload` answer (a body over the size limit included, as
/// `Unrecognized`). A payload is told only bounded values: the kind, the
/// verdict's outcome and the item count, never anything of the body.
pub(crate) trait Observe: fmt::Debug + Send + Sync {
    /// Notes one interpretation.
    fn interpreted(&self, interpretation: &Interpretation<'_, '_>);
    /// Notes one answered payload.
    fn payload_interpreted(&self, kind: PayloadKind, outcome: Outcome, items: usize);
}

/// No one watching (tests, benches).
impl Observe for () {
    fn interpreted(&self, _: &Interpretation<'_, '_>) {}
    fn payload_interpreted(&self, _: PayloadKind, _: Outcome, _: usize) {}
}

/// Both, in order.
impl<A: Observe, B: Observe> Observe for (A, B) {
    fn interpreted(&self, interpretation: &Interpretation<'_, '_>) {
        self.0.interpreted(interpretation);
        self.1.interpreted(interpretation);
    }

    fn payload_interpreted(&self, kind: PayloadKind, outcome: Outcome, items: usize) {
        self.0.payload_interpreted(kind, outcome, items);
        self.1.payload_interpreted(kind, outcome, items);
    }
}

/// One that may be off (traces are, unless configured).
impl<O: Observe> Observe for Option<O> {
    fn interpreted(&self, interpretation: &Interpretation<'_, '_>) {
        if let Some(observer) = self {
            observer.interpreted(interpretation);
        }
    }

    fn payload_interpreted(&self, kind: PayloadKind, outcome: Outcome, items: usize) {
        if let Some(observer) = self {
            observer.payload_interpreted(kind, outcome, items);
        }
    }
}
