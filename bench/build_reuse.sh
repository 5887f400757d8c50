#!/usr/bin/env bash
# Measures the README's two commands on a cold build, in both orders: does the second
# command reuse the first one's build? Not a test: it prints figures.
#
#   bench/build_reuse.sh            # both orders, each in a fresh target dir
#
# Order A: `cargo test --workspace --no-run`, then `cargo build --bin vouch` (what
# `cargo run -- serve` compiles). Order B: the same two, the other way round. For each
# step it prints the wall time and how many crates were compiled. With the features of
# the test tree named in the root Cargo.toml, the second step of A compiles nothing and
# the second step of B compiles only the test-only crates.
#
# Knobs: KEEP=1 keeps the target dirs (under $TMPDIR); NICE=19 runs cargo at low priority.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
NICE=${NICE:-0}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vouch-build-reuse.XXXXXX")
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

step() { # label, target dir, cargo args...
    local label=$1 dir=$2; shift 2
    local start end log
    log="$WORK/$(echo "$label" | tr ' /' '__').log"
    start=$(date +%s)
    CARGO_TARGET_DIR="$dir" nice -n "$NICE" cargo "$@" --locked >"$log" 2>&1
    end=$(date +%s)
    printf '%-44s %5d s  %4d crates compiled\n' "$label" $((end - start)) \
        "$(grep -c '^ *Compiling ' "$log" || true)"
}

echo "order A: tests first"
step "A1 cargo test --workspace --no-run" "$WORK/a" test --workspace --no-run
step "A2 cargo build --bin vouch (cargo run)" "$WORK/a" build --bin vouch
echo "order B: the service first"
step "B1 cargo build --bin vouch (cargo run)" "$WORK/b" build --bin vouch
step "B2 cargo test --workspace --no-run" "$WORK/b" test --workspace --no-run
