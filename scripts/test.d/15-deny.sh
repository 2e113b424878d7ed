#!/usr/bin/env bash
# Supply chain, offline: `cargo deny check licenses bans sources` against
# deny.toml: every crate's license is on the accepted list, no banned crate
# (a second TLS provider, OpenSSL), no second version of tonic, h2, hyper,
# http, prost, rustls or tokio (other duplicates are warnings), and every
# crate comes from crates.io.
#
# Not run: `cargo deny check advisories`. It fetches the RustSec advisory
# database at run time, and this CI has no network beyond the package
# registries. A connected CI adds it as its own step (it needs no other
# configuration): `cargo deny check advisories` (docs/supply-chain.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v cargo-deny >/dev/null || { echo "cargo-deny is required (scripts/install-tools.sh)"; exit 1; }
# --offline: no index update; the inclusion graphs of the duplicate-version
# warnings are left out (cargo tree -d shows them).
cargo-deny --offline --locked check --hide-inclusion-graph licenses bans sources
