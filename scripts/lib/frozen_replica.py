"""Driver of scripts/frozen-replica (read that script's header first).

One run: two real servers (backend-a, backend-b), each behind a relay that
timestamps every HEADERS frame (a call attempt) sent to it; a load program
(Go or Python, the client package's defaults) calls both for WARM + FREEZE
+ AFTER seconds; backend-a gets SIGSTOP after WARM seconds and SIGCONT
FREEZE seconds later. Per run it prints one JSON line; at the end one
summary line per language.

Why a relay: a stopped process cannot timestamp anything, so when the
frozen replica stopped receiving calls is read in front of it, from the
attempts sent to its socket (the kernel queues them while it is stopped).
Its metrics (grpc_server_handled_total, scraped before and after) give the
totals per replica.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The Python tests' server helper: the binary ($VEI_SERVER_BIN) on free
# ports, its log read for the addresses, its metrics scraped.
sys.path.insert(0, str(REPO / "clients/python/tests"))
from server import Server  # noqa: E402
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
HEADERS = 0x1


@dataclass
class Relay:
    """Forwards TCP to `upstream`, recording the time of each HEADERS frame
    the client sends (HTTP/2 prior knowledge: preface, then frames)."""

    upstream: tuple[str, int]
    port: int = 0
    headers: list[float] = field(default_factory=list)

    async def start(self) -> None:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]

    async def _serve(self, cr: asyncio.StreamReader, cw: asyncio.StreamWriter) -> None:
        try:
            ur, uw = await asyncio.open_connection(*self.upstream)
        except OSError:
            cw.close()
            return
        await asyncio.gather(self._pump(cr, uw, parse=True), self._pump(ur, cw, parse=False))

    async def _pump(self, r: asyncio.StreamReader, w: asyncio.StreamWriter, parse: bool) -> None:
        pending = bytearray()
        preface = len(PREFACE) if parse else 0
        skip = 0
        try:
            while data := await r.read(65536):
                w.write(data)
                if parse:
                    now = time.time()
                    pending += data
                    if preface:
                        n = min(preface, len(pending))
                        del pending[:n]
                        preface -= n
                    while True:
                        if skip:
                            n = min(skip, len(pending))
                            del pending[:n]
                            skip -= n
                        if skip or len(pending) < 9:
                            break
                        length = int.from_bytes(pending[:3], "big")
                        if pending[3] == HEADERS:
                            self.headers.append(now)
                        del pending[:9]
                        skip = length
                await w.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            w.close()


def load_command(lang: str, addrs: str, out: str, duration: float, extra: list[str]) -> list[str]:
    if lang == "go":
        return [os.environ["FROZENLOAD_BIN"], "-addrs", addrs, "-out", out,
                "-duration", f"{duration}s", *extra]
    return [sys.executable, str(REPO / "clients/python/tests/frozen_load.py"),
            "--addrs", addrs, "--out", out, "--duration", str(duration), *extra]


def one_run(lang: str, args: argparse.Namespace, loop: asyncio.AbstractEventLoop) -> dict:
    a, b = Server("--default-app-name", "backend-a"), Server("--default-app-name", "backend-b")
    try:
        relays = []
        for s in (a, b):
            host, port = s.addr.rsplit(":", 1)
            relay = Relay((host, int(port)))
            asyncio.run_coroutine_threadsafe(relay.start(), loop).result(10)
            relays.append(relay)
        out = f"{args.workdir}/{lang}-calls.txt"
        addrs = ",".join(f"127.0.0.1:{r.port}" for r in relays)
        before = {"a": a.handled_codes("Interpret"), "b": b.handled_codes("Interpret")}
        load = subprocess.Popen(load_command(lang, addrs, out, args.warm + args.freeze + args.after, args.extra))
        time.sleep(args.warm)
        a.proc.send_signal(signal.SIGSTOP)
        stopped = time.time()
        time.sleep(args.freeze)
        a.proc.send_signal(signal.SIGCONT)
        resumed = time.time()
        if load.wait(args.warm + args.freeze + args.after + 60) != 0:
            raise RuntimeError(f"{lang} load exited {load.returncode}")
        after = {"a": a.handled_codes("Interpret"), "b": b.handled_codes("Interpret")}
    finally:
        a.kill()
        b.kill()
    calls = [(line.split(maxsplit=4) + [""])[:5] for line in Path(out).read_text().splitlines()]
    ok = [(int(s) / 1e9, int(t) / 1e9, who) for s, t, who, code, _ in calls if code == "OK"]
    failed = [code for _, _, _, code, _ in calls if code != "OK"]
    # Each failed call: start (s after SIGSTOP), duration, code, error text.
    failures = [
        {"start_s": round(int(s) / 1e9 - stopped, 3), "took_s": round(int(t) / 1e9, 3), "code": code, "error": text}
        for s, t, _, code, text in calls if code != "OK"
    ]
    frozen_headers = [t - stopped for t in relays[0].headers if stopped <= t < resumed]
    back = [s + t - resumed for s, t, who in ok if who == "backend-a" and s + t > resumed]
    return {
        "lang": lang,
        "calls": len(calls),
        "failed": len(failed),
        "failed_codes": sorted(set(failed)),
        "failures": failures[:5],
        "success_rate": (len(calls) - len(failed)) / len(calls),
        "slowest_success_s": round(max(t for _, t, _ in ok), 3),
        "calls_over_3s": sum(t > 3 for _, t, _ in ok),
        # Attempts sent to the frozen replica after SIGSTOP, and when the
        # last one was sent (s after SIGSTOP; 0 if none).
        "attempts_to_frozen": len(frozen_headers),
        "frozen_last_attempt_s": round(max(frozen_headers, default=0.0), 3),
        # Attempts in the first second after SIGSTOP, and when each was sent.
        "frozen_attempts_first_1s": sum(t < 1 for t in frozen_headers),
        "frozen_attempt_times_s": [round(t, 3) for t in sorted(frozen_headers)],
        # First answer from the frozen replica after SIGCONT (s), or null.
        "back_after_s": round(min(back), 3) if back else None,
        "answers_from_a_after_resume": len(back),
        "handled_a": {k: after["a"].get(k, 0) - before["a"].get(k, 0) for k in after["a"]},
        "handled_b": {k: after["b"].get(k, 0) - before["b"].get(k, 0) for k in after["b"]},
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--lang", action="append", choices=["go", "python"], required=True)
    p.add_argument("--runs", type=int, default=10)
    p.add_argument("--warm", type=float, default=5.0)
    p.add_argument("--freeze", type=float, default=15.0)
    p.add_argument("--after", type=float, default=8.0)
    p.add_argument("--workdir", required=True)
    p.add_argument("extra", nargs="*", help="extra flags for the load program (after --)")
    args = p.parse_args()
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    for lang in args.lang:
        runs = []
        for i in range(args.runs):
            r = one_run(lang, args, loop)
            runs.append(r)
            print(json.dumps({"run": i + 1, **r}), flush=True)
        calls = sum(r["calls"] for r in runs)
        failed = sum(r["failed"] for r in runs)
        backs = [r["back_after_s"] for r in runs]
        print(json.dumps({
            "summary": lang,
            "runs": len(runs),
            "calls": calls,
            "failed": failed,
            "success_rate_pct": round(100 * (calls - failed) / calls, 4),
            "slowest_success_s": max(r["slowest_success_s"] for r in runs),
            "calls_over_3s": sum(r["calls_over_3s"] for r in runs),
            "frozen_last_attempt_s": [r["frozen_last_attempt_s"] for r in runs],
            "attempts_to_frozen": [r["attempts_to_frozen"] for r in runs],
            "back_after_s": backs,
        }), flush=True)


if __name__ == "__main__":
    main()
