"""`operation` through every request builder and method of `Client` and
`AsyncClient` (docs/design.md 3d): what each sends, and what the real
server answers for it. A stop-charge answered CHARGING_IN_PROGRESS did not
take (RETRY_LATER, so `abort_with` propagates it instead of raising
AlreadyDone); a start-charge answered the same is done."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
import requests
import smartcar
import smartcar.config

from http_origin import Origin
from server import Server
from vehicle_error_interpreter import (
    AlreadyDone,
    AsyncClient,
    Client,
    abort_with,
    interpret_request,
    smartcar_request,
)
from vehicle_error_interpreter.http_response import ResponseParts
from vehicle_errors.v1 import interpreter_pb2 as pb

CHARGING = '{"type":"VEHICLE_STATE","code":"CHARGING_IN_PROGRESS","statusCode":409}'
STOP, START, READ = pb.OPERATION_STOP_CHARGE, pb.OPERATION_START_CHARGE, pb.OPERATION_READ


def test_builders_carry_the_operation() -> None:
    assert interpret_request(CHARGING, operation=STOP).operation == STOP
    assert interpret_request(code="NOT_CHARGING", operation=READ).operation == READ
    assert interpret_request(CHARGING).operation == pb.OPERATION_UNSPECIFIED
    parts = ResponseParts(status=409, body=CHARGING, retry_after="", request_id="")
    assert parts.request(operation=STOP).operation == STOP

    class Exc(Exception):
        def __init__(self) -> None:
            self.type, self.status_code, self.description, self.code = "VEHICLE_STATE", 409, "x", "CHARGING_IN_PROGRESS"

    assert smartcar_request(Exc(), operation=START).operation == START


class Recording:
    """The client's stub, recording the requests of Interpret and
    BatchInterpret before passing them on."""

    def __init__(self, stub: Any) -> None:
        self._stub = stub
        self.sent: list[Any] = []

    def Interpret(self, request: Any, **kwargs: Any) -> Any:  # noqa: N802 - the stub's name
        self.sent.append(request)
        return self._stub.Interpret(request, **kwargs)

    def BatchInterpret(self, request: Any, **kwargs: Any) -> Any:  # noqa: N802 - the stub's name
        self.sent.append(request)
        return self._stub.BatchInterpret(request, **kwargs)


CASE = "v2-charging-in-progress"


def _smartcar_charging_exception(origin: Origin) -> smartcar.SmartcarException:
    """What the vendor's SDK raises when the API answers its stop-charge
    with CHARGING_IN_PROGRESS."""
    try:
        smartcar.Vehicle(CASE, "access-token").stop_charge()
    except smartcar.SmartcarException as exc:
        return exc
    raise AssertionError("the SDK raised nothing")


@pytest.fixture(scope="module")
def origin() -> Iterator[Origin]:
    with Origin() as o:
        saved = smartcar.config.API_ORIGIN
        smartcar.config.API_ORIGIN = o.base  # read by the SDK on every call
        try:
            yield o
        finally:
            smartcar.config.API_ORIGIN = saved


def _sync_calls(client: Client, origin: Origin) -> list[pb.InterpretResponse]:
    with requests.get(origin.url(CASE), stream=True, timeout=10) as resp:
        from_http = client.interpret_http_response(resp, operation=STOP)
    exc = _smartcar_charging_exception(origin)
    plain = interpret_request(CHARGING)
    own = interpret_request(CHARGING, operation=START)
    batch = client.batch_interpret([plain, own], operation=STOP)
    # The requests passed in are not changed.
    assert plain.operation == pb.OPERATION_UNSPECIFIED and own.operation == START
    return [
        client.interpret(CHARGING, operation=STOP),
        client.interpret(code="CHARGING_IN_PROGRESS", operation=STOP),
        from_http,
        client.interpret_smartcar_exception(exc, operation=STOP),
        batch.results[0].response,
        batch.results[1].response,
    ]


async def _async_calls(client: AsyncClient, origin: Origin) -> list[pb.InterpretResponse]:
    with requests.get(origin.url(CASE), stream=True, timeout=10) as resp:
        from_http = await client.interpret_http_response(resp, operation=STOP)
    exc = await asyncio.to_thread(_smartcar_charging_exception, origin)
    batch = await client.batch_interpret(
        [interpret_request(CHARGING), interpret_request(CHARGING, operation=START)], operation=STOP
    )
    return [
        await client.interpret(CHARGING, operation=STOP),
        await client.interpret(code="CHARGING_IN_PROGRESS", operation=STOP),
        from_http,
        await client.interpret_smartcar_exception(exc, operation=STOP),
        batch.results[0].response,
        batch.results[1].response,
    ]


def _sent_operations(sent: list[Any]) -> list[int]:
    ops: list[int] = []
    for request in sent:
        if isinstance(request, pb.BatchInterpretRequest):
            ops.extend(r.operation for r in request.requests)
        else:
            ops.append(request.operation)
    return ops


def _run_sync(server: Server, origin: Origin) -> tuple[list[pb.InterpretResponse], list[Any]]:
    with Client(server.addr) as client:
        stub = Recording(client.stub)
        client.stub = stub  # type: ignore[assignment]  # a recording wrapper
        return _sync_calls(client, origin), stub.sent


def _run_async(server: Server, origin: Origin) -> tuple[list[pb.InterpretResponse], list[Any]]:
    async def main() -> tuple[list[pb.InterpretResponse], list[Any]]:
        async with AsyncClient(server.addr) as client:
            stub = Recording(client.stub)
            client.stub = stub  # type: ignore[assignment]  # a recording wrapper
            return await _async_calls(client, origin), stub.sent

    return asyncio.run(main())


RUNS: dict[str, Callable[[Server, Origin], tuple[list[pb.InterpretResponse], list[Any]]]] = {
    "Client": _run_sync,
    "AsyncClient": _run_async,
}


@pytest.mark.parametrize("kind", list(RUNS))
def test_every_method_sends_and_the_server_answers_by_operation(kind: str, server: Server, origin: Origin) -> None:
    answers, sent = RUNS[kind](server, origin)
    # In the order sent: the HTTP response; the batch (STOP for the item
    # that said nothing, its own START kept); interpret (body, code) and
    # the SDK exception.
    assert _sent_operations(sent) == [STOP, STOP, START, STOP, STOP, STOP]
    *stopped, started = answers
    for answer in stopped:
        # The stop did not take: wait and try again, never "already done".
        assert answer.reason == "VEHICLE_STATE_CHARGING_IN_PROGRESS_NOT_STOPPED", answer
        assert answer.retry_advice.strategy == pb.RETRY_STRATEGY_RETRY_LATER
        assert answer.decided_by == pb.DECISION_SOURCE_OPERATION
    assert started.retry_advice.strategy == pb.RETRY_STRATEGY_NO_RETRY_NEEDED
    assert started.decided_by == pb.DECISION_SOURCE_OPERATION


def test_abort_with_follows_the_operation(client: Client) -> None:
    """The same error: a start-charge is done (AlreadyDone), a stop-charge
    is propagated with the status its answer carries."""

    class Context:
        def abort_with_status(self, status: grpc.Status) -> None:
            raise RuntimeError(status.code)

    with pytest.raises(AlreadyDone):
        abort_with(Context(), client.interpret(CHARGING, operation=START))  # type: ignore[arg-type]
    with pytest.raises(RuntimeError) as aborted:
        abort_with(Context(), client.interpret(CHARGING, operation=STOP))  # type: ignore[arg-type]
    assert aborted.value.args[0] != grpc.StatusCode.OK


def test_interpret_payload_takes_the_operation(client: Client) -> None:
    """A v2 batch response's items take the operation; the same body's
    charge sub-error answers as the stop-charge it was."""
    body = json.dumps(
        {"responses": [{"path": "/charge", "code": 409, "headers": {}, "body": json.loads(CHARGING)}]}
    )
    answer = client.interpret_payload(body, operation=STOP)
    assert answer.payload_kind == pb.PAYLOAD_KIND_BATCH_RESPONSE
    (item,) = answer.items
    assert item.interpretation.reason == "VEHICLE_STATE_CHARGING_IN_PROGRESS_NOT_STOPPED"
    assert item.interpretation.decided_by == pb.DECISION_SOURCE_OPERATION


def test_async_interpret_payload_matches(server: Server, client: Client) -> None:
    body = '{"responses":[{"path":"/charge","code":409,"headers":{},"body":' + CHARGING + "}]}"

    async def main() -> pb.InterpretPayloadResponse:
        async with AsyncClient(server.addr) as aclient:
            return await aclient.interpret_payload(body, ["Charge.IsCharging"], operation=START)

    got = asyncio.run(main())
    assert got == client.interpret_payload(body, ["Charge.IsCharging"], operation=START)
