#!/usr/bin/env bash
# Rust: formatting, lints, and every unit and integration test.
set -euo pipefail
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked
