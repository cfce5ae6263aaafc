#!/usr/bin/env bash
# Runs every benchmark; `make bench` calls this after `make build`. Figures go to BENCHMARKS.md
# by hand (each suite writes its own RESULTS.md notes).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

status=0
echo "== intake (bench/intake/run.sh)"
if ! bash bench/intake/run.sh; then
  echo "bench: the intake benchmark failed" >&2
  status=1
fi

echo "== available-to-promise (bench/atp/run.sh)"
if ! bash bench/atp/run.sh; then
  echo "bench: the available-to-promise benchmark failed" >&2
  status=1
fi

echo "== purchase-order acknowledgments (bench/p2p/run.sh)"
if ! bash bench/p2p/run.sh; then
  echo "bench: the 855 benchmark failed" >&2
  status=1
fi

# The X12 comparison needs node (node-x12 from npm) and jq; take them from Debian if missing.
if ! command -v node >/dev/null || ! command -v jq >/dev/null; then
  CROSSDOCK_EXTRA_PKGS="jq $(command -v node >/dev/null || echo nodejs npm)" bash scripts/install-deps.sh
fi
if [[ -x bench/x12/run.sh ]]; then
  echo "== x12 (bench/x12/run.sh)"
  if ! bench/x12/run.sh "$PWD/build/release"; then
    echo "bench: the x12 benchmark failed" >&2
    status=1
  fi
else
  echo "== x12: bench/x12/run.sh is not there (or not executable); skipped"
fi
exit "$status"
