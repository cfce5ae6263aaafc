#include "transports/http/webhook.hpp"

#include "core/crypto.hpp"
#include "core/strings.hpp"
#include "core/version.hpp"

namespace crossdock::transports {

WebhookDestination::WebhookDestination(config::Destination cfg, HttpClient& client,
                                       const Clock& clock)
    : cfg_(std::move(cfg)), key_(SigningKey(cfg_.secret)), client_(client), clock_(clock) {}

std::string WebhookDestination::SigningKey(const std::string& secret) {
  if (StartsWith(secret, "whsec_")) {
    std::string key;
    if (Base64Decode(secret.substr(6), &key)) return key;
  }
  return secret;
}

std::string WebhookDestination::Sign(const std::string& key, const std::string& id, int64_t ts,
                                     const std::string& body) {
  const std::string content = id + "." + std::to_string(ts) + "." + body;
  return "v1," + Base64Encode(HmacSha256(key, content));
}

engine::DeliveryOutcome WebhookDestination::Classify(const HttpResponse& resp, TimePoint now) {
  engine::DeliveryOutcome out;
  out.http_status = resp.status;
  out.duration_ms = resp.duration_ms;
  if (resp.status == 0) {
    out.kind = engine::DeliveryOutcome::Kind::kRetry;
    out.code = resp.code.empty() ? "transport_error" : resp.code;
    out.message = resp.code == "cancelled" ? resp.error : "no response: " + resp.error;
    return out;
  }
  out.code = "http_" + std::to_string(resp.status);
  std::string snippet = resp.body.substr(0, 300);
  if (resp.status >= 200 && resp.status < 300) {
    out.kind = engine::DeliveryOutcome::Kind::kDelivered;
    out.message = "HTTP " + std::to_string(resp.status);
    return out;
  }
  out.message = "HTTP " + std::to_string(resp.status) + (snippet.empty() ? "" : ": " + snippet);
  if (resp.status == 408 || resp.status == 429 || resp.status >= 500) {
    out.kind = engine::DeliveryOutcome::Kind::kRetry;
    out.retry_after = ParseRetryAfter(resp.retry_after, now);
  } else {
    out.kind = engine::DeliveryOutcome::Kind::kReject;
    if (resp.status >= 300 && resp.status < 400) {
      out.message += " (redirects are not followed; point the destination at " +
                     (resp.location.empty() ? std::string("the final URL") : resp.location) + ")";
    }
  }
  return out;
}

void WebhookDestination::Deliver(const store::QueueItem& item,
                                 std::function<void(engine::DeliveryOutcome)> done) {
  HttpRequest req;
  req.method = "POST";
  req.url = cfg_.url;
  req.timeout = cfg_.timeout;
  req.body = item.payload;
  const int64_t ts = ToUnixMillis(clock_.Now()) / 1000;
  req.headers = {
      {"Content-Type", item.content_type.empty() ? "application/json" : item.content_type},
      {"User-Agent", std::string("crossdock/") + CROSSDOCK_VERSION},
      {"webhook-id", item.idempotency_key},
      {"webhook-timestamp", std::to_string(ts)},
      {"webhook-signature", Sign(key_, item.idempotency_key, ts, item.payload)},
      {"X-Correlation-Id", item.correlation_id},
      {"traceparent", ChildTraceparent(item.traceparent)},
  };
  if (!item.event_type.empty()) req.headers.emplace_back("X-Crossdock-Event", item.event_type);
  for (const auto& [k, v] : cfg_.headers) req.headers.emplace_back(k, v);
  const Clock* clock = &clock_;
  client_.Send(std::move(req), [done = std::move(done), clock](HttpResponse resp) {
    done(Classify(resp, clock->Now()));
  });
}

std::string ChildTraceparent(const std::string& parent) {
  std::string trace_id;
  if (parent.size() == 55 && parent[2] == '-' && parent[35] == '-') {
    trace_id = parent.substr(3, 32);
  } else {
    trace_id = HexEncode(RandomBytes(16));
  }
  return "00-" + trace_id + "-" + HexEncode(RandomBytes(8)) + "-01";
}

}  // namespace crossdock::transports
