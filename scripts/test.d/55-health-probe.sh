#!/usr/bin/env bash
# grpc-health-probe against the real binary: exit 0 while serving (for the
# whole server and for the interpreter service), non-zero for a name the
# server does not register, and non-zero after SIGTERM while the server is
# still reachable (a 2 s --shutdown-delay keeps it answering, NOT_SERVING),
# which is what lets Kubernetes take a terminating pod out of rotation.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/server.sh

start_server "$(server_bin)" --shutdown-delay 2s
trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT

probe() { grpc-health-probe -addr "$SERVER_ADDR" -connect-timeout 5s -rpc-timeout 5s "$@"; }
expect() { # WANT-EXIT DESCRIPTION PROBE-ARGS...
  local want=$1 what=$2 rc=0 out; shift 2
  out=$(probe "$@" 2>&1) || rc=$?
  printf '%s: exit %s: %s\n' "$what" "$rc" "$out"
  [ "$rc" -eq "$want" ] || { echo "FAILED: want exit $want"; exit 1; }
}

# Exit codes (grpc-health-probe README): 0 SERVING, 3 RPC failure (such as
# NOT_FOUND for an unregistered name), 4 NOT_SERVING.
expect 0 "serving, whole server"
expect 0 "serving, interpreter service" -service vehicle_errors.v1.InterpreterService
expect 3 "unregistered name" -service no.such.Service

kill -TERM "$SERVER_PID"
# NOT_SERVING is set the moment SIGTERM is handled; poll for it (bounded
# by the 2 s lame-duck window, during which the server still answers).
deadline=$((SECONDS + 2))
while probe >/dev/null 2>&1 && [ "$SECONDS" -lt "$deadline" ]; do :; done
expect 4 "after SIGTERM, whole server"
expect 4 "after SIGTERM, interpreter service" -service vehicle_errors.v1.InterpreterService

stop_server   # and it still exits 0
echo "grpc-health-probe: SERVING before SIGTERM, NOT_SERVING after"
