//! Prometheus metrics, served on their own port (`--metrics-addr`, see
//! [`http`]): calls per RPC and gRPC status, latency and in-flight calls
//! (recorded by the server's tower layer through [`calls`]),
//! interpretations by identification, decision source, category, scope
//! and reason (the adapter tells [`Metrics`] of each as its observer,
//! `observe::Observe`), catalog overlay reloads by outcome (from the
//! catalog store's status channel, see [`Metrics::observe_reloads`]), and
//! build info. RPC and status-code names come from `grpc::rpc`, label
//! names of the domain's kinds from the domain types themselves.
//!
//! Built on `prometheus-client` rather than `metrics` +
//! `metrics-exporter-prometheus`: its registry is an owned value (no global
//! recorder, so every server in a test process counts on its own), its
//! histograms have fixed memory (the exporter's buffer every sample until
//! an upkeep task drains them), and its metric handles can be resolved
//! once and kept.
//!
//! Cost per call: every label value is a `&'static str` or one of the
//! catalog's fixed reasons, and each label combination's handle is looked
//! up once, at its first use, and cached in a `OnceLock`; after that,
//! recording is a few atomic operations and a short histogram lock, with
//! no allocation. Cardinality is bounded: unknown RPC paths are labelled
//! `other`, and a caller's code never becomes a label (reasons are a
//! fixed vocabulary), so nothing a caller sends becomes a label value.

pub(crate) mod calls;
mod classic;
pub(crate) mod http;

use std::{fmt, future::Future, sync::Arc, sync::OnceLock};

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

use crate::catalog::Catalog;
use crate::grpc::rpc::{self, RPCS};
use crate::interpret::{AnswerKey, DecisionSource, Identification, Interpretation};
use crate::observe::Observe;
use crate::payload::{Outcome, PayloadKind};
use crate::reload::ReloadStatus;

/// The label of whatever has no label of its own.
const OTHER: &str = "other";

/// `vei_catalog_reloads_total`'s `outcome` values.
const RELOAD_OUTCOMES: [&str; 3] = ["applied", "rejected", "removed"];

/// Latency buckets in seconds: loopback calls take ~100 µs end to end and
/// the handlers a few µs, so the resolution is below a millisecond; the top
/// buckets reach the 5 s request timeout.
const LATENCY_BUCKETS: [f64; 15] = [
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0,
];

type RpcLabels = [(&'static str, &'static str); 2];
type HandledLabels = [(&'static str, &'static str); 3];

/// Labels of `vei_interpretations_total`: bounded values only (the
/// catalog's fixed reasons, never a caller's code). `scope` follows from
/// the answer, so it adds no series: one per (answer, identification,
/// decision) as before, five values in all.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InterpretationLabels {
    identification: &'static str,
    decided_by: &'static str,
    category: &'static str,
    scope: &'static str,
    reason: String,
}

/// The server's metrics; cheap to clone (one registry, shared).
#[derive(Clone)]
pub(crate) struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    handled: Family<HandledLabels, Counter>,
    latency: Family<RpcLabels, Histogram, fn() -> Histogram>,
    in_flight: Family<RpcLabels, Gauge>,
    interpretations: Family<InterpretationLabels, Counter>,
    /// By `PayloadKind::ALL` x `Outcome::ALL` index, every series
    /// created at start (16 in all), so recording is one atomic add.
    payloads: Box<[Counter]>,
    catalog_reloads: Family<[(&'static str, &'static str); 1], Counter>,
    catalog_last_reload_ok: Gauge,
    /// Per entry of `RPCS`, then one for `other`.
    rpcs: Box<[RpcHandles]>,
    /// How many vehicle-state entries come before the table's answers in
    /// `interpretation_handles`.
    entries: usize,
    /// One per (answer, identification, decision), in that order of
    /// nesting, created at first use; see `interpreted`.
    interpretation_handles: Box<[OnceLock<Counter>]>,
}

/// One RPC's handles, resolved at first use.
#[derive(Default)]
struct RpcHandles {
    in_flight: OnceLock<Gauge>,
    latency: OnceLock<Histogram>,
    /// By `tonic::Code as usize`.
    handled: [OnceLock<Counter>; rpc::CODES],
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// Registers every metric; `catalog`'s codes are the only code labels
    /// `vei_interpretations_total` will use.
    ///
    /// Help strings are written without a final period: prometheus-client
    /// appends one.
    pub(crate) fn new(catalog: &Catalog) -> Self {
        let mut registry = Registry::default();
        let handled = Family::<HandledLabels, Counter>::default();
        registry.register(
            "grpc_server_handled",
            "Completed gRPC calls by service, method and status code",
            handled.clone(),
        );
        let latency: Family<RpcLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS));
        registry.register(
            "grpc_server_handling_seconds",
            "Time from a call's arrival to its status, by service and method",
            latency.clone(),
        );
        let in_flight = Family::<RpcLabels, Gauge>::default();
        registry.register(
            "grpc_server_in_flight_requests",
            "gRPC calls started and not yet completed, by service and method",
            in_flight.clone(),
        );
        let interpretations = Family::<InterpretationLabels, Counter>::default();
        registry.register(
            "vei_interpretations",
            "Interpreted errors (Interpret and each BatchInterpret item) by identification, decision source, category, scope and reason",
            interpretations.clone(),
        );
        let payload_family = Family::<[(&'static str, &'static str); 2], Counter>::default();
        let payloads = PayloadKind::ALL
            .iter()
            .flat_map(|kind| Outcome::ALL.iter().map(move |outcome| (*kind, *outcome)))
            .map(|(kind, outcome)| {
                payload_family
                    .get_or_create(&[("kind", kind.as_str()), ("outcome", outcome.as_str())])
                    .clone()
            })
            .collect();
        registry.register(
            "vei_payloads",
            "Answered InterpretPayload calls by payload kind and verdict outcome",
            payload_family,
        );
        let catalog_reloads = Family::<[(&'static str, &'static str); 1], Counter>::default();
        // Every outcome from 0, so the first rejected reload is an increase
        // a rule can see (and the family is in every scrape).
        for outcome in RELOAD_OUTCOMES {
            drop(catalog_reloads.get_or_create(&[("outcome", outcome)]));
        }
        registry.register(
            "vei_catalog_reloads",
            "Catalog overlay reloads by outcome: applied, rejected (the last good catalog keeps serving) or removed (the embedded catalog serves again)",
            catalog_reloads.clone(),
        );
        let catalog_last_reload_ok = Gauge::default();
        catalog_last_reload_ok.set(1);
        registry.register(
            "vei_catalog_last_reload_ok",
            "0 while the overlay file on disk is one that was rejected, so the catalog serving is older than the file; else 1",
            catalog_last_reload_ok.clone(),
        );
        // A gauge of 1 named `_info`, Prometheus' convention: the
        // OpenMetrics `info` type is unknown to the classic text format
        // (`promtool check metrics` rejects it).
        let build_info = Family::<[(&'static str, &'static str); 1], Gauge>::default();
        build_info
            .get_or_create(&[("version", env!("CARGO_PKG_VERSION"))])
            .set(1);
        registry.register("vei_build_info", "The running build", build_info);
        // Process-wide, like the tracer (src/telemetry/dropped.rs); 0
        // while off.
        registry.register(
            "vei_trace_spans_dropped",
            "Trace spans dropped instead of exported: the export queue was full, or an export to the collector failed or timed out",
            crate::telemetry::spans_dropped().clone(),
        );
        // An overlay changes words and delays, never which answers exist,
        // so these sizes hold for every snapshot of the catalog.
        let entries = catalog.list().len();
        let answers = entries + catalog.table().answers().len();
        let interpretation_handles =
            (0..answers * Identification::ALL.len() * DecisionSource::ALL.len())
                .map(|_| OnceLock::new())
                .collect();
        Self {
            inner: Arc::new(Inner {
                registry,
                handled,
                latency,
                in_flight,
                interpretations,
                payloads,
                catalog_reloads,
                catalog_last_reload_ok,
                rpcs: (0..=RPCS.len()).map(|_| RpcHandles::default()).collect(),
                entries,
                interpretation_handles,
            }),
        }
    }

    /// The metrics in the OpenMetrics text format.
    pub(crate) fn encode(&self) -> String {
        let mut out = String::with_capacity(8 * 1024);
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.inner.registry);
        out
    }

    /// The metrics in the classic Prometheus text format (0.0.4), which
    /// `promtool check metrics` and scrapers without an `Accept` header
    /// read.
    pub(crate) fn encode_classic(&self) -> String {
        classic::from_openmetrics(&self.encode())
    }

    /// Follows the catalog store's reload status into
    /// `vei_catalog_reloads_total` and `vei_catalog_last_reload_ok`. The
    /// future runs until dropped: the server polls it alongside itself.
    pub(crate) fn observe_reloads(
        &self,
        mut status: tokio::sync::watch::Receiver<ReloadStatus>,
    ) -> impl Future<Output = ()> + Send + 'static {
        let inner = Arc::clone(&self.inner);
        async move {
            // The store's totals, as counted so far.
            let mut counted = [0_u64; 3];
            loop {
                let now = status.borrow_and_update().clone();
                let totals = [now.applied, now.rejected, now.removed];
                for ((outcome, total), seen) in
                    RELOAD_OUTCOMES.into_iter().zip(totals).zip(&mut counted)
                {
                    if total > *seen {
                        inner
                            .catalog_reloads
                            .get_or_create(&[("outcome", outcome)])
                            .inc_by(total - *seen);
                        *seen = total;
                    }
                }
                inner.catalog_last_reload_ok.set(i64::from(now.last_ok()));
                if status.changed().await.is_err() {
                    // The store is gone; nothing more will change.
                    std::future::pending::<()>().await;
                }
            }
        }
    }
}

/// Counts each interpretation under its reason, kinds, category and
/// scope, and each answered payload under its kind and verdict outcome.
impl Observe for Metrics {
    fn interpreted(&self, interpretation: &Interpretation<'_, '_>) {
        let inner = &*self.inner;
        let answer = match interpretation.key {
            AnswerKey::Entry(id) => id.index(),
            AnswerKey::Table(id) => inner.entries + id.index(),
        };
        let index = (answer * Identification::ALL.len() + interpretation.identification as usize)
            * DecisionSource::ALL.len()
            + interpretation.decided_by as usize;
        let Some(cell) = inner.interpretation_handles.get(index) else {
            return;
        };
        cell.get_or_init(|| {
            let labels = InterpretationLabels {
                identification: interpretation.identification.as_str(),
                decided_by: interpretation.decided_by.as_str(),
                category: interpretation.category.as_str(),
                scope: interpretation.advice.scope.as_str(),
                reason: interpretation.reason.to_owned(),
            };
            inner.interpretations.get_or_create(&labels).clone()
        })
        .inc();
    }

    /// Counts each answered payload under its kind and verdict outcome.
    fn payload_interpreted(&self, kind: PayloadKind, outcome: Outcome, _items: usize) {
        let index = kind as usize * Outcome::ALL.len() + outcome as usize;
        if let Some(counter) = self.inner.payloads.get(index) {
            counter.inc();
        }
    }
}

#[cfg(test)]
mod tests;
