//! `vehicle-error-interpreter`: a gRPC service that turns a connected-car
//! API's vehicle-state errors into a classification, retry advice and
//! user-facing messages rendered with the calling app's name.
//!
//! # Layout
//! - [`catalog`]: the 17 documented errors, loaded and validated once;
//!   `catalog::overlay` patches them with an operator's overlay file.
//! - [`interpret`]: parsing bodies, matching, classifying, retry advice.
//! - [`render`]: `<app name>` templates.
//! - [`service`]: the gRPC adapter over the domain; [`convert`] its
//!   domain-to-proto conversions; [`status`] the only place errors become
//!   gRPC statuses.
//! - [`server`]: health, reflection, limits, load shedding, TLS and
//!   graceful shutdown; [`codec`] the interpreter's wire codec.
//! - [`reload`]: catalog snapshots swapped atomically, and the overlay
//!   file's watcher.
//! - [`metrics`]: Prometheus metrics and their scrape endpoint.
//! - [`config`], [`telemetry`], [`shutdown`]: process concerns for `main`.
//! - [`pb`]: generated code.
//!
//! `catalog`, `interpret` and `render` never see gRPC types.

pub mod catalog;
pub mod codec;
pub mod config;
pub mod convert;
pub mod interpret;
pub mod metrics;
pub mod pb;
pub mod reload;
pub mod render;
pub mod server;
pub mod service;
pub mod shutdown;
pub mod status;
pub mod telemetry;

pub use catalog::Catalog;
pub use config::Config;
pub use metrics::Metrics;
pub use server::{ServerConfig, serve, serve_with_store};
