//! The classic Prometheus text format (0.0.4), converted from the
//! OpenMetrics text `prometheus-client` writes (it has no encoder of its
//! own for the classic format, and its descriptor encoder is private).
//!
//! Served to scrapers that send no `Accept` header or ask for `text/plain`:
//! `curl | promtool check metrics`, Go's client, older Prometheus. The two
//! formats share their sample lines; what differs is per family:
//!
//! - a counter family `foo` (samples `foo_total`) is `# TYPE foo_total
//!   counter` with its `# HELP` under the same name, and its `foo_created`
//!   samples are dropped;
//! - an info family `foo` (sample `foo_info`, value 1) becomes a gauge
//!   `foo_info`, Prometheus' convention for info metrics;
//! - `unknown` is `untyped`; `# UNIT` and `# EOF` are dropped.
//!
//! Exemplars (`value # {...}` in OpenMetrics) have no classic form; these
//! metrics record none, so sample lines are copied as they are.

/// `openmetrics` (as `prometheus_client::encoding::text::encode` writes
/// it) in the classic text format.
pub(crate) fn from_openmetrics(openmetrics: &str) -> String {
    let mut out = String::with_capacity(openmetrics.len());
    // The HELP of the family being read, written once its TYPE is known
    // (prometheus-client writes HELP first).
    let mut help: Option<(&str, &str)> = None;
    // Sample names to drop in the current family (a counter's `_created`).
    let mut created = String::new();
    for line in openmetrics.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            help = Some(rest.split_once(' ').unwrap_or((rest, "")));
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, "untyped"));
            let (suffix, kind) = match kind {
                "counter" => ("_total", "counter"),
                "info" => ("_info", "gauge"),
                "unknown" => ("", "untyped"),
                other => ("", other),
            };
            created.clear();
            if kind == "counter" {
                created.push_str(name);
                created.push_str("_created");
            }
            if let Some((help_name, text)) = help.take()
                && help_name == name
            {
                push_line(&mut out, &["# HELP ", name, suffix, " ", text]);
            }
            push_line(&mut out, &["# TYPE ", name, suffix, " ", kind]);
        } else if line.starts_with('#') || line.is_empty() {
            // `# UNIT`, `# EOF`: nothing in the classic format.
        } else if created.is_empty() || !is_sample_of(line, &created) {
            push_line(&mut out, &[line]);
        }
    }
    out
}

fn push_line(out: &mut String, parts: &[&str]) {
    for part in parts {
        out.push_str(part);
    }
    out.push('\n');
}

/// Whether the sample `line` is of the series named `name`.
fn is_sample_of(line: &str, name: &str) -> bool {
    line.strip_prefix(name)
        .is_some_and(|rest| rest.starts_with(['{', ' ']))
}

#[cfg(test)]
mod tests {
    use prometheus_client::{
        metrics::{
            counter::Counter, family::Family, gauge::Gauge, histogram::Histogram, info::Info,
        },
        registry::{Registry, Unit},
    };

    use super::from_openmetrics;

    fn openmetrics(registry: &Registry) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, registry).unwrap();
        text
    }

    /// Every family type prometheus-client writes, converted line by line.
    #[test]
    fn converts_each_family_type() {
        let mut registry = Registry::default();
        let calls = Family::<[(&str, &str); 1], Counter>::default();
        calls.get_or_create(&[("code", "OK")]).inc_by(3);
        registry.register("calls", "Calls by code", calls);
        let plain = Counter::<u64>::default();
        plain.inc();
        registry.register("plain", "A counter without labels", plain);
        let in_flight = Gauge::<i64>::default();
        in_flight.set(2);
        registry.register("in_flight", "Calls in flight", in_flight);
        let latency = Histogram::new([0.1, 1.0]);
        latency.observe(0.5);
        registry.register_with_unit("latency", "Latency", Unit::Seconds, latency);
        registry.register("build", "The build", Info::new([("version", "1.2.3")]));

        let om = openmetrics(&registry);
        assert!(om.contains("# TYPE calls counter\n"), "{om}");
        assert!(om.contains("# TYPE build info\n"), "{om}");
        assert_eq!(
            from_openmetrics(&om),
            "# HELP calls_total Calls by code.\n\
             # TYPE calls_total counter\n\
             calls_total{code=\"OK\"} 3\n\
             # HELP plain_total A counter without labels.\n\
             # TYPE plain_total counter\n\
             plain_total 1\n\
             # HELP in_flight Calls in flight.\n\
             # TYPE in_flight gauge\n\
             in_flight 2\n\
             # HELP latency_seconds Latency.\n\
             # TYPE latency_seconds histogram\n\
             latency_seconds_sum 0.5\n\
             latency_seconds_count 1\n\
             latency_seconds_bucket{le=\"0.1\"} 0\n\
             latency_seconds_bucket{le=\"1.0\"} 1\n\
             latency_seconds_bucket{le=\"+Inf\"} 1\n\
             # HELP build_info The build.\n\
             # TYPE build_info gauge\n\
             build_info{version=\"1.2.3\"} 1\n"
        );
    }

    /// A counter's `_created` samples are dropped; a gauge whose name only
    /// starts like one is kept.
    #[test]
    fn drops_created_samples() {
        let om = "# HELP c A counter.\n# TYPE c counter\nc_total 1\nc_created 1700000000.0\n\
                  # HELP c_created_at A gauge.\n# TYPE c_created_at gauge\nc_created_at 5\n# EOF\n";
        assert_eq!(
            from_openmetrics(om),
            "# HELP c_total A counter.\n# TYPE c_total counter\nc_total 1\n\
             # HELP c_created_at A gauge.\n# TYPE c_created_at gauge\nc_created_at 5\n"
        );
    }
}
