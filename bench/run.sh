#!/usr/bin/env bash
# Runs every benchmark suite and exits non-zero if any of them failed (could not run, or reported
# a goal check or consistency check as failed); `make bench` calls this after `make build`, and
# the CMake target `bench` (bench/CMakeLists.txt) with its own build tree. Each suite prints its
# own table; the figures go to BENCHMARKS.md by hand, with the command that produced them.
#
# Environment: BUILD_DIR (default build/release) is passed on to every suite; SUITES (default
# "intake atp p2p orders ops x12") picks and orders the suites; each suite's own variables (see
# the top of bench/<suite>/run.sh) pass through.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export BUILD_DIR="${BUILD_DIR:-build/release}"
SUITES="${SUITES:-intake atp p2p orders ops x12}"

declare -A TITLE=(
  [intake]="durable intake over HTTP vs nginx and the raw SQLite ceiling"
  [atp]="available-to-promise queries vs nginx"
  [p2p]="purchase-order acknowledgments (855) per second"
  [orders]="sales orders accepted, validated and reserved per second, zero oversell"
  [ops]="operations dashboard API on 100,000 messages"
  [x12]="X12 parser vs node-x12"
)

failed=()
for suite in $SUITES; do
  [[ -n "${TITLE[$suite]:-}" ]] || { echo "bench: unknown suite '$suite'" >&2; failed+=("$suite"); continue; }
  echo "== $suite: ${TITLE[$suite]} (bench/$suite/run.sh)"
  start=$SECONDS
  if [[ "$suite" == x12 ]]; then
    # The X12 comparison needs node (node-x12 from npm) and jq; take them from Debian if missing.
    if ! command -v node >/dev/null || ! command -v jq >/dev/null; then
      CROSSDOCK_EXTRA_PKGS="jq $(command -v node >/dev/null || echo nodejs npm)" \
        bash scripts/install-deps.sh
    fi
    if [[ "$BUILD_DIR" == /* ]]; then bash bench/x12/run.sh "$BUILD_DIR"; else bash bench/x12/run.sh "$PWD/$BUILD_DIR"; fi
  else
    bash "bench/$suite/run.sh"
  fi
  rc=$?
  echo "== $suite: exit $rc after $((SECONDS - start))s"
  ((rc == 0)) || failed+=("$suite")
done

if ((${#failed[@]})); then
  echo "bench: failed: ${failed[*]}" >&2
  exit 1
fi
echo "bench: every suite ran and passed its checks"
