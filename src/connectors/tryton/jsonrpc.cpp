#include "connectors/tryton/jsonrpc.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>

#include "core/crypto.hpp"

namespace crossdock::connectors::tryton {
namespace {

using nlohmann::json;

// The first line of a text, at most `max` bytes: tracebacks and long descriptions stay readable.
std::string FirstLine(std::string_view s, size_t max = 500) {
  const size_t nl = s.find('\n');
  std::string out(s.substr(0, nl == std::string_view::npos ? s.size() : nl));
  if (out.size() > max) out = out.substr(0, max) + "...";
  return out;
}

std::string Text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

bool ParseInt(std::string_view s, int* out) {
  if (s.empty() || s.size() > 4) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

Result<std::string> EncodeRequest(int64_t id, std::string_view method, std::string_view params_json,
                                  std::string_view context_json) {
  json params =
      json::parse(params_json.empty() ? std::string_view("[]") : params_json, nullptr, false);
  if (!params.is_array()) {
    return Error(Code::kInvalidArgument,
                 "JSON-RPC params for " + std::string(method) + " must be a JSON array");
  }
  if (!context_json.empty()) {
    json ctx = json::parse(context_json, nullptr, false);
    if (!ctx.is_object()) {
      return Error(Code::kInvalidArgument,
                   "JSON-RPC context for " + std::string(method) + " must be a JSON object");
    }
    params.push_back(std::move(ctx));
  }
  json req = {{"id", id}, {"method", std::string(method)}, {"params", std::move(params)}};
  return req.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string DecimalValue(const Decimal& d) {
  return json({{"__class__", "Decimal"}, {"decimal", d.ToString()}}).dump();
}

Result<std::string> DateValue(std::string_view iso_date) {
  int y = 0, m = 0, d = 0;
  if (iso_date.size() < 10 || iso_date[4] != '-' || iso_date[7] != '-' ||
      !ParseInt(iso_date.substr(0, 4), &y) || !ParseInt(iso_date.substr(5, 2), &m) ||
      !ParseInt(iso_date.substr(8, 2), &d) || m < 1 || m > 12 || d < 1 || d > 31 || y < 1) {
    return Error(Code::kInvalidArgument, "not an ISO date: '" + std::string(iso_date) + "'");
  }
  return json({{"__class__", "date"}, {"year", y}, {"month", m}, {"day", d}}).dump();
}

std::string FloatText(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9f", v);
  std::string s(buf);
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

Result<Decimal> NumberFromJson(std::string_view json_value) {
  json v = json::parse(json_value, nullptr, false);
  if (v.is_discarded()) {
    return Error(Code::kInvalidArgument, "not JSON: '" + FirstLine(json_value, 80) + "'");
  }
  if (v.is_null()) return Decimal();
  if (v.is_object() && v.value("__class__", "") == "Decimal" && v.contains("decimal") &&
      v["decimal"].is_string()) {
    return Decimal::Parse(v["decimal"].get<std::string>());
  }
  if (v.is_number_integer()) return Decimal::FromInt(v.get<int64_t>());
  if (v.is_number_unsigned()) return Decimal::Parse(std::to_string(v.get<uint64_t>()));
  if (v.is_number_float()) return Decimal::Parse(FloatText(v.get<double>()));
  if (v.is_string()) return Decimal::Parse(v.get<std::string>());
  return Error(Code::kInvalidArgument, "not a number: " + FirstLine(json_value, 80));
}

Result<std::string> DateFromJson(std::string_view json_value) {
  json v = json::parse(json_value, nullptr, false);
  if (v.is_null()) return std::string();
  if (!v.is_object() || v.value("__class__", "") != "date" || !v["year"].is_number_integer() ||
      !v["month"].is_number_integer() || !v["day"].is_number_integer()) {
    return Error(Code::kInvalidArgument, "not a Tryton date: " + FirstLine(json_value, 80));
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", v["year"].get<int>(), v["month"].get<int>(),
                v["day"].get<int>());
  return std::string(buf);
}

Reply DecodeReply(int http_status, std::string_view body) {
  Reply r;
  r.http_status = http_status;
  switch (http_status) {
    case 200:
      break;
    case 401:
      r.kind = Reply::Kind::kUnauthorized;
      r.message = "HTTP 401: the session is not valid (expired, logged out or wrong password)";
      return r;
    case 429:
      r.kind = Reply::Kind::kRateLimited;
      r.message = "HTTP 429: Tryton is throttling logins after failed attempts";
      return r;
    case 403:
      r.kind = Reply::Kind::kForbidden;
      r.message = "HTTP 403: the method is not allowed over RPC";
      return r;
    case 404:
      r.kind = Reply::Kind::kNotFound;
      r.message = "HTTP 404: no such database on the Tryton server";
      return r;
    case 400:
      r.kind = Reply::Kind::kBadRequest;
      r.message = "HTTP 400: Tryton could not read the request";
      return r;
    default:
      r.kind = Reply::Kind::kUnavailable;
      r.message = "HTTP " + std::to_string(http_status) + " from the Tryton server";
      return r;
  }
  json v = json::parse(body, nullptr, false);
  if (!v.is_object() || (!v.contains("result") && !v.contains("error"))) {
    r.kind = Reply::Kind::kUnavailable;
    r.message = "the Tryton server's answer is not a JSON-RPC response: " + FirstLine(body, 200);
    return r;
  }
  const auto err = v.find("error");
  if (err == v.end() || err->is_null()) {
    r.kind = Reply::Kind::kResult;
    const auto res = v.find("result");
    r.result = res == v.end() ? "null" : res->dump(-1, ' ', false, json::error_handler_t::replace);
    return r;
  }
  // ["UserError", [message, description, domain]], ["UserWarning", [name, message, description]],
  // ["ConcurrencyException", message], ["LoginException", [name, message, type]], or for any
  // other exception [str(exception), traceback].
  const json& e = *err;
  const std::string type = e.is_array() && !e.empty() ? Text(e[0]) : Text(e);
  const json args = e.is_array() && e.size() > 1 ? e[1] : json();
  auto join = [](const std::string& a, const std::string& b) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    return a + " (" + b + ")";
  };
  if (type == "UserError") {
    r.kind = Reply::Kind::kUserError;
    if (args.is_array()) {
      r.message = join(args.size() > 0 ? Text(args[0]) : "", args.size() > 1 ? Text(args[1]) : "");
    } else {
      r.message = Text(args);
    }
  } else if (type == "UserWarning") {
    r.kind = Reply::Kind::kUserWarning;
    if (args.is_array()) {
      r.message = join(args.size() > 1 ? Text(args[1]) : "", args.size() > 2 ? Text(args[2]) : "");
    } else {
      r.message = Text(args);
    }
  } else if (type == "ConcurrencyException") {
    r.kind = Reply::Kind::kConcurrency;
    r.message = Text(args);
  } else if (type == "LoginException") {
    r.kind = Reply::Kind::kUnauthorized;
    r.message = args.is_array() && args.size() > 1 ? Text(args[1]) : Text(args);
  } else {
    r.kind = Reply::Kind::kServerError;
    r.message = FirstLine(type);
  }
  if (r.message.empty()) r.message = type;
  r.message = FirstLine(r.message, 1000);
  return r;
}

Error ReplyError(const Reply& reply, std::string_view method) {
  const std::string m(method);
  switch (reply.kind) {
    case Reply::Kind::kResult:
      return Error(Code::kInternal, m + ": not an error");
    case Reply::Kind::kUserError:
      return Error(Code::kFailedPrecondition, "Tryton rejected " + m + ": " + reply.message);
    case Reply::Kind::kUserWarning:
      return Error(Code::kFailedPrecondition,
                   "Tryton asks to confirm a warning in " + m + ": " + reply.message);
    case Reply::Kind::kConcurrency:
      return Error(Code::kConflict, "Tryton concurrency conflict in " + m + ": " + reply.message);
    case Reply::Kind::kServerError:
      return Error(Code::kUnavailable, "Tryton server error in " + m + ": " + reply.message);
    case Reply::Kind::kUnauthorized:
      return Error(Code::kUnauthenticated, "Tryton refused " + m + ": " + reply.message);
    case Reply::Kind::kRateLimited:
      return Error(Code::kResourceExhausted, "Tryton refused " + m + ": " + reply.message);
    case Reply::Kind::kForbidden:
      return Error(Code::kPermissionDenied, "Tryton refused " + m + ": " + reply.message);
    case Reply::Kind::kNotFound:
      return Error(Code::kUnavailable, "Tryton answered " + m + " with " + reply.message);
    case Reply::Kind::kBadRequest:
      return Error(Code::kInvalidArgument, "Tryton refused " + m + ": " + reply.message);
    case Reply::Kind::kUnavailable:
      return Error(Code::kUnavailable, "Tryton unavailable for " + m + ": " + reply.message);
  }
  return Error(Code::kInternal, m + ": unknown reply kind");
}

bool RetryLater(const Error& e) {
  switch (e.code()) {
    case Code::kFailedPrecondition:
    case Code::kInvalidArgument:
    case Code::kPermissionDenied:
    case Code::kNotFound:
    case Code::kUnsupported:
    case Code::kDataLoss:
    case Code::kConfig:
      return false;
    default:
      return true;
  }
}

std::string SessionAuthorization(std::string_view login, int64_t user_id,
                                 std::string_view session) {
  std::string raw(login);
  raw += ":" + std::to_string(user_id) + ":";
  raw += session;
  return "Session " + Base64Encode(raw);
}

}  // namespace crossdock::connectors::tryton
