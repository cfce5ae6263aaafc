// Availability publication: channels (marketplaces, B2B portals) get stock figures only when they
// change materially, in batches.
//
// The publisher watches committed inventory changes (it is handed them by the store's listener),
// and every interval compares each touched SKU x warehouse's available-to-promise-now with what
// it last published: a change is material when it moves by at least the threshold percentage, or
// crosses a bucket (out of stock, low stock at or below `low_stock`, in stock). Material changes
// of one tick become one durable "publish" work item; that step sends one CloudEvent
// `inventory.availability_changed.v1` with the whole batch, and an inventory advice (846 or the
// partner's own format) to every channel with an outbound inventory_advice route.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "engine/engine.hpp"
#include "inventory/positions.hpp"
#include "store/store.hpp"

namespace crossdock::pipeline {

inline constexpr const char* kPublishStep = "publish";

class AvailabilityPublisher {
 public:
  AvailabilityPublisher(store::Store& store, const config::Config& cfg,
                        const inventory::Index& index, const Clock& clock);
  ~AvailabilityPublisher();
  void OnChanges(const std::vector<store::InventoryChange>& changes);
  void Start();
  void Stop();
  // One tick: returns the number of material changes queued.
  int Tick();

 private:
  store::Store& store_;
  const config::Config& cfg_;
  const inventory::Index& index_;
  const Clock& clock_;
  std::mutex mu_;
  std::set<std::pair<std::string, std::string>> dirty_;
  std::map<std::pair<std::string, std::string>, Decimal> published_;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

engine::StepDef MakePublishStep(store::Store& store, const config::Config& cfg, const Clock& clock);

}  // namespace crossdock::pipeline
