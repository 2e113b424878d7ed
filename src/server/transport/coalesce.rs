//! Write coalescing: the responses a connection produces in one turn go
//! out in one write, not one or two per response.
//!
//! Why: h2's encoder holds at most one DATA frame of 1024 bytes or more
//! (`CHAIN_THRESHOLD_WITHOUT_VECTORED_IO`; 256 when the writer reports
//! vectored writes, which this wrapper does not do in the server, see
//! [`CoalescedWrites::unvectored`]), writes its payload by reference, and
//! accepts no further frame until that one is written and the socket
//! flushed. So every response bigger than that costs its own write, and
//! its trailers often a second one. An interpretation is about 2 KiB, so a
//! busy connection made about two write syscalls per call; on loopback each
//! one also runs the receiver's TCP path, which made Interpret cost 16–20
//! µs of server CPU against Health.Check's 11–12 µs. grpc-go's writer
//! (`loopyWriter.run`) likewise flushes only when it has nothing more
//! queued, and with under 1,000 bytes buffered it first yields once to let
//! other streams add theirs.
//!
//! How: writes are copied into a buffer of at most [`HIGH_WATER`] bytes, and
//! the first flush request after new bytes is deferred while an answer may
//! still come to join them: the wrapper wakes its own task, so the
//! connection is polled again after the tasks already queued (the handlers
//! finishing more calls). Whether one may come, the server's guard layer
//! says before each flush ([`FlushHint`]): only while some stream the
//! client opened has not ended. With none open (a call that arrived alone,
//! the usual case at moderate rates) the flush writes at once: deferring
//! would only delay the answer, and the self-wake is not free on the
//! multi-thread runtime (a task woken while it runs is rescheduled as a
//! yield, which wakes a parked worker: a futex wake and two context
//! switches per call, docs/benchmarks.md "The cost of a call at moderate
//! rates"). A writer that gives no hint (the load generator) always
//! defers. The buffer goes out at the
//! next flush that added nothing new, at the next read (never wait for
//! input while holding output: the peer may be waiting for it before it
//! sends more), at the next write once it is full, at shutdown, and, as
//! far as the socket takes it without waiting, when the connection is
//! dropped (hyper drops a connection whose I/O failed without shutting it
//! down). Under TLS it sits above the TLS layer (`super::accept`), so it
//! gathers plaintext and rustls seals one record per write. The cost is at
//! most one extra poll of the connection; docs/benchmarks.md has what it
//! bought.
//!
//! Upstream: this works around h2, and only until h2 stops writing one
//! frame per write. hyperium/h2#902 ("Sending and receiving data frames
//! introduces significant overhead", open) describes the single pending
//! DATA frame; hyperium/h2#903 ("perf: allow multiple DATA frames per
//! write", open, unmerged as of h2 0.4.20, the version in Cargo.lock)
//! queues several and writes them with one `poll_write_vectored`. The older
//! hyperium/h2#711 (closed; #712, in h2 0.3.22, added the 1024-byte
//! threshold) only helped sockets without vectored writes, which does not
//! apply here. Delete this module when h2 writes several frames per write
//! (h2 #903 or equivalent) and `scripts/bench` shows no gain from
//! `--coalesce-writes` (run it once with `VEI_COALESCE_WRITES=false`).
//! That flag, on by default, also lets an operator rule this wrapper out.

use std::{
    future::Future as _,
    io,
    pin::{Pin, pin},
    task::{Context, Poll, Waker, ready},
};

use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tonic::transport::server::Connected;

/// The most bytes a connection holds back: h2's own write buffer size. A
/// write of this much or more on an empty buffer goes straight to the
/// socket; the buffer's memory is kept for the connection's life.
pub(crate) const HIGH_WATER: usize = 16 * 1024;

pin_project! {
    /// A connection whose writes are buffered and whose flushes are
    /// deferred once, so a burst of responses shares one write.
    #[derive(Debug)]
    pub struct CoalescedWrites<IO: AsyncWrite> {
        #[pin]
        io: IO,
        // Bytes not yet written; `sent` of them already went out.
        buf: Vec<u8>,
        sent: usize,
        // Bytes arrived since the last flush request.
        fresh: bool,
        // A flush was requested and deferred: the buffer must go out before
        // the connection waits for anything.
        owed: bool,
        // Whether a deferred flush may have company: set before each flush
        // by the layer that knows the connection's streams (`FlushHint`);
        // true, always deferring, for a caller that never says.
        expect_more: bool,
        // What `is_write_vectored` reports.
        vectored: bool,
        // Set when a write to the socket failed: every later write, flush
        // or shutdown fails with this kind. A failure met while reading
        // waits here, so input already received is still delivered.
        broken: Option<io::ErrorKind>,
    }

    impl<IO: AsyncWrite> PinnedDrop for CoalescedWrites<IO> {
        fn drop(mut this: Pin<&mut Self>) {
            // Best effort, without waiting: what the socket takes now, so a
            // connection dropped without a shutdown (its I/O failed) still
            // sends what it wrote last, as it would without this wrapper.
            // Unconstrained, so a task that used up its I/O budget still
            // tries the write.
            let mut cx = Context::from_waker(Waker::noop());
            let drain = std::future::poll_fn(|cx| this.as_mut().poll_drain(cx));
            let _ = pin!(tokio::task::unconstrained(drain)).poll(&mut cx);
        }
    }
}

impl<IO: AsyncWrite> CoalescedWrites<IO> {
    /// Wraps a connection.
    pub fn new(io: IO) -> Self {
        Self {
            io,
            buf: Vec::new(),
            sent: 0,
            fresh: false,
            owed: false,
            expect_more: true,
            vectored: true,
            broken: None,
        }
    }

    /// Reports writes as not vectored, so h2 copies DATA frames under 1024
    /// bytes into its own buffer instead of holding them by reference
    /// (over 256 bytes with vectored writes). A held frame makes h2 flush
    /// before it takes the next frame, the answer's trailers: a flush in
    /// the middle of an answer, while its stream is open, which is
    /// deferred and wakes the task once more. Unvectored, an answer under
    /// 1 KiB (the DOOR_OPEN one is 1,005 bytes) goes out with a single
    /// flush, after its trailers. The extra copy is of under 1 KiB.
    #[must_use]
    pub(crate) fn unvectored(mut self) -> Self {
        self.vectored = false;
        self
    }

    /// Writes the whole buffer to the socket; fails for good once a
    /// write failed.
    fn poll_drain(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut this = self.project();
        if let Some(kind) = *this.broken {
            return Poll::Ready(Err(kind.into()));
        }
        while *this.sent < this.buf.len() {
            let written = this.io.as_mut().poll_write(cx, &this.buf[*this.sent..]);
            let n = match ready!(stick(this.broken, written)) {
                Ok(0) => {
                    *this.broken = Some(io::ErrorKind::WriteZero);
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                result => result?,
            };
            *this.sent += n;
        }
        this.buf.clear();
        *this.sent = 0;
        *this.fresh = false;
        *this.owed = false;
        Poll::Ready(Ok(()))
    }

    /// Before a write: fails if a write already failed, and drains a full
    /// buffer (back-pressure from the socket reaches the caller here).
    /// Returns how many of `len` bytes the buffer takes now, or None when
    /// they should bypass it.
    fn poll_reserve(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        len: usize,
    ) -> Poll<io::Result<Option<usize>>> {
        if let Some(kind) = self.broken {
            return Poll::Ready(Err(kind.into()));
        }
        if self.buf.len() >= HIGH_WATER {
            ready!(self.as_mut().poll_drain(cx))?;
        }
        // A big write on an empty buffer goes straight out: copying it buys
        // nothing.
        if self.buf.is_empty() && len >= HIGH_WATER {
            return Poll::Ready(Ok(None));
        }
        Poll::Ready(Ok(Some(len.min(HIGH_WATER - self.buf.len()))))
    }
}

/// Keeps a socket write's error in `broken`, so that it sticks.
fn stick<T>(
    broken: &mut Option<io::ErrorKind>,
    result: Poll<io::Result<T>>,
) -> Poll<io::Result<T>> {
    if let Poll::Ready(Err(err)) = &result {
        *broken = Some(err.kind());
    }
    result
}

/// Grows `buf` for `extra` more bytes the way `Vec` does (doubling), but
/// never past [`HIGH_WATER`], the most it will hold.
fn reserve(buf: &mut Vec<u8>, extra: usize) {
    let needed = buf.len() + extra;
    if needed > buf.capacity() {
        let target = needed.max(2 * buf.capacity()).min(HIGH_WATER);
        buf.reserve_exact(target - buf.len());
    }
}

impl<IO: Connected + AsyncWrite> Connected for CoalescedWrites<IO> {
    type ConnectInfo = IO::ConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.io.connect_info()
    }
}

impl<IO: AsyncRead + AsyncWrite> AsyncRead for CoalescedWrites<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.owed && self.broken.is_none() {
            // A full socket must not stop us reading: the drain has
            // registered for writability and is retried at the next poll.
            // A failed write must not hide input already received either:
            // it is kept in `broken` for the next write, flush or shutdown.
            let _ = self.as_mut().poll_drain(cx);
        }
        self.project().io.poll_read(cx, buf)
    }
}

impl<IO: AsyncWrite> AsyncWrite for CoalescedWrites<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let Some(take) = ready!(self.as_mut().poll_reserve(cx, data.len()))? else {
            let this = self.project();
            return stick(this.broken, this.io.poll_write(cx, data));
        };
        let this = self.project();
        reserve(this.buf, take);
        this.buf.extend_from_slice(&data[..take]);
        *this.fresh = true;
        Poll::Ready(Ok(take))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|b| b.len()).sum();
        if len == 0 {
            return Poll::Ready(Ok(0));
        }
        let Some(take) = ready!(self.as_mut().poll_reserve(cx, len))? else {
            let this = self.project();
            return stick(this.broken, this.io.poll_write_vectored(cx, bufs));
        };
        let this = self.project();
        reserve(this.buf, take);
        let mut left = take;
        for b in bufs {
            let n = b.len().min(left);
            this.buf.extend_from_slice(&b[..n]);
            left -= n;
            if left == 0 {
                break;
            }
        }
        *this.fresh = true;
        Poll::Ready(Ok(take))
    }

    /// True whatever the socket says, unless [`CoalescedWrites::unvectored`]:
    /// writes are gathered in our buffer (a large one on an empty buffer
    /// goes out whole), so the writer above (h2) may hand over its payloads
    /// by reference instead of copying them into its own buffer first.
    fn is_write_vectored(&self) -> bool {
        self.vectored
    }

    /// The first flush after new bytes is deferred: it returns `Ready(Ok)`
    /// with the bytes still buffered. See the comment inside for why that
    /// is a breach of `AsyncWrite`'s contract and when it is safe.
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(kind) = self.broken {
            return Poll::Ready(Err(kind.into()));
        }
        if self.buf.is_empty() {
            return self.project().io.poll_flush(cx);
        }
        // Fresh bytes with nothing to wait for fall through to the drain.
        if self.fresh && self.expect_more {
            // Not sound in general. `AsyncWrite::poll_flush` promises that
            // on `Ready(Ok)` all buffered bytes reached their destination,
            // or `Pending` with a wake-up when they can progress; these
            // bytes are still in `buf`. What still sends them is the
            // caller, not this call: they go out at the connection's next
            // `poll_read`, `poll_flush` (`fresh` is false by then),
            // `poll_shutdown`, or as far as the socket takes them at drop,
            // and the wake below makes that next poll happen. So it holds
            // for a caller that, once woken, polls this IO again or drops
            // it, and h2 (0.4.20) is such a caller: every
            // `Connection::poll` reads frames until the IO is `Pending`
            // (our `poll_read` drains first) and then flushes
            // (`Prioritize::poll_complete` -> `FramedWrite::flush`); a
            // closing connection calls `poll_shutdown`; hyper polls it
            // until it returns `Ready` (or drops it), and the codec is
            // only ever driven from that connection task.
            //
            // What breaks it: a caller that flushes and then waits for
            // anything but this IO (a timer, a channel, a response from
            // elsewhere) while holding it without reading: the bytes wait
            // as long as it does. And a drop while the socket is full
            // loses bytes the caller was told were flushed; a connection is
            // dropped unclosed only when its task is dropped (runtime
            // shutdown) or its I/O failed, where the layers
            // above lose their unsent bytes too. Neither hyper nor h2
            // flushes and then stops polling. So: a contract breach that is
            // safe only because of how h2 polls its connection, which is
            // why this is not public API.
            let this = self.project();
            *this.fresh = false;
            *this.owed = true;
            // Asks for the poll in which the buffer goes out.
            cx.waker().wake_by_ref();
            return Poll::Ready(Ok(()));
        }
        ready!(self.as_mut().poll_drain(cx))?;
        self.project().io.poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(kind) = self.broken {
            return Poll::Ready(Err(kind.into()));
        }
        ready!(self.as_mut().poll_drain(cx))?;
        self.project().io.poll_shutdown(cx)
    }
}

/// A connection told, before each flush, whether an answer may still
/// come to join the bytes a write coalescer holds.
pub(crate) trait FlushHint {
    /// `more`: some stream is still open, so deferring the flush may let
    /// another answer share the write; without, the next flush writes.
    fn expect_more(self: Pin<&mut Self>, more: bool);
}

impl<IO: AsyncWrite> FlushHint for CoalescedWrites<IO> {
    fn expect_more(self: Pin<&mut Self>, more: bool) {
        *self.project().expect_more = more;
    }
}

/// Without the coalescer (`--coalesce-writes=false`) nothing is held.
impl<IO: AsyncWrite, R> FlushHint for super::either::Either<CoalescedWrites<IO>, R> {
    fn expect_more(self: Pin<&mut Self>, more: bool) {
        if let super::either::EitherProj::Left { io } = self.project() {
            io.expect_more(more);
        }
    }
}

#[cfg(test)]
mod tests;
