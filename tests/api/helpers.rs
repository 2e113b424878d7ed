//! `TestServer`: the real `serve` on an ephemeral port, with typed clients;
//! `BinaryServer`: the release or debug binary as a child process.

use std::{
    io::{BufRead, BufReader},
    net::SocketAddr,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::Duration,
};

use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use tonic::transport::Channel;
use tonic_health::pb::health_client::HealthClient;
use vehicle_error_interpreter::{
    Catalog, ServerConfig,
    grpc::Catalogs,
    pb::{
        InterpretRequest, StructuredError, interpret_request::Input,
        interpreter_service_client::InterpreterServiceClient,
    },
    reload::CatalogStore,
    server::serve_with_store,
};

/// The server running in this process.
pub(crate) struct TestServer {
    pub(crate) addr: SocketAddr,
    pub(crate) client: InterpreterServiceClient<Channel>,
    pub(crate) health: HealthClient<Channel>,
    pub(crate) channel: Channel,
    pub(crate) stop: oneshot::Sender<()>,
    pub(crate) handle: JoinHandle<()>,
}

impl TestServer {
    /// Serves the embedded catalog with default settings.
    pub(crate) async fn spawn() -> Self {
        Self::spawn_with(ServerConfig::default()).await
    }

    /// Serves the embedded catalog with `config`. The listener is bound
    /// before the server task starts, so clients connect at once.
    pub(crate) async fn spawn_with(config: ServerConfig) -> Self {
        let catalogs = CatalogStore::new(
            Arc::new(Catalog::embedded().unwrap()),
            config.default_app_name.clone(),
        );
        Self::spawn_with_store(config, catalogs).await
    }

    /// Serves `catalogs` with `config` (watching `config.catalog_overlay`,
    /// if set); the caller keeps the store to follow its reloads.
    pub(crate) async fn spawn_with_store(config: ServerConfig, catalogs: Arc<Catalogs>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            serve_with_store(listener, None, catalogs, config, async {
                let _ = stopped.await;
            })
            .await
            .expect("server failed");
        });
        let channel = Channel::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect()
            .await
            .unwrap();
        Self {
            addr,
            client: InterpreterServiceClient::new(channel.clone()),
            health: HealthClient::new(channel.clone()),
            channel,
            stop,
            handle,
        }
    }

    /// Stops the server and waits for it, failing the test if it failed.
    pub(crate) async fn stop(self) {
        drop((self.client, self.health, self.channel));
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(10), self.handle)
            .await
            .expect("server did not stop")
            .expect("server task panicked");
    }
}

/// The seed bodies of the catalog: each entry's documented JSON body.
/// An `Interpret` request for the vehicle-state error `code`, structured.
pub(crate) fn structured(code: &str) -> InterpretRequest {
    InterpretRequest {
        input: Some(Input::Structured(StructuredError {
            r#type: "VEHICLE_STATE".into(),
            code: code.into(),
        })),
        ..Default::default()
    }
}

pub(crate) fn seed_bodies() -> Vec<(String, String)> {
    let raw: serde_json::Value =
        serde_json::from_str(vehicle_error_interpreter::catalog::EMBEDDED_JSON).unwrap();
    raw["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["code"].as_str().unwrap().to_owned(),
                e["body"].to_string(),
            )
        })
        .collect()
}

/// The server binary as a child process on an ephemeral port.
pub(crate) struct BinaryServer {
    pub(crate) child: Child,
    pub(crate) addr: SocketAddr,
    /// Where it serves Prometheus metrics.
    pub(crate) metrics_addr: SocketAddr,
    /// The "serving" log line.
    pub(crate) serving: serde_json::Value,
}

impl BinaryServer {
    /// Starts the binary with JSON logs and `args`, and reads its
    /// addresses from its "serving metrics" and "serving" log lines.
    pub(crate) fn start(args: &[&str]) -> Self {
        Self::start_with_env(&[], args)
    }

    /// Like `start`, with environment variables (such as a manifest's
    /// `VEI_*` settings); the address flags override any in `env`.
    pub(crate) fn start_with_env(env: &[(String, String)], args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vehicle-error-interpreter"))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .args(["--listen-addr", "127.0.0.1:0", "--log-format", "json"])
            .args(["--metrics-addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server binary");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut metrics_addr = None;
        let serving = loop {
            let mut line = String::new();
            assert!(
                stderr.read_line(&mut line).unwrap() > 0,
                "server exited before serving"
            );
            let log: serde_json::Value = serde_json::from_str(&line).unwrap();
            let addr = || log["addr"].as_str().unwrap().parse().unwrap();
            if log["message"] == "serving metrics" {
                metrics_addr = Some(addr());
            }
            if log["message"] == "serving" {
                break log;
            }
        };
        let metrics_addr = metrics_addr.expect("metrics served before gRPC");
        let addr = serving["addr"].as_str().unwrap().parse().unwrap();
        // Keep draining the log so the server never blocks on a full pipe;
        // its lines show up in the test's output.
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                eprintln!("server: {line}");
            }
        });
        Self {
            child,
            addr,
            metrics_addr,
            serving,
        }
    }

    /// Sends SIGTERM, as the kubelet does.
    pub(crate) fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for BinaryServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
