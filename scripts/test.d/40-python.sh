#!/usr/bin/env bash
# Python client: type-check it (mypy), build the package's wheel, install it (no dependencies: the
# venv has them) into a throwaway directory, and run pytest against that
# install, not the source tree, so a packaging mistake fails here. The tests
# start the real server binary; they cover every RPC, rich errors
# (grpcio-status), health (grpcio-health-checking), reflection
# (grpcio-reflection, v1alpha), round_robin over two servers, abort_with /
# abort_with_async through toy services behind a retrying caller, the
# example script, the README's programs, and the channel options against the
# Go client's defaults (same retry policy, only documented differences).
set -euo pipefail
cd "$(dirname "$0")/../.."
VEI_SERVER_BIN=$(scripts/lib/server.sh)
export VEI_SERVER_BIN

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Build from a copy: setuptools writes build/ and *.egg-info next to the
# sources, and clients/ must stay clean for the stub-freshness stage.
cp -r clients/python "$work/src"
rm -rf "$work/src/gen/__pycache__" "$work/src/tests/__pycache__"
python -m pip wheel --quiet --disable-pip-version-check --no-deps \
  --no-build-isolation --wheel-dir "$work/dist" "$work/src"
python -m pip install --quiet --disable-pip-version-check --no-deps \
  --target "$work/site" "$work"/dist/*.whl

# The runtime pins must be what the venv (requirements-dev.txt) tests with.
while IFS= read -r pin; do
  grep -qixF "$pin" clients/python/requirements-dev.txt \
    || { echo "clients/python/requirements.txt pins $pin; requirements-dev.txt does not"; exit 1; }
done < <(grep -E '^[A-Za-z]' clients/python/requirements.txt)

cd clients/python
python -m mypy --cache-dir=/dev/null src examples tests   # config: pyproject.toml
PYTHONPATH="$work/site" python -m pytest -q -p no:cacheprovider tests
