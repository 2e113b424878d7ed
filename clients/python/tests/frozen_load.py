"""The Python side of scripts/frozen-replica: steady load on two backends
through the `Client` defaults, one line per call (not a pytest module).

It does not stop or resume anything itself: the script freezes a backend
while this runs. Each backend must run with its own --default-app-name
(backend-a, backend-b), so every answer says which one gave it.

Output (to --out): "<start unix ns> <latency ns> <backend or -> <code>
[<error text>]" per call, in completion order.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from typing import Any

import grpc

from vehicle_error_interpreter import Client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--addrs", required=True, help="host:port,host:port")
    parser.add_argument("--callers", type=int, default=8)
    parser.add_argument("--pause", type=float, default=0.01, help="seconds between one caller's calls")
    parser.add_argument("--duration", type=float, default=25.0)
    parser.add_argument("--out", required=True)
    # For measuring alternatives only; the defaults are the package's.
    parser.add_argument(
        "--options", default="[]", help="extra channel options, a JSON list of [name, value]"
    )
    args = parser.parse_args()

    options: list[tuple[str, Any]] = [("grpc.default_authority", "vehicle-error-interpreter")]
    options += [(name, value) for name, value in json.loads(args.options)]
    lock = threading.Lock()
    lines: list[str] = []
    end = time.monotonic() + args.duration

    with Client(f"ipv4:{args.addrs}", options=options) as client:

        def caller() -> None:
            while time.monotonic() < end:
                start_ns = time.time_ns()
                t0 = time.perf_counter_ns()
                backend, code, details = "-", "OK", ""
                try:
                    message = client.interpret(code="ASLEEP").user_message
                    backend = next((n for n in ("backend-a", "backend-b") if n in message), "?")
                except grpc.RpcError as err:
                    code = err.code().name
                    debug = getattr(err, "debug_error_string", lambda: "")()
                    details = " ".join(f"{err.details()} {debug}".split())
                took = time.perf_counter_ns() - t0
                with lock:
                    lines.append(f"{start_ns} {took} {backend} {code} {details}".rstrip() + "\n")
                time.sleep(args.pause)

        threads = [threading.Thread(target=caller) for _ in range(args.callers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    with open(args.out, "w") as f:
        f.writelines(lines)


if __name__ == "__main__":
    main()
