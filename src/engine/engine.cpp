#include "engine/engine.hpp"

#include <chrono>

#include "core/ids.hpp"
#include "core/strings.hpp"
#include "obs/log.hpp"

namespace crossdock::engine {

using ItemResult = store::Store::ItemResult;
using store::Queue;
using store::QueueItem;
using Kind = store::Store::ItemResult::Kind;

namespace {
int64_t MillisSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               t0)
      .count();
}
}  // namespace

Engine::Engine(store::Store& store, const config::EngineConfig& cfg, obs::Registry& metrics,
               const Clock& clock)
    : store_(store),
      cfg_(cfg),
      metrics_(metrics),
      clock_(clock),
      rng_(std::random_device{}()),
      node_id_(NewId().substr(24)) {}

Engine::~Engine() { Shutdown(Millis(0)); }

void Engine::RegisterStep(StepDef def) { steps_[def.name] = std::move(def); }

void Engine::AddDestination(const config::Destination& cfg, std::unique_ptr<Destination> dest) {
  auto ds = std::make_unique<DestState>();
  ds->cfg = cfg;
  ds->dest = std::move(dest);
  ds->bucket = std::make_unique<TokenBucket>(cfg.rate_per_second, cfg.burst, clock_.Now());
  const obs::Labels l{{"destination", cfg.id}};
  ds->latency = &metrics_.GetHistogram("crossdock_delivery_duration_seconds",
                                       "Time to deliver to a destination, per attempt", l);
  ds->delivered = &metrics_.GetCounter("crossdock_deliveries_total", "Delivery attempts by outcome",
                                       {{"destination", cfg.id}, {"outcome", "delivered"}});
  ds->retried = &metrics_.GetCounter("crossdock_deliveries_total", "Delivery attempts by outcome",
                                     {{"destination", cfg.id}, {"outcome", "retry"}});
  ds->dead = &metrics_.GetCounter("crossdock_deliveries_total", "Delivery attempts by outcome",
                                  {{"destination", cfg.id}, {"outcome", "dead_letter"}});
  dests_[cfg.id] = std::move(ds);
}

void Engine::Start() {
  if (started_.exchange(true)) return;
  running_ = true;
  for (int i = 0; i < std::max(1, cfg_.workers); ++i) {
    threads_.emplace_back([this, i] { WorkerLoop(i); });
  }
  threads_.emplace_back([this] { DispatcherLoop(); });
  obs::Info("engine", "started",
            {{"workers", cfg_.workers},
             {"steps", static_cast<long>(steps_.size())},
             {"destinations", static_cast<long>(dests_.size())}});
}

void Engine::Notify(Queue q) {
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    if (q == Queue::kWork) {
      ++work_signal_;
    } else {
      ++delivery_signal_;
    }
  }
  if (q == Queue::kWork) {
    wake_work_.notify_all();
  } else {
    wake_delivery_.notify_all();
  }
}

void Engine::WaitForWork(Queue q, Millis max_wait) {
  std::unique_lock<std::mutex> lock(wake_mu_);
  uint64_t& sig = q == Queue::kWork ? work_signal_ : delivery_signal_;
  auto& cv = q == Queue::kWork ? wake_work_ : wake_delivery_;
  const uint64_t seen = sig;
  cv.wait_for(lock, max_wait, [&] { return sig != seen || !running_; });
}

void Engine::Shutdown(Millis grace) {
  if (!started_) return;
  if (running_.exchange(false)) {
    obs::Info("engine", "draining", {{"grace_ms", static_cast<long long>(grace.count())}});
  }
  wake_work_.notify_all();
  wake_delivery_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (deliveries_in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

ItemResult Engine::RunStep(const StepDef& def, const QueueItem& item) {
  ItemResult r;
  r.item = item;
  const auto t0 = std::chrono::steady_clock::now();
  StepResult sr;
  try {
    sr = def.run(item);
  } catch (const std::exception& e) {
    // A step that throws has a bug for this input: the item goes to the dead-letter queue with
    // what was thrown (replayable once fixed) instead of taking the hub down, and down again
    // on the same item after every restart.
    sr.kind = StepResult::Kind::kFail;
    sr.error = Error(Code::kInternal, "step " + def.name + " threw: " + e.what());
  } catch (...) {
    sr.kind = StepResult::Kind::kFail;
    sr.error = Error(Code::kInternal, "step " + def.name + " threw a non-standard exception");
  }
  const int64_t ms = MillisSince(t0);
  metrics_.GetHistogram("crossdock_step_duration_seconds", "Step run time", {{"step", def.name}})
      .ObserveMicros(std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::steady_clock::now() - t0)
                         .count());
  if (sr.kind == StepResult::Kind::kDone) {
    r.kind = Kind::kComplete;
    r.completion = std::move(sr.completion);
    r.completion.duration_ms = ms;
    return r;
  }
  const Error err = sr.error.value_or(Error(Code::kInternal, "step failed without an error"));
  r.error.at = clock_.Now();
  r.error.code = std::string(CodeName(err.code()));
  r.error.message = err.ToString();
  r.error.duration_ms = ms;
  if (sr.kind == StepResult::Kind::kRetry && AttemptsLeft(def.retry, item.attempts)) {
    std::lock_guard<std::mutex> lock(rng_mu_);
    r.kind = Kind::kRetry;
    r.retry_at = clock_.Now() + BackoffDelay(def.retry, item.attempts, sr.retry_after, rng_);
    metrics_
        .GetCounter("crossdock_retries_total", "Attempts scheduled for retry",
                    {{"queue", "work"}, {"name", def.name}})
        .Inc();
  } else {
    r.kind = Kind::kDeadLetter;
    r.reason = sr.kind == StepResult::Kind::kFail
                   ? "step '" + def.name + "' failed permanently: " + err.ToString()
                   : "step '" + def.name + "' gave up after " + std::to_string(item.attempts) +
                         " attempts: " + err.ToString();
    metrics_
        .GetCounter("crossdock_dead_letters_total", "Items moved to the dead-letter queue",
                    {{"queue", "work"}, {"name", def.name}})
        .Inc();
  }
  return r;
}

void Engine::WorkerLoop(int index) {
  uint64_t round = 0;
  const Millis lease(static_cast<int64_t>(cfg_.lease_seconds) * 1000);
  while (running_) {
    store::ClaimRequest req;
    req.queue = Queue::kWork;
    req.owner = node_id_ + "/w" + std::to_string(index) + "/" + std::to_string(++round);
    req.limit = cfg_.claim_batch;
    req.max_per_key = 64;
    for (const auto& [name, def] : steps_) {
      if (def.runs_ok) req.run_names.push_back(name);
    }
    if (req.run_names.empty()) req.max_per_key = 1;
    req.lease = lease;
    req.now = clock_.Now();
    auto claimed = store_.Claim(req);
    if (!claimed.ok()) {
      obs::Warn("engine", "claim failed", {{"error", claimed.error().ToString()}});
      WaitForWork(Queue::kWork, Millis(cfg_.poll_interval_ms));
      continue;
    }
    if (claimed->empty()) {
      WaitForWork(Queue::kWork, Millis(cfg_.poll_interval_ms));
      continue;
    }
    in_flight_ += static_cast<int>(claimed->size());
    std::vector<ItemResult> results;
    results.reserve(claimed->size());
    std::map<std::string, int> seen_key;      // items of this key already run in this batch
    std::map<std::string, bool> stopped_key;  // an earlier item of the key must be retried
    for (QueueItem& item : *claimed) {
      auto def_it = steps_.find(item.name);
      const bool stop = stopped_key[item.ordering_key] || !running_;
      const bool not_first = seen_key[item.ordering_key]++ > 0;
      if (stop || (def_it != steps_.end() && !def_it->second.runs_ok && not_first)) {
        ItemResult r;
        r.kind = Kind::kRelease;
        r.item = std::move(item);
        results.push_back(std::move(r));
        continue;
      }
      if (def_it == steps_.end()) {
        ItemResult r;
        r.kind = Kind::kDeadLetter;
        r.item = item;
        r.error.at = clock_.Now();
        r.error.code = "no_handler";
        r.error.message = "no step named '" + item.name + "' is registered in this hub";
        r.reason = r.error.message;
        results.push_back(std::move(r));
        continue;
      }
      ItemResult r = RunStep(def_it->second, item);
      if (r.kind == Kind::kRetry) stopped_key[item.ordering_key] = true;
      results.push_back(std::move(r));
    }
    std::vector<QueueItem> committed_items;
    committed_items.reserve(results.size());
    for (const auto& r : results) committed_items.push_back(r.item);
    std::vector<Kind> kinds;
    for (const auto& r : results) kinds.push_back(r.kind);
    auto statuses = store_.Finish(std::move(results));
    // What did not commit is given back at once (it is still ours unless its lease was taken),
    // so it runs again without waiting for the lease to expire.
    std::vector<ItemResult> give_back;
    for (size_t i = 0; i < statuses.size(); ++i) {
      if (statuses[i].ok()) continue;
      if (statuses[i].code() == Code::kConflict &&
          statuses[i].error().message().find("given back") != std::string::npos) {
        continue;
      }
      obs::Warn("engine", "step result not committed; the item runs again",
                {{"error", statuses[i].ToString()},
                 {"step", committed_items[i].name},
                 {"correlation_id", committed_items[i].correlation_id}});
      if (kinds[i] == Kind::kRelease) continue;
      ItemResult r;
      r.kind = Kind::kRelease;
      r.item = committed_items[i];
      give_back.push_back(std::move(r));
    }
    if (!give_back.empty()) store_.Finish(std::move(give_back));
    in_flight_ -= static_cast<int>(claimed->size());
  }
}

void Engine::DispatcherLoop() {
  uint64_t round = 0;
  while (running_) {
    if (dests_.empty()) {
      WaitForWork(Queue::kDelivery, Millis(cfg_.poll_interval_ms));
      continue;
    }
    const TimePoint now = clock_.Now();
    store::ClaimRequest req;
    req.queue = Queue::kDelivery;
    req.owner = node_id_ + "/d/" + std::to_string(++round);
    req.max_per_key = 1;
    req.now = now;
    int total = 0;
    Millis lease(static_cast<int64_t>(cfg_.lease_seconds) * 1000);
    Millis min_wait(cfg_.poll_interval_ms);
    for (auto& [id, ds] : dests_) {
      int cap = ds->cfg.max_in_flight - ds->in_flight.load();
      const int tokens = ds->bucket->Available(now);
      if (tokens <= 0) min_wait = std::min(min_wait, std::max(Millis(1), ds->bucket->Wait(now)));
      cap = std::min(cap, tokens);
      if (cap > 0) {
        req.name_limits.emplace_back(id, cap);
        total += cap;
      }
      lease = std::max(lease, ds->cfg.timeout * 2 + Millis(5000));
    }
    req.lease = lease;
    req.limit = total;
    if (total == 0) {
      WaitForWork(Queue::kDelivery, min_wait);
      continue;
    }
    auto claimed = store_.Claim(req);
    if (!claimed.ok()) {
      obs::Warn("engine", "delivery claim failed", {{"error", claimed.error().ToString()}});
      WaitForWork(Queue::kDelivery, Millis(cfg_.poll_interval_ms));
      continue;
    }
    if (claimed->empty()) {
      WaitForWork(Queue::kDelivery, min_wait);
      continue;
    }
    for (QueueItem& item : *claimed) {
      DestState* ds = dests_.at(item.name).get();
      ds->in_flight++;
      deliveries_in_flight_++;
      ds->bucket->ForceTake(1, now);
      auto t0 = std::chrono::steady_clock::now();
      ds->dest->Deliver(item, [this, ds, item, t0](DeliveryOutcome out) {
        if (out.duration_ms == 0) out.duration_ms = MillisSince(t0);
        OnDelivered(ds, item, std::move(out));
      });
    }
  }
}

void Engine::OnDelivered(DestState* ds, const QueueItem& item, DeliveryOutcome out) {
  ds->latency->Observe(static_cast<double>(out.duration_ms) / 1000.0);
  ItemResult r;
  r.item = item;
  if (out.kind == DeliveryOutcome::Kind::kDelivered) {
    r.kind = Kind::kComplete;
    r.completion.duration_ms = out.duration_ms;
    ds->delivered->Inc();
  } else if (out.code == "cancelled") {
    r.kind = Kind::kRelease;  // shutting down: not the destination's fault, not an attempt
  } else {
    r.error.at = clock_.Now();
    r.error.code = out.code;
    r.error.message = out.message;
    r.error.http_status = out.http_status;
    r.error.duration_ms = out.duration_ms;
    if (out.kind == DeliveryOutcome::Kind::kRetry && AttemptsLeft(ds->cfg.retry, item.attempts)) {
      std::lock_guard<std::mutex> lock(rng_mu_);
      r.kind = Kind::kRetry;
      r.retry_at = clock_.Now() + BackoffDelay(ds->cfg.retry, item.attempts, out.retry_after, rng_);
      ds->retried->Inc();
      metrics_
          .GetCounter("crossdock_retries_total", "Attempts scheduled for retry",
                      {{"queue", "delivery"}, {"name", ds->cfg.id}})
          .Inc();
    } else {
      r.kind = Kind::kDeadLetter;
      r.reason = out.kind == DeliveryOutcome::Kind::kReject
                     ? "destination '" + ds->cfg.id + "' rejected the delivery: " + out.message
                     : "destination '" + ds->cfg.id + "' still failing after " +
                           std::to_string(item.attempts) + " attempts: " + out.message;
      ds->dead->Inc();
      metrics_
          .GetCounter("crossdock_dead_letters_total", "Items moved to the dead-letter queue",
                      {{"queue", "delivery"}, {"name", ds->cfg.id}})
          .Inc();
    }
  }
  std::vector<ItemResult> rs;
  rs.push_back(std::move(r));
  store_.FinishAsync(std::move(rs), [this, ds](std::vector<Status> st) {
    for (const auto& s : st) {
      if (!s.ok()) obs::Warn("engine", "delivery result not committed", {{"error", s.ToString()}});
    }
    ds->in_flight--;
    deliveries_in_flight_--;
    Notify(Queue::kDelivery);
  });
}

}  // namespace crossdock::engine
