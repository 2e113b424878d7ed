//! Hand-built HTTP/2 frames over a plain TCP socket, for peers no HTTP/2
//! library would be: floods of control frames, resets and CONTINUATIONs,
//! windows that never open, prefaces that never come.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpStream, tcp::OwnedWriteHalf},
    task::JoinHandle,
};

/// The client connection preface.
pub(crate) const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

pub(crate) const DATA: u8 = 0x0;
pub(crate) const HEADERS: u8 = 0x1;
pub(crate) const RST_STREAM: u8 = 0x3;
pub(crate) const SETTINGS: u8 = 0x4;
pub(crate) const PING: u8 = 0x6;
pub(crate) const GOAWAY: u8 = 0x7;
pub(crate) const CONTINUATION: u8 = 0x9;

pub(crate) const END_STREAM: u8 = 0x1;
pub(crate) const END_HEADERS: u8 = 0x4;

/// `SETTINGS_INITIAL_WINDOW_SIZE`.
pub(crate) const INITIAL_WINDOW_SIZE: u16 = 0x4;

/// One frame.
pub(crate) fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(payload.len()).unwrap().to_be_bytes()[1..].to_vec();
    out.extend_from_slice(&[kind, flags]);
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// A SETTINGS frame with these values.
pub(crate) fn settings(values: &[(u16, u32)]) -> Vec<u8> {
    let payload: Vec<u8> = values
        .iter()
        .flat_map(|(id, value)| [id.to_be_bytes().as_slice(), &value.to_be_bytes()].concat())
        .collect();
    frame(SETTINGS, 0, 0, &payload)
}

/// An HPACK literal header field without indexing, new name, no Huffman
/// (names and values under 127 bytes).
fn literal(name: &str, value: &str) -> Vec<u8> {
    let mut out = vec![0x00, u8::try_from(name.len()).unwrap()];
    out.extend_from_slice(name.as_bytes());
    out.push(u8::try_from(value.len()).unwrap());
    out.extend_from_slice(value.as_bytes());
    out
}

/// The HPACK block of a gRPC POST to `path`.
pub(crate) fn request_block(path: &str) -> Vec<u8> {
    // :method POST (static 3), :scheme http (static 6).
    let mut block = vec![0x83, 0x86];
    // :path, literal value with the static name 4.
    block.push(0x04);
    block.push(u8::try_from(path.len()).unwrap());
    block.extend_from_slice(path.as_bytes());
    block.extend(literal(":authority", "localhost"));
    block.extend(literal("content-type", "application/grpc"));
    block.extend(literal("te", "trailers"));
    block
}

/// A header block fragment of filler headers, for CONTINUATION floods.
pub(crate) fn filler_block() -> Vec<u8> {
    literal("x-filler", &"f".repeat(100))
}

/// One TCP connection to the server speaking hand-built HTTP/2: every byte
/// the server sends is collected by a reader task until it closes.
pub(crate) struct RawConn {
    write: OwnedWriteHalf,
    reader: JoinHandle<Received>,
}

/// What the server sent, and how the connection ended.
#[derive(Debug)]
pub(crate) struct Received {
    pub(crate) bytes: Vec<u8>,
    /// When the server closed (EOF or reset), from the connect; `None`
    /// when it was still open at the reader's deadline.
    pub(crate) closed_after: Option<Duration>,
}

/// A GOAWAY the server sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GoAway {
    pub(crate) last_stream: u32,
    pub(crate) code: u32,
    pub(crate) debug: String,
}

impl Received {
    /// The frames in the bytes: (type, flags, stream, payload). A preface
    /// does not apply: servers send frames only.
    pub(crate) fn frames(&self) -> Vec<(u8, u8, u32, &[u8])> {
        let mut frames = Vec::new();
        let mut rest = self.bytes.as_slice();
        while rest.len() >= 9 {
            let len = usize::from(rest[0]) << 16 | usize::from(rest[1]) << 8 | usize::from(rest[2]);
            if rest.len() < 9 + len {
                break;
            }
            let stream = u32::from_be_bytes([rest[5] & 0x7f, rest[6], rest[7], rest[8]]);
            frames.push((rest[3], rest[4], stream, &rest[9..9 + len]));
            rest = &rest[9 + len..];
        }
        frames
    }

    /// The first GOAWAY, if any.
    pub(crate) fn goaway(&self) -> Option<GoAway> {
        let (_, _, _, payload) = self.frames().into_iter().find(|f| f.0 == GOAWAY)?;
        Some(GoAway {
            last_stream: u32::from_be_bytes(payload[..4].try_into().unwrap()) & 0x7fff_ffff,
            code: u32::from_be_bytes(payload[4..8].try_into().unwrap()),
            debug: String::from_utf8_lossy(&payload[8..]).into_owned(),
        })
    }

    /// How many frames of `kind` the server sent.
    pub(crate) fn count(&self, kind: u8) -> usize {
        self.frames().iter().filter(|f| f.0 == kind).count()
    }
}

impl RawConn {
    /// Connects and sends nothing. The reader gives up after `patience`;
    /// times are counted from the completed connect.
    pub(crate) async fn connect(addr: SocketAddr, patience: Duration) -> Self {
        let tcp = TcpStream::connect(addr).await.unwrap();
        let started = Instant::now();
        let (mut read, write) = tcp.into_split();
        let reader = tokio::spawn(async move {
            let mut bytes = Vec::new();
            let mut chunk = vec![0_u8; 16 * 1024];
            let until_closed = async {
                loop {
                    match read.read(&mut chunk).await {
                        Ok(0) | Err(_) => return started.elapsed(),
                        Ok(n) => bytes.extend_from_slice(&chunk[..n]),
                    }
                }
            };
            let closed_after = tokio::time::timeout(patience, until_closed).await.ok();
            Received {
                bytes,
                closed_after,
            }
        });
        Self { write, reader }
    }

    /// Connects and sends the preface with `settings`.
    pub(crate) async fn handshake(
        addr: SocketAddr,
        values: &[(u16, u32)],
        patience: Duration,
    ) -> Self {
        let mut conn = Self::connect(addr, patience).await;
        let start = [PREFACE, &settings(values)].concat();
        assert!(
            conn.send(&start).await,
            "the server closed before the preface"
        );
        conn
    }

    /// Writes `bytes`; false once the server has closed (or reset) the
    /// connection.
    pub(crate) async fn send(&mut self, bytes: &[u8]) -> bool {
        self.write.write_all(bytes).await.is_ok()
    }

    /// Waits for the server to close (or the reader's patience to run out),
    /// keeping our side open meanwhile.
    pub(crate) async fn received(self) -> Received {
        let Self { write, reader, .. } = self;
        let received = reader.await.unwrap();
        drop(write);
        received
    }
}
