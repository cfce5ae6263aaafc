#include "ops/alerts.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

#include "core/ids.hpp"
#include "engine/routing.hpp"
#include "obs/log.hpp"

namespace crossdock::ops {
namespace {

using json = nlohmann::json;

const config::AlertRule* FindRule(const config::Config& cfg, const std::string& id) {
  for (const auto& r : cfg.alerts) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

std::string AlertId(const std::string& rule, const std::string& scope) {
  return rule + "/" + scope;
}

json NumberOrNull(double v) {
  return std::isfinite(v) && std::abs(v) < 1e11 ? json(v) : json(nullptr);
}

}  // namespace

bool Breaches(const config::AlertRule& rule, double value) {
  const double t = rule.threshold;
  if (rule.op == ">") return value > t;
  if (rule.op == ">=") return value >= t;
  if (rule.op == "<") return value < t;
  if (rule.op == "<=") return value <= t;
  if (rule.op == "==") return value == t;
  if (rule.op == "!=") return value != t;
  return false;
}

Alerts::Alerts(store::Store& store, const config::Config& cfg, const Clock& clock,
               const Measures& measures)
    : store_(store), cfg_(cfg), clock_(clock), measures_(measures) {}

Status Alerts::Load() {
  store::AggregateFilter f;
  f.type = kAlertAggregate;
  f.status = "firing";
  f.limit = 1000;
  auto firing = store_.ListAggregates(f);
  if (!firing.ok()) return firing.error();
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& a : *firing) {
    json st = json::parse(a.state_json, nullptr, false);
    if (!st.is_object()) continue;
    const std::string rule = st.value("rule", "");
    if (!FindRule(cfg_, rule)) continue;  // a rule no longer configured stays as history only
    Instance in;
    in.firing = true;
    in.since = ParseIso8601(st.value("since", "")).value_or(a.updated_at);
    if (st.contains("value") && st["value"].is_number()) {
      in.value = st["value"].get<double>();
      in.has_value = true;
    }
    state_[{rule, st.value("scope", "")}] = in;
  }
  return Status::Ok();
}

Status Alerts::Evaluate() {
  const TimePoint now = clock_.Now();
  std::vector<store::WorkSpec> work;
  std::vector<std::pair<std::pair<std::string, std::string>, Instance>> changes;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& rule : cfg_.alerts) {
      std::map<std::string, double> values;
      for (const auto& v : measures_.Evaluate(rule)) values[v.scope] = v.value;
      // Instances that lost their value (no data left in the window) resolve.
      for (auto& [key, in] : state_) {
        if (key.first == rule.id && !values.count(key.second)) in.has_value = false;
      }
      for (const auto& [scope, value] : values) {
        Instance& in = state_[{rule.id, scope}];
        in.value = value;
        in.has_value = true;
      }
      for (auto& [key, in] : state_) {
        if (key.first != rule.id) continue;
        const bool breach = in.has_value && Breaches(rule, in.value);
        if (breach == in.firing) continue;
        Instance next = in;
        next.firing = breach;
        next.since = now;
        changes.push_back({key, next});
        json p = {{"rule", rule.id},
                  {"scope", key.second},
                  {"state", breach ? "firing" : "resolved"},
                  {"measure", rule.measure},
                  {"op", rule.op},
                  {"threshold", rule.threshold},
                  {"value", in.has_value ? NumberOrNull(in.value) : json(nullptr)},
                  {"window_minutes", rule.window_minutes},
                  {"severity", rule.severity},
                  {"description", rule.description},
                  {"since", FormatIso8601(now)},
                  {"at", FormatIso8601(now)}};
        store::WorkSpec w;
        w.step = kAlertStep;
        w.ordering_key = "alert/" + AlertId(rule.id, key.second);
        w.correlation_id = NewIdAt(now);
        w.payload = p.dump();
        work.push_back(std::move(w));
      }
    }
  }
  if (work.empty()) return Status::Ok();
  Status st = store_.Enqueue(std::move(work));
  if (!st.ok()) return st;  // state unchanged: the next evaluation tries again
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [key, next] : changes) {
    Instance& in = state_[key];
    in.firing = next.firing;
    in.since = next.since;
    obs::Info("alerts", next.firing ? "alert firing" : "alert resolved",
              {{"rule", key.first}, {"scope", key.second}, {"value", in.value}});
  }
  return Status::Ok();
}

std::string Alerts::StatusJson() const {
  std::lock_guard<std::mutex> l(mu_);
  json items = json::array();
  for (const auto& rule : cfg_.alerts) {
    json inst = json::array();
    bool firing = false;
    for (const auto& [key, in] : state_) {
      if (key.first != rule.id) continue;
      firing = firing || in.firing;
      inst.push_back(
          {{"scope", key.second},
           {"state", in.firing ? "firing" : "ok"},
           {"value", in.has_value ? NumberOrNull(in.value) : json(nullptr)},
           {"since", in.since == TimePoint{} ? json(nullptr) : json(FormatIso8601(in.since))}});
    }
    items.push_back({{"id", rule.id},
                     {"measure", rule.measure},
                     {"op", rule.op},
                     {"threshold", rule.threshold},
                     {"window_minutes", rule.window_minutes},
                     {"severity", rule.severity},
                     {"description", rule.description},
                     {"partners", rule.partners},
                     {"notify", rule.notify},
                     {"state", firing ? "firing" : "ok"},
                     {"instances", inst}});
  }
  return json({{"items", items}}).dump();
}

std::string Alerts::FiringJson() const {
  std::lock_guard<std::mutex> l(mu_);
  json a = json::array();
  for (const auto& [key, in] : state_) {
    if (!in.firing) continue;
    const config::AlertRule* r = FindRule(cfg_, key.first);
    if (!r) continue;
    a.push_back({{"rule", key.first},
                 {"scope", key.second},
                 {"state", "firing"},
                 {"since", FormatIso8601(in.since)},
                 {"value", in.has_value ? NumberOrNull(in.value) : json(nullptr)},
                 {"threshold", r->threshold},
                 {"op", r->op},
                 {"severity", r->severity},
                 {"measure", r->measure},
                 {"description", r->description}});
  }
  return a.dump();
}

void Alerts::RenderPrometheus(std::string* out) const {
  std::lock_guard<std::mutex> l(mu_);
  *out +=
      "# HELP crossdock_alert_firing 1 while an alert rule fires for a scope\n"
      "# TYPE crossdock_alert_firing gauge\n";
  for (const auto& [key, in] : state_) {
    const config::AlertRule* r = FindRule(cfg_, key.first);
    if (!r) continue;
    *out += "crossdock_alert_firing{rule=\"" + key.first + "\",scope=\"" + key.second +
            "\",severity=\"" + r->severity + "\"} " + (in.firing ? "1" : "0") + "\n";
  }
}

engine::StepDef MakeAlertStep(store::Store& store, const config::Config& cfg, const Clock& clock) {
  engine::StepDef def;
  def.name = kAlertStep;
  def.retry = cfg.engine.step_retry;
  store::Store* s = &store;
  const config::Config* c = &cfg;
  const Clock* clk = &clock;
  def.run = [s, c, clk](const store::QueueItem& item) -> engine::StepResult {
    json p = json::parse(item.payload, nullptr, false);
    if (!p.is_object() || !p.contains("rule") || !p.contains("scope")) {
      return engine::StepResult::FromError(
          Error(Code::kInvalidArgument, "alert.notify payload must name a rule and a scope"));
    }
    const std::string rule_id = p.value("rule", "");
    const std::string scope = p.value("scope", "");
    const bool firing = p.value("state", "") == "firing";
    const std::string id = AlertId(rule_id, scope);
    auto rec = s->GetAggregate(kAlertAggregate, id);
    if (!rec.ok()) return engine::StepResult::FromError(rec.error());
    const int64_t version = rec->has_value() ? (*rec)->version : 0;
    const std::string type = firing ? kAlertFiring : kAlertResolved;
    const bool scope_is_partner = c->FindPartner(scope) != nullptr;

    store::Completion done;
    store::AggregateWrite w;
    w.type = kAlertAggregate;
    w.id = id;
    w.expected_version = version;
    w.new_version = version + 1;
    w.state_json = p.dump();
    w.status = firing ? "firing" : "ok";
    if (scope_is_partner) w.partner_id = scope;
    w.events.push_back({type, p.dump()});
    done.aggregates.push_back(std::move(w));

    const TimePoint now = clk->Now();
    const config::AlertRule* rule = FindRule(*c, rule_id);
    engine::EventSpec ev{type,
                         scope_is_partner ? scope : std::string(),
                         id,
                         p.dump(),
                         item.message_id,
                         item.correlation_id,
                         item.traceparent,
                         "alert/" + id};
    if (rule && !rule->notify.empty()) {
      // The rule names its destinations: each gets the event whatever it subscribes to.
      const std::string event_id = NewIdAt(now);
      const std::string body =
          engine::CloudEvent(event_id, type, "crossdock://alerts/" + rule_id, id, now,
                             item.correlation_id, item.traceparent, p.dump());
      for (const auto& d : rule->notify) {
        store::DeliverySpec ds;
        ds.destination_id = d;
        ds.ordering_key = d + "/alert/" + id;
        ds.message_id = item.message_id;
        ds.partner_id = ev.partner;
        ds.correlation_id = item.correlation_id;
        ds.event_type = type;
        ds.idempotency_key = event_id;
        ds.body = body;
        done.deliveries.push_back(std::move(ds));
      }
    } else {
      for (auto& d : engine::FanOut(*c, ev, now)) done.deliveries.push_back(std::move(d));
    }
    store::EventRecord er;
    er.type = firing ? "alert.firing" : "alert.resolved";
    er.subject = id;
    er.detail_json = p.dump();
    done.events.push_back(std::move(er));
    return engine::StepResult::Done(std::move(done));
  };
  return def;
}

}  // namespace crossdock::ops
