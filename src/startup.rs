//! The one start-up path, shared by `main`, the tests, the benches and the
//! examples (zero2prod's `Application` shape): the application's
//! configuration ([`ServerConfig`]), [`Application::build`], which loads the
//! catalog and binds every listener the configuration names and exposes
//! their addresses (so a test can bind `127.0.0.1:0` and learn the port),
//! what can fail on the way ([`BuildError`]), the "serving" lines
//! ([`Application::announce`]), and [`Application::run_until_stopped`],
//! which hands the built parts to `server::serve` until a shutdown future
//! resolves. `check` is the binary's other mode: an overlay checked the
//! way `build` loads it, without serving.

mod check;

use std::{future::Future, io, net::SocketAddr, path::PathBuf, sync::Arc};

use thiserror::Error;
use tokio::net::TcpListener;

use crate::catalog::{Catalog, CatalogError};
use crate::grpc::pb::server::interpreter_service_server::{
    InterpreterService, InterpreterServiceServer,
};
use crate::grpc::{Catalogs, Interpreter, ServiceSettings};
use crate::metrics::Metrics;
use crate::reload::{CatalogStore, OverlayWatcher, ReloadError};
use crate::server::{self, GrpcService, Listeners, ServeConfig, ServeError, State};
use crate::telemetry::Traces;
pub use check::{check_overlay, report_overlay_check};

/// Everything [`Application::build`] needs besides the catalog: addresses,
/// the service's own settings, the catalog overlay, and how to serve.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where every gRPC service listens.
    pub listen_addr: SocketAddr,
    /// An extra plaintext listener serving only `grpc.health.v1`, for
    /// kubelet probes when TLS is on.
    pub health_addr: Option<SocketAddr>,
    /// Where Prometheus scrapes `GET /metrics`; `None` serves no metrics.
    pub metrics_addr: Option<SocketAddr>,
    /// Settings of the interpreter service itself.
    pub service: ServiceSettings,
    /// Substituted for `<app name>` when a request names no app (unless a
    /// catalog overlay sets another).
    pub default_app_name: String,
    /// The catalog overlay file, watched for changes through its directory
    /// (docs/catalog-overlay.md); `None` serves the embedded catalog only.
    pub catalog_overlay: Option<PathBuf>,
    /// Transport limits, TLS and shutdown timing.
    pub serve: ServeConfig,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen_addr: SocketAddr::from(([0, 0, 0, 0], 50051)),
            health_addr: None,
            metrics_addr: Some(SocketAddr::from(([0, 0, 0, 0], 9090))),
            service: ServiceSettings::default(),
            default_app_name: "the app".to_owned(),
            catalog_overlay: None,
            serve: ServeConfig::default(),
        }
    }
}

impl ServerConfig {
    /// Refuses settings that cannot keep their promises
    /// ([`ServeConfig::validate`]).
    ///
    /// # Errors
    /// The message names the flags and says why.
    pub fn validate(&self) -> Result<(), String> {
        self.serve.validate()
    }
}

/// Why the application could not be built; nothing was served.
#[derive(Debug, Error)]
pub enum BuildError {
    /// The configuration contradicts itself ([`ServerConfig::validate`]).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// An address could not be bound.
    #[error("binding {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// The embedded catalog is invalid (a unit test rules this out).
    #[error("loading the embedded catalog: {0}")]
    Catalog(#[from] CatalogError),
    /// The catalog overlay is invalid or cannot be watched.
    #[error(transparent)]
    Overlay(#[from] ReloadError),
}

/// A server with its catalog loaded and its listeners bound, not yet
/// serving.
#[derive(Debug)]
pub struct Application {
    config: ServerConfig,
    catalogs: Arc<Catalogs>,
    metrics: Metrics,
    /// The trace layer's handle; `None` while traces are off.
    traces: Option<Traces>,
    listeners: Listeners,
    /// Watches the overlay file from `build` on, so an invalid overlay
    /// fails start-up before anything is served; dropped when serving ends.
    watcher: Option<OverlayWatcher>,
}

impl Application {
    /// Loads the embedded catalog and binds the listeners `config` names.
    ///
    /// # Errors
    /// As [`Application::build_with_store`]; also when the embedded
    /// catalog is invalid, which a unit test rules out.
    pub async fn build(config: ServerConfig) -> Result<Self, BuildError> {
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
    ) -> Result<Self, BuildError> {
        config.validate().map_err(BuildError::Config)?;
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
    /// with the handle [`crate::telemetry::Telemetry::traces`] gives
    /// (`None`: no traces, as without this call).
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

    /// Logs "serving metrics" and "serving": where the server listens,
    /// whether it speaks TLS, and how many catalog entries it serves.
    /// Tests, scripts and the client test suites read the addresses from
    /// these lines, so their messages and fields are an interface. `main`
    /// calls it once the shutdown signal is registered
    /// (`shutdown::signal`), so a SIGTERM after it always drains.
    ///
    /// # Errors
    /// When the gRPC socket cannot report its address.
    pub fn announce(&self) -> io::Result<()> {
        // The binary's target, where these lines were first logged: log
        // filters and shippers may select on it.
        const TARGET: &str = "vehicle_error_interpreter";
        let metrics_addr = self.metrics_addr().map(tracing::field::display);
        tracing::info!(target: TARGET, addr = metrics_addr, "serving metrics");
        let (addr, tls) = (self.addr()?, self.config.serve.tls.is_some());
        let health_addr = self.health_addr().map(tracing::field::display);
        let entries = self.catalogs.load().catalog.list().len();
        tracing::info!(target: TARGET, %addr, health_addr, tls, entries, "serving");
        Ok(())
    }

    /// Serves until `shutdown` resolves, then drains (see
    /// `server::serve`).
    ///
    /// # Errors
    /// When reflection or TLS cannot be set up, or the transport fails.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        self.run_answering_with(shutdown, |interpreter| interpreter, |server| server)
            .await
    }

    /// [`Application::run_until_stopped`] with the interpreter's RPCs
    /// answered by what `answerer` makes of the real [`Interpreter`], each
    /// generated server over it wrapped by `wrap`, behind the same
    /// listeners, limits and layers. For the benchmarks' floor server
    /// (`examples/floor.rs`) only; the binary serves the real interpreter.
    ///
    /// # Errors
    /// As [`Application::run_until_stopped`].
    #[doc(hidden)]
    pub async fn run_answering_with<T, W>(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
        answerer: impl FnOnce(Interpreter) -> T,
        wrap: impl Fn(InterpreterServiceServer<T>) -> W,
    ) -> Result<(), ServeError>
    where
        T: InterpreterService,
        W: GrpcService,
    {
        let Self {
            config,
            catalogs,
            metrics,
            traces,
            listeners,
            watcher,
        } = self;
        let state = State {
            catalogs,
            metrics,
            traces,
            service: config.service,
        };
        let served = server::serve(listeners, state, &config.serve, shutdown, answerer, wrap).await;
        // The overlay is followed for as long as it is served.
        drop(watcher);
        served
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, BuildError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| BuildError::Bind { addr, source })
}

async fn bind_some(addr: Option<SocketAddr>) -> Result<Option<TcpListener>, BuildError> {
    match addr {
        Some(addr) => Ok(Some(bind(addr).await?)),
        None => Ok(None),
    }
}
