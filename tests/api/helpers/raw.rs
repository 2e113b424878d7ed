//! Raw HTTP/2 gRPC calls, for what a tonic client cannot send: hand-built
//! (invalid) protobuf bytes, broken framing, and calls held open with
//! headers sent but no body yet.

use std::net::SocketAddr;

use bytes::{BufMut, Bytes, BytesMut};
use h2::client::{ResponseFuture, SendRequest};
use prost::Message;

/// The interpreter's `Interpret` method path.
pub(crate) const INTERPRET: &str = "/vehicle_errors.v1.InterpreterService/Interpret";

/// The interpreter's `InterpretPayload` method path.
pub(crate) const INTERPRET_PAYLOAD: &str = "/vehicle_errors.v1.InterpreterService/InterpretPayload";

/// One HTTP/2 connection speaking gRPC by hand.
pub(crate) struct RawClient {
    addr: SocketAddr,
    h2: SendRequest<Bytes>,
    ping: h2::PingPong,
}

/// What a raw call got back.
#[derive(Debug)]
pub(crate) struct RawReply {
    /// `grpc-status`, from the headers (trailers-only) or the trailers.
    pub(crate) status: i32,
    /// `grpc-message`, percent-encoded as sent.
    pub(crate) message: String,
    /// `grpc-status-details-bin`, base64 as sent.
    pub(crate) details: Option<String>,
    /// The response's data: a gRPC frame for an OK unary call.
    pub(crate) body: Bytes,
}

/// A call whose headers are sent and whose body is not (yet).
pub(crate) struct HeldCall {
    response: ResponseFuture,
    body: h2::SendStream<Bytes>,
}

/// A gRPC message frame: no compression, big-endian length, payload.
pub(crate) fn frame(payload: &[u8]) -> Bytes {
    let mut frame = BytesMut::with_capacity(5 + payload.len());
    frame.put_u8(0);
    frame.put_u32(u32::try_from(payload.len()).unwrap());
    frame.put_slice(payload);
    frame.freeze()
}

impl RawClient {
    /// Connects to `addr` (plaintext HTTP/2 with prior knowledge).
    pub(crate) async fn connect(addr: SocketAddr) -> Self {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (h2, mut connection) = h2::client::handshake(tcp).await.unwrap();
        let ping = connection.ping_pong().unwrap();
        tokio::spawn(connection);
        Self { addr, h2, ping }
    }

    /// Opens a call to `path` with `extra` headers, sending only the
    /// headers. A PING round trip follows: the server answers it only after
    /// it has read every frame before it, so the server has the call.
    pub(crate) async fn open(&mut self, path: &str, extra: &[(&str, &str)]) -> HeldCall {
        let mut head = http::Request::post(format!("http://{}{path}", self.addr))
            .header("content-type", "application/grpc")
            .header("te", "trailers");
        for (name, value) in extra {
            head = head.header(*name, *value);
        }
        let h2 = self.h2.clone().ready().await.unwrap();
        self.h2 = h2;
        let (response, body) = self.h2.send_request(head.body(()).unwrap(), false).unwrap();
        self.ping.ping(h2::Ping::opaque()).await.unwrap();
        HeldCall { response, body }
    }

    /// A whole unary call: headers, then `data` as the body, then the reply.
    pub(crate) async fn call(
        &mut self,
        path: &str,
        extra: &[(&str, &str)],
        data: Bytes,
    ) -> RawReply {
        self.open(path, extra).await.finish(data).await
    }
}

impl RawReply {
    /// The one message of an OK unary reply, decoded from its gRPC frame.
    pub(crate) fn message<M: Message + Default>(&self) -> M {
        M::decode(&self.body[5..]).unwrap()
    }
}

impl HeldCall {
    /// Sends `data` as part of the body, leaving the call open, then a
    /// PING round trip (as `open` does) so the server has read it.
    pub(crate) async fn send(&mut self, client: &mut RawClient, data: Bytes) {
        self.body.reserve_capacity(data.len());
        self.body.send_data(data, false).unwrap();
        client.ping.ping(h2::Ping::opaque()).await.unwrap();
    }

    /// Sends `data` as the rest of the body and reads the reply.
    pub(crate) async fn finish(mut self, data: Bytes) -> RawReply {
        // A refused body (the server already answered) is fine: the
        // reply below says why.
        let _ = self.body.send_data(data, true);
        let response = self.response.await.unwrap();
        assert_eq!(response.status(), 200, "gRPC replies are HTTP 200");
        if let Some(status) = response.headers().get("grpc-status") {
            return RawReply {
                status: status.to_str().unwrap().parse().unwrap(),
                message: header(response.headers(), "grpc-message"),
                details: details(response.headers()),
                body: Bytes::new(),
            };
        }
        let mut body = response.into_body();
        let mut received = BytesMut::new();
        while let Some(chunk) = body.data().await {
            let chunk = chunk.unwrap();
            let _ = body.flow_control().release_capacity(chunk.len());
            received.extend_from_slice(&chunk);
        }
        let trailers = body.trailers().await.unwrap().expect("trailers");
        RawReply {
            status: header(&trailers, "grpc-status").parse().unwrap(),
            message: header(&trailers, "grpc-message"),
            details: details(&trailers),
            body: received.freeze(),
        }
    }
}

/// The header `name` as text, or "" when absent.
fn header(headers: &http::HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// `grpc-status-details-bin`, when present and not empty.
fn details(headers: &http::HeaderMap) -> Option<String> {
    Some(header(headers, "grpc-status-details-bin")).filter(|d| !d.is_empty())
}
