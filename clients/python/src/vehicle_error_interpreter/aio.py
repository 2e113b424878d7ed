"""`AsyncClient`: `Client` on `grpc.aio`, for asyncio services.

Same defaults as `Client` (the same `CHANNEL_OPTIONS`, which
tests/test_service_config.py compares with the Go client's): a deadline on every call,
round_robin, retries of UNAVAILABLE, keepalive every second. Every call is
a coroutine, so an asyncio service (FastAPI, aiohttp) needs no thread to
wait for an answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import grpc
import grpc.aio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from vehicle_error_interpreter import webhook
from vehicle_error_interpreter.client import (
    CHANNEL_OPTIONS,
    DEFAULT_TIMEOUT,
    batch_request,
    interpret_request,
    payload_request,
)
from vehicle_error_interpreter.http_response import DEFAULT_MAX_BODY_BYTES, read_response_async
from vehicle_error_interpreter.retry import RetryUnavailableAsync
from vehicle_error_interpreter.smartcar_exception import smartcar_request
from vehicle_errors.v1 import interpreter_pb2 as pb
from vehicle_errors.v1 import interpreter_pb2_grpc as pb_grpc

Metadata = Sequence[tuple[str, str | bytes]]


def channel_options(options: Sequence[tuple[str, Any]] = ()) -> list[tuple[str, Any]]:
    """The channel options of both clients: `CHANNEL_OPTIONS` (the service
    config with round_robin and retries of UNAVAILABLE, retries on,
    keepalive), then `options`, which win."""
    return [*CHANNEL_OPTIONS, *options]


class AsyncClient:
    """A `grpc.aio` channel to the service with its stub and the health stub.

    Create it inside the running event loop that will use it (in an
    `async def`, such as an application's startup hook), never at import
    time: a `grpc.aio` channel belongs to the loop that was running when it
    was made, and used from another loop its calls fail or hang
    (grpc/grpc#32480). Use it with `async with`, or `await close()`.

    `target`, `timeout`, `credentials` and `options` are `Client`'s.
    """

    def __init__(
        self,
        target: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        credentials: grpc.ChannelCredentials | None = None,
        options: Sequence[tuple[str, Any]] = (),
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        opts = channel_options(options)
        # One more attempt for calls the retry policy cannot retry
        # (vehicle_error_interpreter.retry), as on Client.
        interceptors = [RetryUnavailableAsync()]
        if credentials is None:
            self.channel = grpc.aio.insecure_channel(target, options=opts, interceptors=interceptors)
        else:
            self.channel = grpc.aio.secure_channel(
                target, credentials, options=opts, interceptors=interceptors
            )
        self.timeout = timeout
        #: The generated stub on the aio channel; its calls are awaitable.
        self.stub = pb_grpc.InterpreterServiceStub(self.channel)
        #: The server's grpc.health.v1 service.
        self.health = health_pb2_grpc.HealthStub(self.channel)

    async def interpret(
        self,
        body: str | None = None,
        *,
        error_type: str = "VEHICLE_STATE",
        code: str | None = None,
        app_name: str = "",
        http_status: int = 0,
        retry_after: str = "",
        request_id: str = "",
        locale: str = "",
        view: pb.InterpretationView = pb.INTERPRETATION_VIEW_UNSPECIFIED,
        operation: pb.Operation = pb.OPERATION_UNSPECIFIED,
        timeout: float | None = None,
        metadata: Metadata | None = None,
        wait_for_ready: bool | None = None,
    ) -> pb.InterpretResponse:
        """Interprets one error: its `body` as received, or its `code`
        (`Client.interpret`)."""
        request = interpret_request(
            body,
            error_type=error_type,
            code=code,
            app_name=app_name,
            http_status=http_status,
            retry_after=retry_after,
            request_id=request_id,
            locale=locale,
            view=view,
            operation=operation,
        )
        return await self._interpret(request, timeout, metadata, wait_for_ready)

    async def _interpret(
        self,
        request: pb.InterpretRequest,
        timeout: float | None,
        metadata: Metadata | None,
        wait_for_ready: bool | None,
    ) -> pb.InterpretResponse:
        response: pb.InterpretResponse = await self.stub.Interpret(
            request, timeout=timeout or self.timeout, metadata=metadata, wait_for_ready=wait_for_ready
        )
        return response

    async def batch_interpret(
        self,
        requests: Iterable[pb.InterpretRequest],
        *,
        operation: pb.Operation = pb.OPERATION_UNSPECIFIED,
        timeout: float | None = None,
    ) -> pb.BatchInterpretResponse:
        """Interprets many errors; each result has its own status
        (`Client.batch_interpret`, `operation` included)."""
        response: pb.BatchInterpretResponse = await self.stub.BatchInterpret(
            batch_request(requests, operation), timeout=timeout or self.timeout
        )
        return response

    async def interpret_payload(
        self,
        body: str,
        used_signals: Iterable[str] = (),
        *,
        app_name: str = "",
        locale: str = "",
        view: pb.InterpretationView = pb.INTERPRETATION_VIEW_UNSPECIFIED,
        operation: pb.Operation = pb.OPERATION_UNSPECIFIED,
        timeout: float | None = None,
        metadata: Metadata | None = None,
        wait_for_ready: bool | None = None,
    ) -> pb.InterpretPayloadResponse:
        """Interprets a payload that carries several errors: a webhook
        delivery, a v3 signals response or a v2 batch response
        (`Client.interpret_payload`)."""
        request = payload_request(
            body, used_signals, app_name=app_name, locale=locale, view=view, operation=operation
        )
        response: pb.InterpretPayloadResponse = await self.stub.InterpretPayload(
            request, timeout=timeout or self.timeout, metadata=metadata, wait_for_ready=wait_for_ready
        )
        return response

    async def handle_webhook(
        self,
        body: Any,
        headers: Any,
        management_token: str | bytes,
        used_signals: Iterable[str] = (),
        *,
        app_name: str = "",
        locale: str = "",
        view: pb.InterpretationView = pb.INTERPRETATION_VIEW_UNSPECIFIED,
        deadline: float = webhook.DEFAULT_WEBHOOK_DEADLINE,
        max_body_bytes: int = webhook.DEFAULT_MAX_PAYLOAD_BYTES,
        metadata: Metadata | None = None,
    ) -> webhook.WebhookResult:
        """What to answer one webhook delivery (`Client.handle_webhook`),
        awaited. `body` may also be an async iterator of chunks
        (Starlette's `request.stream()`) or a stream whose `read(n)` is a
        coroutine (aiohttp's `request.content`), read up to
        `max_body_bytes`."""
        raw = await webhook.read_body_async(body, max_body_bytes)
        checked = webhook.screen(raw, webhook.headers_of(headers), management_token, max_body_bytes)
        if isinstance(checked, webhook.WebhookResult):  # VERIFY, or refused
            return checked
        request = webhook.payload_request(checked, used_signals, app_name, locale, view)
        try:
            answer = await self.stub.InterpretPayload(request, timeout=deadline, metadata=metadata)
        except Exception as err:  # noqa: BLE001 - acknowledged whatever happened; the caller logs it
            return webhook.acknowledge(None, err)
        return webhook.acknowledge(answer, None)

    async def get_vehicle_state_error(
        self, code: str, *, timeout: float | None = None
    ) -> pb.VehicleStateError:
        """Returns one catalog entry; NOT_FOUND for an unknown code."""
        resp = await self.stub.GetVehicleStateError(
            pb.GetVehicleStateErrorRequest(code=code), timeout=timeout or self.timeout
        )
        entry: pb.VehicleStateError = resp.vehicle_state_error
        return entry

    async def list_vehicle_state_errors(
        self,
        *,
        category: pb.Category = pb.CATEGORY_UNSPECIFIED,
        strategy: pb.RetryStrategy = pb.RETRY_STRATEGY_UNSPECIFIED,
        timeout: float | None = None,
    ) -> list[pb.VehicleStateError]:
        """Returns the catalog (filtered), following every page."""
        entries: list[pb.VehicleStateError] = []
        req = pb.ListVehicleStateErrorsRequest(category=category, strategy=strategy)
        while True:
            page = await self.stub.ListVehicleStateErrors(req, timeout=timeout or self.timeout)
            entries.extend(page.vehicle_state_errors)
            if not page.next_page_token:
                return entries
            req.page_token = page.next_page_token

    async def check_health(self, service: str = "", *, timeout: float | None = None) -> str:
        """Returns the health status of `service` ("" is the whole server) by
        name: "SERVING", "NOT_SERVING". An unknown service is NOT_FOUND."""
        resp = await self.health.Check(
            health_pb2.HealthCheckRequest(service=service), timeout=timeout or self.timeout
        )
        name: str = health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)
        return name

    async def interpret_http_response(
        self,
        response: Any,
        *,
        app_name: str = "",
        locale: str = "",
        view: pb.InterpretationView = pb.INTERPRETATION_VIEW_UNSPECIFIED,
        operation: pb.Operation = pb.OPERATION_UNSPECIFIED,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        timeout: float | None = None,
        metadata: Metadata | None = None,
        wait_for_ready: bool | None = None,
    ) -> pb.InterpretResponse:
        """Interprets the error response an `httpx.AsyncClient` or `aiohttp`
        call returned (or a `requests`/sync `httpx` one already read): its
        status, `Retry-After`, `SC-Request-Id` and body, read up to
        `max_body_bytes + 1` bytes without blocking the loop
        (`Client.interpret_http_response`)."""
        parts = await read_response_async(response, max_body_bytes)
        request = parts.request(app_name=app_name, locale=locale, view=view, operation=operation)
        return await self._interpret(request, timeout, metadata, wait_for_ready)

    async def interpret_smartcar_exception(
        self,
        exc: BaseException,
        *,
        app_name: str = "",
        locale: str = "",
        view: pb.InterpretationView = pb.INTERPRETATION_VIEW_UNSPECIFIED,
        operation: pb.Operation = pb.OPERATION_UNSPECIFIED,
        timeout: float | None = None,
        metadata: Metadata | None = None,
        wait_for_ready: bool | None = None,
    ) -> pb.InterpretResponse:
        """Interprets a `smartcar.SmartcarException`
        (`Client.interpret_smartcar_exception`); `ValueError` when it has
        neither a status nor a type."""
        request = smartcar_request(
            exc, app_name=app_name, locale=locale, view=view, operation=operation
        )
        return await self._interpret(request, timeout, metadata, wait_for_ready)

    async def close(self) -> None:
        """Closes the channel; calls in flight are cancelled."""
        await self.channel.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
