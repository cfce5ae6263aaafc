// Metrics: counters, gauges and histograms with labels, rendered as Prometheus text.
// Lookups take a lock; the returned references are stable for the registry's lifetime, so hot
// paths look a metric up once and keep the reference. Updates are lock-free atomics.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace crossdock::obs {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Gauge {
 public:
  void Set(int64_t v) { v_.store(v, std::memory_order_relaxed); }
  void Add(int64_t d) { v_.fetch_add(d, std::memory_order_relaxed); }
  int64_t Value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds_seconds);
  void Observe(double seconds);
  void ObserveMicros(int64_t micros) { Observe(static_cast<double>(micros) / 1e6); }
  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative counts per bound, then +Inf; sum in seconds.
  void Snapshot(std::vector<uint64_t>* cumulative, uint64_t* count, double* sum) const;
  // Estimated quantile (0..1) in seconds, linear within the bucket; 0 when empty.
  double Quantile(double q) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<uint64_t> sum_micros_{0};
};

// Default latency buckets from 100 µs to 30 s.
std::vector<double> LatencyBuckets();

class Registry {
 public:
  Counter& GetCounter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& GetGauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& GetHistogram(const std::string& name, const std::string& help,
                          const Labels& labels = {},
                          const std::vector<double>& bounds = LatencyBuckets());
  // A callback appending complete Prometheus text (HELP/TYPE/samples) at render time, for values
  // read from elsewhere (queue depth from the store).
  void AddCollector(std::function<void(std::string*)> collector);
  std::string RenderPrometheus() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  struct Family {
    Kind kind;
    std::string help;
    std::map<std::string, std::unique_ptr<Counter>> counters;  // key: rendered label set
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };
  Family& GetFamily(const std::string& name, Kind kind, const std::string& help);
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
  std::vector<std::function<void(std::string*)>> collectors_;
};

// Renders {a="x",b="y"} with Prometheus escaping; empty string for no labels.
std::string RenderLabels(const Labels& labels);

}  // namespace crossdock::obs
