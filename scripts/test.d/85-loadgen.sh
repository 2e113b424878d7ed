#!/usr/bin/env bash
# The load generator works and finds zero errors: a few seconds of
# Interpret and Health.Check against the debug server. This proves the
# tool, not the speed (figures come from scripts/bench, never from tests).
set -euo pipefail
source scripts/lib/server.sh
cargo build --locked --quiet --example loadgen --example floor
LG="${CARGO_TARGET_DIR:-target}/debug/examples/loadgen"
REQUESTS=()
start_server "$(server_bin)"
trap 'kill "$SERVER_PID" "${REAL_PID:-}" 2>/dev/null || true; rm -f "${REQUESTS[@]}"' EXIT
# Exits non-zero if any answer had the wrong status or content.
"$LG" --addr "$SERVER_ADDR" --rpc interpret --rpc interpret-structured \
  --rpc health --concurrency 8 --connections 2 --duration 3s --warmup 0s --rounds 1 \
  --server-pid "$SERVER_PID"
# The other paths scripts/bench takes: the open loop, and a tonic client's
# own per-call writes instead of coalesced ones.
"$LG" --addr "$SERVER_ADDR" --rpc interpret \
  --concurrency 4 --connections 2 --duration 1s --warmup 0s --rounds 1 --rate 400 --write-per-call

# The floor scripts/bench measures the server against (examples/floor.rs)
# answers the load's requests with the server's bytes once it writes them
# pre-encoded, or its ratios would measure a different answer.
REQUESTS+=("$(mktemp)" "$(mktemp)")
"$LG" --rpc interpret --dump-request "${REQUESTS[0]}"
"$LG" --rpc payload --dump-request "${REQUESTS[1]}"
REAL_PID=$SERVER_PID REAL_ADDR=$SERVER_ADDR
start_server "${CARGO_TARGET_DIR:-target}/debug/examples/floor"
.venv/bin/python scripts/lib/same_answers.py "$REAL_ADDR" "$SERVER_ADDR" \
  "/vehicle_errors.v1.InterpreterService/Interpret=${REQUESTS[0]}" \
  "/vehicle_errors.v1.InterpreterService/InterpretPayload=${REQUESTS[1]}"
stop_server
SERVER_PID=$REAL_PID
stop_server
