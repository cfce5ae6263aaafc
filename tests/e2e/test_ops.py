"""Operations views end to end on a real hub: a procure-to-pay round trip through the file-drop
transport, then search by business key (PO number, interchange control number, SKU), the
end-to-end trace of the PO (850 out, 855 in, canonical, 997, lineage, timeline), the measures
(JSON and Prometheus), partner scorecards, and an alert rule that fires on a dead letter and
arrives as a signed webhook at a second receiver, then shows on /v1/alerts."""
import os
import re
import shutil
import unittest

from harness import ADMIN, Hub, Receiver, main
from test_pipeline import OPERATOR, example_config
from test_procure import SUPPLIER, Flow, isa_env

PARTNER_TOKEN = "demo-supplier-token"  # the demo config's partner token


def ops_config(port, receiver_port, alert_port):
    d = example_config(port, receiver_port)
    path = os.path.join(d, "crossdock.yaml")
    with open(path) as f:
        text = f.read()
    text = text.replace("engine:\n", "engine:\n  measures_refresh_ms: 300\n", 1)
    secret = re.search(r"secret: (whsec_\S+)", text).group(1)
    text = text.replace("destinations:\n", f"""destinations:
  - id: ops-alerts
    url: http://127.0.0.1:{alert_port}/hooks/alerts
    secret: {secret}
    events: []
""", 1)
    # This test's own rules in place of the demo's (the alerts section is the file's last).
    if "\nalerts:\n" in text:
        text = text[:text.index("\nalerts:\n")] + "\n"
    text += """
alerts:
  - id: any-dead-letter
    measure: dead_letters
    threshold: 0
    window_minutes: 5
    severity: critical
    description: Any dead letter is worth a look
    notify: [ops-alerts]
  - id: strategic-ack-overdue
    measure: overdue_acks
    strategic_only: true
    threshold: 0
    notify: [ops-alerts]
"""
    with open(path, "w") as f:
        f.write(text)
    return d


class OpsTest(unittest.TestCase):
    def setUp(self):
        self.receiver = Receiver()
        self.alerts = Receiver()
        self.hub = Hub()
        self.cfg = ops_config(self.hub.port, self.receiver.port, self.alerts.port)
        self.hub.config_path = self.cfg
        self.hub.start()
        self.flow = Flow(self, self.hub)

    def tearDown(self):
        self.hub.stop()
        self.hub.cleanup()
        self.receiver.close()
        self.alerts.close()
        shutil.rmtree(self.cfg, ignore_errors=True)

    def get(self, path, token=ADMIN):
        code, _, body = self.hub.json("GET", path, token=token)
        self.assertEqual(code, 200, f"{path}: {body}")
        return body

    def test_search_trace_measures_and_alerts(self):
        f, hub = self.flow, self.hub
        f.drop("erp", "stock-ops.csv", "Snapshot,Taken At,Item,Warehouse,On Hand,Unit\n"
               "SOPS,2026-11-23T05:00:00Z,SKU-1001,WH-EAST,500,EA\n")
        files = f.until("the 850", lambda: f.outbound(SUPPLIER, r"^purchase_order-"))
        po = re.search(r"BEG\*00\*SA\*([^*~]+)\*", f.read_out(SUPPLIER, files[0])).group(1)
        f.until("PO sent", lambda: (f.po(po) or {}).get("state") == "sent")
        f.drop(SUPPLIER, "855-ops.x12", isa_env(9301, "PR", "855", [
            f"BAK*00*AC*{po}*20261123", "PO1*1*2500*EA*0.12**BP*SKU-1001*VP*DS-HB840",
            "ACK*IA*1500*EA*068*20261130", "ACK*IB*1000*EA*068*20261214", "CTT*1"]))
        f.until("partially confirmed", lambda: (f.po(po) or {}).get("state") == "partially_confirmed")
        f.until("997 for the 855", lambda: f.outbound(SUPPLIER, r"997"))

        # Who am I.
        me = self.get("/v1/whoami")
        self.assertEqual((me["role"], me["can_act"]), ("admin", True))
        me = self.get("/v1/whoami", token=PARTNER_TOKEN)
        self.assertEqual((me["role"], me["partner"], me["can_act"]), ("partner", SUPPLIER, False))

        # Search: the PO number finds the purchase order with its state.
        hits = self.get(f"/v1/search?q={po}")["items"]
        agg = [h for h in hits if h["kind"] == "purchase_order"]
        self.assertEqual(len(agg), 1, hits)
        self.assertEqual(agg[0]["aggregate"]["status"], "partially_confirmed")
        self.assertEqual(agg[0]["partner"], SUPPLIER)
        # ...and the 855 that refers to it.
        refs = [h for h in hits if h["kind"] in ("reference", "document") and h.get("ref", {}).get("type") == "purchase_order_ack"]
        self.assertTrue(refs, hits)
        self.assertEqual(refs[0].get("aggregate", {}).get("id"), po, refs)
        # The interchange control number, as sent and without its zeros.
        for q in ("000009301", "9301"):
            ih = [h for h in self.get(f"/v1/search?q={q}")["items"] if h["kind"] == "interchange"]
            self.assertEqual(len(ih), 1, q)
            self.assertEqual(ih[0]["partner"], SUPPLIER)
            self.assertEqual(ih[0].get("aggregate", {}).get("id"), po, ih)
        # A SKU names the documents that carry it.
        sku_hits = [h for h in self.get("/v1/search?q=SKU-1001&limit=50")["items"] if h["kind"] == "sku"]
        self.assertIn("purchase_order_ack", {h["ref"]["type"] for h in sku_hits})
        self.assertEqual(self.get("/v1/search?q=NO-SUCH-KEY")["items"], [])
        code, _, body = hub.json("GET", "/v1/search")
        self.assertEqual(code, 400, body)
        code, _, body = hub.json("GET", f"/v1/search?q={po}", token=PARTNER_TOKEN)
        self.assertEqual(code, 403, body)

        # Trace: raw 855 -> canonical -> PO aggregate; 850 out; 997 back; all in time order.
        tr = self.get(f"/v1/trace?aggregate=purchase_order:{po}")
        self.assertFalse(tr["truncated"])
        self.assertEqual(tr["aggregates"][0]["id"], po)
        events = [e["type"] for e in tr["aggregates"][0]["events"]]
        for e in ("purchase_order.created.v1", "purchase_order.sent.v1",
                  "purchase_order.partially_confirmed.v1"):
            self.assertIn(e, events)
        msgs = {m["id"]: m for m in tr["messages"]}
        kinds = {(m["direction"], m["kind"]) for m in tr["messages"]}
        self.assertIn(("out", "purchase_order"), kinds)  # the 850 as sent
        self.assertIn(("in", "raw"), kinds)              # the 855 as received
        self.assertIn(("internal", "canonical"), kinds)  # the 855 as canonical JSON
        self.assertIn(("out", "997"), kinds)             # its acknowledgment
        raw855 = [m for m in tr["messages"] if m["direction"] == "in" and m["partner"] == SUPPLIER]
        self.assertEqual(len(raw855), 1)
        decoded = [e for e in tr["edges"] if e["parent"] == raw855[0]["id"] and e["relation"] == "decoded"]
        self.assertEqual(len(decoded), 1)
        self.assertEqual(msgs[decoded[0]["child"]]["kind"], "canonical")
        acks = [e for e in tr["edges"] if e["parent"] == raw855[0]["id"] and e["relation"] == "acknowledgment"]
        self.assertEqual(msgs[acks[0]["child"]]["kind"], "997")
        # Every message's payload can be fetched: the raw 855 as received.
        code, hdrs, payload = hub.request("GET", f"/v1/messages/{raw855[0]['id']}/payload")
        self.assertEqual(code, 200)
        self.assertIn(f"BAK*00*AC*{po}".encode(), payload)
        times = [t["at"] for t in tr["timeline"]]
        self.assertEqual(times, sorted(times))
        self.assertIn("message", {t["kind"] for t in tr["timeline"]})
        # The same transaction from the 855's message id and from its correlation id.
        by_msg = self.get(f"/v1/trace?message_id={raw855[0]['id']}")
        self.assertEqual([a["id"] for a in by_msg["aggregates"]], [po])
        by_corr = self.get(f"/v1/trace?correlation_id={raw855[0]['correlation_id']}")
        self.assertIn(raw855[0]["id"], {m["id"] for m in by_corr["messages"]})
        code, _, _ = hub.json("GET", "/v1/trace?aggregate=purchase_order:NOPE")
        self.assertEqual(code, 404)

        # Measures: one acknowledgment from the supplier, the ERP snapshot's sync lag, the
        # partial-confirmation exception open.
        def measures_ready():
            m = self.get("/v1/measures")
            lat = [x for x in m["po_ack_latency"] if x["partner"] == SUPPLIER]
            return m if lat and lat[0]["count"] == 1 else None
        m = f.until("ack latency measured", measures_ready)
        self.assertGreaterEqual(m["po_ack_latency"][0]["p95_seconds"], 0)
        erp = [s for s in m["inventory_sync_lag"] if s["source"] == "erp"]
        self.assertEqual(len(erp), 1, m["inventory_sync_lag"])
        self.assertLess(erp[0]["lag_seconds"], 600)
        self.assertEqual(erp[0]["snapshot"], "SOPS")
        open_types = {(r["type"], r["partner"]) for r in m["exceptions"]["by_type_partner"]}
        self.assertIn(("partial_confirmation", SUPPLIER), open_types)
        self.assertGreaterEqual(m["exceptions"]["by_age"]["lt_1h"], 1)
        self.assertEqual(m["overdue_acks"]["count"], 0)
        sla = [s for s in m["partner_sla"] if s["partner"] == SUPPLIER]
        self.assertEqual((sla[0]["acks_due"], sla[0]["acks_on_time"]), (1, 1))
        code, _, prom = hub.request("GET", "/metrics", token=None)
        prom = prom.decode()
        self.assertRegex(prom, r'crossdock_measure_po_ack_latency_seconds\{partner="demo-supplier",quantile="0.95"\} \d')
        self.assertRegex(prom, r'crossdock_measure_inventory_sync_lag_seconds\{source="erp"\} \d')
        self.assertIn('crossdock_measure_exceptions_open{type="partial_confirmation",partner="demo-supplier",age="lt_1h"} 1', prom)
        series = self.get("/v1/measures/series?range=1h")
        self.assertEqual(len(series["points"]), 60)
        self.assertGreaterEqual(sum(p["received"] for p in series["points"]), 2)
        self.assertGreater(sum(p["processed"] for p in series["points"]), 0)
        code, _, _ = hub.json("GET", "/v1/measures/series?range=3d")
        self.assertEqual(code, 400)
        cards = {c["partner"]: c for c in self.get("/v1/partners/scorecards?days=7")["items"]}
        self.assertEqual(cards[SUPPLIER]["acks"], 1)
        self.assertEqual(cards[SUPPLIER]["sla_compliance"], 1.0)
        self.assertGreaterEqual(cards[SUPPLIER]["documents_in"], 1)
        self.assertGreaterEqual(cards[SUPPLIER]["documents_out"], 2)  # the 850 and the 997
        self.assertEqual(len(cards[SUPPLIER]["trend"]), 7)

        # No alert fires on a healthy hub.
        rules = {r["id"]: r for r in self.get("/v1/alerts")["items"]}
        self.assertEqual(rules["any-dead-letter"]["state"], "ok")
        self.assertEqual(self.alerts.events(), [])

        # A webhook destination that rejects (400) dead-letters its delivery: the alert fires
        # and is delivered, signed, to the alert receiver.
        self.receiver.control(reject_subjects=["SOPS2"], reject_status=400)
        f.drop("erp", "stock-ops2.csv", "Snapshot,Taken At,Item,Warehouse,On Hand,Unit\n"
               "SOPS2,2026-11-23T06:00:00Z,SKU-2001,WH-EAST,50,EA\n")
        f.until("a dead letter", lambda: self.get("/v1/dead-letters")["items"])
        got = f.until("the alert webhook", lambda: [
            e for e in self.alerts.events() if e["event"]["type"] == "crossdock.alert.firing.v1"])
        self.assertEqual(got[0]["event"]["data"]["rule"], "any-dead-letter")
        self.assertEqual(got[0]["event"]["data"]["severity"], "critical")
        self.assertGreaterEqual(got[0]["event"]["data"]["value"], 1)
        self.assertEqual(got[0]["path"], "/hooks/alerts")
        rules = {r["id"]: r for r in self.get("/v1/alerts")["items"]}
        self.assertEqual(rules["any-dead-letter"]["state"], "firing")
        firing = self.get("/v1/measures")["alerts"]
        self.assertIn("any-dead-letter", {a["rule"] for a in firing})
        hist = self.get("/v1/alerts/history")["items"]
        self.assertEqual(hist[0]["type"], "crossdock.alert.firing.v1")
        self.assertEqual(hist[0]["alert"], "any-dead-letter/all")
        self.assertRegex(prom_after(hub), r'crossdock_alert_firing\{rule="any-dead-letter",scope="all",severity="critical"\} 1')
        # One notification, however many evaluations ran since.
        import time
        time.sleep(1.5)
        self.assertEqual(len([e for e in self.alerts.events()
                              if e["event"]["type"] == "crossdock.alert.firing.v1"]), 1)


def prom_after(hub):
    _, _, prom = hub.request("GET", "/metrics", token=None)
    return prom.decode()


if __name__ == "__main__":
    main()
