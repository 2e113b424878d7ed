//! The gRPC adapter: everything that knows tonic or prost, over the domain
//! (`catalog`, `interpret`, `render`), which knows neither.
//!
//! [`Interpreter`] implements the generated `InterpreterService`. Each
//! handler takes three steps: parse the request into domain values, ask
//! the domain for the interpretation and its rendered messages, answer
//! (`respond`). Layout, top down: a module names only those below it.
//! - `payload`: `InterpretPayload`'s requests and responses, each item
//!   assembled by `respond`;
//! - `respond`: writes an `InterpretResponse` in its wire format;
//! - `encoded`: per-snapshot encoded entries ([`EncodedCatalog`]);
//! - `propagation`: the status an interpretation carries for callers;
//! - `codec`: the wire codec, whose decode failures are statuses;
//! - `status`: the only place domain errors become gRPC statuses;
//! - `convert`: domain enums and structs to proto; `page`: list paging;
//! - `wire`: protobuf written by hand;
//! - `pb`: the generated code, fenced; it names the `encoded`, `wire` and
//!   `codec` types that `build.rs` points it at;
//! - `rpc`: the leaf beside `pb`: the RPC table and status-code names the
//!   metrics and traces share (they name nothing else of this module).

mod codec;
mod convert;
mod encoded;
mod page;
mod payload;
pub mod pb;
mod propagation;
mod respond;
pub(crate) mod rpc;
mod status;
#[doc(hidden)]
pub mod wire;

use std::sync::Arc;

use tonic::{Request, Response, Status};

pub use encoded::{EncodedCatalog, SharedEntry};
pub use rpc::SERVICE_NAME;
pub(crate) use status::{overloaded, payload_bytes_in_flight, payload_message_too_large};

use crate::interpret::{self, AppName, Context, Input, Locale, LookupError, RequestError};
use crate::observe::Observe;
use crate::reload::{CatalogStore, Snapshot};
use page::{Page, PageQuery};
use pb::server::{
    BatchInterpretRequest, BatchInterpretResponse, BatchInterpretResult,
    GetVehicleStateErrorRequest, GetVehicleStateErrorResponse, InterpretPayloadRequest,
    InterpretPayloadResponse, InterpretRequest, ListErrorTypesRequest, ListErrorTypesResponse,
    ListVehicleStateErrorsRequest, ListVehicleStateErrorsResponse,
    batch_interpret_result::Result as ItemResult, interpret_request::Input as PbInput,
    interpreter_service_server,
};
use wire::EncodedInterpretResponse;

/// The catalog store the service answers from: snapshots with their
/// encoded entries.
pub type Catalogs = CatalogStore<EncodedCatalog>;

/// The generated tonic server around [`Interpreter`].
pub type InterpreterServer = interpreter_service_server::InterpreterServiceServer<Interpreter>;

/// Request limits the service enforces.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// The largest `body` accepted, in bytes.
    pub max_body_bytes: usize,
    /// The most items in one `BatchInterpret`.
    pub max_batch_size: usize,
    /// The largest `InterpretPayload` body read, in bytes; a longer one is
    /// answered `UNRECOGNIZED` with `BODY_TOO_LARGE`.
    pub max_payload_bytes: usize,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 16 * 1024,
            max_batch_size: 100,
            max_payload_bytes: 1024 * 1024,
        }
    }
}

/// The `InterpreterService` implementation over a catalog store. Each call
/// loads the current snapshot once and answers from it alone, so a catalog
/// reload never mixes two catalogs in one answer.
#[derive(Debug, Clone)]
pub struct Interpreter {
    catalogs: Arc<Catalogs>,
    settings: Arc<ServiceSettings>,
    /// Told of every interpretation and every answered payload (the
    /// metrics, the call's span).
    observer: Arc<dyn Observe>,
}

/// A validated `InterpretRequest`, borrowing from it.
#[derive(Debug)]
struct Parsed<'a> {
    input: Input<'a>,
    ctx: Context<'a>,
    app_name: Option<AppName<'a>>,
    locale: Option<Locale<'a>>,
}

impl Interpreter {
    /// Builds the service over a store whose catalog may be swapped while
    /// serving (the catalog overlay).
    pub fn new(catalogs: Arc<Catalogs>, settings: ServiceSettings) -> Self {
        Self {
            catalogs,
            settings: Arc::new(settings),
            observer: Arc::new(()),
        }
    }

    /// Tells `observer` of every interpretation and every answered
    /// payload.
    pub(crate) fn with_observer(mut self, observer: impl Observe + 'static) -> Self {
        self.observer = Arc::new(observer);
        self
    }

    /// Wraps the service in its generated tonic server.
    pub fn into_server(self) -> InterpreterServer {
        InterpreterServer::new(self)
    }

    fn interpret_one(
        &self,
        snap: &Snapshot<EncodedCatalog>,
        req: &InterpretRequest,
    ) -> Result<EncodedInterpretResponse, RequestError> {
        let parsed = self.parse_interpret(req)?;
        let mut interpretation = interpret::interpret(&snap.catalog, parsed.input, &parsed.ctx)?;
        let app_name = parsed
            .app_name
            .map_or(snap.default_app_name.as_str(), |a| a.as_str());
        let messages = interpretation.messages_in(app_name, parsed.locale.map(|l| l.as_str()));
        self.observer.interpreted(&interpretation);
        Ok(respond::interpret_response(
            &interpretation,
            &messages,
            app_name,
            &snap.cache,
            req.view(),
            respond::Delivery::Call,
        ))
    }

    fn parse_interpret<'a>(&self, req: &'a InterpretRequest) -> Result<Parsed<'a>, RequestError> {
        let input = match &req.input {
            None => return Err(RequestError::MissingInput),
            Some(PbInput::Body(body)) if body.len() > self.settings.max_body_bytes => {
                Input::OversizedBody {
                    len: body.len(),
                    limit: self.settings.max_body_bytes,
                }
            }
            Some(PbInput::Body(body)) => Input::Body(body),
            Some(PbInput::Structured(s)) => {
                interpret::check_type_or_code("structured.type", &s.r#type)?;
                interpret::check_type_or_code("structured.code", &s.code)?;
                if s.r#type.trim().is_empty() {
                    return Err(RequestError::EmptyField {
                        field: "structured.type",
                    });
                }
                Input::Structured {
                    error_type: &s.r#type,
                    code: &s.code,
                }
            }
        };
        Ok(Parsed {
            input,
            // Upstream fields: read leniently by the domain, with warnings.
            ctx: Context {
                http_status: req.http_status,
                retry_after: &req.retry_after,
                request_id: &req.request_id,
                now: None,
                operation: convert::operation(req.operation),
            },
            app_name: AppName::parse(&req.app_name)?,
            locale: Locale::parse(&req.locale)?,
        })
    }
}

#[tonic::async_trait]
impl interpreter_service_server::InterpreterService for Interpreter {
    async fn interpret(
        &self,
        request: Request<InterpretRequest>,
    ) -> Result<Response<EncodedInterpretResponse>, Status> {
        let snap = self.catalogs.load();
        Ok(Response::new(self.interpret_one(&snap, request.get_ref())?))
    }

    async fn batch_interpret(
        &self,
        request: Request<BatchInterpretRequest>,
    ) -> Result<Response<BatchInterpretResponse>, Status> {
        let requests = &request.get_ref().requests;
        let limit = self.settings.max_batch_size;
        if requests.is_empty() {
            return Err(RequestError::EmptyBatch.into());
        }
        if requests.len() > limit {
            return Err(RequestError::BatchTooLarge {
                len: requests.len(),
                limit,
            }
            .into());
        }
        // One snapshot for the whole batch: its items agree with each other.
        let snap = self.catalogs.load();
        let results = requests
            .iter()
            .enumerate()
            .map(|(index, item)| BatchInterpretResult {
                result: Some(match self.interpret_one(&snap, item) {
                    Ok(response) => ItemResult::Response(response),
                    Err(err) => ItemResult::Error(status::batch_item_status(index, &err)),
                }),
            })
            .collect();
        Ok(Response::new(BatchInterpretResponse { results }))
    }

    async fn get_vehicle_state_error(
        &self,
        request: Request<GetVehicleStateErrorRequest>,
    ) -> Result<Response<GetVehicleStateErrorResponse>, Status> {
        let code = request.get_ref().code.trim();
        if code.is_empty() {
            return Err(RequestError::EmptyField { field: "code" }.into());
        }
        interpret::check_type_or_code("code", code)?;
        let snap = self.catalogs.load();
        let Some((found, _)) = snap.catalog.get(code) else {
            return Err(LookupError::UnknownCode {
                code: code.to_owned(),
            }
            .into());
        };
        Ok(Response::new(GetVehicleStateErrorResponse {
            vehicle_state_error: Some(snap.cache.entry(found.id).shared.clone()),
        }))
    }

    async fn list_vehicle_state_errors(
        &self,
        request: Request<ListVehicleStateErrorsRequest>,
    ) -> Result<Response<ListVehicleStateErrorsResponse>, Status> {
        let req = request.get_ref();
        let query = PageQuery {
            category: req.category,
            strategy: req.strategy,
            page_size: req.page_size,
        };
        let page = Page::parse(query, &req.page_token)?;
        let snap = self.catalogs.load();
        // A filter value this proto does not define matches no entry.
        let matching: Vec<_> = match (
            convert::category_filter(req.category),
            convert::strategy_filter(req.strategy),
        ) {
            (Ok(category), Ok(strategy)) => snap.catalog.filter(category, strategy).collect(),
            _ => Vec::new(),
        };
        let (entries, next) = page.slice(&matching);
        Ok(Response::new(ListVehicleStateErrorsResponse {
            vehicle_state_errors: entries
                .iter()
                .map(|e| snap.cache.entry(e.id).shared.clone())
                .collect(),
            next_page_token: next.unwrap_or_default(),
        }))
    }

    async fn list_error_types(
        &self,
        _request: Request<ListErrorTypesRequest>,
    ) -> Result<Response<ListErrorTypesResponse>, Status> {
        let snap = self.catalogs.load();
        Ok(Response::new(ListErrorTypesResponse {
            error_types: convert::error_types(snap.catalog.table()),
        }))
    }

    async fn interpret_payload(
        &self,
        request: Request<InterpretPayloadRequest>,
    ) -> Result<Response<InterpretPayloadResponse>, Status> {
        let snap = self.catalogs.load();
        let response = self.interpret_payload_one(&snap, request.get_ref())?;
        Ok(Response::new(response))
    }
}

#[cfg(test)]
mod tests;
