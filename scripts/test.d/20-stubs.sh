#!/usr/bin/env bash
# Stub freshness: regenerate every client stub with the pinned generators
# (scripts/gen-clients.sh) and fail if that changed anything under clients/,
# or left a file git does not know. A failure leaves the regenerated stubs
# in the tree: review them and commit.
set -euo pipefail
cd "$(dirname "$0")/../.."

scripts/gen-clients.sh

status=0
if ! git diff --exit-code --stat -- clients/; then
  echo "stale client stubs: run scripts/gen-clients.sh and commit the result"
  status=1
fi
untracked=$(git ls-files --others --exclude-standard -- clients/)
if [ -n "$untracked" ]; then
  printf 'untracked files under clients/ (generated but not committed?):\n%s\n' "$untracked"
  status=1
fi
exit "$status"
