//! Domain values as proto messages, one enum or struct at a time, and the
//! list filters back into domain enums. The leaf of the adapter: it names
//! only `pb`; assembling a whole response is `respond`'s.

use std::time::Duration;

use super::{pb, pb::server};
use crate::catalog::{
    Action, Category, Operation, Propagation, ResolutionType, RetryPolicy, RetryStrategy, Scope,
    TextBlock, TypeTable, VehicleStateError,
};
use crate::interpret::{DecisionSource, Identification};

/// The type table as `ListErrorTypes` answers it.
pub(super) fn error_types(table: &TypeTable) -> Vec<server::ErrorType> {
    table
        .types()
        .iter()
        .map(|t| server::ErrorType {
            r#type: t.name.clone(),
            http_status: u32::from(t.http_status),
            v1_errors: t.v1_errors.clone(),
            rules: t
                .rules
                .iter()
                .map(|rule| {
                    let answer = table.answer(rule.answer);
                    server::ErrorTypeRule {
                        codes: rule
                            .codes
                            .iter()
                            .map(|c| c.clone().unwrap_or_default())
                            .collect(),
                        legacy_codes: rule.legacy_codes.clone(),
                        answers_unlisted_codes: rule.answers_unlisted_codes,
                        category: category(answer.category) as i32,
                        retry_policy: Some(server::RetryPolicy {
                            strategy: strategy(answer.retry.strategy) as i32,
                            action: action(answer.retry.action) as i32,
                            suggested_delay: Some(duration(answer.retry.delay)),
                            delay_reason: answer.retry.delay_reason.clone(),
                            scope: scope(answer.retry.scope) as i32,
                        }),
                        propagation_code: rpc_code(answer.propagation) as i32,
                        user_message_template: answer.user_message.text.clone(),
                    }
                })
                .collect(),
        })
        .collect()
}

fn retry_policy(policy: &RetryPolicy) -> pb::RetryPolicy {
    pb::RetryPolicy {
        strategy: strategy(policy.strategy) as i32,
        action: action(policy.action) as i32,
        suggested_delay: Some(duration(policy.delay)),
        delay_reason: policy.delay_reason.clone(),
        scope: scope(policy.scope) as i32,
    }
}

/// The `google.rpc.Code` of a propagation decision.
pub(super) fn rpc_code(p: Propagation) -> pb::RpcCode {
    match p {
        Propagation::FailedPrecondition => pb::RpcCode::FailedPrecondition,
        Propagation::ResourceExhausted => pb::RpcCode::ResourceExhausted,
        Propagation::Unavailable => pb::RpcCode::Unavailable,
        Propagation::DeadlineExceeded => pb::RpcCode::DeadlineExceeded,
        Propagation::Internal => pb::RpcCode::Internal,
        Propagation::NotFound => pb::RpcCode::NotFound,
        Propagation::Unknown => pb::RpcCode::Unknown,
    }
}

/// How the error was identified.
pub(super) fn identification(i: Identification) -> pb::Identification {
    match i {
        Identification::ExactCode => pb::Identification::ExactCode,
        Identification::LegacyCode => pb::Identification::LegacyCode,
        Identification::UnknownCode => pb::Identification::UnknownCode,
        Identification::UnknownType => pb::Identification::UnknownType,
        Identification::NoErrorBody => pb::Identification::NoErrorBody,
    }
}

/// What decided the answer.
pub(super) fn decided_by(d: DecisionSource) -> pb::DecisionSource {
    match d {
        DecisionSource::Catalog => pb::DecisionSource::Catalog,
        DecisionSource::Resolution => pb::DecisionSource::Resolution,
        DecisionSource::TypeTable => pb::DecisionSource::TypeTable,
        DecisionSource::HttpStatus => pb::DecisionSource::HttpStatus,
        DecisionSource::Default => pb::DecisionSource::Default,
        DecisionSource::Operation => pb::DecisionSource::Operation,
    }
}

/// The request's operation: `None` for unspecified, and for a number this
/// proto does not define (a newer client's value), which the proto says is
/// answered like unspecified.
pub(super) fn operation(value: i32) -> Option<Operation> {
    match pb::Operation::try_from(value).ok()? {
        pb::Operation::Unspecified => None,
        pb::Operation::Lock => Some(Operation::Lock),
        pb::Operation::Unlock => Some(Operation::Unlock),
        pb::Operation::StartCharge => Some(Operation::StartCharge),
        pb::Operation::StopCharge => Some(Operation::StopCharge),
        pb::Operation::Read => Some(Operation::Read),
        pb::Operation::OtherCommand => Some(Operation::OtherCommand),
    }
}

/// A catalog entry as its proto message.
pub(super) fn entry(e: &VehicleStateError) -> pb::VehicleStateError {
    pb::VehicleStateError {
        r#type: e.error_type.clone(),
        code: e.code.clone(),
        description: e.description.clone(),
        doc_url: e.doc_url.clone(),
        status_code: u32::from(e.status_code),
        resolution_type: resolution_type(e.resolution) as i32,
        suggested_user_message: e.suggested_user_message.clone(),
        overview: Some(text_block(&e.overview)),
        suggested_resolution: Some(text_block(&e.suggested_resolution)),
        troubleshooting_steps: e.troubleshooting_steps.clone(),
        user_message_template: Some(text_block(&e.user_message_template)),
        category: category(e.category) as i32,
        retry_policy: Some(retry_policy(&e.retry)),
        legacy_codes: e.legacy_codes.clone(),
    }
}

fn text_block(b: &TextBlock) -> pb::TextBlock {
    pb::TextBlock {
        text: b.text.clone(),
        bullets: b.bullets.clone(),
    }
}

/// A whole-second delay as a `google.protobuf.Duration`.
pub(super) fn duration(d: Duration) -> prost_types::Duration {
    prost_types::Duration {
        seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: 0,
    }
}

/// Any delay as a `google.protobuf.Duration`, nanoseconds kept.
pub(super) fn duration_exact(d: Duration) -> prost_types::Duration {
    prost_types::Duration {
        seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: i32::try_from(d.subsec_nanos()).unwrap_or(0),
    }
}

/// A list filter's category: `Ok(None)` for unspecified (any), `Err` for
/// a number this proto does not define (which matches no entry).
pub(super) fn category_filter(value: i32) -> Result<Option<Category>, ()> {
    match pb::Category::try_from(value).map_err(drop)? {
        pb::Category::Unspecified => Ok(None),
        pb::Category::Connectivity => Ok(Some(Category::Connectivity)),
        pb::Category::Charging => Ok(Some(Category::Charging)),
        pb::Category::Closure => Ok(Some(Category::Closure)),
        pb::Category::VehicleInUse => Ok(Some(Category::VehicleInUse)),
        pb::Category::Power => Ok(Some(Category::Power)),
        pb::Category::Unknown => Ok(Some(Category::Unknown)),
        pb::Category::Other => Ok(Some(Category::Other)),
        pb::Category::Access => Ok(Some(Category::Access)),
        pb::Category::Account => Ok(Some(Category::Account)),
        pb::Category::RateLimit => Ok(Some(Category::RateLimit)),
        pb::Category::Billing => Ok(Some(Category::Billing)),
        pb::Category::Compatibility => Ok(Some(Category::Compatibility)),
        pb::Category::Upstream => Ok(Some(Category::Upstream)),
        pb::Category::Provider => Ok(Some(Category::Provider)),
        pb::Category::Request => Ok(Some(Category::Request)),
    }
}

/// A list filter's retry strategy, as [`category_filter`].
pub(super) fn strategy_filter(value: i32) -> Result<Option<RetryStrategy>, ()> {
    match pb::RetryStrategy::try_from(value).map_err(drop)? {
        pb::RetryStrategy::Unspecified => Ok(None),
        pb::RetryStrategy::RetryLater => Ok(Some(RetryStrategy::RetryLater)),
        pb::RetryStrategy::RetryAfterAction => Ok(Some(RetryStrategy::RetryAfterAction)),
        pb::RetryStrategy::NoRetryNeeded => Ok(Some(RetryStrategy::NoRetryNeeded)),
        pb::RetryStrategy::DoNotRetry => Ok(Some(RetryStrategy::DoNotRetry)),
    }
}

/// A category as its proto enum.
pub(super) fn category(c: Category) -> pb::Category {
    match c {
        Category::Connectivity => pb::Category::Connectivity,
        Category::Charging => pb::Category::Charging,
        Category::Closure => pb::Category::Closure,
        Category::VehicleInUse => pb::Category::VehicleInUse,
        Category::Power => pb::Category::Power,
        Category::Unknown => pb::Category::Unknown,
        Category::Other => pb::Category::Other,
        Category::Access => pb::Category::Access,
        Category::Account => pb::Category::Account,
        Category::RateLimit => pb::Category::RateLimit,
        Category::Billing => pb::Category::Billing,
        Category::Compatibility => pb::Category::Compatibility,
        Category::Upstream => pb::Category::Upstream,
        Category::Provider => pb::Category::Provider,
        Category::Request => pb::Category::Request,
    }
}

/// A retry strategy as its proto enum.
pub(super) fn strategy(s: RetryStrategy) -> pb::RetryStrategy {
    match s {
        RetryStrategy::RetryLater => pb::RetryStrategy::RetryLater,
        RetryStrategy::RetryAfterAction => pb::RetryStrategy::RetryAfterAction,
        RetryStrategy::NoRetryNeeded => pb::RetryStrategy::NoRetryNeeded,
        RetryStrategy::DoNotRetry => pb::RetryStrategy::DoNotRetry,
    }
}

/// The proto value of a scope; never `SCOPE_UNSPECIFIED`.
pub(super) fn scope(s: Scope) -> pb::Scope {
    match s {
        Scope::Call => pb::Scope::Call,
        Scope::Operation => pb::Scope::Operation,
        Scope::Vehicle => pb::Scope::Vehicle,
        Scope::User => pb::Scope::User,
        Scope::Application => pb::Scope::Application,
    }
}

/// Who must act, as its proto enum.
pub(super) fn action(a: Action) -> pb::Action {
    match a {
        Action::None => pb::Action::None,
        Action::DriverAtVehicle => pb::Action::DriverAtVehicle,
        Action::UserReconnect => pb::Action::UserReconnect,
        Action::UserAccountAction => pb::Action::UserAccountAction,
        Action::CallerRefreshCredentials => pb::Action::CallerRefreshCredentials,
        Action::CallerFixRequest => pb::Action::CallerFixRequest,
        Action::ContactSupport => pb::Action::ContactSupport,
    }
}

fn resolution_type(r: ResolutionType) -> pb::ResolutionType {
    match r {
        ResolutionType::None => pb::ResolutionType::None,
        ResolutionType::RetryLater => pb::ResolutionType::RetryLater,
        ResolutionType::Reauthenticate => pb::ResolutionType::Reauthenticate,
        ResolutionType::ContactSupport => pb::ResolutionType::ContactSupport,
    }
}
