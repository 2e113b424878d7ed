"""Python client for vehicle-error-interpreter.

`Client` wraps a channel with production defaults (a deadline on every call,
round_robin, retries of UNAVAILABLE); `error_details` and `status_details`
decode the rich error details the service sends. The generated stubs are the
`vehicle_errors.v1` package.
"""

from vehicle_error_interpreter.client import (
    DEFAULT_TIMEOUT,
    SERVICE_CONFIG,
    Client,
    Details,
    error_details,
    interpret_request,
    status_details,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "SERVICE_CONFIG",
    "Client",
    "Details",
    "error_details",
    "interpret_request",
    "status_details",
]
