"""A replica that freezes after sending a response's headers
(tests/frozen_replica.py) beside the real server: grpc-core never retries
such a call (gRFC A6 commits it on the headers), so with the retry policy
alone it fails UNAVAILABLE "Stream removed (ping timeout)" once the
keepalive closes the connection; Client and AsyncClient add one attempt
(vehicle_error_interpreter.retry) and the other replica answers it. This is
the call the async frozen-replica test lost in 2 of 23 runs."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpc
import pytest

from server import Server
from vehicle_error_interpreter import CHANNEL_OPTIONS, AsyncClient, Client
from vehicle_errors.v1 import interpreter_pb2 as pb
from vehicle_errors.v1 import interpreter_pb2_grpc as pb_grpc

REPLICA = Path(__file__).with_name("frozen_replica.py")
#: A two-address target's default :authority is rejected by the server.
AUTHORITY = [("grpc.default_authority", "vehicle-error-interpreter")]


class Frozen:
    """The stand-in replica; stopped (SIGSTOP) as soon as a call reaches it."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, str(REPLICA)], stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline().split()[1])
        self.reached = threading.Event()
        threading.Thread(target=self._freeze_on_first_call, daemon=True).start()

    def _freeze_on_first_call(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("in-call"):
                os.kill(self.proc.pid, signal.SIGSTOP)
                self.reached.set()
                return

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


@contextmanager
def replicas() -> Iterator[tuple[str, Frozen]]:
    """A target of the frozen stand-in and the real server."""
    frozen = Frozen()
    try:
        with Server() as real:
            yield f"ipv4:127.0.0.1:{frozen.port},{real.addr}", frozen
    finally:
        frozen.kill()


def _run(call: Callable[[], Any], frozen: Frozen) -> list[str]:
    """Four calls in turn, what each ended with (its reason, or its
    error); round_robin over two replicas sends at least one to the stand-in."""
    outcomes: list[str] = []
    for _ in range(4):
        try:
            outcomes.append(call().reason)
        except grpc.RpcError as err:
            outcomes.append(f"{err.code().name}: {err.details()}")
    assert frozen.reached.is_set(), "no call reached the frozen replica"
    return outcomes


def test_retry_policy_alone_loses_the_committed_call() -> None:
    """The mechanism, with the channel options of both clients and no
    interceptor: the call the stand-in answered with headers fails."""
    with replicas() as (target, frozen):
        with grpc.insecure_channel(target, options=[*CHANNEL_OPTIONS, *AUTHORITY]) as channel:
            stub = pb_grpc.InterpreterServiceStub(channel)
            request = pb.InterpretRequest(structured=pb.StructuredError(type="VEHICLE_STATE", code="ASLEEP"))
            outcomes = _run(lambda: stub.Interpret(request, timeout=5), frozen)
    print(outcomes)
    assert [o for o in outcomes if o.startswith("UNAVAILABLE")] == ["UNAVAILABLE: Stream removed (ping timeout)"]


@pytest.mark.parametrize("kind", ["Client", "AsyncClient"])
def test_clients_retry_the_committed_call_on_the_other_replica(kind: str) -> None:
    with replicas() as (target, frozen):
        if kind == "Client":
            with Client(target, options=AUTHORITY) as client:
                outcomes = _run(lambda: client.interpret(code="ASLEEP"), frozen)
        else:

            async def main() -> list[str]:
                async with AsyncClient(target, options=AUTHORITY) as aclient:
                    # The calls wait in a thread, so the loop runs the channel.
                    loop = asyncio.get_running_loop()

                    def call() -> pb.InterpretResponse:
                        return asyncio.run_coroutine_threadsafe(aclient.interpret(code="ASLEEP"), loop).result()

                    return await asyncio.to_thread(_run, call, frozen)

            outcomes = asyncio.run(main())
    print(kind, outcomes)
    assert outcomes == ["VEHICLE_STATE_ASLEEP"] * 4


def test_only_unavailable_gets_another_attempt(server: Server) -> None:
    """NOT_FOUND (and every other code) is answered as it came: one call
    reaches the server."""
    before = server.handled("GetVehicleStateError", "NOT_FOUND")
    with Client(server.addr) as client, pytest.raises(grpc.RpcError) as raised:
        client.get_vehicle_state_error("NOPE")
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert server.handled("GetVehicleStateError", "NOT_FOUND") == before + 1
