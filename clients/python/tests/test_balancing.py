"""round_robin across two server processes, one stopped mid-traffic."""

from __future__ import annotations

import threading

import grpc

from backends import two_backends, until_both_answer

CALLERS, PER_PHASE = 4, 50


def test_round_robin_spreads_calls_and_stopping_a_backend_loses_none() -> None:
    with two_backends() as (a, _, call):
        # Then the spread must be even.
        until_both_answer(call)
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
