"""Returning an interpretation's propagation status from your own servicer.

`abort_with(context, resp)` (a sync grpcio servicer) and
`await abort_with_async(context, resp)` (a `grpc.aio` servicer) end your
RPC with `resp.propagation_status`: its code, message and every detail
(ErrorInfo, RetryInfo, PreconditionFailure or QuotaFailure,
LocalizedMessage, Help).

For UNAVAILABLE and RESOURCE_EXHAUSTED they also send the trailer
`grpc-retry-pushback-ms: -1` (gRFC A6). Without it, every gRPC client whose
retry policy retries those codes (a common default) sends the request again
at once, ignoring RetryInfo, and each attempt could send a command to the
vehicle again. The trailer goes into the aborted status' own trailing
metadata, because `abort_with_status` replaces any trailing metadata set
before it.

For RETRY_STRATEGY_NO_RETRY_NEEDED ("already done": CHARGING_IN_PROGRESS,
FULLY_CHARGED) they raise `AlreadyDone` instead of aborting, so that the
servicer can answer success where its own operation makes that true.

The status carries the answer's `action_url` as its first Help link and
its `retry_advice.scope` in the ErrorInfo metadata (`scope`), so the
caller's own callers can send their user there and know what to pause.

An answer without a propagation status (an item of a webhook delivery's
`InterpretPayload` answer: there is no caller to propagate to) is refused
with `NoPropagationStatus` before anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

import grpc
import grpc.aio
from grpc_status import rpc_status

from vehicle_errors.v1 import interpreter_pb2 as pb

#: The trailer sent with UNAVAILABLE and RESOURCE_EXHAUSTED; its value -1
#: tells a gRPC client not to retry the call (gRFC A6).
PUSHBACK_TRAILER = "grpc-retry-pushback-ms"

_PUSHED_BACK = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED)
_CODES = {code.value[0]: code for code in grpc.StatusCode}


@dataclass(frozen=True)
class _Status(grpc.Status):
    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, str | bytes], ...]


def _grpc_status(resp: pb.InterpretResponse) -> grpc.Status:
    """The propagation status as a `grpc.Status` for `abort_with_status`,
    with the pushback trailer where it belongs."""
    status = resp.propagation_status
    code = _CODES.get(status.code, grpc.StatusCode.UNKNOWN)
    if code == grpc.StatusCode.OK:
        return _Status(
            grpc.StatusCode.UNKNOWN,
            "vehicle_error_interpreter: the interpretation has no propagation_status",
            (),
        )
    trailers: tuple[tuple[str, str | bytes], ...] = tuple(
        rpc_status.to_status(status).trailing_metadata
    )
    if code in _PUSHED_BACK:
        trailers += ((PUSHBACK_TRAILER, "-1"),)
    return _Status(code, status.message, trailers)


class NoPropagationStatus(ValueError):
    """The answer has no propagation status, so there is nothing to
    propagate: an item of a webhook delivery's `InterpretPayload` answer
    (the API re-delivers and sends RESOLVED itself), or an empty response.
    Raised by `abort_with` and `abort_with_async` before they touch the
    RPC; if it escapes your servicer, grpcio fails the call with UNKNOWN,
    never with success."""

    def __init__(self, response: pb.InterpretResponse) -> None:
        #: The answer that was refused.
        self.response = response
        super().__init__(
            "the answer has no propagation_status (a webhook item?): there is nothing to propagate"
        )


class AlreadyDone(Exception):
    """The interpretation says RETRY_STRATEGY_NO_RETRY_NEEDED: the vehicle
    is already in the state the request asked for (CHARGING_IN_PROGRESS,
    FULLY_CHARGED).

    Catch it and answer success where your own operation makes that true
    (you asked to start charging); otherwise fail with
    `context.abort_with_status(err.grpc_status)` (in `grpc.aio`, await it),
    the FAILED_PRECONDITION status with its details.
    """

    def __init__(self, response: pb.InterpretResponse) -> None:
        #: The interpretation.
        self.response = response
        #: Its `propagation_status` (a `google.rpc.Status`).
        self.status = response.propagation_status
        #: The same, as a `grpc.Status` for `abort_with_status`.
        self.grpc_status = _grpc_status(response)
        super().__init__(f"{self.grpc_status.code.name}: {self.status.message}")


def _check(resp: pb.InterpretResponse) -> grpc.Status:
    if not resp.HasField("propagation_status") or resp.propagation_status.code == 0:
        raise NoPropagationStatus(resp)
    if resp.retry_advice.strategy == pb.RETRY_STRATEGY_NO_RETRY_NEEDED:
        raise AlreadyDone(resp)
    return _grpc_status(resp)


def abort_with(context: grpc.ServicerContext, resp: pb.InterpretResponse) -> NoReturn:
    """Ends the RPC of a sync grpcio servicer with `resp.propagation_status`
    (see the module's documentation); raises `AlreadyDone` for
    RETRY_STRATEGY_NO_RETRY_NEEDED instead, and `NoPropagationStatus` for an
    answer that has none (a webhook item). Never returns.
    """
    status = _check(resp)  # raises before the RPC is touched
    context.abort_with_status(status)
    raise AssertionError("abort_with_status returned")  # it always raises


async def abort_with_async(
    context: grpc.aio.ServicerContext[Any, Any], resp: pb.InterpretResponse
) -> NoReturn:
    """`abort_with` for a `grpc.aio` servicer: `await` it."""
    status = _check(resp)  # raises before the RPC is touched
    await context.abort_with_status(status)
    raise AssertionError("abort_with_status returned")  # it always raises
