"""A minimal Tryton 6.0 JSON-RPC client (stdlib only) for the test set-up and the end-to-end
tests' checks. It speaks the same wire format as the hub's connector: POST /<db>/, the session
header, the context as the last parameter, Decimal and date as `__class__` objects."""
import base64
import datetime
import decimal
import json
import urllib.error
import urllib.request


class RpcError(Exception):
    def __init__(self, error):
        super().__init__(json.dumps(error)[:2000])
        self.error = error


def _default(o):
    if isinstance(o, decimal.Decimal):
        return {"__class__": "Decimal", "decimal": str(o)}
    if isinstance(o, datetime.datetime):
        return {"__class__": "datetime", "year": o.year, "month": o.month, "day": o.day,
                "hour": o.hour, "minute": o.minute, "second": o.second,
                "microsecond": o.microsecond}
    if isinstance(o, datetime.date):
        return {"__class__": "date", "year": o.year, "month": o.month, "day": o.day}
    raise TypeError(repr(o))


def _hook(d):
    c = d.get("__class__")
    if c == "Decimal":
        return decimal.Decimal(d["decimal"])
    if c == "date":
        return datetime.date(d["year"], d["month"], d["day"])
    if c == "datetime":
        return datetime.datetime(d["year"], d["month"], d["day"], d["hour"], d["minute"],
                                 d["second"], d.get("microsecond", 0))
    return d


class Client:
    def __init__(self, url, database, user="admin", password=None, timeout=60):
        self.url = url.rstrip("/") + "/"
        self.database = database
        self.user = user
        self.password = password
        self.timeout = timeout
        self.auth = None
        self.context = {}
        self._id = 0

    def _post(self, path, method, params, headers=None):
        self._id += 1
        body = json.dumps({"id": self._id, "method": method, "params": params},
                          default=_default).encode()
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        req = urllib.request.Request(self.url + path, data=body, headers=h, method="POST")
        with urllib.request.urlopen(req, timeout=self.timeout) as r:
            data = json.loads(r.read(), object_hook=_hook)
        if "error" in data and data["error"]:
            raise RpcError(data["error"])
        return data["result"]

    def server(self, method, *params):
        return self._post("", method, list(params))

    def login(self):
        uid, session = self._post(self.database + "/", "common.db.login",
                                  [self.user, {"password": self.password}, "en"])
        token = base64.b64encode(f"{self.user}:{uid}:{session}".encode()).decode()
        self.auth = {"Authorization": "Session " + token}
        self.uid = uid
        self.context = self.call("model.res.user.get_preferences", True, context={})
        return self

    def call(self, method, *params, context=None):
        ctx = dict(self.context if context is None else context)
        return self._post(self.database + "/", method, list(params) + [ctx], self.auth)

    # Shorthands.
    def model(self, name, method, *params, context=None):
        return self.call(f"model.{name}.{method}", *params, context=context)

    def search_read(self, name, domain, fields, order=None, limit=None, context=None):
        return self.model(name, "search_read", domain, 0, limit, order, fields, context=context)

    def create(self, name, values, context=None):
        return self.model(name, "create", values if isinstance(values, list) else [values],
                          context=context)
