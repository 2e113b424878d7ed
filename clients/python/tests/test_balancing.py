"""round_robin across two server processes, one stopped mid-traffic."""

from __future__ import annotations

import threading
import time

import grpc

from server import Server
from vehicle_error_interpreter import Client

CALLERS, PER_PHASE = 4, 50


def test_round_robin_spreads_calls_and_stopping_a_backend_loses_none() -> None:
    # Each backend renders a different default app name, so a reply says
    # which backend answered. The ipv4: target lists both addresses, as a
    # headless Service's DNS name does.
    with (
        Server("--default-app-name", "backend-a") as a,
        Server("--default-app-name", "backend-b") as b,
        # Both addresses in the target would make the default :authority
        # "host:port,host:port", which the server rejects (PROTOCOL_ERROR);
        # a DNS target has a proper one.
        Client(
            f"ipv4:{a.addr},{b.addr}",
            options=[("grpc.default_authority", "vehicle-error-interpreter")],
        ) as client,
    ):

        def call() -> str:
            # ASLEEP's user message holds <app name>; with no app_name the
            # backend's default fills it.
            message = client.interpret(code="ASLEEP").user_message
            return next(n for n in ("backend-a", "backend-b") if n in message)

        # Until both subchannels are ready round_robin uses the ready one:
        # call until both answered (bounded), then the spread must be even.
        seen: set[str] = set()
        deadline = time.monotonic() + 10
        while seen != {"backend-a", "backend-b"}:
            assert time.monotonic() < deadline, f"only {seen} answered within 10s"
            seen.add(call())
        spread = [call() for _ in range(20)]
        assert spread.count("backend-a") == spread.count("backend-b") == 10

        # Callers keep calling while backend a is stopped: SIGTERM goes out
        # once each made PER_PHASE calls, and each makes PER_PHASE more
        # after a has exited. No call may fail; afterwards all go to b.
        lock = threading.Lock()
        failures: list[grpc.RpcError] = []
        after: list[str] = []
        warm = threading.Barrier(CALLERS + 1)
        stopped = threading.Event()

        def caller() -> None:
            i = done_after = 0
            while done_after < PER_PHASE:
                if i == PER_PHASE:
                    warm.wait(timeout=30)
                is_after = stopped.is_set()
                try:
                    name = call()
                except grpc.RpcError as err:
                    with lock:
                        failures.append(err)
                else:
                    if is_after:
                        with lock:
                            after.append(name)
                i += 1
                done_after += is_after

        threads = [threading.Thread(target=caller) for _ in range(CALLERS)]
        for t in threads:
            t.start()
        warm.wait(timeout=30)
        a.terminate()
        assert a.wait(timeout=30) == 0
        stopped.set()
        for t in threads:
            t.join(timeout=30)
        assert not failures, f"{len(failures)} calls failed; first: {failures[0]}"
        assert after == ["backend-b"] * (CALLERS * PER_PHASE)
