#!/usr/bin/env bash
# Runs every libFuzzer target built by the `fuzz` preset for N seconds (default 60), each
# starting from its seed corpus. New inputs go to a scratch copy, never into the repo.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
# A fixed seed by default, so a CI run explores what the same run explored here; FUZZ_SEED=0 lets
# libFuzzer pick one (use that when hunting).
seed="${FUZZ_SEED:-1}"
found=0
for bin in build/fuzz/fuzz/*/fuzz_*; do
  [ -x "$bin" ] || continue
  found=1
  name=$(basename "$bin")
  dir="fuzz/$(basename "$(dirname "$bin")")"
  seeds="$dir/${name#fuzz_}_corpus"
  [ -d "$seeds" ] || seeds="$dir/corpus"
  work="build/fuzz/corpus-$name"
  mkdir -p "$work"
  [ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2>/dev/null || true
  echo "fuzzing $name for ${secs}s (seed $seed)"
  "$bin" -seed="$seed" -artifact_prefix="build/fuzz/" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$work" 2>&1 | tail -15
done
if [ "$found" = 0 ]; then echo "no fuzz targets were built" >&2; exit 1; fi
