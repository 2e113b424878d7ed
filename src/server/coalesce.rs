//! Write coalescing: the responses a connection produces in one turn go
//! out in one `writev`, not one per response.
//!
//! Why: h2 writes a DATA frame of 256 bytes or more by reference and
//! flushes the socket before it can queue the next frame, so every
//! response bigger than that costs its own write, and its trailers often a
//! second one. An interpretation is about 2 KiB, so a busy connection made
//! two write syscalls per call; on loopback each one also runs the
//! receiver's TCP path, which made Interpret cost 34 µs of server CPU
//! against Health.Check's 20 µs. grpc-go avoids this the same way: its
//! writer (`loopyWriter.run`) flushes only when it has nothing more
//! queued, and with under 1,000 bytes buffered it first yields once to let
//! other streams add theirs, which is what the deferred flush here does.
//!
//! How: writes are copied into a buffer, and a flush request is deferred
//! once. The wrapper wakes its own task, so the connection is polled again
//! right after the tasks already queued (the handlers finishing more
//! calls); the buffer goes out at the next flush that added nothing new,
//! at the next read (never wait for input while holding output: that is
//! what keeps the TLS handshake moving), when it passes [`HIGH_WATER`], or
//! at shutdown. One extra poll of the connection is the whole latency
//! cost; docs/benchmarks.md has what it bought.

use std::{
    io,
    pin::Pin,
    task::{Context, Poll, ready},
};

use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tonic::transport::server::Connected;

/// Buffered bytes at which a write goes to the socket without waiting for
/// a flush: h2's own write buffer size, so a connection holds at most
/// about twice this.
pub const HIGH_WATER: usize = 16 * 1024;

pin_project! {
    /// A connection whose writes are buffered and whose flushes are
    /// deferred by one poll, so a burst of responses shares one write.
    #[derive(Debug)]
    pub struct CoalescedWrites<IO> {
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
    }
}

impl<IO> CoalescedWrites<IO> {
    /// Wraps an accepted connection.
    pub fn new(io: IO) -> Self {
        Self {
            io,
            buf: Vec::new(),
            sent: 0,
            fresh: false,
            owed: false,
        }
    }
}

impl<IO: Connected> Connected for CoalescedWrites<IO> {
    type ConnectInfo = IO::ConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.io.connect_info()
    }
}

impl<IO: AsyncWrite> CoalescedWrites<IO> {
    /// Writes the whole buffer to the socket.
    fn poll_drain(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut this = self.project();
        while *this.sent < this.buf.len() {
            let n = ready!(this.io.as_mut().poll_write(cx, &this.buf[*this.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *this.sent += n;
        }
        this.buf.clear();
        *this.sent = 0;
        *this.owed = false;
        Poll::Ready(Ok(()))
    }

    /// Makes room for `len` more bytes: drains a buffer past the high-water
    /// mark first (back-pressure from the socket reaches the caller here).
    /// Returns false when `len` bytes should bypass the buffer.
    fn poll_reserve(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        len: usize,
    ) -> Poll<io::Result<bool>> {
        if self.buf.len() >= HIGH_WATER {
            ready!(self.as_mut().poll_drain(cx))?;
        }
        // A big write on an empty buffer goes straight out: copying it buys
        // nothing.
        Poll::Ready(Ok(!(self.buf.is_empty() && len >= HIGH_WATER)))
    }
}

impl<IO: AsyncRead + AsyncWrite> AsyncRead for CoalescedWrites<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.owed {
            // A full socket must not stop us reading: the drain has
            // registered for writability and is retried at the next poll.
            if let Poll::Ready(Err(e)) = self.as_mut().poll_drain(cx) {
                return Poll::Ready(Err(e));
            }
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
        if !ready!(self.as_mut().poll_reserve(cx, data.len()))? {
            return self.project().io.poll_write(cx, data);
        }
        let this = self.project();
        this.buf.extend_from_slice(data);
        *this.fresh = true;
        Poll::Ready(Ok(data.len()))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|b| b.len()).sum();
        if !ready!(self.as_mut().poll_reserve(cx, len))? {
            return self.project().io.poll_write_vectored(cx, bufs);
        }
        let this = self.project();
        for b in bufs {
            this.buf.extend_from_slice(b);
        }
        *this.fresh = true;
        Poll::Ready(Ok(len))
    }

    /// True whatever the socket says: every write lands in our buffer, so
    /// h2 may hand over its payloads by reference.
    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.buf.is_empty() {
            return self.project().io.poll_flush(cx);
        }
        if self.fresh {
            let this = self.project();
            *this.fresh = false;
            *this.owed = true;
            // Guarantees the poll in which the buffer goes out.
            cx.waker().wake_by_ref();
            return Poll::Ready(Ok(()));
        }
        ready!(self.as_mut().poll_drain(cx))?;
        self.project().io.poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.as_mut().poll_drain(cx))?;
        self.project().io.poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    };
    use std::task::{Wake, Waker};

    use super::*;

    /// A socket that records each write it accepts, taking at most
    /// `per_write` bytes at a time, and never has anything to read.
    #[derive(Default)]
    struct Socket {
        writes: Vec<Vec<u8>>,
        per_write: Option<usize>,
        shut: bool,
    }

    impl Socket {
        fn bytes(&self) -> Vec<u8> {
            self.writes.concat()
        }
    }

    impl AsyncRead for Socket {
        fn poll_read(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Poll::Pending
        }
    }

    impl AsyncWrite for Socket {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            data: &[u8],
        ) -> Poll<io::Result<usize>> {
            let n = data.len().min(self.per_write.unwrap_or(usize::MAX));
            self.writes.push(data[..n].to_vec());
            Poll::Ready(Ok(n))
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.shut = true;
            Poll::Ready(Ok(()))
        }
    }

    /// Counts wake-ups, to see the deferred flush schedule its own poll.
    #[derive(Default)]
    struct Wakes(AtomicUsize);

    impl Wake for Wakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    struct Harness {
        io: CoalescedWrites<Socket>,
        wakes: Arc<Wakes>,
        waker: Waker,
    }

    impl Harness {
        fn new(socket: Socket) -> Self {
            let wakes = Arc::new(Wakes::default());
            Self {
                io: CoalescedWrites::new(socket),
                waker: Waker::from(wakes.clone()),
                wakes,
            }
        }

        fn write(&mut self, data: &[u8]) {
            let mut cx = Context::from_waker(&self.waker);
            let written = Pin::new(&mut self.io).poll_write(&mut cx, data);
            assert!(matches!(written, Poll::Ready(Ok(n)) if n == data.len()));
        }

        fn flush(&mut self) {
            let mut cx = Context::from_waker(&self.waker);
            let flushed = Pin::new(&mut self.io).poll_flush(&mut cx);
            assert!(matches!(flushed, Poll::Ready(Ok(()))));
        }

        fn read(&mut self) {
            let mut cx = Context::from_waker(&self.waker);
            let mut space = [0u8; 16];
            let mut buf = ReadBuf::new(&mut space);
            assert!(
                Pin::new(&mut self.io)
                    .poll_read(&mut cx, &mut buf)
                    .is_pending()
            );
        }

        fn socket(&self) -> &Socket {
            &self.io.io
        }
    }

    #[test]
    fn a_burst_of_writes_goes_out_in_one_write_at_the_second_flush() {
        let mut h = Harness::new(Socket::default());
        h.write(b"headers");
        h.write(b"data");
        h.flush();
        assert!(h.socket().writes.is_empty(), "the first flush is deferred");
        assert_eq!(h.wakes.0.load(Ordering::SeqCst), 1, "and schedules a poll");
        h.write(b"trailers");
        h.flush();
        assert!(h.socket().writes.is_empty(), "fresh bytes defer it again");
        h.flush();
        assert_eq!(h.socket().writes, vec![b"headersdatatrailers".to_vec()]);
        h.flush();
        assert_eq!(h.socket().writes.len(), 1, "nothing left to write");
    }

    #[test]
    fn a_read_sends_what_a_deferred_flush_owes() {
        let mut h = Harness::new(Socket::default());
        h.write(b"client hello reply");
        h.read();
        assert!(h.socket().writes.is_empty(), "no flush asked for yet");
        h.flush();
        h.read();
        assert_eq!(h.socket().bytes(), b"client hello reply");
    }

    #[test]
    fn past_the_high_water_mark_writes_go_out_without_a_flush() {
        let mut h = Harness::new(Socket::default());
        let chunk = vec![7u8; 1000];
        let mut sent = 0;
        while h.socket().writes.is_empty() {
            h.write(&chunk);
            sent += chunk.len();
            assert!(
                sent <= HIGH_WATER + 2 * chunk.len(),
                "the buffer grows without bound"
            );
        }
        assert!(h.socket().bytes().len() >= HIGH_WATER);
    }

    #[test]
    fn a_large_write_on_an_empty_buffer_is_not_copied() {
        let mut h = Harness::new(Socket::default());
        let big = vec![1u8; HIGH_WATER];
        h.write(&big);
        assert_eq!(h.socket().writes, vec![big]);
        assert!(h.io.buf.is_empty());
    }

    #[test]
    fn partial_socket_writes_keep_every_byte_in_order() {
        let mut h = Harness::new(Socket {
            per_write: Some(3),
            ..Socket::default()
        });
        let parts: [&[u8]; 3] = [b"abcdefg", b"hij", b"klmnopqrstu"];
        for part in parts {
            h.write(part);
        }
        h.flush();
        h.flush();
        assert_eq!(h.socket().bytes(), parts.concat());
        assert!(h.socket().writes.iter().all(|w| w.len() <= 3));
    }

    #[test]
    fn shutdown_sends_the_buffer_first() {
        let mut h = Harness::new(Socket::default());
        h.write(b"GOAWAY");
        let mut cx = Context::from_waker(&h.waker);
        assert!(matches!(
            Pin::new(&mut h.io).poll_shutdown(&mut cx),
            Poll::Ready(Ok(()))
        ));
        assert_eq!(h.socket().bytes(), b"GOAWAY");
        assert!(h.socket().shut);
    }
}
