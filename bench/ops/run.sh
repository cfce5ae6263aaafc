#!/usr/bin/env bash
# Operations benchmark of issue 8: is the dashboard usable with 100,000 messages? Seeds a day of
# traffic (bench_ops_seed: N messages with their canonical documents, keys, events, purchase and
# sales orders, exceptions, dead letters), starts the real hub on it, and times every API call
# the dashboard's pages make (median and worst of REPEAT calls), beside GET /healthz in the same
# run as the baseline. Also times the measures' start-up replay of the day. Target: every page's
# call under one second.
#
# Usage: bench/ops/run.sh            (after `make build`)
# Environment: BUILD_DIR (build/release), CROSSDOCK (bin/crossdock), MESSAGES (100000),
#              REPEAT (7), RESULTS_JSON (append the JSON result line to this file)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-build/release}"
SEED="$BUILD_DIR/bench/ops/bench_ops_seed"
CROSSDOCK="${CROSSDOCK:-bin/crossdock}"
[[ -x "$CROSSDOCK" ]] || CROSSDOCK="$BUILD_DIR/bin/crossdock"
MESSAGES="${MESSAGES:-100000}"
REPEAT="${REPEAT:-7}"
for bin in "$SEED" "$CROSSDOCK"; do
  [[ -x "$bin" ]] || { echo "ops bench: missing $bin; build first (make build)" >&2; exit 1; }
done

TMP="$(mktemp -d -t crossdock-ops.XXXXXX)"
HUB_PID=""
cleanup() {
  [[ -n "$HUB_PID" ]] && kill "$HUB_PID" 2>/dev/null && wait "$HUB_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TOKEN="ops-bench-token"
HASH=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
mkdir -p "$TMP/data" "$TMP/cfg"
{
  echo "server: {listen: 127.0.0.1:$PORT}"
  echo "store: {path: crossdock.db, synchronous: normal}"
  echo "tokens:"
  echo "  - {name: ops-bench, sha256: $HASH, role: admin}"
  echo "partners:"
  for i in $(seq 0 19); do
    strategic=false; [[ $i -eq 0 ]] && strategic=true
    echo "  - {id: sup-$i, kind: supplier, strategic: $strategic, formats: [json], sla: {ack_due_hours: 1}}"
  done
  for i in $(seq 0 9); do echo "  - {id: cust-$i, kind: customer, formats: [json]}"; done
  echo "  - {id: wh, kind: 3pl, formats: [json]}"
  echo "  - {id: erp, kind: erp, formats: [json], documents: [{type: inventory_advice, direction: in, format: json}]}"
} > "$TMP/cfg/crossdock.yaml"

echo "ops bench: seeding $MESSAGES messages" >&2
SEED_START=$(date +%s.%N)
"$SEED" --db "$TMP/data/crossdock.db" --messages "$MESSAGES" > "$TMP/seed.json"
SEED_S=$(python3 -c "print(round($(date +%s.%N) - $SEED_START, 1))")
DB_MB=$(du -sm "$TMP/data" | cut -f1)

HUB_START=$(date +%s.%N)
"$CROSSDOCK" serve --config "$TMP/cfg" --data "$TMP/data" > "$TMP/hub.log" 2>&1 &
HUB_PID=$!

python3 - "$PORT" "$TOKEN" "$REPEAT" "$MESSAGES" "$SEED_S" "$DB_MB" "${RESULTS_JSON:-}" "$HUB_START" <<'PY'
import json, statistics, sys, time, urllib.request
port, token, repeat, messages, seed_s, db_mb, results = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
base = f"http://127.0.0.1:{port}"

def get(path, auth=True):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token} if auth else {})
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as r:
        body = r.read()
    return (time.perf_counter() - t) * 1000, body

# Start-up figures count from the moment the hub was launched (wall clock), not from here.
t0 = time.perf_counter() - max(0.0, time.time() - float(sys.argv[8]))
while True:
    try:
        get("/readyz", auth=False)
        break
    except OSError:
        if time.perf_counter() - t0 > 120:
            sys.exit("ops bench: the hub did not become ready")
        time.sleep(0.05)
ready_ms = (time.perf_counter() - t0) * 1000
# The measures replay the day in the background; time until the first snapshot is there.
while True:
    _, b = get("/v1/measures")
    m = json.loads(b)
    if m.get("at"):
        break
    if time.perf_counter() - t0 > 300:
        sys.exit("ops bench: measures never refreshed")
    time.sleep(0.05)
replay_ms = (time.perf_counter() - t0) * 1000 - ready_ms

# Ids for the deep calls, from the middle of the day (bench/ops/seed.cpp: message i comes from a
# customer when i % 10 is 4..7 and carries sales order SO-<i>; from a supplier when i % 10 < 4,
# with purchase order PO-<i> created when (i / 20) is even and interchange <i, 9 digits>).
half = messages // 2
so_key = "SO-%06d" % (half - half % 10 + 4)
po_i = half - half % 40
po_key, isa_key = "PO-%06d" % po_i, "%09d" % po_i
found = json.loads(get("/v1/search?q=" + so_key)[1]).get("items", [])
if not found:
    sys.exit(f"ops bench: searching {so_key} found nothing; cannot pick a message for the deep calls")
mid = found[0]["message_id"]
calls = [
    ("baseline: GET /healthz", "/healthz"),
    ("dashboard index.html", "/"),
    ("whoami", "/v1/whoami"),
    ("overview: measures", "/v1/measures"),
    ("overview: series 1h", "/v1/measures/series?range=1h"),
    ("overview: series 24h", "/v1/measures/series?range=24h"),
    ("overview: alerts", "/v1/alerts"),
    ("partners: scorecards 7 days", "/v1/partners/scorecards?days=7"),
    ("messages: first page", "/v1/messages?limit=50"),
    ("messages: page at the middle", f"/v1/messages?limit=50&before={mid}"),
    ("messages: one partner", "/v1/messages?partner=sup-3&limit=50"),
    ("messages: one message", f"/v1/messages/{mid}"),
    ("exceptions: open", "/v1/exceptions?status=open&limit=50"),
    ("exceptions: one type", "/v1/exceptions?type=receipt_variance&limit=50"),
    ("dead letters", "/v1/dead-letters?limit=50"),
    ("search: PO number", "/v1/search?q=" + po_key),
    ("search: interchange number", "/v1/search?q=" + isa_key),
    ("search: SKU (many documents)", "/v1/search?q=SKU-42&limit=50"),
    ("trace: purchase order", "/v1/trace?aggregate=purchase_order:" + po_key),
    ("trace: message", f"/v1/trace?message_id={mid}"),
]
rows = []
for name, path in calls:
    times = []
    for _ in range(repeat):
        ms, body = get(path, auth=path.startswith("/v1"))
        times.append(ms)
    rows.append({"call": name, "path": path, "median_ms": round(statistics.median(times), 2),
                 "max_ms": round(max(times), 2), "bytes": len(body)})
base_ms = rows[0]["median_ms"]
print(f"\nOperations API on {messages:,} messages (seeded in {seed_s} s, {db_mb} MB); "
      f"hub ready in {ready_ms:.0f} ms, measures replayed the day in {replay_ms:.0f} ms")
print(f"{'call':32} {'median ms':>10} {'worst ms':>9} {'x healthz':>10} {'bytes':>9}  under 1 s")
ok = True
for r in rows:
    under = r["max_ms"] < 1000
    ok = ok and under
    print(f"{r['call']:32} {r['median_ms']:>10.2f} {r['max_ms']:>9.2f} {r['median_ms'] / base_ms:>10.1f} "
          f"{r['bytes']:>9}  {'yes' if under else 'NO'}")
print("every call under one second:", "yes" if ok else "NO")
line = json.dumps({"bench": "ops", "messages": messages, "seed_s": seed_s, "db_mb": db_mb,
                   "ready_ms": round(ready_ms), "measures_replay_ms": round(replay_ms),
                   "calls": rows, "all_under_1s": ok})
if results:
    with open(results, "a") as f:
        f.write(line + "\n")
print(line)
sys.exit(0 if ok else 1)
PY
