"""Order-to-cash end to end (examples/demo profiles): orders from the API and from X12 850s are
validated, reserved against available-to-promise (split across warehouses, or backordered with a
promise date), released to the 3PL, shipped, noticed and invoiced back; credit holds released by
an operator; substitutions; cancellation; promise dates that move when supply moves; and 64
concurrent orders for the last units never reserving more than is there."""
import concurrent.futures
import datetime
import json
import os
import re
import shutil
import time
import unittest

from harness import ADMIN, Hub, Receiver, main
from test_pipeline import OPERATOR, example_config
from test_procure import Flow, isa_env

TODAY = datetime.date.today().isoformat()


def order(po, lines, ship_to="ST-SHOPCO-01", requested=None):
    return {"po_number": po, "order_date": TODAY, "currency": "USD",
            "requested_delivery_date": requested or TODAY,
            "parties": [{"role": "ship_to", "id": ship_to}],
            "lines": [{"line_number": str(i + 1), "item": {"sku": sku},
                       "quantity": {"value": str(q), "uom": "EA"},
                       "unit_price": {"amount": price, "currency": "USD"}}
                      for i, (sku, q, price) in enumerate(lines)]}


class OrdersBase(unittest.TestCase):
    """The demo configuration with its stock loaded; tests derive from it."""
    warehouse_yaml = None  # replaces partners/demo-warehouse.yaml when set

    def setUp(self):
        self.receiver = Receiver()
        self.hub = Hub()
        self.cfg = example_config(self.hub.port, self.receiver.port)
        if self.warehouse_yaml:
            with open(os.path.join(self.cfg, "partners", "demo-warehouse.yaml"), "w") as f:
                f.write(self.warehouse_yaml)
        self.hub.config_path = self.cfg
        self.hub.start()
        self.flow = Flow(self, self.hub)
        self.flow.dirs["demo-warehouse"] = os.path.join(self.hub.data, "partners", "demo-warehouse")
        self.flow.dirs["x12-customer"] = os.path.join(self.hub.data, "partners", "x12-customer")
        # Stock: SKU-1001 500 EAST + 2200 WEST; SKU-2001 150 EAST; SKU-1002 12000 EAST.
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "examples", "demo",
                               "samples", "erp", "stock-2026-11-23.csv")) as f:
            self.flow.drop("erp", "stock.csv", f.read())
        self.flow.until("stock loaded", lambda: self.east("SKU-1001")["on_hand"] == "500")

    def tearDown(self):
        self.hub.stop()
        self.hub.cleanup()
        self.receiver.close()
        shutil.rmtree(self.cfg, ignore_errors=True)

    def atp(self, sku, qty=1):
        code, _, body = self.hub.json("GET", f"/v1/availability?sku={sku}&qty={qty}")
        self.assertEqual(code, 200, body)
        return body

    def wh(self, sku, wh):
        return [w for w in self.atp(sku)["warehouses"] if w["warehouse"] == wh][0]

    def east(self, sku):
        return self.wh(sku, "WH-EAST")

    def post(self, body, customer="json-customer", token=ADMIN, key=None):
        h = {"Idempotency-Key": key} if key else None
        return self.hub.json("POST", f"/v1/orders?customer={customer}", body, token=token, headers=h)

    def get(self, order_id):
        code, _, body = self.hub.json("GET", f"/v1/orders/{order_id}")
        return body if code == 200 else None

    def state(self, order_id, want, timeout=30):
        return self.flow.until(f"{order_id} {want}",
                               lambda: (self.get(order_id) or {}).get("state") == want and self.get(order_id),
                               timeout=timeout)


class OrdersTest(OrdersBase):
    def test_split_across_warehouses_then_ship_notice_and_invoice(self):
        code, hdrs, body = self.post(order("SO-SPLIT", [("SKU-1001", 2600, "0.19"), ("SKU-2001", 10, "11.50")]),
                                     key="so-split")
        self.assertEqual(code, 202, body)
        self.assertEqual(body["order_id"], "json-customer/SO-SPLIT")
        o = self.state("json-customer/SO-SPLIT", "released")
        alloc = {a["warehouse"]: a["quantity"] for a in o["lines"][0]["allocations"]}
        self.assertEqual(alloc, {"WH-EAST": "500", "WH-WEST": "2100"})  # EAST preferred, then WEST
        self.assertEqual(self.east("SKU-1001")["reserved"], "500")
        self.assertEqual(self.wh("SKU-1001", "WH-WEST")["available_now"], "100")
        # The 3PL got one release per warehouse, and the customer an acknowledgment event.
        rel = self.flow.until("releases", lambda: len(self.flow.outbound("demo-warehouse", r"^sales_order-")) == 2
                              and self.flow.outbound("demo-warehouse", r"^sales_order-"))
        west = [f for f in rel if "WH-WEST" in f][0]
        release = json.loads(self.flow.read_out("demo-warehouse", west))
        self.assertEqual(release["po_number"], "json-customer/SO-SPLIT")
        self.assertEqual(release["lines"][0]["quantity"]["value"], "2100")
        acks = self.flow.until("ack event", lambda: [e for e in self.receiver.events()
                                                     if e["event"]["type"] == "sales_order.acknowledged.v1"])
        self.assertEqual(acks[0]["event"]["data"]["lines"][0]["details"][0]["status"], "accepted")
        # A repeat of the same POST is the same order.
        code, _, again = self.post(order("SO-SPLIT", [("SKU-1001", 1, "0.19")]), key="so-split")
        self.assertEqual(code, 200)
        # WEST ships its part.
        self.flow.drop("demo-warehouse", "ship-1.json", json.dumps({
            "shipment_id": "WS-1", "ship_date": TODAY, "carrier_scac": "UPSN", "tracking_number": "1Z999",
            "parties": [{"role": "ship_from", "id": "WH-WEST"}],
            "orders": [{"po_number": "json-customer/SO-SPLIT", "items": [
                {"line_number": "1", "item": {"sku": "SKU-1001"}, "quantity": {"value": "2100", "uom": "EA"}}]}]}))
        o = self.state("json-customer/SO-SPLIT", "partially_shipped")
        self.assertEqual(o["lines"][0]["shipped"], "2100")
        w = self.wh("SKU-1001", "WH-WEST")
        self.assertEqual((w["on_hand"], w["reserved"]), ("100", "0"))
        invs = self.flow.until("invoice event", lambda: [e for e in self.receiver.events()
                                                         if e["event"]["type"] == "sales_order.invoice.v1"])
        self.assertEqual(invs[0]["event"]["data"]["total"]["amount"], "399.00")  # 2100 x 0.19
        notes = [e for e in self.receiver.events() if e["event"]["type"] == "sales_order.ship_notice.v1"]
        self.assertEqual(notes[0]["event"]["data"]["orders"][0]["po_number"], "SO-SPLIT")
        # EAST ships the rest: closed.
        self.flow.drop("demo-warehouse", "ship-2.json", json.dumps({
            "shipment_id": "WS-2", "ship_date": TODAY, "parties": [{"role": "ship_from", "id": "WH-EAST"}],
            "orders": [{"po_number": "json-customer/SO-SPLIT", "items": [
                {"line_number": "1", "item": {"sku": "SKU-1001"}, "quantity": {"value": "500", "uom": "EA"}},
                {"line_number": "2", "item": {"sku": "SKU-2001"}, "quantity": {"value": "10", "uom": "EA"}}]}]}))
        o = self.state("json-customer/SO-SPLIT", "closed")
        self.assertEqual(len(o["invoices"]), 2)
        self.flow.until("invoice posted to the ERP", lambda: self.flow.outbound("erp", r"erp-invoice"))

    def test_backorder_gets_a_promise_that_moves_with_supply(self):
        # 500 at EAST now, a replenishment PO brings 2500 later; WEST has 2200.
        self.flow.until("the replenishment PO", lambda: self.flow.outbound("demo-supplier", r"^purchase_order-"))
        po_file = self.flow.outbound("demo-supplier", r"^purchase_order-")[0]
        po_number = re.search(r"BEG\*00\*SA\*([^*~]+)\*", self.flow.read_out("demo-supplier", po_file)).group(1)
        po = self.flow.po(po_number)
        requested = po["lines"][0]["requested_date"]
        # 3500 > 2700 on hand: 2700 reserved, 800 backordered until the PO arrives.
        code, _, body = self.post(order("SO-BO", [("SKU-1001", 3500, "0.19")]))
        o = self.state("json-customer/SO-BO", "released")
        line = o["lines"][0]
        self.assertEqual(line["backordered"], "800")
        self.assertEqual(line["promise_date"], requested)
        self.assertEqual(self.east("SKU-1001")["reserved"], "500")
        # The supplier confirms only 60 % for the date; the rest two weeks later.
        later = (datetime.date.fromisoformat(requested) + datetime.timedelta(days=14)).strftime("%Y%m%d")
        self.flow.drop("demo-supplier", "855.x12", isa_env(9201, "PR", "855", [
            f"BAK*00*AC*{po_number}*20261123", "PO1*1*2500*EA*0.12**BP*SKU-1001*VP*DS-HB840",
            f"ACK*IA*500*EA*068*{requested.replace('-', '')}", f"ACK*IB*2000*EA*068*{later}", "CTT*1"]))
        moved = self.flow.until("promise moved", lambda: [e for e in self.receiver.events()
                                                          if e["event"]["type"] == "sales_order.promise_changed.v1"])
        data = moved[0]["event"]["data"]
        self.assertEqual(data["old_promise_date"], requested)
        self.assertEqual(data["new_promise_date"], f"{later[:4]}-{later[4:6]}-{later[6:]}")
        o = self.get("json-customer/SO-BO")
        self.assertEqual(o["lines"][0]["promise_date"], data["new_promise_date"])

    def test_credit_hold_released_by_an_operator(self):
        # 200000 x 0.19 = 38000 > the 25000 limit.
        code, _, body = self.post(order("SO-BIG", [("SKU-1002", 200000, "0.19")]))
        o = self.state("json-customer/SO-BIG", "on_hold")
        self.assertEqual(o["holds"], ["credit"])
        self.assertIn("exceed the credit limit 25000.00", o["hold_notes"][0])
        self.assertEqual(self.east("SKU-1002")["reserved"], "0")
        ex = [e for e in o["exceptions"] if e["type"] == "credit_hold"]
        self.assertEqual(len(ex), 1)
        code, _, _ = self.hub.json("POST", "/v1/orders/json-customer/SO-BIG/release-hold",
                                   {"hold": "credit", "note": "prepaid"}, token="wrong")
        self.assertEqual(code, 401)
        code, _, body = self.hub.json("POST", "/v1/orders/json-customer/SO-BIG/release-hold",
                                      {"hold": "credit", "note": "prepaid by wire"}, token=OPERATOR)
        self.assertEqual(code, 202, body)
        o = self.state("json-customer/SO-BIG", "released")
        self.assertIn("credit released by ops-e2e: prepaid by wire", o["hold_notes"])
        self.assertEqual(o["lines"][0]["allocations"][0]["quantity"], "12000")
        self.assertEqual(o["lines"][0]["backordered"], "188000")

    def test_price_and_data_problems_hold_the_order(self):
        # 13.00 against the 11.50 contract (1 % tolerance) and an unknown ship-to.
        code, _, body = self.post(order("SO-PRICE", [("SKU-2001", 5, "13.00")], ship_to="ST-NOWHERE"))
        o = self.state("json-customer/SO-PRICE", "on_hold")
        self.assertEqual(sorted(o["holds"]), ["data", "price"])
        code, _, body = self.hub.json("POST", "/v1/orders/json-customer/SO-PRICE/release-hold",
                                      {"hold": "price", "note": "agreed"}, token=OPERATOR)
        self.assertEqual(code, 202)
        o = self.flow.until("price hold gone", lambda: (self.get("json-customer/SO-PRICE") or {}).get("holds") == ["data"]
                            and self.get("json-customer/SO-PRICE"))
        self.assertEqual(o["state"], "on_hold")

    def test_substitution_for_an_inactive_item(self):
        # SKU-3001 is inactive; the customer's profile substitutes SKU-3002 (put 20 in stock).
        self.flow.drop("erp", "stock-3.csv", "Snapshot,Taken At,Item,Warehouse,On Hand,Unit\n"
                       f"S3,{TODAY}T06:00:00Z,SKU-3002,WH-EAST,20,EA\n")
        self.flow.until("stock", lambda: self.east("SKU-3002")["on_hand"] == "20")
        code, _, body = self.post(order("SO-SUB", [("SKU-3001", 4, "24.00")]))
        o = self.state("json-customer/SO-SUB", "released")
        self.assertEqual(o["lines"][0]["sku"], "SKU-3002")
        self.assertEqual(o["lines"][0]["substituted_from"], "SKU-3001")
        self.assertEqual(self.east("SKU-3002")["reserved"], "4")
        self.assertTrue(any(e["type"] == "substitution" for e in o["exceptions"]))

    def test_cancellation_releases_the_reservation(self):
        code, _, body = self.post(order("SO-CXL", [("SKU-2001", 40, "11.50")]))
        self.state("json-customer/SO-CXL", "released")
        self.assertEqual(self.east("SKU-2001")["reserved"], "40")
        code, _, body = self.hub.json("POST", "/v1/orders/json-customer/SO-CXL/cancel",
                                      {"reason": "customer changed their mind"}, token=OPERATOR)
        self.assertEqual(code, 202)
        o = self.state("json-customer/SO-CXL", "cancelled")
        self.assertEqual(self.east("SKU-2001")["reserved"], "0")
        cancels = self.flow.until("the 3PL told", lambda: [
            f for f in self.flow.outbound("demo-warehouse", r"^sales_order-json-customer_SO-CXL")
            if json.loads(self.flow.read_out("demo-warehouse", f))["purpose"] == "cancel"])
        self.assertEqual(len(cancels), 1)

    def test_return_is_authorised_received_restocked_and_credited(self):
        code, _, _ = self.post(order("SO-RET", [("SKU-2001", 10, "11.50")]))
        self.state("json-customer/SO-RET", "released")
        self.flow.drop("demo-warehouse", "ship-r.json", json.dumps({
            "shipment_id": "WS-R", "ship_date": TODAY, "parties": [{"role": "ship_from", "id": "WH-EAST"}],
            "orders": [{"po_number": "json-customer/SO-RET", "items": [
                {"line_number": "1", "item": {"sku": "SKU-2001"}, "quantity": {"value": "10", "uom": "EA"}}]}]}))
        self.state("json-customer/SO-RET", "closed")
        on_hand = int(self.east("SKU-2001")["on_hand"])
        code, _, body = self.hub.json("POST", "/v1/returns?customer=json-customer", {
            "rma_number": "RMA-1", "customer": "json-customer", "order_reference": "SO-RET",
            "lines": [{"line_number": "1", "item": {"sku": "SKU-2001"},
                       "quantity": {"value": "2", "uom": "EA"}, "reason": "damaged box"}]})
        self.assertEqual(code, 202, body)
        self.assertEqual(body["rma_id"], "json-customer/RMA-1")
        # Shipped 10, returning 2: authorised by policy.
        rma = self.flow.until("authorised", lambda: (lambda r: r if r.get("state") == "authorised" else None)(
            self.hub.json("GET", "/v1/returns/json-customer/RMA-1")[2] or {}))
        self.assertEqual(rma["decided_by"], "policy")
        # The goods come back; one of the two is damaged.
        self.flow.drop("demo-warehouse", "return-1.json", json.dumps({
            "receipt_id": "RR-1", "warehouse": "WH-EAST", "po_number": "json-customer/RMA-1",
            "received_at": f"{TODAY}T15:00:00Z",
            "lines": [{"line_number": "1", "item": {"sku": "SKU-2001"}, "received": {"value": "2", "uom": "EA"},
                       "damaged": {"value": "1", "uom": "EA"}}]}))
        rma = self.flow.until("closed", lambda: (lambda r: r if r.get("state") == "closed" else None)(
            self.hub.json("GET", "/v1/returns/json-customer/RMA-1")[2] or {}))
        self.assertEqual(rma["credit_memo"], "CM-RMA-1")
        self.assertEqual(rma["credit_total"], "23.00")  # 2 x the 11.50 paid
        self.assertEqual(int(self.east("SKU-2001")["on_hand"]), on_hand + 1)  # the good one
        memo = self.flow.until("credit memo event", lambda: [e for e in self.receiver.events()
                                                             if e["event"]["type"] == "return.credit_memo.v1"])
        self.assertEqual(memo[0]["event"]["data"]["invoice_type"], "credit_memo")
        self.flow.until("credit memo posted to the ERP", lambda: self.flow.outbound("erp", r"erp-credit_memo-CM-RMA-1"))

    def test_availability_is_published_on_material_changes_only(self):
        self.flow.dirs["marketplace"] = os.path.join(self.hub.data, "partners", "marketplace")

        def published(sku):
            out = []
            for e in self.receiver.events():
                if e["event"]["type"] == "inventory.availability_changed.v1":
                    out += [p for p in e["event"]["data"]["positions"]
                            if p["sku"] == sku and p["warehouse"] == "WH-EAST"]
            return out

        first = self.flow.until("first publication", lambda: published("SKU-2001"))
        self.assertEqual(first[0]["available"], "150")
        feeds = self.flow.until("marketplace feed", lambda: self.flow.outbound("marketplace", r"inventory_advice"))
        feed = json.loads(self.flow.read_out("marketplace", feeds[0]))
        self.assertTrue(any(o["sku"] == "SKU-2001" for o in feed["offers"]))
        # 5 of 150 (3 %) is not material: nothing new within two intervals.
        self.post(order("SO-PUB-1", [("SKU-2001", 5, "11.50")]))
        self.state("json-customer/SO-PUB-1", "released")
        time.sleep(4.5)
        self.assertEqual(len(published("SKU-2001")), 1)
        # 100 more is: 145 -> 45 available.
        self.post(order("SO-PUB-2", [("SKU-2001", 100, "11.50")]))
        again = self.flow.until("second publication", lambda: len(published("SKU-2001")) >= 2 and published("SKU-2001"))
        self.assertEqual(again[1]["available"], "45")
        self.assertEqual(again[1]["previous"], "150")

    def test_x12_850_from_an_edi_customer_gets_its_855(self):
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "examples", "demo",
                               "samples", "x12-customer", "850-PO-BC-20417.x12")) as f:
            self.flow.drop("x12-customer", "850.x12", f.read())
        # 2 CA of SKU-1001 = 100 EA, 10 BX of SKU-1002 = 1000 EA; ships complete, WEST first.
        o = self.state("x12-customer/BC-20417", "released")
        self.assertEqual(o["lines"][0]["ordered"], "100")
        self.assertEqual(o["lines"][0]["allocations"][0]["warehouse"], "WH-WEST")
        files = self.flow.until("855 and 999", lambda: len(self.flow.outbound("x12-customer", r".")) >= 2
                                and self.flow.outbound("x12-customer", r"."))
        ack = [self.flow.read_out("x12-customer", f) for f in files if "purchase_order_ack" in f]
        self.assertEqual(len(ack), 1, files)
        self.assertIn("BAK*00*", ack[0])
        self.assertIn("BC-20417", ack[0])
        self.assertRegex(ack[0], r"ACK\*IA\*100\*EA")
        self.assertTrue([f for f in files if "999" in f or "997" in f], files)

    def test_bytes_that_are_not_utf8_are_exceptions_not_a_crash(self):
        # Two 850s with Latin-1 bytes: one in a name (mapped: the name is refused, the order
        # held), one in a name too long for its element (the set is rejected by validation).
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "examples", "demo",
                               "samples", "x12-customer", "850-PO-BC-20417.x12"), "rb") as f:
            sample = f.read()
        d = os.path.join(self.flow.dirs["x12-customer"], "inbound")
        os.makedirs(d, exist_ok=True)
        held = sample.replace(b"N1*BY*BuildCo Contractors", b"N1*BY*BuildC\xd6 Contractors")
        rejected = sample.replace(b"BC-20417", b"BC-20418").replace(
            b"N1*BY*BuildCo Contractors", b"N1*BY*BuildC\xd6" + b"X" * 70)
        for name, data in (("latin1-a.x12", held), ("latin1-b.x12", rejected)):
            with open(os.path.join(d, "." + name), "wb") as f:
                f.write(data)
            os.rename(os.path.join(d, "." + name), os.path.join(d, name))

        def found():
            code, _, body = self.hub.json("GET", "/v1/exceptions?partner=x12-customer")
            self.assertEqual(code, 200, body)
            msgs = [e["message"] for e in body["items"]]
            return (any("not valid UTF-8" in m for m in msgs)
                    and any("BC-20418" in m or "rejected" in m or "N102" in m for m in msgs) and msgs)
        msgs = self.flow.until("UTF-8 exceptions", found)
        self.assertTrue(any("N102" in m for m in msgs), msgs)
        code, _, body = self.hub.json("GET", "/v1/messages?partner=x12-customer")
        self.assertEqual(code, 200, body)
        self.assertEqual(self.hub.json("GET", "/healthz")[0], 200)


X12_3PL = """name: Demo 3PL (X12 over folders)
kind: 3pl
formats: [x12]
x12:
  isa_qualifier: ZZ
  isa_id: DEMO3PL
  gs_id: DEMO3PL
  version: "004010"
  ack: auto
documents:
  - {type: sales_order, direction: out, format: x12, set: "940"}
  - {type: shipment, direction: in, format: x12, set: "945"}
transport:
  type: filedrop
  inbound_dir: partners/demo-warehouse/inbound
  outbound_dir: partners/demo-warehouse/outbound
  poll_interval_ms: 500
"""


class X12WarehouseTest(OrdersBase):
    """The same 3PL trading X12: each release goes out as a 940; its 945 ships the order."""
    warehouse_yaml = X12_3PL

    def test_release_as_940_and_945_ships_the_order(self):
        code, _, body = self.post(order("SO-X1", [("SKU-1001", 200, "0.19"), ("SKU-2001", 10, "11.50")]),
                                  key="so-x1")
        self.assertEqual(code, 202, body)
        self.state("json-customer/SO-X1", "released")
        rel = self.flow.until("940", lambda: self.flow.outbound("demo-warehouse", r"^sales_order-"))
        self.assertEqual(len(rel), 1, rel)
        x940 = self.flow.read_out("demo-warehouse", rel[0])
        segs = [s.strip() for s in x940.split("~") if s.strip()]
        self.assertTrue(segs[0].startswith("ISA*"), x940)
        self.assertIn("*ZZ*DEMO3PL        *", segs[0])
        self.assertIn("GS*OW*CROSSDOCKHUB*DEMO3PL*", x940)
        self.assertIn("ST*940*", x940)
        self.assertIn("W05*N*json-customer/SO-X1", x940)
        w01 = [s for s in segs if s.startswith("W01*")]
        self.assertEqual(w01, ["W01*200*EA**BP*SKU-1001", "W01*10*EA**BP*SKU-2001"], x940)
        self.assertIn("W76*210", x940)
        # The 3PL ships everything from WH-EAST and says so in a 945.
        today = datetime.date.today().strftime("%Y%m%d")
        body945 = "~\n".join([
            "ISA*00*          *00*          *ZZ*DEMO3PL        *ZZ*CROSSDOCKHUB   *261123*1500*U*00401*000000077*0*P*>",
            "GS*SW*DEMO3PL*CROSSDOCKHUB*20261123*1500*77*X*004010",
            "ST*945*0001",
            f"W06*F*json-customer/SO-X1*{today}*WS-X1",
            "N1*SF*EAST DC*92*WH-EAST",
            "N9*CN*1Z-X1",
            "W27*M*UPSN",
            "LX*1",
            "W12*CC*200*200**EA**BP*SKU-1001",
            "N9*LI*1",
            "W12*CC*10*10**EA**BP*SKU-2001",
            "N9*LI*2",
            "W03*210",
            "SE*12*0001", "GE*1*77", "IEA*1*000000077"]) + "~\n"
        self.flow.drop("demo-warehouse", "945.x12", body945)
        o = self.state("json-customer/SO-X1", "closed")
        self.assertEqual([l["shipped"] for l in o["lines"]], ["200", "10"])
        self.assertEqual(self.east("SKU-2001")["reserved"], "0")
        notes = self.flow.until("ship notice", lambda: [
            e for e in self.receiver.events() if e["event"]["type"] == "sales_order.ship_notice.v1"])
        self.assertEqual(notes[0]["event"]["data"]["tracking_number"], "1Z-X1")
        # The 945 is acknowledged with a 997 (ack: auto).
        acks = self.flow.until("997", lambda: [f for f in self.flow.outbound("demo-warehouse", r".")
                                               if "997" in self.flow.read_out("demo-warehouse", f)])
        self.assertIn("AK1*SW*77", self.flow.read_out("demo-warehouse", acks[0]))


class OversellTest(unittest.TestCase):
    def test_64_concurrent_orders_for_the_last_units_never_oversell(self):
        receiver = Receiver()
        hub = Hub()
        cfg = example_config(hub.port, receiver.port)
        hub.config_path = cfg
        hub.start()
        flow = Flow(self, hub)
        try:
            flow.drop("erp", "stock.csv", "Snapshot,Taken At,Item,Warehouse,On Hand,Unit\n"
                      f"S,{TODAY}T06:00:00Z,SKU-2001,WH-EAST,30,EA\n")
            flow.until("stock", lambda: hub.json("GET", "/v1/availability?sku=SKU-2001")[2]["warehouses"]
                       and hub.json("GET", "/v1/availability?sku=SKU-2001")[2]["warehouses"][0]["on_hand"] == "30")

            def place(i):
                return hub.json("POST", "/v1/orders?customer=json-customer",
                                order(f"SO-LAST-{i:02d}", [("SKU-2001", 1, "11.50")]))[0]

            with concurrent.futures.ThreadPoolExecutor(64) as pool:
                codes = list(pool.map(place, range(64)))
            self.assertEqual(codes, [202] * 64)

            def settled():
                _, _, lst = hub.json("GET", "/v1/orders?limit=1000")
                states = [o["state"] for o in lst["items"]]
                return len(states) == 64 and all(s in ("released", "accepted") for s in states) and lst

            flow.until("all orders decided", settled, timeout=120)
            reserved, backordered = 0, 0
            for i in range(64):
                o = hub.json("GET", f"/v1/orders/json-customer/SO-LAST-{i:02d}")[2]
                line = o["lines"][0]
                reserved += sum(int(a["quantity"]) for a in line.get("allocations", []))
                backordered += int(line["backordered"])
            w = hub.json("GET", "/v1/availability?sku=SKU-2001")[2]["warehouses"]
            east = [x for x in w if x["warehouse"] == "WH-EAST"][0]
            self.assertEqual(reserved, 30)           # exactly the 30 on hand, never more
            self.assertEqual(backordered, 34)
            self.assertEqual(east["reserved"], "30")
            self.assertEqual(east["available_now"], "0")
        finally:
            hub.stop()
            hub.cleanup()
            receiver.close()
            shutil.rmtree(cfg, ignore_errors=True)


if __name__ == "__main__":
    main()
