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

/// The longest a closed connection waits for the peer's FIN. A client that
/// read our GOAWAY closes within a round trip; one that does not is cut.
pub const LINGER: Duration = Duration::from_secs(2);

pin_project! {
    /// A connection whose shutdown half-closes, then drains input until the
    /// peer closes or [`LINGER`] passes.
    #[derive(Debug)]
    pub struct LingeringClose<IO> {
        #[pin]
        io: IO,
        linger: Option<Pin<Box<tokio::time::Sleep>>>,
    }
}

impl<IO> LingeringClose<IO> {
    /// Wraps an accepted connection.
    pub fn new(io: IO) -> Self {
        Self { io, linger: None }
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
        if this.linger.is_none() {
            // Flushes what is buffered and sends FIN.
            ready!(this.io.as_mut().poll_shutdown(cx))?;
            *this.linger = Some(Box::pin(tokio::time::sleep(LINGER)));
        }
        let mut scratch = [0_u8; 4096];
        loop {
            if let Some(linger) = this.linger.as_mut()
                && linger.as_mut().poll(cx).is_ready()
            {
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
