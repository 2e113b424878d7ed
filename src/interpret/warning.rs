//! What the service ignored or repaired in the input: never guessed
//! silently (docs/design.md §5.8).

use super::RequestError;

/// The kinds of warning, each with a stable UPPER_SNAKE reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningKind {
    /// The body is not JSON; the answer came from the HTTP status.
    BodyNotJson,
    /// The body is empty; the answer came from the HTTP status.
    BodyEmpty,
    /// The body is over the limit; the answer came from the HTTP status.
    BodyTooLarge,
    /// The body holds no error object; the answer came from the status.
    BodyNotAnError,
    /// `retry_after` is not a delay, a date or a millisecond timestamp.
    RetryAfterMalformed,
    /// `retry_after` asked for more than the longest delay honoured.
    RetryAfterClamped,
    /// `retry_after` was read as a Unix timestamp in milliseconds.
    RetryAfterEpochMillis,
    /// A request id is too long or holds control characters.
    RequestIdMalformed,
    /// `http_status` is not an HTTP status.
    HttpStatusMalformed,
    /// The body's status and the request's differ.
    HttpStatusMismatch,
    /// A v3 body held several errors; one was answered.
    OtherErrorsIgnored,
    /// No messages in the requested locale; the nearest was used.
    LocaleFallback,
    /// The body's `resolution.type` is not one the table knows; the
    /// answer is the table's, the value is in metadata.
    ResolutionTypeUnknown,
    /// The body's `resolution.url` is not an `https` URL of at most 2 KiB;
    /// `action_url` is empty, why is in metadata.
    ActionUrlInvalid,
}

impl WarningKind {
    /// Every kind, for the listed vocabulary.
    pub const ALL: [Self; 14] = [
        Self::BodyNotJson,
        Self::BodyEmpty,
        Self::BodyTooLarge,
        Self::BodyNotAnError,
        Self::RetryAfterMalformed,
        Self::RetryAfterClamped,
        Self::RetryAfterEpochMillis,
        Self::RequestIdMalformed,
        Self::HttpStatusMalformed,
        Self::HttpStatusMismatch,
        Self::OtherErrorsIgnored,
        Self::LocaleFallback,
        Self::ResolutionTypeUnknown,
        Self::ActionUrlInvalid,
    ];

    /// The stable key callers switch on.
    pub fn reason(self) -> &'static str {
        match self {
            Self::BodyNotJson => "BODY_NOT_JSON",
            Self::BodyEmpty => "BODY_EMPTY",
            Self::BodyTooLarge => "BODY_TOO_LARGE",
            Self::BodyNotAnError => "BODY_NOT_AN_ERROR",
            Self::RetryAfterMalformed => "RETRY_AFTER_MALFORMED",
            Self::RetryAfterClamped => "RETRY_AFTER_CLAMPED",
            Self::RetryAfterEpochMillis => "RETRY_AFTER_EPOCH_MILLIS",
            Self::RequestIdMalformed => "REQUEST_ID_MALFORMED",
            Self::HttpStatusMalformed => "HTTP_STATUS_MALFORMED",
            Self::HttpStatusMismatch => "HTTP_STATUS_MISMATCH",
            Self::OtherErrorsIgnored => "OTHER_ERRORS_IGNORED",
            Self::LocaleFallback => "LOCALE_FALLBACK",
            Self::ResolutionTypeUnknown => "RESOLUTION_TYPE_UNKNOWN",
            Self::ActionUrlInvalid => "ACTION_URL_INVALID",
        }
    }

    /// A sentence for people.
    pub fn message(self) -> &'static str {
        match self {
            Self::BodyNotJson => "the body is not JSON; answered from the HTTP status",
            Self::BodyEmpty => "the body is empty; answered from the HTTP status",
            Self::BodyTooLarge => "the body is over the size limit; answered from the HTTP status",
            Self::BodyNotAnError => "the body holds no error object; answered from the HTTP status",
            Self::RetryAfterMalformed => {
                "retry_after is not delay-seconds, an HTTP-date or a millisecond timestamp; ignored"
            }
            Self::RetryAfterClamped => {
                "retry_after is longer than the longest delay honoured; clamped"
            }
            Self::RetryAfterEpochMillis => {
                "retry_after was read as a Unix timestamp in milliseconds"
            }
            Self::RequestIdMalformed => {
                "the request id is too long or holds control characters; ignored"
            }
            Self::HttpStatusMalformed => "http_status is not between 100 and 599; ignored",
            Self::HttpStatusMismatch => {
                "the body's status and the request's http_status differ; the body's is used"
            }
            Self::OtherErrorsIgnored => {
                "the body held several errors; the most restrictive was answered"
            }
            Self::LocaleFallback => {
                "no messages in the requested locale; the nearest available was used"
            }
            Self::ResolutionTypeUnknown => {
                "the body's resolution type is not one the service knows; answered without it"
            }
            Self::ActionUrlInvalid => {
                "the body's resolution url is not an https URL of at most 2 KiB; dropped"
            }
        }
    }
}

/// One warning: its kind, the request field it is about and the values
/// involved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What happened.
    pub kind: WarningKind,
    /// The request field, such as `retry_after`.
    pub field: &'static str,
    /// The values involved, with lowerCamelCase keys.
    pub metadata: Vec<(&'static str, String)>,
}

impl Warning {
    /// A warning with no values.
    pub fn new(kind: WarningKind, field: &'static str) -> Self {
        Self {
            kind,
            field,
            metadata: Vec::new(),
        }
    }

    /// Adds a value.
    #[must_use]
    pub fn with(mut self, key: &'static str, value: &impl ToString) -> Self {
        self.metadata.push((key, value.to_string()));
        self
    }

    /// A body the service could not use, answered from the status.
    pub(super) fn unusable_body(problem: &RequestError) -> Self {
        let kind = match problem {
            RequestError::BodyNotJson { .. } => WarningKind::BodyNotJson,
            RequestError::EmptyBody => WarningKind::BodyEmpty,
            RequestError::BodyTooLarge { .. } => WarningKind::BodyTooLarge,
            _ => WarningKind::BodyNotAnError,
        };
        let warning = Self::new(kind, "body");
        match problem {
            RequestError::BodyTooLarge { len, limit } => {
                warning.with("length", &len).with("limit", &limit)
            }
            _ => warning,
        }
    }

    /// The body's status and the request's differ.
    pub(super) fn status_mismatch(body: u16, request: u16) -> Self {
        Self::new(WarningKind::HttpStatusMismatch, "http_status")
            .with("bodyStatus", &body)
            .with("requestStatus", &request)
    }

    /// A v3 body held `others` errors besides the one answered.
    pub(super) fn other_errors(others: u32) -> Self {
        Self::new(WarningKind::OtherErrorsIgnored, "body").with("otherErrorCount", &others)
    }
}

/// `value` cut to at most `max` characters (with an ellipsis when cut):
/// upstream input a warning repeats is never repeated whole.
pub(super) fn cut(value: &str, max: usize) -> String {
    match value.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &value[..at]),
        None => value.to_owned(),
    }
}
