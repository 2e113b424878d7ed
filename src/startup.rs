//! The one start-up path, shared by `main`, the tests, the benches and the
//! examples: [`Application::build`] loads the catalog and binds every
//! listener the configuration names, exposes their addresses (so a test can
//! bind `127.0.0.1:0` and learn the port), and
//! [`Application::run_until_stopped`] serves until a shutdown future
//! resolves (zero2prod's `Application` shape).

use std::{future::Future, io, net::SocketAddr, sync::Arc};

use tokio::net::TcpListener;

use crate::catalog::Catalog;
use crate::grpc::Catalogs;
use crate::metrics::Metrics;
use crate::reload::{CatalogStore, OverlayWatcher};
use crate::server::{self, ServeError, ServerConfig};
use crate::telemetry::Traces;

/// A server with its catalog loaded and its listeners bound, not yet
/// serving.
#[derive(Debug)]
pub struct Application {
    pub(crate) config: ServerConfig,
    pub(crate) catalogs: Arc<Catalogs>,
    pub(crate) metrics: Metrics,
    /// The trace layer's handle; `None` while traces are off.
    pub(crate) traces: Option<Traces>,
    pub(crate) listeners: Listeners,
    /// Watches the overlay file from `build` on, so an invalid overlay
    /// fails start-up before anything is served; dropped when serving ends.
    pub(crate) watcher: Option<OverlayWatcher>,
}

/// The sockets a server listens on.
#[derive(Debug)]
pub(crate) struct Listeners {
    /// Every gRPC service.
    pub(crate) grpc: TcpListener,
    /// `grpc.health.v1` alone, in plaintext, for probes when TLS is on.
    pub(crate) health: Option<TcpListener>,
    /// Prometheus' `GET /metrics`.
    pub(crate) metrics: Option<TcpListener>,
}

impl Application {
    /// Loads the embedded catalog and binds the listeners `config` names.
    ///
    /// # Errors
    /// As [`Application::build_with_store`]; also when the embedded
    /// catalog is invalid, which a unit test rules out.
    pub async fn build(config: ServerConfig) -> Result<Self, ServeError> {
        let catalog = Arc::new(Catalog::embedded()?);
        let catalogs = CatalogStore::new(catalog, config.default_app_name.clone());
        Self::build_with_store(config, catalogs).await
    }

    /// As [`Application::build`] over a catalog store the caller keeps (to
    /// follow reloads through `CatalogStore::subscribe`). With
    /// `config.catalog_overlay` set, the overlay is loaded here and watched
    /// until the server stops.
    ///
    /// # Errors
    /// When the configuration is invalid ([`ServerConfig::validate`]), an
    /// address cannot be bound, or the overlay is invalid or cannot be
    /// watched.
    pub async fn build_with_store(
        config: ServerConfig,
        catalogs: Arc<Catalogs>,
    ) -> Result<Self, ServeError> {
        config.validate().map_err(ServeError::Config)?;
        let watcher = match &config.catalog_overlay {
            Some(path) => Some(OverlayWatcher::start(Arc::clone(&catalogs), path)?),
            None => None,
        };
        let metrics = Metrics::new(&catalogs.load().catalog);
        let listeners = Listeners {
            grpc: bind(config.listen_addr).await?,
            health: bind_some(config.health_addr).await?,
            metrics: bind_some(config.metrics_addr).await?,
        };
        Ok(Self {
            config,
            catalogs,
            metrics,
            traces: None,
            listeners,
            watcher,
        })
    }

    /// Opens a span per sampled call, and puts each interpretation on it,
    /// with the handle [`crate::telemetry::init`] returned (`None`: no
    /// traces, as without this call).
    #[must_use]
    pub fn with_traces(mut self, traces: Option<Traces>) -> Self {
        self.traces = traces;
        self
    }

    /// The bound gRPC address.
    ///
    /// # Errors
    /// When the socket cannot report it.
    pub fn addr(&self) -> io::Result<SocketAddr> {
        self.listeners.grpc.local_addr()
    }

    /// The bound health-only address, when there is one.
    pub fn health_addr(&self) -> Option<SocketAddr> {
        self.listeners.health.as_ref()?.local_addr().ok()
    }

    /// The bound metrics address, when there is one.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.listeners.metrics.as_ref()?.local_addr().ok()
    }

    /// The catalog store the server answers from.
    pub fn catalogs(&self) -> &Arc<Catalogs> {
        &self.catalogs
    }

    /// The configuration the server was built with.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Serves until `shutdown` resolves, then drains (see
    /// [`server::serve`]).
    ///
    /// # Errors
    /// When reflection or TLS cannot be set up, or the transport fails.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        server::serve(self, shutdown).await
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, ServeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })
}

async fn bind_some(addr: Option<SocketAddr>) -> Result<Option<TcpListener>, ServeError> {
    match addr {
        Some(addr) => Ok(Some(bind(addr).await?)),
        None => Ok(None),
    }
}
