"""One more attempt for a call that grpc-core will not retry because its
replica had already answered with response headers.

gRFC A6 commits a call once the client has received the response headers:
from then on the channel's retry policy never retries it, whatever the
status. A replica frozen (or killed) after sending the headers of a
response but before its message and trailers leaves exactly that: the
keepalive closes the connection and the call fails UNAVAILABLE "Stream
removed (ping timeout)" although another replica could answer at once.
That is the failure the async frozen-replica test saw in 2 of 23 runs
(the exact message); tests/test_retry_committed.py reproduces it every
time with a replica that stops right after sending its headers, and shows
that a replica stopped before them is retried. (Which frames the real
server had sent in those two runs was not captured: a server whose HTTP/2
layer writes a response's HEADERS before its DATA and trailers can be
frozen in between.)

Every RPC of InterpreterService and Health is idempotent, so both clients
add one application-level attempt when a call ends UNAVAILABLE and its
deadline has time left. By then the failed replica's connection is closed,
so round_robin picks another. Where every replica is down this costs one
more round of the retry policy's attempts within the same deadline. Other
services on the channel are left alone.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from typing import Any

import grpc
import grpc.aio

#: The method prefixes whose unary calls get the extra attempt: every RPC
#: of both services is idempotent.
RETRIED_SERVICES = ("/vehicle_errors.v1.InterpreterService/", "/grpc.health.v1.Health/")


def _retried(method: str | bytes) -> bool:
    name = method.decode() if isinstance(method, bytes) else method
    return name.startswith(RETRIED_SERVICES)


def _left(timeout: float | None, start: float) -> float | None:
    """The time left of the call's timeout (None: no timeout)."""
    return None if timeout is None else timeout - (time.monotonic() - start)


class _SyncDetails(
    collections.namedtuple(
        "_SyncDetails",
        ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression"),
    ),
    grpc.ClientCallDetails,
):
    """grpc.ClientCallDetails with a new timeout."""


class RetryUnavailable(grpc.UnaryUnaryClientInterceptor):
    """The sync interceptor: `Client` puts it on its channel."""

    def intercept_unary_unary(
        self, continuation: Callable[..., Any], details: grpc.ClientCallDetails, request: Any
    ) -> Any:
        start = time.monotonic()
        outcome = continuation(details, request)
        if not _retried(details.method) or outcome.exception() is None:
            return outcome
        left = _left(details.timeout, start)
        if outcome.code() != grpc.StatusCode.UNAVAILABLE or (left is not None and left <= 0):
            return outcome
        again = _SyncDetails(
            details.method,
            left,
            details.metadata,
            details.credentials,
            getattr(details, "wait_for_ready", None),
            getattr(details, "compression", None),
        )
        return continuation(again, request)


class RetryUnavailableAsync(grpc.aio.UnaryUnaryClientInterceptor):
    """The `grpc.aio` interceptor: `AsyncClient` puts it on its channel."""

    async def intercept_unary_unary(
        self,
        continuation: Callable[..., Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        start = time.monotonic()
        call = await continuation(client_call_details, request)
        if not _retried(client_call_details.method):
            return call
        code = await call.code()
        left = _left(client_call_details.timeout, start)
        if code != grpc.StatusCode.UNAVAILABLE or (left is not None and left <= 0):
            return call
        again = grpc.aio.ClientCallDetails(
            client_call_details.method,
            left,
            client_call_details.metadata,
            client_call_details.credentials,
            client_call_details.wait_for_ready,
        )
        return await continuation(again, request)
