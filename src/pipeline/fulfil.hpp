// Order-to-cash glue: runs the sales-order workflow (workflows/sales_order) against the store,
// the inventory and the partners.
//
//  - "so.event" (ordered per order: so/<customer>/<po>): received (validation: credit, price and
//    data holds; allocation against available-to-promise with warehouse preference, split or
//    ship-complete, backorders with a promise date), hold released, shipped (from the
//    warehouse), reallocated (supply moved), cancelled. Reservations are guarded in the store,
//    so racing orders never reserve more than is on hand: the loser runs again on new figures.
//    Effects: the acknowledgment (855 through the customer's profile, and a CloudEvent for API
//    customers), the release to the warehouse that holds the stock, the 856 and the invoice
//    back to the customer, ERP postings, credit exposure.
//  - "promise" (per SKU): when supply or stock of a SKU changes, every open order with a
//    backorder on it is reallocated; customers whose promise date moved are told.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "engine/engine.hpp"
#include "inventory/positions.hpp"
#include "pipeline/inbound.hpp"
#include "store/store.hpp"

namespace crossdock::pipeline {

inline constexpr const char* kSoEventStep = "so.event";
inline constexpr const char* kPromiseStep = "promise";
inline constexpr const char* kRmaEventStep = "rma.event";

struct FulfilContext {
  store::Store* store = nullptr;
  const config::Config* cfg = nullptr;
  const Clock* clock = nullptr;
  const inventory::Index* index = nullptr;
};

engine::StepDef MakeSoEventStep(const FulfilContext& ctx);
engine::StepDef MakePromiseStep(const FulfilContext& ctx);
// Returns: requested (auto-authorised when every line was shipped to the customer), decided by
// an operator, received from the warehouse (restock, credit memo to the ERP and the customer).
engine::StepDef MakeRmaEventStep(const FulfilContext& ctx);
store::WorkSpec RmaEventWork(const std::string& rma_id, const std::string& payload_json);
DocumentHook MakeFulfilHook(const FulfilContext& ctx);

std::string SoKey(const std::string& order_id);
store::WorkSpec SoEventWork(const std::string& order_id, const std::string& payload_json);
store::WorkSpec PromiseWork(const std::string& sku);

}  // namespace crossdock::pipeline
