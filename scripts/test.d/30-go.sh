#!/usr/bin/env bash
# Go client: gofmt, go vet, and go test against the real server binary
# (Interpret, BatchInterpret, Get/List, rich errors, health, round_robin
# over two servers, kill -9 of one of them under load, the interpret
# command, and the README's programs).
set -euo pipefail
cd "$(dirname "$0")/../.."
VEI_SERVER_BIN=$(scripts/lib/server.sh)
export VEI_SERVER_BIN
cd clients/go
unformatted=$(gofmt -l .)
[ -z "$unformatted" ] || { echo "gofmt needed: $unformatted"; exit 1; }
go mod verify >/dev/null
go vet ./...
go test -count=1 ./...
