"""HTTP API end to end against the real binary: intake, idempotency, bad input, auth and
partner isolation, correlation, webhooks, retries, dead letters and replay, graceful restart."""
import json
import os
import subprocess
import time
import unittest

from harness import (ACME, ADMIN, BIN, GLOBEX, OPERATOR, VIEWER, Hub, Receiver, base_config,
                     main)

PROBLEM = "application/problem+json"


class ApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = Receiver()
        cls.hub = Hub(receiver=cls.receiver).start()

    @classmethod
    def tearDownClass(cls):
        rc = cls.hub.stop()
        cls.hub.cleanup()
        cls.receiver.close()
        assert rc == 0, f"hub exited with {rc}"

    def setUp(self):
        self.receiver.control()

    def assertProblem(self, resp, status, slug):
        code, hdrs, body = resp
        self.assertEqual(code, status, body)
        self.assertEqual(hdrs["content-type"], PROBLEM)
        self.assertEqual(body["type"], "urn:crossdock:problem:" + slug)
        self.assertEqual(body["status"], status)
        self.assertTrue(body["detail"])
        self.assertTrue(hdrs.get("x-correlation-id"))
        return body

    # ---- health and metrics ----

    def test_health_ready_metrics(self):
        self.assertEqual(self.hub.json("GET", "/healthz", token=None)[0], 200)
        self.assertEqual(self.hub.json("GET", "/readyz", token=None)[0], 200)
        self.hub.post_doc("acme", {"metrics": 1})
        code, hdrs, body = self.hub.request("GET", "/metrics", token=None)
        self.assertEqual(code, 200)
        text = body.decode()
        self.assertIn('crossdock_intake_total{partner="acme",outcome="accepted"}', text)
        self.assertIn("crossdock_queue_depth", text)
        self.assertIn("crossdock_step_duration_seconds_bucket", text)
        self.assertIn("crossdock_dead_letters_open", text)

    # ---- intake and idempotency ----

    def test_accept_then_duplicate_key_returns_original(self):
        code, hdrs, body = self.hub.post_doc("acme", {"po": "1"}, key="po-1")
        self.assertEqual(code, 202, body)
        self.assertEqual(hdrs["location"], "/v1/messages/" + body["message_id"])
        code2, _, body2 = self.hub.post_doc("acme", {"po": "1-changed"}, key="po-1")
        self.assertEqual(code2, 200)
        self.assertTrue(body2["duplicate"])
        self.assertEqual(body2["matched_by"], "idempotency_key")
        self.assertEqual(body2["message_id"], body["message_id"])
        self.assertEqual(body2["correlation_id"], body["correlation_id"])
        code, _, lst = self.hub.json("GET", "/v1/messages?idempotency_key=po-1")
        self.assertEqual([m["id"] for m in lst["items"]], [body["message_id"]])

    def test_duplicate_content_without_key(self):
        doc = {"same": "content", "n": 42}
        code, _, a = self.hub.post_doc("acme", doc)
        self.assertEqual(code, 202)
        code, _, b = self.hub.post_doc("acme", doc)
        self.assertEqual(code, 200)
        self.assertEqual(b["matched_by"], "content_hash")
        self.assertEqual(b["message_id"], a["message_id"])

    def test_payload_is_kept_byte_for_byte(self):
        raw = "ISA*00*          *00*          *ZZ*ACME           *ZZ*HUB            *261123*0932*U*00401*000000001*0*P*>~\r\n"
        code, _, body = self.hub.post_doc("acme", raw, content_type="application/edi-x12")
        self.assertEqual(code, 202)
        code, hdrs, data = self.hub.request("GET", f"/v1/messages/{body['message_id']}/payload")
        self.assertEqual(code, 200)
        self.assertEqual(data.decode(), raw)
        self.assertEqual(hdrs["content-type"], "application/edi-x12")

    # ---- bad input: a precise problem, never a crash ----

    def test_bad_input_gets_problem_details(self):
        hub = self.hub
        self.assertProblem(hub.post_doc("nobody", {"a": 1}), 404, "unknown-partner")
        self.assertProblem(hub.post_doc("acme", ""), 400, "empty-body")
        self.assertProblem(hub.post_doc("acme", "<xml/>", content_type="application/xml"), 415,
                           "unsupported-media-type")
        body = self.assertProblem(hub.post_doc("globex", "a,b\n1,2", content_type="text/csv"),
                                  415, "unsupported-media-type")
        self.assertIn("application/json", body["detail"])
        body = self.assertProblem(hub.post_doc("acme", '{"po": [1, 2,'), 400, "malformed-json")
        self.assertIn("byte", body["detail"])
        # A number no double can hold: refused with the reason, the server stays up.
        body = self.assertProblem(hub.post_doc("acme", '{"qty": 1e999999}'), 400, "malformed-json")
        self.assertIn("number", body["detail"])
        body = self.assertProblem(hub.post_doc("globex", {"pad": "x" * 3000}), 413,
                                  "payload-too-large")
        self.assertIn("2048", body["detail"])
        self.assertProblem(hub.post_doc("acme", "x" * 70000, content_type="text/csv"), 413,
                           "payload-too-large")
        self.assertProblem(hub.post_doc("acme", {"a": 1}, key="bad key with spaces"), 400,
                           "bad-idempotency-key")
        self.assertProblem(hub.json("GET", "/v1/messages/does-not-exist"), 404, "not-found")
        self.assertProblem(hub.json("DELETE", "/v1/messages"), 405, "method-not-allowed")
        self.assertProblem(hub.json("GET", "/v1/nothing-here"), 404, "not-found")
        self.assertProblem(hub.json("GET", "/v1/messages?limit=0"), 400, "bad-query")
        # Garbage on the socket is answered, and the hub keeps serving.
        import socket
        with socket.create_connection(("127.0.0.1", hub.port)) as s:
            s.sendall(b"THIS IS NOT HTTP\r\n\r\n")
            reply = s.recv(4096)
            self.assertIn(b"400", reply.split(b"\r\n")[0])
        self.assertEqual(hub.json("GET", "/healthz", token=None)[0], 200)
        code, _, _ = hub.request("GET", "/metrics", token=None)
        self.assertEqual(code, 200)

    # ---- auth and partner isolation ----

    def test_authentication_and_roles(self):
        hub = self.hub
        code, hdrs, body = hub.post_doc("acme", {"a": 1}, token=None)
        self.assertEqual(code, 401)
        self.assertIn("Bearer", hdrs["www-authenticate"])
        self.assertProblem(hub.post_doc("acme", {"a": 1}, token="wrong"), 401, "unauthenticated")
        self.assertProblem(hub.post_doc("acme", {"v": 1}, token=VIEWER), 403, "forbidden")
        self.assertEqual(hub.json("GET", "/v1/messages", token=VIEWER)[0], 200)
        self.assertProblem(hub.json("POST", "/v1/dead-letters/x/replay", token=VIEWER), 403,
                           "forbidden")

    def test_partner_isolation(self):
        hub = self.hub
        code, _, mine = hub.post_doc("acme", {"iso": "acme"}, token=ACME)
        self.assertEqual(code, 202)
        code, _, theirs = hub.post_doc("globex", {"iso": "globex"}, token=GLOBEX)
        self.assertEqual(code, 202)
        # A cannot post as B.
        self.assertProblem(hub.post_doc("globex", {"x": 1}, token=ACME), 403, "forbidden")
        # A cannot read B's message or payload; B can.
        self.assertProblem(hub.json("GET", f"/v1/messages/{theirs['message_id']}", token=ACME),
                           403, "forbidden")
        self.assertProblem(
            hub.json("GET", f"/v1/messages/{theirs['message_id']}/payload", token=ACME), 403,
            "forbidden")
        self.assertEqual(hub.json("GET", f"/v1/messages/{mine['message_id']}", token=ACME)[0], 200)
        # Listing is limited to one's own partner, whatever is asked.
        code, _, lst = hub.json("GET", "/v1/messages?limit=1000", token=ACME)
        self.assertEqual(code, 200)
        self.assertTrue(lst["items"])
        self.assertTrue(all(m["partner"] == "acme" for m in lst["items"]))
        self.assertProblem(hub.json("GET", "/v1/messages?partner=globex", token=ACME), 403,
                           "forbidden")
        self.assertProblem(hub.json("GET", "/v1/dead-letters", token=ACME), 403, "forbidden")

    # ---- correlation and tracing ----

    def test_correlation_id_and_traceparent_propagate(self):
        code, hdrs, body = self.hub.post_doc("acme", {"corr": 1},
                                             headers={"X-Correlation-Id": "order-77.a"})
        self.assertEqual(code, 202)
        self.assertEqual(hdrs["x-correlation-id"], "order-77.a")
        self.assertEqual(body["correlation_id"], "order-77.a")
        trace = "4bf92f3577b34da6a3ce929d0e0e4736"
        tp = f"00-{trace}-00f067aa0ba902b7-01"
        code, hdrs, body2 = self.hub.post_doc("acme", {"corr": 2}, headers={"traceparent": tp})
        self.assertEqual(body2["correlation_id"], trace)
        self.assertTrue(self.receiver.wait_for(1))
        deadline = time.time() + 20
        got = {}
        while time.time() < deadline and len(got) < 2:
            for e in self.receiver.events():
                if e["event"]["subject"] in (body["message_id"], body2["message_id"]):
                    got[e["event"]["subject"]] = e
            time.sleep(0.05)
        self.assertEqual(got[body["message_id"]]["correlation_id"], "order-77.a")
        self.assertEqual(got[body["message_id"]]["event"]["correlationid"], "order-77.a")
        e2 = got[body2["message_id"]]
        self.assertEqual(e2["traceparent"][3:35], trace)  # same trace, new span
        self.assertNotEqual(e2["traceparent"], tp)
        self.assertEqual(e2["event"]["traceparent"], tp)
        # Every response carries a correlation id, errors too.
        code, hdrs, _ = self.hub.request("GET", "/v1/nothing", token=ADMIN)
        self.assertTrue(hdrs["x-correlation-id"])
        code, _, lst = self.hub.json("GET", "/v1/messages?correlation_id=order-77.a")
        self.assertEqual([m["id"] for m in lst["items"]], [body["message_id"]])

    # ---- webhooks ----

    def test_webhook_is_a_signed_cloudevent(self):
        code, _, body = self.hub.post_doc("acme", {"webhook": "yes"}, key="wh-1")
        view = self.hub.wait_message_status(body["message_id"], "done")
        events = [e for e in self.receiver.events() if e["event"]["subject"] == body["message_id"]]
        self.assertEqual(len(events), 1)
        ev = events[0]["event"]
        self.assertEqual(ev["specversion"], "1.0")
        self.assertEqual(ev["type"], "message.received.v1")
        self.assertEqual(ev["source"], "crossdock://partners/acme")
        self.assertEqual(ev["id"], events[0]["webhook_id"])
        self.assertEqual(json.loads(ev["data"]["payload"]), {"webhook": "yes"})
        self.assertEqual(ev["data"]["idempotency_key"], "wh-1")
        types = [s["type"] for s in view["steps"]]
        self.assertIn("step.succeeded", types)
        self.assertIn("delivery.succeeded", types)

    def test_retry_honours_retry_after_then_delivers(self):
        self.receiver.control(fail_status=503, fail_count=2, retry_after="1")
        t0 = time.time()
        code, _, body = self.hub.post_doc("acme", {"retry": "me"})
        view = self.hub.wait_message_status(body["message_id"], "done")
        elapsed = time.time() - t0
        self.assertGreaterEqual(elapsed, 1.9)  # two Retry-After: 1 waits
        retries = [s for s in view["steps"] if s["type"] == "delivery.retry_scheduled"]
        self.assertEqual(len(retries), 2)
        self.assertEqual(retries[0]["detail"]["http_status"], 503)
        self.assertEqual(retries[0]["detail"]["code"], "http_503")

    def test_rejected_delivery_goes_to_dead_letter_and_replays_with_lineage(self):
        code, _, body = self.hub.post_doc("acme", {"poison": True})
        mid = body["message_id"]
        self.receiver.control(reject_subjects=[mid], reject_status=422)
        view = self.hub.wait_message_status(mid, "failed")
        self.assertEqual(len(view["dead_letters"]), 1)
        dl = view["dead_letters"][0]
        self.assertIn("rejected", dl["reason"])
        self.assertEqual(dl["errors"][-1]["http_status"], 422)
        self.assertEqual(dl["attempts"], 1)  # a 4xx is not retried
        code, _, lst = self.hub.json("GET", "/v1/dead-letters")
        self.assertIn(dl["id"], [d["id"] for d in lst["items"]])
        # The partner fixes its side; an operator replays.
        self.receiver.control()
        code, _, rep = self.hub.json("POST", f"/v1/dead-letters/{dl['id']}/replay",
                                     token=OPERATOR)
        self.assertEqual(code, 202, rep)
        self.assertProblem(self.hub.json("POST", f"/v1/dead-letters/{dl['id']}/replay"), 409,
                           "conflict")
        view = self.hub.wait_message_status(mid, "done")
        self.assertEqual(view["dead_letters"][0]["replay_item_id"], rep["new_item_id"])
        code, _, d = self.hub.json("GET", f"/v1/dead-letters/{dl['id']}")
        self.assertEqual(d["replay_item_id"], rep["new_item_id"])
        delivered = [e for e in self.receiver.events() if e["event"]["subject"] == mid]
        self.assertEqual(len(delivered), 1)
        # The replay carries the original webhook-id, so receivers can drop a repeat.
        self.assertEqual(delivered[0]["webhook_id"], dl["idempotency_key"])
        types = [s["type"] for s in view["steps"]]
        self.assertIn("delivery.dead_lettered", types)
        self.assertIn("dead_letter.replayed", types)

    def test_message_replay_creates_child_with_lineage(self):
        code, _, body = self.hub.post_doc("acme", {"replay": "whole message"})
        self.hub.wait_message_status(body["message_id"], "done")
        self.assertProblem(self.hub.json("POST", f"/v1/messages/{body['message_id']}/replay",
                                         token=VIEWER), 403, "forbidden")
        code, hdrs, rep = self.hub.json("POST", f"/v1/messages/{body['message_id']}/replay")
        self.assertEqual(code, 202)
        child = self.hub.wait_message_status(rep["message_id"], "done")
        self.assertEqual(child["replay_of"], body["message_id"])
        self.assertEqual(child["lineage"]["parents"][0]["id"], body["message_id"])
        self.assertEqual(child["lineage"]["parents"][0]["relation"], "replay")
        code, _, parent = self.hub.json("GET", f"/v1/messages/{body['message_id']}")
        self.assertEqual(parent["lineage"]["children"][0]["id"], rep["message_id"])


class RestartTest(unittest.TestCase):
    def test_graceful_shutdown_then_restart_delivers_everything(self):
        receiver = Receiver()
        receiver.control(delay_ms=200)
        hub = Hub(receiver=receiver).start()
        try:
            ids = []
            for i in range(20):
                code, _, body = hub.post_doc("acme", {"n": i}, key=f"restart-{i}")
                self.assertEqual(code, 202)
                ids.append(body["message_id"])
            self.assertEqual(hub.stop(), 0)
            self.assertIn("stopped", hub.read_log())
            receiver.control()
            hub.start()
            for mid in ids:
                hub.wait_message_status(mid, "done")
            self.assertTrue(receiver.wait_for(20))
            subjects = [e["event"]["subject"] for e in receiver.events()]
            self.assertEqual(sorted(subjects), sorted(ids))
        finally:
            hub.stop()
            hub.cleanup()
            receiver.close()

    def test_destination_limits_concurrency_and_rate(self):
        receiver = Receiver()
        receiver.control(delay_ms=50)
        hub = Hub()
        with open(hub.config_path, "w") as f:
            f.write(base_config(hub.port, receiver.port,
                                {"max_in_flight": 2, "rate_per_second": 20, "burst": 1}))
        hub.start()
        try:
            for i in range(30):
                self.assertEqual(hub.post_doc("acme", {"rate": i})[0], 202)
            self.assertTrue(receiver.wait_for(30, timeout=60))
            self.assertLessEqual(receiver.state.max_in_flight, 2)
            arrivals = sorted(receiver.state.arrivals)
            span = arrivals[-1] - arrivals[0]
            self.assertGreaterEqual(span, 29 / 20 * 0.9)  # 20 per second, burst 1
        finally:
            hub.stop()
            hub.cleanup()
            receiver.close()

    def test_second_process_on_same_data_is_refused(self):
        hub = Hub().start()
        try:
            other = Hub(data_dir=hub.data)
            other.start(wait=False)
            rc = other.proc.wait(15)
            self.assertNotEqual(rc, 0)
            self.assertIn("in use by another crossdock process", other.read_log())
            other.cleanup()
        finally:
            hub.stop()
            hub.cleanup()


class CliTest(unittest.TestCase):
    def run_cli(self, *args):
        p = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr

    def test_version_and_help(self):
        rc, out, _ = self.run_cli("--version")
        self.assertEqual(rc, 0)
        self.assertTrue(out.startswith("crossdock "))
        rc, out, _ = self.run_cli("serve", "--help")
        self.assertEqual(rc, 0)
        self.assertIn("--config", out)

    def test_check_config_names_file_line_and_key(self):
        import tempfile
        d = tempfile.mkdtemp()
        path = os.path.join(d, "bad.yaml")
        with open(path, "w") as f:
            f.write("server:\n  listen: 127.0.0.1:1\n  lisen: typo\npartners:\n"
                    "  - id: Bad Id\n    kind: supplier\n    formats: [x12, edifact]\n")
        rc, out, err = self.run_cli("check-config", path)
        self.assertEqual(rc, 1)
        self.assertIn(f"{path}:3:3: server.lisen: unknown key", err)
        self.assertIn("partners[0].id", err)
        self.assertIn("unknown format 'edifact'", err)
        rc, out, err = self.run_cli("check-config",
                                    os.path.join(os.environ.get("CROSSDOCK_SOURCE_DIR", "."),
                                                 "examples", "demo"))
        self.assertEqual(rc, 0, err)
        self.assertIn("ok (7 partners", out)

    def test_token_hash(self):
        rc, out, _ = self.run_cli("token", "hash", "abc")
        self.assertEqual(out.strip(),
                         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")


if __name__ == "__main__":
    main()
