"""Python client for vehicle-error-interpreter.

`Client` wraps a channel with production defaults (a deadline on every call,
round_robin, retries of UNAVAILABLE, keepalive); `error_details` and `status_details`
decode the rich error details the service sends; `abort_with` and
`abort_with_async` return an interpretation's propagation status from your
own servicer (raising `AlreadyDone` for "already done"). `AsyncClient` is
`Client` on `grpc.aio`. Both interpret an HTTP response as the caller's
library returned it (`interpret_http_response`) and the vendor SDK's
exception (`interpret_smartcar_exception`). The generated stubs are the
`vehicle_errors.v1` package.
"""

from vehicle_error_interpreter.aio import AsyncClient
from vehicle_error_interpreter.client import (
    CHANNEL_OPTIONS,
    DEFAULT_TIMEOUT,
    KEEPALIVE_OPTIONS,
    SERVICE_CONFIG,
    Client,
    Details,
    error_details,
    interpret_request,
    status_details,
)
from vehicle_error_interpreter.http_response import (
    DEFAULT_MAX_BODY_BYTES,
    ResponseParts,
    read_response,
    read_response_async,
)
from vehicle_error_interpreter.propagate import (
    PUSHBACK_TRAILER,
    AlreadyDone,
    abort_with,
    abort_with_async,
)
from vehicle_error_interpreter.smartcar_exception import smartcar_request

__all__ = [
    "CHANNEL_OPTIONS",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_TIMEOUT",
    "KEEPALIVE_OPTIONS",
    "PUSHBACK_TRAILER",
    "SERVICE_CONFIG",
    "AlreadyDone",
    "AsyncClient",
    "Client",
    "Details",
    "ResponseParts",
    "abort_with",
    "abort_with_async",
    "error_details",
    "interpret_request",
    "read_response",
    "read_response_async",
    "smartcar_request",
    "status_details",
]
