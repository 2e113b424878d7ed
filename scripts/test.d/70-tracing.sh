#!/usr/bin/env bash
# Traces end to end against a real collector: Jaeger v2 (pinned, built by
# scripts/install-tools.sh) on free ports, the server exporting to it over
# OTLP/gRPC, calls from the Go client with otelgrpc (tests/tracing/goclient,
# its own module) and from the Python client with
# opentelemetry-instrumentation-grpc; the traces are read back through
# Jaeger's query API. Then the collector is stopped: calls still succeed
# and vei_trace_spans_dropped_total rises. Logic: tests/tracing/test_tracing.py.
set -euo pipefail
cd "$(dirname "$0")/../.."

for tool in jaeger go python; do
  command -v "$tool" >/dev/null \
    || { echo "$tool missing: run scripts/install-tools.sh and source scripts/env.sh"; exit 1; }
done
VEI_SERVER_BIN=$(scripts/lib/server.sh)
VEI_JAEGER_BIN=$(command -v jaeger)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(
  cd tests/tracing/goclient
  unformatted=$(gofmt -l .)
  [ -z "$unformatted" ] || { echo "gofmt needed: $unformatted"; exit 1; }
  if ! tidy=$(go mod tidy -diff) || [ -n "$tidy" ]; then
    printf 'go mod tidy would change tests/tracing/goclient:\n%s\n' "$tidy"; exit 1
  fi
  go vet .
  go build -o "$work/goclient" .
)
VEI_TRACING_GOCLIENT="$work/goclient"
# Where the Go Interpret call's trace goes, as Jaeger returned it (set
# VEI_TRACE_SAMPLE to keep it).
VEI_TRACE_SAMPLE="${VEI_TRACE_SAMPLE:-$work/trace.json}"
export VEI_SERVER_BIN VEI_JAEGER_BIN VEI_TRACING_GOCLIENT VEI_TRACE_SAMPLE

python -m mypy --cache-dir=/dev/null --ignore-missing-imports tests/tracing
python -m pytest -q -p no:cacheprovider tests/tracing
