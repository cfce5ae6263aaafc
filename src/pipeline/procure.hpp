// Procure-to-pay glue: the steps that run the purchase-order workflow (workflows/) against the
// store, the inventory and the partners.
//
//  - "po.event" (ordered per PO: po/<number>): loads the PO, applies one event (approval, 855,
//    856, receipt, 810, acknowledgment clock, cancellation), and commits the new state together
//    with every effect: supply and on-hand changes, exceptions, CloudEvents
//    (purchase_order.<what>.v1), the 850 built from the supplier's profile and queued on its
//    transport, the acknowledgment clock (a delayed po.event), ERP postings through the ERP
//    connector, and replenishment checks for the stock it touched.
//  - "replenish" (ordered per SKU x warehouse: inv/<sku>/<warehouse>): checks the position
//    against the policy (reorder point = demand per day x lead time + safety stock) and, below
//    it, raises a PO for order-up-to minus the position, rounded to the supplier's MOQ and pack
//    multiple, held for approval above the threshold. Planning recommendations take the same
//    path with their own quantity.
//  - a decode hook that sends decoded 855/856/810/receipts to their POs and stock snapshots to
//    the positions.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "engine/engine.hpp"
#include "inventory/positions.hpp"
#include "pipeline/inbound.hpp"
#include "store/store.hpp"

namespace crossdock::pipeline {

inline constexpr const char* kPoEventStep = "po.event";
inline constexpr const char* kReplenishStep = "replenish";

struct ProcureContext {
  store::Store* store = nullptr;
  const config::Config* cfg = nullptr;
  const Clock* clock = nullptr;
  const inventory::Index* index = nullptr;
};

engine::StepDef MakePoEventStep(const ProcureContext& ctx);
engine::StepDef MakeReplenishStep(const ProcureContext& ctx);
DocumentHook MakeProcureHook(const ProcureContext& ctx);

// A po.event work item (for the API: approve, cancel).
store::WorkSpec PoEventWork(const std::string& po_number, const std::string& payload_json);
// The po.event for a partner's document about purchase order `po` (event "ack", "shipment",
// "invoice" or "receipt"): exactly what PoEventWork makes of {"document", "event", "message_id",
// "partner"}, but with the document's canonical JSON embedded as it is, not parsed and printed
// again (it runs for every 855, 856, 810 and receipt).
store::WorkSpec DocumentPoEventWork(const std::string& po, std::string_view event,
                                    const std::string& message_id, const std::string& partner,
                                    std::string_view document_json);
// Replenishment checks for every configured policy (run once at start).
std::vector<store::WorkSpec> ReplenishAll(const config::Config& cfg);
std::string PoKey(const std::string& po_number);

}  // namespace crossdock::pipeline
