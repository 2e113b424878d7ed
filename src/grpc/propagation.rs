//! The ready `google.rpc.Status` an interpretation carries, for callers to
//! return to their own callers: its code, message and error details
//! (docs/design.md §5.4).

use prost::Message;
use tonic_types::pb;

use super::wire::{EncodedStatus, encode_any, field_len, string_field};
use super::{convert, encoded::EncodedAnswer, status::DOMAIN};
use crate::catalog::{Action, Propagation, RetryStrategy};
use crate::interpret::{DelayReason, Interpretation, Messages, violation};

const ERROR_INFO: &str = "type.googleapis.com/google.rpc.ErrorInfo";
const RETRY_INFO: &str = "type.googleapis.com/google.rpc.RetryInfo";
const PRECONDITION_FAILURE: &str = "type.googleapis.com/google.rpc.PreconditionFailure";
const QUOTA_FAILURE: &str = "type.googleapis.com/google.rpc.QuotaFailure";
const LOCALIZED_MESSAGE: &str = "type.googleapis.com/google.rpc.LocalizedMessage";
const HELP: &str = "type.googleapis.com/google.rpc.Help";

/// The status for an interpretation: its propagation code, the short
/// description as message, and `ErrorInfo` (always), `RetryInfo` (only
/// for RETRY_LATER), `PreconditionFailure` (on FAILED_PRECONDITION),
/// `QuotaFailure` (on RESOURCE_EXHAUSTED), `LocalizedMessage` (always) and
/// `Help` (when there is a documentation link). `encoded` holds what
/// answered's precomputed parts, copied in as bytes.
pub(super) fn status(
    interp: &Interpretation<'_, '_>,
    messages: &Messages<'_>,
    encoded: &EncodedAnswer,
) -> EncodedStatus {
    let mut status = EncodedStatus::new(
        convert::rpc_code(interp.propagation) as i32,
        &messages.description,
        512 + messages.user_message.len(),
    );
    error_info(&mut status, interp, encoded);
    if interp.advice.strategy == RetryStrategy::RetryLater {
        let table_delay = matches!(interp.advice.delay_reason, DelayReason::Catalog(_));
        match &encoded.retry_info {
            Some(precomputed) if table_delay => status.push_any(precomputed),
            _ => status.push_any(&retry_info(interp.advice.delay)),
        }
    }
    // The violation: precomputed for the answer as the table gives it,
    // built here only when the body's resolution changed it.
    let as_tabled = encoded.base
        == (
            interp.advice.strategy,
            interp.advice.action,
            interp.propagation,
        );
    match (&encoded.violation, as_tabled) {
        (Some(precomputed), true) => status.push_any(precomputed),
        _ => {
            let built = violation(
                interp.reason,
                interp.advice.strategy,
                interp.advice.action,
                interp.propagation,
            );
            if let Some(built) = built {
                status.push_any(&built);
            }
        }
    }
    let (locale, message) = (messages.locale, messages.user_message.as_str());
    status.push_with(
        LOCALIZED_MESSAGE,
        field_len(locale.len()) + field_len(message.len()),
        |b| {
            string_field(b, 1, locale);
            string_field(b, 2, message);
        },
    );
    match (&encoded.help, &messages.doc_url) {
        (Some(precomputed), _) => status.push_any(precomputed),
        (None, Some(url)) if !url.is_empty() => status.push_any(&help(url)),
        _ => {}
    }
    status
}

/// `RetryInfo` advising `delay`, as an encoded `Any`.
pub(super) fn retry_info(delay: std::time::Duration) -> Vec<u8> {
    let retry = pb::RetryInfo {
        retry_delay: Some(convert::duration(delay)),
    };
    any(RETRY_INFO, &retry)
}

/// The `PreconditionFailure` (on FAILED_PRECONDITION) or `QuotaFailure`
/// (on RESOURCE_EXHAUSTED) of an answer; its subject is the answer's
/// reason, the stable name of what failed; the wording is the domain's.
pub(super) fn violation(
    reason: &str,
    strategy: RetryStrategy,
    action: Action,
    propagation: Propagation,
) -> Option<Vec<u8>> {
    match propagation {
        Propagation::FailedPrecondition => Some(any(
            PRECONDITION_FAILURE,
            &pb::PreconditionFailure {
                violations: vec![pb::precondition_failure::Violation {
                    r#type: violation::precondition_kind(strategy).to_owned(),
                    subject: reason.to_owned(),
                    description: violation::precondition_description(strategy, action).to_owned(),
                }],
            },
        )),
        Propagation::ResourceExhausted => Some(any(
            QUOTA_FAILURE,
            &pb::QuotaFailure {
                violations: vec![pb::quota_failure::Violation {
                    subject: reason.to_owned(),
                    description: violation::QUOTA_DESCRIPTION.to_owned(),
                    ..Default::default()
                }],
            },
        )),
        _ => None,
    }
}

/// `Help` linking the documentation page at `url`, as an encoded `Any`.
pub(super) fn help(url: &str) -> Vec<u8> {
    any(
        HELP,
        &pb::Help {
            links: vec![pb::help::Link {
                description: "API documentation".to_owned(),
                url: url.to_owned(),
            }],
        },
    )
}

/// `ErrorInfo`: the precomputed reason and domain, then the metadata of
/// this call: the type and code as received and the request id (AIP-193:
/// the dynamic values). The strategy and action are not repeated here: the
/// reason determines them, and the default view must fit in 1 KiB.
fn error_info(
    status: &mut EncodedStatus,
    interp: &Interpretation<'_, '_>,
    encoded: &EncodedAnswer,
) {
    let error_type = interp.error_type.as_deref().map(upper);
    let code = interp.error_code.as_deref().map(upper);
    let metadata = [
        ("type", error_type.as_deref()),
        ("code", code.as_deref()),
        ("requestId", interp.request_id.as_deref()),
    ];
    let entry_len = |k: &str, v: &str| field_len(field_len(k.len()) + field_len(v.len()));
    let len = encoded.error_info_prefix.len()
        + metadata
            .iter()
            .filter_map(|(k, v)| v.map(|v| entry_len(k, v)))
            .sum::<usize>();
    status.push_with(ERROR_INFO, len, |b| {
        b.extend_from_slice(&encoded.error_info_prefix);
        for (key, value) in metadata {
            if let Some(value) = value {
                metadata_entry(b, key, value);
            }
        }
    });
}

fn upper(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_lowercase()) {
        std::borrow::Cow::Owned(s.to_ascii_uppercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// `ErrorInfo`'s reason (field 1) and domain (field 2), encoded once per
/// answer.
///
/// Why by hand: prost encodes a map in `HashMap` order, which differs from
/// one map to the next, so the same answer would come out as different
/// bytes on every call (no byte-level caching or comparison downstream).
/// Written in a fixed order, an answer is byte-identical each time, and no
/// map is built per call.
pub(super) fn error_info_prefix(reason: &str) -> Vec<u8> {
    let mut buf = Vec::with_capacity(reason.len() + DOMAIN.len() + 4);
    string_field(&mut buf, 1, reason);
    string_field(&mut buf, 2, DOMAIN);
    buf
}

/// Appends one `ErrorInfo.metadata` entry: field 3, a map entry message of
/// key = 1, value = 2.
fn metadata_entry(buf: &mut Vec<u8>, key: &str, value: &str) {
    use prost::encoding::{WireType, encode_key, encode_varint};
    encode_key(3, WireType::LengthDelimited, buf);
    encode_varint((field_len(key.len()) + field_len(value.len())) as u64, buf);
    string_field(buf, 1, key);
    string_field(buf, 2, value);
}

fn any<M: Message>(type_url: &str, message: &M) -> Vec<u8> {
    encode_any(type_url, &message.encode_to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-encoded ErrorInfo decodes as the message it stands for.
    #[test]
    fn encoded_error_info_decodes() {
        let mut bytes = error_info_prefix("R");
        metadata_entry(&mut bytes, "a", "1");
        metadata_entry(&mut bytes, "requestId", "abc-123");
        let decoded = pb::ErrorInfo::decode(&*bytes).unwrap();
        assert_eq!(decoded.reason, "R");
        assert_eq!(decoded.domain, DOMAIN);
        assert_eq!(decoded.metadata.len(), 2);
        assert_eq!(decoded.metadata["requestId"], "abc-123");
    }
}
