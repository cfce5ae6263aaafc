// Client: one Tryton server and database, one login, any number of threads.
//
// Logs in lazily (common.db.login), keeps the session, reads the user's preferences once per
// login (res.user.get_preferences) and sends them as the context of every call, so the company
// is always there. A call answered 401 (the session expired, trytond restarted) logs in again
// once and repeats. Failed logins are never hammered: Tryton makes each later login for the same
// name sleep up to 2^n-1 seconds and then answers 429, so after a failed login the client refuses
// to try again for a while (10 s, doubling up to 5 minutes, reset by a success) and fails calls
// at once with kUnavailable meanwhile. Only one thread logs in at a time.
//
// Calls return the JSON text of the result, or an Error whose code says retry or reject (see
// jsonrpc.hpp). Transport failures (connection refused, timeout, reset) are kUnavailable or
// kDeadlineExceeded; a transfer aborted by Abort() is kCancelled.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace crossdock::connectors::tryton {

struct HttpPost {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Millis timeout{30'000};
};

struct HttpReply {
  int status = 0;  // 0: no HTTP answer
  std::string body;
  std::string error;  // transport error when status is 0
  bool timed_out = false;
  bool aborted = false;
};

// Sends one request and waits for the answer.
using HttpFn = std::function<HttpReply(const HttpPost&)>;
// libcurl (a fresh easy handle per request: trytond's server closes every connection anyway).
// Transfers stop early, as `aborted`, once `*abort` is true.
HttpFn CurlHttp(const std::atomic<bool>* abort);

struct ClientOptions {
  std::string url;  // http://host:port, with or without a trailing '/'
  std::string database;
  std::string user;
  std::string password;
  Millis timeout{30'000};
  Millis login_backoff{10'000};  // after the first failed login
  Millis login_backoff_max{300'000};
  std::string language = "en";
};

class Client {
 public:
  Client(ClientOptions options, HttpFn http, const Clock& clock = Clock::System());
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // A model or wizard method ("model.sale.sale.create"). `params_json` is a JSON array of the
  // arguments before the context; `extra_context_json`, a JSON object, is merged over the
  // user's preferences (e.g. {"locations":[5]} for stock quantities).
  Result<std::string> Call(std::string_view method, std::string_view params_json,
                           std::string_view extra_context_json = {});
  // common.server.version (no login).
  Result<std::string> ServerVersion();
  // Logs in now unless a session exists. Fails fast while failed logins are being backed off.
  Status EnsureLogin();
  // The context sent with calls (JSON object text; "{}" before the first login).
  std::string Context() const;
  // How many login attempts were made (for tests and metrics).
  int64_t login_attempts() const { return login_attempts_.load(); }

 private:
  struct Session {
    int64_t generation = 0;  // bumped on every login
    std::string authorization;
    std::string context = "{}";
  };
  Result<std::string> Post(const std::string& path, std::string_view method,
                           const std::string& body, const std::string& authorization);
  Status Login(int64_t stale_generation);
  Session Current() const;

  ClientOptions options_;
  HttpFn http_;
  const Clock& clock_;
  std::string base_url_;  // ends with '/'
  std::atomic<int64_t> next_id_{1};
  std::atomic<int64_t> login_attempts_{0};

  mutable std::mutex mu_;  // session_
  Session session_;
  std::mutex login_mu_;  // one login at a time; guards the backoff below
  int failed_logins_ = 0;
  TimePoint login_blocked_until_{};
  std::string last_login_error_;
};

}  // namespace crossdock::connectors::tryton
