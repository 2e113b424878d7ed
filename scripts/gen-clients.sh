#!/usr/bin/env bash
# Regenerates every committed client stub from proto/ with the pinned
# generators, so that `git diff -- clients/` after running it shows stale
# stubs (scripts/test.d/20-stubs.sh does exactly that):
#   clients/go/gen/      protoc-gen-go + protoc-gen-go-grpc, via `buf generate`
#                        (buf.gen.yaml, local plugins)
#   clients/python/gen/  python -m grpc_tools.protoc, with --pyi_out
# google/rpc/status.proto is vendored for the server only: Go takes it from
# genproto, Python from googleapis-common-protos.
#
# Pins live where the tools are installed (scripts/install-tools.sh,
# clients/python/requirements-dev.txt); this script refuses to run with any
# other version, because the version is written into the generated files.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"
# shellcheck source=env.sh
source scripts/env.sh

die() { printf 'gen-clients: %s\n' "$*" >&2; exit 1; }
# The value of NAME=... at the top of install-tools.sh.
install_pin() { sed -n "s/^$1=\([^ ]*\).*/\1/p" scripts/install-tools.sh; }
# The version pinned as NAME==VERSION in a requirements file.
req_pin() { sed -n "s/^$2==\([^ #]*\).*/\1/p" "$1"; }

want_go=$(install_pin PROTOC_GEN_GO_VERSION)
want_go_grpc=$(install_pin PROTOC_GEN_GO_GRPC_VERSION)
want_buf=$(install_pin BUF_VERSION)
want_tools=$(req_pin clients/python/requirements-dev.txt grpcio-tools)
runtime_grpcio=$(req_pin clients/python/requirements.txt grpcio)

check() { # NAME WANT GOT
  [ -n "$2" ] || die "no pin found for $1"
  [ "$2" = "$3" ] || die "$1 is '$3', want '$2' (run scripts/install-tools.sh, then source scripts/env.sh)"
}
check protoc-gen-go "$want_go" "$(protoc-gen-go --version 2>/dev/null | awk '{print $2}')"
check protoc-gen-go-grpc "$want_go_grpc" "v$(protoc-gen-go-grpc --version 2>/dev/null | awk '{print $2}')"
check buf "$want_buf" "$(buf --version 2>/dev/null)"
check grpcio-tools "$want_tools" "$(python -c 'from importlib.metadata import version; print(version("grpcio-tools"))' 2>/dev/null)"
# Generated *_pb2_grpc.py refuses to import under an older grpcio than the
# grpcio-tools that wrote it: the runtime pin must move with the generator.
[ "$runtime_grpcio" = "$want_tools" ] \
  || die "clients/python/requirements.txt pins grpcio $runtime_grpcio but the generator is grpcio-tools $want_tools; bump both together"

# Start from empty directories, so stubs of a deleted proto disappear too.
rm -rf clients/go/gen clients/python/gen
mkdir -p clients/go/gen clients/python/gen

buf generate   # buf.gen.yaml

protos=()
while IFS= read -r f; do protos+=("$f"); done \
  < <(cd proto && find . -path ./google -prune -o -name '*.proto' -print | sed 's|^\./||' | sort)
python -m grpc_tools.protoc -Iproto \
  --python_out=clients/python/gen --pyi_out=clients/python/gen \
  --grpc_python_out=clients/python/gen "${protos[@]}"

echo "gen-clients: regenerated clients/go/gen and clients/python/gen from ${#protos[@]} proto file(s)"
