//! The transport floor `scripts/bench` measures the server against
//! (docs/design.md §6): the real server's flags, listeners, limits and
//! layers (`Application`, the `InterpretPayload` route, load shedding,
//! metrics), the same generated service and codec, so every request is
//! read and decoded as the server decodes it; but each interpreter RPC is
//! answered, after its first call, with that first call's answer, cached:
//! nothing is parsed, interpreted, rendered or converted. The answer is a
//! clone of the cached message, encoded by the same codec, so the answer
//! bytes are the real server's for the same request (the load generator
//! sends one request per RPC). What the real server spends beyond this
//! floor is the interpreter's own work.
//!
//!   cargo run --release --example floor -- --listen-addr 127.0.0.1:0
//!
//! Not a server to deploy: it answers every call with one answer.

use std::{process::ExitCode, sync::OnceLock};

use clap::Parser as _;
use tonic::{Request, Response, Status};
use vehicle_error_interpreter::{
    Application, Config,
    grpc::Interpreter,
    pb::server::{
        BatchInterpretRequest, BatchInterpretResponse, GetVehicleStateErrorRequest,
        GetVehicleStateErrorResponse, InterpretPayloadRequest, InterpretPayloadResponse,
        InterpretRequest, InterpretResponse, ListErrorTypesRequest, ListErrorTypesResponse,
        ListVehicleStateErrorsRequest, ListVehicleStateErrorsResponse,
        interpreter_service_server::InterpreterService,
    },
    shutdown, telemetry,
};

// The binary's allocator, so the floor pays what the server pays.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The real interpreter for each RPC's first call; that call's answer for
/// every later one.
#[derive(Debug)]
struct Floor {
    real: Interpreter,
    interpret: OnceLock<InterpretResponse>,
    payload: OnceLock<InterpretPayloadResponse>,
}

/// The cached answer, or the real one, kept.
async fn cached<M: Clone>(
    cache: &OnceLock<M>,
    real: impl Future<Output = Result<Response<M>, Status>>,
) -> Result<Response<M>, Status> {
    if let Some(answer) = cache.get() {
        return Ok(Response::new(answer.clone()));
    }
    let answer = real.await?.into_inner();
    let _ = cache.set(answer.clone());
    Ok(Response::new(answer))
}

#[tonic::async_trait]
impl InterpreterService for Floor {
    async fn interpret(
        &self,
        request: Request<InterpretRequest>,
    ) -> Result<Response<InterpretResponse>, Status> {
        cached(&self.interpret, self.real.interpret(request)).await
    }

    async fn interpret_payload(
        &self,
        request: Request<InterpretPayloadRequest>,
    ) -> Result<Response<InterpretPayloadResponse>, Status> {
        cached(&self.payload, self.real.interpret_payload(request)).await
    }

    // The rest are not measured: the real answers.
    async fn batch_interpret(
        &self,
        request: Request<BatchInterpretRequest>,
    ) -> Result<Response<BatchInterpretResponse>, Status> {
        self.real.batch_interpret(request).await
    }

    async fn get_vehicle_state_error(
        &self,
        request: Request<GetVehicleStateErrorRequest>,
    ) -> Result<Response<GetVehicleStateErrorResponse>, Status> {
        self.real.get_vehicle_state_error(request).await
    }

    async fn list_vehicle_state_errors(
        &self,
        request: Request<ListVehicleStateErrorsRequest>,
    ) -> Result<Response<ListVehicleStateErrorsResponse>, Status> {
        self.real.list_vehicle_state_errors(request).await
    }

    async fn list_error_types(
        &self,
        request: Request<ListErrorTypesRequest>,
    ) -> Result<Response<ListErrorTypesResponse>, Status> {
        self.real.list_error_types(request).await
    }
}

fn main() -> ExitCode {
    let config = Config::parse();
    config.check().unwrap_or_else(|err| err.exit());
    let Ok(runtime) = config.runtime().inspect_err(|err| eprintln!("{err}")) else {
        return ExitCode::FAILURE;
    };
    runtime.block_on(async {
        let Ok(telemetry) = telemetry::init(config.log_format, &config.log_filter)
            .inspect_err(|err| eprintln!("{err}"))
        else {
            return ExitCode::FAILURE;
        };
        let result = async {
            let app = Application::build(config.server_config()).await?;
            let signal = shutdown::signal();
            app.announce()?;
            app.run_answering_with(signal, |real| Floor {
                real,
                interpret: OnceLock::new(),
                payload: OnceLock::new(),
            })
            .await?;
            anyhow::Ok(())
        }
        .await;
        telemetry.shutdown().await;
        result.map_or_else(
            |err| {
                eprintln!("{err:#}");
                ExitCode::FAILURE
            },
            |()| ExitCode::SUCCESS,
        )
    })
}
