#include "api/http.hpp"

#include "core/ids.hpp"
#include "core/strings.hpp"

namespace crossdock::api {

std::string Request::Query(std::string_view key) const {
  for (std::string_view part : Split(query, '&')) {
    const auto eq = part.find('=');
    const std::string_view k = part.substr(0, eq);
    if (UrlDecode(k) == key) {
      return eq == std::string_view::npos ? std::string() : UrlDecode(part.substr(eq + 1));
    }
  }
  return {};
}

Response Problem(int status, std::string_view slug, std::string_view title, std::string_view detail,
                 const Request* req) {
  Response r;
  r.status = status;
  r.content_type = "application/problem+json";
  std::string b = "{\"type\":";
  AppendJsonString(&b, "urn:crossdock:problem:" + std::string(slug));
  b += ",\"title\":";
  AppendJsonString(&b, title);
  b += ",\"status\":" + std::to_string(status) + ",\"detail\":";
  AppendJsonString(&b, detail);
  if (req) {
    b += ",\"instance\":";
    AppendJsonString(&b, req->path);
    b += ",\"correlation_id\":";
    AppendJsonString(&b, req->correlation_id);
  }
  b += "}";
  r.body = std::move(b);
  return r;
}

bool IsValidTraceparent(std::string_view tp) {
  if (tp.size() != 55 || tp[2] != '-' || tp[35] != '-' || tp[52] != '-') return false;
  auto hex = [](std::string_view s) {
    for (char c : s) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
  };
  if (!hex(tp.substr(0, 2)) || !hex(tp.substr(3, 32)) || !hex(tp.substr(36, 16)) ||
      !hex(tp.substr(53, 2))) {
    return false;
  }
  if (tp.substr(0, 2) == "ff") return false;
  if (tp.substr(3, 32) == std::string(32, '0') || tp.substr(36, 16) == std::string(16, '0')) {
    return false;
  }
  return true;
}

std::string ResolveCorrelationId(std::string_view header, std::string_view traceparent) {
  const auto h = Trim(header);
  if (!h.empty() && h.size() <= 128) {
    bool ok = true;
    for (char c : h) {
      ok &= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '_' || c == ':' || c == '-';
    }
    if (ok) return std::string(h);
  }
  if (IsValidTraceparent(traceparent)) return std::string(traceparent.substr(3, 32));
  return NewId();
}

Result<std::pair<std::string, uint16_t>> ParseListen(std::string_view listen) {
  std::string host;
  std::string_view port;
  if (!listen.empty() && listen[0] == '[') {
    const auto close = listen.find(']');
    if (close == std::string_view::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return Error(Code::kConfig,
                   "listen address '" + std::string(listen) + "' must look like [::1]:8080");
    }
    host = std::string(listen.substr(1, close - 1));
    port = listen.substr(close + 2);
  } else {
    const auto colon = listen.rfind(':');
    if (colon == std::string_view::npos) {
      return Error(Code::kConfig,
                   "listen address '" + std::string(listen) + "' must look like HOST:PORT");
    }
    host = std::string(listen.substr(0, colon));
    port = listen.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.size() > 5) {
    return Error(Code::kConfig,
                 "listen address '" + std::string(listen) + "' must look like HOST:PORT");
  }
  int p = 0;
  for (char c : port) {
    if (c < '0' || c > '9') {
      return Error(Code::kConfig, "port in '" + std::string(listen) + "' is not a number");
    }
    p = p * 10 + (c - '0');
  }
  if (p > 65535)
    return Error(Code::kConfig, "port in '" + std::string(listen) + "' is above 65535");
  return std::make_pair(host, static_cast<uint16_t>(p));
}

}  // namespace crossdock::api
