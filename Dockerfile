# syntax=docker/dockerfile:1
# The server image: one static binary on an empty filesystem, run as a
# non-root numeric user. No shell, no package manager, no libc, nothing to
# patch but the binary itself.
#
# Registry build (BuildKit or buildah; pulls the Rust image):
#   docker build -t vehicle-error-interpreter:0.1.0 .
# Build from a binary already built on the host (no pull; what the test
# stage scripts/test.d/65-image.sh does): put the static binary in a
# directory and let it stand in for the `binary` stage:
#   buildah build --target runtime --build-context binary=<dir> -t ... <dir>

ARG RUST_VERSION=1.95

# --- build: a static binary, from the locked dependency graph -------------
FROM docker.io/library/rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
COPY . .
# crt-static on the gnu target links glibc statically: no musl toolchain
# needed. The one host name the server may resolve is the trace collector's
# (OTEL_EXPORTER_OTLP_ENDPOINT, a Service name): glibc >= 2.34 has its
# `files` and `dns` lookups built in, so getaddrinfo works from this image
# through the kubelet's /etc/resolv.conf with no NSS libraries (proven by
# scripts/test.d/65-image.sh against a DNS server on loopback); bookworm's
# glibc is 2.36. --target keeps the flag off build scripts and proc macros,
# which must stay dynamic.
RUN target="$(uname -m)-unknown-linux-gnu" \
 && RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --release --locked --target "$target" --bin vehicle-error-interpreter \
 && cp "target/$target/release/vehicle-error-interpreter" /vehicle-error-interpreter

# --- binary: the interface between build and image ------------------------
# A filesystem holding /vehicle-error-interpreter. `--build-context
# binary=<dir>` replaces this stage (and with it the build stage, which is
# then unused and skipped) by a host directory holding the same file.
FROM scratch AS binary
COPY --from=build /vehicle-error-interpreter /vehicle-error-interpreter

# --- runtime ---------------------------------------------------------------
FROM scratch AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="vehicle-error-interpreter" \
      org.opencontainers.image.description="gRPC service interpreting connected-car vehicle-state errors" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=binary --chmod=0555 /vehicle-error-interpreter /vehicle-error-interpreter
# 65532 is distroless' "nonroot"; the Deployment runs as the same UID.
USER 65532:65532
# gRPC, then Prometheus metrics.
EXPOSE 50051 9090
ENTRYPOINT ["/vehicle-error-interpreter"]
