"""A frozen replica (SIGSTOP) under load, behind the `Client` defaults.

Loose bounds, the mechanism rather than the figures (those come from
scripts/frozen-replica; docs/reliability.md, "A frozen replica"):

* no call fails, and none comes near its deadline: every call takes less
  than MAX_CALL (keepalive closes the frozen connection within about two
  seconds, and the retry policy moves its calls to the live backend);
* calls keep completing during the freeze, on b (counted on b's metrics
  endpoint as well as from the answers);
* after SIGCONT, a answers calls again (seen in the answers, and in a's own
  grpc_server_handled_total).

The only sleep is the freeze itself; the phases end on call counts.
"""

from __future__ import annotations

import threading
import time

import grpc

from backends import two_backends, until_both_answer
from vehicle_error_interpreter import DEFAULT_TIMEOUT

CALLERS = 8
BEFORE_FREEZE = 200
FREEZE = 4.0  # seconds
MAX_CALL = 3.0  # seconds; the deadline is DEFAULT_TIMEOUT (5 s)
MIN_DURING = 100  # calls answered by b during the freeze
BACK_WITHIN = 20.0  # seconds after SIGCONT for a to answer again

BEFORE, FROZEN, RESUMED = 0, 1, 2


def test_frozen_replica_loses_no_call_and_comes_back() -> None:
    with two_backends() as (a, b, call):
        until_both_answer(call)

        lock = threading.Lock()
        phase = BEFORE
        completed = 0
        slowest = 0.0
        failures: list[grpc.RpcError] = []
        by_phase: list[dict[str, int]] = [{}, {}, {}]
        warm, back, stop = threading.Event(), threading.Event(), threading.Event()

        def caller() -> None:
            nonlocal completed, slowest
            while not stop.is_set():
                p = phase
                start = time.monotonic()
                try:
                    name = call()
                except grpc.RpcError as err:
                    name = ""
                    with lock:
                        failures.append(err)
                took = time.monotonic() - start
                with lock:
                    slowest = max(slowest, took)
                    if name:
                        by_phase[p][name] = by_phase[p].get(name, 0) + 1
                        if p == RESUMED and name == "backend-a":
                            back.set()
                    completed += 1
                    if completed == BEFORE_FREEZE:
                        warm.set()

        threads = [threading.Thread(target=caller) for _ in range(CALLERS)]
        for t in threads:
            t.start()
        try:
            assert warm.wait(30), "load did not warm up within 30s"
            a_before, b_before = a.handled("Interpret"), b.handled("Interpret")
            a.pause()
            phase = FROZEN
            time.sleep(FREEZE)  # the deliberate freeze
            with lock:
                frozen_on_b = by_phase[FROZEN].get("backend-b", 0)
            b_during = b.handled("Interpret") - b_before
            a.resume()
            phase = RESUMED
            back.wait(BACK_WITHIN)
        finally:
            a.resume()
            stop.set()
            for t in threads:
                t.join(timeout=30)
        a_after = a.handled("Interpret")

        print(f"calls by phase {by_phase}; slowest {slowest:.3f}s; failed {len(failures)}; "
              f"b handled {b_during} during the freeze; a handled {a_after - a_before} from SIGSTOP on")
        assert not failures, f"{len(failures)} calls failed; first: {failures[0]}"
        assert slowest < MAX_CALL, f"slowest call {slowest:.3f}s (deadline {DEFAULT_TIMEOUT}s)"
        assert frozen_on_b >= MIN_DURING and b_during >= frozen_on_b, (
            f"during the {FREEZE}s freeze b answered {frozen_on_b} calls, its metrics count {b_during}"
        )
        back_on_a = by_phase[RESUMED].get("backend-a", 0)
        # a's own count covers at least the answers it gave after SIGCONT.
        assert back_on_a > 0 and a_after - a_before >= back_on_a, (
            f"a took no calls within {BACK_WITHIN}s of SIGCONT: {by_phase[RESUMED]}, "
            f"a's metrics {a_before} -> {a_after}"
        )
