#include "transports/http/http_client.hpp"

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "core/strings.hpp"

namespace crossdock::transports {
namespace {

constexpr size_t kMaxBody = 64 * 1024;

struct Transfer {
  HttpRequest req;
  std::function<void(HttpResponse)> done;
  HttpResponse resp;
  curl_slist* headers = nullptr;
  std::chrono::steady_clock::time_point start;
};

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  const size_t n = size * nmemb;
  if (t->resp.body.size() < kMaxBody) {
    t->resp.body.append(ptr, std::min(n, kMaxBody - t->resp.body.size()));
  }
  return n;
}

size_t WriteHeader(char* ptr, size_t size, size_t nitems, void* userdata) {
  auto* t = static_cast<Transfer*>(userdata);
  std::string_view line(ptr, size * nitems);
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    const auto name = Trim(line.substr(0, colon));
    const auto value = Trim(line.substr(colon + 1));
    if (IEquals(name, "retry-after")) t->resp.retry_after = std::string(value);
    if (IEquals(name, "location")) t->resp.location = std::string(value);
  }
  return size * nitems;
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
};

}  // namespace

struct HttpClient::Impl {
  CURLM* multi = nullptr;
  std::thread thread;
  std::mutex mu;
  std::deque<std::unique_ptr<Transfer>> incoming;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active;
  bool stopping = false;
  std::atomic<bool> stopped{false};

  Impl() {
    static CurlGlobal global;
    multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 64L);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 256L);
    thread = std::thread([this] { Loop(); });
  }

  void Start(std::unique_ptr<Transfer> t) {
    CURL* e = curl_easy_init();
    t->start = std::chrono::steady_clock::now();
    for (const auto& [k, v] : t->req.headers) {
      t->headers = curl_slist_append(t->headers, (k + ": " + v).c_str());
    }
    t->headers = curl_slist_append(t->headers, "Expect:");
    curl_easy_setopt(e, CURLOPT_URL, t->req.url.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(t->req.timeout.count()));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(t->req.connect_timeout.count()));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, WriteBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, WriteHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t.get());
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    if (t->req.method == "POST") {
      curl_easy_setopt(e, CURLOPT_POST, 1L);
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->req.body.data());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->req.body.size()));
    } else if (t->req.method != "GET") {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, t->req.method.c_str());
      if (!t->req.body.empty()) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->req.body.data());
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(t->req.body.size()));
      }
    }
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    curl_multi_add_handle(multi, e);
    active.emplace(e, std::move(t));
  }

  void Finish(CURL* e, CURLcode rc) {
    auto it = active.find(e);
    if (it == active.end()) return;
    std::unique_ptr<Transfer> t = std::move(it->second);
    active.erase(it);
    curl_multi_remove_handle(multi, e);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(e);
    curl_slist_free_all(t->headers);
    t->resp.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - t->start)
                              .count();
    if (rc == CURLE_OK) {
      t->resp.status = static_cast<int>(status);
      t->resp.code = "ok";
    } else {
      t->resp.status = 0;
      t->resp.error = curl_easy_strerror(rc);
      t->resp.code = rc == CURLE_OPERATION_TIMEDOUT ? "timeout"
                     : (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
                         ? "connect_failed"
                         : "transport_error";
    }
    t->done(std::move(t->resp));
  }

  void Loop() {
    while (true) {
      std::deque<std::unique_ptr<Transfer>> fresh;
      bool stop;
      {
        std::lock_guard<std::mutex> lock(mu);
        fresh.swap(incoming);
        stop = stopping;
      }
      if (stop) {
        for (auto& t : fresh) Cancel(std::move(t));
        for (auto& [e, t] : active) {
          curl_multi_remove_handle(multi, e);
          curl_easy_cleanup(e);
          curl_slist_free_all(t->headers);
          Cancel(std::move(t));
        }
        active.clear();
        return;
      }
      for (auto& t : fresh) Start(std::move(t));
      int running = 0;
      curl_multi_perform(multi, &running);
      int left = 0;
      while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
        if (m->msg == CURLMSG_DONE) Finish(m->easy_handle, m->data.result);
      }
      int numfds = 0;
      curl_multi_poll(multi, nullptr, 0, 1000, &numfds);
    }
  }

  static void Cancel(std::unique_ptr<Transfer> t) {
    HttpResponse r;
    r.code = "cancelled";
    r.error = "the hub is shutting down";
    t->done(std::move(r));
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (stopping) return;
      stopping = true;
    }
    curl_multi_wakeup(multi);
    if (thread.joinable()) thread.join();
    curl_multi_cleanup(multi);
    multi = nullptr;
  }
};

HttpClient::HttpClient() : impl_(std::make_unique<Impl>()) {}
HttpClient::~HttpClient() { Stop(); }

void HttpClient::Send(HttpRequest req, std::function<void(HttpResponse)> done) {
  auto t = std::make_unique<Transfer>();
  t->req = std::move(req);
  t->done = std::move(done);
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (!impl_->stopping) {
      impl_->incoming.push_back(std::move(t));
      curl_multi_wakeup(impl_->multi);
      return;
    }
  }
  Impl::Cancel(std::move(t));
}

HttpResponse HttpClient::SendSync(HttpRequest req) {
  std::promise<HttpResponse> p;
  auto f = p.get_future();
  Send(std::move(req), [&p](HttpResponse r) { p.set_value(std::move(r)); });
  return f.get();
}

void HttpClient::Stop() { impl_->Stop(); }

std::optional<Millis> ParseRetryAfter(const std::string& value, TimePoint now) {
  const auto v = Trim(value);
  if (v.empty()) return std::nullopt;
  bool digits = true;
  for (char c : v) digits &= c >= '0' && c <= '9';
  if (digits) {
    if (v.size() > 9) return Millis(3'600'000);
    return Millis(std::stoll(std::string(v)) * 1000);
  }
  std::tm tm{};
  const std::string s(v);
  if (strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) == nullptr) return std::nullopt;
  const time_t t = timegm(&tm);
  const int64_t ms = static_cast<int64_t>(t) * 1000 - ToUnixMillis(now);
  return Millis(std::max<int64_t>(0, ms));
}

}  // namespace crossdock::transports
