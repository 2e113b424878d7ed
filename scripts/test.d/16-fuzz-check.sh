#!/usr/bin/env bash
# The fuzz targets compile against today's types. cargo-fuzz needs nightly
# to run them (docs/reliability.md), but `cargo check` works on stable, so
# a type change that breaks a target fails here instead of rotting unseen.
set -euo pipefail
cd "$(dirname "$0")/../../fuzz"
cargo check --locked --bins
