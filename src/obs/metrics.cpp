#include "obs/metrics.hpp"

#include <cstdio>

namespace crossdock::obs {

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,    0.5,    1.0,   2.5,    5.0,   10.0, 30.0};
}

Histogram::Histogram(std::vector<double> upper_bounds_seconds)
    : bounds_(std::move(upper_bounds_seconds)),
      counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i] = 0;
}

void Histogram::Observe(double seconds) {
  size_t i = 0;
  while (i < bounds_.size() && seconds > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  const double micros = seconds * 1e6;
  sum_micros_.fetch_add(micros > 0 ? static_cast<uint64_t>(micros) : 0, std::memory_order_relaxed);
}

void Histogram::Snapshot(std::vector<uint64_t>* cumulative, uint64_t* count, double* sum) const {
  cumulative->assign(bounds_.size() + 1, 0);
  uint64_t acc = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    acc += counts_[i].load(std::memory_order_relaxed);
    (*cumulative)[i] = acc;
  }
  *count = acc;
  *sum = static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
}

double Histogram::Quantile(double q) const {
  std::vector<uint64_t> cum;
  uint64_t count;
  double sum;
  Snapshot(&cum, &count, &sum);
  if (count == 0) return 0;
  const double rank = q * static_cast<double>(count);
  double lower = 0;
  uint64_t prev = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (static_cast<double>(cum[i]) >= rank) {
      const uint64_t in_bucket = cum[i] - prev;
      if (in_bucket == 0) return bounds_[i];
      return lower + (bounds_[i] - lower) * (rank - static_cast<double>(prev)) /
                         static_cast<double>(in_bucket);
    }
    lower = bounds_[i];
    prev = cum[i];
  }
  return bounds_.empty() ? 0 : bounds_.back();
}

std::string RenderLabels(const Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out.push_back(',');
    first = false;
    out.append(k);
    out.append("=\"");
    for (char c : v) {
      if (c == '\\' || c == '"') {
        out.push_back('\\');
        out.push_back(c);
      } else if (c == '\n') {
        out.append("\\n");
      } else {
        out.push_back(c);
      }
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

Registry::Family& Registry::GetFamily(const std::string& name, Kind kind, const std::string& help) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(name, Family{kind, help, {}, {}, {}}).first;
  }
  return it->second;
}

Counter& Registry::GetCounter(const std::string& name, const std::string& help,
                              const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& f = GetFamily(name, Kind::kCounter, help);
  auto& slot = f.counters[RenderLabels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::GetGauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& f = GetFamily(name, Kind::kGauge, help);
  auto& slot = f.gauges[RenderLabels(labels)];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::GetHistogram(const std::string& name, const std::string& help,
                                  const Labels& labels, const std::vector<double>& bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& f = GetFamily(name, Kind::kHistogram, help);
  auto& slot = f.histograms[RenderLabels(labels)];
  if (!slot) slot = std::make_unique<Histogram>(bounds);
  return *slot;
}

void Registry::AddCollector(std::function<void(std::string*)> collector) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.push_back(std::move(collector));
}

namespace {

std::string FormatDouble(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Inserts le="x" into an already rendered label set.
std::string WithLe(const std::string& labels, const std::string& le) {
  if (labels.empty()) return "{le=\"" + le + "\"}";
  return labels.substr(0, labels.size() - 1) + ",le=\"" + le + "\"}";
}

}  // namespace

std::string Registry::RenderPrometheus() const {
  std::string out;
  std::vector<std::function<void(std::string*)>> collectors;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, f] : families_) {
      const char* type = f.kind == Kind::kCounter ? "counter"
                         : f.kind == Kind::kGauge ? "gauge"
                                                  : "histogram";
      out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + type + "\n";
      for (const auto& [labels, c] : f.counters) {
        out += name + labels + " " + std::to_string(c->Value()) + "\n";
      }
      for (const auto& [labels, g] : f.gauges) {
        out += name + labels + " " + std::to_string(g->Value()) + "\n";
      }
      for (const auto& [labels, h] : f.histograms) {
        std::vector<uint64_t> cum;
        uint64_t count;
        double sum;
        h->Snapshot(&cum, &count, &sum);
        for (size_t i = 0; i < h->bounds().size(); ++i) {
          out += name + "_bucket" + WithLe(labels, FormatDouble(h->bounds()[i])) + " " +
                 std::to_string(cum[i]) + "\n";
        }
        out += name + "_bucket" + WithLe(labels, "+Inf") + " " + std::to_string(count) + "\n";
        out += name + "_sum" + labels + " " + FormatDouble(sum) + "\n";
        out += name + "_count" + labels + " " + std::to_string(count) + "\n";
      }
    }
    collectors = collectors_;
  }
  for (const auto& c : collectors) c(&out);
  return out;
}

}  // namespace crossdock::obs
