#!/usr/bin/env bash
# Available-to-promise benchmark of issue 5: GET /v1/availability with 100,000 SKUs x 10
# warehouses loaded, 64 keep-alive connections, measured in one run beside nginx serving a
# 200-byte static file to the same load generator. Goal on the 2-core machine: >= 0.5x nginx
# requests per second, p99 <= 5 ms, resident memory reported.
#
#   1. bench_atp_load writes the positions (on hand, reserved, as-of, source) and supply (open
#      PO quantities by confirmed date, ship notices in transit) into a fresh data directory's
#      store, created and migrated by store::OpenSqlite.
#   2. The hub starts on it (bench/atp/crossdock-bench.yaml: empty catalog, admin token) and
#      loads them into its in-memory index; its resident memory is read from /proc/PID/status
#      (VmRSS; VmHWM = peak) once it is ready, before any query, and again after the load.
#   3. Each round: nginx, then the hub, each for WARMUP + DURATION seconds, with
#      `bench_loadgen --url-template` asking for a random SKU of the 100,000 and a random
#      quantity per request (URL_TEMPLATE below).
#
# Usage: bench/atp/run.sh            (after `make build`)
# Environment (all optional):
#   BUILD_DIR    build tree with bench_loadgen and bench_atp_load (default build/release)
#   CROSSDOCK    hub binary (default bin/crossdock, else BUILD_DIR/bin/crossdock)
#   SKUS         SKUs (100000)                    WAREHOUSES warehouses per SKU (10)
#   CONNECTIONS  keep-alive connections (64)      DURATION   measured seconds (10)
#   WARMUP       warm-up seconds (3)              LG_THREADS load generator threads (1)
#   ROUNDS       repetitions of nginx + hub (1)
#   QUERY        query after /v1/availability? (default sku=SKU-{rand:SKUS:6}&qty={rand:400});
#                {rand:N} is 1..N, {rand:N:W} zero-padded to W digits (see bench_loadgen)
#   RESULTS_JSON if set, every raw JSON result line is appended to this file
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-build/release}"
LOADGEN="$BUILD_DIR/bench/intake/bench_loadgen"
LOADER="$BUILD_DIR/bench/atp/bench_atp_load"
CROSSDOCK="${CROSSDOCK:-bin/crossdock}"
[[ -x "$CROSSDOCK" ]] || CROSSDOCK="$BUILD_DIR/bin/crossdock"
SKUS="${SKUS:-100000}"
WAREHOUSES="${WAREHOUSES:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-3}"
LG_THREADS="${LG_THREADS:-1}"
ROUNDS="${ROUNDS:-1}"
DEFAULT_QUERY="sku=SKU-{rand:$SKUS:6}&qty={rand:400}"
QUERY="${QUERY:-$DEFAULT_QUERY}"
BENCH_CONFIG="bench/atp/crossdock-bench.yaml"
TOKEN="demo-admin-token"  # plaintext of the admin token hash in the bench config

die() {
  echo "atp bench: $*" >&2
  exit 1
}
log() { echo "atp bench: $*" >&2; }

for bin in "$LOADGEN" "$LOADER" "$CROSSDOCK"; do
  [[ -x "$bin" ]] || die "missing $bin; build first (make build)"
done
command -v curl >/dev/null || die "curl is needed"
command -v python3 >/dev/null || die "python3 is needed (JSON and the result table)"
[[ -f "$BENCH_CONFIG" ]] || die "missing $BENCH_CONFIG"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, not '$ROUNDS'"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_init atp


# wait_http URL PID SECONDS: until URL answers 2xx, or the process dies, or time runs out.



add_result() {  # add_result KIND JSON [KEY=VALUE...]
  python3 - "$1" "$2" "$ROUND" "${@:3}" >>"$RESULTS" <<'PY'
import json, sys
kind, doc = sys.argv[1], json.loads(sys.argv[2])
doc["kind"], doc["round"] = kind, int(sys.argv[3])
for extra in sys.argv[4:]:
    k, v = extra.split("=", 1)
    try:
        v = float(v)
    except ValueError:
        pass
    doc[k] = v
print(json.dumps(doc))
PY
}

run_loadgen() {  # run_loadgen LABEL ARGS...: JSON line on stdout
  local label=$1 rc=0 out
  shift
  out="$("$LOADGEN" --label "$label" -c "$CONNECTIONS" -t "$LG_THREADS" -d "$DURATION" \
    -w "$WARMUP" "$@")" || rc=$?
  [[ -n "$out" ]] || die "load generator failed for $label (exit $rc)"
  [[ $rc -eq 0 ]] || log "load generator reported errors for $label (exit $rc); see the table"
  echo "$out"
}

# ------------------------------------------------------------------------------------- nginx
NG_PORT=""
NG_PID=""
start_nginx() {
  local ng="$TMP/nginx"
  mkdir -p "$ng/www" "$ng/logs"
  head -c 200 /dev/zero | tr '\0' 'x' >"$ng/www/static.txt"
  chmod 755 "$TMP" "$ng" "$ng/www"  # workers drop to an unprivileged user when run as root
  chmod 644 "$ng/www/static.txt"
  NG_PORT="$(free_port)"
  cat >"$ng/nginx.conf" <<CONF
daemon off;
worker_processes $(nproc);
pid $ng/nginx.pid;
error_log $ng/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 60s;
  client_body_temp_path $ng/tmp_body;
  proxy_temp_path $ng/tmp_proxy;
  fastcgi_temp_path $ng/tmp_fastcgi;
  uwsgi_temp_path $ng/tmp_uwsgi;
  scgi_temp_path $ng/tmp_scgi;
  server {
    listen 127.0.0.1:$NG_PORT;
    location / { root $ng/www; }
  }
}
CONF
  nginx -p "$ng" -c "$ng/nginx.conf" -e "$ng/logs/error.log" &
  NG_PID=$!
  PIDS+=("$NG_PID")
  wait_http "http://127.0.0.1:$NG_PORT/static.txt" "$NG_PID" 10 ||
    die "nginx did not serve the static file; $(tail -3 "$ng/logs/error.log" 2>/dev/null)"
  log "nginx $(nginx -v 2>&1 | sed 's/.*\///') on 127.0.0.1:$NG_PORT"
}

# ------------------------------------------------------------------------------ data and hub
log "machine: $(nproc) cores, $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
DATA="$TMP/data"
mkdir -p "$DATA"
log "loading $SKUS SKUs x $WAREHOUSES warehouses into $DATA"
LOAD_JSON="$("$LOADER" --db "$DATA/crossdock.db" --skus "$SKUS" --warehouses "$WAREHOUSES")" ||
  die "bench_atp_load failed"
DB_BYTES="$(du -cb "$DATA"/crossdock.db* | awk 'END {print $1}')"

HUB_PORT="$(free_port)"
BASE="http://127.0.0.1:$HUB_PORT"
T0="$(date +%s.%N)"
"$CROSSDOCK" serve --config "$BENCH_CONFIG" --data "$DATA" --listen "127.0.0.1:$HUB_PORT" \
  >"$TMP/hub.log" 2>&1 &
HUB=$!
PIDS+=("$HUB")
wait_http "$BASE/readyz" "$HUB" 600 || die "crossdock did not become ready: $(tail -5 "$TMP/hub.log")"
T1="$(date +%s.%N)"
START_S="$(awk -v a="$T0" -v b="$T1" 'BEGIN {printf "%.2f", b - a}')"
RSS_READY="$(kib "$HUB" VmRSS)"
HWM_READY="$(kib "$HUB" VmHWM)"
log "hub ready in ${START_S}s (positions loaded into memory): VmRSS $((RSS_READY / 1024)) MiB, peak VmHWM $((HWM_READY / 1024)) MiB"
SAMPLE_URL="$BASE/v1/availability?sku=SKU-$(printf '%06d' 42)&qty=300"
SAMPLE="$(curl -sf -H "Authorization: Bearer $TOKEN" "$SAMPLE_URL")" ||
  die "the availability API did not answer $SAMPLE_URL"
SAMPLE_BYTES="${#SAMPLE}"
python3 -c 'import json,sys; a=json.loads(sys.argv[1]); assert len(a["warehouses"]) == int(sys.argv[2]), "expected every warehouse"' \
  "$SAMPLE" "$WAREHOUSES" || die "unexpected answer: ${SAMPLE:0:300}"
echo "$SAMPLE" >"$TMP/sample.json"

if command -v nginx >/dev/null 2>&1; then
  start_nginx
else
  log "nginx is not installed: no static-file reference in this run"
fi
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  if [[ -n "$NG_PORT" ]]; then
    log "round $ROUND: nginx, GET 200-byte static file"
    read -r -a m0 < <(machine_ticks)
    json="$(run_loadgen nginx-static --url "http://127.0.0.1:$NG_PORT/static.txt")"
    read -r -a m1 < <(machine_ticks)
    add_result nginx "$json" "machine_busy=$(((m1[0] - m0[0]) * 100 / (m1[1] - m0[1] + 1)))"
  fi
  log "round $ROUND: crossdock, GET /v1/availability?$QUERY"
  read -r -a m0 < <(machine_ticks)
  t0="$(proc_ticks "$HUB")"
  json="$(run_loadgen hub-atp --url-template "$BASE/v1/availability?$QUERY" --seed "$ROUND" \
    -H "Authorization: Bearer $TOKEN")"
  t1="$(proc_ticks "$HUB")"
  read -r -a m1 < <(machine_ticks)
  kill -0 "$HUB" 2>/dev/null || die "the hub died during the run: $(tail -5 "$TMP/hub.log")"
  add_result hub "$json" "machine_busy=$(((m1[0] - m0[0]) * 100 / (m1[1] - m0[1] + 1)))" \
    "hub_cpu_s=$(awk -v a="$t0" -v b="$t1" -v hz="$CLK_TCK" 'BEGIN {printf "%.2f", (b - a) / hz}')" \
    "rss_kib=$(kib "$HUB" VmRSS)" "hwm_kib=$(kib "$HUB" VmHWM)"
done
if [[ -n "$NG_PID" ]]; then stop_pid "$NG_PID" 10; fi
stop_pid "$HUB" 30
if [[ -n "${RESULTS_JSON:-}" ]]; then cat "$RESULTS" >>"$RESULTS_JSON"; fi

# --------------------------------------------------------------------------------- the table
python3 - "$RESULTS" "$LOAD_JSON" "$START_S" "$RSS_READY" "$HWM_READY" "$DB_BYTES" \
  "$SAMPLE_BYTES" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
load = json.loads(sys.argv[2])
start_s, rss_ready, hwm_ready, db_bytes, sample_bytes = (float(x) for x in sys.argv[3:8])
rounds = sorted({r["round"] for r in rows})
find = lambda kind, rnd: next((r for r in rows if r["kind"] == kind and r["round"] == rnd), None)
print()
print("Available-to-promise benchmark (issue 5). Goal on the 2-core machine: >= 0.5x nginx "
      "static requests/s, p99 <= 5 ms, resident memory reported")
print()
print("data: %d SKUs x %d warehouses = %d positions, %d supply rows; store %.0f MiB; "
      "loaded in %.1fs" % (load["skus"], load["warehouses"], load["positions"],
                            load["supply_rows"], db_bytes / 2**20, load["seconds"]))
print("hub: ready in %.1fs; resident memory after load, before queries: VmRSS %.0f MiB "
      "(peak VmHWM %.0f MiB); answer for one SKU: %d bytes" %
      (start_s, rss_ready / 1024, hwm_ready / 1024, sample_bytes))
print()
fmt = "%5s %9s %7s %7s %7s %6s %9s %7s %7s %7s %8s %7s %5s"
print(fmt % ("round", "hub req/s", "p50 ms", "p99 ms", "max ms", "errors", "nginx/s",
             "ng p99", "ratio", "hub CPU", "RSS MiB", "HWM MiB", "busy"))
ratios, p99s, per = [], [], []
for rnd in rounds:
    h, n = find("hub", rnd), find("nginx", rnd)
    if not h:
        continue
    ratio = h["ok_rps"] / n["ok_rps"] if n else None
    ratios += [ratio] if ratio else []
    p99s.append(h["latency_us"]["p99"] / 1000)
    per.append(h)
    print(fmt % (rnd, "%.0f" % h["ok_rps"], "%.2f" % (h["latency_us"]["p50"] / 1000),
                 "%.2f" % (h["latency_us"]["p99"] / 1000), "%.1f" % (h["latency_us"]["max"] / 1000),
                 h["errors"], "%.0f" % n["ok_rps"] if n else "-",
                 "%.2f" % (n["latency_us"]["p99"] / 1000) if n else "-",
                 "%.3f" % ratio if ratio else "-",
                 "%.0f%%" % (h["hub_cpu_s"] / h["seconds"] * 100), "%.0f" % (h["rss_kib"] / 1024),
                 "%.0f" % (h["hwm_kib"] / 1024), "%.0f%%" % h["machine_busy"]))
if len(per) > 1:
    print(fmt % ("med", "%.0f" % statistics.median(h["ok_rps"] for h in per), "-",
                 "%.2f" % statistics.median(p99s), "-", sum(h["errors"] for h in per), "-", "-",
                 "%.3f" % statistics.median(ratios) if ratios else "-", "-", "-", "-", "-"))
print()
if ratios:
    r, p = statistics.median(ratios), statistics.median(p99s)
    print("goal >= 0.5x nginx: %s (%.3f); p99 <= 5 ms: %s (%.2f ms)" %
          ("met" if r >= 0.5 else "MISSED", r, "met" if p <= 5 else "MISSED", p))
print("hub req/s: 2xx answers per second; ratio = hub / nginx of the same round; hub CPU: the "
      "hub's CPU time over the window (200% = both cores); busy: the whole machine.")
PY
