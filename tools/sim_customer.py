#!/usr/bin/env python3
"""A simulated customer portal for the demo: it places orders through the hub's API
(POST /v1/orders) every few seconds, with the partner's own ship-to and catalog items.

    sim_customer.py --url http://127.0.0.1:8080 --token demo-admin-token [--every 5]
"""
import argparse
import datetime
import json
import random
import sys
import time
import urllib.error
import urllib.request

# (sku, contract or list price, quantity range, pack multiple)
ITEMS = [("SKU-1001", "0.19", (2, 18), 50), ("SKU-1002", "0.03", (100, 3000), 1),
         ("SKU-2001", "11.50", (1, 30), 1)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--token", required=True)
    ap.add_argument("--customer", default="json-customer")
    ap.add_argument("--every", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    n = 0
    while True:
        time.sleep(args.every)
        n += 1
        po = "PORTAL-%s-%04d" % (time.strftime("%H%M%S"), n)
        lines = []
        for i, (sku, price, (lo, hi), pack) in enumerate(rng.sample(ITEMS, rng.randint(1, len(ITEMS)))):
            lines.append({"line_number": str(i + 1), "item": {"sku": sku},
                          "quantity": {"value": str(rng.randint(lo, hi) * pack), "uom": "EA"},
                          "unit_price": {"amount": price, "currency": "USD"}})
        today = datetime.date.today()
        body = {"po_number": po, "order_date": today.isoformat(), "currency": "USD",
                "requested_delivery_date": (today + datetime.timedelta(days=rng.randint(1, 7))).isoformat(),
                "parties": [{"role": "ship_to", "id": "ST-SHOPCO-01"}], "lines": lines}
        req = urllib.request.Request(
            f"{args.url}/v1/orders?customer={args.customer}", data=json.dumps(body).encode(),
            headers={"Authorization": "Bearer " + args.token, "Content-Type": "application/json",
                     "Idempotency-Key": po}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                print(f"ordered {po}: {r.status}", file=sys.stderr, flush=True)
        except (urllib.error.URLError, OSError) as e:
            print(f"order {po} not placed yet: {e}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
