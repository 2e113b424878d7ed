"""The real server binary on a free port, for the tests.

The port comes from the binary's "serving" log line (it binds 127.0.0.1:0),
so there are no fixed ports and no sleeps; every wait is bounded.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.request
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

#: Seconds to wait for "serving"; the server is ready within milliseconds,
#: the rest is headroom for a loaded CI machine.
START_TIMEOUT = 15.0


@cache
def binary() -> str:
    """$VEI_SERVER_BIN (set by the test stages), else what
    scripts/lib/server.sh builds."""
    path = os.environ.get("VEI_SERVER_BIN") or subprocess.run(
        ["bash", str(REPO / "scripts/lib/server.sh")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not path:
        raise RuntimeError("no server binary: set VEI_SERVER_BIN")
    return path


class Server:
    """One server process; use as a context manager (kills it on exit)."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [binary(), "--listen-addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--log-format", "json", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.addr = ""
        #: host:port of its Prometheus endpoint (GET /metrics).
        self.metrics_addr = ""
        self._serving = threading.Event()
        # Read the whole log, so the server never blocks on a full pipe.
        threading.Thread(target=self._read_log, daemon=True).start()
        if not self._serving.wait(START_TIMEOUT) or not self.addr:
            self.kill()
            raise RuntimeError(f"server did not report serving within {START_TIMEOUT}s")

    def _read_log(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            try:
                log = json.loads(line)
            except ValueError:
                continue
            if log.get("message") == "serving metrics":  # logged before "serving"
                self.metrics_addr = log["addr"]
            if log.get("message") == "serving":
                self.addr = log["addr"]
                self._serving.set()
        self._serving.set()  # exited: stop waiting

    def handled(self, method: str, code: str = "OK") -> int:
        """The server's grpc_server_handled_total for `method` (such as
        "Interpret") and `code`, from its metrics endpoint."""
        return self.handled_codes(method).get(code, 0)

    def handled_codes(self, method: str) -> dict[str, int]:
        """The server's grpc_server_handled_total for `method`, by code
        (codes never counted are absent)."""
        with urllib.request.urlopen(f"http://{self.metrics_addr}/metrics", timeout=10) as resp:
            text = resp.read().decode()
        totals: dict[str, float] = {}
        for labels, value in re.findall(r"^grpc_server_handled_total\{([^}]*)\} (\S+)$", text, re.M):
            fields = dict(re.findall(r'(\w+)="([^"]*)"', labels))
            if fields.get("grpc_method") == method:
                code = fields.get("grpc_code", "")
                totals[code] = totals.get(code, 0.0) + float(value)
        return {code: int(n) for code, n in totals.items() if n}

    def terminate(self) -> None:
        """Sends SIGTERM, as the kubelet does."""
        self.proc.send_signal(signal.SIGTERM)

    def pause(self) -> None:
        """Stops the process (SIGSTOP) and waits (bounded) until every
        thread is stopped: kill(2) returns before that, and a thread still
        running could answer a call. Linux only (/proc). `resume()` undoes
        it."""
        self.proc.send_signal(signal.SIGSTOP)
        deadline = time.monotonic() + 5
        while not _all_threads_stopped(self.proc.pid):
            if time.monotonic() > deadline:
                raise RuntimeError("server threads did not stop within 5s of SIGSTOP")
            time.sleep(0.001)  # poll interval; the loop checks /proc

    def resume(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def wait(self, timeout: float) -> int:
        """Waits (bounded) for the process to exit; returns its status."""
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


def _all_threads_stopped(pid: int) -> bool:
    """Whether every thread of pid is in state T ("pid (comm) T ...")."""
    stats = list(Path(f"/proc/{pid}/task").glob("*/stat"))
    try:
        return bool(stats) and all(
            p.read_text().rpartition(")")[2].split()[0] == "T" for p in stats
        )
    except (OSError, IndexError):
        return False
