//! `vehicle-error-interpreter`: a gRPC service that turns a connected-car
//! API's errors into a classification, retry advice and user-facing
//! messages rendered with the calling app's name.
//!
//! # Layout
//! No module names another that names it back, directly or through
//! others (`scripts/check-shape.py` fails the tests on such a cycle).
//! - [`startup`]: [`Application`] and its [`ServerConfig`], the one start-up
//!   path for `main`, tests, benches and examples; it builds the parts and
//!   hands them to `server`.
//! - [`server`]: serving the parts: health, reflection, limits, graceful
//!   shutdown; `server::transport` is the connection path below tonic
//!   (accept, TLS, the HTTP/2 guard, lingering close, write coalescing),
//!   `server::layers` the tower layers (metrics, traces, load shedding).
//! - [`grpc`]: the adapter, the one module that maps the domain to tonic
//!   and prost: the service, conversions, encoded entries, statuses, the
//!   codec and the generated code ([`pb`]). Its leaf `grpc::rpc` (the RPC
//!   table and status-code names) is all of it that `metrics` and the
//!   trace layer name.
//! - [`metrics`]: Prometheus metrics and their scrape endpoint; it observes
//!   interpretations and payloads through the `observe::Observe` hook.
//! - [`telemetry`]: log lines, and OpenTelemetry traces (off unless an
//!   `OTEL_*` endpoint is set), started by `main` with a bounded shutdown.
//! - [`reload`]: catalog snapshots swapped atomically, and the overlay
//!   file's watcher.
//! - [`payload`]: the errors inside webhook deliveries, v3 signal lists
//!   and v2 batch responses, each answered by `interpret`, and a verdict.
//! - [`interpret`]: the domain's decision: parsing bodies, identifying the
//!   error, classifying, retry advice, rendering the answer's messages.
//! - [`catalog`]: the 17 documented vehicle-state errors, the classification
//!   vocabulary and the type table of every other error; `catalog::overlay`
//!   patches them with an operator's overlay file.
//! - `observe`: the one hook through which the metrics and the trace
//!   layer watch interpretations and payloads, handed to `grpc` at
//!   start-up.
//! - [`render`]: `<app name>` templates; [`rules`]: validation rules shared
//!   by requests, the overlay and the catalog's loaders.
//! - [`config`], [`shutdown`]: process concerns for `main`.
//!
//! `catalog`, `interpret`, `render` and `rules` never see gRPC types.

pub mod catalog;
pub mod config;
pub mod grpc;
pub mod interpret;
mod metrics;
mod observe;
pub mod payload;
pub mod reload;
mod render;
mod rules;
pub mod server;
pub mod shutdown;
pub mod startup;
pub mod telemetry;

pub use catalog::Catalog;
pub use config::Config;
pub use grpc::pb;

pub use startup::Application;
pub use startup::ServerConfig;
