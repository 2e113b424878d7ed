"""Python client for vehicle-error-interpreter.

`Client` wraps a channel with production defaults (a deadline on every call,
round_robin, retries of UNAVAILABLE, keepalive); `error_details` and `status_details`
decode the rich error details the service sends; `abort_with` and
`abort_with_async` return an interpretation's propagation status from your
own servicer (raising `AlreadyDone` for "already done"). The generated stubs
are the `vehicle_errors.v1` package.
"""

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
from vehicle_error_interpreter.propagate import (
    PUSHBACK_TRAILER,
    AlreadyDone,
    abort_with,
    abort_with_async,
)

__all__ = [
    "CHANNEL_OPTIONS",
    "DEFAULT_TIMEOUT",
    "KEEPALIVE_OPTIONS",
    "PUSHBACK_TRAILER",
    "SERVICE_CONFIG",
    "AlreadyDone",
    "Client",
    "Details",
    "abort_with",
    "abort_with_async",
    "error_details",
    "interpret_request",
    "status_details",
]
