//! The rendered Kubernetes manifests (`kubectl kustomize k8s/overlays/<env>`)
//! read as JSON, and what the kubelet does with them: its gRPC probe.

use std::{net::SocketAddr, process::Command, time::Duration};

use serde::Deserialize as _;
use serde_json::Value;
use tonic::transport::Channel;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

use super::connect;

/// One overlay's rendered objects.
pub(crate) struct Manifest {
    objects: Vec<Value>,
}

/// A native gRPC probe.
#[derive(Debug)]
pub(crate) struct GrpcProbe {
    pub(crate) port: u16,
    pub(crate) service: String,
    pub(crate) period: Duration,
    pub(crate) failure_threshold: u32,
}

impl Manifest {
    /// Renders `k8s/overlays/<overlay>` with kubectl's built-in kustomize.
    pub(crate) fn render(overlay: &str) -> Self {
        let dir = format!("{}/k8s/overlays/{overlay}", env!("CARGO_MANIFEST_DIR"));
        let output = Command::new("kubectl")
            .args(["kustomize", &dir])
            .output()
            .expect("run kubectl (see k8s/README.md); it renders the manifests under test");
        assert!(
            output.status.success(),
            "kubectl kustomize {dir}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let yaml = String::from_utf8(output.stdout).unwrap();
        let objects = serde_yaml_ng::Deserializer::from_str(&yaml)
            .map(|doc| Value::deserialize(doc).unwrap())
            .collect();
        Self { objects }
    }

    /// The object of `kind` named `name`.
    pub(crate) fn object(&self, kind: &str, name: &str) -> &Value {
        self.objects
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} {name}"))
    }

    /// The Deployment's pod template spec.
    fn pod_spec(&self) -> &Value {
        &self.object("Deployment", "vehicle-error-interpreter")["spec"]["template"]["spec"]
    }

    /// The server container.
    pub(crate) fn container(&self) -> &Value {
        let containers = self.pod_spec()["containers"].as_array().unwrap();
        containers.iter().find(|c| c["name"] == "server").unwrap()
    }

    /// The container port called `name`.
    pub(crate) fn container_port(&self, name: &str) -> u16 {
        let ports = self.container()["ports"].as_array().unwrap();
        let port = ports.iter().find(|p| p["name"] == name).unwrap();
        u16::try_from(port["containerPort"].as_u64().unwrap()).unwrap()
    }

    /// The environment the container gets from its ConfigMap.
    pub(crate) fn config_env(&self) -> Vec<(String, String)> {
        let name = self.container()["envFrom"][0]["configMapRef"]["name"]
            .as_str()
            .unwrap();
        let data = self.object("ConfigMap", name)["data"].as_object().unwrap();
        data.iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect()
    }

    /// The container's environment as a pod would see it with its volumes
    /// mounted under `root`: the catalog overlay's mount must be the
    /// directory `VEI_CATALOG_OVERLAY` names (a directory mount of an
    /// optional ConfigMap, never `subPath`, or reloads never arrive), and
    /// that path moves under `root`, which stands for the empty directory
    /// kubelet mounts while the ConfigMap does not exist.
    pub(crate) fn pod_env(&self, root: &std::path::Path) -> Vec<(String, String)> {
        let overlay = std::path::PathBuf::from(self.env("VEI_CATALOG_OVERLAY"));
        let mounts = self.container()["volumeMounts"].as_array().unwrap();
        let mount = mounts
            .iter()
            .find(|m| m["name"] == "catalog-overlay")
            .expect("a catalog-overlay volume mount");
        assert_eq!(
            mount["mountPath"].as_str(),
            overlay.parent().and_then(|p| p.to_str()),
            "VEI_CATALOG_OVERLAY is a file in the mounted directory"
        );
        assert!(
            mount.get("subPath").is_none(),
            "subPath mounts never update"
        );
        let volumes = self.pod_spec()["volumes"].as_array().unwrap();
        let volume = volumes
            .iter()
            .find(|v| v["name"] == "catalog-overlay")
            .unwrap();
        assert_eq!(volume["configMap"]["optional"], true);
        let file = overlay.file_name().unwrap();
        self.config_env()
            .into_iter()
            .map(|(k, v)| match k.as_str() {
                "VEI_CATALOG_OVERLAY" => (k, root.join(file).to_str().unwrap().to_owned()),
                _ => (k, v),
            })
            .collect()
    }

    /// The ConfigMap's value for `var`.
    pub(crate) fn env(&self, var: &str) -> String {
        let env = self.config_env();
        let found = env.into_iter().find(|(k, _)| k == var);
        found
            .unwrap_or_else(|| panic!("{var} not in the ConfigMap"))
            .1
    }

    /// The ConfigMap's duration `var`, such as `VEI_SHUTDOWN_DELAY`.
    pub(crate) fn env_duration(&self, var: &str) -> Duration {
        humantime::parse_duration(&self.env(var)).unwrap()
    }

    /// The `startupProbe`, `readinessProbe` or `livenessProbe`.
    pub(crate) fn probe(&self, which: &str) -> GrpcProbe {
        let probe = &self.container()[which];
        let grpc = &probe["grpc"];
        GrpcProbe {
            port: u16::try_from(grpc["port"].as_u64().expect("numeric gRPC probe port")).unwrap(),
            // Kubernetes' default service name is "".
            service: grpc["service"].as_str().unwrap_or_default().to_owned(),
            period: seconds(&probe["periodSeconds"]),
            failure_threshold: u32::try_from(probe["failureThreshold"].as_u64().unwrap()).unwrap(),
        }
    }

    /// `terminationGracePeriodSeconds`.
    pub(crate) fn grace_period(&self) -> Duration {
        seconds(&self.pod_spec()["terminationGracePeriodSeconds"])
    }

    /// `lifecycle.preStop.sleep.seconds`.
    pub(crate) fn pre_stop_sleep(&self) -> Duration {
        seconds(&self.container()["lifecycle"]["preStop"]["sleep"]["seconds"])
    }
}

/// A manifest's whole seconds as a `Duration`.
fn seconds(value: &Value) -> Duration {
    Duration::from_secs(
        value
            .as_u64()
            .unwrap_or_else(|| panic!("{value} is not seconds")),
    )
}

/// A health client on `addr`.
pub(crate) async fn health_client(addr: SocketAddr) -> HealthClient<Channel> {
    HealthClient::new(connect(addr).await)
}

/// What the kubelet's gRPC probe does: one `Check` bounded by the probe's
/// 1 s timeout. `None` when the call fails.
pub(crate) async fn probe_once(
    health: &mut HealthClient<Channel>,
    service: &str,
) -> Option<ServingStatus> {
    let request = HealthCheckRequest {
        service: service.to_owned(),
    };
    let call = health.check(request);
    match tokio::time::timeout(Duration::from_secs(1), call).await {
        Ok(Ok(response)) => Some(response.into_inner().status()),
        _ => None,
    }
}
