#!/usr/bin/env bash
# The API's proto: `buf lint` (STANDARD + COMMENTS, buf.yaml) and
# `buf breaking` (FILE rules) against the proto of the previous commit.
#
# Why the previous commit (HEAD~1) and not main: this stage must mean the
# same thing on any branch and on main itself, where "against main" would
# compare main with itself. Every commit is checked against its parent, so a
# break cannot enter through any commit. `subdir=proto` because older
# commits have no buf.yaml: it makes proto/ the module root on both sides.
#
# When there is no previous commit to compare with (a repository with one
# commit, or a shallow clone whose HEAD~1 was not fetched), the breaking
# check is skipped with a notice instead of failing: there is nothing to
# break yet, and fetching more history needs a network CI may not have
# (`git fetch --deepen=1` restores the check). Lint still runs.
set -euo pipefail
cd "$(dirname "$0")/../.."

buf lint
echo "buf lint: clean"

if git rev-parse --verify --quiet 'HEAD~1^{commit}' >/dev/null; then
  buf breaking --against '.git#ref=HEAD~1,subdir=proto'
  echo "buf breaking: no breaking change against HEAD~1 ($(git rev-parse --short HEAD~1))"
elif [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = true ]; then
  echo "buf breaking: skipped: shallow clone without HEAD~1 (git fetch --deepen=1 to check)"
else
  echo "buf breaking: skipped: HEAD is the first commit, there is nothing to compare with"
fi
