// HttpClient: asynchronous HTTP/1.1 client on one thread (libcurl multi), with connection reuse.
// Send() may be called from any thread; the callback runs on the client's thread, exactly once,
// also when the client stops (then with code "cancelled").
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"

namespace crossdock::transports {

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Millis timeout{10'000};
  Millis connect_timeout{5'000};
};

struct HttpResponse {
  int status = 0;    // 0 when no response arrived
  std::string body;  // first 64 KiB
  std::string retry_after;
  std::string location;
  std::string error;  // transport error text when status is 0
  std::string code;   // "ok", "timeout", "connect_failed", "cancelled", "transport_error"
  int64_t duration_ms = 0;
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  void Send(HttpRequest req, std::function<void(HttpResponse)> done);
  HttpResponse SendSync(HttpRequest req);
  // Cancels what is in flight (callbacks get "cancelled") and stops the thread. Idempotent.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses a Retry-After header (delta-seconds or an HTTP date) relative to `now`.
std::optional<Millis> ParseRetryAfter(const std::string& value, TimePoint now);

}  // namespace crossdock::transports
