//! The control-frame budget of one connection.

use tokio::time::Instant;

use super::CONTROL_FRAME_BURST;

/// A token bucket of [`CONTROL_FRAME_BURST`] refilled at `rate` per second.
#[derive(Debug)]
pub(super) struct Bucket {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    /// A full bucket.
    pub(super) fn new(rate: u32) -> Self {
        Self {
            rate: f64::from(rate),
            tokens: f64::from(CONTROL_FRAME_BURST),
            last: Instant::now(),
        }
    }

    /// Spends a token, if there is one after the refill since last time.
    pub(super) fn take(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(f64::from(CONTROL_FRAME_BURST));
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Gives a token back, up to the burst.
    pub(super) fn refund(&mut self) {
        self.tokens = (self.tokens + 1.0).min(f64::from(CONTROL_FRAME_BURST));
    }
}
