//! Guards against hostile HTTP/2 peers that tonic 0.14.9 and h2 0.4.20 do
//! not stop by themselves (docs/reliability.md, "Hostile HTTP/2 peers",
//! has each attack and what answers it):
//!
//! - a **connection limit** in the accept loop: beyond it a new connection
//!   is closed at once, before any HTTP/2 state exists for it. Only the
//!   main listener has one: the health-only listener, where kubelet probes
//!   go, is exempt, or a connection flood would fail every probe and
//!   restart the pod;
//! - a **preface deadline**: a connection that has not sent the HTTP/2
//!   client preface (the 24-byte magic and the first frame header, which
//!   must be SETTINGS) in time is closed, so silent connections
//!   (slowloris) cannot pile up until file descriptors run out;
//! - a **control-frame budget**: PING and SETTINGS frames cost the peer a
//!   token from a bucket of [`CONTROL_FRAME_BURST`] that refills at the
//!   configured rate, and every HEADERS frame (a request) gives one back,
//!   so pings that accompany real calls never run out (grpc-go's
//!   BDP estimator sends one per round trip while responses arrive, which
//!   is why grpc-go's own server forgives pings after it sent data). Over
//!   budget, the connection gets a GOAWAY with `ENHANCE_YOUR_CALM` and
//!   debug data `too_many_pings` (grpc-go and grpcio double their
//!   keepalive interval when they read exactly that) or
//!   `too_many_settings`, then a lingering close.
//!
//! How: [`Guarded`] wraps each accepted connection outside the write
//! coalescer and reads the inbound byte stream as HTTP/2: the preface,
//! then 9-byte frame headers (length, type, flags, stream id), skipping
//! payloads unread. It also follows the outbound frame boundaries, so the
//! GOAWAY it writes itself never lands inside a frame h2 is writing: if h2
//! is mid-frame at that moment (its socket is full), the GOAWAY is left
//! out and the connection is only closed.
//!
//! Under TLS the permit is taken before the handshake (a handshake holds a
//! slot) and the wrapper goes on after it, above the TLS layer, so it reads
//! the same plaintext frames as without TLS; the handshake has its own
//! deadline ([`super::tls::HANDSHAKE_TIMEOUT`]) and the preface deadline
//! starts once it is done.
//!
//! Nothing here logs per frame or per connection above `debug`: a refused
//! or tripped connection is logged at `warn` at most once per
//! [`LOG_INTERVAL`], with the count since the previous line.

use std::{
    future::Future as _,
    io,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll, ready},
    time::Duration,
};

use pin_project_lite::pin_project;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    sync::{OwnedSemaphorePermit, Semaphore},
    time::{Instant, Sleep},
};
use tonic::transport::server::Connected;

/// PING and SETTINGS frames a connection may send at once before the rate
/// applies: room for a client's start (its SETTINGS, the ACK of ours),
/// keepalive, and bursts of BDP pings on large responses.
pub const CONTROL_FRAME_BURST: u32 = 100;

/// The shortest time between two `warn` lines about refused or tripped
/// connections.
pub(super) const LOG_INTERVAL: Duration = Duration::from_secs(60);

/// The HTTP/2 client connection preface (RFC 9113 section 3.4).
const MAGIC: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

const FRAME_HEADER: usize = 9;
const HEADERS: u8 = 0x1;
const SETTINGS: u8 = 0x4;
const PING: u8 = 0x6;
const GOAWAY: u8 = 0x7;
const ENHANCE_YOUR_CALM: u32 = 0xb;

/// What one listener enforces, shared by its connections.
#[derive(Debug)]
pub(crate) struct Guards {
    connections: Option<Arc<Semaphore>>,
    preface_timeout: Duration,
    control_rate: Option<u32>,
    refused: Throttled,
    tripped: Throttled,
}

impl Guards {
    /// `max_connections` 0 and `control_rate` 0 turn those limits off.
    pub(crate) fn new(
        max_connections: usize,
        preface_timeout: Duration,
        control_rate: u32,
    ) -> Self {
        Self {
            connections: (max_connections > 0).then(|| Arc::new(Semaphore::new(max_connections))),
            preface_timeout,
            control_rate: (control_rate > 0).then_some(control_rate),
            refused: Throttled::default(),
            tripped: Throttled::default(),
        }
    }

    /// A slot for a newly accepted connection, or `None` when the listener
    /// is at its connection limit: the caller drops (closes) the connection
    /// then, before spending anything on it.
    pub(crate) fn admit(&self) -> Option<Admission> {
        let permit = match &self.connections {
            Some(limit) => match Arc::clone(limit).try_acquire_owned() {
                Ok(permit) => Some(permit),
                Err(_) => {
                    if let Some(since) = self.refused.due() {
                        tracing::warn!(
                            refused = since,
                            "connection limit reached; closing new connections at once"
                        );
                    }
                    return None;
                }
            },
            None => None,
        };
        Some(Admission(permit))
    }

    /// Puts an admitted connection under these guards; the preface
    /// deadline starts now.
    pub(crate) fn guard<IO>(self: &Arc<Self>, io: IO, admission: Admission) -> Guarded<IO> {
        Guarded {
            io,
            _permit: admission.0,
            preface: Some(Box::pin(tokio::time::sleep(self.preface_timeout))),
            inbound: Inbound::default(),
            outbound: Boundary::default(),
            bucket: self.control_rate.map(Bucket::new),
            closing: None,
            guards: Arc::clone(self),
        }
    }
}

/// A connection's slot under the connection limit, held from admission
/// (before any TLS handshake) for the connection's life.
#[derive(Debug)]
pub(crate) struct Admission(Option<OwnedSemaphorePermit>);

pin_project! {
    /// An accepted connection under a listener's [`Guards`].
    #[derive(Debug)]
    pub(crate) struct Guarded<IO> {
        #[pin]
        io: IO,
        // Held for the connection's life: the connection limit's slot.
        _permit: Option<OwnedSemaphorePermit>,
        // Until the client preface is in.
        preface: Option<Pin<Box<Sleep>>>,
        inbound: Inbound,
        outbound: Boundary,
        bucket: Option<Bucket>,
        // Set once over the control-frame budget: the GOAWAY still to
        // write (and how much of it went out), then the close.
        closing: Option<Closing>,
        guards: Arc<Guards>,
    }
}

impl<IO: Connected> Connected for Guarded<IO> {
    type ConnectInfo = IO::ConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.io.connect_info()
    }
}

/// The close after a tripped budget.
#[derive(Debug)]
struct Closing {
    goaway: Vec<u8>,
    written: usize,
    // Flushes asked for so far: the write coalescer defers the first.
    flushes: u8,
}

impl<IO: AsyncRead + AsyncWrite> Guarded<IO> {
    /// Writes the GOAWAY (if any), flushes, then shuts the connection down
    /// (the lingering close underneath bounds that). Ready when done or
    /// when the socket failed: either way the connection is over.
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        let Some(closing) = this.closing.as_mut() else {
            return Poll::Ready(());
        };
        while closing.written < closing.goaway.len() {
            match ready!(
                this.io
                    .as_mut()
                    .poll_write(cx, &closing.goaway[closing.written..])
            ) {
                Ok(n) if n > 0 => closing.written += n,
                _ => return Poll::Ready(()),
            }
        }
        while closing.flushes < 2 {
            if ready!(this.io.as_mut().poll_flush(cx)).is_err() {
                return Poll::Ready(());
            }
            closing.flushes += 1;
        }
        let _ = ready!(this.io.as_mut().poll_shutdown(cx));
        Poll::Ready(())
    }
}

fn calm_down() -> io::Error {
    io::Error::other("too many control frames (PING, SETTINGS)")
}

impl<IO: AsyncRead + AsyncWrite> AsyncRead for Guarded<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.closing.is_some() {
            ready!(self.as_mut().poll_close(cx));
            return Poll::Ready(Err(calm_down()));
        }
        let this = self.as_mut().project();
        if let Some(deadline) = this.preface.as_mut()
            && deadline.as_mut().poll(cx).is_ready()
        {
            tracing::debug!("no HTTP/2 client preface in time; closing the connection");
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "no HTTP/2 client preface in time",
            )));
        }
        let before = buf.filled().len();
        ready!(this.io.poll_read(cx, buf))?;
        let inbound = this.inbound;
        let verdict = inbound.feed(&buf.filled()[before..], this.bucket.as_mut());
        if inbound.preface_done() {
            *this.preface = None;
        }
        let Err(trip) = verdict else {
            return Poll::Ready(Ok(()));
        };
        if let Some(since) = this.guards.tripped.due() {
            tracing::warn!(
                tripped = since,
                frame = trip.name(),
                "connection over the control-frame budget; sending GOAWAY and closing"
            );
        }
        // Our GOAWAY may only start where h2's last frame ended.
        let goaway = if this.outbound.at_boundary() {
            goaway(inbound.last_stream, trip.debug_data())
        } else {
            Vec::new()
        };
        *this.closing = Some(Closing {
            goaway,
            written: 0,
            flushes: 0,
        });
        ready!(self.as_mut().poll_close(cx));
        Poll::Ready(Err(calm_down()))
    }
}

impl<IO: AsyncRead + AsyncWrite> AsyncWrite for Guarded<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.closing.is_some() {
            ready!(self.as_mut().poll_close(cx));
            return Poll::Ready(Err(calm_down()));
        }
        let this = self.project();
        let n = ready!(this.io.poll_write(cx, data))?;
        this.outbound.feed(&data[..n]);
        Poll::Ready(Ok(n))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.closing.is_some() {
            ready!(self.as_mut().poll_close(cx));
            return Poll::Ready(Err(calm_down()));
        }
        let this = self.project();
        let n = ready!(this.io.poll_write_vectored(cx, bufs))?;
        let mut left = n;
        for b in bufs {
            let take = b.len().min(left);
            this.outbound.feed(&b[..take]);
            left -= take;
            if left == 0 {
                break;
            }
        }
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.closing.is_some() {
            ready!(self.as_mut().poll_close(cx));
            return Poll::Ready(Err(calm_down()));
        }
        self.project().io.poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.closing.is_some() {
            ready!(self.as_mut().poll_close(cx));
            return Poll::Ready(Ok(()));
        }
        self.project().io.poll_shutdown(cx)
    }
}

/// A GOAWAY frame: no stream may be above `last_stream` (the highest the
/// peer opened, so nothing it sent is disowned), `ENHANCE_YOUR_CALM`.
fn goaway(last_stream: u32, debug: &[u8]) -> Vec<u8> {
    let len = 8 + debug.len();
    let mut frame = Vec::with_capacity(FRAME_HEADER + len);
    frame.extend_from_slice(&u32::try_from(len).unwrap_or(8).to_be_bytes()[1..]);
    frame.extend_from_slice(&[GOAWAY, 0, 0, 0, 0, 0]);
    frame.extend_from_slice(&(last_stream & 0x7fff_ffff).to_be_bytes());
    frame.extend_from_slice(&ENHANCE_YOUR_CALM.to_be_bytes());
    frame.extend_from_slice(debug);
    frame
}

/// Which budget a connection broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trip {
    Pings,
    Settings,
}

impl Trip {
    fn name(self) -> &'static str {
        match self {
            Self::Pings => "PING",
            Self::Settings => "SETTINGS",
        }
    }

    /// What grpc-go and grpcio recognise: on `too_many_pings` they double
    /// their keepalive interval before reconnecting.
    fn debug_data(self) -> &'static [u8] {
        match self {
            Self::Pings => b"too_many_pings",
            Self::Settings => b"too_many_settings",
        }
    }
}

/// The inbound byte stream read as HTTP/2 frame headers.
#[derive(Debug, Default)]
struct Inbound {
    // Bytes of the magic matched so far; `MAGIC.len()` once all are in.
    magic: usize,
    // The magic did not match: not HTTP/2 with prior knowledge. h2 refuses
    // it; nothing more to read here.
    opaque: bool,
    // The frame header being read, and how much of it is in.
    head: [u8; FRAME_HEADER],
    have: usize,
    // Payload bytes of the current frame still to skip.
    skip: usize,
    // Frame headers read: the preface is complete after the first.
    frames: u64,
    // The highest stream id of a HEADERS frame.
    last_stream: u32,
}

impl Inbound {
    fn preface_done(&self) -> bool {
        self.frames > 0
    }

    /// Reads `bytes`, charging control frames to `bucket`.
    fn feed(&mut self, mut bytes: &[u8], mut bucket: Option<&mut Bucket>) -> Result<(), Trip> {
        if self.opaque {
            return Ok(());
        }
        if self.magic < MAGIC.len() {
            let n = bytes.len().min(MAGIC.len() - self.magic);
            if bytes[..n] != MAGIC[self.magic..self.magic + n] {
                self.opaque = true;
                return Ok(());
            }
            self.magic += n;
            bytes = &bytes[n..];
        }
        while !bytes.is_empty() {
            if self.skip > 0 {
                let n = bytes.len().min(self.skip);
                self.skip -= n;
                bytes = &bytes[n..];
                continue;
            }
            let n = bytes.len().min(FRAME_HEADER - self.have);
            self.head[self.have..self.have + n].copy_from_slice(&bytes[..n]);
            self.have += n;
            bytes = &bytes[n..];
            if self.have < FRAME_HEADER {
                break;
            }
            self.have = 0;
            self.frames += 1;
            let [l0, l1, l2, kind, _flags, s0, s1, s2, s3] = self.head;
            self.skip = usize::from(l0) << 16 | usize::from(l1) << 8 | usize::from(l2);
            let Some(bucket) = bucket.as_deref_mut() else {
                continue;
            };
            match kind {
                HEADERS => {
                    let stream = u32::from_be_bytes([s0 & 0x7f, s1, s2, s3]);
                    self.last_stream = self.last_stream.max(stream);
                    bucket.refund();
                }
                PING if !bucket.take() => return Err(Trip::Pings),
                SETTINGS if !bucket.take() => return Err(Trip::Settings),
                _ => {}
            }
        }
        Ok(())
    }
}

/// Where the outbound byte stream is: inside a frame or between two.
#[derive(Debug, Default)]
struct Boundary {
    have: usize,
    len: [u8; 3],
    skip: usize,
}

impl Boundary {
    fn at_boundary(&self) -> bool {
        self.have == 0 && self.skip == 0
    }

    fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.skip > 0 {
                let n = bytes.len().min(self.skip);
                self.skip -= n;
                bytes = &bytes[n..];
                continue;
            }
            let n = bytes.len().min(FRAME_HEADER - self.have);
            for (i, byte) in bytes[..n].iter().enumerate() {
                if let Some(slot) = self.len.get_mut(self.have + i) {
                    *slot = *byte;
                }
            }
            self.have += n;
            bytes = &bytes[n..];
            if self.have == FRAME_HEADER {
                self.have = 0;
                let [l0, l1, l2] = self.len;
                self.skip = usize::from(l0) << 16 | usize::from(l1) << 8 | usize::from(l2);
            }
        }
    }
}

/// A token bucket of [`CONTROL_FRAME_BURST`] refilled at `rate` per second.
#[derive(Debug)]
struct Bucket {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new(rate: u32) -> Self {
        Self {
            rate: f64::from(rate),
            tokens: f64::from(CONTROL_FRAME_BURST),
            last: Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(f64::from(CONTROL_FRAME_BURST));
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    fn refund(&mut self) {
        self.tokens = (self.tokens + 1.0).min(f64::from(CONTROL_FRAME_BURST));
    }
}

/// A log line at most once per [`LOG_INTERVAL`], counting the events in
/// between.
#[derive(Debug, Default)]
struct Throttled {
    next: Mutex<Option<std::time::Instant>>,
    events: AtomicU64,
}

impl Throttled {
    /// Counts one event; `Some(events since the last line)` when a line is
    /// due now.
    fn due(&self) -> Option<u64> {
        let events = self.events.fetch_add(1, Ordering::Relaxed) + 1;
        let now = std::time::Instant::now();
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        if next.is_some_and(|at| now < at) {
            return None;
        }
        *next = Some(now + LOG_INTERVAL);
        self.events.fetch_sub(events, Ordering::Relaxed);
        Some(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let mut out = u32::try_from(payload.len()).unwrap().to_be_bytes()[1..].to_vec();
        out.extend_from_slice(&[kind, flags]);
        out.extend_from_slice(&stream.to_be_bytes());
        out.extend_from_slice(payload);
        out
    }

    fn start() -> Vec<u8> {
        [MAGIC.as_slice(), &frame(SETTINGS, 0, 0, &[])].concat()
    }

    /// The preface is complete with the magic and the first frame header,
    /// however the bytes are split.
    #[test]
    fn preface_in_any_split() {
        let bytes = start();
        for split in 0..bytes.len() {
            let mut inbound = Inbound::default();
            inbound.feed(&bytes[..split], None).unwrap();
            assert!(!inbound.preface_done(), "{split}");
            inbound.feed(&bytes[split..], None).unwrap();
            assert!(inbound.preface_done(), "{split}");
        }
        let mut http1 = Inbound::default();
        http1.feed(b"GET / HTTP/1.1\r\n\r\n", None).unwrap();
        assert!(http1.opaque && !http1.preface_done());
    }

    /// The bucket's burst of PINGs passes, one more trips it; payloads are
    /// skipped unread, even when a frame header in them looks like a PING.
    #[tokio::test(start_paused = true)]
    async fn pings_beyond_the_burst_trip() {
        let mut inbound = Inbound::default();
        let mut bucket = Bucket::new(10);
        let fake_pings: Vec<u8> = (0..200).flat_map(|_| frame(PING, 0, 0, &[0; 8])).collect();
        let data = frame(0, 0, 1, &fake_pings);
        inbound.feed(&start(), Some(&mut bucket)).unwrap();
        inbound.feed(&data, Some(&mut bucket)).unwrap();
        let ping = frame(PING, 0, 0, &[0; 8]);
        for _ in 1..CONTROL_FRAME_BURST {
            inbound.feed(&ping, Some(&mut bucket)).unwrap();
        }
        assert_eq!(inbound.feed(&ping, Some(&mut bucket)), Err(Trip::Pings));
        // A second of refill buys `rate` more.
        tokio::time::advance(Duration::from_secs(1)).await;
        // The connection closes at a trip; a new reader picks up the bucket.
        let mut inbound = Inbound::default();
        inbound.feed(MAGIC, None).unwrap();
        let settings = frame(SETTINGS, 0, 0, &[]);
        let passed = (0..20)
            .take_while(|_| inbound.feed(&settings, Some(&mut bucket)).is_ok())
            .count();
        assert_eq!(passed, 10);
        assert_eq!(
            inbound.feed(&settings, Some(&mut bucket)),
            Err(Trip::Settings)
        );
    }

    /// Every request gives a token back: a PING per call never runs out.
    #[tokio::test(start_paused = true)]
    async fn pings_that_come_with_requests_are_free() {
        let mut inbound = Inbound::default();
        let mut bucket = Bucket::new(1);
        inbound.feed(&start(), Some(&mut bucket)).unwrap();
        for stream in (1..20_000).step_by(2) {
            let call = [
                frame(HEADERS, 0x4, stream, &[0x83]),
                frame(PING, 0, 0, &[0; 8]),
            ];
            inbound.feed(&call.concat(), Some(&mut bucket)).unwrap();
        }
        assert_eq!(inbound.last_stream, 19_999);
    }

    /// Outbound boundaries follow frame lengths across any split.
    #[test]
    fn outbound_boundaries() {
        let bytes = [frame(SETTINGS, 0, 0, &[0; 6]), frame(0, 0, 1, &[7; 300])].concat();
        for split in 0..bytes.len() {
            let mut boundary = Boundary::default();
            boundary.feed(&bytes[..split]);
            assert_eq!(boundary.at_boundary(), split == 0 || split == 15, "{split}");
            boundary.feed(&bytes[split..]);
            assert!(boundary.at_boundary());
        }
    }

    /// The GOAWAY is well-formed: length, type, last stream, code, data.
    #[test]
    fn goaway_frame() {
        let frame = goaway(7, b"too_many_pings");
        assert_eq!(&frame[..9], &[0, 0, 22, GOAWAY, 0, 0, 0, 0, 0]);
        assert_eq!(&frame[9..13], &7_u32.to_be_bytes());
        assert_eq!(&frame[13..17], &ENHANCE_YOUR_CALM.to_be_bytes());
        assert_eq!(&frame[17..], b"too_many_pings");
    }

    /// One line, then silence for the interval, with the count carried.
    #[test]
    fn throttled_log() {
        let log = Throttled::default();
        assert_eq!(log.due(), Some(1));
        for _ in 0..1000 {
            assert_eq!(log.due(), None);
        }
        assert_eq!(log.events.load(Ordering::Relaxed), 1000);
    }
}
