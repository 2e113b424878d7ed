//! The ready `google.rpc.Status` an interpretation carries, for callers to
//! return to their own callers: its code, message and error details.

use prost::Message;
use prost_types::Any;
use tonic::Code;
use tonic_types::pb;

use super::{convert, encoded::EncodedEntry, status::DOMAIN};
use crate::catalog::{RetryStrategy, VehicleStateError};
use crate::interpret::{DelayReason, Interpretation, Messages};

const ERROR_INFO: &str = "type.googleapis.com/google.rpc.ErrorInfo";
const RETRY_INFO: &str = "type.googleapis.com/google.rpc.RetryInfo";
const LOCALIZED_MESSAGE: &str = "type.googleapis.com/google.rpc.LocalizedMessage";
const HELP: &str = "type.googleapis.com/google.rpc.Help";

/// The gRPC code a caller should propagate: retry-later errors are
/// transient (`UNAVAILABLE`, which gRPC clients retry), everything else
/// waits on the vehicle or the user (`FAILED_PRECONDITION`).
pub(super) fn propagation_code(strategy: RetryStrategy) -> Code {
    match strategy {
        RetryStrategy::RetryLater => Code::Unavailable,
        _ => Code::FailedPrecondition,
    }
}

/// The status for an interpretation: its propagation code, the description
/// as message, and `ErrorInfo`, `RetryInfo` (retry later only),
/// `LocalizedMessage` and `Help` (catalog entries only). `encoded` holds
/// the matched entry's precomputed parts when there is an entry.
pub(super) fn status(
    interp: &Interpretation<'_, '_>,
    messages: &Messages<'_>,
    encoded: Option<&EncodedEntry>,
) -> pb::Status {
    let mut details = Vec::with_capacity(4);
    details.push(error_info(interp));
    if interp.advice.strategy == RetryStrategy::RetryLater {
        let catalog_delay = matches!(interp.advice.delay_reason, DelayReason::Catalog(_));
        match encoded.and_then(|e| e.retry_info.as_ref()) {
            Some(precomputed) if catalog_delay => details.push(precomputed.clone()),
            _ => details.push(retry_info(interp.advice.delay)),
        }
    }
    details.push(any(
        LOCALIZED_MESSAGE,
        &pb::LocalizedMessage {
            locale: messages.locale.to_owned(),
            message: messages.user_message.clone(),
        },
    ));
    if let Some(encoded) = encoded {
        details.push(encoded.help.clone());
    }
    pb::Status {
        code: propagation_code(interp.advice.strategy) as i32,
        message: messages.description.clone().into_owned(),
        details,
    }
}

/// `RetryInfo` advising `delay`.
pub(super) fn retry_info(delay: std::time::Duration) -> Any {
    let retry = pb::RetryInfo {
        retry_delay: Some(convert::duration(delay)),
    };
    any(RETRY_INFO, &retry)
}

/// `Help` linking an entry's documentation.
pub(super) fn help(entry: &VehicleStateError) -> Any {
    let help = pb::Help {
        links: vec![pb::help::Link {
            description: format!("{} {}", entry.error_type, entry.code),
            url: entry.doc_url.clone(),
        }],
    };
    any(HELP, &help)
}

/// The answer's stable key, `ErrorInfo.reason`.
pub(super) fn reason(interp: &Interpretation<'_, '_>) -> String {
    // A legacy code is reported under its catalog name; any other code as
    // received, so an unknown code still has a reason of its own.
    let received = interp.error_code.as_deref().unwrap_or_default();
    let reason_code = match (interp.match_kind, interp.entry) {
        (crate::interpret::MatchKind::LegacyCode, Some(e)) => e.entry.code.as_str(),
        _ => received,
    };
    error_reason(&interp.error_type, reason_code)
}

fn error_info(interp: &Interpretation<'_, '_>) -> Any {
    let received = interp.error_code.as_deref().unwrap_or_default();
    let entry = interp.entry.map(|e| e.entry);
    let error_type = interp.error_type.to_ascii_uppercase();
    let code = received.to_ascii_uppercase();
    let mut metadata = Vec::with_capacity(5);
    if let Some(entry) = entry {
        metadata.push(("catalogCode", entry.code.as_str()));
    }
    metadata.push(("code", &code));
    metadata.push(("matchKind", convert::match_kind_name(interp.match_kind)));
    if let Some(id) = &interp.request_id {
        metadata.push(("requestId", id));
    }
    metadata.push(("type", &error_type));
    Any {
        type_url: ERROR_INFO.to_owned(),
        value: encode_error_info(&reason(interp), &metadata),
    }
}

/// Encodes a `google.rpc.ErrorInfo` with its metadata in the given order.
///
/// Why by hand: prost encodes a map in `HashMap` order, which differs from
/// one map to the next, so the same answer would come out as different
/// bytes on every call (no byte-level caching or comparison downstream).
/// Written in a fixed order, an answer is byte-identical each time, and no
/// map is built per call.
fn encode_error_info(reason: &str, metadata: &[(&str, &str)]) -> Vec<u8> {
    use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint};
    fn field(buf: &mut Vec<u8>, tag: u32, text: &str) {
        encode_key(tag, WireType::LengthDelimited, buf);
        encode_varint(text.len() as u64, buf);
        buf.extend_from_slice(text.as_bytes());
    }
    let field_len = |text: &str| 1 + encoded_len_varint(text.len() as u64) + text.len();
    let mut buf = Vec::with_capacity(128);
    field(&mut buf, 1, reason);
    field(&mut buf, 2, DOMAIN);
    for (key, value) in metadata {
        // ErrorInfo.metadata is field 3, each entry a message of key = 1,
        // value = 2.
        encode_key(3, WireType::LengthDelimited, &mut buf);
        encode_varint((field_len(key) + field_len(value)) as u64, &mut buf);
        field(&mut buf, 1, key);
        field(&mut buf, 2, value);
    }
    buf
}

/// `<TYPE>_<CODE>` (or `<TYPE>` with no code), upper snake case and at most
/// 63 characters (AIP-193): a code alone collides (`PERMISSION` is a type
/// and a code).
fn error_reason(error_type: &str, code: &str) -> String {
    let mut reason = String::with_capacity(error_type.len() + code.len() + 1);
    let joined = if code.is_empty() {
        error_type.to_owned()
    } else {
        format!("{error_type}_{code}")
    };
    for c in joined.chars().take(63) {
        reason.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        });
    }
    reason
}

fn any<M: Message>(type_url: &str, message: &M) -> Any {
    Any {
        type_url: type_url.to_owned(),
        value: message.encode_to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-encoded ErrorInfo decodes as the message it stands for.
    #[test]
    fn encoded_error_info_decodes() {
        let bytes = encode_error_info("R", &[("a", "1"), ("requestId", "abc-123")]);
        let decoded = pb::ErrorInfo::decode(&*bytes).unwrap();
        assert_eq!(decoded.reason, "R");
        assert_eq!(decoded.domain, DOMAIN);
        assert_eq!(decoded.metadata.len(), 2);
        assert_eq!(decoded.metadata["requestId"], "abc-123");
    }

    /// Reasons are upper snake case, bounded, and keep type and code apart.
    #[test]
    fn error_reason_is_upper_snake_and_bounded() {
        assert_eq!(
            error_reason("VEHICLE_STATE", "door_open"),
            "VEHICLE_STATE_DOOR_OPEN"
        );
        assert_eq!(error_reason("PERMISSION", ""), "PERMISSION");
        assert_eq!(error_reason("A", "b-c d"), "A_B_C_D");
        assert_eq!(error_reason("X", &"y".repeat(100)).len(), 63);
    }
}
