//! Entry point: parse flags, set up logs, load the catalog, bind, serve
//! gRPC and (on its own port) metrics.

use std::{process::ExitCode, sync::Arc};

use anyhow::Context as _;
use clap::Parser as _;
use vehicle_error_interpreter::{
    Catalog, Config, Metrics, ServerConfig, metrics, serve, shutdown, telemetry,
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
    let listener = tokio::net::TcpListener::bind(config.listen_addr)
        .await
        .with_context(|| format!("binding {}", config.listen_addr))?;
    // Listen for SIGTERM before announcing readiness (see shutdown::signal).
    let shutdown = shutdown::signal();
    tracing::info!(addr = %listener.local_addr()?, entries = catalog.list().len(), "serving");
    let settings = ServerConfig {
        metrics: Some(metrics),
        ..config.server_config()
    };
    serve(listener, catalog, settings, shutdown).await?;
    Ok(())
}
