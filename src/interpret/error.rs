//! What can be wrong with a request, in domain terms. `grpc::status` turns
//! these into gRPC statuses; nothing here knows about gRPC.

use thiserror::Error;

/// A request the service cannot answer, naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RequestError {
    /// Neither a body nor a structured error was given.
    #[error("one of body or structured is required")]
    MissingInput,
    /// The body is empty or only whitespace.
    #[error("body is empty")]
    EmptyBody,
    /// The body is longer than the configured limit.
    #[error("body is {len} bytes; the limit is {limit}")]
    BodyTooLarge {
        /// The body's length in bytes.
        len: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The body is not valid JSON.
    #[error("body is not valid JSON: {detail}")]
    BodyNotJson {
        /// The parser's complaint, with line and column.
        detail: String,
    },
    /// The body is JSON, but not an object.
    #[error("body is JSON but not an object")]
    BodyNotObject,
    /// The body is a JSON object, but not an error: no `type`, `error` or
    /// non-empty `errors`, or a field of an impossible shape.
    #[error("body is not an error object: {detail}")]
    BodyNotAnError {
        /// What is missing or wrong.
        detail: String,
    },
    /// A required field is empty.
    #[error("{field} is empty")]
    EmptyField {
        /// The field's path, such as `structured.type`.
        field: &'static str,
    },
    /// A field is longer than its limit.
    #[error("{field} is {len} characters; the limit is {limit}")]
    FieldTooLong {
        /// The field's path.
        field: &'static str,
        /// Its length in characters.
        len: usize,
        /// The limit in characters.
        limit: usize,
    },
    /// A field holds control characters (NUL, newline, escape, ...).
    #[error("{field} contains control characters")]
    ControlCharacters {
        /// The field's path.
        field: &'static str,
    },
    /// A field does not have its documented form.
    #[error("{field} is malformed: {detail}")]
    Malformed {
        /// The field's path.
        field: &'static str,
        /// The form it should have.
        detail: String,
    },
    /// A batch has no items.
    #[error("requests is empty")]
    EmptyBatch,
    /// A batch has more items than the limit.
    #[error("requests has {len} items; the limit is {limit}")]
    BatchTooLarge {
        /// The number of items.
        len: usize,
        /// The limit.
        limit: usize,
    },
}

impl RequestError {
    /// The request field at fault, as a `BadRequest` field path.
    pub fn field(&self) -> &'static str {
        match self {
            Self::MissingInput
            | Self::EmptyBody
            | Self::BodyTooLarge { .. }
            | Self::BodyNotJson { .. }
            | Self::BodyNotObject
            | Self::BodyNotAnError { .. } => "body",
            Self::EmptyField { field }
            | Self::FieldTooLong { field, .. }
            | Self::ControlCharacters { field }
            | Self::Malformed { field, .. } => field,
            Self::EmptyBatch | Self::BatchTooLarge { .. } => "requests",
        }
    }

    /// A stable UPPER_SNAKE reason for `ErrorInfo`; clients switch on this,
    /// never on the message.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::MissingInput => "MISSING_INPUT",
            Self::EmptyBody => "EMPTY_BODY",
            Self::BodyTooLarge { .. } => "BODY_TOO_LARGE",
            Self::BodyNotJson { .. } => "BODY_NOT_JSON",
            Self::BodyNotObject => "BODY_NOT_OBJECT",
            Self::BodyNotAnError { .. } => "BODY_NOT_AN_ERROR",
            Self::EmptyField { .. } => "EMPTY_FIELD",
            Self::FieldTooLong { .. } => "FIELD_TOO_LONG",
            Self::ControlCharacters { .. } => "CONTROL_CHARACTERS",
            Self::Malformed { .. } => "MALFORMED_FIELD",
            Self::EmptyBatch => "EMPTY_BATCH",
            Self::BatchTooLarge { .. } => "BATCH_TOO_LARGE",
        }
    }
}

/// A catalog lookup that found nothing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LookupError {
    /// No entry has this code or legacy code.
    #[error("no vehicle state error with code {code:?}")]
    UnknownCode {
        /// The code as asked.
        code: String,
    },
}
