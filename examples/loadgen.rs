//! Load generator for `vehicle-error-interpreter`.
//!
//! Drives `Interpret` and/or `grpc.health.v1.Health/Check` at a fixed
//! concurrency over N connections for a fixed duration, checks every answer
//! (status and content), and reports requests/s, p50/p99/p99.9 latency,
//! errors, and the server's CPU time per request (from `/proc/<pid>/stat`).
//!
//! With both RPCs it alternates them in rounds on the same connections, so
//! their ratio is measured in one run under the same conditions (docs/design.md
//! §7: `Interpret` throughput >= 0.9x `Health/Check`).
//!
//! ```text
//! cargo run --release --example loadgen -- --addr 127.0.0.1:50051 \
//!     --rpc interpret --rpc health --concurrency 64 --connections 4 \
//!     --duration 10s --server-pid "$(pgrep -f 'target/release/vehicle-error-interpreter')"
//! ```
//!
//! `--rate R` switches to an open loop at R requests/s in total, evenly
//! spaced, each call timed from when it was due (for latency at a fixed
//! offered load, without coordinated omission). Requests queued together
//! share one write, as grpc-go and grpcio clients send them;
//! `--write-per-call` gives a tonic client's one write per request. Exits
//! non-zero if any call failed.

use std::{
    fmt,
    net::SocketAddr,
    process::ExitCode,
    time::{Duration, Instant},
};

use clap::{Parser, ValueEnum};
use hdrhistogram::Histogram;
use hyper_util::rt::TokioIo;
use prost::Message as _;
use tokio::{net::TcpStream, task::JoinSet};
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use vehicle_error_interpreter::pb::{
    Identification, InterpretPayloadRequest, InterpretRequest, InterpretationView, PayloadKind,
    StructuredError, interpret_request::Input,
    interpreter_service_client::InterpreterServiceClient,
};

// The criterion benches' bodies; the load uses the DOOR_OPEN body and the
// VEHICLE_STATE delivery.
#[allow(dead_code)]
#[path = "common/deliveries.rs"]
mod deliveries;
use vehicle_error_interpreter::server::CoalescedWrites;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Rpc {
    /// `vehicle_errors.v1.InterpreterService/Interpret` with a v2 body.
    Interpret,
    /// `Interpret` with a structured type and code.
    InterpretStructured,
    /// `Interpret` with the v2 body and `INTERPRETATION_VIEW_FULL`: an
    /// answer over 1 KiB (the BASIC one is 1,005 bytes).
    InterpretFull,
    /// `grpc.health.v1.Health/Check` for `""`.
    Health,
    /// `InterpretPayload` with the criterion bench's VEHICLE_STATE
    /// delivery of `--signals` signals, 100 by default (every tenth
    /// failed).
    Payload,
}

impl fmt::Display for Rpc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rpc::Interpret => "Interpret",
            Rpc::InterpretStructured => "Interpret(structured)",
            Rpc::InterpretFull => "Interpret(full)",
            Rpc::Health => "Health.Check",
            Rpc::Payload => "InterpretPayload",
        })
    }
}

#[derive(Debug, Parser)]
#[command(about = "Load generator for vehicle-error-interpreter")]
struct Args {
    /// Server address.
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: SocketAddr,
    /// RPCs to drive; several alternate in rounds.
    #[arg(long, value_enum, default_values_t = [Rpc::Interpret])]
    rpc: Vec<Rpc>,
    /// Calls in flight at once, in total (with `--rate`, the most in
    /// flight: calls due while every worker is busy wait, and their wait
    /// counts in their latency).
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// HTTP/2 connections the calls are spread over.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Measured time per RPC, split over the rounds.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    duration: Duration,
    /// Unmeasured time per RPC before the first round.
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    warmup: Duration,
    /// Rounds each RPC's duration is split into, alternating RPCs.
    #[arg(long, default_value_t = 4)]
    rounds: u32,
    /// Open loop at this many requests/s in total, instead of a closed loop.
    #[arg(long)]
    rate: Option<f64>,
    /// The server's pid, to report its CPU time per request.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Print one JSON object per RPC instead of a table.
    #[arg(long)]
    json: bool,
    /// Send each request with its own write, as a tonic client does,
    /// instead of coalescing the requests of one turn into one write as
    /// grpc-go and grpcio clients do (the default).
    #[arg(long)]
    write_per_call: bool,
    /// Write the first `--rpc`'s request as a gRPC length-prefixed message
    /// to this file and exit: the body for h2load's `--data`.
    #[arg(long)]
    dump_request: Option<std::path::PathBuf>,
    /// Signals in `--rpc payload`'s delivery (criterion's
    /// `payload/vehicle_state_<N>` has the same bytes); at least 30, so
    /// each of its three failed kinds is there and the answer has three
    /// items.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(30..))]
    signals: u16,
}

/// What one phase (or the sum of phases) of one RPC measured.
struct Tally {
    latency: Histogram<u64>,
    ok: u64,
    errors: u64,
    first_error: Option<String>,
    wall: Duration,
    server_cpu: Option<Duration>,
    /// Open loop only: how late the pacer handed calls over (part of
    /// `latency`, and the load generator's doing, not the server's).
    pacer_lag: Option<Histogram<u64>>,
}

impl Tally {
    fn new() -> Self {
        Self {
            latency: new_histogram(),
            ok: 0,
            errors: 0,
            first_error: None,
            wall: Duration::ZERO,
            server_cpu: None,
            pacer_lag: None,
        }
    }

    fn merge(&mut self, other: Tally) {
        self.latency.add(&other.latency).expect("same bounds");
        self.ok += other.ok;
        self.errors += other.errors;
        self.first_error = self.first_error.take().or(other.first_error);
        self.wall += other.wall;
        self.server_cpu = match (self.server_cpu, other.server_cpu) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        self.pacer_lag = match (self.pacer_lag.take(), other.pacer_lag) {
            (Some(mut a), Some(b)) => {
                a.add(&b).expect("same bounds");
                Some(a)
            }
            (a, b) => a.or(b),
        };
    }

    fn rate(&self) -> f64 {
        (self.ok + self.errors) as f64 / self.wall.as_secs_f64()
    }

    fn cpu_per_request_us(&self) -> Option<f64> {
        let calls = self.ok + self.errors;
        self.server_cpu
            .filter(|_| calls > 0)
            .map(|cpu| cpu.as_secs_f64() * 1e6 / calls as f64)
    }
}

#[derive(Clone)]
struct Clients {
    interpreter: InterpreterServiceClient<Channel>,
    health: HealthClient<Channel>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    PAYLOAD_BODY
        .set(deliveries::vehicle_state(args.signals.into()))
        .expect("set once, first");
    if let Some(path) = &args.dump_request {
        let payload = match args.rpc[0] {
            Rpc::Health => HealthCheckRequest::default().encode_to_vec(),
            Rpc::Payload => payload_request().encode_to_vec(),
            rpc => interpret_request(rpc).encode_to_vec(),
        };
        let mut framed = vec![0];
        framed.extend_from_slice(&u32::try_from(payload.len()).expect("small").to_be_bytes());
        framed.extend_from_slice(&payload);
        std::fs::write(path, framed).expect("write the request file");
        return ExitCode::SUCCESS;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(&args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("loadgen: {err}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: &Args) -> Result<bool, Box<dyn std::error::Error>> {
    let mut clients = Vec::with_capacity(args.connections);
    for _ in 0..args.connections.max(1) {
        let endpoint = Endpoint::from_shared(format!("http://{}", args.addr))?.tcp_nodelay(true);
        let channel = if args.write_per_call {
            endpoint.connect().await?
        } else {
            endpoint
                .connect_with_connector(coalescing_connector(args.addr))
                .await?
        };
        clients.push(Clients {
            interpreter: InterpreterServiceClient::new(channel.clone()),
            health: HealthClient::new(channel),
        });
    }
    for &rpc in &args.rpc {
        phase(args, &clients, rpc, args.warmup).await;
    }
    let mut totals: Vec<(Rpc, Tally)> = args.rpc.iter().map(|&r| (r, Tally::new())).collect();
    let slice = args.duration / args.rounds.max(1);
    for _ in 0..args.rounds.max(1) {
        for (rpc, total) in &mut totals {
            let cpu_before = args.server_pid.and_then(server_cpu);
            let mut tally = phase(args, &clients, *rpc, slice).await;
            let cpu_after = args.server_pid.and_then(server_cpu);
            tally.server_cpu = cpu_before.zip(cpu_after).map(|(a, b)| b.saturating_sub(a));
            total.merge(tally);
        }
    }
    report(args, &totals);
    Ok(totals.iter().all(|(_, t)| t.errors == 0 && t.ok > 0))
}

/// Opens connections whose writes are coalesced the way the server's are
/// (`CoalescedWrites`). A tonic client flushes every request on its own;
/// the Go and Python services that call the interpreter batch what they
/// have queued into one write (grpc-go's writer flushes only when idle),
/// and so does h2load. Measured per-call writes made the load generator
/// itself the bottleneck and cost the server a read per request.
fn coalescing_connector(
    addr: SocketAddr,
) -> impl tower::Service<
    http::Uri,
    Response = TokioIo<CoalescedWrites<TcpStream>>,
    Error = std::io::Error,
    Future: Send,
> + Clone {
    tower::service_fn(move |_: http::Uri| async move {
        let tcp = TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        Ok(TokioIo::new(CoalescedWrites::new(tcp)))
    })
}

/// Runs `rpc` with `args.concurrency` workers for `length`.
async fn phase(args: &Args, clients: &[Clients], rpc: Rpc, length: Duration) -> Tally {
    let start = Instant::now();
    let deadline = start + length;
    let mut workers = JoinSet::new();
    let mut schedules = Vec::new();
    for worker in 0..args.concurrency {
        let clients = clients[worker % clients.len()].clone();
        let schedule = args.rate.map(|_| {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            schedules.push(tx);
            rx
        });
        workers.spawn(worker_loop(clients, rpc, deadline, schedule));
    }
    let pacer = args.rate.map(|rate| {
        let every = Duration::from_secs_f64(1.0 / rate);
        std::thread::spawn(move || pace(schedules, start, deadline, every))
    });
    let mut tally = Tally::new();
    while let Some(result) = workers.join_next().await {
        tally.merge(result.expect("worker panicked"));
    }
    tally.wall = start.elapsed();
    if let Some(pacer) = pacer {
        tally.pacer_lag = Some(pacer.join().expect("pacer panicked"));
    }
    tally
}

/// The open loop's clock: hands call k its due time `start + k * every`,
/// round robin over the workers, until `deadline`.
///
/// Why a thread and not tokio's timer: tokio's timer ticks in whole
/// milliseconds, so at tens of thousands of calls per second it releases
/// them in bursts of dozens per millisecond, and the percentiles measure
/// the drain of those bursts. A sleeping thread wakes within about 0.1 ms.
/// Workers time each call from its due time, not from when they got to
/// it, so a call that waited behind a slow one counts its wait (no
/// coordinated omission); the pacer's own wake-up delay is in that too,
/// so it returns how late it handed each call over.
fn pace(
    workers: Vec<tokio::sync::mpsc::UnboundedSender<Instant>>,
    start: Instant,
    deadline: Instant,
    every: Duration,
) -> Histogram<u64> {
    let mut lag = new_histogram();
    for k in 0u32.. {
        let due = start + every * k;
        if due >= deadline {
            break;
        }
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        lag.saturating_record(micros(due.elapsed()));
        // A worker gone means the phase is over.
        if workers[k as usize % workers.len()].send(due).is_err() {
            break;
        }
    }
    // Closing the schedules is what tells the workers the phase is over.
    drop(workers);
    lag
}

fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds")
}

/// Whole microseconds, at least 1 (the histogram's lowest value).
fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX).max(1)
}

/// Calls `rpc` back to back until `deadline` (closed loop), or once per
/// due time from `schedule` until the pacer stops (open loop).
async fn worker_loop(
    mut clients: Clients,
    rpc: Rpc,
    deadline: Instant,
    mut schedule: Option<tokio::sync::mpsc::UnboundedReceiver<Instant>>,
) -> Tally {
    let mut tally = Tally::new();
    loop {
        let since = match &mut schedule {
            Some(schedule) => match schedule.recv().await {
                Some(due) => due,
                None => break,
            },
            None if Instant::now() < deadline => Instant::now(),
            None => break,
        };
        let outcome = call(&mut clients, rpc).await;
        tally.latency.saturating_record(micros(since.elapsed()));
        match outcome {
            Ok(()) => tally.ok += 1,
            Err(err) => {
                tally.errors += 1;
                tally.first_error.get_or_insert(err);
            }
        }
    }
    tally
}

/// One call, with its answer checked.
async fn call(clients: &mut Clients, rpc: Rpc) -> Result<(), String> {
    match rpc {
        Rpc::Interpret | Rpc::InterpretStructured | Rpc::InterpretFull => {
            let response = clients
                .interpreter
                .interpret(interpret_request(rpc))
                .await
                .map_err(|s| format!("{:?}: {}", s.code(), s.message()))?
                .into_inner();
            if response.identification() != Identification::ExactCode
                || response.catalog_code != "DOOR_OPEN"
            {
                return Err(format!(
                    "unexpected answer: {:?} {:?}",
                    response.identification(),
                    response.catalog_code
                ));
            }
            Ok(())
        }
        Rpc::Payload => {
            let response = clients
                .interpreter
                .interpret_payload(payload_request())
                .await
                .map_err(|s| format!("{:?}: {}", s.code(), s.message()))?
                .into_inner();
            if response.payload_kind() != PayloadKind::Webhook || response.items.len() != 3 {
                return Err(format!(
                    "unexpected answer: {:?}, {} items",
                    response.payload_kind(),
                    response.items.len()
                ));
            }
            Ok(())
        }
        Rpc::Health => {
            let response = clients
                .health
                .check(HealthCheckRequest::default())
                .await
                .map_err(|s| format!("{:?}: {}", s.code(), s.message()))?
                .into_inner();
            if response.status() != ServingStatus::Serving {
                return Err(format!("health {:?}", response.status()));
            }
            Ok(())
        }
    }
}

/// The `Interpret` request the load uses: the documented DOOR_OPEN body,
/// or the same error as a structured type and code.
fn interpret_request(rpc: Rpc) -> InterpretRequest {
    let input = if rpc == Rpc::InterpretStructured {
        Input::Structured(StructuredError {
            r#type: "VEHICLE_STATE".into(),
            code: "DOOR_OPEN".into(),
        })
    } else {
        Input::Body(deliveries::DOOR_OPEN_BODY.to_owned())
    };
    let view = if rpc == Rpc::InterpretFull {
        InterpretationView::Full
    } else {
        InterpretationView::Unspecified
    };
    InterpretRequest {
        input: Some(input),
        app_name: "Load Test".into(),
        view: view.into(),
        ..Default::default()
    }
}

/// `--rpc payload`'s delivery, built once from `--signals`.
static PAYLOAD_BODY: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The `InterpretPayload` request the load uses: the criterion bench's
/// VEHICLE_STATE delivery of `--signals` signals, with the same used
/// signals.
fn payload_request() -> InterpretPayloadRequest {
    InterpretPayloadRequest {
        body: PAYLOAD_BODY.get().expect("set in main").clone(),
        used_signals: vec!["closure-islocked".into(), "group2-signalname9".into()],
        app_name: "Load Test".into(),
        ..Default::default()
    }
}

/// User plus system CPU time of `pid`, from `/proc/<pid>/stat` (fields 14
/// and 15, in clock ticks; 100 per second on Linux).
fn server_cpu(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; count from after its ')'.
    let fields: Vec<&str> = stat[stat.rfind(')')? + 2..].split(' ').collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn report(args: &Args, totals: &[(Rpc, Tally)]) {
    let pct = |t: &Tally, q: f64| t.latency.value_at_quantile(q);
    for (rpc, t) in totals {
        let cpu = t.cpu_per_request_us();
        let lag = t.pacer_lag.as_ref().map(|h| h.value_at_quantile(0.99));
        if args.json {
            println!(
                "{{\"rpc\":\"{rpc}\",\"requests\":{},\"errors\":{},\"rps\":{:.0},\"p50_us\":{},\"p99_us\":{},\"p999_us\":{},\"server_cpu_us_per_request\":{},\"pacer_lag_p99_us\":{}}}",
                t.ok + t.errors,
                t.errors,
                t.rate(),
                pct(t, 0.5),
                pct(t, 0.99),
                pct(t, 0.999),
                cpu.map_or("null".to_owned(), |c| format!("{c:.2}")),
                lag.map_or("null".to_owned(), |l| l.to_string()),
            );
        } else {
            println!(
                "{rpc:<22} {:>9} req {:>9.0} req/s  p50 {:>6} us  p99 {:>6} us  p99.9 {:>6} us  errors {}  server cpu {}{}",
                t.ok + t.errors,
                t.rate(),
                pct(t, 0.5),
                pct(t, 0.99),
                pct(t, 0.999),
                t.errors,
                cpu.map_or("n/a".to_owned(), |c| format!("{c:.2} us/req")),
                lag.map_or(String::new(), |l| format!("  pacer lag p99 {l} us")),
            );
        }
        if let Some(err) = &t.first_error {
            eprintln!("{rpc}: first error: {err}");
        }
    }
    let find = |r: Rpc| totals.iter().find(|(x, _)| *x == r).map(|(_, t)| t);
    if let (Some(i), Some(h)) = (
        find(Rpc::Interpret)
            .or(find(Rpc::InterpretStructured))
            .or(find(Rpc::InterpretFull)),
        find(Rpc::Health),
    ) {
        let cpu_ratio = i
            .cpu_per_request_us()
            .zip(h.cpu_per_request_us())
            .map(|(i, h)| h / i);
        if args.json {
            println!(
                "{{\"ratio_throughput\":{:.3},\"ratio_cpu\":{}}}",
                i.rate() / h.rate(),
                cpu_ratio.map_or("null".to_owned(), |r| format!("{r:.3}"))
            );
        } else {
            println!(
                "ratio Interpret/Health.Check: throughput {:.3}, server cpu per request (health/interpret) {}",
                i.rate() / h.rate(),
                cpu_ratio.map_or("n/a".to_owned(), |r| format!("{r:.3}"))
            );
        }
    }
}
