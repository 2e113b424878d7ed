//! The gRPC adapter: `Interpreter` implements the generated
//! `InterpreterService`. Each handler parses the request into domain
//! values, calls the domain, and converts the result (`convert.rs`).

use std::{sync::Arc, time::SystemTime};

use tonic::{Request, Response, Status};

use crate::catalog::Catalog;
use crate::convert::interpretation_to_proto;
use crate::interpret::{
    self, AppName, Context, Input, Locale, LookupError, RequestError, parse_http_status,
    parse_request_id, parse_retry_after,
};
use crate::metrics::Metrics;
use crate::pb::wire::{
    self, BatchInterpretRequest, BatchInterpretResponse, BatchInterpretResult,
    GetVehicleStateErrorRequest, GetVehicleStateErrorResponse, InterpretRequest, InterpretResponse,
    ListVehicleStateErrorsRequest, ListVehicleStateErrorsResponse,
    interpreter_service_server::InterpreterServiceServer,
};
use crate::reload::{CatalogStore, Snapshot};
use crate::status;

/// Request limits and defaults the service enforces.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// Substituted for `<app name>` when a request names no app (unless a
    /// catalog overlay sets another).
    pub default_app_name: String,
    /// The largest `body` accepted, in bytes.
    pub max_body_bytes: usize,
    /// The most items in one `BatchInterpret`.
    pub max_batch_size: usize,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        Self {
            default_app_name: "the app".to_owned(),
            max_body_bytes: 16 * 1024,
            max_batch_size: 100,
        }
    }
}

/// The `InterpreterService` implementation over a catalog store. Each call
/// loads the current snapshot once and answers from it alone, so a catalog
/// reload never mixes two catalogs in one answer.
#[derive(Debug, Clone)]
pub struct Interpreter {
    catalogs: Arc<CatalogStore>,
    settings: Arc<ServiceSettings>,
    metrics: Option<Metrics>,
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
    /// Builds the service over one fixed catalog.
    pub fn new(catalog: Arc<Catalog>, settings: ServiceSettings) -> Self {
        let catalogs = CatalogStore::new(catalog, settings.default_app_name.clone());
        Self::with_store(catalogs, settings)
    }

    /// Builds the service over a store whose catalog may be swapped while
    /// serving (the catalog overlay).
    pub fn with_store(catalogs: Arc<CatalogStore>, settings: ServiceSettings) -> Self {
        Self {
            catalogs,
            settings: Arc::new(settings),
            metrics: None,
        }
    }

    /// Counts every interpretation in `metrics` (labelled with the codes
    /// of the catalog `metrics` was built from).
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Wraps the service in its generated tonic server.
    pub fn into_server(self) -> InterpreterServiceServer<Self> {
        InterpreterServiceServer::new(self)
    }

    fn interpret_one(
        &self,
        snap: &Snapshot,
        req: &InterpretRequest,
    ) -> Result<InterpretResponse, RequestError> {
        let parsed = self.parse_interpret(req)?;
        let interpretation = interpret::interpret(&snap.catalog, parsed.input, &parsed.ctx)?;
        if let Some(metrics) = &self.metrics {
            metrics.record_interpretation(&snap.catalog, &interpretation);
        }
        let app_name = parsed
            .app_name
            .map_or(snap.default_app_name.as_str(), |a| a.as_str());
        Ok(interpretation_to_proto(
            &interpretation,
            &snap.protos,
            &snap.catalog,
            app_name,
            parsed.locale,
        ))
    }

    fn parse_interpret<'a>(&self, req: &'a InterpretRequest) -> Result<Parsed<'a>, RequestError> {
        use wire::interpret_request::Input as PbInput;
        let input = match &req.input {
            None => return Err(RequestError::MissingInput),
            Some(PbInput::Body(body)) => {
                if body.len() > self.settings.max_body_bytes {
                    return Err(RequestError::BodyTooLarge {
                        len: body.len(),
                        limit: self.settings.max_body_bytes,
                    });
                }
                Input::Body(body)
            }
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
            ctx: Context {
                http_status: parse_http_status(req.http_status)?,
                retry_after: parse_retry_after(&req.retry_after, SystemTime::now())?,
                request_id: parse_request_id(&req.request_id)?,
            },
            app_name: AppName::parse(&req.app_name)?,
            locale: Locale::parse(&req.locale)?,
        })
    }
}

#[tonic::async_trait]
impl wire::interpreter_service_server::InterpreterService for Interpreter {
    async fn interpret(
        &self,
        request: Request<InterpretRequest>,
    ) -> Result<Response<InterpretResponse>, Status> {
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
            .map(|(index, item)| match self.interpret_one(&snap, item) {
                Ok(response) => BatchInterpretResult {
                    status: Some(status::ok_status()),
                    response: Some(response),
                },
                Err(err) => BatchInterpretResult {
                    status: Some(status::batch_item_status(index, &err)),
                    response: None,
                },
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
        let Some((entry, _)) = snap.catalog.get(code) else {
            return Err(LookupError::UnknownCode {
                code: code.to_owned(),
            }
            .into());
        };
        Ok(Response::new(GetVehicleStateErrorResponse {
            vehicle_state_error: Some(snap.protos.entry(snap.catalog.position(entry)).clone()),
        }))
    }

    async fn list_vehicle_state_errors(
        &self,
        request: Request<ListVehicleStateErrorsRequest>,
    ) -> Result<Response<ListVehicleStateErrorsResponse>, Status> {
        let req = request.get_ref();
        let snap = self.catalogs.load();
        let page = crate::convert::list_page(&snap.catalog, &snap.protos, req)?;
        Ok(Response::new(page))
    }
}
