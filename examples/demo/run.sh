#!/usr/bin/env bash
# Starts the demo: a webhook receiver, a simulated X12 supplier answering the hub's purchase
# orders through its folders, a simulated 3PL shipping what the hub releases, a customer portal
# placing orders through the API, an ERP exporting stock snapshots, and the hub on its embedded
# default (SQLite under .data/demo); the dashboard shows it all at http://127.0.0.1:8080/.
# An ERP stock snapshot is dropped at start, so replenishment raises the first POs at once.
# Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=.data/demo
mkdir -p "$DATA/partners/erp/inbound"
SECRET=whsec_ZGVtby13ZWJob29rLXNlY3JldC0xMjM0NTY3ODkw
python3 tools/webhook_receiver.py --port 8081 --secret "$SECRET" --log "$DATA/webhooks.jsonl" &
PIDS=($!)
python3 tools/sim_supplier.py --data "$DATA" --delay 3 &
PIDS+=($!)
python3 tools/sim_warehouse.py --data "$DATA" --delay 4 &
PIDS+=($!)
python3 tools/sim_customer.py --url http://127.0.0.1:8080 --token demo-admin-token --every 6 &
PIDS+=($!)
python3 tools/sim_erp.py --data "$DATA" --url http://127.0.0.1:8080 --token demo-admin-token --every 300 &
PIDS+=($!)
trap 'kill "${PIDS[@]}" 2>/dev/null || true' EXIT
cp examples/demo/samples/erp/stock-2026-11-23.csv "$DATA/partners/erp/inbound/stock-$(date +%s).csv"
cat <<MSG

  crossdock demo
  --------------
  dashboard    http://127.0.0.1:8080/  (log in with demo-admin-token)
  API          http://127.0.0.1:8080  (health: /healthz, metrics: /metrics)
  admin token  demo-admin-token        (partner token for demo-supplier: demo-supplier-token)
  store        $DATA/crossdock.db (SQLite, WAL)
  webhooks     received by a local receiver, logged to $DATA/webhooks.jsonl
  supplier     a simulated X12 supplier answers POs through $DATA/partners/demo-supplier/
  3PL          a simulated warehouse ships releases through $DATA/partners/demo-warehouse/
  portal       a simulated customer portal places an order every few seconds (POST /v1/orders)
  ERP          exports a stock snapshot every 5 minutes into $DATA/partners/erp/inbound/

  Low stock in the ERP snapshot raises purchase orders; watch them move:
    curl -H 'Authorization: Bearer demo-admin-token' http://127.0.0.1:8080/v1/purchase-orders
    curl -H 'Authorization: Bearer demo-admin-token' 'http://127.0.0.1:8080/v1/availability?sku=SKU-1001&qty=2000'
    curl -H 'Authorization: Bearer demo-admin-token' http://127.0.0.1:8080/v1/exceptions
    curl -H 'Authorization: Bearer demo-admin-token' http://127.0.0.1:8080/v1/orders
  Send a customer order:
    curl -X POST http://127.0.0.1:8080/v1/inbound/json-customer \\
      -H 'Authorization: Bearer demo-admin-token' -H 'Content-Type: application/json' \\
      --data-binary @examples/demo/samples/json-customer/order-SC-88412.json

  Ctrl-C stops the hub, the supplier and the receiver.

MSG
bin/crossdock serve --config examples/demo --data "$DATA"
