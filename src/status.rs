//! The one place domain outcomes become gRPC statuses: request errors
//! (`INVALID_ARGUMENT` + `BadRequest` + `ErrorInfo`), lookup misses
//! (`NOT_FOUND` + `ErrorInfo`), and the ready-made `google.rpc.Status` an
//! interpretation carries for callers to propagate.

use std::collections::HashMap;

use prost::Message;
use prost_types::Any;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt, pb};

use crate::catalog::{RetryStrategy, VehicleStateError};
use crate::interpret::{DelayReason, Interpretation, LookupError, MatchKind, RequestError};

/// The `ErrorInfo.domain` of every error this service produces.
pub const DOMAIN: &str = "vehicle-error-interpreter";

/// `ErrorInfo` reasons not tied to a `RequestError` variant. Request errors
/// carry their own (`RequestError::reason`); interpretations use
/// `<TYPE>_<CODE>`.
pub mod reason {
    /// `GetVehicleStateError` found no entry.
    pub const UNKNOWN_CODE: &str = "UNKNOWN_CODE";
    /// The call was shed: the server is at its concurrency limit.
    pub const OVERLOADED: &str = "OVERLOADED";
    /// The request message is not valid protobuf.
    pub const MALFORMED_MESSAGE: &str = "MALFORMED_MESSAGE";
}

/// A shed call: `RESOURCE_EXHAUSTED` with `ErrorInfo` (reason `OVERLOADED`,
/// the limit in metadata). Callers should back off and retry, ideally on
/// another replica.
pub fn overloaded(limit: usize) -> Status {
    Status::with_error_details(
        Code::ResourceExhausted,
        format!("server is at its limit of {limit} concurrent requests; retry with backoff"),
        ErrorDetails::with_error_info(
            reason::OVERLOADED,
            DOMAIN,
            HashMap::from([("limit".to_owned(), limit.to_string())]),
        ),
    )
}

/// A request message that failed to decode: `INVALID_ARGUMENT` with
/// `ErrorInfo` (reason `MALFORMED_MESSAGE`, the decoder's complaint in
/// metadata). No `BadRequest`: the decoder's complaint names a field path
/// only sometimes, and guessing one would mislead.
pub fn undecodable_message(detail: &str) -> Status {
    Status::with_error_details(
        Code::InvalidArgument,
        format!("request is not a valid protobuf message: {detail}"),
        ErrorDetails::with_error_info(
            reason::MALFORMED_MESSAGE,
            DOMAIN,
            HashMap::from([("detail".to_owned(), detail.to_owned())]),
        ),
    )
}

impl From<RequestError> for Status {
    fn from(err: RequestError) -> Self {
        request_error_status(&err, err.field())
    }
}

impl From<LookupError> for Status {
    fn from(err: LookupError) -> Self {
        match err {
            LookupError::UnknownCode { code } => {
                let message = format!("no vehicle state error with code {code:?}");
                Status::with_error_details(
                    Code::NotFound,
                    message,
                    ErrorDetails::with_error_info(
                        reason::UNKNOWN_CODE,
                        DOMAIN,
                        HashMap::from([("code".to_owned(), code)]),
                    ),
                )
            }
        }
    }
}

/// The status of one failed batch item: what `Interpret` would have
/// returned, with the field path under `requests[index]`.
pub fn batch_item_status(index: usize, err: &RequestError) -> pb::Status {
    let status = request_error_status(err, &format!("requests[{index}].{}", err.field()));
    // The details were just encoded from a valid message; decoding cannot
    // fail, but an empty status is a safe answer if it ever did.
    pb::Status::decode(status.details()).unwrap_or_default()
}

/// An `OK` status for a successful batch item.
pub fn ok_status() -> pb::Status {
    pb::Status::default()
}

fn request_error_status(err: &RequestError, field: &str) -> Status {
    let description = err.to_string();
    let mut details = ErrorDetails::with_bad_request_violation(field, description.as_str());
    details.set_error_info(
        err.reason(),
        DOMAIN,
        HashMap::from([("field".to_owned(), field.to_owned())]),
    );
    Status::with_error_details(Code::InvalidArgument, description, details)
}

/// The gRPC code a caller should propagate: retry-later errors are
/// transient (`UNAVAILABLE`, which gRPC clients retry), everything else
/// waits on the vehicle or the user (`FAILED_PRECONDITION`).
pub fn propagation_code(strategy: RetryStrategy) -> Code {
    match strategy {
        RetryStrategy::RetryLater => Code::Unavailable,
        _ => Code::FailedPrecondition,
    }
}

/// The parts of an interpretation's status that depend only on its catalog
/// entry, encoded once at start-up so the request path only clones them.
#[derive(Debug, Clone)]
pub struct EntryStatus {
    /// `ErrorInfo` for an exact match, without the per-call `requestId`.
    exact_error_info: Vec<u8>,
    /// `RetryInfo` with the catalog's delay; retry-later entries only.
    retry_info: Option<Any>,
    /// `Help` linking the entry's documentation.
    help: Any,
}

impl EntryStatus {
    /// Encodes the entry's fixed status details.
    pub fn new(entry: &VehicleStateError) -> Self {
        let exact = [
            ("type", entry.error_type.as_str()),
            ("code", &entry.code),
            ("matchKind", match_kind_name(MatchKind::Exact)),
            ("catalogCode", &entry.code),
        ];
        let error_info = pb::ErrorInfo {
            reason: error_reason(&entry.error_type, &entry.code),
            domain: DOMAIN.to_owned(),
            metadata: exact
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        };
        let help = pb::Help {
            links: vec![pb::help::Link {
                description: format!("{} {}", entry.error_type, entry.code),
                url: entry.doc_url.clone(),
            }],
        };
        Self {
            exact_error_info: error_info.encode_to_vec(),
            retry_info: (entry.retry.strategy == RetryStrategy::RetryLater)
                .then(|| retry_info(entry.retry.delay)),
            help: any(HELP, &help),
        }
    }
}

/// The ready `google.rpc.Status` for an interpretation: its propagation
/// code, the description as message, and `ErrorInfo`, `RetryInfo` (retry
/// later only), `LocalizedMessage` and `Help` (catalog entries only).
/// `entry_status` holds the entry's precomputed parts when there is an
/// entry.
pub fn interpretation_status(
    interp: &Interpretation<'_, '_>,
    entry_status: Option<&EntryStatus>,
    description: &str,
    user_message: &str,
    locale: &str,
) -> pb::Status {
    let mut details = Vec::with_capacity(4);
    details.push(match (interp.match_kind, entry_status) {
        (MatchKind::Exact, Some(parts)) => {
            let id = interp.request_id.as_deref().unwrap_or_default();
            let mut value = Vec::with_capacity(parts.exact_error_info.len() + id.len() + 16);
            value.extend_from_slice(&parts.exact_error_info);
            if !id.is_empty() {
                // Two encoded messages concatenated decode as their merge, so
                // appending a map entry adds it to the precomputed metadata.
                append_metadata_entry(&mut value, "requestId", id);
            }
            Any {
                type_url: ERROR_INFO.to_owned(),
                value,
            }
        }
        _ => any(ERROR_INFO, &error_info(interp)),
    });
    if interp.advice.strategy == RetryStrategy::RetryLater {
        let catalog_delay = matches!(interp.advice.delay_reason, DelayReason::Catalog(_));
        match entry_status.and_then(|p| p.retry_info.as_ref()) {
            Some(precomputed) if catalog_delay => details.push(precomputed.clone()),
            _ => details.push(retry_info(interp.advice.delay)),
        }
    }
    details.push(any(
        LOCALIZED_MESSAGE,
        &pb::LocalizedMessage {
            locale: locale.to_owned(),
            message: user_message.to_owned(),
        },
    ));
    if let Some(parts) = entry_status {
        details.push(parts.help.clone());
    }
    pb::Status {
        code: propagation_code(interp.advice.strategy) as i32,
        message: description.to_owned(),
        details,
    }
}

/// Appends one `ErrorInfo.metadata` entry (field 3, a map entry message
/// of key = 1, value = 2) in wire format.
fn append_metadata_entry(buf: &mut Vec<u8>, key: &str, value: &str) {
    use prost::encoding::{WireType, encode_key, encode_varint, encoded_len_varint};
    let field = |buf: &mut Vec<u8>, tag, text: &str| {
        encode_key(tag, WireType::LengthDelimited, buf);
        encode_varint(text.len() as u64, buf);
        buf.extend_from_slice(text.as_bytes());
    };
    let entry_len = |text: &str| 1 + encoded_len_varint(text.len() as u64) + text.len();
    encode_key(3, WireType::LengthDelimited, buf);
    encode_varint((entry_len(key) + entry_len(value)) as u64, buf);
    field(buf, 1, key);
    field(buf, 2, value);
}

const ERROR_INFO: &str = "type.googleapis.com/google.rpc.ErrorInfo";
const RETRY_INFO: &str = "type.googleapis.com/google.rpc.RetryInfo";
const LOCALIZED_MESSAGE: &str = "type.googleapis.com/google.rpc.LocalizedMessage";
const HELP: &str = "type.googleapis.com/google.rpc.Help";

fn retry_info(delay: std::time::Duration) -> Any {
    let retry = pb::RetryInfo {
        retry_delay: Some(prost_types::Duration {
            seconds: i64::try_from(delay.as_secs()).unwrap_or(i64::MAX),
            nanos: 0,
        }),
    };
    any(RETRY_INFO, &retry)
}

fn error_info(interp: &Interpretation<'_, '_>) -> pb::ErrorInfo {
    // A legacy code is reported under its catalog name; any other code as
    // received, so an unknown code still has a reason of its own.
    let received = interp.error_code.as_deref().unwrap_or_default();
    let reason_code = match (interp.match_kind, interp.entry) {
        (MatchKind::LegacyCode, Some(entry)) => entry.code.as_str(),
        _ => received,
    };
    let mut metadata = HashMap::with_capacity(5);
    metadata.insert("type".to_owned(), interp.error_type.to_ascii_uppercase());
    metadata.insert("code".to_owned(), received.to_ascii_uppercase());
    metadata.insert(
        "matchKind".to_owned(),
        match_kind_name(interp.match_kind).to_owned(),
    );
    if let Some(entry) = interp.entry {
        metadata.insert("catalogCode".to_owned(), entry.code.clone());
    }
    if let Some(id) = &interp.request_id {
        metadata.insert("requestId".to_owned(), id.to_string());
    }
    pb::ErrorInfo {
        reason: error_reason(&interp.error_type, reason_code),
        domain: DOMAIN.to_owned(),
        metadata,
    }
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

fn match_kind_name(kind: MatchKind) -> &'static str {
    match kind {
        MatchKind::Exact => "EXACT",
        MatchKind::LegacyCode => "LEGACY_CODE",
        MatchKind::Fallback => "FALLBACK",
        MatchKind::NotVehicleState => "NOT_VEHICLE_STATE",
    }
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

    /// A request error becomes INVALID_ARGUMENT with BadRequest and
    /// ErrorInfo naming the field.
    #[test]
    fn request_error_is_invalid_argument_with_details() {
        let status = Status::from(RequestError::EmptyBody);
        assert_eq!(status.code(), Code::InvalidArgument);
        let details = status.get_error_details();
        assert_eq!(
            details.bad_request().unwrap().field_violations[0].field,
            "body"
        );
        assert_eq!(details.error_info().unwrap().reason, "EMPTY_BODY");
    }

    /// A metadata entry appended in wire format decodes as part of the map.
    #[test]
    fn appended_metadata_entry_merges_into_the_map() {
        let base = pb::ErrorInfo {
            reason: "R".into(),
            ..Default::default()
        };
        let mut bytes = base.encode_to_vec();
        append_metadata_entry(&mut bytes, "requestId", "abc-123");
        let decoded = pb::ErrorInfo::decode(&*bytes).unwrap();
        assert_eq!(decoded.reason, "R");
        assert_eq!(decoded.metadata["requestId"], "abc-123");
    }

    /// Batch items name their index in the field path.
    #[test]
    fn batch_item_status_prefixes_the_field() {
        let status = batch_item_status(3, &RequestError::EmptyBody);
        assert_eq!(status.code, Code::InvalidArgument as i32);
        let details = tonic_types::RpcStatusExt::get_error_details(&status);
        assert_eq!(
            details.bad_request().unwrap().field_violations[0].field,
            "requests[3].body"
        );
    }
}
