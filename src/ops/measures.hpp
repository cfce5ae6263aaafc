// Operations measures, computed from the hub's own logs (events, aggregate events, messages,
// exceptions) — never from counters kept beside them, so they survive restarts and agree with
// what the timeline shows.
//
// The engine tails each log by sequence number and folds every record into small rolling
// structures (per-minute buckets for 24 hours, per-partner records for 7 days); a refresh reads
// only what was committed since the last one, plus a few indexed summary queries (open
// exceptions by age, the newest inventory snapshot per source, overdue purchase orders). At
// start it replays the last 7 days (24 hours of step events) from the logs.
//
// What it answers: the JSON for /v1/measures, /v1/measures/series, /v1/partners/scorecards,
// the crossdock_measure_* Prometheus gauges, and the value of a measure per scope for alert
// rules.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/store.hpp"

namespace crossdock::ops {

struct MeasureOptions {
  Millis refresh{Millis(5000)};
  Millis window{Millis(24LL * 3600 * 1000)};  // the window /v1/measures reports over
  int history_days = 7;                       // scorecards and their trends
  int read_batch = 20'000;                    // log records per read
};

// One value of a measure for one scope ("all", a partner id, a source).
struct ScopedValue {
  std::string scope;
  double value = 0;
};

class Measures {
 public:
  Measures(store::Store& store, const config::Config& cfg, const Clock& clock,
           MeasureOptions opts = {});
  ~Measures();
  Measures(const Measures&) = delete;
  Measures& operator=(const Measures&) = delete;

  // Reads what the logs gained since the last refresh (at the first call: the history window)
  // and recomputes the snapshot. Thread-safe.
  Status Refresh();
  // Refreshes every `refresh` on a background thread, then calls `after` (alert evaluation).
  void Start(std::function<void()> after = {});
  void Stop();

  std::string SnapshotJson() const;
  // range: "1h", "6h" or "24h"; kInvalidArgument otherwise.
  Result<std::string> SeriesJson(std::string_view range) const;
  std::string ScorecardsJson(int days) const;
  // Prometheus text for the crossdock_measure_* gauges (a metrics registry collector).
  void RenderPrometheus(std::string* out) const;

  // The measure's value per scope for an alert rule (its partners, source, exception type,
  // window and strategic_only applied). Scopes without data are left out, except counts,
  // which are 0.
  std::vector<ScopedValue> Evaluate(const config::AlertRule& rule) const;

  // When the last refresh finished (zero before the first).
  TimePoint refreshed_at() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace crossdock::ops
