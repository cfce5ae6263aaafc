// Scheduled pulls from Tryton: master data and stock, with change detection.
//
// The Puller reads a snapshot every `interval` (Connector::Pull) and, when it differs from the
// last one it queued (ignoring when it was taken), accepts it into the store as a message of the
// ERP partner (kind erp_snapshot), with one work item for the pull step. So every pull that found
// something new is visible like any inbound document (GET /v1/messages?partner=<erp>), with the
// changes it made in its event history.
//
// The pull step compares the snapshot with the previous one (kept as the aggregate
// erp_snapshot/<partner>) and commits, in one completion:
//  - stock: kSetOnHand for every position whose quantity changed in Tryton since the previous
//    pull, or that the hub has never had a figure for. Positions Tryton did not change keep the
//    hub's figure, so the hub's own receipts and shipments are not undone by a pull taken before
//    their postings reached Tryton; when the snapshot is older than the hub's latest figure for a
//    position, Tryton's change is applied as a delta on top of it (kAdjustOnHand). Each change
//    queues its follow-up work (replenishment, promises) through `follow_up`;
//  - events: erp.stock.changed, erp.items.changed, erp.parties.changed, erp.warehouses.changed,
//    erp.documents.changed with what changed (added, removed, field from -> to), or
//    erp.master_data.loaded the first time;
//  - the new snapshot as the aggregate's state.
//
// Snapshot shape (Connector::Pull): {"partner", "taken_at",
//   "warehouses": [{"code", "name", "location"}],
//   "items": [{"code", "sku", "name", "uom", "active", "type", "list_price"}],
//   "parties": [{"code", "partner", "name", "active"}],
//   "stock": [{"sku", "code", "warehouse", "tryton_warehouse", "quantity", "uom"}],
//   "documents": [{"model", "reference", "number", "state", "shipment_state", "invoice_state"}]}
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "connectors/tryton/connector.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "engine/engine.hpp"
#include "inventory/positions.hpp"
#include "store/store.hpp"

namespace crossdock::connectors::tryton {

inline constexpr const char* kPullStep = "erp.pull";
inline constexpr const char* kSnapshotAggregate = "erp_snapshot";
inline constexpr const char* kSnapshotKind = "erp_snapshot";

// Work to queue when the on-hand figure of (sku, warehouse) was set.
using FollowUp = std::function<std::vector<store::WorkSpec>(const std::string& sku,
                                                            const std::string& warehouse)>;

// What one snapshot changes, against the previous state (empty: the first pull).
struct PullDiff {
  std::vector<store::InventoryChange> stock;
  std::vector<store::EventRecord> events;  // type and detail_json filled
  std::string state_json;                  // the state to keep for the next comparison
  int changes = 0;                         // stock, master data and document changes in all
};

// Pure: no I/O. `index` gives the hub's current positions; `source` names the snapshot in the
// inventory changes.
Result<PullDiff> DiffSnapshot(const std::string& previous_state_json,
                              const std::string& snapshot_json, const inventory::Index& index,
                              const std::string& source);

struct PullStepDeps {
  store::Store* store = nullptr;
  const inventory::Index* index = nullptr;
  FollowUp follow_up;
  config::RetryPolicy retry;
};

engine::StepDef MakePullStep(PullStepDeps deps);

class Puller {
 public:
  Puller(store::Store& store, Connector& connector, std::string partner_id, Millis interval,
         const Clock& clock = Clock::System());
  ~Puller();
  Puller(const Puller&) = delete;
  Puller& operator=(const Puller&) = delete;

  void Start();
  void Stop();
  // One pull. True when the snapshot was new and has been accepted for the pull step.
  Result<bool> PullOnce();

 private:
  store::Store& store_;
  Connector& connector_;
  std::string partner_id_;
  Millis interval_;
  const Clock& clock_;
  std::string last_hash_;
  TimePoint last_stored_{};  // when the last snapshot was stored (unchanged ones: a heartbeat)
  std::atomic<bool> running_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace crossdock::connectors::tryton
