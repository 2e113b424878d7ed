//! The one hook the adapter calls per interpretation. What watches
//! interpretations (the metrics, the call's trace span) implements
//! [`Observe`] and is handed to the adapter at start-up, so they depend on
//! the domain and the adapter on none of them (linkerd's shape).

use std::fmt;

use super::Interpretation;

/// Watches interpretations: told of each one (every Interpret, and every
/// BatchInterpret item) once its messages are rendered.
pub(crate) trait Observe: fmt::Debug + Send + Sync {
    /// Notes one interpretation.
    fn interpreted(&self, interpretation: &Interpretation<'_, '_>);
}

/// No one watching (tests, benches).
impl Observe for () {
    fn interpreted(&self, _: &Interpretation<'_, '_>) {}
}

/// Both, in order.
impl<A: Observe, B: Observe> Observe for (A, B) {
    fn interpreted(&self, interpretation: &Interpretation<'_, '_>) {
        self.0.interpreted(interpretation);
        self.1.interpreted(interpretation);
    }
}

/// One that may be off (traces are, unless configured).
impl<O: Observe> Observe for Option<O> {
    fn interpreted(&self, interpretation: &Interpretation<'_, '_>) {
        if let Some(observer) = self {
            observer.interpreted(interpretation);
        }
    }
}
