//! The violation an answer states: what kind of precondition failed and,
//! in words a person reads, what must happen before a retry can succeed.
//! The wording is the domain's, like the catalog's messages; the adapter
//! only places it in the status details (`PreconditionFailure`,
//! `QuotaFailure`).

use crate::catalog::{Action, RetryStrategy};

/// What kind of precondition failed, by the final strategy: a stable,
/// machine-readable name.
pub(crate) fn precondition_kind(strategy: RetryStrategy) -> &'static str {
    match strategy {
        RetryStrategy::NoRetryNeeded => "ALREADY_IN_REQUESTED_STATE",
        RetryStrategy::RetryAfterAction => "ACTION_REQUIRED",
        RetryStrategy::RetryLater => "WAIT_REQUIRED",
        RetryStrategy::DoNotRetry => "NOT_RETRYABLE",
    }
}

/// What a failed precondition means, by the final strategy and, when
/// someone must act, by who.
pub(crate) fn precondition_description(strategy: RetryStrategy, action: Action) -> &'static str {
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

/// What an exhausted quota means; every such answer says the same.
pub(crate) const QUOTA_DESCRIPTION: &str = "A rate limit or quota of the API was reached.";
