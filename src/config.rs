//! Command-line flags and environment variables, and the one subcommand.
//!
//! With no subcommand the binary serves. `check-overlay <path>` is a
//! subcommand rather than a flag because it is another mode, not a
//! setting: it takes no env var (a `VEI_*` variable left in a pod's
//! environment must never stop the server from serving), does not use the
//! serving flags (they are still parsed, so an invalid one fails the check
//! as a usage error), and reads like `promtool check config <file>`.
//!
//! | flag | env | default | what |
//! | --- | --- | --- | --- |
//! | `--listen-addr` | `VEI_LISTEN_ADDR` | `0.0.0.0:50051` | gRPC address; all interfaces, since kubelet probes dial the Pod IP |
//! | `--default-app-name` | `VEI_DEFAULT_APP_NAME` | `the app` | replaces `<app name>` when a request names no app (a catalog overlay's `defaultAppName` wins) |
//! | `--catalog-overlay` | `VEI_CATALOG_OVERLAY` | none | overlay file patching the embedded catalog, reloaded on change through its directory (docs/catalog-overlay.md) |
//! | `--log-format` | `VEI_LOG_FORMAT` | `text` | `text` or `json` |
//! | `--log-filter` | `VEI_LOG` | `info` | tracing filter directives, such as `info,h2=warn` |
//! | `--max-body-bytes` | `VEI_MAX_BODY_BYTES` | `16384` | largest `body`; a larger one is unusable: answered from `http_status` with a `BODY_TOO_LARGE` warning, `INVALID_ARGUMENT` without a usable status |
//! | `--max-message-bytes` | `VEI_MAX_MESSAGE_BYTES` | `262144` | largest request message the codec decodes |
//! | `--max-payload-bytes` | `VEI_MAX_PAYLOAD_BYTES` | `1048576` | largest `InterpretPayload` body read; a larger one is answered `UNRECOGNIZED` with `BODY_TOO_LARGE`. Its message limit is this plus 256 KiB; the other RPCs keep `--max-message-bytes` |
//! | `--max-payload-bytes-in-flight` | `VEI_MAX_PAYLOAD_BYTES_IN_FLIGHT` | `50331648` | `InterpretPayload` message bytes held at once; beyond it `RESOURCE_EXHAUSTED` (`PAYLOAD_BYTES_IN_FLIGHT`, with `RetryInfo`); `0` = no cap |
//! | `--max-batch-size` | `VEI_MAX_BATCH_SIZE` | `100` | most items in one `BatchInterpret` |
//! | `--max-concurrent-streams` | `VEI_MAX_CONCURRENT_STREAMS` | `256` | HTTP/2 streams per connection |
//! | `--request-timeout` | `VEI_REQUEST_TIMEOUT` | `5s` | server-side bound on every call |
//! | `--keepalive-interval` | `VEI_KEEPALIVE_INTERVAL` | `30s` | HTTP/2 PING interval to detect dead peers |
//! | `--keepalive-timeout` | `VEI_KEEPALIVE_TIMEOUT` | `10s` | how long a PING may go unanswered |
//! | `--max-connection-age` | `VEI_MAX_CONNECTION_AGE` | `5m` | GOAWAY after this (±10% per process) so clients re-resolve and rebalance |
//! | `--shutdown-delay` | `VEI_SHUTDOWN_DELAY` | `0s` | after SIGTERM, keep serving this long while health says NOT_SERVING |
//! | `--drain-timeout` | `VEI_DRAIN_TIMEOUT` | `20s` | the most time in-flight calls get after SIGTERM; at least `--request-timeout`, or the server refuses to start |
//! | `--metrics-addr` | `VEI_METRICS_ADDR` | `0.0.0.0:9090` | Prometheus `GET /metrics` (HTTP/1.1), off the gRPC port |
//! | `--runtime` | `VEI_RUNTIME` | `multi-thread` | tokio flavour: `multi-thread` or `current-thread` (one core, no work stealing) |
//! | `--worker-threads` | `VEI_WORKER_THREADS` | `0` | multi-thread workers; 0 means one per CPU the process may use. tokio does not see Kubernetes CPU limits: set this to the limit |
//! | `--max-concurrent-requests` | `VEI_MAX_CONCURRENT_REQUESTS` | `256` | interpreter calls in flight across all connections; more get `RESOURCE_EXHAUSTED` at once; `0` = no limit. Health is never limited |
//! | `--tls-cert` | `VEI_TLS_CERT` | none | PEM certificate chain; with `--tls-key`, serve TLS only |
//! | `--tls-key` | `VEI_TLS_KEY` | none | PEM private key (PKCS#8, PKCS#1 or SEC1) |
//! | `--tls-client-ca` | `VEI_TLS_CLIENT_CA` | none | PEM CA bundle; clients must present a certificate it signed (mutual TLS) |
//! | `--health-addr` | `VEI_HEALTH_ADDR` | none | extra plaintext listener serving only `grpc.health.v1`, for kubelet gRPC probes when TLS is on |
//! | `--coalesce-writes` | `VEI_COALESCE_WRITES` | `true` | gather each connection's responses into one write (h2 gives each DATA frame of 256 bytes or more its own write, hyperium/h2#902); `false` turns it off |
//! | `--max-connections` | `VEI_MAX_CONNECTIONS` | `1000` | connections the gRPC listener holds at once; beyond it new ones are closed at once; `0` = no limit. The `--health-addr` listener is exempt |
//! | `--preface-timeout` | `VEI_PREFACE_TIMEOUT` | `10s` | a connection that has not sent the HTTP/2 client preface by then is closed (under TLS: counted from the end of the handshake, which has its own 10 s timeout) |
//! | `--max-control-frames-per-second` | `VEI_MAX_CONTROL_FRAMES_PER_SECOND` | `10` | PING and SETTINGS frames per connection after a burst of 100; each request earns one back; over it, GOAWAY `ENHANCE_YOUR_CALM` and close; `0` = no limit |

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{ArgAction, Parser, Subcommand, ValueEnum};

use crate::grpc::ServiceSettings;
use crate::server::{ServeConfig, TlsFiles};
use crate::startup::{ServerConfig, report_overlay_check};
pub use crate::telemetry::LogFormat;

/// Which tokio runtime serves requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RuntimeFlavor {
    /// Work-stealing workers, `--worker-threads` of them.
    MultiThread,
    /// One thread: cheapest per call for tiny handlers, one core at most.
    CurrentThread,
}

/// What the binary does instead of serving.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Check a catalog overlay file as start-up would, print what it
    /// overrides, and exit 0 (valid) or 1 (invalid, with the reason on
    /// stderr); serves nothing.
    CheckOverlay {
        /// The overlay file (docs/catalog-overlay.md).
        path: PathBuf,
    },
}

/// The server's configuration; see the module docs for the table.
#[derive(Debug, Clone, Parser)]
#[command(name = "vehicle-error-interpreter", version, about)]
pub struct Config {
    /// A mode other than serving; none serves.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Address to serve gRPC on.
    #[arg(long, env = "VEI_LISTEN_ADDR", default_value = "0.0.0.0:50051")]
    pub listen_addr: SocketAddr,
    /// App name for `<app name>` when a request gives none.
    #[arg(long, env = "VEI_DEFAULT_APP_NAME", default_value = "the app")]
    pub default_app_name: String,
    /// Catalog overlay file; its directory is watched for changes.
    #[arg(long, env = "VEI_CATALOG_OVERLAY")]
    pub catalog_overlay: Option<PathBuf>,
    /// Log line format.
    #[arg(long, env = "VEI_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Tracing filter directives.
    #[arg(long, env = "VEI_LOG", default_value = "info")]
    pub log_filter: String,
    /// Largest `body` accepted, in bytes.
    #[arg(long, env = "VEI_MAX_BODY_BYTES", default_value_t = 16 * 1024)]
    pub max_body_bytes: usize,
    /// Largest request message decoded, in bytes.
    #[arg(long, env = "VEI_MAX_MESSAGE_BYTES", default_value_t = 256 * 1024)]
    pub max_message_bytes: usize,
    /// Largest InterpretPayload body read, in bytes.
    #[arg(long, env = "VEI_MAX_PAYLOAD_BYTES", default_value_t = 1024 * 1024)]
    pub max_payload_bytes: usize,
    /// InterpretPayload message bytes held at once; 0 = no cap.
    #[arg(long, env = "VEI_MAX_PAYLOAD_BYTES_IN_FLIGHT", default_value_t = 48 * 1024 * 1024)]
    pub max_payload_bytes_in_flight: usize,
    /// Most items in one batch.
    #[arg(long, env = "VEI_MAX_BATCH_SIZE", default_value_t = 100)]
    pub max_batch_size: usize,
    /// HTTP/2 concurrent streams per connection.
    #[arg(long, env = "VEI_MAX_CONCURRENT_STREAMS", default_value_t = 256)]
    pub max_concurrent_streams: u32,
    /// Server-side bound on every call.
    #[arg(long, env = "VEI_REQUEST_TIMEOUT", default_value = "5s", value_parser = humantime::parse_duration)]
    pub request_timeout: Duration,
    /// HTTP/2 keepalive PING interval.
    #[arg(long, env = "VEI_KEEPALIVE_INTERVAL", default_value = "30s", value_parser = humantime::parse_duration)]
    pub keepalive_interval: Duration,
    /// HTTP/2 keepalive PING timeout.
    #[arg(long, env = "VEI_KEEPALIVE_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub keepalive_timeout: Duration,
    /// Connection age before GOAWAY.
    #[arg(long, env = "VEI_MAX_CONNECTION_AGE", default_value = "5m", value_parser = humantime::parse_duration)]
    pub max_connection_age: Duration,
    /// Lame-duck time after SIGTERM.
    #[arg(long, env = "VEI_SHUTDOWN_DELAY", default_value = "0s", value_parser = humantime::parse_duration)]
    pub shutdown_delay: Duration,
    /// Bound on draining in-flight calls.
    #[arg(long, env = "VEI_DRAIN_TIMEOUT", default_value = "20s", value_parser = humantime::parse_duration)]
    pub drain_timeout: Duration,
    /// Address to serve Prometheus metrics on.
    #[arg(long, env = "VEI_METRICS_ADDR", default_value = "0.0.0.0:9090")]
    pub metrics_addr: SocketAddr,
    /// Tokio runtime flavour.
    #[arg(long, env = "VEI_RUNTIME", value_enum, default_value = "multi-thread")]
    pub runtime: RuntimeFlavor,
    /// Multi-thread worker count; 0 means one per available CPU.
    #[arg(long, env = "VEI_WORKER_THREADS", default_value_t = 0)]
    pub worker_threads: usize,
    /// Interpreter calls in flight at once, across connections; 0 = no limit.
    #[arg(long, env = "VEI_MAX_CONCURRENT_REQUESTS", default_value_t = 256)]
    pub max_concurrent_requests: usize,
    /// PEM certificate chain for TLS.
    #[arg(long, env = "VEI_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for TLS.
    #[arg(long, env = "VEI_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// PEM CA bundle that client certificates must chain to (mutual TLS).
    #[arg(long, env = "VEI_TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,
    /// Plaintext health-only listener, for probes that cannot speak TLS.
    #[arg(long, env = "VEI_HEALTH_ADDR")]
    pub health_addr: Option<SocketAddr>,
    /// Coalesce each connection's writes; `--coalesce-writes=false` turns it off.
    #[arg(long, env = "VEI_COALESCE_WRITES", action = ArgAction::Set, default_value_t = true)]
    pub coalesce_writes: bool,
    /// Connections the gRPC listener holds at once; 0 = no limit.
    #[arg(long, env = "VEI_MAX_CONNECTIONS", default_value_t = 1000)]
    pub max_connections: usize,
    /// Time a connection gets to send the HTTP/2 client preface (under TLS,
    /// after its handshake).
    #[arg(long, env = "VEI_PREFACE_TIMEOUT", default_value = "10s", value_parser = nonzero_duration)]
    pub preface_timeout: Duration,
    /// PING and SETTINGS frames per second per connection, after a burst; 0 = no limit.
    #[arg(long, env = "VEI_MAX_CONTROL_FRAMES_PER_SECOND", default_value_t = 10)]
    pub max_control_frames_per_second: u32,
}

/// A duration that is not zero.
fn nonzero_duration(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text) {
        Ok(d) if d.is_zero() => Err("must be more than 0".to_owned()),
        Ok(d) => Ok(d),
        Err(err) => Err(err.to_string()),
    }
}

impl Config {
    /// Runs the subcommand, if one was given, and exits the process with
    /// its status; without one returns, and `main` goes on to serve. It
    /// runs before any runtime or log subscriber exists: a check needs
    /// neither, and its output is for people and CI, not log shippers.
    pub fn run_subcommand_and_exit(&self) {
        let Some(command) = &self.command else {
            return;
        };
        let ok = match command {
            Command::CheckOverlay { path } => report_overlay_check(path),
        };
        // Nothing to drop: no runtime, no telemetry, no listener exists yet.
        std::process::exit(if ok { 0 } else { 1 });
    }

    /// Builds the tokio runtime these flags ask for.
    ///
    /// # Errors
    /// When the runtime cannot start its threads or I/O driver; the error
    /// says so, ready for the user.
    pub fn runtime(&self) -> std::io::Result<tokio::runtime::Runtime> {
        let mut builder = match self.runtime {
            RuntimeFlavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
            RuntimeFlavor::MultiThread => {
                let mut builder = tokio::runtime::Builder::new_multi_thread();
                if self.worker_threads > 0 {
                    builder.worker_threads(self.worker_threads);
                }
                builder
            }
        };
        let context = |err: std::io::Error| {
            std::io::Error::new(err.kind(), format!("starting the tokio runtime: {err}"))
        };
        builder.enable_all().build().map_err(context)
    }

    /// Refuses flag combinations the server cannot honour
    /// ([`ServerConfig::validate`]), as a usage error.
    ///
    /// # Errors
    /// A clap error naming the flags; `exit()` prints it and exits 2.
    pub fn check(&self) -> Result<(), clap::Error> {
        use clap::CommandFactory as _;
        self.server_config()
            .validate()
            .map_err(|msg| Self::command().error(clap::error::ErrorKind::ArgumentConflict, msg))
    }

    /// The server settings these flags describe.
    pub fn server_config(&self) -> ServerConfig {
        ServerConfig {
            listen_addr: self.listen_addr,
            health_addr: self.health_addr,
            metrics_addr: Some(self.metrics_addr),
            service: ServiceSettings {
                max_body_bytes: self.max_body_bytes,
                max_batch_size: self.max_batch_size,
                max_payload_bytes: self.max_payload_bytes,
            },
            default_app_name: self.default_app_name.clone(),
            catalog_overlay: self.catalog_overlay.clone(),
            serve: ServeConfig {
                max_message_bytes: self.max_message_bytes,
                max_concurrent_streams: self.max_concurrent_streams,
                request_timeout: self.request_timeout,
                keepalive_interval: self.keepalive_interval,
                keepalive_timeout: self.keepalive_timeout,
                max_connection_age: self.max_connection_age,
                shutdown_delay: self.shutdown_delay,
                drain_timeout: self.drain_timeout,
                max_concurrent_requests: self.max_concurrent_requests,
                max_payload_bytes_in_flight: self.max_payload_bytes_in_flight,
                tls: self.tls_files(),
                coalesce_writes: self.coalesce_writes,
                max_connections: self.max_connections,
                preface_timeout: self.preface_timeout,
                max_control_frames_per_second: self.max_control_frames_per_second,
            },
        }
    }

    fn tls_files(&self) -> Option<TlsFiles> {
        // clap's `requires` guarantees the pair; a lone half cannot get here.
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
                client_ca: self.tls_client_ca.clone(),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    /// README's configuration table has a row for every flag, with its
    /// variable and default, so the table cannot fall behind `--help`.
    #[test]
    fn readme_documents_every_flag() {
        let readme = include_str!("../README.md");
        let command = Config::command();
        let args: Vec<_> = command
            .get_arguments()
            .filter_map(|arg| arg.get_long().map(|long| (long, arg)))
            .collect();
        assert!(args.len() > 20, "found only {} flags", args.len());
        for (long, arg) in args {
            if long == "help" || long == "version" {
                continue;
            }
            let env = arg.get_env().map(|e| e.to_string_lossy().into_owned());
            let env = env.unwrap_or_else(|| panic!("--{long} has no environment variable"));
            let default = match arg.get_default_values() {
                [] => "none".to_owned(),
                [one] => format!("`{}`", one.to_string_lossy()),
                many => panic!("--{long} has {} defaults", many.len()),
            };
            let row = format!("| `--{long}` | `{env}` | {default} |");
            assert!(readme.contains(&row), "README.md lacks the row {row}");
        }
    }

    /// The defaults are the documented ones and agree with `ServerConfig`'s.
    #[test]
    fn defaults_match_server_defaults() {
        let config = Config::try_parse_from(["vehicle-error-interpreter"]).unwrap();
        let from_flags = config.server_config();
        assert_eq!(from_flags.listen_addr, "0.0.0.0:50051".parse().unwrap());
        let defaults = ServerConfig::default();
        assert_eq!(format!("{from_flags:?}"), format!("{defaults:?}"));
    }

    /// A drain shorter than the request timeout is refused, `0s` included;
    /// the preface timeout cannot be 0.
    #[test]
    fn drain_must_outlast_the_request_timeout() {
        let parse = |args: &[&str]| {
            Config::try_parse_from(
                std::iter::once("vehicle-error-interpreter").chain(args.iter().copied()),
            )
        };
        let err = parse(&["--drain-timeout", "0s"])
            .unwrap()
            .check()
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("--drain-timeout (0s) must be at least --request-timeout (5s)"),
            "{err}"
        );
        assert!(parse(&["--drain-timeout", "4s"]).unwrap().check().is_err());
        assert!(parse(&["--drain-timeout", "5s"]).unwrap().check().is_ok());
        let short = parse(&["--drain-timeout", "1s", "--request-timeout", "1s"]);
        assert!(short.unwrap().check().is_ok());
        assert!(parse(&[]).unwrap().check().is_ok());
        assert!(parse(&["--preface-timeout", "0s"]).is_err());
    }

    /// Write coalescing is on unless turned off explicitly.
    #[test]
    fn coalesce_writes_can_be_turned_off() {
        let parse = |args: &[&str]| {
            Config::try_parse_from(
                std::iter::once("vehicle-error-interpreter").chain(args.iter().copied()),
            )
            .map(|config| config.server_config().serve.coalesce_writes)
        };
        assert!(parse(&[]).unwrap());
        assert!(!parse(&["--coalesce-writes=false"]).unwrap());
        assert!(!parse(&["--coalesce-writes", "false"]).unwrap());
        assert!(parse(&["--coalesce-writes=true"]).unwrap());
        assert!(parse(&["--coalesce-writes=maybe"]).is_err());
    }

    /// TLS needs both a certificate and a key; a client CA turns on mTLS.
    #[test]
    fn tls_flags_come_in_pairs() {
        let parse = |args: &[&str]| {
            Config::try_parse_from(
                std::iter::once("vehicle-error-interpreter").chain(args.iter().copied()),
            )
        };
        assert!(parse(&["--tls-cert", "c.pem"]).is_err());
        assert!(parse(&["--tls-key", "k.pem"]).is_err());
        assert!(parse(&["--tls-client-ca", "ca.pem"]).is_err());
        let config = parse(&[
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
            "--tls-client-ca",
            "ca.pem",
        ])
        .unwrap();
        let tls = config.server_config().serve.tls.unwrap();
        assert_eq!(tls.cert, PathBuf::from("c.pem"));
        assert_eq!(tls.key, PathBuf::from("k.pem"));
        assert_eq!(tls.client_ca, Some(PathBuf::from("ca.pem")));
    }
}
