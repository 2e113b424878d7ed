//! Lingering close: when a connection ends, send FIN and read until the
//! peer closes too (bounded), instead of closing with unread input.
//!
//! Why: at shutdown (and at max connection age) the server sends GOAWAY,
//! finishes the streams it accepted and closes. A busy client keeps
//! sending new streams until it reads the GOAWAY; those bytes sit unread
//! in our receive buffer, and closing a socket with unread input makes the
//! kernel send RST instead of FIN. The RST can destroy the client's own
//! unread input, the GOAWAY and the last responses included, so the client
//! sees "broken pipe" for calls it cannot tell were refused: a failed call
//! for anything but a blind retry. Half-closing and draining until the
//! client's FIN (what nginx calls lingering close) lets the client read
//! everything and close cleanly. `tests/api/faults.rs` failed 2 runs in 15
//! under CPU contention without this.

use std::{
    io,
    pin::Pin,
    task::{Context, Poll, ready},
    time::Duration,
};

use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tonic::transport::server::Connected;

/// The longest a close takes from its first `poll_shutdown`: our FIN, then
/// waiting for the peer's. A client that read our GOAWAY closes within a
/// round trip; one that does not is cut.
///
/// The clock starts at the first call, before the inner shutdown, so the
/// bound covers all of the close. On a `TcpStream` the inner shutdown is a
/// `shutdown(SHUT_WR)` that never waits (the kernel queues the FIN behind
/// unsent data), so starting after it was the same in practice; but what
/// flushes before it (h2's frames, the write coalescer's buffer) can wait
/// on a peer that does not read, and that is bounded elsewhere: keepalive
/// closes such a connection (no PING ACK comes back), and at shutdown the
/// drain timeout ends the server.
pub(super) const LINGER: Duration = Duration::from_secs(2);

pin_project! {
    /// A connection whose shutdown half-closes, then drains input until the
    /// peer closes or [`LINGER`] passes.
    #[derive(Debug)]
    pub(crate) struct LingeringClose<IO> {
        #[pin]
        io: IO,
        // Started at the first `poll_shutdown`.
        linger: Option<Pin<Box<tokio::time::Sleep>>>,
        // The inner shutdown (our FIN) is done.
        shut: bool,
    }
}

impl<IO> LingeringClose<IO> {
    /// Wraps an accepted connection.
    pub(crate) fn new(io: IO) -> Self {
        Self {
            io,
            linger: None,
            shut: false,
        }
    }
}

impl<IO: Connected> Connected for LingeringClose<IO> {
    type ConnectInfo = IO::ConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.io.connect_info()
    }
}

impl<IO: AsyncRead> AsyncRead for LingeringClose<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.project().io.poll_read(cx, buf)
    }
}

impl<IO: AsyncRead + AsyncWrite> AsyncWrite for LingeringClose<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().io.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().io.poll_flush(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().io.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut this = self.project();
        let linger = this
            .linger
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(LINGER)));
        if linger.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Ok(()));
        }
        if !*this.shut {
            // Flushes what is buffered and sends FIN.
            ready!(this.io.as_mut().poll_shutdown(cx))?;
            *this.shut = true;
        }
        let mut scratch = [0_u8; 4096];
        loop {
            if linger.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Ok(()));
            }
            let mut buf = ReadBuf::new(&mut scratch);
            match ready!(this.io.as_mut().poll_read(cx, &mut buf)) {
                // More frames the client sent before it saw our GOAWAY:
                // discard them, they were refused.
                Ok(()) if !buf.filled().is_empty() => {}
                // The peer's FIN, or a reset: nothing left to protect.
                Ok(()) | Err(_) => return Poll::Ready(Ok(())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt as _;

    /// A connection whose shutdown never completes and whose peer never
    /// sends anything.
    struct Stuck;

    impl AsyncRead for Stuck {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Poll::Pending
        }
    }

    impl AsyncWrite for Stuck {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            data: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(Ok(data.len()))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Pending
        }
    }

    /// The bound covers the inner shutdown too: a close that can never
    /// send its FIN still ends after `LINGER`, not never.
    #[tokio::test(start_paused = true)]
    async fn close_is_bounded_even_when_the_inner_shutdown_hangs() {
        let started = tokio::time::Instant::now();
        let mut io = LingeringClose::new(Stuck);
        io.shutdown().await.unwrap();
        assert_eq!(started.elapsed(), LINGER);
    }
}
