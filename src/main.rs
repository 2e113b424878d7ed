//! Entry point: flags, runtime, logs and traces, the application until SIGTERM or SIGINT.

use std::process::ExitCode;

use clap::Parser as _;
use vehicle_error_interpreter::{Application, Config, shutdown, telemetry, telemetry::Traces};

// Why not the system allocator: see docs/benchmarks.md, "Allocator".
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let config = Config::parse();
    if let Err(err) = config.check() {
        err.exit();
    }
    let runtime = match config.runtime() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("starting the tokio runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    // Telemetry starts inside the runtime: the trace exporter's batch task runs on it.
    runtime.block_on(async {
        let init = telemetry::init(config.log_format, &config.log_filter);
        let Ok(telemetry) = init.inspect_err(|err| eprintln!("{err}")) else {
            return ExitCode::FAILURE;
        };
        let result = run(&config, telemetry.traces()).await;
        telemetry.shutdown().await; // after the drain, also after a failure
        if let Err(err) = &result {
            tracing::error!("{err:#}");
        }
        result.map_or(ExitCode::FAILURE, |()| ExitCode::SUCCESS)
    })
}

async fn run(config: &Config, traces: Option<Traces>) -> anyhow::Result<()> {
    let app = Application::build(config.server_config())
        .await?
        .with_traces(traces);
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
