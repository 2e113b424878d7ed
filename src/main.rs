//! Entry point: parse flags, set up logs, load the catalog, bind, serve
//! gRPC and (on its own port) metrics.

use std::{process::ExitCode, sync::Arc};

use anyhow::Context as _;
use clap::Parser as _;
use tokio::net::TcpListener;
use vehicle_error_interpreter::{
    Catalog, Config, Metrics, ServerConfig, metrics, serve, shutdown, telemetry,
};

fn main() -> ExitCode {
    let config = Config::parse();
    if let Err(err) = telemetry::init(config.log_format, &config.log_filter) {
        eprintln!("invalid --log-filter: {err}");
        return ExitCode::FAILURE;
    }
    match run(&config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err:#}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn run(config: &Config) -> anyhow::Result<()> {
    let catalog = Arc::new(Catalog::embedded().context("loading the embedded catalog")?);
    let metrics = Metrics::new(&catalog);
    let metrics_listener = bind(config.metrics_addr).await?;
    tracing::info!(addr = %metrics_listener.local_addr()?, "serving metrics");
    tokio::spawn(metrics::http::serve_metrics(
        metrics_listener,
        metrics.clone(),
    ));
    let listener = bind(config.listen_addr).await?;
    tracing::info!(addr = %listener.local_addr()?, entries = catalog.list().len(), "serving");
    let server_config = ServerConfig {
        metrics: Some(metrics),
        ..config.server_config()
    };
    serve(listener, catalog, server_config, shutdown::signal()).await?;
    Ok(())
}

async fn bind(addr: std::net::SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))
}
