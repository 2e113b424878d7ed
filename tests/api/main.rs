//! Integration tests: the real server on 127.0.0.1:0 with real tonic
//! clients (in-process), and the real binary for signal handling.

mod helpers;

mod abuse;
mod action_url;
mod catalog;
mod check_overlay;
mod corrected;
mod errors;
mod faults;
mod health;
mod hostile;
mod interpret;
mod k8s;
mod lifecycle;
mod logs;
mod metrics;
mod operation;
mod overlay;
mod overload;
mod payload;
mod payload_limits;
mod payload_shapes;
mod reflection;
mod scope;
mod shutdown;
mod taxonomy;
mod tls;
