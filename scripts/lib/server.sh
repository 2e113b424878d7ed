#!/usr/bin/env bash
# The server binary for client test stages, and a way to run it on a free port.
#
# Run it to build the debug binary (if needed) and print its path:
#     bin=$(scripts/lib/server.sh)
# Go and Python tests do this themselves unless VEI_SERVER_BIN is set.
#
# Or source it for stage helpers:
#     source scripts/lib/server.sh
#     server_start NAME [ARGS...]   # start; sets NAME_PID, NAME_ADDR, NAME_LOG
#     server_stop NAME              # SIGTERM, then wait (bounded) for exit 0
# server_start takes the port from the binary's "serving" log line (it binds
# 127.0.0.1:0), so there are no fixed ports; every wait polls a condition
# with a bound.

# Build quietly (cargo's own output goes to stderr) and print the binary's
# path, wherever CARGO_TARGET_DIR puts it.
server_bin() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
  (cd "$root" && cargo build --locked --quiet --bin vehicle-error-interpreter \
    --message-format=json-render-diagnostics) |
    sed -n 's/.*"executable":"\([^"]*\/vehicle-error-interpreter\)".*/\1/p' | tail -n 1
}

server_start() {
  local name=$1; shift
  local bin=${VEI_SERVER_BIN:-}
  if [ -z "$bin" ]; then
    bin=$(server_bin) && [ -x "$bin" ] || { echo "server.sh: building the server failed" >&2; return 1; }
    export VEI_SERVER_BIN=$bin
  fi
  local log pid addr=""
  log=$(mktemp "${TMPDIR:-/tmp}/vei-$name.XXXXXX.log")
  "$bin" --listen-addr 127.0.0.1:0 --log-format json "$@" 2>"$log" >/dev/null &
  pid=$!
  # Poll the log for the "serving" line: bounded (10 s), and it stops
  # early if the process dies.
  local deadline=$((SECONDS + 10))
  while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$pid" 2>/dev/null; do
    addr=$(sed -n 's/.*"message":"serving".*"addr":"\([^"]*\)".*/\1/p' "$log" | head -n 1)
    [ -n "$addr" ] && break
    sleep 0.05   # poll interval, not synchronisation: the loop checks the log
  done
  if [ -z "$addr" ]; then
    echo "server.sh: $name did not report serving within 10 s; log:" >&2
    cat "$log" >&2
    kill "$pid" 2>/dev/null
    return 1
  fi
  printf -v "${name}_PID" '%s' "$pid"
  printf -v "${name}_ADDR" '%s' "$addr"
  printf -v "${name}_LOG" '%s' "$log"
}

# SIGTERM, then wait up to 30 s for the process to exit; fails unless it
# exits 0.
server_stop() {
  local name=$1 pid_var="${1}_PID"
  local pid=${!pid_var:-}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "server.sh: $name did not exit within 30 s of SIGTERM" >&2
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 1
  fi
  local rc=0
  wait "$pid" || rc=$?
  printf -v "${name}_PID" '%s' ""
  [ "$rc" -eq 0 ] || { echo "server.sh: $name exited $rc after SIGTERM" >&2; return 1; }
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  bin=$(server_bin)
  [ -x "$bin" ] || { echo "server.sh: building the server failed" >&2; exit 1; }
  echo "$bin"
fi
