#!/usr/bin/env bash
# Installs every Debian package crossdock needs to build, test and benchmark.
# Idempotent: when everything is present it returns in about a second without touching apt.
set -euo pipefail

PKGS=(
  g++ clang-14 libclang-rt-14-dev lld-14 clang-format-14 cmake ninja-build ccache pkg-config make git curl
  python3 ca-certificates
  libboost-dev libboost-system-dev nlohmann-json3-dev libsimdjson-dev libsqlite3-dev sqlite3
  libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev libcurl4-openssl-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libjq-dev
  nginx-light wrk
)
# Tryton 6.0, the ERP the connector tests run against (tests/tryton/tryton.sh). Without the
# Recommends, which would pull in PostgreSQL, LibreOffice and an MTA. CROSSDOCK_NO_TRYTON=1 skips it.
TRYTON_PKGS=(
  tryton-server tryton-modules-company tryton-modules-product tryton-modules-stock
  tryton-modules-stock-supply tryton-modules-purchase tryton-modules-purchase-request
  tryton-modules-sale tryton-modules-sale-supply tryton-modules-account
  tryton-modules-account-product tryton-modules-account-invoice tryton-modules-account-invoice-stock
)
if [ "${CROSSDOCK_NO_TRYTON:-}" != "1" ]; then
  PKGS+=("${TRYTON_PKGS[@]}")
fi
# The dashboard: Node.js and npm bundle it (web/), Chromium runs its browser test. A node and npm
# already on the PATH (a machine's own Node.js, which carries its npm) are used as they are.
PKGS+=(chromium)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  PKGS+=(nodejs npm)
fi
if [ "${CROSSDOCK_EXTRA_PKGS:-}" != "" ]; then
  # shellcheck disable=SC2206
  PKGS+=(${CROSSDOCK_EXTRA_PKGS})
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
for i in $(seq 1 60); do
  $SUDO apt-get update -qq && break
  sleep 5
done
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
  --no-install-recommends "${missing[@]}"
