"""Every RPC through `AsyncClient` against the real server: the same
answers as `Client` (tests/test_api.py), awaited."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import grpc
import pytest

from server import Server
from vehicle_error_interpreter import AsyncClient, Client, error_details, interpret_request
from vehicle_errors.v1 import interpreter_pb2 as pb


def run(server: Server, body: Callable[[AsyncClient], Awaitable[None]]) -> None:
    """Runs body with an AsyncClient created inside the running loop."""

    async def main() -> None:
        async with AsyncClient(server.addr) as client:
            await body(client)

    asyncio.run(main())


def test_interpret_body_and_code_like_the_sync_client(
    server: Server, client: Client, seed_body: Callable[[str], str]
) -> None:
    body = seed_body("DOOR_OPEN")

    async def calls(aclient: AsyncClient) -> None:
        got = await aclient.interpret(body, app_name="My App", locale="fr-CA", view=pb.INTERPRETATION_VIEW_FULL)
        assert got == client.interpret(body, app_name="My App", locale="fr-CA", view=pb.INTERPRETATION_VIEW_FULL)
        coded = await aclient.interpret(
            code="in_motion", app_name="My App", metadata=[("x-test", "1")], wait_for_ready=True
        )
        assert coded.reason == "VEHICLE_STATE_IN_MOTION" and "My App" in coded.user_message
        assert coded.retry_advice.suggested_delay.ToSeconds() == 600

    run(server, calls)


def test_batch_get_list_and_health(server: Server, client: Client, seed_body: Callable[[str], str]) -> None:
    async def calls(aclient: AsyncClient) -> None:
        batch = await aclient.batch_interpret(
            [interpret_request(seed_body("ASLEEP")), interpret_request("not json")]
        )
        ok, bad = batch.results
        assert ok.response.catalog_code == "ASLEEP" and bad.WhichOneof("result") == "error"
        assert (await aclient.get_vehicle_state_error("vs_001")).code == "DOOR_OPEN"
        everything = await aclient.list_vehicle_state_errors()
        assert everything == client.list_vehicle_state_errors() and len(everything) > 10
        closures = await aclient.list_vehicle_state_errors(category=pb.CATEGORY_CLOSURE)
        assert closures and all(e.category == pb.CATEGORY_CLOSURE for e in closures)
        assert await aclient.check_health() == "SERVING"
        assert await aclient.check_health("vehicle_errors.v1.InterpreterService") == "SERVING"

    run(server, calls)


def test_errors_carry_the_same_details(server: Server) -> None:
    async def calls(aclient: AsyncClient) -> None:
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await aclient.get_vehicle_state_error("NOPE")
        info = error_details(raised.value).error_info
        assert raised.value.code() == grpc.StatusCode.NOT_FOUND
        assert info is not None and (info.reason, info.metadata["code"]) == ("UNKNOWN_CODE", "NOPE")
        with pytest.raises(grpc.aio.AioRpcError) as bad:
            await aclient.interpret("<html>Bad Gateway</html>")
        details = error_details(bad.value)
        assert details.bad_request is not None
        assert details.bad_request.field_violations[0].field == "body"

    run(server, calls)


def test_many_concurrent_calls_on_one_channel(server: Server) -> None:
    async def calls(aclient: AsyncClient) -> None:
        answers = await asyncio.gather(*(aclient.interpret(code="ASLEEP") for _ in range(200)))
        assert {a.reason for a in answers} == {"VEHICLE_STATE_ASLEEP"}

    run(server, calls)


def test_unreachable_target_fails_unavailable_within_the_deadline() -> None:
    async def main() -> None:
        # A port nobody listens on: refused at once, retried, then UNAVAILABLE.
        async with AsyncClient("127.0.0.1:1", timeout=3) as aclient:
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await aclient.interpret(code="ASLEEP")
            assert raised.value.code() == grpc.StatusCode.UNAVAILABLE

    asyncio.run(main())


def test_timeout_must_be_positive() -> None:
    async def main() -> None:
        with pytest.raises(ValueError):
            AsyncClient("localhost:1", timeout=0)

    asyncio.run(main())
