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
set -euo pipefail
cd "$(dirname "$0")/../.."

for tool in buildah chroot grpc-health-probe curl cargo-cyclonedx python3; do
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
cleanup() {
  rm -f vehicle-error-interpreter_bin.cdx.json
  [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
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

# Run it from the image's filesystem, as the image's user.
log="$work/server.log"
: >"$log"
chroot --userspec=65532:65532 "$rootfs" /vehicle-error-interpreter \
  --listen-addr 127.0.0.1:0 --metrics-addr 127.0.0.1:0 --log-format json 2>"$log" &
pid=$!
# Wait for the "serving" line, logged once the listener is bound; each
# read is bounded, and the server logs only a few lines before it.
exec {lines}< <(tail -n +1 -f "$log")
follower=$!
started=
while IFS= read -r -t 10 -u "$lines" line; do
  if [[ $line == *'"message":"serving"'* ]]; then started=1; break; fi
done
kill "$follower" 2>/dev/null || true
[ -n "$started" ] || { cat "$log"; echo "the server did not start"; exit 1; }
addr="$(grep '"message":"serving"' "$log" | sed -E 's/.*"addr":"([^"]+)".*/\1/')"
metrics="$(grep '"message":"serving metrics"' "$log" | sed -E 's/.*"addr":"([^"]+)".*/\1/')"
for service in "" vehicle_errors.v1.InterpreterService; do
  grpc-health-probe -addr "$addr" -service "$service"
done
curl --fail --silent --max-time 5 "http://$metrics/metrics" | grep -q '^vei_build_info{version="0.1.0"} 1$' \
  || { echo "no build info at http://$metrics/metrics"; exit 1; }

kill -TERM "$pid"
status=0
timeout 25 tail --pid="$pid" -f /dev/null || { echo "no exit within 25 s of SIGTERM"; exit 1; }
wait "$pid" || status=$?
pid=
[ "$status" -eq 0 ] || { cat "$log"; echo "exit status $status after SIGTERM"; exit 1; }
echo "the image's binary served, answered health and metrics, and exited 0 on SIGTERM"
