//! The response body the metrics and trace layers share: it hands a call's
//! gRPC status to whatever waits for it when the trailers pass.
//!
//! Why a wrapper: a call's status is known only at its end, in the
//! response headers for a trailers-only response (every error, which the
//! layers read from the headers themselves) or else in the body's
//! trailers. A body dropped before them is a call the client abandoned or
//! the request timeout dropped; each [`OnStatus`] records that as
//! CANCELLED from its own `Drop`.

use std::{
    pin::Pin,
    task::{Context, Poll, ready},
};

use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body as HttpBody, Frame, SizeHint};
use tonic::Code;

/// The `grpc-status` in `headers`; one that is not a code's number reads
/// as UNKNOWN.
pub(super) fn grpc_status(headers: &HeaderMap) -> Option<Code> {
    let value = headers.get("grpc-status")?;
    Some(
        std::str::from_utf8(value.as_bytes())
            .ok()
            .and_then(|s| s.parse::<u8>().ok())
            .map_or(Code::Unknown, |n| Code::from_i32(n.into())),
    )
}

/// What a call does once its gRPC status code is known; dropped before
/// that, it records the call as CANCELLED.
pub(crate) trait OnStatus {
    /// Records the final status `code` (called at most once).
    fn finish(&mut self, code: Code);
}

pin_project_lite::pin_project! {
    /// A response body that finishes its call when the trailers pass.
    #[derive(Debug)]
    pub(crate) struct StatusBody<B, C> {
        #[pin]
        inner: B,
        // `None` once the status is handed over.
        call: Option<C>,
    }
}

impl<B, C> StatusBody<B, C> {
    /// `inner`, finishing `call` with the status in its trailers; `None`
    /// when the status was already final in the headers.
    pub(crate) fn new(inner: B, call: Option<C>) -> Self {
        Self { inner, call }
    }
}

impl<B, C> HttpBody for StatusBody<B, C>
where
    B: HttpBody<Data = Bytes>,
    C: OnStatus,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        let code = match &frame {
            Some(Ok(frame)) => frame
                .trailers_ref()
                .map(|t| grpc_status(t).unwrap_or(Code::Unknown)),
            // The body failed: tonic resets the stream.
            Some(Err(_)) => Some(Code::Internal),
            // Ended without trailers, which a gRPC client reads as an error.
            None => Some(Code::Unknown),
        };
        // Take the call only with a status in hand: dropping it records
        // CANCELLED.
        if let Some(code) = code
            && let Some(mut call) = this.call.take()
        {
            call.finish(code);
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use http::HeaderMap;
    use http_body_util::{BodyExt as _, StreamBody};

    use super::*;

    /// Notes what it was told: a code, or that it was dropped unfinished.
    struct Recorder(Arc<Mutex<Vec<String>>>, bool);

    impl OnStatus for Recorder {
        fn finish(&mut self, code: Code) {
            self.0.lock().unwrap().push((code as i32).to_string());
            self.1 = true;
        }
    }

    impl Drop for Recorder {
        fn drop(&mut self) {
            if !self.1 {
                self.0.lock().unwrap().push("dropped".into());
            }
        }
    }

    type Frames = Vec<Result<Frame<Bytes>, &'static str>>;

    /// A body of `frames`, wrapped with a recorder; what it recorded
    /// after the body was read to its end (or `read` frames of it) and
    /// dropped.
    async fn recorded(frames: Frames, read: usize) -> Vec<String> {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let inner = StreamBody::new(tokio_stream::iter(frames));
        let mut body = StatusBody::new(inner, Some(Recorder(Arc::clone(&seen), false)));
        for _ in 0..read {
            if body.frame().await.is_none() {
                break;
            }
        }
        drop(body);
        seen.lock().unwrap().clone()
    }

    fn trailers(status: &str) -> Frame<Bytes> {
        let mut t = HeaderMap::new();
        t.insert("grpc-status", status.parse().unwrap());
        Frame::trailers(t)
    }

    fn data() -> Frame<Bytes> {
        Frame::data(Bytes::from_static(b"\0\0\0\0\0"))
    }

    #[tokio::test]
    async fn the_trailers_status_finishes_the_call_once() {
        let frames = vec![Ok(data()), Ok(trailers("9"))];
        assert_eq!(recorded(frames, usize::MAX).await, ["9"]);
    }

    #[tokio::test]
    async fn unreadable_or_missing_trailers_are_unknown_and_a_failed_body_internal() {
        let unreadable = vec![Ok(data()), Ok(trailers("nine"))];
        assert_eq!(recorded(unreadable, usize::MAX).await, ["2"]);
        assert_eq!(recorded(vec![Ok(data())], usize::MAX).await, ["2"]);
        let failed: Frames = vec![Ok(data()), Err("reset")];
        assert_eq!(recorded(failed, usize::MAX).await, ["13"]);
    }

    #[tokio::test]
    async fn a_body_dropped_before_its_trailers_leaves_the_call_to_its_drop() {
        let frames = vec![Ok(data()), Ok(trailers("0"))];
        assert_eq!(recorded(frames, 1).await, ["dropped"]);
    }
}
