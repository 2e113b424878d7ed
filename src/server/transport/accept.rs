//! The accept loop: each accepted TCP connection is admitted under the
//! listener's connection limit, goes through the TLS handshake when TLS is
//! on, and is wrapped in the connection stack tonic serves.

use std::{
    io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
};

use tokio::{net::TcpStream, task::JoinSet};
use tokio_rustls::TlsAcceptor;
use tokio_stream::Stream;
use tonic::transport::server::TcpIncoming;

use super::{
    CoalescedWrites, LingeringClose,
    either::Either,
    guard::{Admission, Guarded, Guards},
    tls::{self, TlsSocket},
};

/// A connection below our wrappers: plaintext or TLS.
type Socket = Either<TcpStream, TlsSocket>;
type Lingering = LingeringClose<Socket>;

/// What tonic serves: a [`Socket`] with a lingering close (see
/// [`LingeringClose`]), coalesced writes unless configured off (see
/// [`CoalescedWrites`]), under the listener's guards (see
/// [`super::guard`]). Each further wrapper is one more step in
/// [`Incoming::wrap`], an [`Either`] when configuration can leave it out.
pub(crate) type Connection = Guarded<Either<CoalescedWrites<Lingering>, Lingering>>;

/// Accepted connections, ready to serve. A connection over the limit is
/// dropped (closed) at once; TLS handshakes run concurrently, each in its
/// own task, so a slow one never holds up the next accept.
pub(crate) struct Incoming {
    listener: TcpIncoming,
    // Set once the listener has ended (it does not, in practice).
    listener_done: bool,
    tls: Option<TlsAcceptor>,
    // Dropped with the stream, which aborts handshakes still running.
    handshakes: JoinSet<Option<(TlsSocket, Admission)>>,
    guards: Arc<Guards>,
    coalesce_writes: bool,
}

impl Incoming {
    /// Accepts on `listener` (without Nagle's delay: we decide when bytes go
    /// out, see [`CoalescedWrites`]), terminating TLS with `tls` if given.
    pub(crate) fn new(
        listener: tokio::net::TcpListener,
        tls: Option<TlsAcceptor>,
        guards: Arc<Guards>,
        coalesce_writes: bool,
    ) -> Self {
        Self {
            listener: TcpIncoming::from(listener).with_nodelay(Some(true)),
            listener_done: false,
            tls,
            handshakes: JoinSet::new(),
            guards,
            coalesce_writes,
        }
    }

    fn wrap(&self, socket: Socket, admission: Admission) -> Connection {
        let io = LingeringClose::new(socket);
        let io = if self.coalesce_writes {
            Either::Left {
                io: CoalescedWrites::new(io).unvectored(),
            }
        } else {
            Either::Right { io }
        };
        self.guards.guard(io, admission)
    }

    /// The next finished handshake, skipping failed ones; `Pending` also
    /// when none is running.
    fn poll_handshakes(&mut self, cx: &mut Context<'_>) -> Poll<Connection> {
        loop {
            match self.handshakes.poll_join_next(cx) {
                Poll::Ready(Some(Ok(Some((tls, admission))))) => {
                    return Poll::Ready(self.wrap(Either::Right { io: tls }, admission));
                }
                // Failed, and closed by its task.
                Poll::Ready(Some(Ok(None))) => {}
                Poll::Ready(Some(Err(err))) => {
                    // Cancelled only when the runtime shuts down.
                    if err.is_panic() {
                        tracing::error!(%err, "TLS handshake task panicked");
                    }
                }
                Poll::Ready(None) | Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl Stream for Incoming {
    type Item = io::Result<Connection>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            // Finished handshakes first: each holds a slot under the
            // connection limit, and an accept loop that never runs dry (a
            // flood, refused or not, uses up the task's budget on accepts)
            // must not keep them from being served. There are never more of
            // them than admitted connections, so accepts cannot starve.
            if let Poll::Ready(connection) = this.poll_handshakes(cx) {
                return Poll::Ready(Some(Ok(connection)));
            }
            if this.listener_done {
                return if this.handshakes.is_empty() {
                    Poll::Ready(None)
                } else {
                    Poll::Pending
                };
            }
            match ready!(Pin::new(&mut this.listener).poll_next(cx)) {
                Some(Ok(tcp)) => {
                    let Some(admission) = this.guards.admit() else {
                        continue;
                    };
                    match &this.tls {
                        None => {
                            let socket = Either::Left { io: tcp };
                            return Poll::Ready(Some(Ok(this.wrap(socket, admission))));
                        }
                        Some(acceptor) => {
                            let handshake = tls::handshake(acceptor.clone(), tcp);
                            this.handshakes
                                .spawn(async move { Some((handshake.await?, admission)) });
                        }
                    }
                }
                Some(Err(err)) => return Poll::Ready(Some(Err(err))),
                None => this.listener_done = true,
            }
        }
    }
}
