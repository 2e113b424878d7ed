//! The transport floor `scripts/bench` measures the server against
//! (docs/design.md §6): the real server's flags, listeners, limits and
//! layers (`Application`, the `InterpretPayload` route, load shedding,
//! metrics), the same generated service and codec, so every request is
//! read and decoded as the server decodes it; but each interpreter RPC is
//! answered, after its first call, with that first call's answer,
//! pre-encoded: nothing is parsed, interpreted, rendered, converted or
//! encoded. The first answer's bytes, framed as gRPC frames them, are
//! kept; later calls return an empty message marked with an extension,
//! and [`PreEncoded`], around each generated server, writes the kept
//! bytes in its place (the generated code encodes only when the body is
//! polled, so the empty message is never encoded). The answer bytes are
//! the real server's for the same request (the load generator sends one
//! request per RPC; stage `85-loadgen` of the tests compares them). What
//! the real server spends beyond this floor is the interpreter's own
//! work, encoding its answer included. The swap itself costs the floor a
//! little the server does not pay (the extension's map, a boxed future,
//! the kept body's box: tens of nanoseconds), so the ratios flatter the
//! server by that much. An answer holding a warning with several
//! metadata entries (a map, encoded in hash order) could differ from one
//! encoding to the next; the load's answers hold none.
//!
//!   cargo run --release --example floor -- --listen-addr 127.0.0.1:0
//!
//! With `FLOOR_JSON_READ=skim` in its environment, the floor also reads
//! each `InterpretPayload` body, and each `Interpret` body given as text,
//! with serde_json alone before answering (`IgnoredAny`: every byte
//! checked, nothing kept or allocated), the least work any JSON handler
//! does. `scripts/bench-json-floor` sets that plain read's cost beyond
//! the floor against its criterion time (`json_read/*`), as design 6's
//! payload budget sets the server's, and its floor ratio beside the
//! server's for `Interpret`.
//!
//! Not a server to deploy: it answers every call with one answer.

use std::{
    convert::Infallible,
    pin::Pin,
    process::ExitCode,
    sync::OnceLock,
    task::{Context, Poll},
};

use bytes::Bytes;
use clap::Parser as _;
use http_body::Frame;
use prost::Message;
use serde::de::IgnoredAny;
use tonic::{
    Request, Response, Status,
    body::Body,
    codegen::http::{self, HeaderMap, HeaderValue},
    server::NamedService,
};
use vehicle_error_interpreter::{
    Application, Config,
    grpc::{Interpreter, wire::EncodedInterpretResponse},
    pb::server::{
        BatchInterpretRequest, BatchInterpretResponse, GetVehicleStateErrorRequest,
        GetVehicleStateErrorResponse, InterpretPayloadRequest, InterpretPayloadResponse,
        InterpretRequest, ListErrorTypesRequest, ListErrorTypesResponse,
        ListVehicleStateErrorsRequest, ListVehicleStateErrorsResponse, interpret_request::Input,
        interpreter_service_server::InterpreterService,
    },
    shutdown, telemetry,
};

// The binary's allocator, so the floor pays what the server pays.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// An answer's gRPC frame (the 5-byte prefix, then the message), kept for
/// the process's life: `Bytes::from_static` clones it without touching a
/// shared reference count.
#[derive(Debug, Clone, Copy)]
struct Kept(&'static [u8]);

impl Kept {
    /// `answer` encoded and framed as tonic frames an uncompressed
    /// message.
    fn of(answer: &impl Message) -> Self {
        let message = answer.encode_to_vec();
        let mut frame = Vec::with_capacity(5 + message.len());
        frame.push(0);
        frame.extend_from_slice(&u32::try_from(message.len()).expect("small").to_be_bytes());
        frame.extend_from_slice(&message);
        Self(Vec::leak(frame))
    }
}

/// The real interpreter for each RPC's first call; that call's answer,
/// pre-encoded, for every later one.
#[derive(Debug)]
struct Floor {
    real: Interpreter,
    interpret: OnceLock<Kept>,
    payload: OnceLock<Kept>,
    /// `FLOOR_JSON_READ=skim`: read each body as JSON first ([`skim`]).
    json_read: bool,
}

/// The kept answer (an empty message marked for [`PreEncoded`]), or the
/// real one, kept.
async fn kept<M: Message + Default>(
    cache: &OnceLock<Kept>,
    real: impl Future<Output = Result<Response<M>, Status>>,
) -> Result<Response<M>, Status> {
    if let Some(kept) = cache.get() {
        let mut response = Response::new(M::default());
        response.extensions_mut().insert(*kept);
        return Ok(response);
    }
    let answer = real.await?;
    let _ = cache.set(Kept::of(answer.get_ref()));
    Ok(answer)
}

#[tonic::async_trait]
impl InterpreterService for Floor {
    async fn interpret(
        &self,
        request: Request<InterpretRequest>,
    ) -> Result<Response<EncodedInterpretResponse>, Status> {
        if self.json_read
            && let Some(Input::Body(body)) = &request.get_ref().input
        {
            skim(body);
        }
        kept(&self.interpret, self.real.interpret(request)).await
    }

    async fn interpret_payload(
        &self,
        request: Request<InterpretPayloadRequest>,
    ) -> Result<Response<InterpretPayloadResponse>, Status> {
        if self.json_read {
            skim(&request.get_ref().body);
        }
        kept(&self.payload, self.real.interpret_payload(request)).await
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

/// `FLOOR_JSON_READ=skim`'s read: serde_json alone, nothing kept. A body
/// that is not JSON is read as far as it goes, as the server reads
/// upstream input; the error is no answer.
fn skim(body: &str) {
    std::hint::black_box(serde_json::from_str::<IgnoredAny>(body).is_ok());
}

/// A generated server whose marked answers are replaced by their kept
/// bytes: the body tonic would have encoded is dropped unpolled.
#[derive(Debug, Clone)]
struct PreEncoded<S>(S);

impl<S: NamedService> NamedService for PreEncoded<S> {
    const NAME: &'static str = S::NAME;
}

impl<S> tower::Service<http::Request<Body>> for PreEncoded<S>
where
    S: tower::Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let answer = self.0.call(request);
        Box::pin(async move {
            let response = answer.await?;
            let Some(&Kept(frame)) = response.extensions().get::<Kept>() else {
                return Ok(response);
            };
            let (parts, _unpolled) = response.into_parts();
            Ok(http::Response::from_parts(
                parts,
                Body::new(KeptBody {
                    frame: Some(Bytes::from_static(frame)),
                    trailers: true,
                }),
            ))
        })
    }
}

/// The kept frame, then the trailers tonic sends with an OK answer
/// (`grpc-status: 0` alone).
struct KeptBody {
    frame: Option<Bytes>,
    trailers: bool,
}

impl http_body::Body for KeptBody {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        if let Some(frame) = self.frame.take() {
            return Poll::Ready(Some(Ok(Frame::data(frame))));
        }
        if std::mem::take(&mut self.trailers) {
            let mut trailers = HeaderMap::with_capacity(1);
            trailers.insert("grpc-status", HeaderValue::from_static("0"));
            return Poll::Ready(Some(Ok(Frame::trailers(trailers))));
        }
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        self.frame.is_none() && !self.trailers
    }

    // `size_hint` stays the default, inexact one on purpose: hyper sends a
    // `content-length` for an exact hint, and tonic's body gives none.
}

fn main() -> ExitCode {
    let config = Config::parse();
    let json_read = match std::env::var("FLOOR_JSON_READ").as_deref() {
        Err(_) | Ok("") => false,
        Ok("skim") => true,
        Ok(other) => {
            eprintln!("FLOOR_JSON_READ: {other:?} is not `skim`");
            return ExitCode::FAILURE;
        }
    };
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
            app.run_answering_with(
                signal,
                |real| Floor {
                    real,
                    interpret: OnceLock::new(),
                    payload: OnceLock::new(),
                    json_read,
                },
                PreEncoded,
            )
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
