//! One of two connection types behind one type, so a wrapper that
//! configuration turns off (`--coalesce-writes=false`) can be left out
//! of the stack without boxing the connection. tokio-util's `Either` has
//! the I/O traits but cannot get tonic's `Connected` (orphan rule).

use std::{
    io,
    pin::Pin,
    task::{Context, Poll},
};

use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tonic::transport::server::Connected;

pin_project! {
    /// `L` or `R`, forwarding every I/O call to the one it holds.
    #[project = EitherProj]
    #[derive(Debug)]
    pub(crate) enum Either<L, R> {
        /// The first kind.
        Left { #[pin] io: L },
        /// The second kind.
        Right { #[pin] io: R },
    }
}

/// Runs `$body` with `$io` bound to the pinned connection, whichever it is.
macro_rules! either {
    ($this:expr, $io:ident => $body:expr) => {
        match $this.project() {
            EitherProj::Left { io: $io } => $body,
            EitherProj::Right { io: $io } => $body,
        }
    };
}

impl<L, R> Connected for Either<L, R>
where
    L: Connected,
    R: Connected<ConnectInfo = L::ConnectInfo>,
{
    type ConnectInfo = L::ConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        match self {
            Self::Left { io } => io.connect_info(),
            Self::Right { io } => io.connect_info(),
        }
    }
}

impl<L: AsyncRead, R: AsyncRead> AsyncRead for Either<L, R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        either!(self, io => io.poll_read(cx, buf))
    }
}

impl<L: AsyncWrite, R: AsyncWrite> AsyncWrite for Either<L, R> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        either!(self, io => io.poll_write(cx, data))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        either!(self, io => io.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Self::Left { io } => io.is_write_vectored(),
            Self::Right { io } => io.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        either!(self, io => io.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        either!(self, io => io.poll_shutdown(cx))
    }
}
