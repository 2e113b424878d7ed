#!/usr/bin/env bash
# A 5-second soak (scripts/soak) on the debug build that stage 10 already
# compiled: no failed call, flat RSS, clean exit on SIGTERM. The full
# 60-second soak on the release build is run by hand; its result is in
# docs/reliability.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
exec ./scripts/soak --profile dev --duration 5 --settle 1 --rate 200
