"""A release server for the benchmark scripts (scripts/bench-moderate,
scripts/profile-owners): started on 127.0.0.1:0 with the runtime asked
for, its address read from the "serving" log line, its log drained so it
never blocks on a full pipe."""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time


class Server:
    """One server process; `name` labels it in reports (`name/runtime`)."""

    def __init__(self, name: str, binary: str, runtime: str):
        self.name = f"{name}/{runtime}" if name else runtime
        env = dict(os.environ, VEI_RUNTIME=runtime)
        self.proc = subprocess.Popen(
            [binary, "--listen-addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0",
             "--log-format", "json"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            env=env, text=True)
        self.addr = None
        deadline = time.monotonic() + 30
        for line in self.proc.stderr:  # type: ignore[union-attr]
            if '"message":"serving"' in line:
                self.addr = re.search(r'"addr":"([^"]*)"', line).group(1)  # type: ignore[union-attr]
                break
            if time.monotonic() > deadline:
                break
        if not self.addr:
            raise SystemExit(f"{self.name}: server did not start")
        # Keep draining its log, so it never blocks on a full pipe.
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()  # type: ignore[union-attr]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
