#!/usr/bin/env bash
# crossdock with a live Tryton 6.0 as its ERP, on this machine:
#   1. a throwaway trytond (Debian's packages, SQLite, 127.0.0.1) seeded with a company, chart of
#      accounts, the example's products, parties and opening stock (tests/tryton/tryton.sh up);
#   2. the hub on examples/tryton, its ERP partner pointed at that trytond;
#   3. one sales order through the API, then what Tryton holds: the sale, and the purchase order
#      the hub raised when the first stock pull showed bolts below their reorder point.
# The hub and trytond keep running until Ctrl-C. Run `make build` first.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=.data/tryton
BIN=bin/crossdock
[ -x "$BIN" ] || { echo "build first: make build" >&2; exit 1; }
rm -rf "$DATA" && mkdir -p "$DATA"
bash tests/tryton/tryton.sh up "$DATA/erp" >/dev/null
# shellcheck disable=SC1091
. "$DATA/erp/env"
PIDS=()
cleanup() {
  kill "${PIDS[@]}" 2>/dev/null || true
  bash tests/tryton/tryton.sh stop "$DATA/erp" || true
}
trap cleanup EXIT
cp -r examples/tryton "$DATA/config"
rm -f "$DATA/config/run.sh" "$DATA/config/README.md"
sed -i "s|url: \"http://127.0.0.1:8000/\"|url: \"$TRYTON_URL\"|; s|pull_interval_ms: 30000|pull_interval_ms: 2000|" \
  "$DATA/config/partners/erp.yaml"
CROSSDOCK_TRYTON_PASSWORD="$TRYTON_PASSWORD" "$BIN" serve --config "$DATA/config" --data "$DATA/hub" \
  >"$DATA/hub.log" 2>&1 &
PIDS+=($!)
API=http://127.0.0.1:8090
AUTH='Authorization: Bearer demo-admin-token'
for _ in $(seq 1 100); do curl -fs "$API/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "$API/readyz" >/dev/null || { tail -20 "$DATA/hub.log"; exit 1; }

today=$(date -u +%F)
curl -fsS -X POST "$API/v1/orders?customer=shopco" -H "$AUTH" -H 'Content-Type: application/json' \
  -H 'Idempotency-Key: example-so-1' -d @- >/dev/null <<JSON
{"po_number": "SHOP-4711", "order_date": "$today", "currency": "USD",
 "parties": [{"role": "ship_to", "id": "ST-SHOPCO-01"}],
 "lines": [{"line_number": "1", "item": {"sku": "SKU-2001"}, "quantity": {"value": "5", "uom": "EA"},
            "unit_price": {"amount": "11.90", "currency": "USD"}}]}
JSON
echo "waiting for the order and the replenishment PO to reach Tryton..."
python3 - "$TRYTON_URL" "$TRYTON_DB" "$TRYTON_PASSWORD" <<'PY'
import sys, time
sys.path.insert(0, "tests/tryton")
from tryton_rpc import Client
c = Client(sys.argv[1], sys.argv[2], "admin", sys.argv[3]).login()
deadline = time.time() + 60
while time.time() < deadline:
    sales = c.search_read("sale.sale", [["reference", "like", "shopco/%"]], ["reference", "number", "state"])
    pos = c.search_read("purchase.purchase", [["reference", "!=", None]], ["reference", "number", "state"])
    if sales and pos:
        break
    time.sleep(0.5)
for s in sales:
    print(f"  Tryton sale.sale          {s['number']}  reference {s['reference']}  state {s['state']}")
for p in pos:
    print(f"  Tryton purchase.purchase  {p['number']}  reference {p['reference']}  state {p['state']}")
if not (sales and pos):
    sys.exit("not everything arrived in 60 s; see .data/tryton/hub.log and GET /v1/dead-letters")
PY
cat <<MSG

  crossdock + Tryton
  ------------------
  hub          $API  (dashboard at /, token demo-admin-token), log $DATA/hub.log
  Tryton       $TRYTON_URL  database $TRYTON_DB, user admin, password in $DATA/erp/env
  try          curl -H '$AUTH' '$API/v1/availability?sku=SKU-1002&qty=10'
               curl -H '$AUTH' $API/v1/orders  |  $API/v1/purchase-orders
  Ctrl-C stops the hub and trytond.
MSG
wait "${PIDS[0]}"
