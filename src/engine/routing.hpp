// The "route" step: turns an accepted inbound message into a CloudEvent
// (`message.received.v1`) and one outbox delivery per destination subscribed to it. The event's
// id is the deliveries' idempotency key, fixed when the step commits, so every retry carries it.
#pragma once

#include <string>

#include "config/config.hpp"
#include "engine/engine.hpp"
#include "store/store.hpp"

namespace crossdock::engine {

inline constexpr const char* kRouteStep = "route";
inline constexpr const char* kMessageReceived = "message.received.v1";

// Ordering key for a partner's raw inbound documents: processed in the order received.
std::string InboundOrderingKey(const std::string& partner_id);

// True when destination `d` takes events of `type` about `partner`.
bool Subscribes(const config::Destination& d, const std::string& type, const std::string& partner);

// A CloudEvents 1.0 structured-mode JSON envelope; `data_json` is embedded as is.
std::string CloudEvent(const std::string& id, const std::string& type, const std::string& source,
                       const std::string& subject, TimePoint time,
                       const std::string& correlation_id, const std::string& traceparent,
                       const std::string& data_json);

// One delivery per destination subscribed to `type` about `partner`: the CloudEvent is built once
// and its id is every delivery's idempotency key.
struct EventSpec {
  std::string type;
  std::string partner;
  std::string subject;
  std::string data_json;
  std::string message_id;
  std::string correlation_id;
  std::string traceparent;
  std::string ordering_key;  // per destination: "<destination>/<ordering_key>"; message id if empty
};
std::vector<store::DeliverySpec> FanOut(const config::Config& cfg, const EventSpec& e,
                                        TimePoint now);

StepDef MakeRouteStep(store::Store& store, const config::Config& cfg, const Clock& clock);

}  // namespace crossdock::engine
