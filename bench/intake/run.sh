#!/usr/bin/env bash
# Intake benchmark of issue 2: durable accepts over HTTP (64 keep-alive clients posting 1 KB JSON
# documents with unique Idempotency-Keys) measured in one run beside
#   (a) nginx serving a 200-byte static file to the same load generator (when nginx is installed)
#   (b) the raw SQLite ceiling: the same rows inserted from C++ in 1,000-document transactions
#       with the same synchronous setting,
# for synchronous=full (the hub's default) and synchronous=normal. Prints a table with absolute
# figures, ratios and the hub's group-commit statistics. The machine is shared and noisy: every
# ratio compares figures of the same round, and with ROUNDS > 1 the summary takes medians.
#
# Usage: bench/intake/run.sh            (after `make build`)
# Environment (all optional):
#   BUILD_DIR    build tree with bench_loadgen and bench_sqlite_ceiling (default build/release)
#   CROSSDOCK    hub binary (default bin/crossdock, else BUILD_DIR/bin/crossdock)
#   CONNECTIONS  keep-alive connections (64)     DURATION   measured seconds (10)
#   WARMUP       warm-up seconds (3)             LG_THREADS load generator threads (1)
#   SYNCS        synchronous settings to run ("full normal")
#   ROUNDS       repetitions of the whole sequence (1)
#   CEILING_DOCS documents per SQLite ceiling run (100000)
#   RESULTS_JSON if set, every raw JSON result line is appended to this file
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-build/release}"
LOADGEN="$BUILD_DIR/bench/intake/bench_loadgen"
CEILING="$BUILD_DIR/bench/intake/bench_sqlite_ceiling"
CROSSDOCK="${CROSSDOCK:-bin/crossdock}"
[[ -x "$CROSSDOCK" ]] || CROSSDOCK="$BUILD_DIR/bin/crossdock"
CONNECTIONS="${CONNECTIONS:-64}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-3}"
LG_THREADS="${LG_THREADS:-1}"
SYNCS="${SYNCS:-full normal}"
ROUNDS="${ROUNDS:-1}"
CEILING_DOCS="${CEILING_DOCS:-100000}"
BENCH_CONFIG="bench/intake/crossdock-bench.yaml"
PARTNER="bench-supplier"
TOKEN="demo-supplier-token"  # plaintext of the partner token hash in the bench config
ROUND=1

die() {
  echo "intake bench: $*" >&2
  exit 1
}
log() { echo "intake bench: $*" >&2; }

for bin in "$LOADGEN" "$CEILING" "$CROSSDOCK"; do
  [[ -x "$bin" ]] || die "missing $bin; build first (make build, or cmake --preset release && cmake --build --preset release)"
done
command -v curl >/dev/null || die "curl is needed"
command -v python3 >/dev/null || die "python3 is needed (JSON and the result table)"
[[ -f "$BENCH_CONFIG" ]] || die "missing $BENCH_CONFIG"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, not '$ROUNDS'"
for sync in $SYNCS; do
  case "$sync" in full | normal) ;; *) die "SYNCS may contain full and normal, not '$sync'" ;; esac
done

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_init intake


# wait_http URL PID SECONDS: until URL answers 2xx, or the process dies, or time runs out.


# CPU ticks (user+system) of a process, and busy/total ticks of the whole machine.

add_result() {  # add_result KIND SYNC JSON [KEY=VALUE...]
  python3 - "$1" "$2" "$3" "$ROUND" "${@:4}" >>"$RESULTS" <<'PY'
import json, sys
kind, sync, doc = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
doc["kind"], doc["sync"], doc["round"] = kind, sync, int(sys.argv[4])
for extra in sys.argv[5:]:
    k, v = extra.split("=", 1)
    try:
        v = float(v)
    except ValueError:
        pass
    doc[k] = v
print(json.dumps(doc))
PY
}

metric() {  # metric FILE NAME: sum of the samples of a Prometheus metric (labels ignored)
  awk -v n="$2" '$1 == n || index($1, n "{") == 1 {s += $2} END {printf "%.0f\n", s}' "$1"
}

run_loadgen() {  # run_loadgen LABEL ARGS...: JSON line on stdout; summary on stderr
  local label=$1 rc=0 out
  shift
  out="$("$LOADGEN" --label "$label" -c "$CONNECTIONS" -t "$LG_THREADS" -d "$DURATION" \
    -w "$WARMUP" "$@")" || rc=$?
  if [[ -z "$out" ]]; then
    die "load generator failed for $label (exit $rc)"
  fi
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

measure_nginx() {
  local m0 m1 json
  log "round $ROUND: nginx, GET 200-byte static file"
  read -r -a m0 < <(machine_ticks)
  json="$(run_loadgen nginx-static --url "http://127.0.0.1:$NG_PORT/static.txt")"
  read -r -a m1 < <(machine_ticks)
  add_result nginx - "$json" "machine_busy=$(((m1[0] - m0[0]) * 100 / (m1[1] - m0[1] + 1)))"
}

# --------------------------------------------------------------------- hub and SQLite ceiling
measure_hub_and_ceiling() {  # measure_hub_and_ceiling SYNC
  local sync=$1 tag="$1-r$ROUND" cfg data port base hub snap json t0 t1 mb0 mt0 mb1 mt1
  local m0 m1 commits ops accepted backlog hub_cpu busy mode out
  cfg="$TMP/crossdock-$sync.yaml"
  sed -E "s/^(  synchronous:).*/\1 $sync/" "$BENCH_CONFIG" >"$cfg"
  grep -q "^  synchronous: $sync\$" "$cfg" || die "could not set synchronous: $sync in $cfg"
  data="$TMP/data-$tag"
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  "$CROSSDOCK" serve --config "$cfg" --data "$data" --listen "127.0.0.1:$port" \
    >"$TMP/hub-$tag.log" 2>&1 &
  hub=$!
  PIDS+=("$hub")
  wait_http "$base/readyz" "$hub" 20 ||
    die "crossdock did not become ready: $(tail -5 "$TMP/hub-$tag.log")"
  log "round $ROUND: crossdock (synchronous=$sync), POST 1 KB JSON to /v1/inbound/$PARTNER"

  # Snapshot the counters when the measured window starts and when it ends.
  (
    sleep "$WARMUP"
    curl -sf "$base/metrics" >"$TMP/metrics-$tag-0.txt" || true
    proc_ticks "$hub" >"$TMP/ticks-$tag-0.txt"
    machine_ticks >"$TMP/mticks-$tag-0.txt"
  ) &
  snap=$!
  json="$(run_loadgen "hub-$sync" --url "$base/v1/inbound/$PARTNER" --method POST \
    -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" --body-size 1024)"
  wait "$snap" || true
  m0="$TMP/metrics-$tag-0.txt"
  m1="$TMP/metrics-$tag-1.txt"
  curl -sf "$base/metrics" >"$m1" || die "cannot read $base/metrics"
  [[ -s "$m0" ]] || cp "$m1" "$m0"
  t0="$(cat "$TMP/ticks-$tag-0.txt")"
  t1="$(proc_ticks "$hub")"
  read -r mb0 mt0 <"$TMP/mticks-$tag-0.txt"
  read -r mb1 mt1 < <(machine_ticks)
  commits=$(($(metric "$m1" crossdock_store_commits_total) - $(metric "$m0" crossdock_store_commits_total)))
  ops=$(($(metric "$m1" crossdock_store_operations_total) - $(metric "$m0" crossdock_store_operations_total)))
  accepted=$(($(metric "$m1" crossdock_intake_total) - $(metric "$m0" crossdock_intake_total)))
  backlog="$(awk '/^crossdock_queue_depth\{queue="work",state="waiting"\}/{print $2}' "$m1")"
  hub_cpu="$(awk -v a="$t0" -v b="$t1" -v hz="$CLK_TCK" 'BEGIN {printf "%.2f", (b - a) / hz}')"
  busy=$(((mb1 - mb0) * 100 / (mt1 - mt0 + 1)))
  stop_pid "$hub" 30
  add_result hub "$sync" "$json" "commits=$commits" "operations=$ops" \
    "intake_delta=$accepted" "work_backlog=${backlog:-0}" "hub_cpu_s=$hub_cpu" \
    "machine_busy=$busy"
  rm -rf "$data"

  for mode in inserts accept; do
    log "round $ROUND: SQLite ceiling ($mode, synchronous=$sync, $CEILING_DOCS documents, 1,000 per transaction)"
    out="$("$CEILING" --db "$TMP/ceiling-$tag-$mode.db" --synchronous "$sync" \
      --docs "$CEILING_DOCS" --batch 1000 --body-size 1024 --mode "$mode")" ||
      die "SQLite ceiling failed"
    add_result "ceiling-$mode" "$sync" "$out"
    rm -f "$TMP/ceiling-$tag-$mode.db"*
  done
}

log "machine: $(nproc) cores, $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
log "load: $CONNECTIONS connections, $LG_THREADS load generator thread(s), ${WARMUP}s warm-up + ${DURATION}s measured, $ROUNDS round(s)"
if command -v nginx >/dev/null 2>&1; then
  start_nginx
else
  log "nginx is not installed: no static-file reference in this run"
fi
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  if [[ -n "$NG_PORT" ]]; then measure_nginx; fi
  for sync in $SYNCS; do
    measure_hub_and_ceiling "$sync"
  done
done
if [[ -n "$NG_PID" ]]; then stop_pid "$NG_PID" 10; fi
if [[ -n "${RESULTS_JSON:-}" ]]; then cat "$RESULTS" >>"$RESULTS_JSON"; fi

# --------------------------------------------------------------------------------- the table
python3 - "$RESULTS" <<'PY'
import json, statistics, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rounds = sorted({r["round"] for r in rows})
med = statistics.median


def find(kind, sync, rnd):
    return next((r for r in rows if r["kind"] == kind and r["sync"] == sync and r["round"] == rnd),
                None)


print()
print("Intake benchmark (issue 2). Goal on the 2-core machine, judged at synchronous=full:")
print("  >= 40,000 durable accepts/s, >= 0.45x nginx static, >= 0.25x the SQLite ceiling, "
      "p99 <= 10 ms")
print()
hdr = ("sync", "round", "accepts/s", "p50 ms", "p99 ms", "max ms", "errors", "nginx/s",
       "ceiling/s", "acceptSQL/s", "hub/nginx", "hub/ceil", "batch", "hub CPU", "busy",
       "backlog")
fmt = "%-6s %5s %9s %6s %6s %6s %6s %8s %9s %11s %9s %8s %5s %7s %4s %7s"
print(fmt % hdr)
summary = {}
for sync in ("full", "normal"):
    per = []
    for rnd in rounds:
        h = find("hub", sync, rnd)
        if not h:
            continue
        n = find("nginx", "-", rnd)
        c = find("ceiling-inserts", sync, rnd)
        a = find("ceiling-accept", sync, rnd)
        d = {
            "rps": h["ok_rps"],
            "p50": h["latency_us"]["p50"] / 1000,
            "p99": h["latency_us"]["p99"] / 1000,
            "max": h["latency_us"]["max"] / 1000,
            "errors": h["errors"],
            "nginx": n["ok_rps"] if n else None,
            "ceil": c["docs_per_s"] if c else None,
            "acc": a["docs_per_s"] if a else None,
            "batch": h["operations"] / h["commits"] if h.get("commits") else 0.0,
            "cpu": h["hub_cpu_s"] / h["seconds"] * 100 if h.get("seconds") else 0.0,
            "busy": h.get("machine_busy", 0),
            "backlog": h.get("work_backlog", 0),
        }
        d["rn"] = d["rps"] / d["nginx"] if d["nginx"] else None
        d["rc"] = d["rps"] / d["ceil"] if d["ceil"] else None
        per.append(d)

        def f(v, spec):
            return "-" if v is None else spec % v

        print(fmt % (sync, rnd, f(d["rps"], "%.0f"), f(d["p50"], "%.2f"), f(d["p99"], "%.2f"),
                     f(d["max"], "%.1f"), d["errors"], f(d["nginx"], "%.0f"),
                     f(d["ceil"], "%.0f"), f(d["acc"], "%.0f"), f(d["rn"], "%.3f"),
                     f(d["rc"], "%.3f"), f(d["batch"], "%.1f"), f(d["cpu"], "%.0f%%"),
                     f(d["busy"], "%.0f%%"), f(d["backlog"], "%d")))
    if not per:
        continue
    m = {}
    for k in per[0]:
        vals = [p[k] for p in per if p[k] is not None]
        m[k] = med(vals) if vals else None
    m["errors"] = sum(p["errors"] for p in per)
    summary[sync] = m
    if len(per) > 1:
        print(fmt % (sync, "med", "%.0f" % m["rps"], "%.2f" % m["p50"], "%.2f" % m["p99"],
                     "%.1f" % m["max"], m["errors"],
                     "-" if m["nginx"] is None else "%.0f" % m["nginx"],
                     "-" if m["ceil"] is None else "%.0f" % m["ceil"],
                     "-" if m["acc"] is None else "%.0f" % m["acc"],
                     "-" if m["rn"] is None else "%.3f" % m["rn"],
                     "-" if m["rc"] is None else "%.3f" % m["rc"], "%.1f" % m["batch"],
                     "%.0f%%" % m["cpu"], "%.0f%%" % m["busy"], "%d" % m["backlog"]))
print()
print("accepts/s: 2xx answers per second (202 = accepted and committed). nginx/s: the same load "
      "generator against nginx, same round. ceiling/s: the four INSERTs per document only (the "
      "ceiling); acceptSQL/s: the hub's per-document SQL (2 dedupe lookups + 4 INSERTs in a "
      "SAVEPOINT), both in 1,000-document transactions. hub/nginx and hub/ceil compare figures "
      "of the same round. batch: operations per group commit in the measured window (includes "
      "the background step's claim and finish transactions). hub CPU: the hub process's CPU "
      "time over the window (200% = both cores). busy: whole-machine CPU use in the window. "
      "backlog: background work items still waiting at the end.")
print()
for sync, m in summary.items():
    label = "the goal" if sync == "full" else "reference only"
    goals = [("accepts/s >= 40000", m["rps"] >= 40000), ("p99 <= 10 ms", m["p99"] <= 10),
             ("hub/nginx >= 0.45", m["rn"] is not None and m["rn"] >= 0.45),
             ("hub/ceiling >= 0.25", m["rc"] is not None and m["rc"] >= 0.25),
             ("no errors", m["errors"] == 0)]
    print("synchronous=%s (%s): %s" % (sync, label, ", ".join(
        "%s %s" % (name, "met" if ok else "MISSED") for name, ok in goals)))
PY
