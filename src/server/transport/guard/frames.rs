//! The connection's byte streams read as HTTP/2 (RFC 9113 section 4.1):
//! the inbound one for the client preface and the control frames it
//! charges, the outbound one for where h2's frames end, both for which
//! streams are still open ([`OpenStreams`]), all through one
//! [`FrameWalker`] that reads 9-byte frame headers and skips payloads
//! unread; and the GOAWAY a tripped connection gets.

use std::{convert::Infallible, ops::ControlFlow};

use super::bucket::Bucket;

/// The HTTP/2 client connection preface (RFC 9113 section 3.4).
pub(super) const MAGIC: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

const FRAME_HEADER: usize = 9;
const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const RST_STREAM: u8 = 0x3;
const SETTINGS: u8 = 0x4;
const PING: u8 = 0x6;
const GOAWAY: u8 = 0x7;
const ENHANCE_YOUR_CALM: u32 = 0xb;
const END_STREAM: u8 = 0x1;
/// Streams [`OpenStreams`] follows at most; past that it stops following
/// and reports streams open for good (h2 refuses streams past
/// `max_concurrent_streams`, 256 by default, so only a connection whose
/// streams we never saw end gets here).
const MAX_FOLLOWED: usize = 1024;

/// Which budget a connection broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Trip {
    Pings,
    Settings,
}

impl Trip {
    /// The frame type, for the log line.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Pings => "PING",
            Self::Settings => "SETTINGS",
        }
    }

    /// What grpc-go and grpcio recognise: on `too_many_pings` they double
    /// their keepalive interval before reconnecting.
    pub(super) fn debug_data(self) -> &'static [u8] {
        match self {
            Self::Pings => b"too_many_pings",
            Self::Settings => b"too_many_settings",
        }
    }
}

/// One frame header: what the guards need of it.
#[derive(Debug, Clone, Copy)]
struct Header {
    kind: u8,
    flags: u8,
    stream: u32,
}

/// Frame headers in a byte stream that arrives in pieces of any size,
/// starting at a frame boundary.
#[derive(Debug, Default)]
struct FrameWalker {
    // The frame header being read, and how much of it is in.
    head: [u8; FRAME_HEADER],
    have: usize,
    // Payload bytes of the current frame still to skip.
    skip: usize,
}

impl FrameWalker {
    fn between_frames(&self) -> bool {
        self.have == 0 && self.skip == 0
    }

    /// Reads `bytes`, calling `on_header` at each complete frame header;
    /// stops early, consuming nothing more, when it breaks.
    fn feed<B>(
        &mut self,
        mut bytes: &[u8],
        mut on_header: impl FnMut(Header) -> ControlFlow<B>,
    ) -> ControlFlow<B> {
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
            let [l0, l1, l2, kind, flags, s0, s1, s2, s3] = self.head;
            self.skip = usize::from(l0) << 16 | usize::from(l1) << 8 | usize::from(l2);
            on_header(Header {
                kind,
                flags,
                stream: u32::from_be_bytes([s0 & 0x7f, s1, s2, s3]),
            })?;
        }
        ControlFlow::Continue(())
    }
}

/// The inbound byte stream: the preface's magic, then frame headers.
#[derive(Debug, Default)]
pub(super) struct Inbound {
    // Bytes of the magic matched so far; `MAGIC.len()` once all are in.
    magic: usize,
    // The magic did not match: not HTTP/2 with prior knowledge. h2 refuses
    // it; nothing more to read here.
    opaque: bool,
    frames: FrameWalker,
    // Frame headers read: the preface is complete after the first.
    seen: u64,
    // The highest stream id of a HEADERS frame.
    pub(super) last_stream: u32,
    /// The streams the peer opened that we have not ended yet.
    pub(super) open: OpenStreams,
}

/// The streams a client opened whose answer has not ended yet: opened by
/// the client's first HEADERS frame on a new stream id, ended by our frame
/// with END_STREAM or a RST_STREAM either way. The write coalescer defers a
/// flush only while one is open (`Guarded::poll_flush`): with none, no
/// other answer can join the bytes it holds.
#[derive(Debug, Default)]
pub(super) struct OpenStreams {
    // Ids in the order they opened; answers mostly end in that order too,
    // so the search from the front is short.
    ids: Vec<u32>,
    // Past `MAX_FOLLOWED`: no longer followed, open for good.
    lost: bool,
}

impl OpenStreams {
    /// Whether some stream may still have answer bytes to come.
    pub(super) fn any(&self) -> bool {
        self.lost || !self.ids.is_empty()
    }

    fn open(&mut self, stream: u32) {
        if self.ids.len() >= MAX_FOLLOWED {
            self.lost = true;
            self.ids = Vec::new();
        } else if !self.lost {
            self.ids.push(stream);
        }
    }

    fn end(&mut self, stream: u32) {
        if let Some(at) = self.ids.iter().position(|&id| id == stream) {
            self.ids.remove(at);
        }
    }
}

impl Inbound {
    pub(super) fn preface_done(&self) -> bool {
        self.seen > 0
    }

    /// Reads `bytes`, charging control frames to `bucket`.
    pub(super) fn feed(
        &mut self,
        mut bytes: &[u8],
        mut bucket: Option<&mut Bucket>,
    ) -> Result<(), Trip> {
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
        let (seen, last_stream, open) = (&mut self.seen, &mut self.last_stream, &mut self.open);
        let charged = self.frames.feed(bytes, |header| {
            *seen += 1;
            match header.kind {
                // A client's stream ids only grow: a HEADERS frame on a
                // higher one opens a stream (a lower one carries trailers).
                HEADERS if header.stream > *last_stream => {
                    *last_stream = header.stream;
                    open.open(header.stream);
                }
                RST_STREAM => open.end(header.stream),
                _ => {}
            }
            let Some(bucket) = bucket.as_deref_mut() else {
                return ControlFlow::Continue(());
            };
            match header.kind {
                HEADERS => bucket.refund(),
                PING if !bucket.take() => return ControlFlow::Break(Trip::Pings),
                SETTINGS if !bucket.take() => return ControlFlow::Break(Trip::Settings),
                _ => {}
            }
            ControlFlow::Continue(())
        });
        match charged {
            ControlFlow::Continue(()) => Ok(()),
            ControlFlow::Break(trip) => Err(trip),
        }
    }
}

/// Where the outbound byte stream is: inside a frame or between two.
#[derive(Debug, Default)]
pub(super) struct Outbound(FrameWalker);

impl Outbound {
    pub(super) fn at_boundary(&self) -> bool {
        self.0.between_frames()
    }

    /// Reads `bytes`, ending in `open` the streams whose last frame they
    /// hold.
    pub(super) fn feed(&mut self, bytes: &[u8], open: &mut OpenStreams) {
        let ControlFlow::Continue(()) = self.0.feed::<Infallible>(bytes, |header| {
            let ends = match header.kind {
                DATA | HEADERS => header.flags & END_STREAM != 0,
                RST_STREAM => true,
                _ => false,
            };
            if ends {
                open.end(header.stream);
            }
            ControlFlow::Continue(())
        });
    }
}

/// A frame header: `len` payload bytes follow.
fn header(len: usize, kind: u8, flags: u8, stream: u32) -> [u8; FRAME_HEADER] {
    let [_, l0, l1, l2] = u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes();
    let [s0, s1, s2, s3] = stream.to_be_bytes();
    [l0, l1, l2, kind, flags, s0, s1, s2, s3]
}

/// A GOAWAY frame: no stream may be above `last_stream` (the highest the
/// peer opened, so nothing it sent is disowned), `ENHANCE_YOUR_CALM`.
pub(super) fn goaway(last_stream: u32, debug: &[u8]) -> Vec<u8> {
    let len = 8 + debug.len();
    let mut frame = Vec::with_capacity(FRAME_HEADER + len);
    frame.extend_from_slice(&header(len, GOAWAY, 0, 0));
    frame.extend_from_slice(&(last_stream & 0x7fff_ffff).to_be_bytes());
    frame.extend_from_slice(&ENHANCE_YOUR_CALM.to_be_bytes());
    frame.extend_from_slice(debug);
    frame
}

#[cfg(test)]
mod tests;
