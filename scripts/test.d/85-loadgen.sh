#!/usr/bin/env bash
# The load generator works and finds zero errors: a few seconds of
# Interpret and Health.Check against the debug server. This proves the
# tool, not the speed (figures come from scripts/bench, never from tests).
set -euo pipefail
source scripts/lib/server.sh
cargo build --locked --quiet --example loadgen
start_server "$(server_bin)"
trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT
# Exits non-zero if any answer had the wrong status or content.
"${CARGO_TARGET_DIR:-target}/debug/examples/loadgen" --addr "$SERVER_ADDR" --rpc interpret --rpc interpret-structured \
  --rpc health --concurrency 8 --connections 2 --duration 3s --warmup 0s --rounds 1 \
  --server-pid "$SERVER_PID"
# The other paths scripts/bench takes: the open loop, and a tonic client's
# own per-call writes instead of coalesced ones.
"${CARGO_TARGET_DIR:-target}/debug/examples/loadgen" --addr "$SERVER_ADDR" --rpc interpret \
  --concurrency 4 --connections 2 --duration 1s --warmup 0s --rounds 1 --rate 400 --write-per-call
stop_server
