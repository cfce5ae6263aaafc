#!/usr/bin/env python3
"""A Standard Webhooks receiver for the demo and the end-to-end tests.

It verifies every request's signature (webhook-id, webhook-timestamp, webhook-signature with
HMAC-SHA256), drops repeats by webhook-id, and keeps what it accepted. Faults can be injected
through POST /_control so tests can make it fail, slow down or reject.

    webhook_receiver.py --port 8081 --secret whsec_... [--log events.jsonl]

Endpoints: any POST path receives webhooks; GET /_stats; GET /_events; POST /_control with JSON
{"fail_status": 503, "fail_count": 2, "retry_after": "1", "reject_subjects": [...],
 "reject_status": 400, "delay_ms": 0}.
"""
import argparse
import base64
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def signing_key(secret):
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[6:])
    return secret.encode()


def verify(key, msg_id, ts, body, signature_header):
    content = msg_id.encode() + b"." + ts.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    for sig in signature_header.split(" "):
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


class State:
    def __init__(self, key, log_path, tolerance):
        self.key = key
        self.log_path = log_path
        self.tolerance = tolerance
        self.lock = threading.Lock()
        self.events = {}  # webhook-id -> record
        self.order = []
        self.received = 0
        self.duplicates = 0
        self.bad_signatures = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.control = {}
        self.failures_left = 0
        self.arrivals = []  # monotonic times of every accepted attempt


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def reply(self, status, obj=None, headers=None):
            body = json.dumps(obj if obj is not None else {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            with state.lock:
                if self.path == "/_stats":
                    return self.reply(200, {
                        "unique": len(state.events), "received": state.received,
                        "duplicates": state.duplicates, "bad_signatures": state.bad_signatures,
                        "max_in_flight": state.max_in_flight})
                if self.path == "/_events":
                    return self.reply(200, [state.events[i] for i in state.order])
                if self.path == "/_arrivals":
                    return self.reply(200, state.arrivals)
            self.reply(404, {"error": "not found"})

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if self.path == "/_control":
                with state.lock:
                    state.control = json.loads(body or b"{}")
                    state.failures_left = int(state.control.get("fail_count", 0))
                return self.reply(200, {"ok": True})
            with state.lock:
                state.in_flight += 1
                state.max_in_flight = max(state.max_in_flight, state.in_flight)
                control = dict(state.control)
            try:
                delay = control.get("delay_ms", 0)
                if delay:
                    time.sleep(delay / 1000.0)
                self.handle_webhook(body, control)
            finally:
                with state.lock:
                    state.in_flight -= 1

        def handle_webhook(self, body, control):
            msg_id = self.headers.get("webhook-id", "")
            ts = self.headers.get("webhook-timestamp", "")
            sig = self.headers.get("webhook-signature", "")
            if not msg_id or not ts or not sig or not verify(state.key, msg_id, ts, body, sig):
                with state.lock:
                    state.bad_signatures += 1
                return self.reply(401, {"error": "bad signature"})
            if abs(time.time() - int(ts)) > state.tolerance:
                return self.reply(401, {"error": "timestamp outside tolerance"})
            event = json.loads(body)
            with state.lock:
                state.received += 1
                state.arrivals.append(time.monotonic())
                if state.failures_left > 0:
                    state.failures_left -= 1
                    headers = {}
                    if control.get("retry_after"):
                        headers["Retry-After"] = str(control["retry_after"])
                    return self.reply(int(control.get("fail_status", 503)), {"error": "injected"},
                                      headers)
                if event.get("subject") in control.get("reject_subjects", []):
                    return self.reply(int(control.get("reject_status", 400)),
                                      {"error": "rejected by test"})
                if msg_id in state.events:
                    state.duplicates += 1
                    return self.reply(200, {"duplicate": True})
                record = {"webhook_id": msg_id, "event": event,
                          "correlation_id": self.headers.get("X-Correlation-Id", ""),
                          "traceparent": self.headers.get("traceparent", ""),
                          "path": self.path}
                state.events[msg_id] = record
                state.order.append(msg_id)
                if state.log_path:
                    with open(state.log_path, "a") as f:
                        f.write(json.dumps(record) + "\n")
            self.reply(200, {"ok": True})

    return Handler


def serve(host, port, secret, log_path=None, tolerance=300):
    state = State(signing_key(secret), log_path, tolerance)
    server = ThreadingHTTPServer((host, port), make_handler(state))
    server.daemon_threads = True
    # A sender that dies mid-request (the crash tests kill the hub) is not an error here.
    server.handle_error = lambda request, client_address: None
    return server, state


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8081)
    ap.add_argument("--secret", required=True)
    ap.add_argument("--log", default=None, help="append accepted events as JSON lines here")
    args = ap.parse_args()
    server, _ = serve(args.host, args.port, args.secret, args.log)
    print(f"webhook receiver on http://{args.host}:{args.port}/ (events: {args.log or 'memory'})",
          file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
