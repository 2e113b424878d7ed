#!/usr/bin/env bash
# The crate's shape (issue 21): no import cycle between sibling modules, a
# thin main.rs, no oversized file, gRPC codes named (scripts/check-shape.py),
# and no function over clippy's 100-line threshold in the library or binary
# (tests are exempt: a table of cases may be long).
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 scripts/check-shape.py
cargo clippy --locked --lib --bins -- -W clippy::too_many_lines -D warnings
