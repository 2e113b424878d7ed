//! Entry point: flags, runtime, logs and traces, the application until SIGTERM or SIGINT.

use std::process::ExitCode;

use clap::Parser as _;
use vehicle_error_interpreter::{Application, Config, shutdown, telemetry, telemetry::Traces};

// Why not the system allocator: see docs/benchmarks.md, "Allocator".
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let config = Config::parse();
    config.run_subcommand_and_exit(); // check-overlay: no runtime, no port
    config.check().unwrap_or_else(|err| err.exit());
    let Ok(runtime) = config.runtime().inspect_err(|err| eprintln!("{err}")) else {
        return ExitCode::FAILURE;
    };
    // Telemetry starts inside the runtime: the trace exporter's batch task runs on it.
    runtime.block_on(async {
        let init = telemetry::init(config.log_format, &config.log_filter);
        let Ok(telemetry) = init.inspect_err(|err| eprintln!("{err}")) else {
            return ExitCode::FAILURE;
        };
        let result = run(&config, telemetry.traces()).await;
        telemetry.shutdown().await; // after the drain, also after a failure
        let result = result.inspect_err(|err| tracing::error!("{err}")); // messages embed their causes
        result.map_or(ExitCode::FAILURE, |()| ExitCode::SUCCESS)
    })
}

async fn run(config: &Config, traces: Option<Traces>) -> anyhow::Result<()> {
    let app = Application::build(config.server_config())
        .await?
        .with_traces(traces);
    // Registered before "serving" is announced (see shutdown::signal).
    let signal = shutdown::signal();
    app.announce()?;
    Ok(app.run_until_stopped(signal).await?)
}
