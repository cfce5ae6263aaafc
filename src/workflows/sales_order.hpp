// The sales-order workflow: a pure state machine, (state, event) -> (new state, commands).
//
// States: received -> on_hold (credit, price, data) | accepted -> released (to the warehouses)
// -> partially_shipped | shipped -> invoiced -> closed; cancelled from any state before shipment;
// lines that cannot be served now are backordered with a promise date and allocated when supply
// arrives. Every transition emits a CloudEvent type `sales_order.<what>.v1`.
//
// Allocation is decided outside (it reads available-to-promise) and handed in with the event
// as a plan; the machine turns it into reservation commands that the store applies with a
// guard (never more than is on hand), so two orders racing for the last units cannot both win:
// the loser's commit fails and its step runs again on the new figures.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "core/decimal.hpp"
#include "core/result.hpp"
#include "model/documents.hpp"

namespace crossdock::workflows {

struct SoAllocation {
  std::string warehouse;
  Decimal quantity;  // reserved and not yet shipped
  Decimal released;  // of which released to the warehouse
};

struct SoLine {
  std::string line_number;
  std::string sku;
  std::string partner_item_id;
  std::string description;
  std::string substituted_from;  // the SKU ordered, when a substitute is shipped instead
  Decimal ordered;
  std::string uom = "EA";
  Decimal unit_price;
  std::string currency;
  std::vector<SoAllocation> allocations;  // reserved, per warehouse
  Decimal backordered;
  std::string backorder_warehouse;
  std::string promise_date;  // for the backordered part
  Decimal shipped;
  Decimal invoiced;
  Decimal cancelled;
  std::string status = "open";  // open, allocated, partial, backordered, shipped, cancelled
};

struct SalesOrderState {
  std::string order_id;  // the hub's key: <customer>/<po_number>
  std::string po_number;
  std::string customer;
  std::string source;  // api, x12, json
  std::string ship_to;
  std::string order_date;
  std::string requested_date;
  std::string currency = "USD";
  std::string state = "received";
  std::vector<std::string> holds;  // credit, price, data
  std::vector<std::string> hold_notes;
  bool ship_complete = false;
  Decimal total;
  std::vector<SoLine> lines;
  std::vector<std::string> shipments;
  std::vector<std::string> invoices;
  std::string cancel_reason;
  int64_t version = 0;
};

// The allocation for one line: reserve these quantities now, backorder the rest.
struct LinePlan {
  std::string line_number;
  std::vector<SoAllocation> reserve;
  Decimal backorder;
  std::string backorder_warehouse;
  std::string promise_date;
};

// ---- events ----
struct SoReceived {
  model::SalesOrder order;
  std::string customer;
  std::string source;
  std::string ship_to;
  bool ship_complete = false;
  std::vector<std::string> holds;  // decided by validation: credit, price, data
  std::vector<std::string> hold_notes;
  std::vector<LinePlan> plan;                                      // used when there is no hold
  std::vector<std::pair<std::string, std::string>> substitutions;  // line -> substitute SKU
};
struct SoHoldReleased {
  std::string hold;  // credit, price, data, or "all"
  std::string by;
  std::string note;
  std::vector<LinePlan> plan;  // for when the last hold goes
};
struct SoShipped {
  model::Shipment shipment;  // from the warehouse: what left, from where
  std::string warehouse;
};
struct SoReallocated {
  std::vector<LinePlan> plan;  // new allocation for backordered lines (supply arrived or moved)
};
struct SoCancelled {
  std::string by;
  std::string reason;
};
using SoEvent = std::variant<SoReceived, SoHoldReleased, SoShipped, SoReallocated, SoCancelled>;
std::string SoEventName(const SoEvent& e);

// ---- commands ----
// Reserve (positive) or release (negative) stock; positive deltas are guarded by availability.
struct Reserve {
  std::string sku, warehouse, uom;
  Decimal delta;
};
struct Backorder {
  std::string sku, warehouse, uom;
  Decimal delta;
};
// Goods left the warehouse: on hand and reservation both go down.
struct ConsumeStock {
  std::string sku, warehouse, uom;
  Decimal quantity;
};
struct SendAcknowledgment {};  // 855 or a webhook, per the customer's profile
struct ReleaseToWarehouse {
  std::string warehouse;
  model::SalesOrder order;  // what this warehouse is to ship now (or, purpose cancel, not ship)
};
struct SendShipmentNotice {
  std::string shipment_id;
};
struct SendInvoice {
  std::string invoice_number;
};
struct NotifyPromise {
  std::string line_number;
  std::string old_date, new_date;
};
struct SoPostToErp {
  std::string kind;  // sales_order, invoice
  std::string key;
};
struct SoRaise {
  model::BusinessException exception;
};
struct SoEmit {
  std::string type;  // sales_order.<what>.v1
};
using SoCommand =
    std::variant<Reserve, Backorder, ConsumeStock, SendAcknowledgment, ReleaseToWarehouse,
                 SendShipmentNotice, SendInvoice, NotifyPromise, SoPostToErp, SoRaise, SoEmit>;

struct SoTransition {
  SalesOrderState state;
  std::vector<SoCommand> commands;
};

Result<SoTransition> Apply(const SalesOrderState& state, const SoEvent& event);

std::string ToJson(const SalesOrderState& s);
Result<SalesOrderState> SalesOrderStateFromJson(std::string_view json);

// Documents the state produces for partners.
model::PurchaseOrderAck AckDocument(const SalesOrderState& s, const std::string& today);
model::SalesOrder WarehouseOrder(const SalesOrderState& s, const std::string& warehouse);
model::Invoice InvoiceDocument(const SalesOrderState& s, const model::Shipment& shipment,
                               const std::string& invoice_number, const std::string& today);

}  // namespace crossdock::workflows
