// Inventory positions and available-to-promise, served from memory.
//
// Per SKU x warehouse the index keeps: on hand (from ERP/WMS snapshots, adjustments and
// receipts), reserved (sales-order reservations), and supply by date: on order (open purchase
// order quantity by confirmed date) and in transit (ship-notice quantity by expected date). Each
// source keeps its as-of time, so every answer says how fresh it is.
//
// The index is a projection of committed store state: the store hands it every committed
// inventory change in commit order (and the whole state at start), so a query never sees an
// uncommitted change and, once a write has been answered, sees it. Reads take a shared lock;
// lookups are two hash probes and a scan of the (few) supply entries of one SKU.
//
// Available to promise for quantity q at a warehouse: available now = on hand - reserved; then
// supply is added in date order; the promise date is the first date at which the running total
// reaches q (today when it is already there), or none.
#pragma once

#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/decimal.hpp"
#include "store/store.hpp"

namespace crossdock::inventory {

// One committed change, as the store records it (store::InventoryChange).
using Change = store::InventoryChange;

struct SupplyEntry {
  std::string kind;
  std::string ref;
  Decimal quantity;
  std::string date;
  TimePoint as_of{};
};

struct Position {
  std::string sku;
  std::string warehouse;
  std::string uom = "EA";
  Decimal on_hand;
  TimePoint on_hand_as_of{};
  std::string on_hand_source;
  Decimal reserved;
  TimePoint reserved_as_of{};
  Decimal backordered;              // promised from future supply: that supply is spoken for first
  std::vector<SupplyEntry> supply;  // sorted by date ("" last)

  Decimal OnOrder() const;
  Decimal InTransit() const;
  Decimal AvailableNow() const;
};

struct FutureBucket {
  std::string date;
  Decimal quantity;    // arriving that date
  Decimal cumulative;  // available by that date
};

struct WarehouseAtp {
  Position position;
  Decimal available_now;
  std::vector<FutureBucket> future;
  std::optional<std::string> promise_date;  // earliest date covering the quantity
};

struct AtpAnswer {
  std::string sku;
  Decimal quantity;
  std::vector<WarehouseAtp> warehouses;  // in preference order, then by promise date
  std::optional<std::string> promise_date;
  std::string promise_warehouse;
};

class Index {
 public:
  void Apply(const std::vector<Change>& changes);
  void ApplyOne(const Change& c);

  std::optional<Position> Get(const std::string& sku, const std::string& warehouse) const;
  std::vector<Position> ForSku(const std::string& sku) const;
  size_t size() const;

  // today: ISO date of "now" (the caller owns the clock). preference: warehouses to list first.
  AtpAnswer Atp(const std::string& sku, const Decimal& quantity, const std::string& today,
                const std::vector<std::string>& preference) const;

 private:
  struct SkuCells {
    std::vector<Position> cells;  // one per warehouse that has seen this SKU
  };
  Position* Cell(const std::string& sku, const std::string& warehouse, const std::string& uom);
  static WarehouseAtp Compute(const Position& p, const Decimal& quantity, const std::string& today);

  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, SkuCells> skus_;
};

}  // namespace crossdock::inventory
