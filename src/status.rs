//! The one place domain outcomes become gRPC statuses: request errors
//! (`INVALID_ARGUMENT` + `BadRequest` + `ErrorInfo`), lookup misses
//! (`NOT_FOUND` + `ErrorInfo`), and the ready-made `google.rpc.Status` an
//! interpretation carries for callers to propagate.

use std::collections::HashMap;

use prost::Message;
use prost_types::Any;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt, pb};

use crate::catalog::RetryStrategy;
use crate::interpret::{Interpretation, LookupError, MatchKind, RequestError};

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

/// The ready `google.rpc.Status` for an interpretation: its propagation
/// code, the description as message, and `ErrorInfo`, `RetryInfo` (retry
/// later only), `LocalizedMessage` and `Help` (catalog entries only).
pub fn interpretation_status(
    interp: &Interpretation<'_, '_>,
    description: &str,
    user_message: &str,
    locale: &str,
) -> pb::Status {
    let mut details = Vec::with_capacity(4);
    details.push(any("ErrorInfo", &error_info(interp)));
    if interp.advice.strategy == RetryStrategy::RetryLater {
        let delay = interp.advice.delay;
        let retry = pb::RetryInfo {
            retry_delay: Some(prost_types::Duration {
                seconds: i64::try_from(delay.as_secs()).unwrap_or(i64::MAX),
                nanos: 0,
            }),
        };
        details.push(any("RetryInfo", &retry));
    }
    details.push(any(
        "LocalizedMessage",
        &pb::LocalizedMessage {
            locale: locale.to_owned(),
            message: user_message.to_owned(),
        },
    ));
    if let Some(entry) = interp.entry {
        let help = pb::Help {
            links: vec![pb::help::Link {
                description: format!("{} {}", entry.error_type, entry.code),
                url: entry.doc_url.clone(),
            }],
        };
        details.push(any("Help", &help));
    }
    pb::Status {
        code: propagation_code(interp.advice.strategy) as i32,
        message: description.to_owned(),
        details,
    }
}

fn error_info(interp: &Interpretation<'_, '_>) -> pb::ErrorInfo {
    let code = interp.error_code.as_deref().unwrap_or_default();
    let mut metadata = HashMap::with_capacity(5);
    metadata.insert("type".to_owned(), interp.error_type.to_ascii_uppercase());
    metadata.insert("code".to_owned(), code.to_ascii_uppercase());
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
        reason: error_reason(&interp.error_type, code),
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

fn any<M: Message>(name: &str, message: &M) -> Any {
    Any {
        type_url: format!("type.googleapis.com/google.rpc.{name}"),
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
