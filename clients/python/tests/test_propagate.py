"""`abort_with` / `abort_with_async` end to end: a toy service (a caller's own
gRPC service, sync grpcio and grpc.aio) that asks the real interpreter about
the error its upstream returned and propagates the answer, called by a
client whose retry policy retries UNAVAILABLE and RESOURCE_EXHAUSTED. The
tests count the toy's attempts and check what its caller receives."""

from __future__ import annotations

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import grpc
import grpc.aio
import pytest
from google.protobuf import duration_pb2
from google.protobuf.empty_pb2 import Empty
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from vehicle_error_interpreter import (
    PUSHBACK_TRAILER,
    AlreadyDone,
    Client,
    NoPropagationStatus,
    abort_with,
    abort_with_async,
    interpret_request,
    status_details,
)
from vehicle_errors.v1 import interpreter_pb2 as pb

TOY_SERVICE = "toy.v1.CarService"
TOY_METHOD = "/toy.v1.CarService/StartCharge"

#: The toy's caller's retry policy: UNAVAILABLE and RESOURCE_EXHAUSTED are
#: retried at once, up to 4 attempts, as many gRPC clients (and this
#: package's own Client, for UNAVAILABLE) do.
CALLER_OPTIONS = [
    (
        "grpc.service_config",
        json.dumps(
            {
                "methodConfig": [
                    {
                        "name": [{"service": TOY_SERVICE}],
                        "retryPolicy": {
                            "maxAttempts": 4,
                            "initialBackoff": "0.05s",
                            "maxBackoff": "1s",
                            "backoffMultiplier": 2,
                            "retryableStatusCodes": ["UNAVAILABLE", "RESOURCE_EXHAUSTED"],
                        },
                    }
                ]
            }
        ),
    ),
    ("grpc.enable_retries", 1),
]

RETRIED = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED)


class Toy:
    """The toy service. Its one method sends a command to the car API, which
    fails with `upstream` (or: whose interpretation is `answer`), and
    propagates the interpretation with the helper, or returns the status as
    is."""

    def __init__(
        self,
        interp: Client | None,
        upstream: pb.InterpretRequest | None = None,
        *,
        answer: pb.InterpretResponse | None = None,
        use_helper: bool = True,
        ok_if_done: bool = False,
    ) -> None:
        self.interp, self.upstream, self.answer = interp, upstream, answer
        self.use_helper, self.ok_if_done = use_helper, ok_if_done
        self.attempts = 0
        self.already_done: AlreadyDone | None = None
        self._lock = threading.Lock()

    def _interpret(self) -> pb.InterpretResponse:
        with self._lock:
            self.attempts += 1
        if self.answer is not None:
            return self.answer
        assert self.interp is not None and self.upstream is not None
        resp: pb.InterpretResponse = self.interp.stub.Interpret(self.upstream, timeout=5)
        return resp

    def start_charge(self, request: Empty, context: grpc.ServicerContext) -> Empty:
        resp = self._interpret()
        if not self.use_helper:  # what the READMEs used to say
            context.abort_with_status(rpc_status.to_status(resp.propagation_status))
        try:
            abort_with(context, resp)
        except AlreadyDone as done:
            self.already_done = done
            if self.ok_if_done:
                return Empty()  # asked to start charging, and it is
            context.abort_with_status(done.grpc_status)

    async def start_charge_async(
        self, request: Empty, context: grpc.aio.ServicerContext[Any, Any]
    ) -> Empty:
        resp = await asyncio.to_thread(self._interpret)
        if not self.use_helper:
            await context.abort_with_status(rpc_status.to_status(resp.propagation_status))
        try:
            await abort_with_async(context, resp)
        except AlreadyDone as done:
            self.already_done = done
            if self.ok_if_done:
                return Empty()
            await context.abort_with_status(done.grpc_status)


def _handler(behaviour: Any) -> grpc.GenericRpcHandler:
    return grpc.method_handlers_generic_handler(
        TOY_SERVICE,
        {
            "StartCharge": grpc.unary_unary_rpc_method_handler(
                behaviour,
                request_deserializer=Empty.FromString,
                response_serializer=Empty.SerializeToString,
            )
        },
    )


@dataclass
class Outcome:
    """What the toy's caller received."""

    code: grpc.StatusCode
    status: status_pb2.Status | None  # the google.rpc.Status, if any
    trailers: dict[str, Any]
    attempts: int


def _outcome(code: grpc.StatusCode, trailers: Any, toy: Toy) -> Outcome:
    md = {key: value for key, value in trailers or ()}
    raw = md.get("grpc-status-details-bin")
    return Outcome(code, status_pb2.Status.FromString(raw) if raw else None, md, toy.attempts)


def call_sync(toy: Toy) -> Outcome:
    """Serves `toy` on a sync grpcio server and calls it once."""
    server = grpc.server(ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((_handler(toy.start_charge),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}", options=CALLER_OPTIONS) as channel:
            method = channel.unary_unary(
                TOY_METHOD,
                request_serializer=Empty.SerializeToString,
                response_deserializer=Empty.FromString,
            )
            try:
                _, call = method.with_call(Empty(), timeout=10)
                return _outcome(grpc.StatusCode.OK, call.trailing_metadata(), toy)
            except grpc.RpcError as err:
                return _outcome(err.code(), err.trailing_metadata(), toy)
    finally:
        server.stop(None)


def call_aio(toy: Toy) -> Outcome:
    """Serves `toy` on a grpc.aio server and calls it once (grpc.aio)."""

    async def run() -> Outcome:
        server = grpc.aio.server()
        server.add_generic_rpc_handlers((_handler(toy.start_charge_async),))
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        try:
            async with grpc.aio.insecure_channel(
                f"127.0.0.1:{port}", options=CALLER_OPTIONS
            ) as channel:
                method = channel.unary_unary(
                    TOY_METHOD,
                    request_serializer=Empty.SerializeToString,
                    response_deserializer=Empty.FromString,
                )
                call = method(Empty(), timeout=10)
                try:
                    await call
                    return _outcome(grpc.StatusCode.OK, await call.trailing_metadata(), toy)
                except grpc.aio.AioRpcError as err:
                    return _outcome(err.code(), err.trailing_metadata(), toy)
        finally:
            await server.stop(None)

    return asyncio.run(run())


CALLS = {"sync": call_sync, "aio": call_aio}


@dataclass(frozen=True)
class Case:
    upstream: pb.InterpretRequest
    reason: str
    #: The code the contract (docs/design.md 5.1) gives this answer; None:
    #: whatever propagation_code says (IN_MOTION moved from UNAVAILABLE to
    #: FAILED_PRECONDITION; the test holds for both).
    code: grpc.StatusCode | None
    retry_delay: int | None  # RetryInfo seconds; None: any
    help: bool = False
    #: The answer's action_url, also the first Help link the caller
    #: receives; "" for none.
    action_url: str = ""
    #: What the answer blocks, as ErrorInfo's metadata "scope" names it:
    #: the Scope value without its SCOPE_ prefix.
    scope: str = ""


CASES = {
    "provider failure": Case(
        interpret_request('{"type":"SERVER","code":"INTERNAL","statusCode":500}'),
        "SERVER_INTERNAL",
        grpc.StatusCode.UNAVAILABLE,
        None,
        scope="CALL",
    ),
    "rate limit": Case(
        interpret_request(
            '{"type":"RATE_LIMIT","code":"VEHICLE","statusCode":429}', retry_after="120"
        ),
        "RATE_LIMIT_VEHICLE",
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        120,
        scope="VEHICLE",
    ),
    "rate limit with a link": Case(
        interpret_request(
            '{"type":"RATE_LIMIT","code":"VEHICLE","statusCode":429,'
            '"resolution":{"type":"RETRY_LATER","url":"https://connect.example/limits"}}',
            retry_after="120",
        ),
        "RATE_LIMIT_VEHICLE",
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        120,
        help=True,
        action_url="https://connect.example/limits",
        scope="VEHICLE",
    ),
    "in motion": Case(
        interpret_request('{"type":"VEHICLE_STATE","code":"IN_MOTION"}'),
        "VEHICLE_STATE_IN_MOTION",
        None,
        600,
        help=True,
        scope="VEHICLE",
    ),
}


@pytest.mark.parametrize("kind", CALLS)
@pytest.mark.parametrize("use_helper", [True, False], ids=["abort_with", "status as is"])
@pytest.mark.parametrize("name", CASES)
def test_helper_stops_retries_and_keeps_every_detail(
    client: Client, name: str, use_helper: bool, kind: str
) -> None:
    case = CASES[name]
    resp = client.stub.Interpret(case.upstream, timeout=5)
    assert resp.action_url == case.action_url
    assert pb.Scope.Name(resp.retry_advice.scope) == f"SCOPE_{case.scope}"
    code = status_details(resp.propagation_status).code
    if case.code is not None:
        assert code == case.code, f"propagation_code {code.name}, the contract says {case.code.name}"

    got = CALLS[kind](Toy(client, case.upstream, use_helper=use_helper))
    print(f"{name}, {kind}, helper {use_helper}: {got.code.name} after {got.attempts} attempt(s)")

    want_attempts = 4 if not use_helper and code in RETRIED else 1
    assert got.attempts == want_attempts
    if not use_helper:
        return
    assert got.code == code
    # The caller gets the propagation status whole, and the trailer where
    # the code is one its retry policy retries.
    assert got.status == resp.propagation_status
    assert got.trailers.get(PUSHBACK_TRAILER) == ("-1" if code in RETRIED else None)
    details = status_details(got.status)
    assert details.error_info is not None and details.error_info.reason == case.reason
    # The scope travels to the caller: what to pause.
    assert details.error_info.metadata["scope"] == case.scope
    assert details.retry_info is not None
    if case.retry_delay is not None:
        assert details.retry_info.retry_delay.ToSeconds() == case.retry_delay
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        assert details.precondition_failure is not None
        assert [v.type for v in details.precondition_failure.violations] == ["WAIT_REQUIRED"]
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        assert details.quota_failure is not None and details.quota_failure.violations
    assert details.localized_message is not None and details.localized_message.message
    if case.help:
        assert details.help is not None and details.help.links
    if case.action_url:
        # The action_url travels as the first Help link.
        assert details.help is not None and details.help.links[0].url == case.action_url


@pytest.mark.parametrize("kind", CALLS)
@pytest.mark.parametrize("ok_if_done", [True, False], ids=["turned into success", "as is"])
def test_already_done_is_raised_not_aborted(client: Client, ok_if_done: bool, kind: str) -> None:
    upstream = interpret_request('{"type":"VEHICLE_STATE","code":"FULLY_CHARGED"}')
    toy = Toy(client, upstream, ok_if_done=ok_if_done)
    got = CALLS[kind](toy)
    print(f"already done, {kind}, turned into success {ok_if_done}: {got.code.name} after {got.attempts} attempt(s)")
    assert toy.already_done is not None
    assert got.attempts == 1
    assert PUSHBACK_TRAILER not in got.trailers
    if ok_if_done:
        assert got.code == grpc.StatusCode.OK
        return
    assert got.code == grpc.StatusCode.FAILED_PRECONDITION
    assert got.status == toy.already_done.status
    details = status_details(toy.already_done.status)
    assert details.error_info is not None
    assert details.error_info.reason == "VEHICLE_STATE_FULLY_CHARGED"


def test_already_done_carries_the_status(client: Client) -> None:
    resp = client.interpret(code="CHARGING_IN_PROGRESS")

    class NoAbort:
        def abort_with_status(self, status: grpc.Status) -> None:
            raise AssertionError("aborted")

    with pytest.raises(AlreadyDone) as raised:
        abort_with(NoAbort(), resp)  # type: ignore[arg-type]
    done = raised.value
    assert done.response == resp and done.status == resp.propagation_status
    assert done.grpc_status.code == grpc.StatusCode.FAILED_PRECONDITION
    details = status_details(done.status)
    assert details.precondition_failure is not None
    assert [v.type for v in details.precondition_failure.violations] == [
        "ALREADY_IN_REQUESTED_STATE"
    ]


def _fixed_answer(code: grpc.StatusCode) -> pb.InterpretResponse:
    """An answer built as the contract (docs/design.md 5.4) describes one
    with this code."""
    status = status_pb2.Status(code=code.value[0], message="test")
    details: list[Any] = [
        error_details_pb2.ErrorInfo(reason=f"TEST_{code.name}", domain="vehicle-error-interpreter"),
        error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=120)),
        error_details_pb2.LocalizedMessage(locale="en", message="Try again later."),
    ]
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED:
        details.append(
            error_details_pb2.QuotaFailure(
                violations=[error_details_pb2.QuotaFailure.Violation(subject="RATE_LIMIT:VEHICLE")]
            )
        )
    for detail in details:
        status.details.add().Pack(detail)
    resp = pb.InterpretResponse(propagation_code=code.value[0])
    resp.retry_advice.strategy = pb.RETRY_STRATEGY_RETRY_LATER
    resp.retry_advice.action = pb.ACTION_NONE
    resp.propagation_status.CopyFrom(status)
    return resp


# The same mechanism without the real server, for the two codes the retry
# policy retries: with the helper 1 attempt and every detail; as is 4.
@pytest.mark.parametrize("kind", CALLS)
@pytest.mark.parametrize("use_helper", [True, False], ids=["abort_with", "status as is"])
@pytest.mark.parametrize("code", RETRIED, ids=lambda c: c.name)
def test_helper_stops_retries_of_fixed_answers(
    code: grpc.StatusCode, use_helper: bool, kind: str
) -> None:
    answer = _fixed_answer(code)
    got = CALLS[kind](Toy(None, answer=answer, use_helper=use_helper))
    print(f"fixed {code.name}, {kind}, helper {use_helper}: {got.code.name} after {got.attempts} attempt(s)")
    assert got.code == code
    assert got.status == answer.propagation_status
    if use_helper:
        assert got.attempts == 1
        assert got.trailers.get(PUSHBACK_TRAILER) == "-1"
    else:
        assert got.attempts == 4
        assert PUSHBACK_TRAILER not in got.trailers


def _webhook_item() -> pb.InterpretResponse:
    """An item as InterpretPayload answers a webhook delivery's: the
    propagation code kept, no propagation status."""
    resp = pb.InterpretResponse(
        reason="VEHICLE_STATE_CHARGING_IN_PROGRESS",
        propagation_code=grpc.StatusCode.FAILED_PRECONDITION.value[0],
    )
    resp.retry_advice.strategy = pb.RETRY_STRATEGY_NO_RETRY_NEEDED
    resp.retry_advice.scope = pb.SCOPE_OPERATION
    return resp


@pytest.mark.parametrize("answer", [_webhook_item(), pb.InterpretResponse()], ids=["webhook item", "empty"])
def test_an_answer_without_status_is_refused(answer: pb.InterpretResponse) -> None:
    """Refused with NoPropagationStatus (a ValueError) before the RPC is
    touched, even for NO_RETRY_NEEDED: never AlreadyDone, never success."""

    class NoAbort:
        def abort_with_status(self, status: grpc.Status) -> None:
            raise AssertionError("aborted")

    with pytest.raises(NoPropagationStatus) as raised:
        abort_with(NoAbort(), answer)  # type: ignore[arg-type]
    assert isinstance(raised.value, ValueError) and raised.value.response == answer
    assert "no propagation_status" in str(raised.value)

    class NoAbortAsync:
        async def abort_with_status(self, status: grpc.Status) -> None:
            raise AssertionError("aborted")

    with pytest.raises(NoPropagationStatus):
        asyncio.run(abort_with_async(NoAbortAsync(), answer))  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", CALLS)
def test_a_refused_answer_fails_the_callers_call_unknown(kind: str) -> None:
    """If the servicer lets NoPropagationStatus escape, its caller gets
    UNKNOWN, attempted once, without the pushback trailer."""
    got = CALLS[kind](Toy(None, answer=_webhook_item()))
    assert got.code == grpc.StatusCode.UNKNOWN
    assert got.attempts == 1
    assert PUSHBACK_TRAILER not in got.trailers
