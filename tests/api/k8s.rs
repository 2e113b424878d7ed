//! The rendered Kubernetes manifests (`kubectl kustomize k8s/overlays/<env>`)
//! against the real binary: the probes dial the port the server listens on
//! and ask for names it registers, scraping finds the metrics, and the
//! shutdown budget fits the grace period.

use std::net::SocketAddr;

use tonic_health::pb::health_check_response::ServingStatus;
use vehicle_error_interpreter::server::HEALTH_SERVICE_NAMES;
use vehicle_error_interpreter::telemetry::FLUSH_TIMEOUT;

use crate::helpers::{BinaryServer, Manifest, health_client, http_get, probe_once};

/// The overlays a test checks.
const OVERLAYS: [&str; 2] = ["dev", "prod"];

/// Every overlay's probes dial the health-only listener (the ConfigMap's
/// `VEI_HEALTH_ADDR`, all interfaces, since probes dial the Pod IP; it is
/// exempt from `VEI_MAX_CONNECTIONS`, so a connection flood cannot fail
/// the probes), and each asks for a name the running binary answers
/// SERVING there; liveness and startup ask for "", which no catalog state
/// changes. The scrape annotations point at the metrics the binary serves.
#[tokio::test]
async fn probes_and_scraping_match_what_the_server_serves() {
    for overlay in OVERLAYS {
        let manifest = Manifest::render(overlay);
        let listen: SocketAddr = manifest.env("VEI_LISTEN_ADDR").parse().unwrap();
        let metrics: SocketAddr = manifest.env("VEI_METRICS_ADDR").parse().unwrap();
        let health_listen: SocketAddr = manifest.env("VEI_HEALTH_ADDR").parse().unwrap();
        assert!(listen.ip().is_unspecified() && metrics.ip().is_unspecified());
        assert!(health_listen.ip().is_unspecified());
        assert_ne!(health_listen.port(), listen.port());
        assert_eq!(manifest.container_port("grpc"), listen.port(), "{overlay}");
        assert_eq!(
            manifest.container_port("health"),
            health_listen.port(),
            "{overlay}"
        );
        assert_eq!(
            manifest.container_port("metrics"),
            metrics.port(),
            "{overlay}"
        );

        // The manifest's own settings; only the addresses are moved to
        // ephemeral loopback ports (flags win over the environment).
        let mount = tempfile::tempdir().unwrap();
        let server = BinaryServer::start_with_env(&manifest.pod_env(mount.path()), &[]);
        let mut health = health_client(server.health_addr.expect("a health-only listener")).await;
        for which in ["startupProbe", "readinessProbe", "livenessProbe"] {
            let probe = manifest.probe(which);
            assert_eq!(probe.port, health_listen.port(), "{overlay} {which} port");
            assert!(
                HEALTH_SERVICE_NAMES.contains(&probe.service.as_str()),
                "{overlay} {which} asks for {:?}",
                probe.service
            );
            assert_eq!(
                probe_once(&mut health, &probe.service).await,
                Some(ServingStatus::Serving),
                "{overlay} {which}"
            );
        }
        assert_eq!(manifest.probe("livenessProbe").service, "");
        assert_eq!(manifest.probe("startupProbe").service, "");

        let annotations = &manifest.object("Deployment", "vehicle-error-interpreter")["spec"]["template"]
            ["metadata"]["annotations"];
        assert_eq!(
            annotations["prometheus.io/port"],
            metrics.port().to_string()
        );
        let path = annotations["prometheus.io/path"].as_str().unwrap();
        let (status, _) = http_get(server.metrics_addr, path).await;
        assert_eq!(status, "HTTP/1.1 200 OK", "{overlay} scrape of {path}");

        let headless = &manifest.object("Service", "vehicle-error-interpreter-headless")["spec"];
        assert_eq!(headless["clusterIP"], "None");
        assert_eq!(headless["ports"][0]["targetPort"], "grpc");
        assert_eq!(headless["ports"][0]["appProtocol"], "kubernetes.io/h2c");
    }
}

/// The kubelet, not SIGKILL, sees the end of every drain: preStop sleep,
/// then the server's lame duck and drain budget, then the bounded flush of
/// trace spans (`telemetry::FLUSH_TIMEOUT`), fit in the grace period;
/// and the readiness period is shorter than the lame duck, so the kubelet
/// probes at least once while health says NOT_SERVING and the server
/// still answers.
#[test]
fn shutdown_budget_fits_the_grace_period() {
    for overlay in OVERLAYS {
        let manifest = Manifest::render(overlay);
        let delay = manifest.env_duration("VEI_SHUTDOWN_DELAY");
        let drain = manifest.env_duration("VEI_DRAIN_TIMEOUT");
        let budget = manifest.pre_stop_sleep() + delay + drain + FLUSH_TIMEOUT;
        assert!(
            budget < manifest.grace_period(),
            "{overlay}: preStop + shutdown delay + drain timeout + trace flush = {budget:?}, grace {:?}",
            manifest.grace_period()
        );
        let readiness = manifest.probe("readinessProbe");
        assert!(
            readiness.period * readiness.failure_threshold < delay,
            "{overlay}: readiness fails after {:?}, lame duck lasts {delay:?}",
            readiness.period * readiness.failure_threshold
        );
    }
}

/// Traces are off in the dev and prod overlays (an empty endpoint, the
/// server's own reading of the ConfigMap) with no egress at all, and
/// overlays/tracing turns them on with egress to exactly DNS and the
/// collector's OTLP/gRPC port.
#[test]
fn traces_are_off_unless_the_tracing_overlay_wires_them() {
    use vehicle_error_interpreter::telemetry::Settings;
    let settings = |manifest: &Manifest| {
        let env = manifest.config_env();
        Settings::from_lookup(|name| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
            .unwrap()
    };
    let egress_ports = |manifest: &Manifest| -> Vec<u64> {
        let policy = manifest.object("NetworkPolicy", "vehicle-error-interpreter");
        let rules = policy["spec"]["egress"].as_array().unwrap();
        rules
            .iter()
            .flat_map(|r| r["ports"].as_array().unwrap())
            .map(|p| p["port"].as_u64().unwrap())
            .collect()
    };
    for overlay in OVERLAYS {
        let manifest = Manifest::render(overlay);
        assert_eq!(manifest.env("OTEL_EXPORTER_OTLP_ENDPOINT"), "", "{overlay}");
        assert_eq!(settings(&manifest), None, "{overlay}");
        assert!(egress_ports(&manifest).is_empty(), "{overlay}");
    }
    let tracing = Manifest::render("tracing");
    let on = settings(&tracing).expect("overlays/tracing turns traces on");
    assert!(on.endpoint.starts_with("http://"), "{on:?}");
    assert_eq!(egress_ports(&tracing), [53, 53, 4317]);
}
