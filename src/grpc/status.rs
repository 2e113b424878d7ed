//! The one place domain errors become gRPC statuses: request errors
//! (`INVALID_ARGUMENT` + `BadRequest` + `ErrorInfo`), lookup misses
//! (`NOT_FOUND` + `ErrorInfo`), shed calls and undecodable messages. The
//! status an interpretation carries for callers to propagate is
//! `propagation`'s.

use std::{collections::HashMap, time::Duration};

use tonic::{Code, Status};
use tonic_types::{BadRequest, ErrorInfo, RetryInfo, pb};

use super::wire::{EncodedStatus, encode_message_any};
use crate::interpret::{LookupError, RequestError};
use crate::payload::PayloadError;

/// The `ErrorInfo.domain` of every error this service produces.
pub(crate) const DOMAIN: &str = "vehicle-error-interpreter";

/// `ErrorInfo` reasons not tied to a `RequestError` variant. Request errors
/// carry their own (`RequestError::reason`); interpretations use
/// `<TYPE>_<CODE>`.
pub(crate) mod reason {
    /// `GetVehicleStateError` found no entry.
    pub(crate) const UNKNOWN_CODE: &str = "UNKNOWN_CODE";
    /// The call was shed: the server is at its concurrency limit.
    pub(crate) const OVERLOADED: &str = "OVERLOADED";
    /// The request message is not valid protobuf.
    pub(crate) const MALFORMED_MESSAGE: &str = "MALFORMED_MESSAGE";
    /// An `InterpretPayload` call would pass the cap on payload bytes in
    /// flight.
    pub(crate) const PAYLOAD_BYTES_IN_FLIGHT: &str = "PAYLOAD_BYTES_IN_FLIGHT";
}

/// A shed call: `RESOURCE_EXHAUSTED` with `ErrorInfo` (reason `OVERLOADED`,
/// the limit in metadata). Callers should back off and retry, ideally on
/// another replica.
pub(crate) fn overloaded(limit: usize) -> Status {
    let message =
        format!("server is at its limit of {limit} concurrent requests; retry with backoff");
    let details = with_error_info(
        Code::ResourceExhausted,
        &message,
        reason::OVERLOADED,
        ("limit", &limit.to_string()),
    );
    call_status(Code::ResourceExhausted, message, details)
}

/// A payload refused because the payload bytes the server already holds
/// plus this call's would pass `limit`: `RESOURCE_EXHAUSTED` with
/// `ErrorInfo` (reason `PAYLOAD_BYTES_IN_FLIGHT`, the limit in metadata)
/// and `RetryInfo` (`retry_delay`): the calls holding the bytes end within
/// milliseconds, so a short wait, or another replica, gets through.
pub(crate) fn payload_bytes_in_flight(limit: usize, retry_delay: Duration) -> Status {
    let message = format!(
        "server is holding its limit of {limit} payload bytes in flight; retry after the RetryInfo delay"
    );
    let mut details = with_error_info(
        Code::ResourceExhausted,
        &message,
        reason::PAYLOAD_BYTES_IN_FLIGHT,
        ("limit", &limit.to_string()),
    );
    let retry_info = pb::RetryInfo {
        retry_delay: Some(super::convert::duration_exact(retry_delay)),
    };
    details.push_any(&encode_message_any(RetryInfo::TYPE_URL, &retry_info));
    call_status(Code::ResourceExhausted, message, details)
}

/// A request message that failed to decode: `INVALID_ARGUMENT` with
/// `ErrorInfo` (reason `MALFORMED_MESSAGE`, the decoder's complaint in
/// metadata). No `BadRequest`: the decoder's complaint names a field path
/// only sometimes, and guessing one would mislead.
pub(crate) fn undecodable_message(detail: &str) -> Status {
    let message = format!("request is not a valid protobuf message: {detail}");
    let details = with_error_info(
        Code::InvalidArgument,
        &message,
        reason::MALFORMED_MESSAGE,
        ("detail", detail),
    );
    call_status(Code::InvalidArgument, message, details)
}

impl From<RequestError> for Status {
    fn from(err: RequestError) -> Self {
        let description = err.to_string();
        let details = request_error_status(&err, err.field(), &description);
        call_status(Code::InvalidArgument, description, details)
    }
}

/// The caller's own mistake in an `InterpretPayload` request: as a
/// request error, `INVALID_ARGUMENT` with `ErrorInfo` and a `BadRequest`
/// naming the field (`used_signals[3]`).
impl From<PayloadError> for Status {
    fn from(err: PayloadError) -> Self {
        let description = err.to_string();
        let details = field_status(err.reason(), &err.field(), &description);
        call_status(Code::InvalidArgument, description, details)
    }
}

impl From<LookupError> for Status {
    fn from(err: LookupError) -> Self {
        match err {
            LookupError::UnknownCode { code } => {
                let message = format!("no vehicle state error with code {code:?}");
                let details = with_error_info(
                    Code::NotFound,
                    &message,
                    reason::UNKNOWN_CODE,
                    ("code", &code),
                );
                call_status(Code::NotFound, message, details)
            }
        }
    }
}

/// The status of one failed batch item: what `Interpret` would have
/// returned, with the field path under `requests[index]`.
pub(super) fn batch_item_status(index: usize, err: &RequestError) -> EncodedStatus {
    let field = format!("requests[{index}].{}", err.field());
    request_error_status(err, &field, &err.to_string())
}

/// A request error's `google.rpc.Status`, built once whether it answers a
/// call or a batch item: `INVALID_ARGUMENT` with `ErrorInfo`, then
/// `BadRequest` naming `field`.
fn request_error_status(err: &RequestError, field: &str, description: &str) -> EncodedStatus {
    field_status(err.reason(), field, description)
}

/// `INVALID_ARGUMENT` with `ErrorInfo` of `reason`, then `BadRequest`
/// naming `field`.
fn field_status(reason: &str, field: &str, description: &str) -> EncodedStatus {
    let mut status = with_error_info(Code::InvalidArgument, description, reason, ("field", field));
    let bad_request = pb::BadRequest {
        field_violations: vec![pb::bad_request::FieldViolation {
            field: field.to_owned(),
            description: description.to_owned(),
            ..Default::default()
        }],
    };
    status.push_any(&encode_message_any(BadRequest::TYPE_URL, &bad_request));
    status
}

/// A `google.rpc.Status` of `code` and `message` whose first detail is an
/// `ErrorInfo` of `reason` with one metadata entry.
///
/// Written here rather than by tonic-types' `ErrorDetails` so that a batch
/// item can carry it as it is; a test holds every status to the bytes
/// tonic-types built (details in its order: `ErrorInfo` before
/// `BadRequest`).
fn with_error_info(
    code: Code,
    message: &str,
    reason: &str,
    (key, value): (&str, &str),
) -> EncodedStatus {
    let error_info = pb::ErrorInfo {
        reason: reason.to_owned(),
        domain: DOMAIN.to_owned(),
        metadata: HashMap::from([(key.to_owned(), value.to_owned())]),
    };
    let mut status = EncodedStatus::new(code as i32, message, 256);
    status.push_any(&encode_message_any(ErrorInfo::TYPE_URL, &error_info));
    status
}

/// A call's status: `code` and `message`, and `details`, the
/// `google.rpc.Status` of the same code and message that gRPC sends as
/// `grpc-status-details-bin`.
fn call_status(code: Code, message: String, details: EncodedStatus) -> Status {
    Status::with_details(code, message, details.into_bytes())
}

#[cfg(test)]
mod tests {
    use prost::Message;
    use tonic_types::{ErrorDetails, StatusExt};

    use super::*;

    /// What tonic-types built for a request error before the status was
    /// written here; the wire must not tell the difference.
    fn via_tonic_types(err: &RequestError, field: &str) -> Status {
        let description = err.to_string();
        let mut details = ErrorDetails::with_bad_request_violation(field, description.as_str());
        details.set_error_info(
            err.reason(),
            DOMAIN,
            HashMap::from([("field".to_owned(), field.to_owned())]),
        );
        Status::with_error_details(Code::InvalidArgument, description, details)
    }

    fn some_request_errors() -> Vec<RequestError> {
        vec![
            RequestError::EmptyBody,
            RequestError::MissingInput,
            RequestError::EmptyBatch,
            RequestError::EmptyField {
                field: "structured.type",
            },
            RequestError::BatchTooLarge {
                len: 101,
                limit: 100,
            },
            // Long enough that lengths take two varint bytes.
            RequestError::BodyNotJson {
                detail: "x".repeat(300),
            },
            RequestError::Malformed {
                field: "page_token",
                detail: "not a token this server issued".into(),
            },
        ]
    }

    /// A whole call's request-error status and a batch item's are
    /// byte-identical to what tonic-types built: same code, message and
    /// details, in the same order.
    #[test]
    fn request_error_statuses_keep_their_bytes() {
        for err in some_request_errors() {
            assert_same(
                &Status::from(err.clone()),
                &via_tonic_types(&err, err.field()),
            );
            let item = batch_item_status(7, &err).into_bytes();
            let before = via_tonic_types(&err, &format!("requests[7].{}", err.field()));
            assert_eq!(&item[..], before.details(), "{err:?}");
        }
    }

    /// What tonic-types built for the other statuses: ErrorInfo alone.
    fn info_via_tonic_types(
        code: Code,
        message: String,
        reason: &str,
        key: &str,
        value: &str,
    ) -> Status {
        Status::with_error_details(
            code,
            message,
            ErrorDetails::with_error_info(
                reason,
                DOMAIN,
                HashMap::from([(key.to_owned(), value.to_owned())]),
            ),
        )
    }

    fn assert_same(now: &Status, before: &Status) {
        assert_eq!(now.code(), before.code(), "{before:?}");
        assert_eq!(now.message(), before.message(), "{before:?}");
        assert_eq!(now.details(), before.details(), "{before:?}");
    }

    /// Shed calls, undecodable messages and unknown codes keep their bytes.
    #[test]
    fn other_statuses_keep_their_bytes() {
        assert_same(
            &overloaded(64),
            &info_via_tonic_types(
                Code::ResourceExhausted,
                "server is at its limit of 64 concurrent requests; retry with backoff".into(),
                reason::OVERLOADED,
                "limit",
                "64",
            ),
        );
        assert_same(
            &undecodable_message("invalid wire type"),
            &info_via_tonic_types(
                Code::InvalidArgument,
                "request is not a valid protobuf message: invalid wire type".into(),
                reason::MALFORMED_MESSAGE,
                "detail",
                "invalid wire type",
            ),
        );
        let code = "NOPE".to_owned();
        assert_same(
            &Status::from(LookupError::UnknownCode { code: code.clone() }),
            &info_via_tonic_types(
                Code::NotFound,
                format!("no vehicle state error with code {code:?}"),
                reason::UNKNOWN_CODE,
                "code",
                &code,
            ),
        );
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
        let bytes = batch_item_status(3, &RequestError::EmptyBody).into_bytes();
        let status = pb::Status::decode(bytes).unwrap();
        assert_eq!(status.code, Code::InvalidArgument as i32);
        let details = tonic_types::RpcStatusExt::get_error_details(&status);
        assert_eq!(
            details.bad_request().unwrap().field_violations[0].field,
            "requests[3].body"
        );
    }
}
