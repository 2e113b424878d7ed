//! A property test of [`CoalescedWrites`]: random sequences of writes
//! (plain and vectored, empty to several times [`HIGH_WATER`]), flushes,
//! reads and shutdowns against a socket that takes a random part of each
//! write, says `Pending`, or fails, at random. One poll per operation, the
//! way h2 calls it: what a write did not take is offered again next time.
//!
//! Plus the one thing the property does not check: that coalescing
//! happens at all (a burst goes out in one write at the second flush).

use std::{
    cell::RefCell,
    rc::Rc,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    task::Wake,
};

use proptest::prelude::*;

use super::*;

/// What the socket does with one write call.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// Takes at most this many bytes.
    Take(usize),
    /// Not writable now; registers the waker.
    Pending,
    /// Fails this call.
    Fail,
}

/// One call on the wrapper.
#[derive(Debug, Clone)]
enum Op {
    /// `poll_write` of this many bytes.
    Write(usize),
    /// `poll_write_vectored` of slices this long.
    WriteVectored(Vec<usize>),
    Flush,
    /// `poll_read`; `true` when the socket has a byte of input.
    Read(bool),
    Shutdown,
}

/// The socket's side of the test, shared with the harness because the
/// wrapper owns the socket (and drops it).
#[derive(Debug, Default)]
struct Wire {
    /// Every byte the socket took, in order.
    received: Vec<u8>,
    /// Write calls that took bytes.
    writes: usize,
    /// What write calls do, in turn, repeated; empty or `take_all` takes
    /// everything.
    script: Vec<Step>,
    next: usize,
    take_all: bool,
    /// Some call failed.
    failed: bool,
    /// Calls that returned `Pending` (each registered the waker).
    pendings: usize,
    shut: bool,
}

impl Wire {
    fn step(&mut self) -> Step {
        if self.shut {
            return Step::Fail;
        }
        if self.take_all || self.script.is_empty() {
            return Step::Take(usize::MAX);
        }
        let step = self.script[self.next % self.script.len()];
        self.next += 1;
        step
    }

    /// Applies the next step to a write of `slices`.
    fn write(&mut self, slices: &[&[u8]]) -> Poll<io::Result<usize>> {
        if slices.iter().all(|s| s.is_empty()) {
            return Poll::Ready(Ok(0));
        }
        match self.step() {
            Step::Take(most) => {
                let mut left = most;
                for s in slices {
                    let n = s.len().min(left);
                    self.received.extend_from_slice(&s[..n]);
                    left -= n;
                }
                self.writes += 1;
                Poll::Ready(Ok(most - left))
            }
            Step::Pending => {
                self.pendings += 1;
                Poll::Pending
            }
            Step::Fail => {
                self.failed = true;
                Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()))
            }
        }
    }
}

/// The socket: writes as the [`Wire`]'s script says; reads give one byte
/// when `input` is set, else `Pending`; flush and shutdown always succeed.
#[derive(Debug)]
struct Socket {
    wire: Rc<RefCell<Wire>>,
    input: bool,
}

impl AsyncRead for Socket {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if std::mem::take(&mut self.input) {
            buf.put_slice(b"i");
            Poll::Ready(Ok(()))
        } else {
            self.wire.borrow_mut().pendings += 1;
            Poll::Pending
        }
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.wire.borrow_mut().write(&[data])
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let slices: Vec<&[u8]> = bufs.iter().map(|b| &**b).collect();
        self.wire.borrow_mut().write(&slices)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.wire.borrow_mut().shut = true;
        Poll::Ready(Ok(()))
    }
}

/// Counts wake-ups, to see a deferred flush schedule its own poll.
#[derive(Debug, Default)]
struct Wakes(AtomicUsize);

impl Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// The wrapper under test, its socket, and a model of what must hold.
struct Harness {
    io: CoalescedWrites<Socket>,
    wire: Rc<RefCell<Wire>>,
    wakes: Arc<Wakes>,
    waker: Waker,
    /// Bytes of the stream the writer offers: position `i` is `byte(seed, i)`.
    seed: u64,
    /// Every byte the wrapper said it took, in order.
    written: Vec<u8>,
    /// Bytes were taken since the last flush that returned `Ready(Ok)`.
    fresh: bool,
    /// How much of `written` the last flush that returned `Ready(Ok)`
    /// covered: a read must not wait for input with those bytes held back.
    flushed: usize,
}

/// The writer's byte at stream position `i`: SplitMix64 of the position,
/// so a byte lost, repeated or moved shows.
fn byte(seed: u64, i: usize) -> u8 {
    let mut z = seed.wrapping_add((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) as u8
}

impl Harness {
    fn new(seed: u64, script: Vec<Step>) -> Self {
        let wire = Rc::new(RefCell::new(Wire {
            script,
            ..Wire::default()
        }));
        let wakes = Arc::new(Wakes::default());
        Self {
            io: CoalescedWrites::new(Socket {
                wire: Rc::clone(&wire),
                input: false,
            }),
            wire,
            waker: Waker::from(Arc::clone(&wakes)),
            wakes,
            seed,
            written: Vec::new(),
            fresh: false,
            flushed: 0,
        }
    }

    /// The next `len` bytes of the stream after what was taken.
    fn offer(&self, len: usize) -> Vec<u8> {
        let at = self.written.len();
        (at..at + len).map(|i| byte(self.seed, i)).collect()
    }

    /// Runs one operation and checks every invariant after it.
    fn run(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let (failed_before, pendings_before) = {
            let wire = self.wire.borrow();
            (wire.failed, wire.pendings)
        };
        let wakes_before = self.wakes.0.load(Ordering::SeqCst);
        let waker = self.waker.clone();
        let mut cx = Context::from_waker(&waker);

        // The outcome of a write, flush or shutdown, with how many bytes a
        // write took.
        let outcome: Option<Poll<io::Result<usize>>> = match op {
            Op::Write(len) => {
                let data = self.offer(*len);
                let result = Pin::new(&mut self.io).poll_write(&mut cx, &data);
                if let Poll::Ready(Ok(n)) = result {
                    prop_assert!(n <= data.len(), "took {n} of {} bytes", data.len());
                    prop_assert!(n > 0 || data.is_empty(), "took nothing: WriteZero");
                    self.take(&data[..n]);
                }
                (!data.is_empty()).then_some(result)
            }
            Op::WriteVectored(lens) => {
                let data = self.offer(lens.iter().sum());
                let mut slices = Vec::new();
                let mut at = 0;
                for len in lens {
                    slices.push(io::IoSlice::new(&data[at..at + len]));
                    at += len;
                }
                let result = Pin::new(&mut self.io).poll_write_vectored(&mut cx, &slices);
                if let Poll::Ready(Ok(n)) = result {
                    prop_assert!(n <= data.len(), "claimed {n} of {} bytes", data.len());
                    prop_assert!(n > 0 || data.is_empty(), "took nothing: WriteZero");
                    self.take(&data[..n]);
                }
                (!data.is_empty()).then_some(result)
            }
            Op::Flush => {
                let result = Pin::new(&mut self.io).poll_flush(&mut cx);
                if let Poll::Ready(Ok(())) = result {
                    let (received, written) =
                        (self.wire.borrow().received.len(), self.written.len());
                    // The second flush: nothing new since the last one
                    // that succeeded, so nothing may stay behind.
                    if !self.fresh {
                        prop_assert_eq!(received, written, "a second flush left bytes behind");
                    }
                    if received < written {
                        // The deferred flush: only sound if it asked for
                        // the poll that sends them.
                        let woken = self.wakes.0.load(Ordering::SeqCst) > wakes_before;
                        prop_assert!(woken, "deferred a flush without waking the task");
                    }
                    self.flushed = written;
                    self.fresh = false;
                }
                Some(result.map_ok(|()| 0))
            }
            Op::Read(input) => {
                self.io.io.input = *input;
                let mut space = [0u8; 4];
                let mut buf = ReadBuf::new(&mut space);
                let result = Pin::new(&mut self.io).poll_read(&mut cx, &mut buf);
                // Input is delivered whatever happened to the writes.
                if *input {
                    prop_assert!(matches!(result, Poll::Ready(Ok(()))), "{result:?}");
                    prop_assert_eq!(buf.filled(), b"i");
                } else {
                    prop_assert!(result.is_pending(), "{result:?}");
                }
                // Never wait for input while holding output a flush asked
                // for, unless the socket refused it during this read.
                let wire = self.wire.borrow();
                let refused = wire.failed || wire.pendings > pendings_before + usize::from(!input);
                if !refused {
                    prop_assert!(
                        wire.received.len() >= self.flushed,
                        "a read left flushed bytes behind: {} of {}",
                        wire.received.len(),
                        self.flushed
                    );
                }
                None
            }
            Op::Shutdown => {
                let result = Pin::new(&mut self.io).poll_shutdown(&mut cx);
                if let Poll::Ready(Ok(())) = result {
                    let wire = self.wire.borrow();
                    prop_assert!(wire.shut);
                    prop_assert_eq!(
                        wire.received.len(),
                        self.written.len(),
                        "shut with bytes behind"
                    );
                }
                Some(result.map_ok(|()| 0))
            }
        };

        let wire = self.wire.borrow();
        if let Some(result) = outcome {
            match result {
                // A socket error sticks: once the socket failed, every
                // later (non-empty) write, flush and shutdown fails.
                Poll::Ready(Ok(_)) => prop_assert!(!failed_before, "succeeded after a write error"),
                Poll::Pending => {
                    prop_assert!(!failed_before, "Pending after a write error");
                    // Pending only where the socket registered the waker.
                    prop_assert!(wire.pendings > pendings_before, "Pending without a waker");
                }
                Poll::Ready(Err(err)) => {
                    prop_assert!(wire.failed, "an error the socket never gave: {err}");
                }
            }
        }
        // What the socket got is what was written, in order: a prefix of
        // it, nothing repeated, nothing lost.
        prop_assert!(
            wire.received.len() <= self.written.len(),
            "the socket got more than was written"
        );
        prop_assert!(
            wire.received[..] == self.written[..wire.received.len()],
            "the socket's bytes differ from what was written"
        );
        prop_assert!(self.io.buf.len() <= HIGH_WATER, "buffer past the mark");
        prop_assert!(
            self.io.buf.capacity() <= HIGH_WATER,
            "buffer memory past the mark"
        );
        Ok(())
    }

    fn take(&mut self, data: &[u8]) {
        self.written.extend_from_slice(data);
        if !data.is_empty() {
            self.fresh = true;
        }
    }
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        20 => (1usize..=64).prop_map(Step::Take),
        20 => (1usize..=3 * HIGH_WATER).prop_map(Step::Take),
        6 => Just(Step::Pending),
        1 => Just(Step::Fail),
    ]
}

/// Mostly response-sized writes, some at or past the mark (which bypass an
/// empty buffer), some empty.
fn write_len() -> impl Strategy<Value = usize> {
    prop_oneof![
        1 => Just(0),
        12 => 1usize..3000,
        3 => (HIGH_WATER - 64)..=(3 * HIGH_WATER),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => write_len().prop_map(Op::Write),
        3 => prop::collection::vec(write_len(), 1..4).prop_map(Op::WriteVectored),
        5 => Just(Op::Flush),
        2 => any::<bool>().prop_map(Op::Read),
        1 => Just(Op::Shutdown),
    ]
}

proptest! {
    // `PROPTEST_CASES` sets the number of cases (256 by default).
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn every_byte_goes_out_once_in_order(
        seed in any::<u64>(),
        script in prop::collection::vec(step(), 0..32),
        ops in prop::collection::vec(op(), 1..48),
    ) {
        let mut h = Harness::new(seed, script);
        for op in &ops {
            h.run(op)?;
        }
        // Dropped, the wrapper sends what the socket takes without waiting
        // (what a connection whose I/O failed wrote last).
        let Harness { io, wire, written, .. } = h;
        wire.borrow_mut().take_all = true;
        drop(io);
        let wire = wire.borrow();
        if !wire.failed {
            prop_assert_eq!(wire.received.len(), written.len(), "the drop left bytes behind");
        }
    }
}

/// The reason the wrapper exists: the writes of one turn go out in one
/// socket write, at the first flush that adds nothing, and the deferred
/// flush wakes its task for that poll.
#[test]
fn a_burst_of_writes_goes_out_in_one_write_at_the_second_flush() {
    let mut h = Harness::new(7, Vec::new());
    let burst = h.offer(2270);
    let (headers, rest) = burst.split_at(40);
    let (data, trailers) = rest.split_at(2200);
    let mut cx = Context::from_waker(&h.waker);
    let mut io = Pin::new(&mut h.io);
    for part in [headers, data] {
        assert!(
            matches!(io.as_mut().poll_write(&mut cx, part), Poll::Ready(Ok(n)) if n == part.len())
        );
    }
    assert!(matches!(
        io.as_mut().poll_flush(&mut cx),
        Poll::Ready(Ok(()))
    ));
    assert_eq!(h.wire.borrow().writes, 0, "the first flush is deferred");
    assert_eq!(h.wakes.0.load(Ordering::SeqCst), 1, "and schedules a poll");
    assert!(matches!(
        io.as_mut().poll_write(&mut cx, trailers),
        Poll::Ready(Ok(30))
    ));
    assert!(matches!(
        io.as_mut().poll_flush(&mut cx),
        Poll::Ready(Ok(()))
    ));
    assert_eq!(h.wire.borrow().writes, 0, "fresh bytes defer it again");
    assert!(matches!(
        io.as_mut().poll_flush(&mut cx),
        Poll::Ready(Ok(()))
    ));
    assert!(matches!(
        io.as_mut().poll_flush(&mut cx),
        Poll::Ready(Ok(()))
    ));
    let wire = h.wire.borrow();
    assert_eq!(wire.writes, 1, "one write for the whole burst");
    assert_eq!(wire.received, burst);
}

/// With no stream left open (`FlushHint::expect_more(false)`), nothing can
/// join the held bytes: the flush writes them at once and schedules no
/// extra poll, which at moderate rates cost a wake-up of another worker
/// per call (docs/benchmarks.md, "The cost of a call at moderate rates").
#[test]
fn a_flush_with_no_stream_open_writes_at_once_without_a_wake() {
    let mut h = Harness::new(7, Vec::new());
    let answer = h.offer(1053);
    let mut cx = Context::from_waker(&h.waker);
    let mut io = Pin::new(&mut h.io);
    assert!(matches!(
        io.as_mut().poll_write(&mut cx, &answer),
        Poll::Ready(Ok(1053))
    ));
    io.as_mut().expect_more(false);
    assert!(matches!(
        io.as_mut().poll_flush(&mut cx),
        Poll::Ready(Ok(()))
    ));
    assert_eq!(h.wakes.0.load(Ordering::SeqCst), 0, "no extra poll");
    let wire = h.wire.borrow();
    assert_eq!(wire.writes, 1, "written at this flush");
    assert_eq!(wire.received, answer);
}
