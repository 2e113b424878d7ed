//! Protobuf written by hand where the server's view of a message is
//! assembled from parts encoded once per catalog snapshot:
//! [`EncodedStatus`], the `google.rpc.Status` an answer carries (and, built
//! the same way, a request error's, so a batch item holds it as it is).
//!
//! Why: a propagation status is five detail messages, three of them the
//! same for every call of an answer. Built as prost structs, each call
//! cloned and re-encoded them (a dozen allocations, about a tenth of the
//! handler's CPU in a profile); written here, a status is one buffer the
//! fixed parts are copied into. A unit test checks the bytes against
//! prost's own encoding of the same status.
//!
//! The field writers here (`text_field`, `varint_field`, `message_field`)
//! are also what `respond` writes a whole `InterpretResponse` with, into
//! [`EncodedInterpretResponse`].

use prost::{
    Message,
    encoding::{WireType, encode_key, encode_varint, encoded_len_varint},
};

/// Implements `prost::Message` for a newtype over bytes that are already a
/// message's encoding (a `Vec<u8>` or `Arc<[u8]>` in `.0`, and `Default`):
/// encoding writes the stored bytes; the server never decodes one (no
/// request carries it), so decoding skips the fields.
macro_rules! pre_encoded_message {
    ($name:ty) => {
        impl ::prost::Message for $name {
            fn encode_raw(&self, buf: &mut impl ::prost::bytes::BufMut) {
                buf.put_slice(&self.0);
            }

            fn merge_field(
                &mut self,
                tag: u32,
                wire_type: ::prost::encoding::WireType,
                buf: &mut impl ::prost::bytes::Buf,
                ctx: ::prost::encoding::DecodeContext,
            ) -> Result<(), ::prost::DecodeError> {
                ::prost::encoding::skip_field(wire_type, tag, buf, ctx)
            }

            fn encoded_len(&self) -> usize {
                self.0.len()
            }

            fn clear(&mut self) {
                *self = Self::default();
            }
        }
    };
}
pub(super) use pre_encoded_message;

/// A `google.rpc.Status`, encoded: what the server's messages
/// (`pb::server`) hold where the proto has a `google.rpc.Status`.
///
/// Encoding writes the stored bytes; the server never decodes one (no
/// request carries a status), so decoding skips the fields.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EncodedStatus(Vec<u8>);

impl std::fmt::Debug for EncodedStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EncodedStatus({} bytes)", self.0.len())
    }
}

impl EncodedStatus {
    /// A status of `code` and `message`, with room for its details.
    pub(super) fn new(code: i32, message: &str, capacity: usize) -> Self {
        let mut buf = Vec::with_capacity(capacity + message.len() + 8);
        if code != 0 {
            encode_key(1, WireType::Varint, &mut buf);
            // Codes are 0-16; as the proto's int32, a negative one would
            // take ten bytes, which no code here is.
            encode_varint(u64::try_from(code).unwrap_or_default(), &mut buf);
        }
        string_field(&mut buf, 2, message);
        Self(buf)
    }

    /// Appends a detail already encoded as a whole `google.protobuf.Any`
    /// (see [`encode_any`]).
    pub(super) fn push_any(&mut self, any: &[u8]) {
        encode_key(3, WireType::LengthDelimited, &mut self.0);
        encode_varint(any.len() as u64, &mut self.0);
        self.0.extend_from_slice(any);
    }

    /// Appends a detail `Any` of `type_url` whose value `write` writes, in
    /// exactly `value_len` bytes.
    pub(super) fn push_with(
        &mut self,
        type_url: &str,
        value_len: usize,
        write: impl FnOnce(&mut Vec<u8>),
    ) {
        let any_len = field_len(type_url.len()) + field_len(value_len);
        encode_key(3, WireType::LengthDelimited, &mut self.0);
        encode_varint(any_len as u64, &mut self.0);
        string_field(&mut self.0, 1, type_url);
        encode_key(2, WireType::LengthDelimited, &mut self.0);
        encode_varint(value_len as u64, &mut self.0);
        let before = self.0.len();
        write(&mut self.0);
        debug_assert_eq!(self.0.len() - before, value_len, "{type_url}");
    }

    /// The encoded status, for an answer's `propagation_status`.
    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The encoded status, for a `tonic::Status`'s details.
    pub(super) fn into_bytes(self) -> prost::bytes::Bytes {
        self.0.into()
    }
}

/// An `InterpretResponse`, encoded: what the server's messages
/// (`pb::server`) hold where the proto has an `InterpretResponse`, written
/// by `respond`.
///
/// Encoding writes the stored bytes; the server never decodes one (no
/// request carries an answer), so decoding skips the fields. Tests decode
/// the bytes as the plain `pb::InterpretResponse`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EncodedInterpretResponse(pub(super) Vec<u8>);

impl EncodedInterpretResponse {
    /// The encoded message.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for EncodedInterpretResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EncodedInterpretResponse({} bytes)", self.0.len())
    }
}

pre_encoded_message!(EncodedInterpretResponse);

/// A whole `google.protobuf.Any` of `type_url` and `value`, encoded.
pub(super) fn encode_any(type_url: &str, value: &[u8]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(field_len(type_url.len()) + field_len(value.len()));
    string_field(&mut buf, 1, type_url);
    bytes_field(&mut buf, 2, value);
    buf
}

/// A whole `google.protobuf.Any` of `type_url` holding `message`, encoded.
pub(super) fn encode_message_any<M: Message>(type_url: &str, message: &M) -> Vec<u8> {
    encode_any(type_url, &message.encode_to_vec())
}

/// The encoded length of a length-delimited field with a one-byte key
/// (field numbers up to 15) and `len` bytes of content.
pub(super) fn field_len(len: usize) -> usize {
    1 + encoded_len_varint(len as u64) + len
}

/// Writes a string field.
pub(super) fn string_field(buf: &mut Vec<u8>, tag: u32, text: &str) {
    bytes_field(buf, tag, text.as_bytes());
}

/// Writes a length-delimited field: a string, bytes, or a message
/// already encoded.
pub(super) fn bytes_field(buf: &mut Vec<u8>, tag: u32, bytes: &[u8]) {
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(bytes.len() as u64, buf);
    buf.extend_from_slice(bytes);
}

/// Writes a proto3 string field as prost does: not at all when empty.
pub(super) fn text_field(buf: &mut Vec<u8>, tag: u32, text: &str) {
    if !text.is_empty() {
        string_field(buf, tag, text);
    }
}

/// Writes a proto3 varint field (an unsigned number, or an enum's
/// number) as prost does: not at all when 0. An `int32` is sign-extended,
/// as prost writes it.
pub(super) fn varint_field(buf: &mut Vec<u8>, tag: u32, value: impl Into<i64>) {
    let value = value.into();
    if value != 0 {
        encode_key(tag, WireType::Varint, buf);
        // `as`: a negative int32 is its 64-bit two's complement on the wire.
        encode_varint(value as u64, buf);
    }
}

/// Writes a message field whose content `write` appends, whatever its
/// length (a present message is written even when empty, as prost
/// writes `Some` of a message). The key and length go in front once the
/// length is known: one move of the content, which is small, instead of
/// computing every nested length before writing, as prost does.
pub(super) fn message_field(buf: &mut Vec<u8>, tag: u32, write: impl FnOnce(&mut Vec<u8>)) {
    let start = buf.len();
    write(buf);
    let len = buf.len() - start;
    // A key (at most 5 bytes) and a length (at most 10).
    const ROOM: usize = 15;
    let mut head = [0u8; ROOM];
    let mut free = &mut head[..];
    encode_key(tag, WireType::LengthDelimited, &mut free);
    encode_varint(len as u64, &mut free);
    let used = ROOM - free.len();
    buf.splice(start..start, head[..used].iter().copied());
}

pre_encoded_message!(EncodedStatus);

#[cfg(test)]
mod tests {
    use prost_types::Any;
    use tonic_types::pb;

    use super::*;

    /// A status assembled here decodes as the status prost would have
    /// built, details in order, byte for byte.
    #[test]
    fn encoded_status_matches_prost() {
        let fixed = Any {
            type_url: "type.googleapis.com/x.Fixed".into(),
            value: vec![1, 2, 3],
        };
        let written = Any {
            type_url: "type.googleapis.com/x.Written".into(),
            value: b"hello".to_vec(),
        };
        let expected = pb::Status {
            code: 9,
            message: "m".repeat(200),
            details: vec![fixed.clone(), written.clone()],
        };
        let mut status = EncodedStatus::new(9, &expected.message, 64);
        status.push_any(&encode_any(&fixed.type_url, &fixed.value));
        status.push_with(&written.type_url, 5, |b| b.extend_from_slice(b"hello"));
        assert_eq!(status.encode_to_vec(), expected.encode_to_vec());
        assert_eq!(
            pb::Status::decode(&*status.encode_to_vec()).unwrap(),
            expected
        );
        assert_eq!(status.into_bytes(), expected.encode_to_vec());
    }
}
