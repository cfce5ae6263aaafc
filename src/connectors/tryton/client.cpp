#include "connectors/tryton/client.hpp"

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>

#include "connectors/tryton/jsonrpc.hpp"
#include "obs/log.hpp"

namespace crossdock::connectors::tryton {
namespace {

using nlohmann::json;

constexpr size_t kMaxBody = 256 * 1024 * 1024;

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

struct Transfer {
  HttpReply* reply;
  const std::atomic<bool>* abort;
};

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  const size_t n = size * nmemb;
  if (t->reply->body.size() + n > kMaxBody) return 0;  // fails the transfer
  t->reply->body.append(ptr, n);
  return n;
}

int Progress(void* userdata, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(userdata);
  return t->abort != nullptr && t->abort->load() ? 1 : 0;
}

}  // namespace

HttpFn CurlHttp(const std::atomic<bool>* abort) {
  static CurlGlobal global;
  return [abort](const HttpPost& req) {
    HttpReply reply;
    if (abort != nullptr && abort->load()) {
      reply.aborted = true;
      reply.error = "shutting down";
      return reply;
    }
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
      reply.error = "cannot create a libcurl handle";
      return reply;
    }
    Transfer t{&reply, abort};
    curl_slist* headers = nullptr;
    for (const auto& [k, v] : req.headers)
      headers = curl_slist_append(headers, (k + ": " + v).c_str());
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, Progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min<int64_t>(req.timeout.count(), 10'000)));
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    const CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
      reply.status = static_cast<int>(status);
    } else {
      reply.status = 0;
      reply.body.clear();
      reply.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
      reply.aborted = rc == CURLE_ABORTED_BY_CALLBACK;
      reply.error = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return reply;
  };
}

Client::Client(ClientOptions options, HttpFn http, const Clock& clock)
    : options_(std::move(options)), http_(std::move(http)), clock_(clock) {
  base_url_ = options_.url;
  if (base_url_.empty() || base_url_.back() != '/') base_url_ += '/';
}

Client::Session Client::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return session_;
}

std::string Client::Context() const { return Current().context; }

Result<std::string> Client::Post(const std::string& path, std::string_view method,
                                 const std::string& body, const std::string& authorization) {
  HttpPost req;
  req.url = base_url_ + path;
  req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  if (!authorization.empty()) req.headers.emplace_back("Authorization", authorization);
  req.body = body;
  req.timeout = options_.timeout;
  const HttpReply http = http_(req);
  if (http.status == 0) {
    if (http.aborted) {
      return Error(Code::kCancelled,
                   "call to Tryton " + std::string(method) + " aborted: " + http.error);
    }
    if (http.timed_out) {
      return Error(Code::kDeadlineExceeded,
                   "Tryton did not answer " + std::string(method) + " within " +
                       std::to_string(options_.timeout.count()) + " ms (" + http.error + ")");
    }
    return Error(Code::kUnavailable, "Tryton unreachable at " + req.url + " for " +
                                         std::string(method) + ": " + http.error);
  }
  const Reply reply = DecodeReply(http.status, http.body);
  if (reply.kind != Reply::Kind::kResult) return ReplyError(reply, method);
  return reply.result;
}

Result<std::string> Client::ServerVersion() {
  auto body = EncodeRequest(next_id_++, "common.server.version", "[]", "");
  if (!body.ok()) return body.error();
  return Post("", "common.server.version", *body, "");
}

Status Client::EnsureLogin() {
  const Session s = Current();
  if (!s.authorization.empty()) return Status::Ok();
  return Login(s.generation);
}

// Logs in unless another thread did since `stale_generation` was current.
Status Client::Login(int64_t stale_generation) {
  std::lock_guard<std::mutex> login_lock(login_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (session_.generation != stale_generation && !session_.authorization.empty()) {
      return Status::Ok();  // someone logged in meanwhile
    }
  }
  const TimePoint now = clock_.Now();
  if (now < login_blocked_until_) {
    return Error(Code::kUnavailable, "not logging in to Tryton as '" + options_.user +
                                         "' again before " + FormatIso8601(login_blocked_until_) +
                                         " after " + std::to_string(failed_logins_) +
                                         " failed login(s): " + last_login_error_);
  }
  ++login_attempts_;
  json params = json::array({options_.user, {{"password", options_.password}}, options_.language});
  auto body = EncodeRequest(next_id_++, "common.db.login", params.dump(), "");
  if (!body.ok()) return body.error();
  auto res = Post(options_.database + "/", "common.db.login", *body, "");
  auto fail = [&](const Error& e) -> Status {
    // Only a refusal counts as a failed login; an unreachable server is not one.
    if (e.code() == Code::kUnauthenticated || e.code() == Code::kResourceExhausted ||
        e.code() == Code::kFailedPrecondition) {
      ++failed_logins_;
      const int shift = std::min(failed_logins_ - 1, 16);
      Millis wait = options_.login_backoff * (int64_t{1} << shift);
      wait = std::min(wait, options_.login_backoff_max);
      login_blocked_until_ = clock_.Now() + wait;
      last_login_error_ = e.message();
      obs::Warn("tryton", "login refused; backing off",
                {{"user", options_.user},
                 {"database", options_.database},
                 {"failed_logins", failed_logins_},
                 {"retry_in_ms", static_cast<long long>(wait.count())},
                 {"error", e.message()}});
    }
    return e;
  };
  if (!res.ok()) return fail(res.error());
  json r = json::parse(*res, nullptr, false);
  if (!r.is_array() || r.size() < 2 || !r[0].is_number_integer() || !r[1].is_string()) {
    return fail(Error(Code::kUnauthenticated, "Tryton login answered " + res->substr(0, 200)));
  }
  const int64_t uid = r[0].get<int64_t>();
  const std::string auth = SessionAuthorization(options_.user, uid, r[1].get<std::string>());
  // The user's preferences are the context of every later call (company, language, ...).
  auto pbody = EncodeRequest(next_id_++, "model.res.user.get_preferences", "[true]", "{}");
  if (!pbody.ok()) return pbody.error();
  auto prefs = Post(options_.database + "/", "model.res.user.get_preferences", *pbody, auth);
  if (!prefs.ok()) return prefs.error();
  json ctx = json::parse(*prefs, nullptr, false);
  if (!ctx.is_object()) {
    return Error(Code::kUnavailable,
                 "Tryton preferences are not an object: " + prefs->substr(0, 200));
  }
  if (!ctx.contains("company") || !ctx["company"].is_number_integer()) {
    return Error(Code::kUnavailable,
                 "the Tryton user '" + options_.user +
                     "' has no current company; sales and purchases need one (set it in the "
                     "user's preferences)");
  }
  failed_logins_ = 0;
  login_blocked_until_ = TimePoint{};
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++session_.generation;
    session_.authorization = auth;
    session_.context = ctx.dump();
  }
  obs::Info("tryton", "logged in",
            {{"url", options_.url},
             {"database", options_.database},
             {"user", options_.user},
             {"user_id", static_cast<long long>(uid)},
             {"company", static_cast<long long>(ctx["company"].get<int64_t>())}});
  return Status::Ok();
}

Result<std::string> Client::Call(std::string_view method, std::string_view params_json,
                                 std::string_view extra_context_json) {
  for (int attempt = 0;; ++attempt) {
    Session s = Current();
    if (s.authorization.empty()) {
      CD_RETURN_IF_ERROR(Login(s.generation));
      s = Current();
    }
    std::string context = s.context;
    if (!extra_context_json.empty()) {
      json ctx = json::parse(context, nullptr, false);
      json extra = json::parse(extra_context_json, nullptr, false);
      if (!extra.is_object()) {
        return Error(Code::kInvalidArgument,
                     "extra context for " + std::string(method) + " is not an object");
      }
      if (!ctx.is_object()) ctx = json::object();
      ctx.update(extra);
      context = ctx.dump();
    }
    auto body = EncodeRequest(next_id_++, method, params_json, context);
    if (!body.ok()) return body.error();
    auto res = Post(options_.database + "/", method, *body, s.authorization);
    if (!res.ok() && res.error().code() == Code::kUnauthenticated && attempt == 0) {
      // The session is gone (expired, or trytond restarted with another secret): forget it and
      // log in again, once.
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (session_.generation == s.generation) session_.authorization.clear();
      }
      continue;
    }
    return res;
  }
}

}  // namespace crossdock::connectors::tryton
