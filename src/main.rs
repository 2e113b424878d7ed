//! Entry point: parse flags, set up logs, load the catalog, bind, serve
//! gRPC and (on its own port) metrics.

use std::{net::SocketAddr, process::ExitCode, sync::Arc};

use anyhow::Context as _;
use clap::Parser as _;
use tokio::net::TcpListener;
use vehicle_error_interpreter::{
    Catalog, Config, Metrics, ServerConfig, metrics, reload::CatalogStore, serve_with_store,
    shutdown, telemetry,
};

fn main() -> ExitCode {
    let config = Config::parse();
    if let Err(err) = telemetry::init(config.log_format, &config.log_filter) {
        eprintln!("invalid --log-filter: {err}");
        return ExitCode::FAILURE;
    }
    let result = config
        .runtime()
        .context("starting the tokio runtime")
        .and_then(|runtime| runtime.block_on(run(&config)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: &Config) -> anyhow::Result<()> {
    let catalog = Arc::new(Catalog::embedded().context("loading the embedded catalog")?);
    let metrics = Metrics::new(&catalog);
    let metrics_addr = metrics::http::spawn(config.metrics_addr, metrics.clone())
        .await
        .with_context(|| format!("binding {}", config.metrics_addr))?;
    tracing::info!(addr = %metrics_addr, "serving metrics");
    let listener = bind(config.listen_addr).await?;
    let health_listener = match config.health_addr {
        Some(addr) => Some(bind(addr).await?),
        None => None,
    };
    let health_addr = health_listener
        .as_ref()
        .map(TcpListener::local_addr)
        .transpose()?;
    // Listen for SIGTERM before announcing readiness (see shutdown::signal).
    let signal = shutdown::signal();
    let (addr, tls) = (listener.local_addr()?, config.tls_cert.is_some());
    let health_addr = health_addr.map(tracing::field::display);
    tracing::info!(%addr, health_addr, tls, entries = catalog.list().len(), "serving");
    let catalogs = CatalogStore::new(catalog, config.default_app_name.clone());
    let server_config = ServerConfig {
        metrics: Some(metrics),
        ..config.server_config()
    };
    Ok(serve_with_store(listener, health_listener, catalogs, server_config, signal).await?)
}

async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))
}
