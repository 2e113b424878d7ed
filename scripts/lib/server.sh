# shellcheck shell=bash
# start_server BINARY [ARGS...]: starts the server on 127.0.0.1:0 (metrics too) with JSON
# logs and sets SERVER_PID and SERVER_ADDR once it logs "serving". Blocks
# on the log line itself (no polling), for at most 30 s. The log keeps
# draining to $SERVER_LOG so the server never blocks on a full pipe.
start_server() {
  local binary="$1"; shift
  local fifo line
  fifo="$(mktemp -u)"
  mkfifo "$fifo"
  SERVER_LOG="$(mktemp)"
  "$binary" --listen-addr 127.0.0.1:0 --metrics-addr 127.0.0.1:0 --log-format json "$@" 2>"$fifo" &
  SERVER_PID=$!
  exec {SERVER_LOG_FD}<"$fifo"
  rm -f "$fifo"
  SERVER_ADDR=""
  while IFS= read -r -t 30 -u "$SERVER_LOG_FD" line; do
    printf '%s\n' "$line" >>"$SERVER_LOG"
    case "$line" in
      *'"message":"serving"'*)
        SERVER_ADDR="$(printf '%s' "$line" | grep -o '"addr":"[^"]*"' | cut -d'"' -f4)"
        break
        ;;
    esac
  done
  if [ -z "$SERVER_ADDR" ]; then
    echo "server did not start:" >&2
    cat "$SERVER_LOG" >&2
    return 1
  fi
  cat <&"$SERVER_LOG_FD" >>"$SERVER_LOG" &
}

# stop_server: SIGTERM, then wait for the exit status.
stop_server() {
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID"
}

# server_bin: builds the debug binary if needed (cargo's output goes to
# stderr) and prints its path, wherever CARGO_TARGET_DIR puts it. Run this
# file to do the same: `bin=$(scripts/lib/server.sh)`; the Go and Python
# client tests do that themselves unless VEI_SERVER_BIN names a binary.
server_bin() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
  (cd "$root" && cargo build --locked --quiet --bin vehicle-error-interpreter \
    --message-format=json-render-diagnostics) |
    sed -n 's/.*"executable":"\([^"]*\/vehicle-error-interpreter\)".*/\1/p' | tail -n 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  bin=$(server_bin)
  [ -x "$bin" ] || { echo "server.sh: building the server failed" >&2; exit 1; }
  echo "$bin"
fi
