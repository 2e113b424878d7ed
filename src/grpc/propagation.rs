//! The ready `google.rpc.Status` an interpretation carries, for callers to
//! return to their own callers: its code, message and error details
//! (docs/design.md §5.4).

use prost::Message;
use prost_types::Any;
use tonic_types::pb;

use super::{convert, encoded::EncodedAnswer, status::DOMAIN};
use crate::catalog::{Action, Propagation, RetryStrategy};
use crate::interpret::{DelayReason, Interpretation, Messages};

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
/// answered's precomputed parts.
pub(super) fn status(
    interp: &Interpretation<'_, '_>,
    messages: &Messages<'_>,
    encoded: &EncodedAnswer,
) -> pb::Status {
    let mut details = Vec::with_capacity(5);
    details.push(error_info(interp, encoded));
    if interp.advice.strategy == RetryStrategy::RetryLater {
        let table_delay = matches!(interp.advice.delay_reason, DelayReason::Catalog(_));
        match &encoded.retry_info {
            Some(precomputed) if table_delay => details.push(precomputed.clone()),
            _ => details.push(retry_info(interp.advice.delay)),
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
        (Some(precomputed), true) => details.push(precomputed.clone()),
        _ => details.extend(violation(
            interp.reason,
            interp.advice.strategy,
            interp.advice.action,
            interp.propagation,
        )),
    }
    details.push(Any {
        type_url: LOCALIZED_MESSAGE.to_owned(),
        value: {
            let mut value =
                Vec::with_capacity(messages.locale.len() + messages.user_message.len() + 6);
            string_field(&mut value, 1, messages.locale);
            string_field(&mut value, 2, &messages.user_message);
            value
        },
    });
    match (&encoded.help, &messages.doc_url) {
        (Some(precomputed), _) => details.push(precomputed.clone()),
        (None, Some(url)) if !url.is_empty() => details.push(help(url)),
        _ => {}
    }
    pb::Status {
        code: convert::rpc_code(interp.propagation) as i32,
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

/// The `PreconditionFailure` (on FAILED_PRECONDITION) or `QuotaFailure`
/// (on RESOURCE_EXHAUSTED) of an answer; its subject is the answer's
/// reason, the stable name of what failed.
pub(super) fn violation(
    reason: &str,
    strategy: RetryStrategy,
    action: Action,
    propagation: Propagation,
) -> Option<Any> {
    match propagation {
        Propagation::FailedPrecondition => Some(any(
            PRECONDITION_FAILURE,
            &pb::PreconditionFailure {
                violations: vec![pb::precondition_failure::Violation {
                    r#type: violation_type(strategy).to_owned(),
                    subject: reason.to_owned(),
                    description: violation_description(strategy, action).to_owned(),
                }],
            },
        )),
        Propagation::ResourceExhausted => Some(any(
            QUOTA_FAILURE,
            &pb::QuotaFailure {
                violations: vec![pb::quota_failure::Violation {
                    subject: reason.to_owned(),
                    description: "A rate limit or quota of the API was reached.".to_owned(),
                    ..Default::default()
                }],
            },
        )),
        _ => None,
    }
}

/// `Help` linking the documentation page at `url`.
pub(super) fn help(url: &str) -> Any {
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

/// The `PreconditionFailure` violation type: what kind of precondition
/// failed, by the final strategy.
fn violation_type(strategy: RetryStrategy) -> &'static str {
    match strategy {
        RetryStrategy::NoRetryNeeded => "ALREADY_IN_REQUESTED_STATE",
        RetryStrategy::RetryAfterAction => "ACTION_REQUIRED",
        RetryStrategy::RetryLater => "WAIT_REQUIRED",
        RetryStrategy::DoNotRetry => "NOT_RETRYABLE",
    }
}

fn violation_description(strategy: RetryStrategy, action: Action) -> &'static str {
    match (strategy, action) {
        (RetryStrategy::NoRetryNeeded, _) => "The vehicle is already in the requested state.",
        (RetryStrategy::RetryLater, _) => "Wait before retrying.",
        (RetryStrategy::DoNotRetry, _) => "Retrying will not help.",
        (RetryStrategy::RetryAfterAction, Action::DriverAtVehicle) => {
            "The driver must act at the vehicle first."
        }
        (RetryStrategy::RetryAfterAction, Action::UserReconnect) => {
            "The user must reconnect their account first."
        }
        (RetryStrategy::RetryAfterAction, Action::UserAccountAction) => {
            "The user must act in their carmaker account first."
        }
        (RetryStrategy::RetryAfterAction, Action::CallerRefreshCredentials) => {
            "The calling service must refresh its access token first."
        }
        (RetryStrategy::RetryAfterAction, _) => "Someone must act before a retry can succeed.",
    }
}

/// `ErrorInfo`: the precomputed reason and domain, then the metadata of
/// this call: the type and code as received and the request id (AIP-193:
/// the dynamic values). The strategy and action are not repeated here: the
/// reason determines them, and the default view must fit in 1 KiB.
fn error_info(interp: &Interpretation<'_, '_>, encoded: &EncodedAnswer) -> Any {
    let mut value = Vec::with_capacity(encoded.error_info_prefix.len() + 96);
    value.extend_from_slice(&encoded.error_info_prefix);
    if let Some(t) = &interp.error_type {
        metadata_entry(&mut value, "type", &upper(t));
    }
    if let Some(code) = &interp.error_code {
        metadata_entry(&mut value, "code", &upper(code));
    }
    if let Some(id) = &interp.request_id {
        metadata_entry(&mut value, "requestId", id);
    }
    Any {
        type_url: ERROR_INFO.to_owned(),
        value,
    }
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
    use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint};
    let field_len = |text: &str| 1 + encoded_len_varint(text.len() as u64) + text.len();
    encode_key(3, WireType::LengthDelimited, buf);
    encode_varint((field_len(key) + field_len(value)) as u64, buf);
    string_field(buf, 1, key);
    string_field(buf, 2, value);
}

fn string_field(buf: &mut Vec<u8>, tag: u32, text: &str) {
    use prost::encoding::{WireType, encode_key, encode_varint};
    encode_key(tag, WireType::LengthDelimited, buf);
    encode_varint(text.len() as u64, buf);
    buf.extend_from_slice(text.as_bytes());
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
