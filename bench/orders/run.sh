#!/usr/bin/env bash
# Order-to-cash benchmark: sales orders per second accepted, validated and reserved, end to end
# over HTTP against the real hub, with zero oversell. Goal on the 2-core machine: >= 5,000
# orders/s from the first POST /v1/orders until every order has reached its decided state
# (released: stock reserved and released to the warehouse; accepted: fully backordered), with
# no SKU x warehouse ever reserving more than it has on hand.
#
#   1. A generated configuration (bench/orders/run.sh writes it): SKUS catalog items, warehouses
#      WH-01..WH-NN, CUSTOMERS API customers (kind customer, formats [json], an inbound
#      sales_order route, contract price for every item, a credit limit, a default ship-to, the
#      warehouses in preference order, split shipments allowed), no destinations.
#   2. bench_atp_load (bench/atp) writes the stock into a fresh store before the hub starts:
#      ON_HAND per SKU x warehouse, except every SHORT_EVERY-th SKU, which gets only
#      SHORT_ON_HAND per warehouse: far less than the orders ask for, so an oversell would show.
#   3. The hub starts on it; bench_loadgen (bench/intake) POSTs ORDERS canonical sales orders to
#      /v1/orders?customer=bench-cN over CONNECTIONS keep-alive connections, each with a unique
#      PO number and Idempotency-Key, LINES lines of a random SKU x 1..MAX_QTY (body template
#      --body-file). Every order goes through the hub's real path: durable accept (202), decode
#      (canonical JSON, validation rules: item, unit, price against the contract, ship-to), the
#      order-to-cash hook, so.event (credit check, allocation against available-to-promise,
#      guarded reservation, backorder, acknowledgment and release commands, state commit).
#   4. Done when the store holds ORDERS sales orders and no decode or so.event item is left
#      (polled on a read-only connection). orders/s = ORDERS / (last order's updated_at - the
#      first POST); the accept rate alone is reported too.
#   5. Oversell check, twice: over the API (GET /v1/availability for every SKU: reserved <= on
#      hand in every warehouse) and in the store after the hub stopped (positions.reserved <=
#      on_hand; the reservations the orders hold, summed per SKU x warehouse, equal
#      positions.reserved; every line's allocations + backorder = its quantity). The short SKUs
#      must end fully reserved with backorders, or the run did not test oversell at all.
#
# Usage: bench/orders/run.sh            (after `make build`)
# Environment (all optional):
#   BUILD_DIR    build tree with bench_loadgen and bench_atp_load (default build/release)
#   CROSSDOCK    hub binary (default bin/crossdock, else BUILD_DIR/bin/crossdock)
#   ORDERS       orders per run (50000)            CONNECTIONS keep-alive connections (64)
#   SKUS         catalog items (1000)              WAREHOUSES  warehouses (2)
#   CUSTOMERS    API customers (8)                 LINES       lines per order (2)
#   MAX_QTY      quantity per line 1..MAX_QTY (10) ON_HAND     stock per cell (1000000)
#   SHORT_EVERY  every N-th SKU is short (5)       SHORT_ON_HAND its stock per warehouse (100)
#   VARIANTS     runs per round, each SYNC = store.synchronous (default "full normal")
#   ROUNDS       repetitions (1)                   LG_THREADS  load generator threads (1)
#   TIMEOUT      seconds to wait for the drain (600)
#   RESULTS_JSON if set, every raw JSON result line is appended to this file
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-build/release}"
LOADGEN="$BUILD_DIR/bench/intake/bench_loadgen"
LOADER="$BUILD_DIR/bench/atp/bench_atp_load"
CROSSDOCK="${CROSSDOCK:-bin/crossdock}"
[[ -x "$CROSSDOCK" ]] || CROSSDOCK="$BUILD_DIR/bin/crossdock"
ORDERS="${ORDERS:-50000}"
CONNECTIONS="${CONNECTIONS:-64}"
SKUS="${SKUS:-1000}"
WAREHOUSES="${WAREHOUSES:-2}"
CUSTOMERS="${CUSTOMERS:-8}"
LINES="${LINES:-2}"
MAX_QTY="${MAX_QTY:-10}"
ON_HAND="${ON_HAND:-1000000}"
SHORT_EVERY="${SHORT_EVERY:-5}"
SHORT_ON_HAND="${SHORT_ON_HAND:-100}"
VARIANTS="${VARIANTS:-full normal}"
ROUNDS="${ROUNDS:-1}"
LG_THREADS="${LG_THREADS:-1}"
TIMEOUT="${TIMEOUT:-600}"
GOAL=5000
TOKEN="demo-admin-token"  # plaintext of the admin token hash below (bench use only)
TOKEN_SHA="91c16f0d6cc1bec3c3603972182a07c66ff4fa71618a975e963d6dbe42b6dd37"
SKU_PREFIX="SKU-O"
SKU_WIDTH=5

die() {
  echo "orders bench: $*" >&2
  exit 1
}
log() { echo "orders bench: $*" >&2; }

for bin in "$LOADGEN" "$LOADER" "$CROSSDOCK"; do
  [[ -x "$bin" ]] || die "missing $bin; build first (make build)"
done
command -v curl >/dev/null || die "curl is needed"
command -v python3 >/dev/null || die "python3 is needed (configuration, checks and the table)"
for v in ORDERS CONNECTIONS SKUS WAREHOUSES CUSTOMERS LINES MAX_QTY ROUNDS LG_THREADS TIMEOUT; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, not '${!v}'"
done
((SKUS < 100000)) || die "SKUS must be below 100000 (SKU ids have $SKU_WIDTH digits)"
((WAREHOUSES <= 99)) || die "WAREHOUSES must be at most 99"
for v in $VARIANTS; do
  case "$v" in full | normal) ;;
    *) die "VARIANTS may contain full and normal, not '$v'" ;;
  esac
done

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_init orders





# ----------------------------------------------------------------------- the configuration
TODAY="$(date -u +%Y-%m-%d)"
python3 - "$TMP" "$SKUS" "$WAREHOUSES" "$CUSTOMERS" "$LINES" "$MAX_QTY" "$SKU_PREFIX" \
  "$SKU_WIDTH" "$TODAY" "$TOKEN_SHA" <<'PY'
import os, sys
tmp, skus, whs, customers, lines, max_qty = sys.argv[1], *map(int, sys.argv[2:7])
prefix, width, today, token_sha = sys.argv[7], int(sys.argv[8]), sys.argv[9], sys.argv[10]
cfg = os.path.join(tmp, "config")
os.makedirs(os.path.join(cfg, "partners"))
sku = lambda n: f"{prefix}{n:0{width}d}"
warehouses = [f"WH-{w:02d}" for w in range(1, whs + 1)]
with open(os.path.join(cfg, "crossdock.yaml"), "w") as f:
    f.write(f"""# Generated by bench/orders/run.sh (run.sh passes --listen and --data and sets synchronous).
server: {{listen: 127.0.0.1:18095, io_threads: 2, max_body_bytes: 1048576}}
store: {{engine: sqlite, path: crossdock.db, synchronous: full}}
engine: {{workers: 2, lease_seconds: 60}}
log: {{level: error}}
tokens:
  - {{name: bench-admin, sha256: {token_sha}, role: admin}}
""")
with open(os.path.join(cfg, "catalog.yaml"), "w") as f:
    f.write("# Generated by bench/orders/run.sh: the catalog and locations.\nitems:\n")
    for n in range(1, skus + 1):
        f.write(f'  - {{sku: {sku(n)}, description: "Order bench item {n}", base_uom: EA, '
                f'list_price: "4.25", currency: USD}}\n')
    f.write("locations:\n")
    for w in warehouses:
        f.write(f'  - {{id: {w}, kind: warehouse, name: "Bench warehouse {w}"}}\n')
    for c in range(1, customers + 1):
        f.write(f'  - {{id: ST-BENCH-{c:02d}, kind: ship_to, name: "Bench store {c}", '
                f'party: bench-c{c}}}\n')
for c in range(1, customers + 1):
    with open(os.path.join(cfg, "partners", f"bench-c{c}.yaml"), "w") as f:
        # Preference rotates so customers do not all drain the same warehouse first.
        pref = warehouses[(c - 1) % whs:] + warehouses[:(c - 1) % whs]
        f.write(f"""# Generated by bench/orders/run.sh: an API customer posting canonical sales orders.
name: Bench customer {c}
kind: customer
formats: [json]
documents:
  - {{type: sales_order, direction: in, format: json}}
rules:
  price_tolerance_percent: 1
warehouse_preference: [{", ".join(pref)}]
credit:
  limit: "1000000000.00"
  receivables: "0"
fulfillment:
  ship_complete: false
  allow_split: true
defaults:
  currency: USD
  ship_to: ST-BENCH-{c:02d}
items:
""")
        for n in range(1, skus + 1):
            f.write(f'  - {{sku: {sku(n)}, uom: EA, contract_price: "4.25", currency: USD}}\n')
# The order: a unique PO number ({uniq} = the request's Idempotency-Key), random SKUs and
# quantities; the customer's default ship-to applies.
ls = ",".join(
    f'{{"line_number":"{i}","item":{{"sku":"{prefix}{{rand:{skus}:{width}}}"}},'
    f'"quantity":{{"value":"{{rand:{max_qty}}}","uom":"EA"}},'
    f'"unit_price":{{"amount":"4.25","currency":"USD"}}}}' for i in range(1, lines + 1))
with open(os.path.join(tmp, "order.json"), "w") as f:
    f.write(f'{{"po_number":"PO-{{uniq}}","order_date":"{today}","currency":"USD",'
            f'"lines":[{ls}]}}\n')
PY
CFG="$TMP/config"
BODY="$TMP/order.json"
"$CROSSDOCK" check-config "$CFG" >/dev/null || die "the generated configuration does not load"

log "machine: $(nproc) cores, $(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
log "$ORDERS orders x $LINES lines (1..$MAX_QTY each) over $SKUS SKUs x $WAREHOUSES warehouses, $CUSTOMERS customers, $CONNECTIONS connections; every ${SHORT_EVERY}th SKU short ($SHORT_ON_HAND per warehouse); variants: $VARIANTS; $ROUNDS round(s)"

status=0
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  for VARIANT in $VARIANTS; do
    SYNC="${VARIANT%%+*}"
    DATA="$TMP/data-$ROUND-$VARIANT"
    mkdir -p "$DATA"
    RUN_CFG="$TMP/config-$SYNC"
    cp -r "$CFG" "$RUN_CFG"
    sed -i "s/synchronous: full/synchronous: $SYNC/" "$RUN_CFG/crossdock.yaml"
    "$LOADER" --db "$DATA/crossdock.db" --skus "$SKUS" --warehouses "$WAREHOUSES" \
      --sku-prefix "$SKU_PREFIX" --sku-width "$SKU_WIDTH" --on-order-pct 0 --in-transit-pct 0 \
      --on-hand "$ON_HAND" --short-every "$SHORT_EVERY" --short-on-hand "$SHORT_ON_HAND" \
      >/dev/null || die "bench_atp_load failed"

    PORT="$(free_port)"
    BASE="http://127.0.0.1:$PORT"
    "$CROSSDOCK" serve --config "$RUN_CFG" --data "$DATA" --listen "127.0.0.1:$PORT" \
      >"$TMP/hub-$ROUND-$VARIANT.log" 2>&1 &
    HUB=$!
    PIDS+=("$HUB")
    wait_http "$BASE/readyz" "$HUB" 120 ||
      die "crossdock did not become ready: $(tail -5 "$TMP/hub-$ROUND-$VARIANT.log")"

    log "round $ROUND, $VARIANT: posting $ORDERS orders"
    read -r -a m0 < <(machine_ticks)
    c0="$(proc_ticks "$HUB")"
    T0_MS="$(date +%s%3N)"
    lg_rc=0
    LG_JSON="$("$LOADGEN" --label "orders-$VARIANT" --method POST --body-file "$BODY" \
      --url-template "$BASE/v1/orders?customer=bench-c{rand:$CUSTOMERS}" --seed "$ROUND" \
      -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
      -c "$CONNECTIONS" -t "$LG_THREADS" -w 0 -n "$ORDERS" --timeout 60)" || lg_rc=$?
    [[ -n "$LG_JSON" ]] || die "the load generator failed (exit $lg_rc)"
    ((lg_rc == 0)) || { log "the load generator saw errors (exit $lg_rc)"; status=1; }

    # Wait for the drain: every order in the store, no decode or so.event work left.
    DRAIN_JSON="$(python3 - "$DATA/crossdock.db" "$ORDERS" "$TIMEOUT" "$HUB" <<'PY'
import json, os, sqlite3, sys, time
db, orders, timeout, pid = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
t0, n, left = time.time(), 0, 1
while time.time() - t0 < timeout:
    try:
        left = con.execute("SELECT EXISTS (SELECT 1 FROM work_items "
                           "WHERE step IN ('decode', 'so.event'))").fetchone()[0]
        n = con.execute("SELECT COUNT(*) FROM aggregates WHERE type = 'sales_order'").fetchone()[0]
    except sqlite3.OperationalError:
        pass
    if n >= orders and not left:
        break
    try:
        os.kill(pid, 0)
    except OSError:
        break
    time.sleep(0.05)
last = con.execute("SELECT MAX(updated_at) FROM aggregates WHERE type = 'sales_order'").fetchone()[0]
print(json.dumps({"drained": n >= orders and not left, "orders_seen": n, "last_ms": last or 0}))
PY
)"
    read -r -a m1 < <(machine_ticks)
    c1="$(proc_ticks "$HUB")"
    kill -0 "$HUB" 2>/dev/null || die "the hub died during the run: $(tail -5 "$TMP/hub-$ROUND-$VARIANT.log")"
    RSS="$(kib "$HUB" VmHWM)"

    # Oversell over the API: every SKU's positions.
    API_JSON="$(python3 - "$BASE" "$TOKEN" "$SKUS" "$SKU_PREFIX" "$SKU_WIDTH" <<'PY'
import json, sys, urllib.request
from decimal import Decimal
base, token, skus, prefix, width = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
over, cells, reserved, errors = [], 0, Decimal(0), 0
for n in range(1, skus + 1):
    sku = f"{prefix}{n:0{width}d}"
    req = urllib.request.Request(f"{base}/v1/availability?sku={sku}&qty=1",
                                 headers={"Authorization": "Bearer " + token})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            a = json.loads(r.read())
    except Exception as e:  # noqa: BLE001 - counted and shown
        errors += 1
        continue
    for w in a.get("warehouses", []):
        cells += 1
        on_hand, res = Decimal(w["on_hand"]), Decimal(w["reserved"])
        reserved += res
        if res > on_hand:
            over.append(f'{sku}@{w["warehouse"]}: reserved {res} > on hand {on_hand}')
print(json.dumps({"api_cells": cells, "api_oversold": len(over), "api_errors": errors,
                  "api_reserved": str(reserved), "api_examples": over[:5]}))
PY
)"
    stop_pid "$HUB" 30

    # Oversell in the store, and the orders' own reservations against the positions.
    STORE_JSON="$(python3 - "$DATA/crossdock.db" "$SHORT_EVERY" "$SKU_PREFIX" "$ORDERS" <<'PY'
import collections, json, sqlite3, sys
from decimal import Decimal
db, short_every, prefix, orders = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
pos = {(s, w): (Decimal(o), Decimal(r), Decimal(b)) for s, w, o, r, b in con.execute(
    "SELECT sku, warehouse, on_hand, reserved, backordered FROM positions")}
held = collections.Counter()
states = collections.Counter()
bad_lines = 0
lines = 0
for status, state in con.execute("SELECT status, state FROM aggregates WHERE type = 'sales_order'"):
    states[status] += 1
    s = json.loads(state)
    for l in s.get("lines", []):
        lines += 1
        alloc = sum((Decimal(a["quantity"]) for a in l.get("allocations", [])), Decimal(0))
        for a in l.get("allocations", []):
            held[(l["sku"], a["warehouse"])] += Decimal(a["quantity"])
        if alloc + Decimal(l.get("backordered", "0")) != Decimal(l["ordered"]) - Decimal(l.get("cancelled", "0")):
            bad_lines += 1
oversold = [k for k, (o, r, b) in pos.items() if r > o]
alloc_over = [k for k, q in held.items() if q > pos.get(k, (Decimal(0),) * 3)[0]]
mismatch = [k for k in set(pos) | set(held)
            if held.get(k, Decimal(0)) != pos.get(k, (Decimal(0),) * 3)[1]]
def is_short(sku):
    return short_every > 0 and int(sku[len(prefix):]) % short_every == 0
short = [k for k in pos if is_short(k[0])]
short_full = sum(1 for k in short if pos[k][1] == pos[k][0])
short_backordered = sum(1 for k in short if pos[k][2] > 0)
backordered_units = sum((p[2] for p in pos.values()), Decimal(0))
dead = dict(con.execute("SELECT name, COUNT(*) FROM dead_letters GROUP BY name").fetchall())
exceptions = dict(con.execute("SELECT type, COUNT(*) FROM exceptions GROUP BY type").fetchall())
# What the run left in the store, per order (what each order costs the single writer).
tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                    "AND name NOT LIKE 'sqlite_%'")]
rows = {t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
rows_per_order = {t: round(n / orders, 4) for t, n in sorted(rows.items())
                  if n and t not in ("positions", "schema_migrations", "profile_versions")}
print(json.dumps({
    "states": dict(states), "lines": lines, "bad_lines": bad_lines,
    "store_oversold": len(oversold), "orders_over_on_hand": len(alloc_over),
    "reservation_mismatch": len(mismatch), "short_cells": len(short),
    "short_cells_fully_reserved": short_full, "short_cells_backordered": short_backordered,
    "backordered_units": str(backordered_units),
    "reserved_units": str(sum((p[1] for p in pos.values()), Decimal(0))),
    "dead_letters": dead, "exceptions": exceptions, "rows_per_order": rows_per_order,
    "examples": [f"{s}@{w}" for s, w in (oversold + alloc_over + mismatch)[:5]]}))
PY
)"
    python3 - "$LG_JSON" "$DRAIN_JSON" "$API_JSON" "$STORE_JSON" "$T0_MS" "$ROUND" "$VARIANT" \
      "$ORDERS" "$(((m1[0] - m0[0]) * 100 / (m1[1] - m0[1] + 1)))" \
      "$(awk -v a="$c0" -v b="$c1" -v hz="$CLK_TCK" 'BEGIN {printf "%.2f", (b - a) / hz}')" \
      "$RSS" "$(du -cb "$DATA"/crossdock.db* | awk 'END {print $1}')" >>"$RESULTS" <<'PY'
import json, sys
lg, drain, api, store = (json.loads(x) for x in sys.argv[1:5])
t0, rnd, variant, orders = int(sys.argv[5]), int(sys.argv[6]), sys.argv[7], int(sys.argv[8])
busy, cpu, hwm, db_bytes = float(sys.argv[9]), float(sys.argv[10]), int(sys.argv[11]), int(sys.argv[12])
secs = (drain["last_ms"] - t0) / 1000 if drain["last_ms"] else 0
print(json.dumps({"bench": "orders", "round": rnd, "variant": variant,
                  "synchronous": variant.split("+")[0], "orders": orders,
                  "seconds": round(secs, 3), "orders_per_s": round(orders / secs, 1) if secs > 0 else 0,
                  "accept_s": lg["seconds"], "accepts_per_s": lg["ok_rps"],
                  "accept_p50_ms": lg["latency_us"]["p50"] / 1000,
                  "accept_p99_ms": lg["latency_us"]["p99"] / 1000, "accept_errors": lg["errors"],
                  "status": lg["status"], "hub_cpu_s": cpu, "machine_busy": busy,
                  "hwm_kib": hwm, "db_bytes": db_bytes, "drain": drain, "api": api,
                  "store": store}))
PY
    rm -rf "$DATA" "$RUN_CFG"
  done
done
if [[ -n "${RESULTS_JSON:-}" ]]; then cat "$RESULTS" >>"$RESULTS_JSON"; fi

python3 - "$RESULTS" "$GOAL" <<'PY' || status=1
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
goal = float(sys.argv[2])
print()
print("Order-to-cash benchmark. Goal on the 2-core machine: >= %.0f orders/s accepted, "
      "validated and reserved, zero oversell" % goal)
print()
fmt = "%-15s %5s %9s %7s %9s %8s %8s %8s %8s %8s %8s %6s %5s"
print(fmt % ("variant", "round", "orders/s", "x goal", "accepts/s", "acc p99", "hub CPU",
             "CPU/ord", "oversold", "short", "bo units", "errors", "busy"))
ok = True
by = {}
for r in rows:
    st, api = r["store"], r["api"]
    oversold = st["store_oversold"] + st["orders_over_on_hand"] + api["api_oversold"]
    problems = (r["accept_errors"] + api["api_errors"] + st["reservation_mismatch"] +
                st["bad_lines"] + sum(st["dead_letters"].values()) + (0 if r["drain"]["drained"] else 1))
    tested = st["short_cells"] > 0 and st["short_cells_fully_reserved"] == st["short_cells"]
    print(fmt % (r["variant"], r["round"], "%.0f" % r["orders_per_s"],
                 "%.2f" % (r["orders_per_s"] / goal), "%.0f" % r["accepts_per_s"],
                 "%.1fms" % r["accept_p99_ms"],
                 "%.0f%%" % (r["hub_cpu_s"] / r["seconds"] * 100 if r["seconds"] else 0),
                 "%.0fus" % (r["hub_cpu_s"] / r["orders"] * 1e6),
                 oversold, "%d/%d" % (st["short_cells_fully_reserved"], st["short_cells"]),
                 st["backordered_units"], problems, "%.0f%%" % r["machine_busy"]))
    print("                states %s; exceptions %s; dead letters %s; drain %s" %
          (json.dumps(st["states"]), json.dumps(st["exceptions"]), json.dumps(st["dead_letters"]),
           "complete" if r["drain"]["drained"] else "INCOMPLETE (%d orders seen)" % r["drain"]["orders_seen"]))
    print("                store rows per order: %s" %
          ", ".join("%s %g" % kv for kv in st.get("rows_per_order", {}).items()))
    if oversold or problems:
        ok = False
    if not tested:
        ok = False
        print("                the short SKUs did not run out: this run did not exercise oversell "
              "(raise ORDERS or lower SHORT_ON_HAND)")
    by.setdefault(r["variant"], []).append(r["orders_per_s"])
print()
for k, v in by.items():
    m = statistics.median(v)
    print("%s: %s%.0f orders/s = %.2fx the goal: %s%s" %
          (k, "median " if len(v) > 1 else "", m, m / goal, "met" if m >= goal else "MISSED",
           " (what-if: not the hub as shipped)" if "+" in k else ""))
print("zero oversell and a consistent store: %s" % ("yes" if ok else "NO"))
print("orders/s: orders / (last order decided - first POST), end to end; accepts/s: the 202s "
      "alone; hub CPU: the hub's CPU over the run (200% = both cores), CPU/ord: per order; oversold: SKU x "
      "warehouse cells with more reserved than on hand (API + store); short: short cells that "
      "ended fully reserved; bo units: units backordered; errors: failed requests, dead letters, "
      "store inconsistencies; busy: the whole machine.")
sys.exit(0 if ok else 1)
PY
exit "$status"
