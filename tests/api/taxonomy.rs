//! Every kind of error a caller receives, through the real server: each
//! type of the type table in v1, v2 and v3 form, every v1 `error` string,
//! OAuth bodies, HTML and empty bodies with statuses, bodies whose status
//! disagrees with the request's, SDK-fixture oddities and malformed
//! upstream fields (docs/design.md §4 and §5). Each row states the answer
//! the design gives; the server must give exactly that.

use std::time::{Duration, SystemTime};

use tonic::Code;
use tonic_types::{ErrorDetail, RpcStatusExt};
use vehicle_error_interpreter::pb::{
    Action, Category, DecisionSource, Identification, InterpretRequest, InterpretResponse,
    RetryStrategy, Scope, StructuredError, interpret_request::Input,
};

use crate::helpers::TestServer;

use Action as A;
use Category as C;
use DecisionSource as D;
use Identification as I;
use RetryStrategy as S;

/// The request of a row (also `scope`'s).
pub(crate) fn body(body: &str, status: u32) -> InterpretRequest {
    InterpretRequest {
        input: Some(Input::Body(body.to_owned())),
        http_status: status,
        app_name: "Fleet".into(),
        ..Default::default()
    }
}

/// A v2 body of `error_type` and `code` (`None`: null) sent with `status`.
pub(crate) fn v2(error_type: &str, code: Option<&str>, status: u32) -> InterpretRequest {
    let code = code.map_or("null".to_owned(), |c| format!("\"{c}\""));
    body(
        &format!(
            r#"{{"type":"{error_type}","code":{code},"description":"d","statusCode":{status},"requestId":"r-1","resolution":{{"type":null}}}}"#
        ),
        status,
    )
}

fn v3(error_type: &str, code: &str, status: u32) -> InterpretRequest {
    body(
        &format!(
            r#"{{"errors":[{{"status":"{status}","type":"{error_type}","code":"{code}","title":"t","detail":"d","links":{{"about":"https://example.invalid/docs"}}}}]}}"#
        ),
        status,
    )
}

fn v1(error: &str, code: Option<&str>, status: u32) -> InterpretRequest {
    let code = code.map_or(String::new(), |c| format!(r#","code":"{c}""#));
    body(
        &format!(r#"{{"error":"{error}","message":"m"{code},"statusCode":{status}}}"#),
        status,
    )
}

fn structured(error_type: &str, code: &str, status: u32) -> InterpretRequest {
    InterpretRequest {
        input: Some(Input::Structured(StructuredError {
            r#type: error_type.into(),
            code: code.into(),
        })),
        http_status: status,
        app_name: "Fleet".into(),
        ..Default::default()
    }
}

fn with(request: InterpretRequest, f: impl FnOnce(&mut InterpretRequest)) -> InterpretRequest {
    let mut request = request;
    f(&mut request);
    request
}

/// What a row expects.
struct Want {
    identification: Identification,
    decided_by: DecisionSource,
    category: Category,
    strategy: RetryStrategy,
    action: Action,
    reason: &'static str,
    code: Code,
    /// A `Help` link: the catalog's, or the body's `docURL`/`links.about`.
    help: bool,
    warnings: &'static [&'static str],
}

#[allow(clippy::too_many_arguments)]
const fn want(
    identification: Identification,
    decided_by: DecisionSource,
    category: Category,
    strategy: RetryStrategy,
    action: Action,
    reason: &'static str,
    code: Code,
) -> Want {
    Want {
        identification,
        decided_by,
        category,
        strategy,
        action,
        reason,
        code,
        help: false,
        warnings: &[],
    }
}

impl Want {
    const fn help(mut self) -> Self {
        self.help = true;
        self
    }

    const fn warn(mut self, warnings: &'static [&'static str]) -> Self {
        self.warnings = warnings;
        self
    }
}

const FP: Code = Code::FailedPrecondition;
const RE: Code = Code::ResourceExhausted;
const UN: Code = Code::Unavailable;

#[rustfmt::skip]
fn rows() -> Vec<(&'static str, InterpretRequest, Want)> {
    let in_90_s_ms = (SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap() + Duration::from_secs(90)).as_millis().to_string();
    vec![
        // The type table, v2 (and v3 where the design names v3 codes).
        ("AUTHENTICATION null", v2("AUTHENTICATION", None, 401), want(I::ExactCode, D::TypeTable, C::Access, S::RetryAfterAction, A::CallerRefreshCredentials, "AUTHENTICATION", FP)),
        ("AUTHENTICATION UNAUTHORIZED v3", v3("AUTHENTICATION", "UNAUTHORIZED", 401), want(I::ExactCode, D::TypeTable, C::Access, S::RetryAfterAction, A::CallerRefreshCredentials, "AUTHENTICATION_UNAUTHORIZED", FP).help()),
        ("AUTHENTICATION ACCESS_DENIED v3", v3("AUTHENTICATION", "ACCESS_DENIED", 403), want(I::ExactCode, D::TypeTable, C::Request, S::DoNotRetry, A::CallerFixRequest, "AUTHENTICATION_ACCESS_DENIED", Code::Internal).help()),
        ("PERMISSION null", v2("PERMISSION", None, 403), want(I::ExactCode, D::TypeTable, C::Access, S::RetryAfterAction, A::UserReconnect, "PERMISSION", FP)),
        ("PERMISSION documented REAUTHENTICATE", body(r#"{"type":"PERMISSION","code":null,"resolution":{"type":"REAUTHENTICATE"},"statusCode":403}"#, 403), want(I::ExactCode, D::TypeTable, C::Access, S::RetryAfterAction, A::UserReconnect, "PERMISSION", FP)),
        ("CSA ACCOUNT_ISSUE", v2("CONNECTED_SERVICES_ACCOUNT", Some("ACCOUNT_ISSUE"), 400), want(I::ExactCode, D::TypeTable, C::Account, S::RetryAfterAction, A::UserAccountAction, "CONNECTED_SERVICES_ACCOUNT_ACCOUNT_ISSUE", FP)),
        ("CSA NO_VEHICLES", v2("CONNECTED_SERVICES_ACCOUNT", Some("NO_VEHICLES"), 400), want(I::ExactCode, D::TypeTable, C::Account, S::RetryAfterAction, A::UserReconnect, "CONNECTED_SERVICES_ACCOUNT_NO_VEHICLES", FP)),
        ("CSA SUBSCRIPTION", v2("CONNECTED_SERVICES_ACCOUNT", Some("SUBSCRIPTION"), 400), want(I::ExactCode, D::TypeTable, C::Account, S::RetryAfterAction, A::UserAccountAction, "CONNECTED_SERVICES_ACCOUNT_SUBSCRIPTION", FP)),
        ("CSA VEHICLE_MISSING", v2("CONNECTED_SERVICES_ACCOUNT", Some("VEHICLE_MISSING"), 400), want(I::ExactCode, D::TypeTable, C::Account, S::RetryAfterAction, A::UserAccountAction, "CONNECTED_SERVICES_ACCOUNT_VEHICLE_MISSING", FP)),
        ("CSA PERMISSION (a code, not the type)", v2("CONNECTED_SERVICES_ACCOUNT", Some("PERMISSION"), 400), want(I::ExactCode, D::TypeTable, C::Access, S::RetryAfterAction, A::UserReconnect, "CONNECTED_SERVICES_ACCOUNT_PERMISSION", FP)),
        ("CSA VIRTUAL_KEY_REQUIRED v3", v3("CONNECTED_SERVICES_ACCOUNT", "VIRTUAL_KEY_REQUIRED", 400), want(I::ExactCode, D::TypeTable, C::Account, S::RetryAfterAction, A::UserAccountAction, "CONNECTED_SERVICES_ACCOUNT_VIRTUAL_KEY_REQUIRED", FP).help()),
        ("CSA AUTHENTICATION_FAILED", v2("CONNECTED_SERVICES_ACCOUNT", Some("AUTHENTICATION_FAILED"), 400), want(I::ExactCode, D::TypeTable, C::Access, S::RetryAfterAction, A::UserReconnect, "CONNECTED_SERVICES_ACCOUNT_AUTHENTICATION_FAILED", FP)),
        ("CSA with REAUTHENTICATE: the action changes, the code stays", body(r#"{"type":"CONNECTED_SERVICES_ACCOUNT","code":"ACCOUNT_ISSUE","resolution":"REAUTHENTICATE"}"#, 400), want(I::ExactCode, D::Resolution, C::Account, S::RetryAfterAction, A::UserReconnect, "CONNECTED_SERVICES_ACCOUNT_ACCOUNT_ISSUE", FP)),
        ("RATE_LIMIT SMARTCAR_API", v2("RATE_LIMIT", Some("SMARTCAR_API"), 429), want(I::ExactCode, D::TypeTable, C::RateLimit, S::RetryLater, A::None, "RATE_LIMIT_SMARTCAR_API", RE)),
        ("RATE_LIMIT VEHICLE with Retry-After", with(v2("RATE_LIMIT", Some("VEHICLE"), 429), |r| r.retry_after = "120".into()), want(I::ExactCode, D::TypeTable, C::RateLimit, S::RetryLater, A::None, "RATE_LIMIT_VEHICLE", RE)),
        ("RATE_LIMIT VEHICLE v3", v3("RATE_LIMIT", "VEHICLE", 429), want(I::ExactCode, D::TypeTable, C::RateLimit, S::RetryLater, A::None, "RATE_LIMIT_VEHICLE", RE).help()),
        ("RATE_LIMIT VEHICLE, Retry-After in 2099: clamped", with(v2("RATE_LIMIT", Some("VEHICLE"), 429), |r| r.retry_after = "Wed, 21 Oct 2099 07:28:00 GMT".into()), want(I::ExactCode, D::TypeTable, C::RateLimit, S::RetryLater, A::None, "RATE_LIMIT_VEHICLE", RE).warn(&["RETRY_AFTER_CLAMPED"])),
        ("RATE_LIMIT VEHICLE, Retry-After in epoch milliseconds", with(v2("RATE_LIMIT", Some("VEHICLE"), 429), |r| r.retry_after = in_90_s_ms.clone()), want(I::ExactCode, D::TypeTable, C::RateLimit, S::RetryLater, A::None, "RATE_LIMIT_VEHICLE", RE).warn(&["RETRY_AFTER_EPOCH_MILLIS"])),
        ("RATE_LIMIT VEHICLE, Retry-After 'soon'", with(v2("RATE_LIMIT", Some("VEHICLE"), 429), |r| r.retry_after = "soon".into()), want(I::ExactCode, D::TypeTable, C::RateLimit, S::RetryLater, A::None, "RATE_LIMIT_VEHICLE", RE).warn(&["RETRY_AFTER_MALFORMED"])),
        ("BILLING VEHICLE_LIMIT", v2("BILLING", Some("VEHICLE_LIMIT"), 430), want(I::ExactCode, D::TypeTable, C::Billing, S::DoNotRetry, A::ContactSupport, "BILLING_VEHICLE_LIMIT", RE)),
        ("BILLING VEHICLE_REQUEST_LIMIT", v2("BILLING", Some("VEHICLE_REQUEST_LIMIT"), 430), want(I::ExactCode, D::TypeTable, C::Billing, S::DoNotRetry, A::ContactSupport, "BILLING_VEHICLE_REQUEST_LIMIT", RE)),
        ("BILLING INVALID_PLAN", v2("BILLING", Some("INVALID_PLAN"), 430), want(I::ExactCode, D::TypeTable, C::Billing, S::DoNotRetry, A::ContactSupport, "BILLING_INVALID_PLAN", FP)),
        ("BILLING ACCOUNT_SUSPENDED v3", v3("BILLING", "ACCOUNT_SUSPENDED", 430), want(I::ExactCode, D::TypeTable, C::Billing, S::DoNotRetry, A::ContactSupport, "BILLING_ACCOUNT_SUSPENDED", FP).help()),
        ("COMPATIBILITY MAKE_NOT_COMPATIBLE", v2("COMPATIBILITY", Some("MAKE_NOT_COMPATIBLE"), 501), want(I::ExactCode, D::TypeTable, C::Compatibility, S::DoNotRetry, A::None, "COMPATIBILITY_MAKE_NOT_COMPATIBLE", FP)),
        ("COMPATIBILITY SMARTCAR_NOT_CAPABLE", v2("COMPATIBILITY", Some("SMARTCAR_NOT_CAPABLE"), 501), want(I::ExactCode, D::TypeTable, C::Compatibility, S::DoNotRetry, A::None, "COMPATIBILITY_SMARTCAR_NOT_CAPABLE", FP)),
        ("COMPATIBILITY VEHICLE_NOT_CAPABLE v3", v3("COMPATIBILITY", "VEHICLE_NOT_CAPABLE", 501), want(I::ExactCode, D::TypeTable, C::Compatibility, S::DoNotRetry, A::None, "COMPATIBILITY_VEHICLE_NOT_CAPABLE", FP).help()),
        ("COMPATIBILITY PLATFORM_NOT_CAPABLE", v2("COMPATIBILITY", Some("PLATFORM_NOT_CAPABLE"), 501), want(I::ExactCode, D::TypeTable, C::Compatibility, S::RetryAfterAction, A::UserReconnect, "COMPATIBILITY_PLATFORM_NOT_CAPABLE", FP)),
        ("UPSTREAM INVALID_DATA", v2("UPSTREAM", Some("INVALID_DATA"), 502), want(I::ExactCode, D::TypeTable, C::Upstream, S::RetryLater, A::None, "UPSTREAM_INVALID_DATA", UN)),
        ("UPSTREAM KNOWN_ISSUE", v2("UPSTREAM", Some("KNOWN_ISSUE"), 502), want(I::ExactCode, D::TypeTable, C::Upstream, S::RetryLater, A::None, "UPSTREAM_KNOWN_ISSUE", UN)),
        ("UPSTREAM NO_RESPONSE v3", v3("UPSTREAM", "NO_RESPONSE", 502), want(I::ExactCode, D::TypeTable, C::Upstream, S::RetryLater, A::None, "UPSTREAM_NO_RESPONSE", Code::DeadlineExceeded).help()),
        ("UPSTREAM UNKNOWN_ISSUE", v2("UPSTREAM", Some("UNKNOWN_ISSUE"), 502), want(I::ExactCode, D::TypeTable, C::Upstream, S::RetryLater, A::None, "UPSTREAM_UNKNOWN_ISSUE", UN)),
        ("UPSTREAM RATE_LIMIT (the carmaker's)", v2("UPSTREAM", Some("RATE_LIMIT"), 502), want(I::ExactCode, D::TypeTable, C::RateLimit, S::RetryLater, A::None, "UPSTREAM_RATE_LIMIT", RE)),
        ("UPSTREAM, a code it does not list", v2("UPSTREAM", Some("BRAND_NEW"), 502), want(I::UnknownCode, D::TypeTable, C::Upstream, S::RetryLater, A::None, "UPSTREAM", UN)),
        ("SERVER INTERNAL", v2("SERVER", Some("INTERNAL"), 500), want(I::ExactCode, D::TypeTable, C::Provider, S::RetryLater, A::None, "SERVER_INTERNAL", UN)),
        ("SERVER INTERNAL with docURL", body(r#"{"type":"SERVER","code":"INTERNAL","docURL":"https://example.invalid/server"}"#, 500), want(I::ExactCode, D::TypeTable, C::Provider, S::RetryLater, A::None, "SERVER_INTERNAL", UN).help()),
        ("SERVER RECORD_NOT_FOUND", v2("SERVER", Some("RECORD_NOT_FOUND"), 500), want(I::ExactCode, D::TypeTable, C::Provider, S::DoNotRetry, A::ContactSupport, "SERVER_RECORD_NOT_FOUND", Code::NotFound)),
        ("SERVER MULTIPLE_RECORDS_FOUND, detail array", body(r#"{"type":"SERVER","code":"MULTIPLE_RECORDS_FOUND","detail":[{"id":"a"},{"id":"b"}]}"#, 500), want(I::ExactCode, D::TypeTable, C::Provider, S::DoNotRetry, A::ContactSupport, "SERVER_MULTIPLE_RECORDS_FOUND", FP)),
        ("VALIDATION null", v2("VALIDATION", None, 400), want(I::ExactCode, D::TypeTable, C::Request, S::DoNotRetry, A::CallerFixRequest, "VALIDATION", Code::Internal)),
        ("VALIDATION PARAMETER", v2("VALIDATION", Some("PARAMETER"), 400), want(I::ExactCode, D::TypeTable, C::Request, S::DoNotRetry, A::CallerFixRequest, "VALIDATION_PARAMETER", Code::Internal)),
        ("VALIDATION INVALID_INPUT_FORMAT v3", v3("VALIDATION", "INVALID_INPUT_FORMAT", 400), want(I::ExactCode, D::TypeTable, C::Request, S::DoNotRetry, A::CallerFixRequest, "VALIDATION_INVALID_INPUT_FORMAT", Code::Internal).help()),
        ("RESOURCE_NOT_FOUND PATH", v2("RESOURCE_NOT_FOUND", Some("PATH"), 404), want(I::ExactCode, D::TypeTable, C::Request, S::DoNotRetry, A::CallerFixRequest, "RESOURCE_NOT_FOUND_PATH", Code::Internal)),
        ("RESOURCE_NOT_FOUND VERSION", v2("RESOURCE_NOT_FOUND", Some("VERSION"), 404), want(I::ExactCode, D::TypeTable, C::Request, S::DoNotRetry, A::CallerFixRequest, "RESOURCE_NOT_FOUND_VERSION", Code::Internal)),
        // Every v1 `error` string.
        ("v1 authentication_error", v1("authentication_error", None, 401), want(I::ExactCode, D::TypeTable, C::Access, S::RetryAfterAction, A::CallerRefreshCredentials, "AUTHENTICATION", FP)),
        ("v1 permission_error", v1("permission_error", None, 403), want(I::ExactCode, D::TypeTable, C::Access, S::RetryAfterAction, A::UserReconnect, "PERMISSION", FP)),
        ("v1 rate_limiting_error", v1("rate_limiting_error", None, 429), want(I::ExactCode, D::TypeTable, C::RateLimit, S::RetryLater, A::None, "RATE_LIMIT", RE)),
        ("v1 rate_limit_error", v1("rate_limit_error", None, 429), want(I::ExactCode, D::TypeTable, C::RateLimit, S::RetryLater, A::None, "RATE_LIMIT", RE)),
        ("v1 monthly_limit_exceeded", v1("monthly_limit_exceeded", None, 430), want(I::LegacyCode, D::TypeTable, C::Billing, S::DoNotRetry, A::ContactSupport, "BILLING_VEHICLE_REQUEST_LIMIT", RE)),
        ("v1 server_error", v1("server_error", None, 500), want(I::ExactCode, D::TypeTable, C::Provider, S::RetryLater, A::None, "SERVER", UN)),
        ("v1 validation_error", v1("validation_error", None, 400), want(I::ExactCode, D::TypeTable, C::Request, S::DoNotRetry, A::CallerFixRequest, "VALIDATION", Code::Internal)),
        ("v1 resource_not_found_error", v1("resource_not_found_error", None, 404), want(I::ExactCode, D::TypeTable, C::Request, S::DoNotRetry, A::CallerFixRequest, "RESOURCE_NOT_FOUND", Code::Internal)),
        ("v1 vehicle_not_capable_error", v1("vehicle_not_capable_error", None, 501), want(I::LegacyCode, D::TypeTable, C::Compatibility, S::DoNotRetry, A::None, "COMPATIBILITY_VEHICLE_NOT_CAPABLE", FP)),
        ("v1 smartcar_not_capable_error", v1("smartcar_not_capable_error", None, 501), want(I::LegacyCode, D::TypeTable, C::Compatibility, S::DoNotRetry, A::None, "COMPATIBILITY_SMARTCAR_NOT_CAPABLE", FP)),
        ("v1 vehicle_state_error VS_002", v1("vehicle_state_error", Some("VS_002"), 409), want(I::LegacyCode, D::Catalog, C::Closure, S::RetryAfterAction, A::DriverAtVehicle, "VEHICLE_STATE_TRUNK_OPEN", FP).help()),
        ("v1 vehicle_owner_action_required VOA_000", v1("vehicle_owner_action_required", Some("VOA_000"), 400), want(I::LegacyCode, D::TypeTable, C::Access, S::RetryAfterAction, A::UserReconnect, "CONNECTED_SERVICES_ACCOUNT_AUTHENTICATION_FAILED", FP)),
        // OAuth-style bodies.
        ("OAuth invalid_grant", body(r#"{"error":"invalid_grant","error_description":"Refresh token expired"}"#, 400), want(I::ExactCode, D::TypeTable, C::Access, S::RetryAfterAction, A::UserReconnect, "OAUTH_INVALID_GRANT", FP)),
        ("OAuth invalid_client", body(r#"{"error":"invalid_client","error_description":"bad secret"}"#, 401), want(I::ExactCode, D::TypeTable, C::Access, S::DoNotRetry, A::CallerFixRequest, "OAUTH_INVALID_CLIENT", Code::Internal)),
        ("OAuth invalid_request", body(r#"{"error":"invalid_request"}"#, 400), want(I::ExactCode, D::TypeTable, C::Access, S::DoNotRetry, A::CallerFixRequest, "OAUTH_INVALID_REQUEST", Code::Internal)),
        ("OAuth error_description only, 401", body(r#"{"error_description":"unauthorized"}"#, 401), want(I::NoErrorBody, D::HttpStatus, C::Access, S::RetryAfterAction, A::CallerRefreshCredentials, "HTTP_401", FP).warn(&["BODY_NOT_AN_ERROR"])),
        // HTML and empty bodies with statuses.
        ("HTML 502 page", body("<html><body>502 Bad Gateway</body></html>", 502), want(I::NoErrorBody, D::HttpStatus, C::Provider, S::RetryLater, A::None, "HTTP_502", UN).warn(&["BODY_NOT_JSON"])),
        ("HTML 504 page", body("<html>504 Gateway Time-out</html>", 504), want(I::NoErrorBody, D::HttpStatus, C::Provider, S::RetryLater, A::None, "HTTP_504", Code::DeadlineExceeded).warn(&["BODY_NOT_JSON"])),
        ("empty 503", body("", 503), want(I::NoErrorBody, D::HttpStatus, C::Provider, S::RetryLater, A::None, "HTTP_503", UN).warn(&["BODY_EMPTY"])),
        ("empty 408", body(" ", 408), want(I::NoErrorBody, D::HttpStatus, C::Provider, S::RetryLater, A::None, "HTTP_408", Code::DeadlineExceeded).warn(&["BODY_EMPTY"])),
        ("unknown v1 error, 504", body(r#"{"error":"random_error"}"#, 504), want(I::UnknownType, D::HttpStatus, C::Provider, S::RetryLater, A::None, "HTTP_504", Code::DeadlineExceeded)),
        ("bare 409: UNKNOWN's guidance", body("", 409), want(I::NoErrorBody, D::HttpStatus, C::Unknown, S::RetryLater, A::None, "HTTP_409", FP).help().warn(&["BODY_EMPTY"])),
        ("HTML 430", body("<p>limit</p>", 430), want(I::NoErrorBody, D::HttpStatus, C::Billing, S::DoNotRetry, A::ContactSupport, "HTTP_430", RE).warn(&["BODY_NOT_JSON"])),
        ("HTML 429", body("<p>slow down</p>", 429), want(I::NoErrorBody, D::HttpStatus, C::RateLimit, S::RetryLater, A::None, "HTTP_429", RE).warn(&["BODY_NOT_JSON"])),
        ("JSON array, 418: other 4xx", body("[]", 418), want(I::NoErrorBody, D::HttpStatus, C::Request, S::DoNotRetry, A::CallerFixRequest, "HTTP_4XX", Code::Internal).warn(&["BODY_NOT_AN_ERROR"])),
        ("empty object, 507: other 5xx", body("{}", 507), want(I::NoErrorBody, D::HttpStatus, C::Provider, S::RetryLater, A::None, "HTTP_5XX", UN).warn(&["BODY_NOT_AN_ERROR"])),
        ("HTML 501", body("<h1>501</h1>", 501), want(I::NoErrorBody, D::HttpStatus, C::Compatibility, S::DoNotRetry, A::None, "HTTP_501", FP).warn(&["BODY_NOT_JSON"])),
        ("HTML 403", body("<h1>403</h1>", 403), want(I::NoErrorBody, D::HttpStatus, C::Access, S::RetryAfterAction, A::UserReconnect, "HTTP_403", FP).warn(&["BODY_NOT_JSON"])),
        ("body over the size limit, 502", body(&format!(r#"{{"type":"UPSTREAM","pad":"{}"}}"#, "x".repeat(17 * 1024)), 502), want(I::NoErrorBody, D::HttpStatus, C::Provider, S::RetryLater, A::None, "HTTP_502", UN).warn(&["BODY_TOO_LARGE"])),
        // The body's status disagrees with the request's: the body's wins.
        ("RATE_LIMIT body 429, request 500", with(v2("RATE_LIMIT", Some("VEHICLE"), 429), |r| r.http_status = 500), want(I::ExactCode, D::TypeTable, C::RateLimit, S::RetryLater, A::None, "RATE_LIMIT_VEHICLE", RE).warn(&["HTTP_STATUS_MISMATCH"])),
        ("DOOR_OPEN body 409, request 401", body(r#"{"type":"VEHICLE_STATE","code":"DOOR_OPEN","statusCode":409}"#, 401), want(I::ExactCode, D::Catalog, C::Closure, S::RetryAfterAction, A::DriverAtVehicle, "VEHICLE_STATE_DOOR_OPEN", FP).help().warn(&["HTTP_STATUS_MISMATCH"])),
        // SDK-fixture oddities.
        ("\"type\":\"type\", no status", body(r#"{"type":"type","code":"code"}"#, 0), want(I::UnknownType, D::Default, C::Other, S::DoNotRetry, A::None, "UNRECOGNIZED_ERROR", Code::Unknown)),
        ("\"type\":\"type\", 500", body(r#"{"type":"type"}"#, 500), want(I::UnknownType, D::HttpStatus, C::Provider, S::RetryLater, A::None, "HTTP_500", UN)),
        ("resolution as a string", body(r#"{"type":"COMPATIBILITY","code":"VEHICLE_NOT_CAPABLE","resolution":"RETRY_LATER"}"#, 501), want(I::ExactCode, D::Resolution, C::Compatibility, S::RetryLater, A::None, "COMPATIBILITY_VEHICLE_NOT_CAPABLE", FP)),
        ("a pizza resolution", body(r#"{"type":"SERVER","code":"INTERNAL","resolution":{"pizza":"pepperoni"}}"#, 500), want(I::ExactCode, D::TypeTable, C::Provider, S::RetryLater, A::None, "SERVER_INTERNAL", UN)),
        ("CONTACT_SUPPORT over a retry-later row", body(r#"{"type":"UPSTREAM","code":"KNOWN_ISSUE","resolution":{"type":"CONTACT_SUPPORT","pizza":1}}"#, 502), want(I::ExactCode, D::Resolution, C::Upstream, S::DoNotRetry, A::ContactSupport, "UPSTREAM_KNOWN_ISSUE", FP)),
        ("REAUTHENTICATE over a rate limit", body(r#"{"type":"RATE_LIMIT","code":"VEHICLE","resolution":"REAUTHENTICATE"}"#, 429), want(I::ExactCode, D::Resolution, C::RateLimit, S::RetryAfterAction, A::UserReconnect, "RATE_LIMIT_VEHICLE", FP)),
        ("lower-case type and code", body(r#"{"type":"upstream","code":"no_response"}"#, 502), want(I::ExactCode, D::TypeTable, C::Upstream, S::RetryLater, A::None, "UPSTREAM_NO_RESPONSE", Code::DeadlineExceeded)),
        ("v3, several errors: the most restrictive", body(r#"{"errors":[{"type":"RATE_LIMIT","code":"VEHICLE","status":"429"},{"type":"PERMISSION","status":"403"},{"type":"VEHICLE_STATE","code":"FULLY_CHARGED","status":"409"}]}"#, 0), want(I::ExactCode, D::TypeTable, C::Access, S::RetryAfterAction, A::UserReconnect, "PERMISSION", FP).warn(&["OTHER_ERRORS_IGNORED"])),
        // Malformed upstream fields.
        ("request_id with a control character", with(v2("UPSTREAM", Some("NO_RESPONSE"), 502), |r| { r.request_id = "a\u{1b}b".into(); }), want(I::ExactCode, D::TypeTable, C::Upstream, S::RetryLater, A::None, "UPSTREAM_NO_RESPONSE", Code::DeadlineExceeded).warn(&["REQUEST_ID_MALFORMED"])),
        ("header request_id too long", with(structured("VEHICLE_STATE", "DOOR_OPEN", 0), |r| r.request_id = "r".repeat(200)), want(I::ExactCode, D::Catalog, C::Closure, S::RetryAfterAction, A::DriverAtVehicle, "VEHICLE_STATE_DOOR_OPEN", FP).help().warn(&["REQUEST_ID_MALFORMED"])),
        ("http_status 9999", with(structured("VEHICLE_STATE", "IN_MOTION", 0), |r| r.http_status = 9999), want(I::ExactCode, D::Catalog, C::VehicleInUse, S::RetryLater, A::None, "VEHICLE_STATE_IN_MOTION", FP).help().warn(&["HTTP_STATUS_MALFORMED"])),
        // Structured input.
        ("structured, any case", structured("rate_limit", "vehicle", 0), want(I::ExactCode, D::TypeTable, C::RateLimit, S::RetryLater, A::None, "RATE_LIMIT_VEHICLE", RE)),
        ("structured unknown type, no status", structured("NOPE", "X", 0), want(I::UnknownType, D::Default, C::Other, S::DoNotRetry, A::None, "UNRECOGNIZED_ERROR", Code::Unknown)),
        ("structured unknown type, 503", structured("NOPE", "X", 503), want(I::UnknownType, D::HttpStatus, C::Provider, S::RetryLater, A::None, "HTTP_503", UN)),
        ("already done: FULLY_CHARGED", structured("VEHICLE_STATE", "FULLY_CHARGED", 409), want(I::ExactCode, D::Catalog, C::Charging, S::NoRetryNeeded, A::None, "VEHICLE_STATE_FULLY_CHARGED", FP).help()),
    ]
}

/// The detail type names a status carries, in order.
fn detail_kinds(r: &InterpretResponse) -> Vec<&'static str> {
    let status = r.propagation_status.as_ref().unwrap();
    status
        .get_error_details_vec()
        .iter()
        .map(|d| match d {
            ErrorDetail::ErrorInfo(_) => "ErrorInfo",
            ErrorDetail::RetryInfo(_) => "RetryInfo",
            ErrorDetail::PreconditionFailure(_) => "PreconditionFailure",
            ErrorDetail::QuotaFailure(_) => "QuotaFailure",
            ErrorDetail::LocalizedMessage(_) => "LocalizedMessage",
            ErrorDetail::Help(_) => "Help",
            _ => "other",
        })
        .collect()
}

/// Every row: the identification and decision kinds, category, strategy,
/// action, reason (equal to ErrorInfo's), propagation code and its detail
/// types exactly where the design puts them, a rendered user message
/// without a placeholder, and exactly the row's warnings.
#[tokio::test]
async fn every_kind_of_error_gets_its_designed_answer() {
    let mut server = TestServer::spawn().await;
    let rows = rows();
    assert!(rows.len() >= 60, "{} rows", rows.len());
    for (name, request, want) in rows {
        let r = server
            .client
            .interpret(request)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"))
            .into_inner();
        let advice = r.retry_advice.as_ref().unwrap();
        assert_eq!(
            (
                r.identification(),
                r.decided_by(),
                r.category(),
                advice.strategy(),
                advice.action(),
                r.reason.as_str()
            ),
            (
                want.identification,
                want.decided_by,
                want.category,
                want.strategy,
                want.action,
                want.reason
            ),
            "{name}"
        );
        assert_eq!(r.propagation_code, want.code as i32, "{name}");
        let status = r.propagation_status.as_ref().unwrap();
        assert_eq!(status.code, want.code as i32, "{name}");
        assert!(!status.message.is_empty(), "{name}: empty status message");
        let details = status.get_error_details();
        assert_eq!(details.error_info().unwrap().reason, r.reason, "{name}");

        let mut expected = vec!["ErrorInfo"];
        if want.strategy == S::RetryLater {
            expected.push("RetryInfo");
        }
        match want.code {
            FP => expected.push("PreconditionFailure"),
            RE => expected.push("QuotaFailure"),
            _ => {}
        }
        expected.push("LocalizedMessage");
        if want.help {
            expected.push("Help");
        }
        assert_eq!(detail_kinds(&r), expected, "{name}");
        if want.strategy == S::NoRetryNeeded {
            let violation = &details.precondition_failure().unwrap().violations[0];
            assert_eq!(violation.r#type, "ALREADY_IN_REQUESTED_STATE", "{name}");
        }

        assert!(!r.user_message.is_empty(), "{name}: empty user message");
        assert!(
            !r.user_message.contains("<app name>") && !r.user_message.contains("<your app name>"),
            "{name}: {}",
            r.user_message
        );
        assert_eq!(
            details.localized_message().unwrap().message,
            r.user_message,
            "{name}"
        );
        let warnings: Vec<&str> = r.warnings.iter().map(|w| w.reason.as_str()).collect();
        assert_eq!(warnings, want.warnings, "{name}");
        for w in &r.warnings {
            assert!(
                !w.field.is_empty() && !w.message.is_empty(),
                "{name}: {w:?}"
            );
        }
    }
    server.stop().await;
}

/// Retry-After sets the delay of a RETRY_LATER answer: as sent, clamped to
/// an hour, or the table's documented fallback when it is malformed.
#[tokio::test]
async fn rate_limit_delays_follow_retry_after_else_the_table() {
    let mut server = TestServer::spawn().await;
    for (retry_after, seconds) in [("120", 120), ("", 60), ("soon", 60), ("86400", 3600)] {
        let request = with(v2("RATE_LIMIT", Some("VEHICLE"), 429), |r| {
            r.retry_after = retry_after.into();
        });
        let r = server.client.interpret(request).await.unwrap().into_inner();
        let delay = r.retry_advice.unwrap().suggested_delay.unwrap();
        assert_eq!(delay.seconds, seconds, "{retry_after:?}");
        let status = r.propagation_status.unwrap();
        let retry = status.get_error_details().retry_info().unwrap().clone();
        assert_eq!(
            retry.retry_delay.map(|d| d.as_secs()),
            Some(seconds as u64),
            "{retry_after:?}"
        );
    }
    server.stop().await;
}

/// `ListErrorTypes` lists every type of the table with its rules, each
/// with its scope (never UNSPECIFIED; RATE_LIMIT's rules split by it).
#[tokio::test]
async fn list_error_types_lists_the_table() {
    let mut server = TestServer::spawn().await;
    let types = server.error_types().await;
    let names: Vec<&str> = types.iter().map(|t| t.r#type.as_str()).collect();
    for want in [
        "AUTHENTICATION",
        "PERMISSION",
        "CONNECTED_SERVICES_ACCOUNT",
        "RATE_LIMIT",
        "BILLING",
        "COMPATIBILITY",
        "UPSTREAM",
        "SERVER",
        "VALIDATION",
        "RESOURCE_NOT_FOUND",
    ] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
    for t in &types {
        assert_eq!(
            t.rules.iter().filter(|r| r.answers_unlisted_codes).count(),
            1,
            "{}",
            t.r#type
        );
        for rule in &t.rules {
            assert!(!rule.user_message_template.is_empty(), "{}", t.r#type);
            let scope = rule.retry_policy.as_ref().unwrap().scope();
            assert_ne!(scope, Scope::Unspecified, "{} {:?}", t.r#type, rule.codes);
        }
    }
    let rate_limit = types.iter().find(|t| t.r#type == "RATE_LIMIT").unwrap();
    let scopes: Vec<(String, Scope)> = rate_limit
        .rules
        .iter()
        .map(|r| (r.codes.join(","), r.retry_policy.as_ref().unwrap().scope()))
        .collect();
    assert_eq!(
        scopes,
        [
            (",SMARTCAR_API".to_owned(), Scope::Application),
            ("VEHICLE".to_owned(), Scope::Vehicle),
        ]
    );
    server.stop().await;
}
