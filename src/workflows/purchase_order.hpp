// The purchase-order workflow: a pure state machine, (state, event) -> (new state, commands).
//
// No I/O, no clock (times come inside events), no store: the engine loads the state, applies
// the event, and commits the new state together with the commands' effects in one transaction.
// Every transition emits a CloudEvent type `purchase_order.<what>.v1`.
//
// States: draft -> pending_approval -> released -> sent -> acknowledged | partially_confirmed |
// rejected | date_changed -> shipped -> partially_received | received -> invoiced -> matched |
// discrepancy -> closed; cancelled from any state before shipment.
//
// Quantities are exact Decimals in each line's unit; a line's supply (what the hub can count on
// arriving, by date) is recomputed on every event from what the supplier confirmed, shipped and
// what was received, and handed to the inventory as SetSupply commands.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/decimal.hpp"
#include "core/result.hpp"
#include "model/documents.hpp"

namespace crossdock::workflows {

struct SupplyPart {
  Decimal quantity;
  std::string date;  // expected date (ISO), "" when unknown
};

struct PoLine {
  std::string line_number;
  std::string sku;
  std::string partner_item_id;
  std::string description;
  Decimal ordered;
  std::string uom = "EA";
  Decimal unit_price;
  std::string currency;
  std::string requested_date;
  Decimal confirmed;    // accepted by the supplier (now or later)
  Decimal backordered;  // part of confirmed that ships later
  Decimal rejected;
  std::string status = "open";       // open, confirmed, partial, rejected, changed
  std::vector<SupplyPart> schedule;  // confirmed deliveries by date (from the 855)
  Decimal shipped;
  std::string transit_date;  // expected delivery of what is in transit
  Decimal received;
  Decimal damaged;
  Decimal invoiced;
  Decimal invoiced_amount;
};

struct PurchaseOrderState {
  std::string po_number;
  std::string supplier;
  std::string warehouse;
  std::string currency = "USD";
  std::string order_date;
  std::string requested_delivery_date;
  std::string state = "draft";
  std::string reason;  // why it was raised: replenishment, recommendation, manual
  std::string approved_by;
  bool ack_overdue = false;
  Decimal total;
  std::vector<PoLine> lines;
  std::vector<std::string> shipments;  // shipment ids (ASNs) seen
  std::vector<std::string> receipts;
  std::vector<std::string> invoices;
  int64_t version = 0;
};

// ---- events ----

struct PoCreated {
  model::PurchaseOrder order;
  std::string supplier;
  std::string warehouse;
  std::string reason;
  bool needs_approval = false;
};
struct PoApproved {
  std::string by;
};
struct PoSent {
  std::string message_id;  // the 850 as stored
};
struct PoAckReceived {
  model::PurchaseOrderAck ack;
};
struct PoAckOverdue {
  std::string due_at;
};
struct PoShipmentReceived {
  model::Shipment shipment;  // only this PO's order(s) inside
};
struct PoReceiptReceived {
  model::Receipt receipt;
};
struct PoInvoiceReceived {
  model::Invoice invoice;
};
struct PoCancelled {
  std::string by;
  std::string reason;
};
using PoEvent = std::variant<PoCreated, PoApproved, PoSent, PoAckReceived, PoAckOverdue,
                             PoShipmentReceived, PoReceiptReceived, PoInvoiceReceived, PoCancelled>;
std::string PoEventName(const PoEvent& e);

// ---- commands (effects the engine carries out, atomically with the new state) ----

struct SendPurchaseOrder {};
struct StartAckClock {
  int hours = 0;
};
// Replaces the supply a reference contributes for a SKU at a warehouse (kind on_order or
// in_transit; ref: "po/<number>/<line>" or "asn/<id>/<line>"). Empty parts remove it.
struct SetSupply {
  std::string kind;
  std::string ref;
  std::string sku;
  std::string warehouse;
  std::string uom;
  std::vector<SupplyPart> parts;
};
struct AdjustOnHand {
  std::string sku;
  std::string warehouse;
  std::string uom;
  Decimal delta;
  std::string reason;
};
struct RaiseException {
  model::BusinessException exception;
};
// Post to the ERP through its connector: kind purchase_order, receipt, invoice.
struct PostToErp {
  std::string kind;
  std::string key;
};
struct Emit {
  std::string type;  // purchase_order.<what>.v1
};
using PoCommand = std::variant<SendPurchaseOrder, StartAckClock, SetSupply, AdjustOnHand,
                               RaiseException, PostToErp, Emit>;

struct PoPolicy {
  Decimal price_tolerance_percent;     // invoice price vs PO price
  Decimal quantity_tolerance_percent;  // invoice quantity vs received
  int ack_due_hours = 0;
};

struct PoTransition {
  PurchaseOrderState state;
  std::vector<PoCommand> commands;
};

// Applies one event. An event that does not fit the state (approving a sent PO, an 855 for a
// cancelled one) is an error with kFailedPrecondition saying so; the state is unchanged.
Result<PoTransition> Apply(const PurchaseOrderState& state, const PoEvent& event,
                           const PoPolicy& policy);

std::string ToJson(const PurchaseOrderState& s);
Result<PurchaseOrderState> PurchaseOrderStateFromJson(std::string_view json);

// The purchase order document (850 content) the state describes.
model::PurchaseOrder ToDocument(const PurchaseOrderState& s);

}  // namespace crossdock::workflows
