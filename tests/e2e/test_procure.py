"""Procure-to-pay end to end with real X12 files through the file-drop transport: stock falls
below the reorder point -> PO -> 850 in the supplier's outbound folder -> the supplier's 855
confirms 60 % -> exception, on-order updated, the promise date moves -> 856 -> in transit ->
receipt -> 810 with a price deviation -> discrepancy exception. All checked through the API.
Then the same flow with the hub killed (SIGKILL) at random points: no PO lost, none sent twice."""
import json
import os
import random
import re
import shutil
import time
import unittest

from harness import ADMIN, Hub, Receiver, main
from test_pipeline import OPERATOR, example_config

SUPPLIER = "demo-supplier"


def isa_env(control, fid, set_id, body, sender="DEMOSUPPLIER"):
    isa = "ISA*00*          *00*          *ZZ*%-15s*ZZ*%-15s*261123*0930*U*00401*%09d*0*P*>" % (
        sender, "CROSSDOCKHUB", control)
    segs = [isa, "GS*%s*%s*CROSSDOCKHUB*20261123*0930*%d*X*004010" % (fid, sender, control),
            "ST*%s*0001" % set_id] + body
    segs.append("SE*%d*0001" % (len(body) + 2))
    segs += ["GE*1*%d" % control, "IEA*1*%09d" % control]
    return "~\n".join(segs) + "~\n"


class Flow:
    """Drives one procure-to-pay run against a hub through its folders and API."""

    def __init__(self, test, hub):
        self.t, self.hub = test, hub
        self.dirs = {p: os.path.join(hub.data, "partners", p) for p in (SUPPLIER, "erp")}

    def drop(self, partner, name, text):
        d = os.path.join(self.dirs[partner], "inbound")
        os.makedirs(d, exist_ok=True)
        tmp = os.path.join(d, "." + name)
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, os.path.join(d, name))

    def outbound(self, partner, pattern):
        d = os.path.join(self.dirs[partner], "outbound")
        if not os.path.isdir(d):
            return []
        return sorted(f for f in os.listdir(d) if re.search(pattern, f) and not f.endswith(".tmp"))

    def read_out(self, partner, name):
        with open(os.path.join(self.dirs[partner], "outbound", name)) as f:
            return f.read()

    def until(self, what, fn, timeout=60):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = fn()
                if last:
                    return last
            except (OSError, ValueError, KeyError, IndexError, TypeError):
                pass
            time.sleep(0.1)
        try:
            _, _, exs = self.hub.json("GET", "/v1/exceptions?limit=20")
            _, _, dls = self.hub.json("GET", "/v1/dead-letters")
        except OSError:
            exs = dls = "hub down"
        self.t.fail(f"timed out waiting for {what}; last: {last}\nexceptions: {exs}\n"
                    f"dead letters: {dls}\nlog: {self.hub.read_log()[-3000:]}")

    def po(self, number):
        code, _, body = self.hub.json("GET", f"/v1/purchase-orders/{number}")
        return body if code == 200 else None

    def atp(self, qty):
        code, _, body = self.hub.json("GET", f"/v1/availability?sku=SKU-1001&qty={qty}")
        self.t.assertEqual(code, 200, body)
        return body


class ProcureToPayTest(unittest.TestCase):
    def setUp(self):
        self.receiver = Receiver()
        self.hub = Hub()
        self.cfg = example_config(self.hub.port, self.receiver.port)
        self.hub.config_path = self.cfg
        self.hub.start()
        self.flow = Flow(self, self.hub)

    def tearDown(self):
        self.hub.stop()
        self.hub.cleanup()
        self.receiver.close()
        shutil.rmtree(self.cfg, ignore_errors=True)

    def test_low_stock_to_invoice_discrepancy(self):
        f, hub = self.flow, self.hub
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "examples", "demo",
                               "samples", "erp", "stock-2026-11-23.csv")) as s:
            f.drop("erp", "stock-1.csv", s.read())
        # 500 on hand < reorder point 900 (100/day x 7 days + 200): a PO for 3000 - 500.
        files = f.until("an 850 in the supplier's folder", lambda: f.outbound(SUPPLIER, r"^purchase_order-"))
        self.assertEqual(len(files), 1, files)
        x850 = f.read_out(SUPPLIER, files[0])
        beg = re.search(r"BEG\*00\*SA\*([^*~]+)\*", x850)
        self.assertIsNotNone(beg, x850)
        po_number = beg.group(1)
        self.assertRegex(x850, r"PO1\*1\*2500\*EA\*0\.12\*")
        self.assertIn("VP*DS-HB840", x850)
        self.assertIn("ISA*00*          *00*          *ZZ*CROSSDOCKHUB", x850)
        po = f.until("PO sent", lambda: (f.po(po_number) or {}).get("state") == "sent" and f.po(po_number))
        self.assertEqual(po["supplier"], SUPPLIER)
        self.assertEqual(po["lines"][0]["ordered"], "2500")
        def east(qty):
            return [w for w in f.atp(qty)["warehouses"] if w["warehouse"] == "WH-EAST"][0]
        self.assertEqual(east(2500)["promise_date"], po["lines"][0]["requested_date"])
        before = east(2500)["promise_date"]
        # The ERP got the PO posted? Not yet: it gets receipts and matched invoices.
        # 855: 60 % for the requested date, 40 % backordered two weeks later.
        req = po["lines"][0]["requested_date"].replace("-", "")
        import datetime
        later = (datetime.date.fromisoformat(po["lines"][0]["requested_date"]) +
                 datetime.timedelta(days=14)).strftime("%Y%m%d")
        f.drop(SUPPLIER, "855-1.x12", isa_env(9001, "PR", "855", [
            f"BAK*00*AC*{po_number}*20261123", "PO1*1*2500*EA*0.12**BP*SKU-1001*VP*DS-HB840",
            f"ACK*IA*1500*EA*068*{req}", f"ACK*IB*1000*EA*068*{later}", "CTT*1"]))
        po = f.until("partially confirmed",
                     lambda: (f.po(po_number) or {}).get("state") == "partially_confirmed" and f.po(po_number))
        ex = [e for e in po["exceptions"] if e["type"] == "partial_confirmation"]
        self.assertEqual(len(ex), 1)
        self.assertIn("1500 EA", ex[0]["message"])
        wh = east(2500)
        self.assertEqual(wh["on_order"], "2500")
        self.assertNotEqual(wh["promise_date"], before)        # moved...
        self.assertEqual(wh["promise_date"], f"{later[:4]}-{later[4:6]}-{later[6:]}")  # ...to the backorder
        # The 997 for the 855 came back through the folder.
        f.until("997 for the 855", lambda: f.outbound(SUPPLIER, r"997"))
        # 856 ships the 1500.
        f.drop(SUPPLIER, "856-1.x12", isa_env(9002, "SH", "856", [
            f"BSN*00*SH-9002*20261125*1200*0001", "HL*1**S", "TD5**2*ABFS", f"DTM*017*{req}",
            "HL*2*1*O", f"PRF*{po_number}", "HL*3*2*P", "MAN*GM*00006141410000000012",
            "HL*4*3*I", "LIN*1*BP*SKU-1001*VP*DS-HB840", "SN1*1*1500*EA", "CTT*4"]))
        po = f.until("shipped", lambda: (f.po(po_number) or {}).get("state") == "shipped" and f.po(po_number))
        wh = [w for w in f.atp(1)["warehouses"] if w["warehouse"] == "WH-EAST"][0]
        self.assertEqual(wh["in_transit"], "1500")
        self.assertEqual(wh["on_order"], "1000")
        # The warehouse receives 1490 of the 1500 (the ERP exports the goods receipt).
        f.drop("erp", "gr-1.json", json.dumps({
            "receipt_id": "GR-1", "warehouse": "WH-EAST", "po_number": po_number,
            "shipment_id": "SH-9002", "received_at": "2026-12-01T10:00:00Z",
            "lines": [{"line_number": "1", "item": {"sku": "SKU-1001"},
                       "received": {"value": "1490", "uom": "EA"}}]}))
        po = f.until("received", lambda: (f.po(po_number) or {}).get("state") == "partially_received" and f.po(po_number))
        var = [e for e in po["exceptions"] if e["type"] == "receipt_variance"]
        self.assertEqual(len(var), 1)
        self.assertIn("expected 1500 EA, received 1490 EA", var[0]["message"])
        wh = [w for w in f.atp(1)["warehouses"] if w["warehouse"] == "WH-EAST"][0]
        self.assertEqual(wh["on_hand"], "1990")
        self.assertEqual(wh["in_transit"], "10")
        f.until("receipt posted to the ERP", lambda: f.outbound("erp", r"erp-receipt-GR-1"))
        # 810 bills 1490 at 0.13: 8.3 % over the PO price, tolerance 2 %.
        f.drop(SUPPLIER, "810-1.x12", isa_env(9003, "IN", "810", [
            f"BIG*20261202*INV-9003**{po_number}", "IT1*1*1490*EA*0.13**BP*SKU-1001*VP*DS-HB840",
            "TDS*19370", "CTT*1"]))
        po = f.until("discrepancy", lambda: (f.po(po_number) or {}).get("state") == "discrepancy" and f.po(po_number))
        disc = [e for e in po["exceptions"] if e["type"] == "invoice_price_variance"]
        self.assertEqual(len(disc), 1)
        self.assertEqual(disc[0]["value"], "0.13")
        self.assertFalse(f.outbound("erp", r"erp-invoice"))  # unmatched invoices are not posted
        # The timeline tells the story, and CloudEvents went out for each step.
        events = [e["event"] for e in po["timeline"]]
        for e in ["purchase_order.created.v1", "purchase_order.released.v1", "purchase_order.sent.v1",
                  "purchase_order.partially_confirmed.v1", "purchase_order.shipped.v1",
                  "purchase_order.partially_received.v1", "purchase_order.discrepancy.v1"]:
            self.assertIn(e, events)
        types = f.until("the CloudEvents delivered", lambda: (
            lambda t: t if "purchase_order.discrepancy.v1" in t else None)(
                {e["event"]["type"] for e in self.receiver.events()}))
        self.assertIn("purchase_order.partially_confirmed.v1", types)
        code, _, lst = hub.json("GET", "/v1/purchase-orders?status=discrepancy")
        self.assertIn(po_number, [p["po_number"] for p in lst["items"]])
        # Exceptions can be filtered and acted on.
        code, _, lst = hub.json("GET", f"/v1/exceptions?type=invoice_price_variance&partner={SUPPLIER}")
        self.assertEqual(len(lst["items"]), 1)

    def test_approval_threshold_holds_a_large_po(self):
        f, hub = self.flow, self.hub
        # SKU-2001: 0 on hand -> 200 at 9.80 = 1960 > threshold 1000: waits for approval.
        f.drop("erp", "stock-2.csv", "Snapshot,Taken At,Item,Warehouse,On Hand,Unit\n"
               "S2,2026-11-23T05:00:00Z,SKU-2001,WH-EAST,0,EA\n")
        po = f.until("a pending PO", lambda: [p for p in hub.json("GET", "/v1/purchase-orders?status=pending_approval")[2]["items"]])
        number = po[0]["po_number"]
        self.assertFalse(f.outbound(SUPPLIER, r"^purchase_order-"))
        code, _, body = hub.json("POST", f"/v1/purchase-orders/{number}/approve", token=OPERATOR)
        self.assertEqual(code, 202, body)
        f.until("sent after approval", lambda: (f.po(number) or {}).get("state") == "sent")
        self.assertEqual(f.po(number)["approved_by"], "ops-e2e")
        self.assertEqual(len(f.outbound(SUPPLIER, r"^purchase_order-")), 1)
        code, _, body = hub.json("POST", f"/v1/purchase-orders/{number}/approve", token=OPERATOR)
        self.assertEqual(code, 409)


class PlanningRecommendationTest(unittest.TestCase):
    def test_a_planning_recommendation_goes_through_the_same_rules(self):
        receiver = Receiver()
        hub = Hub()
        cfg = example_config(hub.port, receiver.port)
        with open(os.path.join(cfg, "partners", "planner.yaml"), "w") as f:
            f.write("name: Demand planning\nkind: planning\nformats: [json]\n"
                    "documents:\n  - {type: replenishment_recommendation, direction: in, format: json}\n")
        hub.config_path = cfg
        hub.start()
        try:
            # 130 EA recommended; the supplier's MOQ is 100 and its pack 50: the PO is for 150.
            code, _, body = hub.post_doc("planner", {
                "recommendation_id": "REC-7", "sku": "SKU-1001", "warehouse": "WH-EAST",
                "supplier": "demo-supplier", "quantity": {"value": "130", "uom": "EA"},
                "reason": "forecast"})
            self.assertEqual(code, 202, body)
            flow = Flow(self, hub)
            files = flow.until("the 850", lambda: flow.outbound(SUPPLIER, r"^purchase_order-"))
            self.assertRegex(flow.read_out(SUPPLIER, files[0]), r"PO1\*1\*150\*EA\*")
            code, _, lst = hub.json("GET", "/v1/purchase-orders")
            po = flow.po(lst["items"][0]["po_number"])
            self.assertIn("recommendation REC-7", po["reason"])
        finally:
            hub.stop()
            hub.cleanup()
            receiver.close()
            shutil.rmtree(cfg, ignore_errors=True)


class KillDuringProcureTest(unittest.TestCase):
    def test_sigkill_at_random_points_loses_no_po_and_sends_none_twice(self):
        receiver = Receiver()
        hub = Hub()
        cfg = example_config(hub.port, receiver.port)
        hub.config_path = cfg
        hub.start()
        flow = Flow(self, hub)
        rng = random.Random(int(os.environ.get("CROSSDOCK_CRASH_SEED", time.time())))
        try:
            def chaos(n=1):
                for _ in range(n):
                    time.sleep(rng.uniform(0.0, 0.4))
                    hub.kill()
                    hub.start()
            flow.drop("erp", "stock-k.csv", "Snapshot,Taken At,Item,Warehouse,On Hand,Unit\n"
                      "SK,2026-11-23T05:00:00Z,SKU-1001,WH-EAST,500,EA\n")
            chaos(3)
            files = flow.until("the 850", lambda: flow.outbound(SUPPLIER, r"^purchase_order-"))
            po_number = re.search(r"BEG\*00\*SA\*([^*~]+)\*", flow.read_out(SUPPLIER, files[0])).group(1)
            flow.drop(SUPPLIER, "855-k.x12", isa_env(9101, "PR", "855", [
                f"BAK*00*AC*{po_number}*20261123", "PO1*1*2500*EA*0.12**BP*SKU-1001",
                "ACK*IA*1500*EA*068*20261130", "ACK*IB*1000*EA*068*20261215", "CTT*1"]))
            chaos(3)
            flow.until("partially confirmed", lambda: (flow.po(po_number) or {}).get("state") == "partially_confirmed")
            flow.drop(SUPPLIER, "856-k.x12", isa_env(9102, "SH", "856", [
                "BSN*00*SH-K*20261125*1200*0001", "HL*1**S", "HL*2*1*O", f"PRF*{po_number}",
                "HL*3*2*I", "LIN*1*BP*SKU-1001", "SN1*1*1500*EA", "CTT*3"]))
            chaos(2)
            flow.until("shipped", lambda: (flow.po(po_number) or {}).get("state") == "shipped")
            # Same stock again: the position now counts the PO, so no second PO.
            flow.drop("erp", "stock-k2.csv", "Snapshot,Taken At,Item,Warehouse,On Hand,Unit\n"
                      "SK2,2026-11-23T06:00:00Z,SKU-1001,WH-EAST,500,EA\n")
            chaos(2)
            time.sleep(2)
            code, _, lst = hub.json("GET", "/v1/purchase-orders")
            self.assertEqual([p["po_number"] for p in lst["items"]], [po_number])
            self.assertEqual(len(flow.outbound(SUPPLIER, r"^purchase_order-")), 1)
            po = flow.po(po_number)
            self.assertEqual(po["lines"][0]["shipped"], "1500")
            self.assertEqual(len([e for e in po["exceptions"] if e["type"] == "partial_confirmation"]), 1)
            # Every inbound file was taken exactly once.
            for p in (SUPPLIER, "erp"):
                self.assertEqual([f for f in os.listdir(os.path.join(flow.dirs[p], "inbound"))
                                  if not f.startswith(".")], [])
        finally:
            hub.stop()
            hub.cleanup()
            receiver.close()
            shutil.rmtree(cfg, ignore_errors=True)


if __name__ == "__main__":
    main()
