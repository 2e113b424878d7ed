"""Runs the Python blocks of README.md, so the README cannot drift from the
API."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from server import Server

README = Path(__file__).resolve().parents[1] / "README.md"
# A ```python block followed by "Output:" and a ```text block.
SNIPPET = re.compile(r"```python\n(.*?)```\n\nOutput:\n\n```text\n(.*?)```", re.S)


def test_readme_programs_print_what_the_readme_says(server: Server) -> None:
    readme = README.read_text()
    found = SNIPPET.findall(readme)
    assert len(found) >= 2 and len(found) == readme.count("```python\n")
    for program, output in found:
        # The README's localhost:50051 is this test's server.
        program = program.replace('"localhost:50051"', f'"{server.addr}"')
        run = subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout == output
