"""Python client for vehicle-error-interpreter.

`Client` wraps a channel with production defaults (a deadline on every call,
round_robin, retries of UNAVAILABLE, keepalive); `error_details` and `status_details`
decode the rich error details the service sends; `abort_with` and
`abort_with_async` return an interpretation's propagation status from your
own servicer (raising `AlreadyDone` for "already done", `NoPropagationStatus`
for a webhook item). `AsyncClient` is `Client` on `grpc.aio`. Both interpret
an HTTP response as the caller's library returned it
(`interpret_http_response`), the vendor SDK's exception
(`interpret_smartcar_exception`) and a payload of several errors
(`interpret_payload`), and answer a webhook delivery in any web framework
(`handle_webhook`, returning a `WebhookResult`). The generated stubs are the
`vehicle_errors.v1` package.
"""

from vehicle_error_interpreter.aio import AsyncClient
from vehicle_error_interpreter.client import (
    CHANNEL_OPTIONS,
    DEFAULT_TIMEOUT,
    KEEPALIVE_OPTIONS,
    SERVICE_CONFIG,
    Client,
    interpret_request,
)
from vehicle_error_interpreter.details import Details, error_details, status_details
from vehicle_error_interpreter.http_response import (
    DEFAULT_MAX_BODY_BYTES,
    ResponseParts,
    read_response,
    read_response_async,
)
from vehicle_error_interpreter.propagate import (
    PUSHBACK_TRAILER,
    AlreadyDone,
    NoPropagationStatus,
    abort_with,
    abort_with_async,
)
from vehicle_error_interpreter.smartcar_exception import smartcar_request
from vehicle_error_interpreter.webhook import (
    DEFAULT_MAX_PAYLOAD_BYTES,
    DEFAULT_WEBHOOK_DEADLINE,
    MAX_CHALLENGE_LEN,
    SIGNATURE_HEADER,
    WebhookRejected,
    WebhookResult,
)

__all__ = [
    "CHANNEL_OPTIONS",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_PAYLOAD_BYTES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_WEBHOOK_DEADLINE",
    "KEEPALIVE_OPTIONS",
    "MAX_CHALLENGE_LEN",
    "PUSHBACK_TRAILER",
    "SERVICE_CONFIG",
    "SIGNATURE_HEADER",
    "AlreadyDone",
    "AsyncClient",
    "Client",
    "Details",
    "NoPropagationStatus",
    "ResponseParts",
    "WebhookRejected",
    "WebhookResult",
    "abort_with",
    "abort_with_async",
    "error_details",
    "interpret_request",
    "read_response",
    "read_response_async",
    "smartcar_request",
    "status_details",
]
