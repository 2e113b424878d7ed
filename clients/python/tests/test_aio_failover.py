"""`AsyncClient` over two backends: round_robin, a backend stopped under
load (SIGTERM), and a frozen one (SIGSTOP); tests/test_balancing.py and
tests/test_frozen.py for asyncio, with the same bounds. The only sleep is
the freeze itself; phases end on call counts."""

from __future__ import annotations

import asyncio
import time

import grpc

from aio_backends import Call, two_backends, until_both_answer
from test_frozen import BACK_WITHIN, BEFORE_FREEZE, CALLERS, FREEZE, MAX_CALL, MIN_DURING
from vehicle_error_interpreter import DEFAULT_TIMEOUT

BALANCE_CALLERS, PER_PHASE = 4, 50


def test_round_robin_spreads_calls_and_stopping_a_backend_loses_none() -> None:
    async def main() -> None:
        async with two_backends() as (a, _, call):
            await until_both_answer(call)
            spread = [await call() for _ in range(20)]
            assert spread.count("backend-a") == spread.count("backend-b") == 10

            failures: list[grpc.aio.AioRpcError] = []
            after: list[str] = []
            stopped = asyncio.Event()
            warm = 0
            all_warm = asyncio.Event()

            async def caller() -> None:
                nonlocal warm
                done_after = 0
                for i in range(10_000):
                    if done_after == PER_PHASE:
                        return
                    if i == PER_PHASE:
                        warm += 1
                        if warm == BALANCE_CALLERS:
                            all_warm.set()
                    is_after = stopped.is_set()
                    try:
                        name = await call()
                    except grpc.aio.AioRpcError as err:
                        failures.append(err)
                    else:
                        if is_after:
                            after.append(name)
                    done_after += is_after

            tasks = [asyncio.create_task(caller()) for _ in range(BALANCE_CALLERS)]
            await asyncio.wait_for(all_warm.wait(), 30)
            a.terminate()
            assert await asyncio.to_thread(a.wait, 30) == 0
            stopped.set()
            await asyncio.wait_for(asyncio.gather(*tasks), 30)
            assert not failures, f"{len(failures)} calls failed; first: {failures[0]}"
            assert after == ["backend-b"] * (BALANCE_CALLERS * PER_PHASE)

    asyncio.run(main())


# Was off by default: in 2 of 23 runs one call failed UNAVAILABLE "Stream
# removed (ping timeout)" without being retried. That call had already
# received its response headers from the replica frozen right after
# sending them, and gRFC A6 commits a call on its headers, so no retry
# policy retries it (tests/test_retry_committed.py reproduces it
# deterministically). Both clients now add one attempt for UNAVAILABLE
# (vehicle_error_interpreter.retry).
def test_frozen_replica_loses_no_call_and_comes_back() -> None:
    async def main() -> None:
        async with two_backends() as (a, b, call):
            await until_both_answer(call)
            before, frozen, resumed = 0, 1, 2
            phase = before
            completed = 0
            slowest = 0.0
            failures: list[grpc.aio.AioRpcError] = []
            by_phase: list[dict[str, int]] = [{}, {}, {}]
            warm, back, stop = asyncio.Event(), asyncio.Event(), asyncio.Event()

            async def caller(call: Call) -> None:
                nonlocal completed, slowest
                while not stop.is_set():
                    p = phase
                    start = time.monotonic()
                    try:
                        name = await call()
                    except grpc.aio.AioRpcError as err:
                        name = ""
                        failures.append(err)
                    slowest = max(slowest, time.monotonic() - start)
                    if name:
                        by_phase[p][name] = by_phase[p].get(name, 0) + 1
                        if p == resumed and name == "backend-a":
                            back.set()
                    completed += 1
                    if completed == BEFORE_FREEZE:
                        warm.set()

            tasks = [asyncio.create_task(caller(call)) for _ in range(CALLERS)]
            try:
                await asyncio.wait_for(warm.wait(), 30)
                a_before = await asyncio.to_thread(a.handled, "Interpret")
                b_before = await asyncio.to_thread(b.handled, "Interpret")
                # pause() waits (bounded) for every thread of a to stop: in a
                # thread, so the callers go on meanwhile.
                await asyncio.to_thread(a.pause)
                phase = frozen
                await asyncio.sleep(FREEZE)  # the deliberate freeze
                frozen_on_b = by_phase[frozen].get("backend-b", 0)
                b_during = await asyncio.to_thread(b.handled, "Interpret") - b_before
                a.resume()
                phase = resumed
                try:
                    await asyncio.wait_for(back.wait(), BACK_WITHIN)
                except asyncio.TimeoutError:
                    pass  # asserted below, with the counts
            finally:
                a.resume()
                stop.set()
                await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)
            a_after = await asyncio.to_thread(a.handled, "Interpret")

            print(f"calls by phase {by_phase}; slowest {slowest:.3f}s; failed {len(failures)}")
            assert not failures, f"{len(failures)} calls failed; first: {failures[0]}"
            assert slowest < MAX_CALL, f"slowest call {slowest:.3f}s (deadline {DEFAULT_TIMEOUT}s)"
            assert frozen_on_b >= MIN_DURING and b_during >= frozen_on_b, (frozen_on_b, b_during)
            back_on_a = by_phase[resumed].get("backend-a", 0)
            assert back_on_a > 0 and a_after - a_before >= back_on_a, (by_phase[resumed], a_before, a_after)

    asyncio.run(main())
