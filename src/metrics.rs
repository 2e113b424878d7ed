//! Prometheus metrics, served on their own port (`--metrics-addr`, see
//! [`http`]): calls per RPC and gRPC status, latency and in-flight calls
//! (recorded by the server's tower layer through [`calls`]), interpretations by
//! identification, decision source, category and reason (recorded by the
//! service adapter), catalog
//! overlay reloads by outcome (from the catalog store's status channel,
//! see [`Metrics::observe_reloads`]), and build info.
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

use crate::catalog::{Catalog, Category};
use crate::grpc::RPCS;
use crate::interpret::{AnswerKey, DecisionSource, Identification, Interpretation};
use crate::reload::ReloadStatus;

/// The index in `RPCS` of the call to an HTTP/2 `path`
/// (`/<service>/<method>`), or `RPCS.len()` for any other path.
pub(crate) fn rpc_index(path: &str) -> usize {
    path.strip_prefix('/')
        .and_then(|p| p.split_once('/'))
        .and_then(|(service, method)| RPCS.iter().position(|&(s, m)| s == service && m == method))
        .unwrap_or(RPCS.len())
}

/// The label of whatever has no label of its own.
const OTHER: &str = "other";

/// The gRPC status code UNKNOWN, for a status that cannot be read.
pub(crate) const UNKNOWN: usize = 2;

/// gRPC status codes by number, as the gRPC spec names them.
const GRPC_CODES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// `vei_interpretations_total`'s `identification` values, by index.
const IDENTIFICATION_LABELS: [&str; 5] = [
    "EXACT_CODE",
    "LEGACY_CODE",
    "UNKNOWN_CODE",
    "UNKNOWN_TYPE",
    "NO_ERROR_BODY",
];

/// `vei_interpretations_total`'s `decided_by` values, by index.
const DECISION_LABELS: [&str; 5] = [
    "CATALOG",
    "RESOLUTION",
    "TYPE_TABLE",
    "HTTP_STATUS",
    "DEFAULT",
];

/// `vei_interpretations_total`'s `category` values, by `category_index`.
const CATEGORY_LABELS: [&str; 15] = [
    "CONNECTIVITY",
    "CHARGING",
    "CLOSURE",
    "VEHICLE_IN_USE",
    "POWER",
    "UNKNOWN",
    "OTHER",
    "ACCESS",
    "ACCOUNT",
    "RATE_LIMIT",
    "BILLING",
    "COMPATIBILITY",
    "UPSTREAM",
    "PROVIDER",
    "REQUEST",
];

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
/// catalog's fixed reasons, never a caller's code).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InterpretationLabels {
    identification: &'static str,
    decided_by: &'static str,
    category: &'static str,
    reason: String,
}

/// The server's metrics; cheap to clone (one registry, shared).
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    handled: Family<HandledLabels, Counter>,
    latency: Family<RpcLabels, Histogram, fn() -> Histogram>,
    in_flight: Family<RpcLabels, Gauge>,
    interpretations: Family<InterpretationLabels, Counter>,
    catalog_reloads: Family<[(&'static str, &'static str); 1], Counter>,
    catalog_last_reload_ok: Gauge,
    /// Per entry of `RPCS`, then one for `other`.
    rpcs: Box<[RpcHandles]>,
    /// How many vehicle-state entries come before the table's answers in
    /// `interpretation_handles`.
    entries: usize,
    /// One per (answer, identification, decision), in that order of
    /// nesting, created at first use; see `record_interpretation`.
    interpretation_handles: Box<[OnceLock<Counter>]>,
}

/// One RPC's handles, resolved at first use.
#[derive(Default)]
struct RpcHandles {
    in_flight: OnceLock<Gauge>,
    latency: OnceLock<Histogram>,
    handled: [OnceLock<Counter>; GRPC_CODES.len()],
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
    pub fn new(catalog: &Catalog) -> Self {
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
            "Interpreted errors (Interpret and each BatchInterpret item) by identification, decision source, category and reason",
            interpretations.clone(),
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
        // Process-wide, like the tracer (src/tracing_otel.rs); 0 while off.
        registry.register(
            "vei_trace_spans_dropped",
            "Trace spans dropped instead of exported: the export queue was full, or an export to the collector failed or timed out",
            crate::tracing_otel::spans_dropped().clone(),
        );
        // An overlay changes words and delays, never which answers exist,
        // so these sizes hold for every snapshot of the catalog.
        let entries = catalog.list().len();
        let answers = entries + catalog.table().answers().len();
        let interpretation_handles =
            (0..answers * IDENTIFICATION_LABELS.len() * DECISION_LABELS.len())
                .map(|_| OnceLock::new())
                .collect();
        Self {
            inner: Arc::new(Inner {
                registry,
                handled,
                latency,
                in_flight,
                interpretations,
                catalog_reloads,
                catalog_last_reload_ok,
                rpcs: (0..=RPCS.len()).map(|_| RpcHandles::default()).collect(),
                entries,
                interpretation_handles,
            }),
        }
    }

    /// The metrics in the OpenMetrics text format.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(8 * 1024);
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.inner.registry);
        out
    }

    /// The metrics in the classic Prometheus text format (0.0.4), which
    /// `promtool check metrics` and scrapers without an `Accept` header
    /// read.
    pub fn encode_classic(&self) -> String {
        classic::from_openmetrics(&self.encode())
    }

    /// Follows the catalog store's reload status into
    /// `vei_catalog_reloads_total` and `vei_catalog_last_reload_ok`. The
    /// future runs until dropped: the server polls it alongside itself.
    pub fn observe_reloads(
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

    /// Counts one interpretation under its reason, kinds and category.
    pub(crate) fn record_interpretation(&self, interpretation: &Interpretation<'_, '_>) {
        let inner = &*self.inner;
        let answer = match interpretation.key {
            AnswerKey::Entry(id) => id.index(),
            AnswerKey::Table(id) => inner.entries + id.index(),
        };
        let identification = identification_index(interpretation.identification);
        let decided_by = decision_index(interpretation.decided_by);
        let index = (answer * IDENTIFICATION_LABELS.len() + identification) * DECISION_LABELS.len()
            + decided_by;
        let Some(cell) = inner.interpretation_handles.get(index) else {
            return;
        };
        cell.get_or_init(|| {
            let labels = InterpretationLabels {
                identification: IDENTIFICATION_LABELS[identification],
                decided_by: DECISION_LABELS[decided_by],
                category: CATEGORY_LABELS[category_index(interpretation.category)],
                reason: interpretation.reason.to_owned(),
            };
            inner.interpretations.get_or_create(&labels).clone()
        })
        .inc();
    }
}

/// An interpretation's identification, decision source and category, as
/// the metric labels them (and the trace spans, `tracing_otel`).
pub(crate) fn interpretation_labels(interpretation: &Interpretation<'_, '_>) -> [&'static str; 3] {
    [
        IDENTIFICATION_LABELS[identification_index(interpretation.identification)],
        DECISION_LABELS[decision_index(interpretation.decided_by)],
        CATEGORY_LABELS[category_index(interpretation.category)],
    ]
}

fn identification_index(i: Identification) -> usize {
    match i {
        Identification::ExactCode => 0,
        Identification::LegacyCode => 1,
        Identification::UnknownCode => 2,
        Identification::UnknownType => 3,
        Identification::NoErrorBody => 4,
    }
}

fn decision_index(d: DecisionSource) -> usize {
    match d {
        DecisionSource::Catalog => 0,
        DecisionSource::Resolution => 1,
        DecisionSource::TypeTable => 2,
        DecisionSource::HttpStatus => 3,
        DecisionSource::Default => 4,
    }
}

fn category_index(category: Category) -> usize {
    match category {
        Category::Connectivity => 0,
        Category::Charging => 1,
        Category::Closure => 2,
        Category::VehicleInUse => 3,
        Category::Power => 4,
        Category::Unknown => 5,
        Category::Other => 6,
        Category::Access => 7,
        Category::Account => 8,
        Category::RateLimit => 9,
        Category::Billing => 10,
        Category::Compatibility => 11,
        Category::Upstream => 12,
        Category::Provider => 13,
        Category::Request => 14,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interpret::{Context, Input, interpret};

    fn structured(code: &str) -> Input<'_> {
        Input::Structured {
            error_type: "VEHICLE_STATE",
            code,
        }
    }

    /// Reload outcomes so far become counters by outcome, and a rejected
    /// latest overlay turns the "last reload ok" gauge to 0 until a good
    /// one is applied.
    #[tokio::test]
    async fn reload_outcomes_are_counted() {
        let catalog = Arc::new(Catalog::embedded().unwrap());
        let store = crate::reload::CatalogStore::<()>::new(Arc::clone(&catalog), "the app");
        let metrics = Metrics::new(&catalog);
        let observer = metrics.observe_reloads(store.subscribe());
        tokio::pin!(observer);
        // Polls the observer until it waits for the next change, having
        // recorded the status as it is now.
        let mut catch_up = async || {
            tokio::select! {
                biased;
                () = &mut observer => unreachable!("the observer never ends"),
                () = std::future::ready(()) => {}
            }
        };
        let good = br#"{"defaultAppName": "Fleet"}"#;
        store.apply_overlay(good).unwrap();
        store
            .apply_overlay(br#"{"entries": {"NOT_A_CODE": {}}}"#)
            .unwrap_err();
        catch_up().await;
        let text = metrics.encode();
        assert!(
            text.contains(r#"vei_catalog_reloads_total{outcome="applied"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"vei_catalog_reloads_total{outcome="rejected"} 1"#),
            "{text}"
        );
        assert!(text.contains("vei_catalog_last_reload_ok 0"), "{text}");
        store.apply_overlay(good).unwrap();
        store.remove_overlay();
        catch_up().await;
        let text = metrics.encode();
        assert!(
            text.contains(r#"vei_catalog_reloads_total{outcome="applied"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(r#"vei_catalog_reloads_total{outcome="removed"} 1"#),
            "{text}"
        );
        assert!(text.contains("vei_catalog_last_reload_ok 1"), "{text}");
    }

    /// Every family has a HELP ending in exactly one period, in both
    /// formats; the build metric is a gauge of 1 in both.
    #[test]
    fn help_ends_in_one_period_and_build_info_is_a_gauge() {
        let metrics = Metrics::new(&Catalog::embedded().unwrap());
        for text in [metrics.encode(), metrics.encode_classic()] {
            let helps: Vec<&str> = text.lines().filter(|l| l.starts_with("# HELP ")).collect();
            // Families without a series yet are not written.
            assert!(helps.len() >= 3, "{text}");
            for help in helps {
                assert!(help.ends_with('.') && !help.ends_with(".."), "{help}");
            }
            assert!(text.contains("# TYPE vei_build_info gauge\n"), "{text}");
            assert!(
                text.contains("vei_catalog_reloads_total{outcome=\"rejected\"} 0\n"),
                "{text}"
            );
            assert!(
                text.contains(&format!(
                    "vei_build_info{{version=\"{}\"}} 1\n",
                    env!("CARGO_PKG_VERSION")
                )),
                "{text}"
            );
        }
    }

    /// Interpretations are labelled with their reason, kinds and category;
    /// a caller's unknown code never becomes a label value.
    #[test]
    fn labels_are_reasons_never_raw_codes() {
        let built_from = Catalog::embedded().unwrap();
        let reloaded = Catalog::embedded().unwrap();
        let metrics = Metrics::new(&built_from);
        for code in ["DOOR_OPEN", "MADE_UP_BY_A_CALLER"] {
            let interpretation = interpret(&reloaded, structured(code), &Context::default());
            metrics.record_interpretation(&interpretation.unwrap());
        }
        let text = metrics.encode();
        for series in [
            r#"vei_interpretations_total{identification="EXACT_CODE",decided_by="CATALOG",category="CLOSURE",reason="VEHICLE_STATE_DOOR_OPEN"} 1"#,
            r#"vei_interpretations_total{identification="UNKNOWN_CODE",decided_by="CATALOG",category="UNKNOWN",reason="VEHICLE_STATE_UNKNOWN"} 1"#,
        ] {
            assert!(text.contains(series), "{series} in {text}");
        }
        assert!(!text.contains("MADE_UP"), "{text}");
    }
}
