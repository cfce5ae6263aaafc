// Webhook destination: POSTs each delivery's JSON body with Standard Webhooks headers
// (webhook-id = the delivery's fixed idempotency key, webhook-timestamp, webhook-signature
// "v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>"), so receivers can use existing
// verifiers and drop repeats. 2xx is delivered; 408, 429, 5xx and network errors are retried
// (Retry-After honoured); any other status is a rejection that goes to the dead-letter queue.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "engine/engine.hpp"
#include "transports/http/http_client.hpp"

namespace crossdock::transports {

class WebhookDestination final : public engine::Destination {
 public:
  WebhookDestination(config::Destination cfg, HttpClient& client,
                     const Clock& clock = Clock::System());
  void Deliver(const store::QueueItem& item,
               std::function<void(engine::DeliveryOutcome)> done) override;

  // The signing key from a configured secret: base64-decoded after a "whsec_" prefix, else the
  // raw bytes.
  static std::string SigningKey(const std::string& secret);
  // "v1,<base64>" for the given id, timestamp (seconds) and body.
  static std::string Sign(const std::string& key, const std::string& id, int64_t ts,
                          const std::string& body);
  // Classifies an HTTP response into a delivery outcome.
  static engine::DeliveryOutcome Classify(const HttpResponse& resp, TimePoint now);

 private:
  config::Destination cfg_;
  std::string key_;
  HttpClient& client_;
  const Clock& clock_;
};

// A child traceparent: same trace id as `parent` (or a new trace), new span id.
std::string ChildTraceparent(const std::string& parent);

}  // namespace crossdock::transports
