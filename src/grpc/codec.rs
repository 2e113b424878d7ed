//! The interpreter service's wire codec: prost, except that a request that
//! is not valid protobuf is the caller's fault, `INVALID_ARGUMENT`, rather
//! than tonic's `INTERNAL`.
//!
//! Why: the service promises that no input yields `INTERNAL` (docs/design.md), and callers
//! page on `INTERNAL`. Bytes that fail to decode (a truncated message, a
//! wrong wire type, invalid UTF-8 in a `string` field) are input. tonic
//! follows gRPC's status-code table here ("error parsing request proto:
//! INTERNAL", as grpc-go does); we deviate on purpose and say so in
//! docs/reliability.md. Framing errors that tonic detects before the codec
//! (a compressed flag without `grpc-encoding`, a stream ending mid-frame, no
//! message at all) keep tonic's `INTERNAL`, which the gRPC compression spec
//! requires.
//!
//! `build.rs` points the server's generated code (`pb::server`) at this
//! codec; the client in `pb` keeps plain prost.

use std::marker::PhantomData;

use prost::Message;
use tonic::{
    Status,
    codec::{BufferSettings, Codec, DecodeBuf, Decoder},
};
use tonic_prost::{ProstCodec, ProstDecoder, ProstEncoder};

/// prost encoding and decoding; decode failures are `INVALID_ARGUMENT`.
#[derive(Debug, Clone)]
pub(crate) struct CallerFaultCodec<T, U> {
    inner: ProstCodec<T, U>,
}

impl<T, U> Default for CallerFaultCodec<T, U> {
    fn default() -> Self {
        Self {
            inner: ProstCodec::default(),
        }
    }
}

impl<T, U> Codec for CallerFaultCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = CallerFaultDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        self.inner.encoder()
    }

    fn decoder(&mut self) -> Self::Decoder {
        CallerFaultDecoder {
            inner: self.inner.decoder(),
            _message: PhantomData,
        }
    }
}

/// prost's decoder with its errors turned into `INVALID_ARGUMENT`.
#[derive(Debug, Clone)]
pub(crate) struct CallerFaultDecoder<U> {
    inner: ProstDecoder<U>,
    _message: PhantomData<U>,
}

impl<U: Message + Default> Decoder for CallerFaultDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        self.inner
            .decode(src)
            .map_err(|err| super::status::undecodable_message(err.message()))
    }

    fn buffer_settings(&self) -> BufferSettings {
        self.inner.buffer_settings()
    }
}
