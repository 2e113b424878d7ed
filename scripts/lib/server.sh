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
