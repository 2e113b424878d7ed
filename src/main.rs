//! Entry point: parse flags, set up logs, build the application (catalog
//! loaded, listeners bound), serve until SIGTERM or SIGINT.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser as _;
use vehicle_error_interpreter::{Application, Config, shutdown, telemetry};

fn main() -> ExitCode {
    let config = Config::parse();
    if let Err(err) = config.check() {
        err.exit();
    }
    if let Err(err) = telemetry::init(config.log_format, &config.log_filter) {
        eprintln!("invalid --log-filter: {err}");
        return ExitCode::FAILURE;
    }
    let runtime = config.runtime().context("starting the tokio runtime");
    match runtime.and_then(|rt| rt.block_on(run(&config))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: &Config) -> anyhow::Result<()> {
    let app = Application::build(config.server_config()).await?;
    // Registered before "serving" is announced (see shutdown::signal).
    let signal = shutdown::signal();
    let metrics_addr = app.metrics_addr().map(tracing::field::display);
    tracing::info!(addr = metrics_addr, "serving metrics");
    let (addr, tls) = (app.addr()?, config.tls_cert.is_some());
    let health_addr = app.health_addr().map(tracing::field::display);
    let entries = app.catalogs().load().catalog.list().len();
    // Tests and scripts read the address from this line: keep its shape.
    tracing::info!(%addr, health_addr, tls, entries, "serving");
    Ok(app.run_until_stopped(signal).await?)
}
