#include "ops/measures.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "obs/log.hpp"
#include "obs/metrics.hpp"

namespace crossdock::ops {
namespace {

using json = nlohmann::json;

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kDayMs = 86'400'000;

// Step latencies in a log2 histogram from 1/8 ms: bucket i holds [2^(i-3), 2^(i-2)) ms.
struct LatencyHist {
  static constexpr int kBuckets = 32;
  std::array<uint32_t, kBuckets> n{};
  uint64_t count = 0;

  void Add(double ms) {
    int i = 0;
    if (ms > 0.125) i = std::min(kBuckets - 1, static_cast<int>(std::floor(std::log2(ms * 8))) + 1);
    ++n[i];
    ++count;
  }
  void Merge(const LatencyHist& o) {
    for (int i = 0; i < kBuckets; ++i) n[i] += o.n[i];
    count += o.count;
  }
  // Estimated quantile in ms: linear within the bucket that holds it.
  std::optional<double> Quantile(double q) const {
    if (count == 0) return std::nullopt;
    const double rank = q * static_cast<double>(count);
    double seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      if (n[i] == 0) continue;
      if (seen + n[i] >= rank) {
        const double lo = i == 0 ? 0 : std::ldexp(1.0, i - 4);
        const double hi = std::ldexp(1.0, i - 3);
        return lo + (hi - lo) * std::clamp((rank - seen) / n[i], 0.0, 1.0);
      }
      seen += n[i];
    }
    return std::ldexp(1.0, kBuckets - 4);
  }
};

struct Bucket {
  int64_t received = 0;   // inbound messages accepted
  int64_t processed = 0;  // steps and deliveries that succeeded
  int64_t failed = 0;     // dead-lettered
  int64_t retries = 0;
  int64_t dead_letters = 0;
  int64_t exceptions = 0;
  LatencyHist latency;
  int64_t queue_depth = -1;  // sampled at refresh; -1: no sample
};

struct AckRec {
  TimePoint at{};
  std::string partner;
  std::string po;
  double latency_s = 0;
  bool has_due = false;  // the partner has an acknowledgment SLA
  bool on_time = true;
};

struct OrderRec {
  TimePoint received{};
  std::string partner;
  bool accepted = false, held = false, rejected = false;
};

struct FlagRec {
  TimePoint at{};
  std::string partner;
  bool ok = true;
};

struct CountRec {
  TimePoint at{};
  std::string partner;
};

struct DayCounts {
  int64_t in = 0, out = 0, exceptions = 0;
};

struct OverdueRec {
  std::string po, partner;
  bool strategic = false;
  std::optional<TimePoint> sent_at, due_at;
};

struct SyncRec {
  std::string source;
  std::optional<TimePoint> last;
  std::string key;
};

std::optional<double> Ratio(int64_t num, int64_t den) {
  if (den <= 0) return std::nullopt;
  return static_cast<double>(num) / static_cast<double>(den);
}

json Num(std::optional<double> v) { return v ? json(*v) : json(nullptr); }

double Round3(double v) { return std::round(v * 1000.0) / 1000.0; }

// p-quantile of values (nearest rank); values need not be sorted.
std::optional<double> Percentile(std::vector<double> v, double p) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  size_t idx = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
  idx = std::clamp<size_t>(idx, 1, v.size()) - 1;
  return v[idx];
}

std::string DayOf(TimePoint t) { return FormatIso8601(t).substr(0, 10); }

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool IsInvoicePosting(std::string_view event_type) {
  return StartsWith(event_type, "erp-invoice") || StartsWith(event_type, "erp-credit_memo") ||
         StartsWith(event_type, "erp-supplier_invoice");
}

bool IsAckEvent(std::string_view t) {
  return t == "purchase_order.acknowledged.v1" || t == "purchase_order.partially_confirmed.v1" ||
         t == "purchase_order.rejected.v1" || t == "purchase_order.date_changed.v1";
}

std::string PromLabel(std::string_view v) {
  std::string o;
  for (char c : v) {
    if (c == '\\' || c == '"') o += '\\';
    if (c == '\n') {
      o += "\\n";
      continue;
    }
    o += c;
  }
  return o;
}

}  // namespace

struct Measures::State {
  store::Store& store;
  const config::Config& cfg;
  const Clock& clock;
  MeasureOptions opts;

  std::mutex refresh_mu;  // one refresh at a time
  mutable std::mutex mu;  // everything below

  bool primed = false;
  int64_t seq_events = 0, seq_aggs = 0, seq_msgs = 0, seq_exc = 0;
  std::map<int64_t, Bucket> minutes;  // unix minute -> bucket
  std::unordered_map<std::string, std::pair<TimePoint, std::string>> po_sent;
  std::unordered_set<std::string> po_acked;
  std::deque<AckRec> acks;
  std::map<std::string, OrderRec> orders;
  std::deque<FlagRec> shipments, invoices;
  std::deque<CountRec> dead_letters, retries;
  std::map<std::string, std::map<std::string, DayCounts>> days;

  std::vector<store::ExceptionAging> aging;
  std::vector<OverdueRec> overdue;
  std::vector<SyncRec> sync;
  store::QueueStats queues;
  TimePoint refreshed{};
  std::string snapshot = "{}";
  std::string prom;

  std::thread thread;
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopping = false;

  State(store::Store& s, const config::Config& c, const Clock& k, MeasureOptions o)
      : store(s), cfg(c), clock(k), opts(o) {}

  int AckDueHours(const std::string& partner) const {
    const config::Partner* p = cfg.FindPartner(partner);
    return p ? p->sla.ack_due_hours : 0;
  }
  bool Strategic(const std::string& partner) const {
    const config::Partner* p = cfg.FindPartner(partner);
    return p && p->strategic;
  }

  Bucket& BucketAt(TimePoint t) { return minutes[ToUnixMillis(t) / kMinuteMs]; }

  // ---- folding log records ----

  void FoldMessage(const store::LogRecord& r) {
    auto& d = days[DayOf(r.at)][r.partner_id];
    if (r.type == "in") {
      ++d.in;
      ++BucketAt(r.at).received;
    } else if (r.type == "out") {
      ++d.out;
    }
  }

  void FoldEvent(const store::LogRecord& r) {
    const std::string& t = r.type;
    const bool retry = t == "step.retry_scheduled" || t == "delivery.retry_scheduled";
    const bool dead = t == "step.dead_lettered" || t == "delivery.dead_lettered";
    const bool ok = t == "step.succeeded" || t == "delivery.succeeded";
    const bool decoded = t == "document.decoded" && r.subject == "shipment";
    if (!retry && !dead && !ok && !decoded) return;
    json d = json::parse(r.detail_json.empty() ? "{}" : r.detail_json, nullptr, false);
    if (!d.is_object()) d = json::object();
    const std::string partner = d.value("partner", "");
    Bucket& b = BucketAt(r.at);
    if (ok) {
      ++b.processed;
      if (t == "step.succeeded" && d.contains("duration_ms") && d["duration_ms"].is_number()) {
        b.latency.Add(d["duration_ms"].get<double>());
      }
      if (t == "delivery.succeeded" && IsInvoicePosting(d.value("event_type", ""))) {
        invoices.push_back({r.at, partner, true});
      }
    } else if (retry) {
      ++b.retries;
      retries.push_back({r.at, partner});
    } else if (dead) {
      ++b.failed;
      ++b.dead_letters;
      dead_letters.push_back({r.at, partner});
      if (t == "delivery.dead_lettered" && IsInvoicePosting(d.value("event_type", ""))) {
        invoices.push_back({r.at, partner, false});
      }
    } else if (decoded) {
      const auto gaps = d.find("gaps");
      shipments.push_back({r.at, partner, gaps == d.end() || !gaps->is_array() || gaps->empty()});
    }
  }

  // The time a PO was sent, from memory or (sent before the replayed history) its timeline.
  std::optional<std::pair<TimePoint, std::string>> SentAt(const std::string& po) {
    auto it = po_sent.find(po);
    if (it != po_sent.end()) return it->second;
    auto tl = store.AggregateTimeline("purchase_order", po);
    if (!tl.ok()) return std::nullopt;
    for (const auto& e : *tl) {
      if (e.type == "purchase_order.sent.v1") {
        auto rec = store.GetAggregate("purchase_order", po);
        std::string partner = rec.ok() && rec->has_value() ? (*rec)->partner_id : std::string();
        po_sent[po] = {e.at, partner};
        return po_sent[po];
      }
    }
    return std::nullopt;
  }

  void FoldAggregate(const store::LogRecord& r) {
    if (r.aggregate_type == "purchase_order") {
      if (r.type == "purchase_order.sent.v1") {
        po_sent[r.aggregate_id] = {r.at, r.partner_id};
      } else if (IsAckEvent(r.type)) {
        if (!po_acked.insert(r.aggregate_id).second) return;  // the first acknowledgment counts
        auto sent = SentAt(r.aggregate_id);
        if (!sent) return;
        AckRec a;
        a.at = r.at;
        a.partner = r.partner_id.empty() ? sent->second : r.partner_id;
        a.po = r.aggregate_id;
        a.latency_s = std::max<int64_t>(0, ToUnixMillis(r.at) - ToUnixMillis(sent->first)) / 1000.0;
        const int due = AckDueHours(a.partner);
        a.has_due = due > 0;
        a.on_time = !a.has_due || a.latency_s <= due * 3600.0;
        acks.push_back(std::move(a));
      }
    } else if (r.aggregate_type == "sales_order") {
      if (r.type == "sales_order.received.v1") {
        OrderRec o;
        o.received = r.at;
        o.partner = r.partner_id;
        orders.emplace(r.aggregate_id, o);
        return;
      }
      auto it = orders.find(r.aggregate_id);
      if (it == orders.end()) return;  // received before the history we keep
      if (r.type == "sales_order.accepted.v1") it->second.accepted = true;
      if (r.type == "sales_order.on_hold.v1") it->second.held = true;
      if (r.type == "sales_order.cancelled.v1" && !it->second.accepted) it->second.rejected = true;
    }
  }

  void FoldException(const store::LogRecord& r) {
    ++BucketAt(r.at).exceptions;
    ++days[DayOf(r.at)][r.partner_id].exceptions;
  }

  void Prune(TimePoint now) {
    const TimePoint minute_floor = now - Millis(kDayMs + kMinuteMs);
    const TimePoint hist_floor = now - Millis(int64_t{opts.history_days} * kDayMs);
    while (!minutes.empty() && minutes.begin()->first * kMinuteMs < ToUnixMillis(minute_floor)) {
      minutes.erase(minutes.begin());
    }
    auto prune = [&](auto& dq, TimePoint floor) {
      while (!dq.empty() && dq.front().at < floor) dq.pop_front();
    };
    prune(acks, hist_floor);
    prune(shipments, hist_floor);
    prune(invoices, hist_floor);
    prune(dead_letters, hist_floor);
    prune(retries, hist_floor);
    for (auto it = orders.begin(); it != orders.end();) {
      it = it->second.received < hist_floor ? orders.erase(it) : std::next(it);
    }
    for (auto it = po_sent.begin(); it != po_sent.end();) {
      if (it->second.first < hist_floor) {
        po_acked.erase(it->first);
        it = po_sent.erase(it);
      } else {
        ++it;
      }
    }
    const std::string first_day = DayOf(hist_floor);
    while (!days.empty() && days.begin()->first < first_day) days.erase(days.begin());
  }

  // ---- reading ----

  Status Drain(store::Log log, int64_t* seq,
               const std::function<void(const store::LogRecord&)>& fold) {
    for (int rounds = 0; rounds < 1000; ++rounds) {
      auto batch = store.ReadLog(log, *seq, opts.read_batch);
      if (!batch.ok()) return batch.error();
      if (batch->empty()) return Status::Ok();
      {
        std::lock_guard<std::mutex> lock(mu);
        for (const auto& r : *batch) fold(r);
      }
      *seq = batch->back().seq;
      if (static_cast<int>(batch->size()) < opts.read_batch) return Status::Ok();
    }
    return Status::Ok();
  }

  Status Refresh() {
    std::lock_guard<std::mutex> guard(refresh_mu);
    const TimePoint now = clock.Now();
    if (!primed) {
      const TimePoint hist = now - Millis(int64_t{opts.history_days} * kDayMs);
      auto a = store.LogSeqBefore(store::Log::kAggregateEvents, hist);
      auto m = store.LogSeqBefore(store::Log::kMessages, hist);
      auto x = store.LogSeqBefore(store::Log::kExceptions, hist);
      auto e = store.LogSeqBefore(store::Log::kEvents, now - Millis(kDayMs));
      if (!a.ok()) return a.error();
      if (!m.ok()) return m.error();
      if (!x.ok()) return x.error();
      if (!e.ok()) return e.error();
      seq_aggs = *a;
      seq_msgs = *m;
      seq_exc = *x;
      seq_events = *e;
      primed = true;
    }
    CD_RETURN_IF_ERROR(Drain(store::Log::kMessages, &seq_msgs,
                             [this](const store::LogRecord& r) { FoldMessage(r); }));
    CD_RETURN_IF_ERROR(Drain(store::Log::kEvents, &seq_events,
                             [this](const store::LogRecord& r) { FoldEvent(r); }));
    CD_RETURN_IF_ERROR(Drain(store::Log::kAggregateEvents, &seq_aggs,
                             [this](const store::LogRecord& r) { FoldAggregate(r); }));
    CD_RETURN_IF_ERROR(Drain(store::Log::kExceptions, &seq_exc,
                             [this](const store::LogRecord& r) { FoldException(r); }));

    auto aging_r = store.OpenExceptionsByAge(now);
    if (!aging_r.ok()) return aging_r.error();
    auto latest = store.LatestDocuments("inventory_advice");
    if (!latest.ok()) return latest.error();
    auto stats = store.Stats();
    if (!stats.ok()) return stats.error();
    store::AggregateFilter f;
    f.type = "purchase_order";
    f.status = "sent";
    f.limit = 1000;
    auto sent = store.ListAggregates(f);
    if (!sent.ok()) return sent.error();

    std::lock_guard<std::mutex> lock(mu);
    aging = std::move(*aging_r);
    queues = *stats;
    BucketAt(now).queue_depth = queues.work_pending + queues.work_leased +
                                queues.deliveries_pending + queues.deliveries_leased;
    // Inventory sources: every partner that sent a snapshot, and every ERP / warehouse partner
    // that is configured to send them but never has.
    sync.clear();
    std::set<std::string> seen;
    for (const auto& l : *latest) {
      sync.push_back({l.partner_id, l.at, l.key});
      seen.insert(l.partner_id);
    }
    for (const auto& p : cfg.partners) {
      if (seen.count(p.id)) continue;
      const bool pulled = p.transport.type == "tryton" && p.transport.pull_interval_ms > 0;
      if ((p.kind == "erp" || p.kind == "warehouse" || p.kind == "3pl") &&
          (p.FindRoute("inventory_advice", "in") || pulled)) {
        sync.push_back({p.id, std::nullopt, ""});
      }
    }
    overdue.clear();
    for (const auto& a : *sent) {
      json st = json::parse(a.state_json, nullptr, false);
      if (!st.is_object() || !st.value("ack_overdue", false)) continue;
      OverdueRec o;
      o.po = a.id;
      o.partner = a.partner_id.empty() ? st.value("supplier", "") : a.partner_id;
      o.strategic = Strategic(o.partner);
      if (auto s = SentAt(a.id)) {
        o.sent_at = s->first;
        const int due = AckDueHours(o.partner);
        if (due > 0) o.due_at = s->first + Millis(int64_t{due} * 3'600'000);
      }
      overdue.push_back(std::move(o));
    }
    Prune(now);
    refreshed = now;
    snapshot = BuildSnapshot(now).dump();
    prom = BuildProm(now);
    return Status::Ok();
  }

  // ---- computing (mu held) ----

  struct AckStats {
    std::vector<double> latencies;
    int64_t due = 0, on_time = 0;
  };
  std::map<std::string, AckStats> AcksByPartner(TimePoint since) const {
    std::map<std::string, AckStats> m;
    for (const auto& a : acks) {
      if (a.at < since) continue;
      auto& s = m[a.partner];
      s.latencies.push_back(a.latency_s);
      if (a.has_due) {
        ++s.due;
        if (a.on_time) ++s.on_time;
      }
    }
    // A PO still unacknowledged past its due time is a missed acknowledgment.
    for (const auto& o : overdue) ++m[o.partner].due;
    return m;
  }

  struct OrderStats {
    int64_t received = 0, accepted = 0, held = 0, rejected = 0;
  };
  OrderStats Orders(TimePoint since, const std::string& partner = {}) const {
    OrderStats s;
    for (const auto& [id, o] : orders) {
      if (o.received < since || (!partner.empty() && o.partner != partner)) continue;
      ++s.received;
      if (o.accepted) ++s.accepted;
      if (o.held) ++s.held;
      if (o.rejected) ++s.rejected;
    }
    return s;
  }

  static std::pair<int64_t, int64_t> Flags(const std::deque<FlagRec>& dq, TimePoint since,
                                           const std::string& partner = {}) {
    int64_t total = 0, ok = 0;
    for (const auto& f : dq) {
      if (f.at < since || (!partner.empty() && f.partner != partner)) continue;
      ++total;
      if (f.ok) ++ok;
    }
    return {total, ok};
  }

  static int64_t Count(const std::deque<CountRec>& dq, TimePoint since,
                       const std::string& partner = {}) {
    int64_t n = 0;
    for (const auto& c : dq) {
      if (c.at >= since && (partner.empty() || c.partner == partner)) ++n;
    }
    return n;
  }

  json BuildSnapshot(TimePoint now) const {
    const TimePoint since = now - opts.window;
    json j;
    j["at"] = FormatIso8601(now);
    j["window_seconds"] = opts.window.count() / 1000;
    const OrderStats os = Orders(since);
    j["order_acceptance"] = {{"received", os.received},
                             {"accepted", os.accepted},
                             {"held", os.held},
                             {"rejected", os.rejected},
                             {"rate", Num(Ratio(os.accepted, os.received))}};
    json lat = json::array(), sla = json::array();
    for (const auto& [partner, s] : AcksByPartner(since)) {
      if (!s.latencies.empty()) {
        lat.push_back({{"partner", partner},
                       {"count", s.latencies.size()},
                       {"p50_seconds", Num(Percentile(s.latencies, 0.5))},
                       {"p95_seconds", Num(Percentile(s.latencies, 0.95))}});
      }
      if (s.due > 0) {
        sla.push_back({{"partner", partner},
                       {"acks_due", s.due},
                       {"acks_on_time", s.on_time},
                       {"compliance", Num(Ratio(s.on_time, s.due))}});
      }
    }
    j["po_ack_latency"] = lat;
    j["partner_sla"] = sla;
    json od = json::array();
    for (const auto& o : overdue) {
      od.push_back({{"po_number", o.po},
                    {"partner", o.partner},
                    {"strategic", o.strategic},
                    {"sent_at", o.sent_at ? json(FormatIso8601(*o.sent_at)) : json(nullptr)},
                    {"due_at", o.due_at ? json(FormatIso8601(*o.due_at)) : json(nullptr)}});
    }
    j["overdue_acks"] = {{"count", overdue.size()}, {"items", od}};
    json syn = json::array();
    for (const auto& s : sync) {
      syn.push_back({{"source", s.source},
                     {"last_sync_at", s.last ? json(FormatIso8601(*s.last)) : json(nullptr)},
                     {"lag_seconds",
                      s.last ? json(Round3((ToUnixMillis(now) - ToUnixMillis(*s.last)) / 1000.0))
                             : json(nullptr)},
                     {"snapshot", s.key}});
    }
    j["inventory_sync_lag"] = syn;
    {
      auto [total, ok] = Flags(shipments, since);
      std::map<std::string, std::pair<int64_t, int64_t>> by;
      for (const auto& f : shipments) {
        if (f.at < since) continue;
        ++by[f.partner].first;
        if (f.ok) ++by[f.partner].second;
      }
      json bp = json::array();
      for (const auto& [p, v] : by) {
        bp.push_back({{"partner", p},
                      {"total", v.first},
                      {"complete", v.second},
                      {"rate", Num(Ratio(v.second, v.first))}});
      }
      j["shipment_completeness"] = {
          {"total", total}, {"complete", ok}, {"rate", Num(Ratio(ok, total))}, {"by_partner", bp}};
    }
    {
      auto [total, ok] = Flags(invoices, since);
      j["invoice_posting"] = {
          {"succeeded", ok}, {"failed", total - ok}, {"rate", Num(Ratio(ok, total))}};
    }
    {
      int64_t open = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0;
      json rows = json::array();
      for (const auto& a : aging) {
        open += a.count;
        b1 += a.lt_1h;
        b2 += a.h1_4;
        b3 += a.h4_24;
        b4 += a.gt_24h;
        rows.push_back(
            {{"type", a.type},
             {"partner", a.partner_id},
             {"count", a.count},
             {"oldest_at", FormatIso8601(a.oldest)},
             {"by_age",
              {{"lt_1h", a.lt_1h}, {"1h_4h", a.h1_4}, {"4h_24h", a.h4_24}, {"gt_24h", a.gt_24h}}}});
      }
      j["exceptions"] = {{"open", open},
                         {"by_age", {{"lt_1h", b1}, {"1h_4h", b2}, {"4h_24h", b3}, {"gt_24h", b4}}},
                         {"by_type_partner", rows}};
    }
    j["queues"] = {{"work_pending", queues.work_pending + queues.work_leased},
                   {"deliveries_pending", queues.deliveries_pending + queues.deliveries_leased},
                   {"dead_letters_open", queues.dead_letters_open},
                   {"retries_window", Count(retries, since)},
                   {"dead_letters_window", Count(dead_letters, since)}};
    return j;
  }

  std::string BuildProm(TimePoint now) const {
    const TimePoint since = now - opts.window;
    std::string o;
    auto head = [&](const char* name, const char* help) {
      o += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n";
    };
    auto line = [&](const std::string& name, const std::string& labels, double v) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.6g", v);
      o += name + (labels.empty() ? "" : "{" + labels + "}") + " " + buf + "\n";
    };
    const OrderStats os = Orders(since);
    if (auto r = Ratio(os.accepted, os.received)) {
      head("crossdock_measure_order_acceptance_ratio",
           "Orders received in the last 24 hours that were accepted");
      line("crossdock_measure_order_acceptance_ratio", "", *r);
    }
    const auto acks_by = AcksByPartner(since);
    head("crossdock_measure_po_ack_latency_seconds",
         "Purchase-order acknowledgment latency per supplier, last 24 hours");
    for (const auto& [p, s] : acks_by) {
      if (s.latencies.empty()) continue;
      line("crossdock_measure_po_ack_latency_seconds",
           "partner=\"" + PromLabel(p) + "\",quantile=\"0.5\"", *Percentile(s.latencies, 0.5));
      line("crossdock_measure_po_ack_latency_seconds",
           "partner=\"" + PromLabel(p) + "\",quantile=\"0.95\"", *Percentile(s.latencies, 0.95));
    }
    head("crossdock_measure_partner_sla_compliance_ratio",
         "Acknowledgments received within the partner's SLA, last 24 hours");
    for (const auto& [p, s] : acks_by) {
      if (auto r = Ratio(s.on_time, s.due)) {
        line("crossdock_measure_partner_sla_compliance_ratio", "partner=\"" + PromLabel(p) + "\"",
             *r);
      }
    }
    head("crossdock_measure_po_ack_overdue", "Purchase orders past their acknowledgment due time");
    {
      std::map<std::string, int64_t> by;
      for (const auto& p : cfg.partners) {
        if (p.sla.ack_due_hours > 0) by[p.id] = 0;
      }
      for (const auto& od : overdue) ++by[od.partner];
      for (const auto& [p, n] : by) {
        line("crossdock_measure_po_ack_overdue", "partner=\"" + PromLabel(p) + "\"", double(n));
      }
    }
    head("crossdock_measure_inventory_sync_lag_seconds",
         "Seconds since the newest inventory snapshot per source");
    for (const auto& s : sync) {
      if (!s.last) continue;
      line("crossdock_measure_inventory_sync_lag_seconds", "source=\"" + PromLabel(s.source) + "\"",
           (ToUnixMillis(now) - ToUnixMillis(*s.last)) / 1000.0);
    }
    {
      std::map<std::string, std::pair<int64_t, int64_t>> by;
      for (const auto& f : shipments) {
        if (f.at < since) continue;
        ++by[f.partner].first;
        if (f.ok) ++by[f.partner].second;
      }
      head("crossdock_measure_shipment_completeness_ratio",
           "Ship notices with carrier, tracking, date and every item quantity, last 24 hours");
      for (const auto& [p, v] : by) {
        line("crossdock_measure_shipment_completeness_ratio", "partner=\"" + PromLabel(p) + "\"",
             double(v.second) / double(v.first));
      }
    }
    {
      auto [total, ok] = Flags(invoices, since);
      if (total > 0) {
        head("crossdock_measure_invoice_posting_success_ratio",
             "Invoice postings to the ERP that succeeded, last 24 hours");
        line("crossdock_measure_invoice_posting_success_ratio", "", double(ok) / double(total));
      }
    }
    head("crossdock_measure_exceptions_open", "Open business exceptions by type, partner and age");
    for (const auto& a : aging) {
      const std::string l =
          "type=\"" + PromLabel(a.type) + "\",partner=\"" + PromLabel(a.partner_id) + "\",age=\"";
      line("crossdock_measure_exceptions_open", l + "lt_1h\"", double(a.lt_1h));
      line("crossdock_measure_exceptions_open", l + "1h_4h\"", double(a.h1_4));
      line("crossdock_measure_exceptions_open", l + "4h_24h\"", double(a.h4_24));
      line("crossdock_measure_exceptions_open", l + "gt_24h\"", double(a.gt_24h));
    }
    head("crossdock_measure_retries_window", "Retries scheduled in the last 24 hours");
    line("crossdock_measure_retries_window", "", double(Count(retries, since)));
    head("crossdock_measure_dead_letters_window", "Dead letters in the last 24 hours");
    line("crossdock_measure_dead_letters_window", "", double(Count(dead_letters, since)));
    return o;
  }
};

Measures::Measures(store::Store& store, const config::Config& cfg, const Clock& clock,
                   MeasureOptions opts)
    : s_(std::make_unique<State>(store, cfg, clock, opts)) {}

Measures::~Measures() { Stop(); }

Status Measures::Refresh() { return s_->Refresh(); }

void Measures::Start(std::function<void()> after) {
  if (s_->thread.joinable()) return;
  {
    std::lock_guard<std::mutex> l(s_->stop_mu);
    s_->stopping = false;
  }
  s_->thread = std::thread([this, after = std::move(after)] {
    while (true) {
      Status st = s_->Refresh();
      if (!st.ok()) {
        obs::Warn("ops", "measures refresh failed", {{"error", st.error().ToString()}});
      } else if (after) {
        after();
      }
      std::unique_lock<std::mutex> l(s_->stop_mu);
      if (s_->stop_cv.wait_for(l, s_->opts.refresh, [this] { return s_->stopping; })) return;
    }
  });
}

void Measures::Stop() {
  {
    std::lock_guard<std::mutex> l(s_->stop_mu);
    s_->stopping = true;
  }
  s_->stop_cv.notify_all();
  if (s_->thread.joinable()) s_->thread.join();
}

TimePoint Measures::refreshed_at() const {
  std::lock_guard<std::mutex> l(s_->mu);
  return s_->refreshed;
}

std::string Measures::SnapshotJson() const {
  std::lock_guard<std::mutex> l(s_->mu);
  return s_->snapshot;
}

void Measures::RenderPrometheus(std::string* out) const {
  std::lock_guard<std::mutex> l(s_->mu);
  *out += s_->prom;
}

Result<std::string> Measures::SeriesJson(std::string_view range) const {
  int64_t step_min = 0, points = 0;
  if (range == "1h") {
    step_min = 1;
    points = 60;
  } else if (range == "6h") {
    step_min = 5;
    points = 72;
  } else if (range == "24h") {
    step_min = 15;
    points = 96;
  } else {
    return Error(Code::kInvalidArgument,
                 "range must be 1h, 6h or 24h (got '" + std::string(range) + "')");
  }
  std::lock_guard<std::mutex> l(s_->mu);
  const TimePoint now = s_->refreshed == TimePoint{} ? s_->clock.Now() : s_->refreshed;
  // Buckets aligned to the step; the last one holds now.
  const int64_t now_min = ToUnixMillis(now) / kMinuteMs;
  const int64_t last_start = now_min - now_min % step_min;
  const int64_t first_start = last_start - (points - 1) * step_min;
  json pts = json::array();
  auto it = s_->minutes.lower_bound(first_start);
  for (int64_t start = first_start; start <= last_start; start += step_min) {
    Bucket agg;
    int64_t depth = -1;
    for (; it != s_->minutes.end() && it->first < start + step_min; ++it) {
      const Bucket& b = it->second;
      agg.received += b.received;
      agg.processed += b.processed;
      agg.failed += b.failed;
      agg.retries += b.retries;
      agg.dead_letters += b.dead_letters;
      agg.exceptions += b.exceptions;
      agg.latency.Merge(b.latency);
      if (b.queue_depth >= 0) depth = b.queue_depth;
    }
    auto p50 = agg.latency.Quantile(0.5), p95 = agg.latency.Quantile(0.95);
    pts.push_back({{"t", FormatIso8601(FromUnixMillis(start * kMinuteMs))},
                   {"received", agg.received},
                   {"processed", agg.processed},
                   {"failed", agg.failed},
                   {"retries", agg.retries},
                   {"latency_p50_ms", p50 ? json(Round3(*p50)) : json(nullptr)},
                   {"latency_p95_ms", p95 ? json(Round3(*p95)) : json(nullptr)},
                   {"exceptions", agg.exceptions},
                   {"dead_letters", agg.dead_letters},
                   {"queue_depth", depth >= 0 ? json(depth) : json(nullptr)}});
  }
  json j = {{"range", std::string(range)}, {"step_seconds", step_min * 60}, {"points", pts}};
  return j.dump();
}

std::string Measures::ScorecardsJson(int days) const {
  days = std::clamp(days, 1, s_->opts.history_days);
  std::lock_guard<std::mutex> l(s_->mu);
  const TimePoint now = s_->refreshed == TimePoint{} ? s_->clock.Now() : s_->refreshed;
  const TimePoint since = now - Millis(int64_t{days} * kDayMs);
  std::vector<std::string> day_names;
  for (int i = days - 1; i >= 0; --i) day_names.push_back(DayOf(now - Millis(int64_t{i} * kDayMs)));
  const auto acks_by = s_->AcksByPartner(since);
  std::map<std::string, int64_t> open_exc;
  for (const auto& a : s_->aging) open_exc[a.partner_id] += a.count;
  json items = json::array();
  for (const auto& p : s_->cfg.partners) {
    json row = {{"partner", p.id}, {"name", p.name}, {"kind", p.kind}, {"strategic", p.strategic}};
    int64_t in = 0, out = 0;
    for (const auto& d : day_names) {
      auto di = s_->days.find(d);
      if (di == s_->days.end()) continue;
      auto pi = di->second.find(p.id);
      if (pi == di->second.end()) continue;
      in += pi->second.in;
      out += pi->second.out;
    }
    row["documents_in"] = in;
    row["documents_out"] = out;
    row["exceptions_open"] = open_exc.count(p.id) ? open_exc[p.id] : 0;
    row["dead_letters"] = State::Count(s_->dead_letters, since, p.id);
    int64_t overdue = 0;
    for (const auto& o : s_->overdue) {
      if (o.partner == p.id) ++overdue;
    }
    row["overdue_acks"] = overdue;
    auto ai = acks_by.find(p.id);
    if (ai != acks_by.end()) {
      row["acks"] = ai->second.latencies.size();
      row["ack_p50_seconds"] = Num(Percentile(ai->second.latencies, 0.5));
      row["ack_p95_seconds"] = Num(Percentile(ai->second.latencies, 0.95));
      row["sla_compliance"] = Num(Ratio(ai->second.on_time, ai->second.due));
    } else {
      row["acks"] = 0;
      row["ack_p50_seconds"] = nullptr;
      row["ack_p95_seconds"] = nullptr;
      row["sla_compliance"] = nullptr;
    }
    {
      auto [total, ok] = State::Flags(s_->shipments, since, p.id);
      row["shipment_completeness"] = Num(Ratio(ok, total));
      const State::OrderStats os = s_->Orders(since, p.id);
      row["orders"] = os.received;
      row["order_acceptance"] = Num(Ratio(os.accepted, os.received));
    }
    json trend = json::array();
    for (const auto& d : day_names) {
      int64_t n = 0, on_time = 0, due = 0;
      for (const auto& a : s_->acks) {
        if (a.partner != p.id || DayOf(a.at) != d) continue;
        ++n;
        if (a.has_due) {
          ++due;
          if (a.on_time) ++on_time;
        }
      }
      DayCounts dc;
      auto di = s_->days.find(d);
      if (di != s_->days.end()) {
        auto pi = di->second.find(p.id);
        if (pi != di->second.end()) dc = pi->second;
      }
      trend.push_back({{"day", d},
                       {"acks", n},
                       {"on_time", on_time},
                       {"compliance", Num(Ratio(on_time, due))},
                       {"documents", dc.in + dc.out},
                       {"exceptions", dc.exceptions}});
    }
    row["trend"] = trend;
    items.push_back(std::move(row));
  }
  return json({{"days", days}, {"at", FormatIso8601(now)}, {"items", items}}).dump();
}

std::vector<ScopedValue> Measures::Evaluate(const config::AlertRule& rule) const {
  std::lock_guard<std::mutex> l(s_->mu);
  const State& s = *s_;
  const TimePoint now = s.refreshed == TimePoint{} ? s.clock.Now() : s.refreshed;
  const TimePoint since = now - Millis(int64_t{rule.window_minutes} * kMinuteMs);
  std::vector<ScopedValue> out;
  auto in_scope = [&](const std::string& partner) {
    if (!rule.partners.empty() &&
        std::find(rule.partners.begin(), rule.partners.end(), partner) == rule.partners.end()) {
      return false;
    }
    if (rule.strategic_only && !s.Strategic(partner)) return false;
    return true;
  };
  // Per-partner measures: the rule's partners, else every partner that has a value.
  const std::string& m = rule.measure;
  if (m == "overdue_acks") {
    std::map<std::string, double> by;
    for (const auto& p : s.cfg.partners) {
      if (p.sla.ack_due_hours > 0 || p.kind == "supplier") by[p.id] = 0;
    }
    for (const auto& p : rule.partners) by[p];
    for (const auto& o : s.overdue) by[o.partner] += 1;
    for (const auto& [p, v] : by) {
      if (in_scope(p)) out.push_back({p, v});
    }
    return out;
  }
  if (m == "po_ack_latency_p50_seconds" || m == "po_ack_latency_p95_seconds" ||
      m == "partner_sla_compliance") {
    for (const auto& [p, st] : s.AcksByPartner(since)) {
      if (!in_scope(p)) continue;
      if (m == "partner_sla_compliance") {
        if (auto r = Ratio(st.on_time, st.due)) out.push_back({p, *r});
      } else if (auto v =
                     Percentile(st.latencies, m == "po_ack_latency_p50_seconds" ? 0.5 : 0.95)) {
        out.push_back({p, *v});
      }
    }
    return out;
  }
  if (m == "inventory_sync_lag_seconds") {
    for (const auto& sy : s.sync) {
      if (!rule.source.empty() && sy.source != rule.source) continue;
      if (!in_scope(sy.source)) continue;
      // Never synced: as stale as it can be (an alert on lag fires).
      const double lag = sy.last ? (ToUnixMillis(now) - ToUnixMillis(*sy.last)) / 1000.0 : 1e12;
      out.push_back({sy.source, lag});
    }
    return out;
  }
  // Global measures, or per listed partner.
  std::vector<std::string> scopes = rule.partners;
  if (scopes.empty()) scopes.push_back("");
  for (const auto& p : scopes) {
    const std::string scope = p.empty() ? "all" : p;
    if (m == "order_acceptance_rate") {
      const State::OrderStats os = s.Orders(since, p);
      if (auto r = Ratio(os.accepted, os.received)) out.push_back({scope, *r});
    } else if (m == "shipment_completeness_rate") {
      auto [total, ok] = State::Flags(s.shipments, since, p);
      if (auto r = Ratio(ok, total)) out.push_back({scope, *r});
    } else if (m == "invoice_posting_success_rate") {
      auto [total, ok] = State::Flags(s.invoices, since, p);
      if (auto r = Ratio(ok, total)) out.push_back({scope, *r});
    } else if (m == "exceptions_open" || m == "exception_age_seconds") {
      double count = 0;
      std::optional<TimePoint> oldest;
      for (const auto& a : s.aging) {
        if (!p.empty() && a.partner_id != p) continue;
        if (!rule.exception_type.empty() && a.type != rule.exception_type) continue;
        count += static_cast<double>(a.count);
        if (!oldest || a.oldest < *oldest) oldest = a.oldest;
      }
      if (m == "exceptions_open") {
        out.push_back({scope, count});
      } else {
        out.push_back({scope, oldest ? (ToUnixMillis(now) - ToUnixMillis(*oldest)) / 1000.0 : 0});
      }
    } else if (m == "dead_letters") {
      out.push_back({scope, double(State::Count(s.dead_letters, since, p))});
    } else if (m == "retries") {
      out.push_back({scope, double(State::Count(s.retries, since, p))});
    } else if (m == "dead_letters_open") {
      out.push_back({scope, double(s.queues.dead_letters_open)});
    } else if (m == "queue_depth") {
      out.push_back({scope, double(s.queues.work_pending + s.queues.work_leased +
                                   s.queues.deliveries_pending + s.queues.deliveries_leased)});
    }
  }
  return out;
}

}  // namespace crossdock::ops
