//! `vehicle-error-interpreter`: a gRPC service that turns a connected-car
//! API's errors into a classification, retry advice and user-facing
//! messages rendered with the calling app's name.
//!
//! # Layout
//! - [`catalog`]: the 17 documented vehicle-state errors, loaded and
//!   validated once; `catalog::overlay` patches them with an operator's
//!   overlay file.
//! - [`interpret`]: parsing bodies, matching, classifying, retry advice.
//! - [`payload`]: the errors inside webhook deliveries, v3 signal lists
//!   and v2 batch responses, each answered by `interpret`, and a verdict.
//! - [`render`]: `<app name>` templates; [`rules`]: validation rules that
//!   requests, the overlay and the catalog loader share.
//! - [`grpc`]: the adapter, and (with [`server`], the wiring) the only
//!   place that knows the gRPC stack: the service, conversions, encoded entries,
//!   statuses, the codec and the generated code ([`pb`]).
//! - [`server`]: health, reflection, limits, load shedding, TLS, the
//!   metrics and trace layers, and graceful shutdown.
//! - [`reload`]: catalog snapshots swapped atomically, and the overlay
//!   file's watcher.
//! - [`metrics`]: Prometheus metrics and their scrape endpoint.
//! - [`startup`]: [`Application`], the one start-up path for `main`, tests,
//!   benches and examples.
//! - [`tracing_otel`]: OpenTelemetry traces, off unless an `OTEL_*`
//!   endpoint is set (its per-call tower layer is server wiring, in
//!   `server`).
//! - [`config`], [`telemetry`], [`shutdown`]: process concerns for `main`.
//!
//! `catalog`, `interpret` and `render` never see gRPC types.

pub mod catalog;
pub mod config;
pub mod grpc;
pub mod interpret;
mod metrics;
pub mod payload;
pub mod reload;
mod render;
mod rules;
pub mod server;
pub mod shutdown;
pub mod startup;
pub mod telemetry;
pub mod tracing_otel;

pub use catalog::Catalog;
pub use config::Config;
pub use grpc::pb;

pub use server::ServerConfig;
pub use startup::Application;
