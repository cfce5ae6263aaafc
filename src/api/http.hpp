// The HTTP boundary, free of any HTTP library: what a handler sees of a request and gives back.
// The server (server.cpp, the only Boost.Beast translation unit) fills Request and writes
// Response; handlers never see Beast.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace crossdock::api {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query
  std::string path;    // percent-decoded path
  std::string query;   // raw query string, without '?'
  std::string authorization;
  std::string content_type;
  std::string idempotency_key;
  bool has_idempotency_key = false;
  std::string correlation_id;  // resolved by the server: header, traceparent, or new
  std::string traceparent;     // as received, if valid
  std::string if_none_match;   // If-None-Match, for the dashboard's static files
  std::string body;
  std::string remote;

  // First value of a query parameter, percent-decoded; empty if absent.
  std::string Query(std::string_view key) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response Json(int status, std::string body) {
    Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
};

// RFC 9457 problem details: `type` is a short slug turned into "urn:crossdock:problem:<slug>".
Response Problem(int status, std::string_view slug, std::string_view title, std::string_view detail,
                 const Request* req = nullptr);

// Called exactly once per request, from any thread.
using Reply = std::function<void(Response)>;

class Handler {
 public:
  virtual ~Handler() = default;
  virtual void Handle(Request& req, Reply reply) = 0;
};

// Correlation id for a request: a valid X-Correlation-Id header (1-128 of [A-Za-z0-9._:-]),
// else the trace id of a valid traceparent, else a new time-ordered id.
std::string ResolveCorrelationId(std::string_view header, std::string_view traceparent);
bool IsValidTraceparent(std::string_view tp);

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int threads = 2;
  int64_t max_body_bytes = 10 * 1024 * 1024;
  int idle_timeout_seconds = 60;
};

class Server {
 public:
  Server(ServerOptions options, Handler& handler);
  ~Server();
  // Binds and starts serving on background threads. Fails if the address cannot be bound.
  Status Start();
  uint16_t port() const;
  // Stops accepting, lets in-flight requests finish (up to `grace`), closes connections.
  void Stop(Millis grace);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Splits "host:port" ("[::1]:80" too). Error names what is wrong.
Result<std::pair<std::string, uint16_t>> ParseListen(std::string_view listen);

}  // namespace crossdock::api
