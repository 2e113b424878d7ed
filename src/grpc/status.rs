//! The one place domain errors become gRPC statuses: request errors
//! (`INVALID_ARGUMENT` + `BadRequest` + `ErrorInfo`), lookup misses
//! (`NOT_FOUND` + `ErrorInfo`), shed calls and undecodable messages. The
//! status an interpretation carries for callers to propagate is
//! `propagation`'s.

use std::collections::HashMap;

use prost::Message;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt, pb};

use crate::interpret::{LookupError, RequestError};

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
}

/// A shed call: `RESOURCE_EXHAUSTED` with `ErrorInfo` (reason `OVERLOADED`,
/// the limit in metadata). Callers should back off and retry, ideally on
/// another replica.
pub(crate) fn overloaded(limit: usize) -> Status {
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
pub(crate) fn undecodable_message(detail: &str) -> Status {
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
pub(super) fn batch_item_status(index: usize, err: &RequestError) -> pb::Status {
    let status = request_error_status(err, &format!("requests[{index}].{}", err.field()));
    // The details were just encoded from a valid message; decoding cannot
    // fail, but an empty status is a safe answer if it ever did.
    pb::Status::decode(status.details()).unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::*;

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
