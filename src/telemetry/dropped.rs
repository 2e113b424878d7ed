//! Counting the spans that are never exported, in
//! `vei_trace_spans_dropped_total`.
//!
//! Ending a span never waits: the span goes into a bounded queue
//! (`OTEL_BSP_MAX_QUEUE_SIZE`, default 2048) or, when the queue is full,
//! is dropped. The SDK counts neither those drops nor the spans of a
//! failed export, so [`Bounded`] and [`Counted`] wrap the batch processor
//! and the exporter and count both; the exit flush counts what it could
//! not export in time.

use std::{
    sync::{
        Arc, LazyLock,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use opentelemetry_sdk::{
    Resource,
    error::OTelSdkResult,
    trace::{SpanData, SpanExporter, SpanProcessor},
};
use prometheus_client::metrics::counter::Counter;

/// Spans dropped: queue full, export failed or timed out, or still queued
/// when the exit flush ran out of time. Process-wide like the tracer
/// itself (the global subscriber holds it); registered in every metrics
/// registry, so it reads 0 while tracing is off.
static SPANS_DROPPED: LazyLock<Counter> = LazyLock::new(Counter::default);

/// The counter behind `vei_trace_spans_dropped_total`.
pub(crate) fn spans_dropped() -> &'static Counter {
    &SPANS_DROPPED
}

/// Spans handed to the batch processor and not yet taken by the exporter.
#[derive(Debug)]
pub(super) struct Queue {
    pub(super) pending: AtomicUsize,
    capacity: usize,
    /// The last export failed (logged once per outage).
    pub(super) failing: AtomicBool,
}

impl Queue {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            pending: AtomicUsize::new(0),
            capacity,
            failing: AtomicBool::new(false),
        }
    }

    /// Counts the spans still queued as dropped (the exit flush timed out).
    pub(super) fn drop_pending(&self) -> usize {
        let lost = self.pending.swap(0, Ordering::Relaxed);
        SPANS_DROPPED.inc_by(lost as u64);
        lost
    }
}

/// The batch processor behind a queue bound of our own, so that every span
/// it refuses is counted (the SDK's processor counts only for a log line
/// at shutdown). Its own channel is a little larger, so it never refuses a
/// span we admit.
#[derive(Debug)]
pub(super) struct Bounded<P> {
    pub(super) inner: P,
    pub(super) queue: Arc<Queue>,
}

impl<P: SpanProcessor> SpanProcessor for Bounded<P> {
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, cx: &opentelemetry::Context) {
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        // The processor ignores unsampled spans too.
        if !span.span_context.is_sampled() {
            return;
        }
        if self.queue.pending.fetch_add(1, Ordering::Relaxed) >= self.queue.capacity {
            self.queue.pending.fetch_sub(1, Ordering::Relaxed);
            SPANS_DROPPED.inc();
            return;
        }
        self.inner.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// The exporter, counting the spans of every export that fails or is cut
/// short (the processor's export timeout drops the future).
#[derive(Debug)]
pub(super) struct Counted<E> {
    pub(super) inner: E,
    pub(super) queue: Arc<Queue>,
}

/// Counts `spans` as dropped unless disarmed.
struct DropGuard {
    spans: u64,
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if self.spans > 0 {
            SPANS_DROPPED.inc_by(self.spans);
        }
    }
}

impl<E: SpanExporter> SpanExporter for Counted<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let spans = batch.len();
        self.queue.pending.fetch_sub(spans, Ordering::Relaxed);
        let mut guard = DropGuard {
            spans: spans as u64,
        };
        let result = self.inner.export(batch).await;
        match &result {
            Ok(()) => {
                guard.spans = 0;
                if self.queue.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!("exporting spans works again");
                }
            }
            Err(err) => {
                if !self.queue.failing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        %err,
                        "exporting spans failed; dropping them (vei_trace_spans_dropped_total) until the collector answers"
                    );
                }
            }
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}
