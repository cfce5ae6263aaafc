"""End-to-end test harness: starts a real crossdock binary on 127.0.0.1 with a generated
configuration and data directory, talks HTTP to it, and stops it by PID.

The binary comes from $CROSSDOCK_BIN (set by CTest); the repo root from $CROSSDOCK_SOURCE_DIR.
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

ROOT = os.environ.get("CROSSDOCK_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import webhook_receiver  # noqa: E402

BIN = os.environ.get("CROSSDOCK_BIN") or os.path.join(ROOT, "bin", "crossdock")
SECRET = "whsec_dGVzdC1zZWNyZXQtZm9yLWUyZS10ZXN0cy0wMTIzNDU2Nzg5"

ADMIN = "admin-token-e2e"
OPERATOR = "operator-token-e2e"
VIEWER = "viewer-token-e2e"
ACME = "acme-partner-token"
GLOBEX = "globex-partner-token"


def sha256(s):
    import hashlib
    return hashlib.sha256(s.encode()).hexdigest()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def yaml_value(v):
    return json.dumps(v)  # JSON is valid YAML


def base_config(port, receiver_port=None, dest_overrides=None, extra=""):
    lines = [
        "server:", f"  listen: 127.0.0.1:{port}", "  io_threads: 2", "  max_body_bytes: 65536",
        "store:", "  path: hub.db", "  synchronous: normal", "  content_hash_window_hours: 24",
        "engine:", "  workers: 2", "  lease_seconds: 30", "  poll_interval_ms: 50",
        "  shutdown_grace_seconds: 5",
        "  step_retry: {max_attempts: 3, initial_backoff_ms: 50, max_backoff_ms: 200}",
        "log:", "  level: info",
        "tokens:",
        f"  - {{name: admin, sha256: {sha256(ADMIN)}, role: admin}}",
        f"  - {{name: ops, sha256: {sha256(OPERATOR)}, role: operator}}",
        f"  - {{name: viewer, sha256: {sha256(VIEWER)}, role: viewer}}",
        f"  - {{name: acme, sha256: {sha256(ACME)}, role: partner, partner: acme}}",
        f"  - {{name: globex, sha256: {sha256(GLOBEX)}, role: partner, partner: globex}}",
        "partners:",
        "  - {id: acme, name: ACME Supply, kind: supplier, formats: [x12, json, csv]}",
        "  - {id: globex, name: Globex, kind: customer, formats: [json], max_body_bytes: 2048}",
    ]
    if receiver_port:
        d = {"id": "hook", "type": "webhook",
             "url": f"http://127.0.0.1:{receiver_port}/hooks", "secret": SECRET,
             "events": ["*"], "max_in_flight": 8,
             "retry": {"max_attempts": 4, "initial_backoff_ms": 100, "max_backoff_ms": 1000}}
        d.update(dest_overrides or {})
        lines += ["destinations:", "  - " + yaml_value(d)]
    return "\n".join(lines) + "\n" + extra


class Receiver:
    """An in-process Standard Webhooks receiver (tools/webhook_receiver.py)."""

    def __init__(self):
        self.port = free_port()
        self.server, self.state = webhook_receiver.serve("127.0.0.1", self.port, SECRET)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def control(self, **kw):
        with self.state.lock:
            self.state.control = kw
            self.state.failures_left = int(kw.get("fail_count", 0))

    def events(self):
        with self.state.lock:
            return [self.state.events[i] for i in self.state.order]

    def wait_for(self, n, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.state.lock:
                if len(self.state.events) >= n:
                    return True
            time.sleep(0.05)
        return False

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Hub:
    def __init__(self, config_text=None, receiver=None, data_dir=None, port=None, env=None):
        self.dir = tempfile.mkdtemp(prefix="cd-e2e-")
        self.data = data_dir or os.path.join(self.dir, "data")
        self.port = port or free_port()
        self.config_path = os.path.join(self.dir, "crossdock.yaml")
        text = config_text or base_config(self.port, receiver.port if receiver else None)
        with open(self.config_path, "w") as f:
            f.write(text)
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.proc = None
        self.log_path = os.path.join(self.dir, "hub.log")

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--config", self.config_path, "--data", self.data],
            stdout=self.log, stderr=subprocess.STDOUT, env=self.env)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited with {self.proc.returncode}:\n{self.read_log()}")
            try:
                status, _, _ = self.request("GET", "/readyz", token=None)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("hub not ready in time:\n" + self.read_log())

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("hub did not stop within %ss" % timeout)
        rc = self.proc.returncode if self.proc else None
        self.proc = None
        if getattr(self, "log", None):
            self.log.close()
        return rc

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def cleanup(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def request(self, method, path, body=None, token=ADMIN, headers=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            h = dict(headers or {})
            if token:
                h["Authorization"] = "Bearer " + token
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
                h.setdefault("Content-Type", "application/json")
            conn.request(method, path, body=body, headers=h)
            resp = conn.getresponse()
            data = resp.read()
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
            return resp.status, hdrs, data
        finally:
            conn.close()

    def json(self, method, path, body=None, token=ADMIN, headers=None):
        status, hdrs, data = self.request(method, path, body, token, headers)
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data
        return status, hdrs, parsed

    def post_doc(self, partner, body, content_type="application/json", key=None, token=ADMIN,
                 headers=None):
        h = {"Content-Type": content_type}
        if key is not None:
            h["Idempotency-Key"] = key
        h.update(headers or {})
        return self.json("POST", f"/v1/inbound/{partner}", body, token, h)

    def wait_message_status(self, message_id, status, timeout=30):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            code, _, view = self.json("GET", f"/v1/messages/{message_id}")
            if code == 200:
                last = view
                if view["status"] == status:
                    return view
            time.sleep(0.05)
        raise AssertionError(f"message {message_id} not {status}: {json.dumps(last, indent=1)}")


def main():
    if not os.path.exists(BIN):
        print(f"crossdock binary not found at {BIN}", file=sys.stderr)
        sys.exit(1)
    unittest.main(verbosity=2)
