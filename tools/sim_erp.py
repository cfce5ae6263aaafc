#!/usr/bin/env python3
"""A simulated ERP for the demo: every few minutes it exports a stock snapshot into the hub's ERP
folder, as a real ERP's scheduled export would. The figures are the hub's own on-hand (read from
GET /v1/availability), so the snapshot keeps the inventory in sync (and the sync-lag measure
fresh) without undoing what receipts and shipments changed.

    sim_erp.py --data .data/demo --url http://127.0.0.1:8080 --token demo-admin-token [--every 300]
"""
import argparse
import datetime
import json
import os
import sys
import time
import urllib.error
import urllib.request

SKUS = ["SKU-1001", "SKU-1002", "SKU-2001", "SKU-3002"]


def on_hand(url, token, sku):
    req = urllib.request.Request(f"{url}/v1/availability?sku={sku}&qty=1",
                                 headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=10) as r:
        body = json.load(r)
    return [(w["warehouse"], w["on_hand"]) for w in body.get("warehouses", [])]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--token", required=True)
    ap.add_argument("--every", type=float, default=300.0)
    args = ap.parse_args()
    inbound = os.path.join(args.data, "partners", "erp", "inbound")
    os.makedirs(inbound, exist_ok=True)
    while True:
        time.sleep(args.every)
        now = datetime.datetime.now(datetime.timezone.utc)
        snap = "ERP-STK-" + now.strftime("%Y%m%d%H%M%S")
        rows = []
        try:
            for sku in SKUS:
                for wh, qty in on_hand(args.url, args.token, sku):
                    rows.append(f"{snap},{now.strftime('%Y-%m-%dT%H:%M:%SZ')},{sku},{wh},{qty},EA")
        except (urllib.error.URLError, OSError, ValueError) as e:
            print(f"stock export skipped: {e}", file=sys.stderr, flush=True)
            continue
        if not rows:
            continue
        tmp = os.path.join(inbound, "." + snap + ".csv")
        with open(tmp, "w") as f:
            f.write("Snapshot,Taken At,Item,Warehouse,On Hand,Unit\n" + "\n".join(rows) + "\n")
        os.rename(tmp, os.path.join(inbound, snap + ".csv"))
        print(f"exported {snap} ({len(rows)} positions)", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
