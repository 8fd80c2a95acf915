#!/usr/bin/env bash
# Builds the fuzz targets and runs each for FUZZ_SECONDS (default 30; 0 = build only).
# Stable Rust: `-s none` builds without a sanitizer (cargo-fuzz's default, ASan, needs
# nightly); `-a` keeps debug assertions (overflow checks) in the optimised build.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-30}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cargo fuzz build -s none -O -a
[ "$seconds" -gt 0 ] || exit 0
python3 fuzz/seed-corpus.py
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for target in scan_line chunking validate_bodies; do
    echo "-- fuzz $target for ${seconds}s"
    if ! cargo fuzz run -s none -O -a "$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 \
        >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz target $target failed; the input is under fuzz/artifacts/$target/" >&2
        exit 1
    fi
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
done
