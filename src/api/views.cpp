#include "api/views.hpp"

namespace crossdock::api {

using nlohmann::json;

std::string Iso(TimePoint t) { return FormatIso8601(t); }

json ParseOrString(const std::string& s, json fallback) {
  if (s.empty()) return fallback;
  json j = json::parse(s, nullptr, false);
  return j.is_discarded() ? json(s) : j;
}

json ToJson(const store::DeadLetterView& d) {
  json j = {{"id", d.id},
            {"queue", std::string(store::QueueName(d.queue))},
            {"item_id", d.item_id},
            {"name", d.name},
            {"ordering_key", d.ordering_key},
            {"message_id", d.message_id},
            {"partner", d.partner_id},
            {"correlation_id", d.correlation_id},
            {"reason", d.reason},
            {"errors", ParseOrString(d.errors_json, json::array())},
            {"attempts", d.attempts},
            {"created_at", Iso(d.created_at)},
            {"dead_at", Iso(d.dead_at)},
            {"replayed_at", d.replayed_at ? json(Iso(*d.replayed_at)) : json(nullptr)},
            {"replay_item_id", d.replay_item_id.empty() ? json(nullptr) : json(d.replay_item_id)}};
  if (!d.event_type.empty()) j["event_type"] = d.event_type;
  if (!d.idempotency_key.empty()) j["idempotency_key"] = d.idempotency_key;
  return j;
}

json ToJson(const store::ExceptionRecord& e) {
  json j = {{"id", e.id},
            {"type", e.type},
            {"severity", e.severity},
            {"status", e.status},
            {"partner", e.partner_id},
            {"document_type", e.document_type},
            {"document_id", e.document_id},
            {"message_id", e.message_id},
            {"correlation_id", e.correlation_id},
            {"line", e.line},
            {"field", e.field},
            {"value", e.value},
            {"rule", e.rule},
            {"message", e.message},
            {"assigned_to", e.assigned_to.empty() ? json(nullptr) : json(e.assigned_to)},
            {"created_at", Iso(e.created_at)},
            {"updated_at", Iso(e.updated_at)},
            {"history", ParseOrString(e.history_json, json::array())}};
  return j;
}

json ToJson(const store::MessageSummary& m) {
  json j = {{"id", m.id},
            {"partner", m.partner_id},
            {"direction", m.direction},
            {"kind", m.kind},
            {"content_type", m.content_type},
            {"size", m.size},
            {"content_hash", m.content_hash},
            {"correlation_id", m.correlation_id},
            {"received_at", Iso(m.received_at)}};
  j["idempotency_key"] = m.idempotency_key.empty() ? json(nullptr) : json(m.idempotency_key);
  if (!m.traceparent.empty()) j["traceparent"] = m.traceparent;
  if (!m.replay_of.empty()) j["replay_of"] = m.replay_of;
  return j;
}

json LineageJson(const std::vector<store::LineageView>& v) {
  json a = json::array();
  for (const auto& l : v) {
    a.push_back({{"id", l.id}, {"relation", l.relation}, {"kind", l.kind}, {"at", Iso(l.at)}});
  }
  return a;
}

Response StoreProblem(const Error& e, const Request& req) {
  switch (e.code()) {
    case Code::kNotFound:
      return Problem(404, "not-found", "Not found", e.message(), &req);
    case Code::kFailedPrecondition:
      return Problem(409, "conflict", "Conflict", e.message(), &req);
    case Code::kUnavailable:
    case Code::kCancelled: {
      Response r = Problem(503, "unavailable", "Service unavailable",
                           "the store could not take the request: " + e.message(), &req);
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    default:
      return Problem(500, "internal", "Internal error", e.ToString(), &req);
  }
}

}  // namespace crossdock::api
