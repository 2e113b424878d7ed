//! Serving: the interpreter, health and reflection services on one
//! listener, with deliberate limits, load shedding, optional TLS, an
//! optional plaintext health-only listener, and a bounded graceful shutdown.
//!
//! `serve` takes what it serves (the bound listeners, the catalog store
//! and metrics, its [`ServeConfig`]) and knows nothing of how they were
//! built: that is `startup`'s job. Below it, `transport` is the connection
//! path (accept, TLS, guards, write coalescing, lingering close) and the
//! tower layers see requests (metrics, traces, load shedding).

mod layers;
mod transport;

// Hidden, not private: `layers` and `transport` say why.
#[doc(hidden)]
pub use layers::GrpcService;
#[doc(hidden)]
pub use transport::CoalescedWrites;
pub use transport::{CONTROL_FRAME_BURST, TlsError, TlsFiles};

use std::{
    future::Future,
    hash::{BuildHasher, RandomState},
    num::NonZeroUsize,
    sync::Arc,
    time::Duration,
};

use thiserror::Error;
use tokio::{net::TcpListener, sync::oneshot};
use tokio_rustls::TlsAcceptor;
use tonic::transport::{Server, server::Router};
use tonic_health::{ServingStatus, server::HealthReporter};

use crate::grpc::pb::server::interpreter_service_server::{
    InterpreterService, InterpreterServiceServer,
};
use crate::grpc::{self, Catalogs, Interpreter, InterpreterServer, ServiceSettings, pb};
use crate::metrics::Metrics;
use crate::telemetry::Traces;

use transport::{Guards, Incoming};

/// Transport limits, TLS and shutdown timing: how `serve` serves.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Largest request message the codec decodes, for every RPC but
    /// `InterpretPayload` (whose limit is its payload limit plus
    /// [`PAYLOAD_MESSAGE_ROOM`]). Kept well above
    /// `ServiceSettings::max_body_bytes`, so an oversized body gets our
    /// `INVALID_ARGUMENT` with a `BadRequest` rather than the codec's bare
    /// `OUT_OF_RANGE`.
    pub max_message_bytes: usize,
    /// HTTP/2 concurrent streams per connection; tonic's default is none.
    pub max_concurrent_streams: u32,
    /// Server-side bound on every call (expires as `CANCELLED`).
    pub request_timeout: Duration,
    /// HTTP/2 keepalive PING interval.
    pub keepalive_interval: Duration,
    /// HTTP/2 keepalive PING timeout.
    pub keepalive_timeout: Duration,
    /// Connection age before GOAWAY, jittered ±10% per process. No grace
    /// is set on purpose: with a grace tonic sends no GOAWAY and cuts
    /// in-flight calls at age + grace.
    pub max_connection_age: Duration,
    /// After the shutdown signal, how long to keep serving while health
    /// reports NOT_SERVING (lame duck).
    pub shutdown_delay: Duration,
    /// After the shutdown delay, the most time in-flight calls and open
    /// streams (health `Watch`) get before the server stops anyway. At
    /// least `request_timeout` ([`ServeConfig::validate`]): every call in
    /// flight at the signal then ends by itself (answered, or cancelled by
    /// its own timeout) before the drain cuts it.
    pub drain_timeout: Duration,
    /// Interpreter calls in flight at once across all connections; beyond
    /// it calls get `RESOURCE_EXHAUSTED` at once. 0 turns the limit off.
    /// Health and reflection are never limited. 256 matches
    /// `max_concurrent_streams`: one busy connection can fill it, and it
    /// bounds decoded request memory to 256 x `max_message_bytes`.
    pub max_concurrent_requests: usize,
    /// `InterpretPayload` message bytes held at once across all calls;
    /// a call whose declared message length would pass it gets
    /// `RESOURCE_EXHAUSTED` (`PAYLOAD_BYTES_IN_FLIGHT`, with `RetryInfo`)
    /// at once. 0 turns the cap off. 48 MiB: each byte held costs about
    /// two at its peak (the decode buffer and the decoded string), so the
    /// cap keeps payloads under ~96 MiB of the pod's 128 MiB
    /// (docs/reliability.md has the measured figure).
    pub max_payload_bytes_in_flight: usize,
    /// TLS for the main listener; `None` serves plaintext (h2c).
    pub tls: Option<TlsFiles>,
    /// Coalesce each connection's writes ([`CoalescedWrites`]); off, h2
    /// writes once per DATA frame of 256 bytes or more.
    pub coalesce_writes: bool,
    /// Connections the main listener holds at once; beyond it a new one is
    /// closed at once. 0 turns the limit off. The health-only listener is
    /// exempt (kubelet probes must get through a connection flood).
    pub max_connections: usize,
    /// The most time a connection gets to send the HTTP/2 client preface
    /// before it is closed; under TLS it starts after the handshake, which
    /// has its own 10 s bound.
    pub preface_timeout: Duration,
    /// PING and SETTINGS frames a connection may send per second
    /// after a burst of [`CONTROL_FRAME_BURST`]; each request it sends
    /// earns one more. Over budget: GOAWAY `ENHANCE_YOUR_CALM` and close.
    /// 0 turns the limit off.
    pub max_control_frames_per_second: u32,
}

impl Default for ServeConfig {
    fn default() -> Self {
        Self {
            max_message_bytes: 256 * 1024,
            max_concurrent_streams: 256,
            request_timeout: Duration::from_secs(5),
            keepalive_interval: Duration::from_secs(30),
            keepalive_timeout: Duration::from_secs(10),
            max_connection_age: Duration::from_secs(300),
            shutdown_delay: Duration::ZERO,
            drain_timeout: Duration::from_secs(20),
            max_concurrent_requests: 256,
            max_payload_bytes_in_flight: 48 * 1024 * 1024,
            tls: None,
            coalesce_writes: true,
            max_connections: 1000,
            preface_timeout: Duration::from_secs(10),
            max_control_frames_per_second: 10,
        }
    }
}

impl ServeConfig {
    /// Refuses settings that cannot keep their promises: a drain shorter
    /// than the request timeout cuts calls still in flight at the signal
    /// (with `--drain-timeout 0s`, whichever were in flight: the SIGTERM
    /// fault test failed about 1 run in 4), which a bounded graceful
    /// shutdown exists to prevent.
    ///
    /// # Errors
    /// The message names the flags and says why.
    pub fn validate(&self) -> Result<(), String> {
        if self.drain_timeout < self.request_timeout {
            return Err(format!(
                "--drain-timeout ({}) must be at least --request-timeout ({}): a shorter drain \
                 cuts calls that are still in flight at SIGTERM",
                humantime::format_duration(self.drain_timeout),
                humantime::format_duration(self.request_timeout)
            ));
        }
        Ok(())
    }
}

/// Why serving failed, once started.
#[derive(Debug, Error)]
pub enum ServeError {
    /// The reflection service could not be built from the descriptors.
    #[error("reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// The transport failed.
    #[error("transport: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// The TLS files could not be read or used.
    #[error("TLS: {0}")]
    Tls(#[from] TlsError),
}

/// What `InterpretPayload`'s message limit admits beyond its payload
/// limit: the largest valid `used_signals` (1,000 values of 128
/// characters, ~131 KB with their tags) plus `app_name` and `locale`.
pub const PAYLOAD_MESSAGE_ROOM: usize = 256 * 1024;

/// The health service names this server registers: `""` (the whole
/// server) and the interpreter service. Kubernetes probes and clients'
/// health checks must ask for one of these.
pub const HEALTH_SERVICE_NAMES: [&str; 2] = ["", grpc::SERVICE_NAME];

/// The sockets a server listens on, bound by its caller.
#[derive(Debug)]
pub(crate) struct Listeners {
    /// Every gRPC service.
    pub(crate) grpc: TcpListener,
    /// `grpc.health.v1` alone, in plaintext, for probes when TLS is on.
    pub(crate) health: Option<TcpListener>,
    /// Prometheus' `GET /metrics`.
    pub(crate) metrics: Option<TcpListener>,
}

/// What the services answer from: the catalog store (loaded, and its
/// overlay applied), the metrics, and the interpreter's own settings.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) catalogs: Arc<Catalogs>,
    pub(crate) metrics: Metrics,
    /// The trace layer's handle; `None` while traces are off.
    pub(crate) traces: Option<Traces>,
    pub(crate) service: ServiceSettings,
}

/// Serves `state` on `listeners` until `shutdown` resolves, then drains:
/// health turns NOT_SERVING at once, the server keeps answering for
/// `shutdown_delay`, stops accepting, and gives in-flight calls up to
/// `drain_timeout` before returning.
///
/// The catalog (and its overlay) is already loaded and validated, which is
/// why health can report SERVING from the first connection.
///
/// Kubelet's native gRPC probes cannot speak TLS, so with TLS on they need
/// a plaintext port: the health-only listener serves nothing but health (no
/// interpreter, no reflection), reports the same statuses as the main
/// listener, is never load-shed, and stays up until the main server has
/// drained, so readiness probes see NOT_SERVING during the drain.
///
/// The interpreter's RPCs are answered by what `answerer` makes of the
/// real [`Interpreter`], and each generated server over it by what `wrap`
/// makes of it: the binary passes both through; the benchmarks' floor
/// (`examples/floor.rs`: the same stack writing pre-encoded answers)
/// wraps them, behind exactly the same limits and layers.
pub(crate) async fn serve<T, W>(
    listeners: Listeners,
    state: State,
    config: &ServeConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
    answerer: impl FnOnce(Interpreter) -> T,
    wrap: impl Fn(InterpreterServiceServer<T>) -> W,
) -> Result<(), ServeError>
where
    T: InterpreterService,
    W: GrpcService,
{
    let State {
        catalogs,
        metrics,
        traces,
        service,
    } = state;
    // `health_reporter()` marks "" SERVING as soon as it is built, so it is
    // built only here, after the catalog (and its overlay) loaded.
    let (health, health_service) = tonic_health::server::health_reporter();
    health.set_serving::<InterpreterServer>().await;

    if let Some(listener) = listeners.metrics {
        tokio::spawn(crate::metrics::http::serve(listener, metrics.clone()));
    }
    let reloads = metrics.observe_reloads(catalogs.subscribe());
    let payload_message_limit = service
        .max_payload_bytes
        .saturating_add(PAYLOAD_MESSAGE_ROOM);
    let interpreter = Arc::new(answerer(
        Interpreter::new(catalogs, service)
            .with_observer(layers::observer(&metrics, traces.as_ref())),
    ));
    // Two server values over one handler: tonic's decode limit is per
    // service value, and only InterpretPayload may take the larger one.
    let interpreter = layers::PayloadRoute::new(
        wrap(
            InterpreterServiceServer::from_arc(Arc::clone(&interpreter))
                .max_decoding_message_size(config.max_message_bytes),
        ),
        wrap(
            InterpreterServiceServer::from_arc(interpreter)
                .max_decoding_message_size(payload_message_limit),
        ),
        payload_message_limit,
        config.max_payload_bytes_in_flight,
    );
    let health_service = health_service.max_decoding_message_size(4 * 1024);

    let (signal, draining) = lame_duck(shutdown, health, config.shutdown_delay);
    let health_only = health_only(
        listeners.health,
        builder(config).add_service(health_service.clone()),
        config,
    );

    // Outermost of our layers, so it also counts what later layers (load
    // shedding) reject; tonic's own timeout sits outside every layer, and a
    // timed-out call counts as CANCELLED, which is what clients see.
    // The trace layer, when tracing is on, sits inside the metrics layer
    // (the span covers load shedding too); off, the stack holds nothing of
    // it but an `Either` that is always the identity.
    let router = builder(config)
        .layer(layers::GrpcMetricsLayer::new(metrics.clone()))
        .layer(tower::util::option_layer(
            traces.map(layers::TraceLayer::new),
        ))
        .add_service(health_service)
        .add_service(reflection().build_v1()?)
        .add_service(reflection().build_v1alpha()?);
    // Only the interpreter is limited: health and reflection are added
    // unwrapped, so kubelet probes keep answering while calls are shed.
    let router = match NonZeroUsize::new(config.max_concurrent_requests) {
        Some(limit) => router.add_service(layers::Shed::new(interpreter, limit)),
        None => router.add_service(interpreter),
    };
    let tls = config
        .tls
        .as_ref()
        .map(transport::tls_acceptor)
        .transpose()?;
    let incoming = incoming(listeners.grpc, tls, config.max_connections, config);
    let server = router.serve_with_incoming_shutdown(incoming, signal);

    // tonic's graceful shutdown waits for every connection, and an open
    // health Watch never ends by itself: bound the drain from outside.
    let drain_budget = config.shutdown_delay + config.drain_timeout;
    tokio::select! {
        result = server => result?,
        () = drain_deadline(draining, drain_budget) => tracing::warn!(?drain_budget, "drain timeout; no longer waiting for the remaining connections"),
        // The health-only server runs until the main one is done (it is
        // dropped with this select); it ends early only by failing.
        result = health_only => result?,
        // Runs as long as the server; it never ends by itself.
        () = reloads => {}
    }
    tracing::info!("server stopped");
    Ok(())
}

/// The shutdown future the main server gets: once `shutdown` resolves,
/// health reports NOT_SERVING for every name and the server keeps
/// answering for `delay` (lame duck). The receiver hears when that began.
fn lame_duck(
    shutdown: impl Future<Output = ()> + Send + 'static,
    health: HealthReporter,
    delay: Duration,
) -> (
    impl Future<Output = ()> + Send + 'static,
    oneshot::Receiver<()>,
) {
    let (draining_tx, draining_rx) = oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        for name in HEALTH_SERVICE_NAMES {
            health
                .set_service_status(name, ServingStatus::NotServing)
                .await;
        }
        tracing::info!(delay = ?delay, "health NOT_SERVING; draining");
        let _ = draining_tx.send(());
        tokio::time::sleep(delay).await;
    };
    (signal, draining_rx)
}

/// `budget` after the drain began; never, when serving ends first.
async fn drain_deadline(draining: oneshot::Receiver<()>, budget: Duration) {
    match draining.await {
        Ok(()) => tokio::time::sleep(budget).await,
        Err(_) => std::future::pending().await,
    }
}

/// The health-only server on `listener`, when there is one; without,
/// pending forever. It is plaintext and has no connection limit.
async fn health_only(
    listener: Option<TcpListener>,
    router: Router,
    config: &ServeConfig,
) -> Result<(), tonic::transport::Error> {
    match listener {
        Some(listener) => {
            let incoming = incoming(listener, None, 0, config);
            router.serve_with_incoming(incoming).await
        }
        None => std::future::pending().await,
    }
}

/// Connections accepted on `listener` under this config's guards, TLS
/// terminated when `tls` is given; `max_connections` 0 is no limit.
fn incoming(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    max_connections: usize,
    config: &ServeConfig,
) -> Incoming {
    let guards = Guards::new(
        max_connections,
        config.preface_timeout,
        config.max_control_frames_per_second,
    );
    Incoming::new(listener, tls, Arc::new(guards), config.coalesce_writes)
}

/// A server builder with this config's transport limits, shared by the
/// main and the health-only listener.
fn builder(config: &ServeConfig) -> Server {
    Server::builder()
        .timeout(config.request_timeout)
        .max_concurrent_streams(config.max_concurrent_streams)
        .http2_keepalive_interval(Some(config.keepalive_interval))
        .http2_keepalive_timeout(Some(config.keepalive_timeout))
        .max_connection_age(jittered(config.max_connection_age))
}

/// Reflection over our descriptors, health's, and the `google.rpc` error
/// details, so `grpcurl list` shows and can call both services and decodes
/// the details inside `InterpretResponse.status`. Built twice (v1 and
/// v1alpha) because `build_*` consumes the builder: grpcurl asks v1 first,
/// Python's grpcio-reflection and older tools speak only v1alpha.
fn reflection() -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        // Also holds google/rpc/status.proto; the first registration of a
        // file wins, which keeps ours (the same file).
        .register_encoded_file_descriptor_set(tonic_types::pb::FILE_DESCRIPTOR_SET)
}

/// `age` ±10%, different per process, so pods started together do not send
/// GOAWAY to all their clients at the same moment.
fn jittered(age: Duration) -> Duration {
    let random = RandomState::new().hash_one(std::process::id());
    // random % 2001 is in 0..=2000: a factor of 0.9 to 1.1 in steps of 0.0001.
    let factor = 0.9 + (random % 2001) as f64 / 10_000.0;
    age.mul_f64(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Jitter stays within ±10% of the configured age.
    #[test]
    fn jitter_is_bounded() {
        let age = Duration::from_secs(300);
        for _ in 0..100 {
            let j = jittered(age);
            assert!(
                j >= Duration::from_secs(270) && j <= Duration::from_secs(330),
                "{j:?}"
            );
        }
    }
}
