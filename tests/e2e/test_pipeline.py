"""The inbound pipeline end to end with the example profiles (examples/demo): partner documents
in X12, CSV and JSON become canonical documents and events; business rules raise exceptions that
operators act on; profiles are versioned; `partner check` is the same decode as a dry run."""
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import ADMIN, BIN, ROOT, SECRET, Hub, Receiver, main, sha256

EXAMPLES = os.path.join(ROOT, "examples", "demo")
OPERATOR = "pipeline-operator"


def example_config(port, receiver_port):
    """A copy of examples/demo with this test's port, receiver and an operator token."""
    d = tempfile.mkdtemp(prefix="cd-pipeline-cfg-")
    shutil.copytree(os.path.join(EXAMPLES, "partners"), os.path.join(d, "partners"))
    for name in os.listdir(EXAMPLES):
        if name.endswith(".yaml") and name != "crossdock.yaml":
            shutil.copy(os.path.join(EXAMPLES, name), d)
    with open(os.path.join(EXAMPLES, "crossdock.yaml")) as f:
        text = f.read()
    text = text.replace("listen: 127.0.0.1:8080", f"listen: 127.0.0.1:{port}")
    text = text.replace("url: http://127.0.0.1:8081/hooks/crossdock",
                        f"url: http://127.0.0.1:{receiver_port}/hooks/crossdock")
    text = re.sub(r"secret: whsec_\S+", f"secret: {SECRET}", text)
    text = text.replace("synchronous: full", "synchronous: normal")
    text = text.replace(
        "tokens:\n",
        f"tokens:\n  - {{name: admin-e2e, sha256: {sha256(ADMIN)}, role: admin}}\n"
        f"  - {{name: ops-e2e, sha256: {sha256(OPERATOR)}, role: operator}}\n")
    with open(os.path.join(d, "crossdock.yaml"), "w") as f:
        f.write(text)
    return d


def sample(partner, name):
    with open(os.path.join(EXAMPLES, "samples", partner, name), "rb") as f:
        return f.read()


class PipelineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = Receiver()
        cls.hub = Hub()
        cls.cfg_dir = example_config(cls.hub.port, cls.receiver.port)
        cls.hub.config_path = cls.cfg_dir
        cls.hub.start()

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()
        cls.hub.cleanup()
        cls.receiver.close()
        shutil.rmtree(cls.cfg_dir, ignore_errors=True)

    def events(self, type_, subject=None, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [e["event"] for e in self.receiver.events()
                     if e["event"]["type"] == type_ and (subject is None or e["event"]["subject"] == subject)]
            if found:
                return found
            time.sleep(0.05)
        self.fail(f"no {type_} event for {subject}; got {[e['event']['type'] for e in self.receiver.events()]}")

    def decoded_child(self, message_id):
        view = self.hub.wait_message_status(message_id, "done")
        kids = [c for c in view["lineage"]["children"] if c["relation"] == "decoded"]
        return view, kids

    def test_json_customer_order_becomes_a_canonical_sales_order(self):
        code, _, body = self.hub.post_doc("json-customer", sample("json-customer", "order-SC-88412.json"))
        self.assertEqual(code, 202, body)
        view, kids = self.decoded_child(body["message_id"])
        self.assertEqual(len(kids), 1)
        ev = self.events("sales_order.received.v1", "SC-88412")[0]
        doc = ev["data"]["document"]
        self.assertEqual(ev["data"]["source_message_id"], body["message_id"])
        self.assertEqual(doc["lines"][0]["item"]["sku"], "SKU-2001")
        self.assertEqual(doc["lines"][0]["unit_price"]["amount"], "11.50")  # exact, not 11.5
        self.assertEqual(doc["parties"][0]["id"], "ST-SHOPCO-01")
        # The canonical document is a message of its own, linked to the raw bytes.
        code, hdrs, payload = self.hub.request("GET", f"/v1/messages/{kids[0]['id']}/payload")
        self.assertEqual(json.loads(payload)["po_number"], "SC-88412")
        code, _, child = self.hub.json("GET", f"/v1/messages/{kids[0]['id']}")
        self.assertEqual(child["kind"], "canonical")
        self.assertEqual(child["lineage"]["parents"][0]["id"], body["message_id"])

    def test_rule_breaking_order_is_held_with_precise_exceptions(self):
        order = json.loads(sample("json-customer", "order-SC-88412.json"))
        order["orderNumber"] = "SC-BAD-1"
        order["items"][0]["unitPrice"] = 12.99           # contract 11.50, tolerance 1 %
        order["items"][1]["productCode"] = "SC-UNKNOWN"  # no cross-reference
        order["shipTo"]["storeCode"] = "STORE-99"        # unknown ship-to
        code, _, body = self.hub.post_doc("json-customer", json.dumps(order))
        self.assertEqual(code, 202)
        view, kids = self.decoded_child(body["message_id"])
        raised = self.events("business_exception.raised.v1")
        code, _, lst = self.hub.json("GET", "/v1/exceptions?partner=json-customer&status=open")
        mine = [e for e in lst["items"] if e["document_id"] == "SC-BAD-1"]
        by_type = {e["type"]: e for e in mine}
        self.assertEqual(set(by_type), {"price_out_of_tolerance", "unknown_item", "unknown_location"})
        price = by_type["price_out_of_tolerance"]
        self.assertEqual((price["line"], price["field"], price["value"]),
                         ("1", "lines[0].unit_price.amount", "12.99"))
        self.assertIn("within 1% of the contract price", price["rule"])
        self.assertEqual(by_type["unknown_item"]["value"], "SC-UNKNOWN")
        self.assertEqual(by_type["unknown_location"]["value"], "STORE-99")
        self.assertTrue(any(e["data"]["document_id"] == "SC-BAD-1" for e in raised))
        # Held: no sales_order event for it.
        self.assertFalse([e for e in self.receiver.events()
                          if e["event"]["type"] == "sales_order.received.v1"
                          and e["event"]["subject"] == "SC-BAD-1"])
        # The canonical message shows its exceptions.
        code, _, child = self.hub.json("GET", f"/v1/messages/{kids[0]['id']}")
        self.assertEqual(child["kind"], "canonical-held")
        self.assertEqual(len(child["exceptions"]), 3)
        # Operators act: acknowledge, resolve with a note, assign; viewers may not.
        eid = price["id"]
        self.assertEqual(self.hub.json("POST", f"/v1/exceptions/{eid}/acknowledge", token=OPERATOR)[0], 200)
        code, _, e = self.hub.json("POST", f"/v1/exceptions/{eid}/resolve", {"note": ""}, token=OPERATOR)
        self.assertEqual(code, 400)
        code, _, e = self.hub.json("POST", f"/v1/exceptions/{eid}/resolve",
                                   {"note": "customer agreed to 11.50"}, token=OPERATOR)
        self.assertEqual(code, 200)
        self.assertEqual(e["status"], "resolved")
        self.assertEqual([h["action"] for h in e["history"]], ["acknowledge", "resolve"])
        self.assertEqual(e["history"][1]["by"], "ops-e2e")
        code, _, e = self.hub.json("POST", f"/v1/exceptions/{by_type['unknown_location']['id']}/assign",
                                   {"assignee": "maria"}, token=OPERATOR)
        self.assertEqual(e["assigned_to"], "maria")
        code, _, e = self.hub.json("POST", f"/v1/exceptions/{eid}/frobnicate", token=OPERATOR)
        self.assertEqual(code, 400)
        # Retry reprocesses the raw document as a new message linked to it.
        code, _, e = self.hub.json("POST", f"/v1/exceptions/{by_type['unknown_item']['id']}/retry",
                                   {"note": "xref added"}, token=OPERATOR)
        self.assertEqual(code, 202, e)
        retry = self.hub.wait_message_status(e["retry_message_id"], "done")
        self.assertEqual(retry["replay_of"], body["message_id"])

    def test_csv_supplier_stock_file(self):
        code, _, body = self.hub.post_doc("csv-supplier", sample("csv-supplier", "inventory-2026-11-23.csv"),
                                          content_type="text/csv")
        self.assertEqual(code, 202)
        ev = self.events("inventory_advice.received.v1", "INV-20261123")[0]
        lines = ev["data"]["document"]["lines"]
        self.assertEqual([l["item"]["sku"] for l in lines], ["SKU-1002", "SKU-2001"])
        self.assertEqual(lines[1]["available_date"], "2026-11-30")

    def test_unreadable_and_invalid_documents_are_exceptions_not_losses(self):
        bad_csv = b'Report,As Of,Item,Description,Warehouse,Available,Unit,Next Date\nR1,"2026-11-23,X\n'
        code, _, body = self.hub.post_doc("csv-supplier", bad_csv, content_type="text/csv")
        view = self.hub.wait_message_status(body["message_id"], "done")
        self.assertEqual(len(view["exceptions"]), 1)
        self.assertEqual(view["exceptions"][0]["type"], "unreadable_document")
        self.assertIn("never closed", view["exceptions"][0]["message"])
        code, _, raw = self.hub.request("GET", f"/v1/messages/{body['message_id']}/payload")
        self.assertEqual(raw, bad_csv)  # nothing lost
        # A row with a bad number: the document is invalid, the message names row and field.
        text = sample("csv-supplier", "inventory-2026-11-23.csv").decode().replace(",340,", ",3 40,")
        code, _, body = self.hub.post_doc("csv-supplier", text, content_type="text/csv")
        view = self.hub.wait_message_status(body["message_id"], "done")
        ex = view["exceptions"]
        self.assertEqual([e["type"] for e in ex], ["invalid_document"])
        self.assertIn("lines[1] (row 3).available.value: not a decimal: '3 40'", ex[0]["message"])
        # JSON that the mapping cannot turn into an order.
        code, _, body = self.hub.post_doc("json-customer", {"orderNumber": "X"})
        view = self.hub.wait_message_status(body["message_id"], "done")
        self.assertEqual(view["exceptions"][0]["type"], "invalid_document")
        # A supplier sending a format it has no route for.
        code, _, body = self.hub.post_doc("demo-supplier", {"hello": "world"})
        view = self.hub.wait_message_status(body["message_id"], "done")
        self.assertEqual(view["exceptions"][0]["type"], "unroutable_document")

    def test_partner_profiles_are_listed_with_versions(self):
        code, _, lst = self.hub.json("GET", "/v1/partners")
        ids = [p["id"] for p in lst["items"]]
        self.assertEqual(sorted(ids), ["csv-supplier", "demo-supplier", "demo-warehouse", "erp", "json-customer", "marketplace", "x12-customer"])
        code, _, p = self.hub.json("GET", "/v1/partners/json-customer")
        self.assertEqual(p["version"], 1)
        self.assertEqual(p["versions"][0]["changes"], {"created": True})
        self.assertTrue(p["versions"][0]["changed_by"])


def interchange(control, sets, sender="DEMOSUPPLIER", ending="~\n"):
    """An 004010 interchange from the demo supplier holding `sets` (lists of segments, no ST/SE)."""
    isa = "ISA*00*          *00*          *ZZ*%-15s*ZZ*%-15s*261123*0930*U*00401*%09d*0*P*>" % (
        sender, "CROSSDOCKHUB", control)
    segs = [isa, "GS*PR*%s*CROSSDOCKHUB*20261123*0930*%d*X*004010" % (sender, control)]
    for i, body in enumerate(sets, 1):
        st = ["ST*855*%04d" % i] + body
        st.append("SE*%d*%04d" % (len(st) + 1, i))
        segs += st
    segs += ["GE*%d*%d" % (len(sets), control), "IEA*1*%09d" % control]
    return ending.join(segs) + ending


GOOD_855 = ["BAK*00*AD*PO-X1*20261120", "PO1*1*10*EA*0.12**BP*SKU-1001*VP*DS-HB840",
            "ACK*IA*10*EA*068*20261201", "CTT*1"]
BAD_855 = ["BAK*00*AD**20261120", "PO1*1*10*EA*0.12**BP*SKU-1001", "ACK*ZZZ*10*EA", "CTT*1"]


class X12PipelineTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = Receiver()
        cls.hub = Hub()
        cls.cfg_dir = example_config(cls.hub.port, cls.receiver.port)
        cls.hub.config_path = cls.cfg_dir
        cls.hub.start()

    @classmethod
    def tearDownClass(cls):
        cls.hub.stop()
        cls.hub.cleanup()
        cls.receiver.close()
        shutil.rmtree(cls.cfg_dir, ignore_errors=True)

    def post(self, body, key=None):
        code, _, b = self.hub.post_doc("demo-supplier", body, content_type="application/edi-x12", key=key)
        self.assertEqual(code, 202, b)
        return self.hub.wait_message_status(b["message_id"], "done")

    def ack_of(self, view):
        acks = [c for c in view["lineage"]["children"] if c["relation"] == "acknowledgment"]
        self.assertEqual(len(acks), 1, view["lineage"])
        code, _, payload = self.hub.request("GET", f"/v1/messages/{acks[0]['id']}/payload")
        self.assertEqual(code, 200)
        return payload.decode()

    def test_each_set_is_accepted_or_rejected_on_its_own_and_the_997_says_which(self):
        view = self.post(interchange(8101, [GOOD_855, BAD_855]))
        ack = self.ack_of(view)
        self.assertIn("AK1*PR*8101", ack)
        self.assertIn("AK2*855*0001", ack)
        self.assertIn("AK5*A", ack)
        self.assertIn("AK2*855*0002", ack)
        self.assertIn("AK5*R", ack)
        self.assertRegex(ack, r"AK9\*P\*2\*2\*1")  # partially accepted: 2 received, 1 accepted
        types = sorted(e["type"] for e in view["exceptions"])
        self.assertIn("rejected_transaction_set", types)
        rejected = [e for e in view["exceptions"] if e["type"] == "rejected_transaction_set"][0]
        self.assertIn("ST 0002 (855)", rejected["message"])
        # The good set was mapped (and, naming a PO the hub never issued, raised that).
        decoded = [c for c in view["lineage"]["children"] if c["relation"] == "decoded"]
        self.assertEqual(len(decoded), 1)
        deadline = time.time() + 20
        while time.time() < deadline:
            code, _, lst = self.hub.json("GET", "/v1/exceptions?type=unknown_purchase_order")
            if any(e["document_id"] == "PO-X1" for e in lst["items"]):
                break
            time.sleep(0.05)
        self.assertTrue(any(e["document_id"] == "PO-X1" for e in lst["items"]))
        # The 997 went back through the partner's folder.
        out_dir = os.path.join(self.hub.data, "partners", "demo-supplier", "outbound")
        deadline = time.time() + 20
        files = []
        while time.time() < deadline and not files:
            files = [f for f in os.listdir(out_dir) if "997" in f] if os.path.isdir(out_dir) else []
            time.sleep(0.05)
        self.assertTrue(files, "no 997 file in the partner's outbound folder")

    def test_a_resent_interchange_is_recognised_and_not_processed_again(self):
        first = self.post(interchange(8102, [GOOD_855]))
        self.assertEqual(len([c for c in first["lineage"]["children"] if c["relation"] == "decoded"]), 1)
        # Same ISA13, different bytes (CRLF instead of LF), so intake dedupe does not catch it.
        again = self.post(interchange(8102, [GOOD_855], ending="~\r\n"))
        self.assertEqual([c for c in again["lineage"]["children"] if c["relation"] == "decoded"], [])
        dup = [e for e in again["exceptions"] if e["type"] == "duplicate_interchange"]
        self.assertEqual(len(dup), 1)
        self.assertEqual(dup[0]["severity"], "warning")
        self.assertIn(first["id"], dup[0]["message"])
        self.assertEqual([c for c in again["lineage"]["children"] if c["relation"] == "acknowledgment"], [])

    def test_an_interchange_from_another_sender_is_not_processed(self):
        view = self.post(interchange(8103, [GOOD_855], sender="SOMEONEELSE"))
        self.assertEqual([e["type"] for e in view["exceptions"]], ["unexpected_sender"])
        self.assertEqual([c for c in view["lineage"]["children"] if c["relation"] == "decoded"], [])

    def test_a_broken_envelope_gets_a_ta1_and_a_precise_error(self):
        text = interchange(8104, [GOOD_855]).replace("IEA*1*000008104", "IEA*1*000009999")
        view = self.post(text)
        ack = self.ack_of(view)
        self.assertIn("TA1*000008104", ack)
        env = [e for e in view["exceptions"] if e["type"] in ("envelope_error", "rejected_interchange")]
        self.assertEqual(len(env), 1, view["exceptions"])
        self.assertIn("IEA02 '000009999' is not identical to ISA13 '000008104'", env[0]["message"])

    def test_not_x12_at_all(self):
        view = self.post("this is not an interchange")
        self.assertEqual(view["exceptions"][0]["type"], "unreadable_document")


class ProfileHistoryTest(unittest.TestCase):
    def test_a_changed_profile_is_a_new_version_saying_who_and_what(self):
        hub = Hub()
        cfg = example_config(hub.port, 9)
        hub.config_path = cfg
        hub.env["CROSSDOCK_CHANGED_BY"] = "alice"
        hub.start()
        try:
            hub.stop()
            path = os.path.join(cfg, "partners", "json-customer.yaml")
            with open(path) as f:
                text = f.read()
            with open(path, "w") as f:
                f.write(text.replace('{sku: SKU-2001, partner_item_id: "SC-GLOVES-L"}',
                                     '{sku: SKU-2001, partner_item_id: "SC-GLOVES-LARGE"}'))
            hub.env["CROSSDOCK_CHANGED_BY"] = "bob"
            hub.start()
            code, _, v = hub.json("GET", "/v1/partners/json-customer/versions")
            self.assertEqual([x["version"] for x in v["items"]], [2, 1])
            latest = v["items"][0]
            self.assertEqual(latest["changed_by"], "bob")
            self.assertEqual(v["items"][1]["changed_by"], "alice")
            self.assertTrue(any("SC-GLOVES-LARGE" in l for l in latest["changes"]["added"]))
            self.assertTrue(any("SC-GLOVES-L}" in l or "SC-GLOVES-L\n" in l or l.endswith("SC-GLOVES-L")
                                for l in latest["changes"]["removed"]), latest["changes"])
            # Unchanged profiles get no new version.
            code, _, other = hub.json("GET", "/v1/partners/csv-supplier/versions")
            self.assertEqual(len(other["items"]), 1)
        finally:
            hub.stop()
            hub.cleanup()
            shutil.rmtree(cfg, ignore_errors=True)


class PartnerCheckTest(unittest.TestCase):
    def check(self, partner, path):
        p = subprocess.run([BIN, "partner", "check", "--config", EXAMPLES, partner, path],
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def test_every_example_sample_passes(self):
        samples = sorted(glob.glob(os.path.join(EXAMPLES, "samples", "*", "*")))
        self.assertGreaterEqual(len(samples), 4)
        for path in samples:
            partner = os.path.basename(os.path.dirname(path))
            rc, out, err = self.check(partner, path)
            self.assertEqual(rc, 0, f"{path}:\n{err}")
            self.assertIn("0 exception(s)", err)
            self.assertTrue(out.startswith("# "), out[:200])

    def test_samples_map_to_their_golden_canonical_documents(self):
        """Golden pairs: examples/demo/samples/<partner>/<file> -> tests/golden/mapping/examples/
        <partner>/<file>.json. Adding a case is adding two files; CROSSDOCK_UPDATE_GOLDEN=1
        rewrites the expected files (review the diff)."""
        golden_root = os.path.join(ROOT, "tests", "golden", "mapping", "examples")
        update = os.environ.get("CROSSDOCK_UPDATE_GOLDEN") == "1"
        samples = sorted(glob.glob(os.path.join(EXAMPLES, "samples", "*", "*")))
        for path in samples:
            partner = os.path.basename(os.path.dirname(path))
            rc, out, err = self.check(partner, path)
            self.assertEqual(rc, 0, err)
            golden = os.path.join(golden_root, partner, os.path.basename(path) + ".json")
            if update:
                os.makedirs(os.path.dirname(golden), exist_ok=True)
                with open(golden, "w") as f:
                    f.write(out)
                continue
            self.assertTrue(os.path.exists(golden), f"no golden file {golden} for {path}")
            with open(golden) as f:
                self.assertEqual(out, f.read(), f"{path} no longer maps to {golden}")
        if not update:
            # Every golden file has its sample.
            for g in glob.glob(os.path.join(golden_root, "*", "*.json")):
                sample_path = os.path.join(EXAMPLES, "samples", os.path.basename(os.path.dirname(g)),
                                           os.path.basename(g)[:-5])
                self.assertTrue(os.path.exists(sample_path), f"{g} has no sample")

    def test_exceptions_exit_1_and_unreadable_exit_2(self):
        d = tempfile.mkdtemp()
        try:
            bad = os.path.join(d, "order.json")
            order = json.loads(sample("json-customer", "order-SC-88412.json"))
            order["items"][0]["productCode"] = "NOPE"
            with open(bad, "w") as f:
                json.dump(order, f)
            rc, out, err = self.check("json-customer", bad)
            self.assertEqual(rc, 1)
            self.assertIn("unknown_item", err)
            self.assertIn("'NOPE'", err)
            broken = os.path.join(d, "broken.json")
            with open(broken, "w") as f:
                f.write("{nope")
            rc, out, err = self.check("json-customer", broken)
            self.assertEqual(rc, 2)
            self.assertIn("malformed JSON", err)
            rc, out, err = self.check("nobody", broken)
            self.assertEqual(rc, 2)
        finally:
            shutil.rmtree(d)


if __name__ == "__main__":
    main()
