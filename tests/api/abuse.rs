//! Hostile HTTP/2 peers (issue 15 point 2), each against the real binary
//! while a well-behaved client keeps calling `Interpret` on its own
//! connection: rapid reset, a CONTINUATION flood, SETTINGS and PING floods,
//! a zero-window client that never reads, 1,000 connections that never
//! send the preface, and a connection flood past `--max-connections`.
//!
//! For each: the abusive connection is closed, the well-behaved client's
//! calls all succeed (before, during and after), the server's `VmRSS` stays
//! within a loose bound, and its log gains at most a few lines (nothing per
//! frame). Every attack is bounded by frame or connection counts (constants
//! below) and by a patience after which a still-open connection fails the
//! test; nothing waits on a sleep. Each test prints one `attack:` line with
//! its measurements (docs/reliability.md, "Hostile HTTP/2 peers").

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use prost::Message as _;
use tokio::{sync::watch, task::JoinHandle};
use tonic_health::pb::health_check_response::ServingStatus;
use vehicle_error_interpreter::pb::{
    ListVehicleStateErrorsRequest, interpreter_service_client::InterpreterServiceClient,
};

use crate::helpers::{
    BinaryServer, INTERPRET, connect,
    frames::{
        CONTINUATION, DATA, END_HEADERS, END_STREAM, GoAway, HEADERS, INITIAL_WINDOW_SIZE, PING,
        RST_STREAM, RawConn, filler_block, frame, request_block, settings,
    },
    health_client, probe_once, structured,
};

/// Frames in one flood (PING, SETTINGS, CONTINUATION).
const FLOOD_FRAMES: usize = 10_000;
/// Streams opened and reset at once in the rapid-reset attack.
const RESET_STREAMS: usize = 10_000;
/// Frames written per socket write in a flood.
const BATCH: usize = 100;
/// Connections that never send the preface.
const SLOWLORIS: usize = 1_000;
/// `--preface-timeout` for the slowloris test.
const PREFACE_TIMEOUT: Duration = Duration::from_secs(1);
/// `--max-connections` for the connection flood, and how many connect.
const CONNECTION_LIMIT: usize = 50;
const FLOOD_CONNECTIONS: usize = 200;
/// Streams a zero-window client leaves waiting for window.
const STUCK_STREAMS: u32 = 256;
/// How long an abusive connection may stay open before the test fails.
const PATIENCE: Duration = Duration::from_secs(10);
/// Growth of the server's `VmRSS` allowed during one attack.
const RSS_BOUND_KIB: u64 = 32 * 1024;
/// Log lines one attack may add (a throttled warning, h2's own warning).
const LOG_BOUND: usize = 4;
/// `ENHANCE_YOUR_CALM`.
const ENHANCE_YOUR_CALM: u32 = 0xb;

/// A well-behaved client: `Interpret` in a loop on its own connection.
struct Caller {
    calls: watch::Receiver<u64>,
    stop: Arc<AtomicBool>,
    task: JoinHandle<Vec<String>>,
}

impl Caller {
    async fn start(addr: std::net::SocketAddr) -> Self {
        let mut client = InterpreterServiceClient::new(connect(addr).await);
        let (tx, calls) = watch::channel(0_u64);
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let task = tokio::spawn(async move {
            let mut failures = Vec::new();
            // Bounded, though `stop` ends it long before.
            for _ in 0..10_000_000 {
                if stopped.load(Ordering::Relaxed) {
                    break;
                }
                let mut request = tonic::Request::new(structured("DOOR_OPEN"));
                request.set_timeout(Duration::from_secs(5));
                if let Err(status) = client.interpret(request).await {
                    failures.push(format!("{status:?}"));
                }
                tx.send_modify(|c| *c += 1);
            }
            failures
        });
        Self { calls, stop, task }
    }

    /// Waits until `more` further calls have completed.
    async fn more(&mut self, more: u64) {
        let target = *self.calls.borrow() + more;
        tokio::time::timeout(PATIENCE, self.calls.wait_for(|c| *c >= target))
            .await
            .unwrap_or_else(|_| panic!("the well-behaved client stalled below {target} calls"))
            .unwrap();
    }

    /// Stops; the number of calls, and the failures.
    async fn finish(self) -> (u64, Vec<String>) {
        self.stop.store(true, Ordering::Relaxed);
        let failures = self.task.await.unwrap();
        (*self.calls.borrow(), failures)
    }
}

/// The server's resident set, sampled every 20 ms until stopped: the peak.
struct RssPeak {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl RssPeak {
    fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let (stopped, max) = (Arc::clone(&stop), Arc::clone(&peak));
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_millis(20));
            while !stopped.load(Ordering::Relaxed) {
                ticks.tick().await;
                if let Some(kib) = rss_kib(pid) {
                    max.fetch_max(kib, Ordering::Relaxed);
                }
            }
        });
        Self { stop, peak, task }
    }

    async fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await.unwrap();
        self.peak.load(Ordering::Relaxed)
    }
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A server, a caller already calling, and the baselines.
struct Scene {
    name: &'static str,
    server: BinaryServer,
    caller: Caller,
    rss_before: u64,
    peak: RssPeak,
    lines_before: usize,
    started: Instant,
}

impl Scene {
    async fn start(name: &'static str, args: &[&str]) -> Self {
        let server = BinaryServer::start(args);
        let mut caller = Caller::start(server.addr).await;
        caller.more(20).await;
        let rss_before = server.rss_kib();
        let peak = RssPeak::start(server.child.id());
        let lines_before = server.log_lines().len();
        Self {
            name,
            server,
            caller,
            rss_before,
            peak,
            lines_before,
            started: Instant::now(),
        }
    }

    /// The caller keeps succeeding after the attack; RSS and the log stay
    /// within bounds. Prints the measurements; returns the server.
    async fn finish(mut self, result: &str) -> BinaryServer {
        let attack_took = self.started.elapsed();
        self.caller.more(20).await;
        let (calls, failures) = self.caller.finish().await;
        let peak = self.peak.finish().await;
        let rss_after = self.server.rss_kib();
        let lines: Vec<String> = self.server.log_lines()[self.lines_before..].to_vec();
        eprintln!(
            "attack: {}: {result}; attack {} ms; well-behaved calls {calls}, failed {}; \
             VmRSS {} -> peak {} -> {} KiB; {} log lines",
            self.name,
            attack_took.as_millis(),
            failures.len(),
            self.rss_before,
            peak.max(rss_after),
            rss_after,
            lines.len()
        );
        assert!(
            failures.is_empty(),
            "{}: {} well-behaved calls failed: {:?}",
            self.name,
            failures.len(),
            &failures[..failures.len().min(3)]
        );
        let growth = peak.max(rss_after).saturating_sub(self.rss_before);
        assert!(
            growth < RSS_BOUND_KIB,
            "{}: VmRSS grew by {growth} KiB",
            self.name
        );
        assert!(
            lines.len() <= LOG_BOUND,
            "{}: {} log lines: {lines:#?}",
            self.name,
            lines.len()
        );
        self.server
    }
}

/// Writes `frames` in batches until done or the server closes; returns how
/// many went out before the close was noticed.
async fn flood(conn: &mut RawConn, count: usize, mut next: impl FnMut(usize) -> Vec<u8>) -> usize {
    let mut sent = 0;
    while sent < count {
        let batch: Vec<u8> = (sent..(sent + BATCH).min(count))
            .flat_map(&mut next)
            .collect();
        if !conn.send(&batch).await {
            break;
        }
        sent = (sent + BATCH).min(count);
    }
    sent
}

/// Asserts the connection was closed within `PATIENCE`; returns the GOAWAY
/// and the close time.
fn closed_with(
    name: &str,
    received: &crate::helpers::frames::Received,
) -> (Option<GoAway>, Duration) {
    let closed = received.closed_after.unwrap_or_else(|| {
        panic!("{name}: the abusive connection is still open after {PATIENCE:?}")
    });
    (received.goaway(), closed)
}

/// Rapid reset (CVE-2023-44487): HEADERS then RST_STREAM, stream after
/// stream. h2 (0.4.20) counts streams reset before the server accepted
/// them and sends GOAWAY `ENHANCE_YOUR_CALM` (`too_many_resets`) past
/// its limit: nothing of ours is needed.
#[tokio::test]
async fn rapid_reset_is_cut_off_by_h2() {
    let scene = Scene::start("rapid reset", &[]).await;
    let mut conn = RawConn::handshake(scene.server.addr, &[], PATIENCE).await;
    let block = request_block(INTERPRET);
    let sent = flood(&mut conn, RESET_STREAMS, |i| {
        let stream = u32::try_from(2 * i + 1).unwrap();
        let mut pair = frame(HEADERS, END_HEADERS, stream, &block);
        pair.extend(frame(RST_STREAM, 0, stream, &8_u32.to_be_bytes()));
        pair
    })
    .await;
    let received = conn.received().await;
    let (goaway, closed) = closed_with("rapid reset", &received);
    let goaway = goaway.expect("a GOAWAY");
    assert_eq!(goaway.code, ENHANCE_YOUR_CALM, "{goaway:?}");
    let result = format!(
        "{sent} of {RESET_STREAMS} streams written, GOAWAY {goaway:?} (last stream {}), closed after {} ms",
        goaway.last_stream,
        closed.as_millis()
    );
    scene.finish(&result).await;
}

/// A CONTINUATION flood: HEADERS without END_HEADERS, then CONTINUATION
/// frames that never end the block (CVE-2024-27316 and kin). h2 (since
/// 0.4.4) allows a few more than the header list size needs and sends
/// GOAWAY `ENHANCE_YOUR_CALM` (`too_many_continuations`): nothing of ours
/// is needed.
#[tokio::test]
async fn continuation_flood_is_cut_off_by_h2() {
    let scene = Scene::start("CONTINUATION flood", &[]).await;
    let mut conn = RawConn::handshake(scene.server.addr, &[], PATIENCE).await;
    assert!(
        conn.send(&frame(HEADERS, 0, 1, &request_block(INTERPRET)))
            .await
    );
    let filler = filler_block();
    let sent = flood(&mut conn, FLOOD_FRAMES, |_| {
        frame(CONTINUATION, 0, 1, &filler)
    })
    .await;
    let received = conn.received().await;
    let (goaway, closed) = closed_with("CONTINUATION flood", &received);
    let goaway = goaway.expect("a GOAWAY");
    assert_eq!(goaway.code, ENHANCE_YOUR_CALM, "{goaway:?}");
    let result = format!(
        "{sent} of {FLOOD_FRAMES} CONTINUATION frames written, GOAWAY {goaway:?}, closed after {} ms",
        closed.as_millis()
    );
    scene.finish(&result).await;
}

/// A PING flood (CVE-2019-9512): h2 answers every PING; our budget cuts
/// the connection after the burst with GOAWAY `ENHANCE_YOUR_CALM`
/// `too_many_pings`.
#[tokio::test]
async fn ping_flood_gets_goaway_too_many_pings() {
    let scene = Scene::start("PING flood", &[]).await;
    let mut conn = RawConn::handshake(scene.server.addr, &[], PATIENCE).await;
    let sent = flood(&mut conn, FLOOD_FRAMES, |i| {
        frame(PING, 0, 0, &u64::try_from(i).unwrap().to_be_bytes())
    })
    .await;
    let received = conn.received().await;
    let (goaway, closed) = closed_with("PING flood", &received);
    let goaway = goaway.expect("a GOAWAY");
    assert_eq!(
        (goaway.code, goaway.debug.as_str()),
        (ENHANCE_YOUR_CALM, "too_many_pings")
    );
    let acks = received.count(PING);
    assert!(
        acks <= vehicle_error_interpreter::server::CONTROL_FRAME_BURST as usize,
        "{acks} PING ACKs"
    );
    let result = format!(
        "{sent} of {FLOOD_FRAMES} PINGs written, {acks} answered, GOAWAY {:?}, closed after {} ms",
        goaway.debug,
        closed.as_millis()
    );
    scene.finish(&result).await;
}

/// A SETTINGS flood (CVE-2019-9515): h2 acknowledges every SETTINGS; our
/// budget cuts the connection after the burst with GOAWAY
/// `ENHANCE_YOUR_CALM` `too_many_settings`.
#[tokio::test]
async fn settings_flood_gets_goaway() {
    let scene = Scene::start("SETTINGS flood", &[]).await;
    let mut conn = RawConn::handshake(scene.server.addr, &[], PATIENCE).await;
    let one = settings(&[(INITIAL_WINDOW_SIZE, 65_535)]);
    let sent = flood(&mut conn, FLOOD_FRAMES, |_| one.clone()).await;
    let received = conn.received().await;
    let (goaway, closed) = closed_with("SETTINGS flood", &received);
    let goaway = goaway.expect("a GOAWAY");
    assert_eq!(
        (goaway.code, goaway.debug.as_str()),
        (ENHANCE_YOUR_CALM, "too_many_settings")
    );
    let result = format!(
        "{sent} of {FLOOD_FRAMES} SETTINGS written, {} frames answered, GOAWAY {:?}, closed after {} ms",
        received.frames().len(),
        goaway.debug,
        closed.as_millis()
    );
    scene.finish(&result).await;
}

/// A zero-window client that never reads on: it opens `STUCK_STREAMS`
/// `ListVehicleStateErrors` calls (the largest answer for the smallest
/// request) with `SETTINGS_INITIAL_WINDOW_SIZE` 0, so no response body can
/// be sent, and answers nothing, PINGs included. Flow control throttles
/// it (nothing is written to it, the answers wait in memory, at most
/// `--max-concurrent-streams` of them) and keepalive closes it: the PING
/// goes unanswered.
#[tokio::test]
async fn zero_window_client_is_closed_by_keepalive() {
    let scene = Scene::start(
        "zero window",
        &["--keepalive-interval", "1s", "--keepalive-timeout", "1s"],
    )
    .await;
    let mut conn =
        RawConn::handshake(scene.server.addr, &[(INITIAL_WINDOW_SIZE, 0)], PATIENCE).await;
    let block = request_block("/vehicle_errors.v1.InterpreterService/ListVehicleStateErrors");
    let body = crate::helpers::frame(&ListVehicleStateErrorsRequest::default().encode_to_vec());
    let mut calls = Vec::new();
    for stream in (1..).step_by(2).take(STUCK_STREAMS as usize) {
        calls.extend(frame(HEADERS, END_HEADERS, stream, &block));
        calls.extend(frame(DATA, END_STREAM, stream, &body));
    }
    assert!(conn.send(&calls).await);
    let received = conn.received().await;
    let (goaway, closed) = closed_with("zero window", &received);
    let answered = received.count(HEADERS);
    let data = received.count(DATA);
    assert_eq!(data, 0, "DATA sent into a zero window");
    let result = format!(
        "{STUCK_STREAMS} calls opened, {answered} response HEADERS, 0 DATA, GOAWAY {goaway:?}, \
         closed after {} ms",
        closed.as_millis()
    );
    scene.finish(&result).await;
}

/// Slowloris: 1,000 connections that never send the preface are all
/// closed once `--preface-timeout` has passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_connections_are_closed_at_the_preface_timeout() {
    let timeout = format!("{}ms", PREFACE_TIMEOUT.as_millis());
    let scene = Scene::start(
        "slowloris",
        &["--preface-timeout", &timeout, "--max-connections", "2000"],
    )
    .await;
    let mut conns = Vec::with_capacity(SLOWLORIS);
    for _ in 0..SLOWLORIS {
        conns.push(RawConn::connect(scene.server.addr, PATIENCE).await);
    }
    let opened = scene.started.elapsed();
    let mut closes = Vec::with_capacity(SLOWLORIS);
    for conn in conns {
        let received = conn.received().await;
        let (_, closed) = closed_with("slowloris", &received);
        closes.push(closed);
    }
    let first = closes.iter().min().unwrap();
    let last = closes.iter().max().unwrap();
    // The server's clock starts at its accept, which can come a little
    // before our connect call sees the connection.
    assert!(
        *first >= PREFACE_TIMEOUT * 9 / 10,
        "closed after {first:?}, before the timeout"
    );
    let result = format!(
        "{SLOWLORIS} connections opened in {} ms, each closed {}-{} ms after its connect",
        opened.as_millis(),
        first.as_millis(),
        last.as_millis()
    );
    scene.finish(&result).await;
}

/// A connection flood past `--max-connections`: connections beyond the
/// limit are closed at once, those within it and the well-behaved client
/// are kept, the health-only listener (exempt) still answers probes, and
/// once the flood is gone new connections are admitted again.
#[tokio::test]
async fn connections_past_the_limit_are_closed_at_once() {
    let limit = CONNECTION_LIMIT.to_string();
    let scene = Scene::start(
        "connection flood",
        &["--max-connections", &limit, "--health-addr", "127.0.0.1:0"],
    )
    .await;
    let addr = scene.server.addr;
    // Patience: long enough to see the refusals, short enough that the
    // admitted ones are held while we probe.
    let mut conns = Vec::with_capacity(FLOOD_CONNECTIONS);
    for _ in 0..FLOOD_CONNECTIONS {
        let mut conn = RawConn::connect(addr, Duration::from_secs(2)).await;
        let start = [crate::helpers::frames::PREFACE, &settings(&[])].concat();
        let _ = conn.send(&start).await;
        conns.push(conn);
    }

    // While the flood holds every slot: a new client is refused, and the
    // health-only listener still answers what the kubelet asks.
    let refused = tokio::time::timeout(PATIENCE, async {
        let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect()
            .await?;
        InterpreterServiceClient::new(channel)
            .interpret(structured("DOOR_OPEN"))
            .await
            .map_err(Into::<Box<dyn std::error::Error + Send + Sync>>::into)
    })
    .await
    .expect("the refused connection hung");
    assert!(refused.is_err(), "a connection past the limit was served");
    let mut health = health_client(scene.server.health_addr.unwrap()).await;
    assert_eq!(
        probe_once(&mut health, "").await,
        Some(ServingStatus::Serving)
    );

    let mut closed = Vec::new();
    let mut held = 0;
    for conn in conns {
        match conn.received().await.closed_after {
            Some(after) => closed.push(after),
            None => held += 1,
        }
    }
    // The caller holds one slot.
    assert_eq!(held, CONNECTION_LIMIT - 1);
    assert_eq!(closed.len(), FLOOD_CONNECTIONS - held);
    let slowest = closed.iter().max().unwrap();

    // The flood is gone (our side closed): a new client gets in again
    // once the server has seen the closes, a round trip or so later.
    let mut admitted_after = None;
    for attempt in 1..=50 {
        let call = async {
            let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
                .unwrap()
                .connect()
                .await
                .ok()?;
            InterpreterServiceClient::new(channel)
                .interpret(structured("DOOR_OPEN"))
                .await
                .ok()
        };
        if let Ok(Some(_)) = tokio::time::timeout(Duration::from_secs(1), call).await {
            admitted_after = Some(attempt);
            break;
        }
    }
    let attempts = admitted_after.expect("no new connection admitted after the flood");
    let result = format!(
        "{FLOOD_CONNECTIONS} connections, {held} held (+1 well-behaved = the limit of {CONNECTION_LIMIT}), \
         {} closed, the slowest {} ms after its connect; health-only listener SERVING; \
         a new client admitted at attempt {attempts} after the flood",
        closed.len(),
        slowest.as_millis()
    );
    drop(health);
    scene.finish(&result).await;
}
