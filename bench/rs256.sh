#!/usr/bin/env bash
# How long one RS256 signature of a mock token takes (the figure in docs/mock.md), in the
# `dist` profile. Usage: bench/rs256.sh [SIGNATURES=200]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --profile dist --quiet --example rs256_cost
target/dist/examples/rs256_cost "${1:-200}"
