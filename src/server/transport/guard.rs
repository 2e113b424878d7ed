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
//! Reading both directions, it also knows which streams are open (opened
//! by the client's HEADERS, ended by our END_STREAM or a RST_STREAM), and
//! tells the write coalescer under it before each flush whether one is
//! ([`super::coalesce::FlushHint`]): with none, no other answer can join
//! the bytes held, so they go out at once.
//!
//! Under TLS the permit is taken before the handshake (a handshake holds a
//! slot) and the wrapper goes on after it, above the TLS layer, so it reads
//! the same plaintext frames as without TLS; the handshake has its own
//! deadline ([`super::tls::HANDSHAKE_TIMEOUT`]) and the preface deadline
//! starts once it is done.
//!
//! Nothing here logs per frame or per connection above `debug`: a refused
//! or tripped connection is logged at `warn` at most once per
//! [`throttle::LOG_INTERVAL`], with the count since the previous line.
//!
//! Here: admission and the I/O wrapper; reading the byte streams as HTTP/2
//! is in [`frames`], the budget in [`bucket`], the rare log lines in
//! [`throttle`].

mod bucket;
mod frames;
mod throttle;

use std::{
    future::Future as _,
    io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
    time::Duration,
};

use pin_project_lite::pin_project;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    sync::{OwnedSemaphorePermit, Semaphore},
    time::Sleep,
};
use tonic::transport::server::Connected;

use super::coalesce::FlushHint;
use bucket::Bucket;
use frames::{Inbound, Outbound, goaway};
use throttle::Throttled;

/// PING and SETTINGS frames a connection may send at once before the rate
/// applies: room for a client's start (its SETTINGS, the ACK of ours),
/// keepalive, and bursts of BDP pings on large responses.
pub const CONTROL_FRAME_BURST: u32 = 100;

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
            outbound: Outbound::default(),
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
        outbound: Outbound,
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

impl<IO: AsyncRead + AsyncWrite + FlushHint> Guarded<IO> {
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

impl<IO: AsyncRead + AsyncWrite + FlushHint> AsyncRead for Guarded<IO> {
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

impl<IO: AsyncRead + AsyncWrite + FlushHint> AsyncWrite for Guarded<IO> {
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
        this.outbound.feed(&data[..n], &mut this.inbound.open);
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
            this.outbound.feed(&b[..take], &mut this.inbound.open);
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
        let mut this = self.project();
        // Only while a stream is open can another answer join the bytes
        // the coalescer holds; with none, holding them is only a delay.
        this.io.as_mut().expect_more(this.inbound.open.any());
        this.io.poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.closing.is_some() {
            ready!(self.as_mut().poll_close(cx));
            return Poll::Ready(Ok(()));
        }
        self.project().io.poll_shutdown(cx)
    }
}
