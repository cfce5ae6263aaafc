// The ERP partner's destination when its transport is `tryton`, and the one place that builds a
// Tryton connection from configuration.
//
// TrytonDestination runs each delivery (a posting body from the workflows) on one of its own
// threads, since a posting is a handful of synchronous calls (look up, create, quote, confirm).
// Outcomes: done -> kDelivered; Tryton down, slow, throttling or in a concurrency conflict ->
// kRetry (the engine backs off and tries again; the posting is idempotent, see connector.hpp);
// Tryton's own refusal (UserError) or data the hub cannot map -> kReject, so the delivery becomes
// a dead letter carrying the ERP's message. On shutdown, postings not started are given back
// ("cancelled") and calls in flight are aborted; their retry finds what was already created.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "connectors/tryton/client.hpp"
#include "connectors/tryton/connector.hpp"
#include "connectors/tryton/pull.hpp"
#include "engine/engine.hpp"
#include "store/store.hpp"

namespace crossdock::connectors::tryton {

// The outcome the engine gets for a posting that ended with `e` (or delivered when ok).
engine::DeliveryOutcome OutcomeFor(const Result<PushResult>& r);

class TrytonDestination final : public engine::Destination {
 public:
  TrytonDestination(Connector& connector, std::string partner_id, int threads);
  ~TrytonDestination() override;
  void Deliver(const store::QueueItem& item,
               std::function<void(engine::DeliveryOutcome)> done) override;
  // Postings not started end "cancelled"; waits for the running ones. Idempotent.
  void Stop();

 private:
  struct Job {
    store::QueueItem item;
    std::function<void(engine::DeliveryOutcome)> done;
  };
  void Run();

  Connector& connector_;
  std::string partner_id_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// Everything one Tryton ERP partner needs: the client, the connector, the destination the engine
// delivers postings to, and the scheduled pulls. Outlives the engine it is added to.
class Link {
 public:
  // From the partner's profile (transport type tryton) and the catalog (base units).
  Link(const config::Config& cfg, const config::Partner& partner);
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  const std::string& partner_id() const { return partner_id_; }
  Client& client() { return *client_; }
  Connector& connector() { return *connector_; }
  // The destination for the engine (called once; the engine owns it, this keeps a pointer).
  std::unique_ptr<engine::Destination> MakeDestination();
  // Starts pulls every `pull_interval_ms` (none when 0).
  void StartPulls(store::Store& store);
  // Stops pulls, aborts calls in flight and gives back postings not started. Idempotent.
  void Stop();

 private:
  std::string partner_id_;
  int threads_ = 2;
  Millis pull_interval_{0};
  std::atomic<bool> abort_{false};
  std::unique_ptr<Client> client_;
  std::unique_ptr<Connector> connector_;
  TrytonDestination* destination_ = nullptr;  // owned by the engine
  std::unique_ptr<Puller> puller_;
};

}  // namespace crossdock::connectors::tryton
