#!/usr/bin/env bash
# The API's proto: `buf lint` (STANDARD + COMMENTS, buf.yaml) and
# `buf breaking` (FILE rules) against two references:
#
# 1. proto/v1-baseline.binpb, the image of the proto as v1 was frozen (the
#    one planned break of the API before its release; CHANGELOG.md). From
#    there v1 only grows: nothing a client compiled against the baseline
#    may break, on any branch, in any clone (the image is checked in, so a
#    shallow clone checks it too).
# 2. The previous commit (HEAD~1), so that something added after the
#    baseline cannot be taken away again either. Skipped, with a notice,
#    in the commit that moves the baseline (that commit is the planned
#    break) and when there is no HEAD~1 (a first commit, or a shallow clone;
#    `git fetch --deepen=1` restores it). `subdir=proto` because older
#    commits have no buf.yaml: it makes proto/ the module root on both sides.
#
# To refresh the baseline (only for a new major version's planned break):
#   buf build --exclude-source-info -o proto/v1-baseline.binpb
set -euo pipefail
cd "$(dirname "$0")/../.."

buf lint
echo "buf lint: clean"

baseline=proto/v1-baseline.binpb
buf breaking --against "$baseline"
echo "buf breaking: no breaking change against $baseline"

if ! git rev-parse --verify --quiet 'HEAD~1^{commit}' >/dev/null; then
  echo "buf breaking: HEAD~1 skipped: no previous commit here (shallow clone or first commit)"
elif ! git diff --quiet 'HEAD~1' HEAD -- "$baseline"; then
  echo "buf breaking: HEAD~1 skipped: this commit moves the baseline (a planned break, see CHANGELOG.md)"
else
  buf breaking --against '.git#ref=HEAD~1,subdir=proto'
  echo "buf breaking: no breaking change against HEAD~1 ($(git rev-parse --short HEAD~1))"
fi
