//! Entry point: parse flags, start the runtime, set up logs (and traces,
//! when the `OTEL_*` environment asks), build the application (catalog
//! loaded, listeners bound), serve until SIGTERM or SIGINT, flush traces.

use std::process::ExitCode;

use clap::Parser as _;
use vehicle_error_interpreter::{Application, Config, shutdown, telemetry, tracing_otel};

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
    // Inside the runtime: the trace exporter and its batch task run on it.
    let tracing = {
        let _runtime = runtime.enter();
        telemetry::init(config.log_format, &config.log_filter)
    };
    let tracing = match tracing {
        Ok(tracing) => tracing,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let result = run(&config).await;
        // After the drain, bounded (tracing_otel::FLUSH_TIMEOUT, counted
        // in the shutdown budget); also after a failure.
        if let Some(tracing) = tracing {
            tracing.shutdown(tracing_otel::FLUSH_TIMEOUT).await;
        }
        result
    });
    match result {
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
    app.announce()?;
    Ok(app.run_until_stopped(signal).await?)
}
