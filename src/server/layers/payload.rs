//! `InterpretPayload`'s own message limit and its cap on payload bytes in
//! flight, in front of the interpreter service.
//!
//! Why a route: tonic sets `max_decoding_message_size` per generated
//! service, not per method, and a payload (1 MiB by default) must pass
//! while every other RPC keeps its 256 KiB. [`PayloadRoute`] holds two
//! values of the same generated server over the same handler, one per
//! limit, and sends only the `InterpretPayload` path to the larger one;
//! to the router it is the interpreter service itself (same name), so
//! load shedding, metrics and traces see one service as before.
//!
//! Why the cap is here and not in the handler: by the time the handler
//! runs, the message is decoded and its memory spent. The gRPC frame's
//! 5-byte prefix declares the message's length before any of it is
//! buffered, so the route reads that prefix, claims that many bytes from
//! a byte-weighted semaphore without waiting, and refuses at once with
//! `RESOURCE_EXHAUSTED` (`PAYLOAD_BYTES_IN_FLIGHT`, `RetryInfo`) when
//! they are not free. Concurrent 1 MiB deliveries then cannot take a pod
//! past its memory limit (docs/reliability.md). A message longer than the
//! whole cap claims the whole cap, so it passes alone rather than never;
//! one longer than the message limit claims nothing (the codec refuses it
//! unread). Waiting for the prefix is bounded by the request timeout.

use std::{
    collections::VecDeque,
    convert::Infallible,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use bytes::{Buf, Bytes};
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::BodyExt as _;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::{
    Status,
    body::Body,
    codegen::http::{Request, Response},
    server::NamedService,
};
use tower::Service;

use crate::grpc::rpc::SERVICE_NAME;

/// The path whose calls carry payloads.
const PAYLOAD_PATH: &str = "/vehicle_errors.v1.InterpreterService/InterpretPayload";

/// The delay a refused payload is told to wait: the calls holding the
/// bytes take milliseconds.
const RETRY_DELAY: Duration = Duration::from_millis(250);

/// The cap on payload bytes in flight, shared by every clone of a route.
#[derive(Debug)]
struct Budget {
    bytes: Arc<Semaphore>,
    limit: usize,
}

/// The interpreter service with `InterpretPayload` routed to its own
/// server value (its larger message limit) behind the bytes-in-flight cap.
#[derive(Debug, Clone)]
pub(crate) struct PayloadRoute<S> {
    other: S,
    payload: S,
    /// `payload`'s message limit: a longer message claims nothing.
    payload_message_limit: usize,
    /// `None`: no cap.
    budget: Option<Arc<Budget>>,
}

impl<S> PayloadRoute<S> {
    /// Routes `InterpretPayload` to `payload`, whose decode limit is
    /// `payload_message_limit`, and everything else to `other`; at most
    /// `max_bytes_in_flight` payload bytes at once (0: no cap).
    pub(crate) fn new(
        other: S,
        payload: S,
        payload_message_limit: usize,
        max_bytes_in_flight: usize,
    ) -> Self {
        // A semaphore holds at most `MAX_PERMITS`, and a claim is a u32.
        let limit = max_bytes_in_flight
            .min(Semaphore::MAX_PERMITS)
            .min(u32::MAX as usize);
        Self {
            other,
            payload,
            payload_message_limit,
            budget: (limit > 0).then(|| {
                Arc::new(Budget {
                    bytes: Arc::new(Semaphore::new(limit)),
                    limit,
                })
            }),
        }
    }
}

impl<S: NamedService> NamedService for PayloadRoute<S> {
    const NAME: &'static str = SERVICE_NAME;
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

impl<S> Service<Request<Body>> for PayloadRoute<S>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // tonic's generated servers are always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        if request.uri().path() != PAYLOAD_PATH {
            return Box::pin(self.other.call(request));
        }
        let mut payload = self.payload.clone();
        let Some(budget) = self.budget.clone() else {
            return Box::pin(payload.call(request));
        };
        let message_limit = self.payload_message_limit;
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let (body, declared) = Prefixed::read(body).await;
            let _permit = match claim(&budget, declared, message_limit) {
                Ok(permit) => permit,
                Err(refused) => return Ok(refused.into_http()),
            };
            // Held until the handler has answered and dropped the request.
            payload
                .call(Request::from_parts(parts, Body::new(body)))
                .await
        })
    }
}

/// Claims `declared` bytes (at most the whole cap) without waiting.
fn claim(
    budget: &Budget,
    declared: Option<usize>,
    message_limit: usize,
) -> Result<Option<OwnedSemaphorePermit>, Status> {
    let Some(len) = declared.filter(|&len| len > 0 && len <= message_limit) else {
        return Ok(None);
    };
    // `limit` fits a u32 (see `new`), so this cannot fail.
    let bytes = u32::try_from(len.min(budget.limit)).unwrap_or(u32::MAX);
    match Arc::clone(&budget.bytes).try_acquire_many_owned(bytes) {
        Ok(permit) => Ok(Some(permit)),
        Err(_) => Err(crate::grpc::payload_bytes_in_flight(
            budget.limit,
            RETRY_DELAY,
        )),
    }
}

/// A request body whose first frames were read to find the message's
/// declared length, replayed before the rest.
struct Prefixed {
    read: VecDeque<Result<Frame<Bytes>, Status>>,
    rest: Option<Body>,
}

impl Prefixed {
    /// Reads `body` until the gRPC frame prefix (a compression flag and a
    /// big-endian u32 length) is in, and returns the replaying body and
    /// the declared length (`None` when the body ends or fails first).
    async fn read(mut body: Body) -> (Self, Option<usize>) {
        let mut read = VecDeque::new();
        let mut prefix = Vec::with_capacity(5);
        let mut ended = false;
        while prefix.len() < 5 {
            match body.frame().await {
                Some(Ok(frame)) => {
                    if let Some(data) = frame.data_ref() {
                        let want = (5 - prefix.len()).min(data.len());
                        prefix.extend_from_slice(&data.chunk()[..want]);
                    }
                    read.push_back(Ok(frame));
                }
                Some(Err(err)) => {
                    read.push_back(Err(err));
                    ended = true;
                    break;
                }
                None => {
                    ended = true;
                    break;
                }
            }
        }
        let declared = (prefix.len() == 5)
            .then(|| u32::from_be_bytes([prefix[1], prefix[2], prefix[3], prefix[4]]) as usize);
        let rest = (!ended).then_some(body);
        (Self { read, rest }, declared)
    }
}

impl HttpBody for Prefixed {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        if let Some(frame) = self.read.pop_front() {
            return Poll::Ready(Some(frame));
        }
        match self.rest.as_mut() {
            Some(rest) => Pin::new(rest).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.read.is_empty() && self.rest.as_ref().is_none_or(HttpBody::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        let read: u64 = self
            .read
            .iter()
            .filter_map(|f| f.as_ref().ok()?.data_ref().map(|d| d.len() as u64))
            .sum();
        let rest = self
            .rest
            .as_ref()
            .map(HttpBody::size_hint)
            .unwrap_or_default();
        let mut hint = SizeHint::new();
        hint.set_lower(read + rest.lower());
        if let Some(upper) = rest.upper() {
            hint.set_upper(read + upper);
        }
        if self.rest.is_none() {
            hint.set_upper(read);
        }
        hint
    }
}
