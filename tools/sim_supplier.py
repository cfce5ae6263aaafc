#!/usr/bin/env python3
"""A simulated X12 supplier for the demo: it answers the hub's 850s through the same folders a
real supplier (or its VAN mailbox) would use.

For every 850 the hub writes to the supplier's outbound folder it answers with an 855 (most often
a full acceptance, sometimes a partial confirmation with a backorder, sometimes a later date),
then an 856 for what it confirmed, and an 810; the warehouse side (the ERP's goods receipt) is
simulated too, so a purchase order walks its whole life on the dashboard.

    sim_supplier.py --data .data/demo [--seed N] [--delay 3]
"""
import argparse
import datetime
import json
import os
import random
import re
import sys
import time

SUPPLIER = "demo-supplier"


def envelope(control, fid, set_id, body):
    isa = "ISA*00*          *00*          *ZZ*%-15s*ZZ*%-15s*%s*%s*U*00401*%09d*0*P*>" % (
        "DEMOSUPPLIER", "CROSSDOCKHUB", time.strftime("%y%m%d"), time.strftime("%H%M"), control)
    segs = [isa, "GS*%s*DEMOSUPPLIER*CROSSDOCKHUB*%s*%s*%d*X*004010" % (
        fid, time.strftime("%Y%m%d"), time.strftime("%H%M"), control), "ST*%s*0001" % set_id]
    segs += body
    segs.append("SE*%d*0001" % (len(body) + 2))
    segs += ["GE*1*%d" % control, "IEA*1*%09d" % control]
    return "~\n".join(segs) + "~\n"


def drop(folder, name, text):
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, "." + name)
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, os.path.join(folder, name))


def parse_850(text):
    po = re.search(r"BEG\*\d\d\*\w*\*([^*~]+)", text).group(1)
    lines = []
    for m in re.finditer(r"PO1\*([^*]*)\*([^*]*)\*([^*]*)\*([^*]*)\*[^*]*\*([^~]*)", text):
        ids = m.group(5).split("*")
        pairs = dict(zip(ids[0::2], ids[1::2]))
        lines.append({"line": m.group(1), "qty": int(float(m.group(2))), "uom": m.group(3),
                      "price": m.group(4), "sku": pairs.get("BP", ""), "vp": pairs.get("VP", "")})
    date = re.search(r"DTM\*002\*(\d{8})", text)
    return po, lines, date.group(1) if date else time.strftime("%Y%m%d")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="the hub's data directory")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--delay", type=float, default=3.0, help="seconds between documents")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    base = os.path.join(args.data, "partners")
    out_dir = os.path.join(base, SUPPLIER, "outbound")
    in_dir = os.path.join(base, SUPPLIER, "inbound")
    erp_in = os.path.join(base, "erp", "inbound")
    seen = set()
    control = int(time.time()) % 100000000
    pending = []  # (due, action)
    print(f"simulated supplier watching {out_dir}", file=sys.stderr, flush=True)
    while True:
        if os.path.isdir(out_dir):
            for name in sorted(os.listdir(out_dir)):
                if not name.startswith("purchase_order-") or name in seen or name.endswith(".tmp"):
                    continue
                seen.add(name)
                with open(os.path.join(out_dir, name)) as f:
                    po, lines, date = parse_850(f.read())
                mood = rng.random()
                req = datetime.datetime.strptime(date, "%Y%m%d")
                later = (req + datetime.timedelta(days=rng.randint(5, 15))).strftime("%Y%m%d")
                ack, ship = ["BAK*00*AC*%s*%s" % (po, time.strftime("%Y%m%d"))], []
                for l in lines:
                    ack.append("PO1*%s*%d*%s*%s**BP*%s*VP*%s" % (l["line"], l["qty"], l["uom"],
                                                                 l["price"], l["sku"], l["vp"]))
                    if mood < 0.6:
                        ack.append("ACK*IA*%d*%s*068*%s" % (l["qty"], l["uom"], date))
                        ship.append((l, l["qty"]))
                    elif mood < 0.85:
                        now = max(1, int(l["qty"] * 0.6))
                        ack.append("ACK*IA*%d*%s*068*%s" % (now, l["uom"], date))
                        ack.append("ACK*IB*%d*%s*068*%s" % (l["qty"] - now, l["uom"], later))
                        ship.append((l, now))
                    else:
                        ack.append("ACK*DR*%d*%s*068*%s" % (l["qty"], l["uom"], later))
                        ship.append((l, l["qty"]))
                ack.append("CTT*%d" % len(lines))
                control += 1
                # One PO in four waits a while for its answer: acknowledgment latency varies.
                slow = rng.random() < 0.25
                due = time.time() + args.delay * (rng.uniform(20, 80) if slow else 1)
                pending.append((due, in_dir, f"855-{po}.x12", envelope(control, "PR", "855", ack)))
                # Ship, receive, invoice.
                hl = ["BSN*00*SH-%s*%s*%s*0001" % (po, time.strftime("%Y%m%d"), time.strftime("%H%M")),
                      "HL*1**S", "TD5**2*DEMO", "DTM*017*%s" % date, "HL*2*1*O", "PRF*%s" % po]
                n = 2
                for l, q in ship:
                    n += 1
                    hl += ["HL*%d*2*I" % n, "LIN*%s*BP*%s*VP*%s" % (l["line"], l["sku"], l["vp"]),
                           "SN1*%s*%d*%s" % (l["line"], q, l["uom"])]
                hl.append("CTT*%d" % n)
                control += 1
                pending.append((due + args.delay, in_dir, f"856-{po}.x12", envelope(control, "SH", "856", hl)))
                receipt = {"receipt_id": "GR-" + po, "warehouse": "WH-EAST", "po_number": po,
                           "shipment_id": "SH-" + po,
                           "received_at": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
                           "lines": [{"line_number": l["line"], "item": {"sku": l["sku"]},
                                      "received": {"value": str(q), "uom": l["uom"]}} for l, q in ship]}
                pending.append((due + 2 * args.delay, erp_in, f"gr-{po}.json", json.dumps(receipt)))
                price_bump = rng.random() < 0.2
                inv = ["BIG*%s*INV-%s**%s" % (time.strftime("%Y%m%d"), po, po)]
                total = 0.0
                for l, q in ship:
                    price = float(l["price"]) * (1.1 if price_bump else 1.0)
                    inv.append("IT1*%s*%d*%s*%.4f**BP*%s*VP*%s" % (l["line"], q, l["uom"], price,
                                                                  l["sku"], l["vp"]))
                    total += q * round(price, 4)
                inv += ["TDS*%d" % round(total * 100), "CTT*%d" % len(ship)]
                control += 1
                pending.append((due + 3 * args.delay, in_dir, f"810-{po}.x12", envelope(control, "IN", "810", inv)))
                print(f"answering {po} ({'full' if mood < 0.6 else 'partial' if mood < 0.85 else 'late'}"
                      f"{', slowly' if slow else ''})",
                      file=sys.stderr, flush=True)
        now = time.time()
        for item in [p for p in pending if p[0] <= now]:
            pending.remove(item)
            drop(item[1], item[2], item[3])
        time.sleep(0.5)


if __name__ == "__main__":
    main()
