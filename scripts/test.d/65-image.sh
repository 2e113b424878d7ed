#!/usr/bin/env bash
# Container image: build the Dockerfile's runtime stage with buildah, from a
# static release binary built here (the `binary` stage is replaced by a
# host directory, so nothing is pulled), then prove what the image holds:
# a non-root user, no shell, only the binary; and that the binary, run from
# the image's own filesystem as that user (chroot, no libraries around),
# serves, answers both health names SERVING, serves /metrics, and exits 0
# on SIGTERM. Also writes the binary's CycloneDX SBOM next to it
# ($CARGO_TARGET_DIR/<target>/release/vehicle-error-interpreter.cdx.json)
# and checks it.
#
# Then traces from the image: the static glibc binary has no NSS modules
# and no /etc/hosts, and a collector is reached by a Service name, which
# resolves through DNS. So the binary runs again, from the image's
# filesystem, with OTEL_EXPORTER_OTLP_ENDPOINT naming the collector by a
# short Service name (`otel-collector.observability`), an /etc/resolv.conf
# like the kubelet's (search list, ndots:5) and a DNS server on loopback:
# dnsmasq answering that name (NXDOMAIN for the rest, as cluster DNS does),
# on port 53 (resolv.conf has no port) of a random 127/8 address, so
# parallel runs do not collide; port 53 needs root, like the chroot. The
# collector is Jaeger (scripts/install-tools.sh); the stage passes when its
# query API lists the server's spans and dnsmasq saw the name.
set -euo pipefail
cd "$(dirname "$0")/../.."

for tool in buildah chroot grpc-health-probe curl cargo-cyclonedx python3 dnsmasq jaeger; do
  command -v "$tool" >/dev/null || { echo "$tool is required (scripts/install-tools.sh)"; exit 1; }
done

target="$(uname -m)-unknown-linux-gnu"
target_dir="${CARGO_TARGET_DIR:-target}"
binary="$target_dir/$target/release/vehicle-error-interpreter"

# The same command as the Dockerfile's build stage.
start=$SECONDS
RUSTFLAGS="-C target-feature=+crt-static" \
  cargo build --release --locked --target "$target" --bin vehicle-error-interpreter
echo "static release build: $((SECONDS - start))s"
if ! ldd "$binary" 2>&1 | grep -qE 'not a dynamic executable|statically linked'; then
  ldd "$binary"; echo "$binary is not static"; exit 1
fi

# The SBOM (CycloneDX 1.5 JSON) of what that binary links: cargo-cyclonedx
# reads the same Cargo.lock (--locked), target and features as the build
# above and leaves out build scripts' and proc macros' dependencies
# (--no-build-deps) and dev-dependencies, which are not in the binary.
# Why not `cargo auditable` (the list embedded in the binary, converted
# afterwards): two more tools to build and pin for the same list, and our
# binary is built here from this lock file. cargo-cyclonedx writes
# <bin>_bin.cdx.json beside Cargo.toml; it is moved next to the binary.
sbom="$target_dir/$target/release/vehicle-error-interpreter.cdx.json"
rm -f vehicle-error-interpreter_bin.cdx.json "$sbom"
trap 'rm -f vehicle-error-interpreter_bin.cdx.json' EXIT
start=$SECONDS
cargo-cyclonedx cyclonedx --quiet --format json --spec-version 1.5 --describe binaries \
  --target "$target" --no-build-deps
mv vehicle-error-interpreter_bin.cdx.json "$sbom"
# Valid JSON, a CycloneDX document for our crate, with our stack in it and
# no build-only crates.
python3 - "$sbom" <<'PY'
import json, sys
bom = json.load(open(sys.argv[1]))
assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.5", "not CycloneDX 1.5"
top = bom["metadata"]["component"]
assert (top["name"], top.get("version")) == ("vehicle-error-interpreter", "0.1.0"), top
names = {c["name"]: c.get("version") for c in bom["components"]}
for crate in ("tonic", "h2", "hyper", "prost", "rustls", "tokio"):
    assert crate in names, f"{crate} missing from the SBOM"
for crate in ("prost-build", "tonic-build", "criterion"):
    assert crate not in names, f"{crate} (build or dev only) is in the SBOM"
print(f"sbom: {sys.argv[1]}: CycloneDX {bom['specVersion']}, {top['name']} {top['version']}, "
      f"{len(names)} components (tonic {names['tonic']}, rustls {names['rustls']})")
PY
echo "sbom: $((SECONDS - start))s"

work="$(mktemp -d)"
# A private store: nothing shared with other buildah users on the machine.
bah() { buildah --root "$work/storage" --runroot "$work/run" --storage-driver vfs "$@"; }
pid=
jaeger_pid=
dns_pid=
cleanup() {
  rm -f vehicle-error-interpreter_bin.cdx.json
  [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
  [ -z "$jaeger_pid" ] || kill "$jaeger_pid" 2>/dev/null || true
  [ -z "$dns_pid" ] || kill "$dns_pid" 2>/dev/null || true
  bah rm --all >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir "$work/binary"
cp "$binary" "$work/binary/vehicle-error-interpreter"
image=localhost/vehicle-error-interpreter:test
bah build --quiet --isolation chroot --target runtime \
  --build-context "binary=$work/binary" -f "$PWD/Dockerfile" -t "$image" "$work/binary" >/dev/null
echo "image: $(bah images --format '{{.Name}}:{{.Tag}} {{.Size}}' "$image")"

# What the image says about itself.
user="$(bah inspect --type image --format '{{.OCIv1.Config.User}}' "$image")"
entrypoint="$(bah inspect --type image --format '{{.OCIv1.Config.Entrypoint}}' "$image")"
[ "$user" = "65532:65532" ] || { echo "image user is '$user', want 65532:65532"; exit 1; }
[ "$entrypoint" = '[/vehicle-error-interpreter]' ] || { echo "entrypoint is $entrypoint"; exit 1; }

# What it holds: the binary and nothing else (no shell to exec into).
container="$(bah from --quiet "$image")"
rootfs="$(bah mount "$container")"
contents="$(cd "$rootfs" && find . -mindepth 1 | sort | tr '\n' ' ')"
[ "$contents" = "./vehicle-error-interpreter " ] || { echo "unexpected image contents: $contents"; exit 1; }

# Run it from the image's filesystem, as the image's user, with only the
# environment given as NAME=value arguments (as a container gets only its
# own); sets pid, addr and metrics.
log="$work/server.log"
run_image_binary() {
  : >"$log"
  env -i "$@" "$(command -v chroot)" --userspec=65532:65532 "$rootfs" /vehicle-error-interpreter \
    --listen-addr 127.0.0.1:0 --metrics-addr 127.0.0.1:0 --log-format json 2>"$log" &
  pid=$!
  # Wait for the "serving" line, logged once the listener is bound; each
  # read is bounded, and the server logs only a few lines before it.
  local lines follower started= line
  exec {lines}< <(tail -n +1 -f "$log")
  follower=$!
  while IFS= read -r -t 10 -u "$lines" line; do
    if [[ $line == *'"message":"serving"'* ]]; then started=1; break; fi
  done
  kill "$follower" 2>/dev/null || true
  [ -n "$started" ] || { cat "$log"; echo "the server did not start"; exit 1; }
  addr="$(grep '"message":"serving"' "$log" | sed -E 's/.*"addr":"([^"]+)".*/\1/')"
  metrics="$(grep '"message":"serving metrics"' "$log" | sed -E 's/.*"addr":"([^"]+)".*/\1/')"
}

# SIGTERM, then exit 0 within 25 s.
stop_image_binary() {
  kill -TERM "$pid"
  local status=0
  timeout 25 tail --pid="$pid" -f /dev/null || { echo "no exit within 25 s of SIGTERM"; exit 1; }
  wait "$pid" || status=$?
  pid=
  [ "$status" -eq 0 ] || { cat "$log"; echo "exit status $status after SIGTERM"; exit 1; }
}

run_image_binary
for service in "" vehicle_errors.v1.InterpreterService; do
  grpc-health-probe -addr "$addr" -service "$service"
done
curl --fail --silent --max-time 5 "http://$metrics/metrics" | grep -q '^vei_build_info{version="0.1.0"} 1$' \
  || { echo "no build info at http://$metrics/metrics"; exit 1; }

stop_image_binary
echo "the image's binary served, answered health and metrics, and exited 0 on SIGTERM"

# ------------------------------------------------------------ traces by DNS name
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
otlp_port="$(free_port)"
query="127.0.0.1:$(free_port)"
VEI_JAEGER_OTLP_GRPC="127.0.0.1:$otlp_port" VEI_JAEGER_QUERY_HTTP="$query" \
  VEI_JAEGER_QUERY_GRPC="127.0.0.1:$(free_port)" \
  jaeger --config scripts/tools/jaeger/config.yaml >"$work/jaeger.log" 2>&1 &
jaeger_pid=$!
dns_ip="127.$((RANDOM % 250 + 2)).$((RANDOM % 254 + 1)).$((RANDOM % 254 + 1))"
collector=otel-collector.observability
dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
  --listen-address="$dns_ip" --port=53 --pid-file= --log-queries --log-facility=- \
  --host-record="$collector.svc.cluster.local,127.0.0.1" --address='/#/' \
  >"$work/dns.log" 2>&1 &
dns_pid=$!
# What the kubelet writes for a pod in namespace vehicle-errors.
mkdir -p "$rootfs/etc"
cat >"$rootfs/etc/resolv.conf" <<EOF
search vehicle-errors.svc.cluster.local svc.cluster.local cluster.local
nameserver $dns_ip
options ndots:5
EOF
ok=
for _ in $(seq 100); do
  curl -sf --max-time 1 "http://$query/api/services" >/dev/null && ok=1 && break
  sleep 0.1
done
[ -n "$ok" ] || { cat "$work/jaeger.log"; echo "Jaeger did not start"; exit 1; }

run_image_binary OTEL_EXPORTER_OTLP_ENDPOINT="http://$collector:$otlp_port" OTEL_BSP_SCHEDULE_DELAY=100
grpc-health-probe -addr "$addr" >/dev/null
found=
for _ in $(seq 100); do
  if curl -sf --max-time 1 "http://$query/api/services" | grep -q '"vehicle-error-interpreter"'; then
    found=1; break
  fi
  sleep 0.1
done
stop_image_binary
grep -q "query\[A\] $collector.svc.cluster.local from" "$work/dns.log" \
  || { cat "$work/dns.log"; echo "dnsmasq was never asked for $collector"; exit 1; }
[ -n "$found" ] || { cat "$log"; echo "no spans from the image's binary reached the collector at $collector"; exit 1; }
dropped="$(grep -c 'exporting spans failed' "$log" || true)"
[ "$dropped" -eq 0 ] || { cat "$log"; echo "exports failed"; exit 1; }
echo "the image's binary resolved $collector through DNS ($dns_ip:53) and exported its spans to it"
