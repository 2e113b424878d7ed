"""The example script, run as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from server import Server

EXAMPLE = Path(__file__).resolve().parents[1] / "examples/interpret.py"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, timeout=60
    )


def test_example_interprets_a_body_file_and_a_code(server: Server, tmp_path: Path) -> None:
    body = tmp_path / "error.json"
    body.write_text('{"type":"VEHICLE_STATE","code":"ASLEEP","requestId":"req-1"}')
    out = run("--addr", server.addr, "--body", f"@{body}", "--app", "My App")
    assert out.returncode == 0, out.stderr
    assert "VEHICLE_STATE ASLEEP (CATEGORY_CONNECTIVITY)" in out.stdout
    assert "connect to My App" in out.stdout
    assert "request id: req-1" in out.stdout

    out = run("--addr", server.addr, "--type", "VEHICLE_STATE", "--code", "in_motion")
    assert out.returncode == 0, out.stderr
    assert "RETRY_STRATEGY_RETRY_LATER, action ACTION_NONE" in out.stdout
    assert "after 600s" in out.stdout
    assert "propagate:  FAILED_PRECONDITION" in out.stdout


def test_example_reports_a_bad_body_with_its_field(server: Server) -> None:
    out = run("--addr", server.addr, "--body", "not json")
    assert out.returncode == 1
    assert "INVALID_ARGUMENT" in out.stderr
    assert "reason: BODY_NOT_JSON" in out.stderr
    assert "field body:" in out.stderr
