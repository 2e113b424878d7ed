//! `TestServer`: the real server on an ephemeral port in this process,
//! with typed clients.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use tokio::{sync::oneshot, task::JoinHandle};
use tonic::transport::Channel;
use tonic_health::pb::health_client::HealthClient;
use vehicle_error_interpreter::{
    Application, Catalog, ServerConfig,
    grpc::Catalogs,
    pb::{
        ErrorType, InterpretRequest, InterpretResponse, ListErrorTypesRequest,
        interpreter_service_client::InterpreterServiceClient,
    },
    reload::CatalogStore,
};

use super::{connect, structured};

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
        let (addr, stop, handle) = start(config, catalogs).await;
        let channel = connect(addr).await;
        Self {
            addr,
            client: InterpreterServiceClient::new(channel.clone()),
            health: HealthClient::new(channel.clone()),
            channel,
            stop,
            handle,
        }
    }

    /// Fails the test, naming `after`, unless a normal `Interpret` call succeeds.
    pub(crate) async fn assert_serving(&mut self, after: &str) {
        let reply = self.client.interpret(structured("DOOR_OPEN")).await;
        if let Err(status) = reply {
            panic!("after {after}: server stopped answering: {status:?}");
        }
    }

    /// Interprets `request`, failing the test, naming `name`, on an error.
    pub(crate) async fn ask(&mut self, name: &str, request: InterpretRequest) -> InterpretResponse {
        self.client
            .interpret(request)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"))
            .into_inner()
    }

    /// Every type `ListErrorTypes` lists, failing the test on an error.
    pub(crate) async fn error_types(&mut self) -> Vec<ErrorType> {
        self.client
            .list_error_types(ListErrorTypesRequest {})
            .await
            .expect("ListErrorTypes")
            .into_inner()
            .error_types
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

/// Starts serving on 127.0.0.1:0 (no metrics listener), the one place a
/// test server is started: returns its address, the sender that stops it,
/// and its task, which panics if the server fails.
async fn start(
    config: ServerConfig,
    catalogs: Arc<Catalogs>,
) -> (SocketAddr, oneshot::Sender<()>, JoinHandle<()>) {
    let config = ServerConfig {
        listen_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        metrics_addr: None,
        ..config
    };
    let app = Application::build_with_store(config, catalogs)
        .await
        .expect("server failed to start");
    let addr = app.addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        app.run_until_stopped(async {
            let _ = stopped.await;
        })
        .await
        .expect("server failed");
    });
    (addr, stop, handle)
}
