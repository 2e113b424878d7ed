#!/usr/bin/env bash
# Go client: gofmt, `go mod tidy` leaves no diff, go vet, and go test
# against the real server binary
# (Interpret, BatchInterpret, Get/List, rich errors, health, round_robin
# over two servers, kill -9 of one of them under load, Propagate through a
# toy service behind a retrying caller, the interpret command, the README's
# programs and its install route), and Dial's defaults against
# interpreter/testdata/effective_config.json, which 40-python compares with
# the Python client's.
set -euo pipefail
cd "$(dirname "$0")/../.."
VEI_SERVER_BIN=$(scripts/lib/server.sh)
export VEI_SERVER_BIN
cd clients/go
unformatted=$(gofmt -l .)
[ -z "$unformatted" ] || { echo "gofmt needed: $unformatted"; exit 1; }
go mod verify >/dev/null
# go.mod and go.sum must be what `go mod tidy` writes (direct imports not
# `// indirect`, no stale go.sum lines). -diff (Go >= 1.23) changes nothing
# and prints the diff it would apply on stdout; fail on a diff or an error.
if ! tidy=$(go mod tidy -diff) || [ -n "$tidy" ]; then
  printf 'go mod tidy would change clients/go (run it there):\n%s\n' "$tidy"
  exit 1
fi
go vet ./...
go test -count=1 ./...
