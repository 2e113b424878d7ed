#!/usr/bin/env bash
# Install, at pinned versions, every external tool the project's tests need:
#   .tools/bin/   grpcurl, grpc-health-probe, protoc-gen-go, protoc-gen-go-grpc,
#                 promtool (go install); jaeger (a Go tool of the module in
#                 scripts/tools/jaeger, whose go.sum pins its whole graph)
#                 cargo-deny, cargo-cyclonedx (cargo install --locked)
#                 buf (npm package, installed under .tools/npm, symlinked here)
#   .venv/        Python gRPC/pytest/kubernetes-validate tooling, pinned in
#                 clients/python/requirements-dev.txt
#   system        buildah, h2load and dnsmasq (Debian packages; installed only
#                 when missing)
#
# Idempotent: a tool whose pinned version is already installed is skipped, so a
# second run takes a few seconds. Works from any cwd. Exports nothing; to use the
# tools, `source scripts/env.sh`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"

# ---------------------------------------------------------------- pins
GRPCURL_VERSION=v1.9.3
GRPC_HEALTH_PROBE_VERSION=v0.4.61     # needs Go >= 1.26.0
PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2
# Prometheus 3.16.0 (its Go module is versioned v0.3xx.y for Prometheus 3.xx.y).
PROMTOOL_VERSION=v0.316.0
# Jaeger v2 (receives OTLP; scripts/test.d/70-tracing.sh, 65-image.sh). Also
# the version in scripts/tools/jaeger/go.mod: change both (`go get -tool
# github.com/jaegertracing/jaeger/cmd/jaeger@<version>` there).
JAEGER_VERSION=v1.76.0
BUF_VERSION=1.75.0
CARGO_DENY_VERSION=0.20.2
CARGO_CYCLONEDX_VERSION=0.5.9
PY_REQUIREMENTS="clients/python/requirements-dev.txt"
KUBERNETES_SCHEMA_VERSION=1.30.0      # kubernetes-validate must ship this schema
# dnsmasq-base: the dnsmasq binary without the system service the `dnsmasq`
# package would start; the image stage's DNS server on loopback.
APT_PACKAGES_FOR=(buildah:buildah h2load:nghttp2-client dnsmasq:dnsmasq-base)   # binary:package

TOOLS_DIR="$ROOT/.tools"
BIN_DIR="$TOOLS_DIR/bin"
VENV_DIR="$ROOT/.venv"

log() { printf '%-20s %s\n' "$1" "$2"; }
die() { printf 'install-tools: %s\n' "$*" >&2; exit 1; }

mkdir -p "$BIN_DIR"

# Installer output goes to .tools/install.log (one line per tool on stdout);
# on failure its tail is shown.
INSTALL_LOG="$TOOLS_DIR/install.log"
: >"$INSTALL_LOG"
quietly() {
  printf '+ %s\n' "$*" >>"$INSTALL_LOG"
  "$@" >>"$INSTALL_LOG" 2>&1 || {
    local rc=$?
    tail -n 40 "$INSTALL_LOG" >&2
    return "$rc"
  }
}

# The Go toolchain lives in /usr/local/go on these machines; find it even when
# it is not on PATH (only inside this script).
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  PATH="/usr/local/go/bin:$PATH"
fi

# ---------------------------------------------------------------- Go tools
# The module version a Go binary was built from ("" if absent / not Go).
go_built_version() {
  [ -x "$1" ] || return 0
  go version -m "$1" 2>/dev/null | awk '$1 == "mod" { print $3; exit }'
}

# go_installed BIN VERSION VERSION-FLAG [REPORTED]: built from VERSION, runs,
# and says so (prints REPORTED, by default VERSION without its "v").
go_installed() {
  [ "$(go_built_version "$1")" = "$2" ] || return 1
  "$1" "$3" 2>&1 | grep -F -- "${4:-${2#v}}" >/dev/null
}

# go_tool NAME PACKAGE VERSION VERSION-FLAG [LDFLAGS [REPORTED]]
go_tool() {
  local name=$1 pkg=$2 version=$3 flag=$4 ldflags=${5:-} reported=${6:-} bin="$BIN_DIR/$1" state
  command -v go >/dev/null 2>&1 || die "go is required to install $name"
  if go_installed "$bin" "$version" "$flag" "$reported"; then
    state="already installed"
  else
    quietly env GOBIN="$BIN_DIR" go install -ldflags="$ldflags" "$pkg@$version" \
      || die "go install $pkg@$version failed"
    go_installed "$bin" "$version" "$flag" "$reported" \
      || die "$name: '$bin $flag' does not run or does not report ${reported:-$version}"
    state="installed"
  fi
  log "$name" "$version ($state)"
}

# grpcurl and grpc-health-probe get their -version string from ldflags in
# release builds; set it the same way (else "dev build <no version set>").
go_tool grpcurl github.com/fullstorydev/grpcurl/cmd/grpcurl "$GRPCURL_VERSION" -version \
  "-X main.version=$GRPCURL_VERSION"
go_tool grpc-health-probe github.com/grpc-ecosystem/grpc-health-probe "$GRPC_HEALTH_PROBE_VERSION" -version \
  "-X main.versionTag=$GRPC_HEALTH_PROBE_VERSION"
go_tool protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go "$PROTOC_GEN_GO_VERSION" --version
go_tool protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC_VERSION" --version
# promtool checks the scrape, the alerting rules and the dashboard's PromQL
# (scripts/test.d/62-prometheus.sh). The slowest tool here: a cold build
# (module download included) took 8 min 05 s wall, 7.5 CPU-minutes, on this
# 2-core machine while other builds ran; about 4 minutes on an idle one. Its
# release builds set the version by ldflags as below (else it prints none).
promtool_release=${PROMTOOL_VERSION#v0.}                    # 316.0
promtool_release="$((${promtool_release%%.*} / 100)).$((${promtool_release%%.*} % 100)).${promtool_release#*.}"
go_tool promtool github.com/prometheus/prometheus/cmd/promtool "$PROMTOOL_VERSION" --version \
  "-X github.com/prometheus/common/version.Version=$promtool_release" "version $promtool_release"

# ---------------------------------------------------------------- cargo tools
# cargo_tool NAME VERSION VERSION-COMMAND...: `cargo install --locked
# NAME@VERSION --root .tools` unless VERSION-COMMAND prints "NAME VERSION"
# (cargo-cyclonedx, run directly, names itself cargo-cyclonedx-cyclonedx).
# Built in a target dir of their own under .tools (never the project's
# CARGO_TARGET_DIR, whose builds a tool's would mix with), shared by the
# cargo tools so the crates they have in common compile once.
cargo_tool() {
  local name=$1 version=$2 state; shift 2
  if "$@" 2>/dev/null | grep -qE "^$name(-cyclonedx)? $version\$"; then
    state="already installed"
  else
    command -v cargo >/dev/null 2>&1 || die "cargo is required to install $name"
    quietly env CARGO_TARGET_DIR="$TOOLS_DIR/cargo-target" cargo install --locked --quiet --force \
      --root "$TOOLS_DIR" "$name@$version" || die "cargo install $name@$version failed"
    "$@" 2>/dev/null | grep -qE "^$name(-cyclonedx)? $version\$" \
      || die "$name: '$*' does not report $version"
    state="installed"
  fi
  log "$name" "$version ($state)"
}
# `cargo deny check licenses bans sources` (scripts/test.d/15-deny.sh). A
# cold build took 8 min 45 s wall (220 CPU-seconds) on this 2-core machine
# beside another build; the advisory database it can also check is fetched
# at run time, which this CI cannot (docs/supply-chain.md).
cargo_tool cargo-deny "$CARGO_DENY_VERSION" "$BIN_DIR/cargo-deny" --version
# The CycloneDX SBOM of the release binary (scripts/test.d/65-image.sh). A
# cold build took 5 min 04 s wall (168 CPU-seconds), right after cargo-deny's.
cargo_tool cargo-cyclonedx "$CARGO_CYCLONEDX_VERSION" "$BIN_DIR/cargo-cyclonedx" cyclonedx --version

# ---------------------------------------------------------------- jaeger
# Built from scripts/tools/jaeger (a `go get -tool` module), so every
# dependency is the one its go.sum pins, with the version set by ldflags as
# Jaeger's release builds do (else `jaeger version` prints none). A cold
# build (empty Go build cache; modules already downloaded, ~40 s more
# when not) took 14 min 10 s wall, 7.6 CPU-minutes, on this 2-core machine
# while a cargo build ran beside it; the platform notes measured 3 min 40 s
# on an idle one. The binary is ~120 MB.
jaeger_dir="$ROOT/scripts/tools/jaeger"
jaeger_pinned="$(awk '$1 == "github.com/jaegertracing/jaeger" { print $2 }' "$jaeger_dir/go.mod")"
[ "$jaeger_pinned" = "$JAEGER_VERSION" ] \
  || die "scripts/tools/jaeger/go.mod pins jaeger $jaeger_pinned, install-tools.sh $JAEGER_VERSION"
if go_installed "$BIN_DIR/jaeger" "$JAEGER_VERSION" version; then
  state="already installed"
else
  command -v go >/dev/null 2>&1 || die "go is required to install jaeger"
  (cd "$jaeger_dir" && quietly go build -o "$BIN_DIR/jaeger" \
    -ldflags="-X github.com/jaegertracing/jaeger/internal/version.latestVersion=$JAEGER_VERSION" \
    github.com/jaegertracing/jaeger/cmd/jaeger) || die "building jaeger $JAEGER_VERSION failed"
  go_installed "$BIN_DIR/jaeger" "$JAEGER_VERSION" version \
    || die "jaeger: '$BIN_DIR/jaeger version' does not run or does not report $JAEGER_VERSION"
  state="installed"
fi
log jaeger "$JAEGER_VERSION ($state)"

# ---------------------------------------------------------------- buf (npm)
buf_version() {
  [ -x "$BIN_DIR/buf" ] || return 0
  "$BIN_DIR/buf" --version 2>/dev/null || true
}
# Point .tools/bin/buf at the native binary of the platform package npm picked
# (@bufbuild/buf-linux-x64 here): no node start-up on each call. Falls back to
# the package's node wrapper if there is none.
link_buf() {
  local target=../npm/node_modules/.bin/buf native
  [ -d "$TOOLS_DIR/npm/node_modules/@bufbuild" ] || return 0
  for native in "$TOOLS_DIR"/npm/node_modules/@bufbuild/buf-*/bin/buf; do
    if [ -x "$native" ]; then target="../${native#"$TOOLS_DIR"/}"; break; fi
  done
  [ "$(readlink "$BIN_DIR/buf" 2>/dev/null)" = "$target" ] || ln -sfn "$target" "$BIN_DIR/buf"
}
link_buf
if [ "$(buf_version)" = "$BUF_VERSION" ]; then
  state="already installed"
else
  command -v npm >/dev/null 2>&1 || die "npm is required to install buf"
  quietly npm install --prefix "$TOOLS_DIR/npm" --no-audit --no-fund --save-exact \
    --loglevel=error "@bufbuild/buf@$BUF_VERSION" \
    || die "npm install @bufbuild/buf@$BUF_VERSION failed"
  link_buf
  [ "$(buf_version)" = "$BUF_VERSION" ] || die "buf --version is not $BUF_VERSION"
  state="installed"
fi
log buf "$BUF_VERSION ($state)"

# ---------------------------------------------------------------- Python venv
# Exit 0 when every "name==version" line of the requirements file is installed
# in the venv at exactly that version.
py_pins_ok() {
  [ -x "$VENV_DIR/bin/python" ] || return 1
  "$VENV_DIR/bin/python" - "$PY_REQUIREMENTS" <<'PY' 2>/dev/null
import re, sys
from importlib import metadata
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, _, want = line.partition("==")
    if metadata.version(name.strip()) != want.strip():
        sys.exit(1)
PY
}
[ -f "$PY_REQUIREMENTS" ] || die "missing $PY_REQUIREMENTS"
if py_pins_ok; then
  state="already installed"
else
  command -v python3 >/dev/null 2>&1 || die "python3 is required"
  python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || die "python3 >= 3.10 is required (grpcio 1.85 needs it)"
  # (Re)create the venv when it is missing or its interpreter is broken.
  if ! "$VENV_DIR/bin/python" -c '' >/dev/null 2>&1; then
    quietly python3 -m venv --clear "$VENV_DIR" || die "python3 -m venv failed"
  fi
  quietly "$VENV_DIR/bin/python" -m pip install --disable-pip-version-check \
    --no-input --only-binary=:all: -r "$PY_REQUIREMENTS" \
    || die "pip install -r $PY_REQUIREMENTS failed"
  py_pins_ok || die "venv does not match $PY_REQUIREMENTS after install"
  state="installed"
fi
"$VENV_DIR/bin/kubernetes-validate" --help >/dev/null 2>&1 \
  || die "kubernetes-validate --help failed"
"$VENV_DIR/bin/python" - "$KUBERNETES_SCHEMA_VERSION" <<'PY' \
  || die "kubernetes-validate ships no schema for Kubernetes $KUBERNETES_SCHEMA_VERSION"
import sys
import kubernetes_validate.utils as u
sys.exit(sys.argv[1] not in u.all_versions())
PY
log python-venv "$(grep -Eo '^(grpcio|protobuf|pytest|kubernetes-validate)==[^ ]+' "$PY_REQUIREMENTS" | tr '\n' ' ')($(grep -c '==' "$PY_REQUIREMENTS") pins in $PY_REQUIREMENTS) ($state)"

# ---------------------------------------------------------------- Debian packages
# Installed only when the binary is missing (Debian serves only the current
# point release, so exact apt versions are not pinned).
missing=()
for pair in "${APT_PACKAGES_FOR[@]}"; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=()
  [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
  quietly "${SUDO[@]}" apt-get update -qq || die "apt-get update failed"
  quietly "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" \
    || die "apt-get install ${missing[*]} failed"
fi
for pair in "${APT_PACKAGES_FOR[@]}"; do
  bin=${pair%%:*} pkg=${pair#*:}
  case " ${missing[*]-} " in *" $pkg "*) state="installed" ;; *) state="already installed" ;; esac
  version="$("$bin" --version 2>/dev/null | head -n1)" || die "$bin --version failed"
  [ -n "$version" ] || die "$bin --version printed nothing"
  log "$bin" "$version ($pkg, $state)"
done
