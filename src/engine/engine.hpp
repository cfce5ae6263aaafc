// Engine: the runtime that moves work through the hub.
//
// Step workers claim batches of work items, run the registered step for each (in order within
// an ordering key), and commit every result of the batch in one store transaction: the step's
// completion (next work, deliveries, derived messages, events), a retry with backoff, or a dead
// letter carrying every attempt's error. The delivery dispatcher claims outbox deliveries within
// each destination's concurrency and rate limits and hands them to the destination; outcomes are
// committed asynchronously. Shutdown stops claiming, lets in-flight work finish within a grace
// period and gives back what it could not finish; claimed work left by a crash is recovered by
// the store's leases.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "engine/retry.hpp"
#include "obs/metrics.hpp"
#include "store/store.hpp"

namespace crossdock::engine {

// What a step returns. A step never throws and never does the commit itself.
struct StepResult {
  enum class Kind { kDone, kRetry, kFail } kind = Kind::kDone;
  store::Completion completion;       // kDone
  std::optional<Error> error;         // kRetry / kFail: what went wrong
  std::optional<Millis> retry_after;  // kRetry: at least this long

  static StepResult Done(store::Completion c = {}) {
    StepResult r;
    r.completion = std::move(c);
    return r;
  }
  // Retryable errors (unavailable, timeouts) are retried; others go straight to dead letter.
  static StepResult FromError(Error e) {
    StepResult r;
    r.kind = e.retryable() ? Kind::kRetry : Kind::kFail;
    r.error = std::move(e);
    return r;
  }
};

struct StepDef {
  std::string name;
  std::function<StepResult(const store::QueueItem&)> run;
  config::RetryPolicy retry;
  // True when consecutive items of one key may run in one batch (the step reads no state that
  // an earlier item of the batch writes). False: one item per key per batch.
  bool runs_ok = false;
};

struct DeliveryOutcome {
  enum class Kind { kDelivered, kRetry, kReject } kind = Kind::kRetry;
  int http_status = 0;
  std::string code;     // "http_503", "timeout", "connect_failed", ...
  std::string message;  // precise, for the error history
  std::optional<Millis> retry_after;
  int64_t duration_ms = 0;
};

// A place deliveries go (webhook now; SFTP, AS2, NATS later). Deliver() starts the delivery and
// calls `done` exactly once, from any thread.
class Destination {
 public:
  virtual ~Destination() = default;
  virtual void Deliver(const store::QueueItem& item, std::function<void(DeliveryOutcome)> done) = 0;
};

class Engine {
 public:
  Engine(store::Store& store, const config::EngineConfig& cfg, obs::Registry& metrics,
         const Clock& clock = Clock::System());
  ~Engine();

  void RegisterStep(StepDef def);
  void AddDestination(const config::Destination& cfg, std::unique_ptr<Destination> dest);

  void Start();
  // Stops claiming, waits up to `grace` for in-flight work, releases the rest. Idempotent.
  void Shutdown(Millis grace);
  // Wakes idle workers (new work was committed).
  void Notify(store::Queue q);

  // For tests and readiness: number of items currently being processed.
  int InFlight() const { return in_flight_.load(); }

 private:
  struct DestState {
    config::Destination cfg;
    std::unique_ptr<Destination> dest;
    std::unique_ptr<TokenBucket> bucket;
    std::atomic<int> in_flight{0};
    obs::Histogram* latency = nullptr;
    obs::Counter* delivered = nullptr;
    obs::Counter* retried = nullptr;
    obs::Counter* dead = nullptr;
  };

  void WorkerLoop(int index);
  void DispatcherLoop();
  void WaitForWork(store::Queue q, Millis max_wait);
  store::Store::ItemResult RunStep(const StepDef& def, const store::QueueItem& item);
  void OnDelivered(DestState* ds, const store::QueueItem& item, DeliveryOutcome out);

  store::Store& store_;
  config::EngineConfig cfg_;
  obs::Registry& metrics_;
  const Clock& clock_;
  std::map<std::string, StepDef> steps_;
  std::map<std::string, std::unique_ptr<DestState>> dests_;
  std::vector<std::thread> threads_;
  std::atomic<bool> running_{false};
  std::atomic<bool> started_{false};
  std::atomic<int> in_flight_{0};
  std::atomic<int> deliveries_in_flight_{0};

  std::mutex wake_mu_;
  std::condition_variable wake_work_;
  std::condition_variable wake_delivery_;
  uint64_t work_signal_ = 0;
  uint64_t delivery_signal_ = 0;

  std::mutex rng_mu_;
  std::mt19937_64 rng_;
  std::string node_id_;
};

}  // namespace crossdock::engine
