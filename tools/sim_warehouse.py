#!/usr/bin/env python3
"""A simulated 3PL for the demo: it picks and ships what the hub releases to it.

Every release the hub writes to the 3PL's outbound folder (a canonical sales order for one
warehouse) is answered, after a delay, with a shipment confirmation in the 3PL's inbound folder.

    sim_warehouse.py --data .data/demo [--delay 4]
"""
import argparse
import datetime
import json
import os
import random
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--delay", type=float, default=4.0)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    base = os.path.join(args.data, "partners", "demo-warehouse")
    out_dir, in_dir = os.path.join(base, "outbound"), os.path.join(base, "inbound")
    seen, pending = set(), []
    print(f"simulated 3PL watching {out_dir}", file=sys.stderr, flush=True)
    while True:
        if os.path.isdir(out_dir):
            for name in sorted(os.listdir(out_dir)):
                if not name.startswith("sales_order-") or name in seen or name.endswith(".tmp"):
                    continue
                seen.add(name)
                with open(os.path.join(out_dir, name)) as f:
                    release = json.load(f)
                if release.get("purpose") == "cancel":
                    continue
                wh = next((p.get("id") for p in release.get("parties", []) if p.get("role") == "warehouse"), "")
                items = [{"line_number": l["line_number"], "item": {"sku": l["item"]["sku"]},
                          "quantity": l["quantity"]} for l in release["lines"]]
                ship = {"shipment_id": "WS-%06d" % rng.randint(0, 999999),
                        "ship_date": datetime.date.today().isoformat(),
                        "carrier_scac": rng.choice(["UPSN", "FDEG", "ABFS"]),
                        "tracking_number": "1Z%010d" % rng.randint(0, 9999999999),
                        "parties": [{"role": "ship_from", "id": wh}],
                        "orders": [{"po_number": release["po_number"], "items": items}]}
                pending.append((time.time() + args.delay, ship))
        now = time.time()
        for due, ship in [p for p in pending if p[0] <= now]:
            pending.remove((due, ship))
            os.makedirs(in_dir, exist_ok=True)
            name = ship["shipment_id"] + ".json"
            with open(os.path.join(in_dir, "." + name), "w") as f:
                json.dump(ship, f)
            os.rename(os.path.join(in_dir, "." + name), os.path.join(in_dir, name))
            print(f"shipped {ship['orders'][0]['po_number']} from {ship['parties'][0]['id']}",
                  file=sys.stderr, flush=True)
        time.sleep(0.5)


if __name__ == "__main__":
    main()
