#include "api/ops_routes.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <set>

#include "api/views.hpp"
#include "ops/alerts.hpp"
#include "ops/measures.hpp"

namespace crossdock::api {
namespace {

using nlohmann::json;
// Responses quote partner text (values, messages, names): a byte that is not UTF-8 is written as
// U+FFFD, never thrown out of a handler.
constexpr auto kLenient = nlohmann::json::error_handler_t::replace;

constexpr size_t kMaxTraceMessages = 200;
constexpr size_t kMaxTraceAggregates = 10;
const std::vector<std::string> kAggregateTypes = {"purchase_order", "sales_order", "return"};

bool Get(const Request& req, Reply& reply) {
  if (req.method == "GET") return true;
  Response r = Problem(405, "method-not-allowed", "Method not allowed",
                       req.method + " is not allowed on " + req.path + "; use GET", &req);
  r.headers.emplace_back("Allow", "GET");
  reply(std::move(r));
  return false;
}

json AggregateBrief(const store::AggregateRecord& a) {
  return {{"type", a.type}, {"id", a.id}, {"status", a.status}, {"partner", a.partner_id}};
}

// ---- search ----

std::string Label(const std::string& kind, const std::string& key, const std::string& ref_type,
                  const std::string& ref_id, const std::string& status,
                  const std::string& partner) {
  std::string l;
  if (kind == "purchase_order" || kind == "sales_order" || kind == "return" || kind == "alert") {
    l = kind + " " + key;
    if (!status.empty()) l += " (" + status + ")";
  } else if (kind == "document") {
    l = ref_type + " " + key;
  } else if (kind == "reference") {
    l = ref_type + " " + ref_id + " referring to " + key;
  } else if (kind == "sku") {
    l = "SKU " + key + " in " + ref_type + " " + ref_id;
  } else if (kind == "interchange") {
    l = "interchange " + key + " (" + ref_id + ")";
  } else {
    l = kind + " " + key;
  }
  if (!partner.empty()) l += " · " + partner;
  return l;
}

void Search(const OpsDeps& d, const Request& req, Reply& reply) {
  const std::string q = req.Query("q");
  if (q.empty() || q.size() > 200) {
    return reply(Problem(400, "bad-query", "Invalid search",
                         "give q=<business key> (1 to 200 characters): a PO number, order id, "
                         "interchange control number, SKU, document id, correlation or message id",
                         &req));
  }
  int limit = 20;
  if (!req.Query("limit").empty())
    limit = std::clamp(std::atoi(req.Query("limit").c_str()), 1, 100);
  json items = json::array();
  std::set<std::string> seen;
  auto push = [&](json hit) {
    const std::string dedupe =
        hit.value("kind", "") + "|" +
        (hit.contains("aggregate")
             ? hit["aggregate"].value("type", "") + ":" + hit["aggregate"].value("id", "")
             : std::string()) +
        "|" + hit.value("message_id", "") + "|" + hit.value("key", "");
    if (!seen.insert(dedupe).second) return;
    if (static_cast<int>(items.size()) < limit) items.push_back(std::move(hit));
  };
  // Workflow aggregates by their own id (indexed lookups).
  for (const auto& t : kAggregateTypes) {
    auto a = d.store->GetAggregate(t, q);
    if (!a.ok()) return reply(StoreProblem(a.error(), req));
    if (!a->has_value()) continue;
    const auto& r = **a;
    push({{"kind", t},
          {"key", q},
          {"label", Label(t, q, t, q, r.status, r.partner_id)},
          {"aggregate", AggregateBrief(r)},
          {"partner", r.partner_id},
          {"at", Iso(r.updated_at)}});
  }
  auto keys = d.store->FindKeys(q, 100);
  if (!keys.ok()) return reply(StoreProblem(keys.error(), req));
  std::map<std::string, std::optional<store::AggregateRecord>> agg_cache;
  for (const auto& k : *keys) {
    if (k.kind == "message_of") continue;  // the aggregate's own hit covers its documents
    json hit = {{"kind", k.kind}, {"key", k.key}, {"partner", k.partner_id}, {"at", Iso(k.at)}};
    if (!k.message_id.empty()) hit["message_id"] = k.message_id;
    if (!k.correlation_id.empty()) hit["correlation_id"] = k.correlation_id;
    if (!k.ref_type.empty()) hit["ref"] = {{"type", k.ref_type}, {"id", k.ref_id}};
    std::string status;
    // The aggregate the key belongs to: itself, or the one its message moved.
    std::optional<store::AggregateRecord> agg;
    const bool is_aggregate =
        std::find(kAggregateTypes.begin(), kAggregateTypes.end(), k.kind) != kAggregateTypes.end();
    if (is_aggregate || k.kind == "alert") {
      auto a = d.store->GetAggregate(k.kind, k.ref_id.empty() ? k.key : k.ref_id);
      if (a.ok() && a->has_value()) agg = **a;
    } else if (!k.message_id.empty()) {
      auto it = agg_cache.find(k.message_id);
      if (it == agg_cache.end()) {
        std::optional<store::AggregateRecord> found;
        // The message itself, else the documents decoded from it (a raw interchange).
        auto refs = d.store->AggregatesForMessage(k.message_id);
        if (refs.ok() && refs->empty()) {
          auto v = d.store->GetMessage(k.message_id);
          if (v.ok()) {
            for (const auto& c : v->children) {
              if (c.relation != "decoded" || !refs->empty()) continue;
              refs = d.store->AggregatesForMessage(c.id);
              if (!refs.ok()) break;
            }
          }
        }
        if (refs.ok() && !refs->empty()) {
          auto a = d.store->GetAggregate(refs->front().first, refs->front().second);
          if (a.ok() && a->has_value()) found = **a;
        }
        it = agg_cache.emplace(k.message_id, found).first;
      }
      agg = it->second;
    }
    if (agg) {
      hit["aggregate"] = AggregateBrief(*agg);
      if (is_aggregate) status = agg->status;
    }
    hit["label"] = Label(k.kind, k.key, k.ref_type, k.ref_id, status, k.partner_id);
    push(std::move(hit));
  }
  // A message id or a correlation id.
  {
    auto m = d.store->GetMessage(q);
    if (m.ok()) {
      push({{"kind", "message"},
            {"key", q},
            {"label", "message " + m->message.kind + " (" + m->message.direction + ") · " +
                          m->message.partner_id},
            {"message_id", q},
            {"correlation_id", m->message.correlation_id},
            {"partner", m->message.partner_id},
            {"at", Iso(m->message.received_at)}});
    } else if (m.error().code() != Code::kNotFound) {
      return reply(StoreProblem(m.error(), req));
    }
    store::MessageFilter f;
    f.correlation_id = q;
    f.limit = 1;
    auto c = d.store->ListMessages(f);
    if (!c.ok()) return reply(StoreProblem(c.error(), req));
    if (!c->empty()) {
      push({{"kind", "correlation"},
            {"key", q},
            {"label", "correlation " + q},
            {"correlation_id", q},
            {"message_id", c->front().id},
            {"partner", c->front().partner_id},
            {"at", Iso(c->front().received_at)}});
    }
  }
  reply(Response::Json(200, json({{"query", q}, {"items", items}}).dump(-1, ' ', false, kLenient)));
}

// ---- trace ----

struct TraceBuilder {
  const OpsDeps& d;
  std::map<std::string, store::MessageView> messages;
  std::deque<std::string> frontier;
  std::map<std::pair<std::string, std::string>, store::AggregateRecord> aggregates;
  std::map<std::pair<std::string, std::string>, std::vector<store::AggregateEventView>> timelines;
  std::set<std::pair<std::string, std::string>> edges_seen;
  json edges = json::array();
  bool truncated = false;

  explicit TraceBuilder(const OpsDeps& deps) : d(deps) {}

  void AddSeed(const std::string& id) {
    if (id.empty() || messages.count(id)) return;
    frontier.push_back(id);
  }

  Status Expand() {
    while (!frontier.empty()) {
      const std::string id = frontier.front();
      frontier.pop_front();
      if (messages.count(id)) continue;
      if (messages.size() >= kMaxTraceMessages) {
        truncated = true;
        frontier.clear();
        break;
      }
      auto v = d.store->GetMessage(id);
      if (!v.ok()) {
        if (v.error().code() == Code::kNotFound) continue;
        return v.error();
      }
      for (const auto& p : v->parents) {
        if (p.kind != "message") continue;
        if (edges_seen.insert({p.id, id}).second) {
          edges.push_back({{"parent", p.id}, {"child", id}, {"relation", p.relation}});
        }
        AddSeed(p.id);
      }
      for (const auto& c : v->children) {
        if (c.kind != "message") continue;
        if (edges_seen.insert({id, c.id}).second) {
          edges.push_back({{"parent", id}, {"child", c.id}, {"relation", c.relation}});
        }
        AddSeed(c.id);
      }
      messages.emplace(id, std::move(*v));
    }
    return Status::Ok();
  }

  Status AddAggregate(const std::string& type, const std::string& id) {
    const auto key = std::make_pair(type, id);
    if (aggregates.count(key)) return Status::Ok();
    if (aggregates.size() >= kMaxTraceAggregates) {
      truncated = true;
      return Status::Ok();
    }
    auto a = d.store->GetAggregate(type, id);
    if (!a.ok()) return a.error();
    if (!a->has_value()) return Status::Ok();
    auto tl = d.store->AggregateTimeline(type, id);
    if (!tl.ok()) return tl.error();
    for (const auto& e : *tl) AddSeed(e.message_id);
    // The documents it sent or received in the same steps (850 out, 855 to a customer, ...).
    auto keys = d.store->FindKeys(id, 200);
    if (!keys.ok()) return keys.error();
    for (const auto& k : *keys) {
      if (k.kind == "message_of" && k.ref_type == type) AddSeed(k.message_id);
    }
    aggregates.emplace(key, **a);
    timelines.emplace(key, std::move(*tl));
    return Status::Ok();
  }

  // The aggregates the gathered messages moved, and their messages in turn (two rounds).
  Status FollowAggregates() {
    for (int round = 0; round < 2; ++round) {
      std::vector<std::string> ids;
      for (const auto& [id, v] : messages) ids.push_back(id);
      for (const auto& id : ids) {
        auto refs = d.store->AggregatesForMessage(id);
        if (!refs.ok()) return refs.error();
        for (const auto& [t, aid] : *refs) {
          if (t == ops::kAlertAggregate) continue;
          CD_RETURN_IF_ERROR(AddAggregate(t, aid));
        }
      }
      CD_RETURN_IF_ERROR(Expand());
    }
    return Status::Ok();
  }

  static std::string MessageTitle(const store::MessageSummary& m) {
    std::string verb = m.direction == "in"    ? "received from "
                       : m.direction == "out" ? "sent to "
                                              : "for ";
    return m.kind + " " + verb + m.partner_id + " (" + m.content_type + ", " +
           std::to_string(m.size) + " bytes)";
  }

  json Build(json subject) const {
    json aggs = json::array();
    json timeline = json::array();
    for (const auto& [key, a] : aggregates) {
      json evs = json::array();
      for (const auto& e : timelines.at(key)) {
        json detail = ParseOrString(e.detail_json, json::object());
        evs.push_back({{"version", e.version},
                       {"type", e.type},
                       {"at", Iso(e.at)},
                       {"message_id", e.message_id},
                       {"correlation_id", e.correlation_id},
                       {"detail", detail}});
        timeline.push_back({{"at", Iso(e.at)},
                            {"kind", "aggregate_event"},
                            {"title", a.type + " " + a.id + ": " + e.type},
                            {"message_id", e.message_id},
                            {"detail", detail}});
      }
      aggs.push_back({{"type", a.type},
                      {"id", a.id},
                      {"status", a.status},
                      {"partner", a.partner_id},
                      {"version", a.version},
                      {"state", ParseOrString(a.state_json, json::object())},
                      {"created_at", Iso(a.created_at)},
                      {"updated_at", Iso(a.updated_at)},
                      {"events", evs}});
    }
    // Messages oldest first.
    std::vector<const store::MessageView*> ordered;
    for (const auto& [id, v] : messages) ordered.push_back(&v);
    std::sort(ordered.begin(), ordered.end(), [](const auto* a, const auto* b) {
      return a->message.received_at != b->message.received_at
                 ? a->message.received_at < b->message.received_at
                 : a->message.id < b->message.id;
    });
    json msgs = json::array();
    for (const store::MessageView* v : ordered) {
      json m = ToJson(v->message);
      m["status"] = v->status;
      json evs = json::array();
      for (const auto& e : v->events) {
        json detail = ParseOrString(e.detail_json, json::object());
        evs.push_back({{"type", e.type},
                       {"subject", e.subject},
                       {"at", Iso(e.at)},
                       {"attempt", e.attempt},
                       {"detail", detail}});
        std::string title = e.type + (e.subject.empty() ? "" : " · " + e.subject);
        const bool delivery = e.type.rfind("delivery.", 0) == 0;
        if (delivery && detail.is_object() && detail.contains("event_type")) {
          title += " (" + detail.value("event_type", "") + ")";
        }
        timeline.push_back({{"at", Iso(e.at)},
                            {"kind", delivery ? "delivery" : "event"},
                            {"title", title},
                            {"message_id", v->message.id},
                            {"detail", detail}});
      }
      m["events"] = evs;
      json pending = json::array();
      for (const auto& p : v->pending) {
        pending.push_back({{"queue", std::string(store::QueueName(p.queue))},
                           {"id", p.id},
                           {"name", p.name},
                           {"attempts", p.attempts},
                           {"next_attempt_at", Iso(p.not_before)},
                           {"in_progress", p.leased},
                           {"errors", ParseOrString(p.errors_json, json::array())}});
      }
      m["pending"] = pending;
      json dls = json::array();
      for (const auto& dl : v->dead_letters) {
        dls.push_back(ToJson(dl));
        timeline.push_back({{"at", Iso(dl.dead_at)},
                            {"kind", "dead_letter"},
                            {"title", "dead letter · " + dl.name + ": " + dl.reason},
                            {"message_id", v->message.id},
                            {"detail", {{"dead_letter_id", dl.id}}}});
      }
      m["dead_letters"] = dls;
      json exs = json::array();
      for (const auto& e : v->exceptions) {
        exs.push_back(ToJson(e));
        timeline.push_back({{"at", Iso(e.created_at)},
                            {"kind", "exception"},
                            {"title", "exception " + e.type + " (" + e.status + "): " + e.message},
                            {"message_id", v->message.id},
                            {"detail", {{"exception_id", e.id}}}});
      }
      m["exceptions"] = exs;
      timeline.push_back({{"at", Iso(v->message.received_at)},
                          {"kind", "message"},
                          {"title", MessageTitle(v->message)},
                          {"message_id", v->message.id},
                          {"detail", json::object()}});
      msgs.push_back(std::move(m));
    }
    std::stable_sort(timeline.begin(), timeline.end(), [](const json& a, const json& b) {
      return a["at"].get<std::string>() < b["at"].get<std::string>();
    });
    return {{"subject", std::move(subject)},
            {"aggregates", aggs},
            {"messages", msgs},
            {"edges", edges},
            {"timeline", timeline},
            {"truncated", truncated}};
  }
};

void Trace(const OpsDeps& d, const Request& req, Reply& reply) {
  TraceBuilder b(d);
  json subject;
  const std::string agg = req.Query("aggregate");
  const std::string msg = req.Query("message_id");
  const std::string corr = req.Query("correlation_id");
  Status st = Status::Ok();
  if (!agg.empty()) {
    const size_t colon = agg.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == agg.size()) {
      return reply(Problem(400, "bad-query", "Invalid trace",
                           "aggregate must be <type>:<id>, e.g. purchase_order:PO-000123", &req));
    }
    const std::string type = agg.substr(0, colon), id = agg.substr(colon + 1);
    subject = {{"kind", "aggregate"}, {"type", type}, {"id", id}};
    st = b.AddAggregate(type, id);
    if (st.ok() && b.aggregates.empty()) {
      return reply(Problem(404, "not-found", "Not found", "no " + type + " " + id, &req));
    }
  } else if (!msg.empty()) {
    subject = {{"kind", "message"}, {"id", msg}};
    auto m = d.store->GetMessage(msg);
    if (!m.ok()) return reply(StoreProblem(m.error(), req));
    b.AddSeed(msg);
  } else if (!corr.empty()) {
    subject = {{"kind", "correlation"}, {"id", corr}};
    store::MessageFilter f;
    f.correlation_id = corr;
    f.limit = 100;
    auto list = d.store->ListMessages(f);
    if (!list.ok()) return reply(StoreProblem(list.error(), req));
    if (list->empty()) {
      return reply(
          Problem(404, "not-found", "Not found", "no message with correlation id " + corr, &req));
    }
    for (const auto& m : *list) b.AddSeed(m.id);
  } else {
    return reply(Problem(400, "bad-query", "Invalid trace",
                         "give aggregate=<type>:<id>, message_id=<id> or correlation_id=<id>",
                         &req));
  }
  if (st.ok()) st = b.Expand();
  if (st.ok()) st = b.FollowAggregates();
  if (!st.ok()) return reply(StoreProblem(st.error(), req));
  reply(Response::Json(200, b.Build(std::move(subject)).dump(-1, ' ', false, kLenient)));
}

// ---- measures and alerts ----

Response Unavailable(const Request& req) {
  Response r = Problem(503, "unavailable", "Measures not running",
                       "this hub was started without the operations measures", &req);
  r.headers.emplace_back("Retry-After", "5");
  return r;
}

}  // namespace

bool HandleOpsRoute(const OpsDeps& d, const Request& req, const Principal& who,
                    const std::vector<std::string>& parts, Reply& reply) {
  const size_t n = parts.size();
  if (n < 2) return false;
  const std::string& r = parts[1];
  if (n == 2 && r == "whoami") {
    if (!Get(req, reply)) return true;
    reply(Response::Json(200,
                         json({{"name", who.name},
                               {"role", std::string(config::RoleName(who.role))},
                               {"partner", who.partner.empty() ? json(nullptr) : json(who.partner)},
                               {"can_act", who.CanAct()}})
                             .dump(-1, ' ', false, kLenient)));
    return true;
  }
  const bool ops_route =
      (n == 2 && (r == "search" || r == "trace" || r == "measures" || r == "alerts")) ||
      (n == 3 && r == "measures" && parts[2] == "series") ||
      (n == 3 && r == "alerts" && parts[2] == "history") ||
      (n == 3 && r == "partners" && parts[2] == "scorecards");
  if (!ops_route) return false;
  if (!Get(req, reply)) return true;
  if (who.role == config::Role::kPartner) {
    reply(Problem(
        403, "forbidden", "Forbidden",
        "partner tokens cannot read operations views; use a viewer, operator or admin token",
        &req));
    return true;
  }
  if (r == "search") {
    Search(d, req, reply);
    return true;
  }
  if (r == "trace") {
    Trace(d, req, reply);
    return true;
  }
  if (r == "alerts" && n == 3) {
    int limit = 50;
    if (!req.Query("limit").empty())
      limit = std::clamp(std::atoi(req.Query("limit").c_str()), 1, 500);
    int64_t before = 0;
    if (!req.Query("before").empty()) before = std::atoll(req.Query("before").c_str());
    auto list = d.store->RecentAggregateEvents(ops::kAlertAggregate, before, limit);
    if (!list.ok()) {
      reply(StoreProblem(list.error(), req));
      return true;
    }
    json items = json::array();
    for (const auto& e : *list) {
      json detail = ParseOrString(e.event.detail_json, json::object());
      items.push_back({{"seq", e.seq},
                       {"alert", e.id},
                       {"type", e.event.type},
                       {"at", Iso(e.event.at)},
                       {"detail", detail}});
    }
    json j = {{"items", items}};
    if (static_cast<int>(list->size()) == limit)
      j["next_before"] = std::to_string(list->back().seq);
    reply(Response::Json(200, j.dump(-1, ' ', false, kLenient)));
    return true;
  }
  if (!d.measures) {
    reply(Unavailable(req));
    return true;
  }
  if (r == "measures" && n == 2) {
    json j = json::parse(d.measures->SnapshotJson(), nullptr, false);
    if (!j.is_object()) j = json::object();
    j["alerts"] = d.alerts ? json::parse(d.alerts->FiringJson(), nullptr, false) : json::array();
    reply(Response::Json(200, j.dump(-1, ' ', false, kLenient)));
    return true;
  }
  if (r == "measures") {
    const std::string range = req.Query("range").empty() ? "1h" : req.Query("range");
    auto s = d.measures->SeriesJson(range);
    if (!s.ok()) {
      reply(Problem(400, "bad-query", "Invalid range", s.error().message(), &req));
      return true;
    }
    reply(Response::Json(200, *s));
    return true;
  }
  if (r == "partners") {
    int days = 7;
    if (!req.Query("days").empty()) days = std::atoi(req.Query("days").c_str());
    if (days < 1 || days > 7) {
      reply(Problem(400, "bad-query", "Invalid days", "days must be 1 to 7", &req));
      return true;
    }
    reply(Response::Json(200, d.measures->ScorecardsJson(days)));
    return true;
  }
  if (r == "alerts") {
    reply(Response::Json(200, d.alerts ? d.alerts->StatusJson() : std::string("{\"items\":[]}")));
    return true;
  }
  return false;
}

}  // namespace crossdock::api
