// Alert rules (config `alerts:`) evaluated against the operations measures.
//
// Every few seconds each rule's measure is computed per scope (a partner, a source, or "all")
// and compared with its threshold. A change between ok and firing becomes an `alert.notify` work
// item (ordering key alert/<rule>/<scope>), and that step commits, all at once: the alert's state
// as a workflow aggregate of type "alert" (so its history is an ordinary timeline) and one
// webhook delivery per destination — the rule's `notify` list, or every destination subscribed
// to `crossdock.alert.firing.v1` / `crossdock.alert.resolved.v1`. Deliveries go through the
// outbox: signed (Standard Webhooks), retried, dead-lettered like any other.
//
// At start the firing alerts are read back from the store, so a restart neither forgets nor
// re-announces them.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "engine/engine.hpp"
#include "ops/measures.hpp"
#include "store/store.hpp"

namespace crossdock::ops {

inline constexpr const char* kAlertStep = "alert.notify";
inline constexpr const char* kAlertAggregate = "alert";
inline constexpr const char* kAlertFiring = "crossdock.alert.firing.v1";
inline constexpr const char* kAlertResolved = "crossdock.alert.resolved.v1";

// True when `value` breaches the rule (value <op> threshold).
bool Breaches(const config::AlertRule& rule, double value);

class Alerts {
 public:
  Alerts(store::Store& store, const config::Config& cfg, const Clock& clock,
         const Measures& measures);

  // Reads the alerts that were firing when the hub stopped.
  Status Load();
  // Evaluates every rule; enqueues a notification for each state change.
  Status Evaluate();

  // {"items": [rule with its instances]} for GET /v1/alerts.
  std::string StatusJson() const;
  // The firing instances, for /v1/measures.
  std::string FiringJson() const;
  // crossdock_alert_firing{rule,scope,severity} gauges.
  void RenderPrometheus(std::string* out) const;

 private:
  struct Instance {
    bool firing = false;
    double value = 0;
    bool has_value = false;
    TimePoint since{};
  };
  store::Store& store_;
  const config::Config& cfg_;
  const Clock& clock_;
  const Measures& measures_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Instance> state_;  // (rule, scope)
};

engine::StepDef MakeAlertStep(store::Store& store, const config::Config& cfg, const Clock& clock);

}  // namespace crossdock::ops
