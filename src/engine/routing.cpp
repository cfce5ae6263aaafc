#include "engine/routing.hpp"

#include <algorithm>

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "core/strings.hpp"

namespace crossdock::engine {

std::string InboundOrderingKey(const std::string& partner_id) { return "in/" + partner_id; }

bool Subscribes(const config::Destination& d, const std::string& type, const std::string& partner) {
  const bool type_ok = std::find(d.events.begin(), d.events.end(), "*") != d.events.end() ||
                       std::find(d.events.begin(), d.events.end(), type) != d.events.end();
  const bool partner_ok = d.partners.empty() || std::find(d.partners.begin(), d.partners.end(),
                                                          partner) != d.partners.end();
  return type_ok && partner_ok;
}

std::string CloudEvent(const std::string& id, const std::string& type, const std::string& source,
                       const std::string& subject, TimePoint time,
                       const std::string& correlation_id, const std::string& traceparent,
                       const std::string& data_json) {
  std::string e = "{\"specversion\":\"1.0\",\"id\":";
  AppendJsonString(&e, id);
  e += ",\"source\":";
  AppendJsonString(&e, source);
  e += ",\"type\":";
  AppendJsonString(&e, type);
  e += ",\"subject\":";
  AppendJsonString(&e, subject);
  e += ",\"time\":";
  AppendJsonString(&e, FormatIso8601(time));
  e += ",\"datacontenttype\":\"application/json\",\"correlationid\":";
  AppendJsonString(&e, correlation_id);
  if (!traceparent.empty()) {
    e += ",\"traceparent\":";
    AppendJsonString(&e, traceparent);
  }
  e += ",\"data\":";
  e += data_json;
  e += "}";
  return e;
}

std::vector<store::DeliverySpec> FanOut(const config::Config& cfg, const EventSpec& e,
                                        TimePoint now) {
  std::vector<store::DeliverySpec> out;
  std::string body;
  std::string event_id;
  for (const auto& d : cfg.destinations) {
    if (!Subscribes(d, e.type, e.partner)) continue;
    if (body.empty()) {
      event_id = NewIdAt(now);
      body = CloudEvent(event_id, e.type, "crossdock://partners/" + e.partner, e.subject, now,
                        e.correlation_id, e.traceparent, e.data_json);
    }
    store::DeliverySpec ds;
    ds.destination_id = d.id;
    ds.ordering_key = d.id + "/" + (e.ordering_key.empty() ? e.message_id : e.ordering_key);
    ds.message_id = e.message_id;
    ds.partner_id = e.partner;
    ds.correlation_id = e.correlation_id;
    ds.traceparent = e.traceparent;
    ds.event_type = e.type;
    ds.idempotency_key = event_id;
    ds.body = body;
    out.push_back(std::move(ds));
  }
  return out;
}

StepDef MakeRouteStep(store::Store& store, const config::Config& cfg, const Clock& clock) {
  StepDef def;
  def.name = kRouteStep;
  def.retry = cfg.engine.step_retry;
  def.runs_ok = true;  // reads only its own message
  const config::Config* c = &cfg;
  store::Store* s = &store;
  const Clock* clk = &clock;
  def.run = [c, s, clk](const store::QueueItem& item) -> StepResult {
    auto view = s->GetMessage(item.message_id);
    if (!view.ok()) return StepResult::FromError(view.error());
    const store::MessageSummary& m = view->message;
    std::string content_type;
    auto payload = s->GetPayload(item.message_id, &content_type);
    if (!payload.ok()) return StepResult::FromError(payload.error());

    const std::string event_id = NewIdAt(clk->Now());
    std::string data = "{\"message_id\":";
    AppendJsonString(&data, m.id);
    data += ",\"partner\":";
    AppendJsonString(&data, m.partner_id);
    data += ",\"content_type\":";
    AppendJsonString(&data, m.content_type);
    data += ",\"size\":" + std::to_string(m.size) + ",\"content_hash\":";
    AppendJsonString(&data, m.content_hash);
    data += ",\"received_at\":";
    AppendJsonString(&data, FormatIso8601(m.received_at));
    data += ",\"idempotency_key\":";
    if (m.idempotency_key.empty()) {
      data += "null";
    } else {
      AppendJsonString(&data, m.idempotency_key);
    }
    if (IsValidUtf8(*payload)) {
      data += ",\"payload\":";
      AppendJsonString(&data, *payload);
    } else {
      data += ",\"payload_base64\":";
      AppendJsonString(&data, Base64Encode(*payload));
    }
    data += "}";
    const std::string body =
        CloudEvent(event_id, kMessageReceived, "crossdock://partners/" + m.partner_id, m.id,
                   clk->Now(), m.correlation_id, m.traceparent, data);

    store::Completion done;
    int n = 0;
    for (const auto& d : c->destinations) {
      if (!Subscribes(d, kMessageReceived, m.partner_id)) continue;
      store::DeliverySpec ds;
      ds.destination_id = d.id;
      ds.ordering_key = d.id + "/" + m.id;
      ds.message_id = m.id;
      ds.partner_id = m.partner_id;
      ds.correlation_id = m.correlation_id;
      ds.traceparent = m.traceparent;
      ds.event_type = kMessageReceived;
      ds.idempotency_key = event_id;
      ds.body = body;
      done.deliveries.push_back(std::move(ds));
      ++n;
    }
    store::EventRecord ev;
    ev.type = "message.routed";
    ev.subject = kRouteStep;
    ev.detail_json =
        "{\"event_id\":" + JsonString(event_id) + ",\"deliveries\":" + std::to_string(n) + "}";
    done.events.push_back(std::move(ev));
    return StepResult::Done(std::move(done));
  };
  return def;
}

}  // namespace crossdock::engine
