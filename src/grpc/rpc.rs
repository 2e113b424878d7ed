//! The server's RPC vocabulary: which RPCs it serves, the RPC a request
//! path calls, and what gRPC status codes are called and mean. A leaf
//! beside the generated code, so the adapter, the metrics and the trace
//! layer name RPCs and codes the same way without naming each other:
//! adding an RPC touches this table and the handler that serves it.

use tonic::Code;

use super::pb::server::interpreter_service_server;

/// The fully qualified service name, from the generated code.
pub const SERVICE_NAME: &str = interpreter_service_server::SERVICE_NAME;

/// The RPCs this server serves, as (service, method); the service names
/// come from the generated servers (ours, tonic-health's,
/// tonic-reflection's), the method names from the protos.
pub(crate) const RPCS: [(&str, &str); 10] = [
    (SERVICE_NAME, "Interpret"),
    (SERVICE_NAME, "BatchInterpret"),
    (SERVICE_NAME, "GetVehicleStateError"),
    (SERVICE_NAME, "ListVehicleStateErrors"),
    (SERVICE_NAME, "ListErrorTypes"),
    (SERVICE_NAME, "InterpretPayload"),
    (tonic_health::pb::health_server::SERVICE_NAME, "Check"),
    (tonic_health::pb::health_server::SERVICE_NAME, "Watch"),
    (
        tonic_reflection::pb::v1::server_reflection_server::SERVICE_NAME,
        "ServerReflectionInfo",
    ),
    (
        tonic_reflection::pb::v1alpha::server_reflection_server::SERVICE_NAME,
        "ServerReflectionInfo",
    ),
];

/// The index in [`RPCS`] of the call to an HTTP/2 `path`
/// (`/<service>/<method>`), or `RPCS.len()` for any other path: tables
/// indexed by it have one slot more, for the paths this server does not
/// serve (so a caller's path never becomes a label or a span name).
pub(crate) fn index(path: &str) -> usize {
    path.strip_prefix('/')
        .and_then(|p| p.split_once('/'))
        .and_then(|(service, method)| RPCS.iter().position(|&(s, m)| s == service && m == method))
        .unwrap_or(RPCS.len())
}

/// How many status codes gRPC defines: `code as usize` is below it.
pub(crate) const CODES: usize = Code::Unauthenticated as usize + 1;

/// `code` as the gRPC spec names it (`tonic::Code`'s `Debug` is
/// CamelCase, and its description is prose).
pub(crate) fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// Whether `code` is the server's fault rather than the caller's, as the
/// OpenTelemetry gRPC conventions class server spans: UNKNOWN,
/// DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS.
pub(crate) fn is_server_fault(code: Code) -> bool {
    matches!(
        code,
        Code::Unknown
            | Code::DeadlineExceeded
            | Code::Unimplemented
            | Code::Internal
            | Code::Unavailable
            | Code::DataLoss
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Paths map to their RPC, anything else to the slot after the table.
    #[test]
    fn paths_name_their_rpc_or_none() {
        let batch = format!("/{SERVICE_NAME}/BatchInterpret");
        assert_eq!(RPCS[index(&batch)], (SERVICE_NAME, "BatchInterpret"));
        assert_eq!(index("/grpc.health.v1.Health/Watch"), 7);
        for other in ["", "/", "/x/y", &format!("/{SERVICE_NAME}"), "Interpret"] {
            assert_eq!(index(other), RPCS.len(), "{other}");
        }
    }

    /// Every code's name is the spec's, indexed by its number.
    #[test]
    fn codes_are_named_as_the_spec_names_them() {
        let names: Vec<_> = (0..)
            .take(CODES)
            .map(|i| code_name(Code::from_i32(i)))
            .collect();
        assert_eq!(names.len(), 17);
        assert_eq!(
            (names[0], names[13], names[16]),
            ("OK", "INTERNAL", "UNAUTHENTICATED")
        );
        let distinct: std::collections::HashSet<_> = names.iter().collect();
        assert_eq!(distinct.len(), CODES);
    }
}
