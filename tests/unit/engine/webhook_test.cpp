#include "transports/http/webhook.hpp"

#include <gtest/gtest.h>

namespace crossdock::transports {
namespace {

// The Standard Webhooks specification's published example.
TEST(Webhook, SignatureMatchesStandardWebhooksVector) {
  const std::string key = WebhookDestination::SigningKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  EXPECT_EQ(WebhookDestination::Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                     "{\"test\": 2432232314}"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  EXPECT_EQ(WebhookDestination::SigningKey("plain-secret"), "plain-secret");
}

HttpResponse Resp(int status, std::string retry_after = {}) {
  HttpResponse r;
  r.status = status;
  r.code = "ok";
  r.retry_after = std::move(retry_after);
  return r;
}

TEST(Webhook, ClassifiesResponses) {
  const TimePoint now = FromUnixMillis(1'800'000'000'000);
  using K = engine::DeliveryOutcome::Kind;
  EXPECT_EQ(WebhookDestination::Classify(Resp(200), now).kind, K::kDelivered);
  EXPECT_EQ(WebhookDestination::Classify(Resp(204), now).kind, K::kDelivered);
  for (int s : {408, 429, 500, 502, 503, 504}) {
    EXPECT_EQ(WebhookDestination::Classify(Resp(s), now).kind, K::kRetry) << s;
  }
  for (int s : {301, 400, 401, 403, 404, 410, 422}) {
    EXPECT_EQ(WebhookDestination::Classify(Resp(s), now).kind, K::kReject) << s;
  }
  auto ra = WebhookDestination::Classify(Resp(429, "7"), now);
  ASSERT_TRUE(ra.retry_after.has_value());
  EXPECT_EQ(ra.retry_after->count(), 7000);
  EXPECT_EQ(ra.code, "http_429");
  HttpResponse down;
  down.code = "connect_failed";
  down.error = "Couldn't connect to server";
  auto d = WebhookDestination::Classify(down, now);
  EXPECT_EQ(d.kind, K::kRetry);
  EXPECT_EQ(d.code, "connect_failed");
  EXPECT_NE(d.message.find("Couldn't connect"), std::string::npos);
}

TEST(Webhook, RetryAfterHttpDate) {
  const TimePoint now = *ParseIso8601("2026-11-23T10:00:00Z");
  auto d = ParseRetryAfter("Mon, 23 Nov 2026 10:00:30 GMT", now);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->count(), 30000);
  EXPECT_FALSE(ParseRetryAfter("soon", now).has_value());
}

TEST(Webhook, ChildTraceparentKeepsTraceId) {
  const std::string parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const std::string child = ChildTraceparent(parent);
  EXPECT_EQ(child.size(), 55u);
  EXPECT_EQ(child.substr(0, 35), parent.substr(0, 35));
  EXPECT_NE(child.substr(36, 16), parent.substr(36, 16));
  EXPECT_EQ(ChildTraceparent("").size(), 55u);
}

}  // namespace
}  // namespace crossdock::transports
