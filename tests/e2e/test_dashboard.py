"""The operations dashboard in a real browser. A hub (examples/demo profiles) is seeded with real
flows: a procure-to-pay round trip answered by the simulated X12 supplier (tools/sim_supplier.py)
through its folders, a sales order, a rule-breaking order (exceptions) and webhook deliveries the
receiver refuses with 400 (dead letters). The static files are checked over HTTP (content types,
ETag / 304, caching, CSP, no token needed), then tests/browser/dashboard.mjs drives Debian's
Chromium through playwright-core: login, overview, search -> trace with the 850 and 855 payloads,
resolve an exception, replay a dead letter, a viewer's disabled actions. Screenshots of every page
go to $CROSSDOCK_ARTIFACTS (default build/<preset>/artifacts/dashboard)."""
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unittest

from harness import ADMIN, ROOT, Hub, Receiver, main, sha256
from test_pipeline import OPERATOR, example_config, sample
from test_procure import SUPPLIER, Flow

VIEWER = "dashboard-viewer-token"
CHROMIUM = os.environ.get("CROSSDOCK_CHROMIUM", "/usr/bin/chromium")
MODULES = os.environ.get("CROSSDOCK_WEB_MODULES") or os.path.join(ROOT, "web", "node_modules")
ARTIFACTS = (os.environ.get("CROSSDOCK_ARTIFACTS") or os.environ.get("CROSSDOCK_ARTIFACTS_DEFAULT")
             or os.path.join(ROOT, "build", "artifacts", "dashboard"))
DEAD_SUBJECTS = ["SC-DL-1", "SC-DL-2"]


class DashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = Receiver()
        # Deliveries of these orders' events are refused with 400: dead letters.
        cls.receiver.control(reject_subjects=DEAD_SUBJECTS, reject_status=400)
        cls.hub = Hub()
        cls.cfg = example_config(cls.hub.port, cls.receiver.port)
        path = os.path.join(cls.cfg, "crossdock.yaml")
        with open(path) as f:
            text = f.read()
        text = text.replace("tokens:\n", "tokens:\n  - {name: dash-viewer, sha256: %s, role: viewer}\n"
                            % sha256(VIEWER), 1)
        with open(path, "w") as f:
            f.write(text)
        cls.hub.config_path = cls.cfg
        cls.hub.start()
        cls.sim = None
        try:
            cls.seed()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.sim and cls.sim.poll() is None:
            cls.sim.terminate()
            cls.sim.wait(10)
        cls.hub.stop()
        cls.hub.cleanup()
        cls.receiver.close()
        shutil.rmtree(cls.cfg, ignore_errors=True)

    @classmethod
    def seed(cls):
        hub = cls.hub
        t = unittest.TestCase()
        flow = Flow(t, hub)
        # Procure to pay: the ERP's stock figure is below the reorder point -> PO -> 850 out; the
        # simulated supplier answers through its folders (855, 856, receipt, 810).
        cls.sim = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "tools", "sim_supplier.py"), "--data", hub.data,
             "--seed", "1", "--delay", "0.5"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        flow.drop("erp", "stock-1.csv", sample("erp", "stock-2026-11-23.csv").decode())
        files = flow.until("an 850 in the supplier's folder",
                           lambda: flow.outbound(SUPPLIER, r"^purchase_order-"))
        x850 = flow.read_out(SUPPLIER, files[0])
        cls.po_number = re.search(r"BEG\*00\*SA\*([^*~]+)\*", x850).group(1)
        flow.until("the 855 applied", lambda: (flow.po(cls.po_number) or {}).get("state") not in
                   (None, "sent", "released", "pending_approval"))
        # A sales order from the JSON API customer.
        code, _, body = hub.post_doc("json-customer", sample("json-customer", "order-SC-88412.json"))
        assert code == 202, body
        cls.order_message = body["message_id"]
        # A rule-breaking order: held with exceptions.
        order = json.loads(sample("json-customer", "order-SC-88412.json"))
        order["orderNumber"] = "SC-BAD-1"
        order["items"][0]["unitPrice"] = 12.99       # contract 11.50, tolerance 1 %
        order["shipTo"]["storeCode"] = "STORE-99"        # unknown ship-to: a second exception
        code, _, body = hub.post_doc("json-customer", json.dumps(order))
        assert code == 202, body

        def bad_exceptions():
            _, _, lst = hub.json("GET", "/v1/exceptions?partner=json-customer&status=open")
            found = {e["type"]: e for e in lst["items"] if e["document_id"] == "SC-BAD-1"}
            return found if len(found) >= 2 else None
        cls.exception = flow.until("the order's exceptions", bad_exceptions)["price_out_of_tolerance"]
        # Two orders whose webhook deliveries the receiver refuses: dead letters.
        for po in DEAD_SUBJECTS:
            o = json.loads(sample("json-customer", "order-SC-88412.json"))
            o["orderNumber"] = po
            code, _, body = hub.post_doc("json-customer", json.dumps(o))
            assert code == 202, body

        def dead_letters():
            _, _, lst = hub.json("GET", "/v1/dead-letters")
            return lst["items"] if len(lst["items"]) >= 2 else None
        cls.dead_letters = flow.until("two dead letters", dead_letters)
        cls.receiver.control()  # deliveries succeed again: a replay goes through
        # The supplier's 856, receipt and 810 arrive within seconds.
        flow.until("PO invoiced or matched", lambda: (flow.po(cls.po_number) or {}).get("state") in
                   ("invoiced", "closed", "matched", "discrepancy", "received"), timeout=90)

    def test_1_static_files(self):
        hub = self.hub
        status, hdrs, body = hub.request("GET", "/", token=None)
        self.assertEqual(status, 200)
        self.assertEqual(hdrs["content-type"], "text/html; charset=utf-8")
        self.assertEqual(hdrs["cache-control"], "no-cache")
        csp = hdrs["content-security-policy"]
        self.assertIn("default-src 'self'", csp)
        self.assertIn("script-src 'self'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(hdrs["x-content-type-options"], "nosniff")
        html = body.decode()
        self.assertNotIn("<script>", html)  # no inline script
        self.assertNotRegex(html, r"(src|href)=\"(https?:)?//")  # nothing from elsewhere
        etag = hdrs["etag"]
        self.assertRegex(etag, r'^"[0-9a-f]{32}"$')
        status, hdrs2, body2 = hub.request("GET", "/", token=None, headers={"If-None-Match": etag})
        self.assertEqual(status, 304)
        self.assertEqual(body2, b"")
        self.assertEqual(hdrs2["etag"], etag)
        status, _, _ = hub.request("GET", "/", token=None, headers={"If-None-Match": '"other"'})
        self.assertEqual(status, 200)
        status, _, same = hub.request("GET", "/index.html", token=None)
        self.assertEqual((status, same), (200, body))
        assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', html)
        self.assertEqual(len(assets), 3, assets)  # script, stylesheet, icon
        total = len(body)
        types = {}
        for path in assets:
            status, h, data = hub.request("GET", path, token=None)
            self.assertEqual(status, 200, path)
            self.assertEqual(h["cache-control"], "public, max-age=31536000, immutable")
            self.assertIn("content-security-policy", h)
            types[path.rsplit(".", 1)[1]] = h["content-type"]
            total += len(data)
            status, _, _ = hub.request("GET", path, token=None, headers={"If-None-Match": h["etag"]})
            self.assertEqual(status, 304)
        self.assertEqual(types["js"], "text/javascript; charset=utf-8")
        self.assertEqual(types["css"], "text/css; charset=utf-8")
        self.assertEqual(types["svg"], "image/svg+xml")
        print(f"dashboard bundle: {total} bytes in {len(assets) + 1} files", file=sys.stderr)
        self.assertLess(total, 400_000)
        status, _, _ = hub.request("GET", "/assets/nope.js", token=None)
        self.assertEqual(status, 404)
        status, hdrs, _ = hub.request("POST", "/", body=b"x", token=None)
        self.assertEqual((status, hdrs.get("allow")), (405, "GET"))
        status, _, _ = hub.request("GET", "/v1/messages", token=None)
        self.assertEqual(status, 401)  # the API still needs a token

    def test_2_browser(self):
        self.assertTrue(os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: scripts/install-deps.sh installs chromium")
        self.assertTrue(os.path.isdir(os.path.join(MODULES, "playwright-core")),
                        f"playwright-core is not installed under {MODULES}")
        os.makedirs(ARTIFACTS, exist_ok=True)
        hub = self.hub
        scenario = {
            "url": f"http://127.0.0.1:{hub.port}/",
            "admin": ADMIN, "operator": OPERATOR, "viewer": VIEWER,
            "po_number": self.po_number,
            "exception_id": self.exception["id"],
            "dead_letter_id": self.dead_letters[0]["id"],
            "other_dead_letter_id": self.dead_letters[1]["id"],
            "note": "price confirmed with the customer; contract updated",
            "artifacts": ARTIFACTS,
            "chromium": CHROMIUM,
            "modules": MODULES,
        }
        proc = subprocess.run(
            ["node", os.path.join(ROOT, "tests", "browser", "dashboard.mjs")],
            input=json.dumps(scenario), capture_output=True, text=True, timeout=600)
        sys.stderr.write(proc.stderr)
        self.assertEqual(proc.returncode, 0, f"browser run failed:\n{proc.stdout}\n{proc.stderr}\n"
                         f"hub log:\n{hub.read_log()[-2000:]}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        with open(os.path.join(ARTIFACTS, "result.json"), "w") as f:
            json.dump(result, f, indent=2)
        # What the browser did is what the API now says.
        code, _, e = hub.json("GET", f"/v1/exceptions/{self.exception['id']}")
        self.assertEqual(code, 200)
        self.assertEqual(e["status"], "resolved")
        self.assertEqual(e["history"][-1]["note"], scenario["note"])
        self.assertEqual(e["history"][-1]["by"], "admin-e2e")
        code, _, d = hub.json("GET", f"/v1/dead-letters/{scenario['dead_letter_id']}")
        self.assertEqual(code, 200)
        self.assertIsNotNone(d["replayed_at"])
        code, _, d = hub.json("GET", f"/v1/dead-letters/{scenario['other_dead_letter_id']}")
        self.assertIsNone(d["replayed_at"])  # the viewer could not replay it
        for page, ms in result["render_ms"].items():
            self.assertLess(ms, 3000, f"{page} took {ms} ms to render")
        for name in ("login", "overview", "search", "trace", "exceptions", "dead-letters",
                     "messages", "partners", "viewer-exceptions"):
            self.assertTrue(os.path.getsize(os.path.join(ARTIFACTS, name + ".png")) > 5000, name)


if __name__ == "__main__":
    main()
