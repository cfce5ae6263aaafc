"""Crash safety: 5,000 documents posted concurrently with idempotency keys while the hub delivers
them to a webhook receiver; the hub is killed with SIGKILL at random moments ten times and
restarted. Every document answered 202 must be stored exactly once and delivered (the receiver,
deduplicating by webhook-id, sees each exactly once). Zero lost."""
import http.client
import json
import os
import queue
import random
import sqlite3
import threading
import time
import unittest

from harness import ADMIN, Hub, Receiver, base_config, main

DOCS = int(os.environ.get("CROSSDOCK_CRASH_DOCS", "5000"))
CLIENTS = 64
KILLS = 10


class Client(threading.Thread):
    def __init__(self, port, work, results, errors):
        super().__init__(daemon=True)
        self.port, self.work, self.results, self.errors = port, work, results, errors
        self.conn = None

    def post(self, key, body):
        while True:
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                self.conn.request("POST", "/v1/inbound/acme", body=body, headers={
                    "Authorization": "Bearer " + ADMIN, "Content-Type": "application/json",
                    "Idempotency-Key": key})
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.status in (200, 202):
                    return resp.status, json.loads(data)
                if resp.status == 503:
                    raise ConnectionError("503")
                self.errors.append((key, resp.status, data))
                return resp.status, None
            except (OSError, http.client.HTTPException, ConnectionError):
                # The hub is down or was killed mid-request: same key, try again.
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                time.sleep(0.02)

    def run(self):
        while True:
            try:
                i = self.work.get_nowait()
            except queue.Empty:
                return
            key = f"crash-{i:05d}"
            body = json.dumps({"doc": i, "pad": "x" * 900})
            status, answer = self.post(key, body)
            self.results.setdefault(key, []).append((status, answer))


class CrashTest(unittest.TestCase):
    def test_sigkill_ten_times_loses_nothing_and_doubles_nothing(self):
        receiver = Receiver()
        hub = Hub()
        cfg = base_config(hub.port, receiver.port, {"max_in_flight": 16})
        cfg = cfg.replace("synchronous: normal", "synchronous: full")
        with open(hub.config_path, "w") as f:
            f.write(cfg)
        hub.start()
        try:
            work = queue.Queue()
            for i in range(DOCS):
                work.put(i)
            results, errors = {}, []
            clients = [Client(hub.port, work, results, errors) for _ in range(CLIENTS)]
            for c in clients:
                c.start()
            rng = random.Random(int(os.environ.get("CROSSDOCK_CRASH_SEED", time.time())))
            kills = 0
            while kills < KILLS:
                time.sleep(rng.uniform(0.2, 1.2))
                hub.kill()
                kills += 1
                time.sleep(rng.uniform(0.05, 0.3))
                hub.start()
            for c in clients:
                c.join(300)
                self.assertFalse(c.is_alive(), "a client never got an answer")
            self.assertEqual(errors, [])
            self.assertEqual(len(results), DOCS)
            # Every answer for a key names the same message (a retry after a lost answer gets the
            # original ids back).
            ids = {}
            for key, answers in results.items():
                mids = {a[1]["message_id"] for a in answers}
                self.assertEqual(len(mids), 1, (key, answers))
                ids[key] = mids.pop()
            self.assertEqual(len(set(ids.values())), DOCS)
            # Everything answered is delivered; the receiver deduplicates by webhook-id.
            ok = receiver.wait_for(DOCS, timeout=300)
            events = receiver.events()
            subjects = [e["event"]["subject"] for e in events]
            self.assertTrue(ok, f"only {len(events)} of {DOCS} delivered")
            self.assertEqual(len(subjects), len(set(subjects)),
                             "one message produced two different webhook events")
            self.assertEqual(set(subjects), set(ids.values()))
            for e in events:
                doc = json.loads(e["event"]["data"]["payload"])["doc"]
                self.assertEqual(ids[f"crash-{doc:05d}"], e["event"]["subject"])
            hub.stop()
            # Stored exactly once: look at the store itself.
            db = sqlite3.connect(os.path.join(hub.data, "hub.db"))
            rows = db.execute("SELECT idempotency_key, COUNT(*) FROM messages "
                              "GROUP BY idempotency_key").fetchall()
            db.close()
            self.assertEqual(len(rows), DOCS)
            self.assertTrue(all(n == 1 for _, n in rows))
            print(f"\n{DOCS} documents, {kills} SIGKILLs: all stored once and delivered; "
                  f"{receiver.state.duplicates} redeliveries dropped by webhook-id",
                  flush=True)
        finally:
            hub.cleanup()
            receiver.close()


if __name__ == "__main__":
    main()
