//! Log lines about refused and tripped connections, kept rare: a flood
//! must not turn into a flood of log lines.

use std::{
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// The shortest time between two `warn` lines about refused or tripped
/// connections.
pub(super) const LOG_INTERVAL: Duration = Duration::from_secs(60);

/// A log line at most once per [`LOG_INTERVAL`], counting the events in
/// between.
#[derive(Debug, Default)]
pub(super) struct Throttled {
    next: Mutex<Option<Instant>>,
    events: AtomicU64,
}

impl Throttled {
    /// Counts one event; `Some(events since the last line)` when a line is
    /// due now.
    pub(super) fn due(&self) -> Option<u64> {
        let events = self.events.fetch_add(1, Ordering::Relaxed) + 1;
        let now = Instant::now();
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        if next.is_some_and(|at| now < at) {
            return None;
        }
        *next = Some(now + LOG_INTERVAL);
        self.events.fetch_sub(events, Ordering::Relaxed);
        Some(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One line, then silence for the interval, with the count carried.
    #[test]
    fn throttled_log() {
        let log = Throttled::default();
        assert_eq!(log.due(), Some(1));
        for _ in 0..1000 {
            assert_eq!(log.due(), None);
        }
        assert_eq!(log.events.load(Ordering::Relaxed), 1000);
    }
}
