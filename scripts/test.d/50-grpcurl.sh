#!/usr/bin/env bash
# grpcurl smoke test, by reflection only (no proto files), running exactly
# the commands of the README's walk-through.
#
# docs/grpcurl-walkthrough.md is the walk-through; README.md quotes it
# verbatim between <!-- grpcurl-walkthrough:start --> and
# <!-- grpcurl-walkthrough:end -->. This stage fails when the two differ,
# then runs every `grpcurl` command of the README's block against a server
# on a free port (localhost:50051 replaced by its address) and checks each
# command's exit status and output.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/server.sh

start='<!-- grpcurl-walkthrough:start -->'
end='<!-- grpcurl-walkthrough:end -->'
block=$(awk -v s="$start" -v e="$end" '$0 == e {on = 0} on {print} $0 == s {on = 1}' README.md)
[ -n "$block" ] || { echo "README.md has no grpcurl walk-through between '$start' and '$end'"; exit 1; }
if ! diff -u docs/grpcurl-walkthrough.md <(printf '%s\n' "$block"); then
  echo "README.md's grpcurl walk-through differs from docs/grpcurl-walkthrough.md (above: - doc, + README)"
  exit 1
fi

# The commands: lines starting with `grpcurl`, with `\` continuations joined.
commands=()
while IFS= read -r cmd; do commands+=("$cmd"); done < <(
  printf '%s\n' "$block" |
    awk '{ line = line $0 } /\\$/ { sub(/\\$/, "", line); next }
         { if (line ~ /^grpcurl /) print line; line = "" }')

start_server "$(server_bin)"
trap 'kill "$SERVER_PID" 2>/dev/null || true' EXIT

fail() { printf 'FAILED: %s\n  %s\n' "$1" "$2"; printf '%s\n' "$out" | head -n 40; exit 1; }
has() { grep -qF -- "$1" <<<"$out" || fail "$cmd" "output lacks: $1"; }
declare -A seen=()
for cmd in "${commands[@]}"; do
  run=${cmd//localhost:50051/$SERVER_ADDR}
  [ "$run" != "$cmd" ] || fail "$cmd" "the command does not name localhost:50051"
  rc=0
  out=$(timeout 30 bash -c "$run" 2>&1) || rc=$?
  case "$cmd" in
    *" list")
      kind=list; [ "$rc" -eq 0 ] || fail "$cmd" "exit $rc"
      [ "$out" = $'grpc.health.v1.Health\ngrpc.reflection.v1.ServerReflection\nvehicle_errors.v1.InterpreterService' ] \
        || fail "$cmd" "unexpected service list" ;;
    *" describe vehicle_errors.v1.InterpreterService")
      kind=describe; [ "$rc" -eq 0 ] || fail "$cmd" "exit $rc"
      has "vehicle_errors.v1.InterpreterService is a service:"
      has "// Interprets one error"   # the proto's comments come through reflection
      for rpc in Interpret BatchInterpret GetVehicleStateError ListVehicleStateErrors ListErrorTypes InterpretPayload; do
        has "rpc $rpc ("
      done ;;
    *"vehicle_errors.v1.InterpreterService/Interpret")
      kind=interpret; [ "$rc" -eq 0 ] || fail "$cmd" "exit $rc"
      # The -d body must be the catalog's DOOR_OPEN seed body, verbatim.
      python - "$cmd" <<'PY' || fail "$cmd" "the -d body is not the catalog's DOOR_OPEN body"
import json, shlex, sys
args = shlex.split(sys.argv[1])
request = json.loads(args[args.index("-d") + 1])
seed = next(e["body"] for e in json.load(open("catalog/vehicle_state_errors.json"))["errors"] if e["code"] == "DOOR_OPEN")
sys.exit(json.loads(request["body"]) != seed)
PY
      has '"identification": "IDENTIFICATION_EXACT_CODE"'
      has '"reason": "VEHICLE_STATE_DOOR_OPEN"'
      has '"errorCode": "DOOR_OPEN"'
      has '"category": "CATEGORY_CLOSURE"'
      has '"strategy": "RETRY_STRATEGY_RETRY_AFTER_ACTION"'
      has '"action": "ACTION_DRIVER_AT_VEHICLE"'
      has '"propagationCode": "FAILED_PRECONDITION"'
      has '"requestId": "5dea93a1-3f79-4246-90c5-89610a20471b"' ;;
    *"vehicle_errors.v1.InterpreterService/InterpretPayload")
      kind=payload; [ "$rc" -eq 0 ] || fail "$cmd" "exit $rc"
      # A real-shaped VEHICLE_ERROR delivery: a PERMISSION on the one used
      # signal decides, the COMPATIBILITY on another is not relevant.
      has '"payloadKind": "PAYLOAD_KIND_WEBHOOK"'
      has '"type": "WEBHOOK_EVENT_TYPE_VEHICLE_ERROR"'
      has '"deliveryId": "49c3f6bb"'
      has '"reason": "COMPATIBILITY_VEHICLE_NOT_CAPABLE"'
      has '"signals": ['
      has '"closure-islocked"'
      has '"relevant": true'
      has '"outcome": "VERDICT_OUTCOME_ACTION_REQUIRED"'
      has '"action": "ACTION_USER_RECONNECT"'
      has '"decidingItem": 1'
      if grep -qF '"suggestedDelay"' <<<"$out"; then fail "$cmd" "a webhook item carries a suggested delay"; fi ;;
    *"vehicle_errors.v1.InterpreterService/GetVehicleStateError")
      kind=notfound
      [ "$rc" -eq 69 ] || fail "$cmd" "exit $rc, want 69 (64 + NOT_FOUND)"
      has "Code: NotFound"
      has "type.googleapis.com/google.rpc.ErrorInfo" ;;
    *"grpc.health.v1.Health/Check")
      kind=health; [ "$rc" -eq 0 ] || fail "$cmd" "exit $rc"
      has '"status": "SERVING"' ;;
    *) fail "$cmd" "a command this stage does not know how to check" ;;
  esac
  [ -z "${seen[$kind]:-}" ] || fail "$cmd" "a second '$kind' command"
  seen[$kind]=1
  echo "ok: ${cmd:0:110}"
done
for kind in list describe interpret payload notfound health; do
  [ -n "${seen[$kind]:-}" ] || { echo "the walk-through lacks its '$kind' command"; exit 1; }
done
stop_server
echo "grpcurl walk-through: ${#commands[@]} commands as in README.md"
