// Field lists of the canonical documents, written once and used by every visitor: the JSON
// writer, the JSON reader (with path-precise errors) and the JSON Schema generator. Internal to
// model/: include only from model/*.cpp.
//
// A visitor provides:
//   Req(name, field, doc)          required: present and, for strings, non-empty
//   Opt(name, field, doc)          optional: may be absent (empty string, nullopt, empty list)
//   Enum(name, field, values, doc) a string restricted to `values` (empty allowed unless Req'd)
#pragma once

#include <initializer_list>

#include "model/documents.hpp"

namespace crossdock::model {

using Codes = std::initializer_list<const char*>;

template <class V>
void Fields(V& v, Quantity& x) {
  v.Req("value", x.value, "exact decimal, as a string");
  v.Req("uom", x.uom, "unit of measure (X12 unit code: EA, CA, PL, ...)");
}
template <class V>
void Fields(V& v, Money& x) {
  v.Req("amount", x.amount, "exact decimal, as a string");
  v.Req("currency", x.currency, "ISO 4217 currency code");
}
template <class V>
void Fields(V& v, Address& x) {
  v.Opt("lines", x.lines, "street lines");
  v.Opt("city", x.city, "");
  v.Opt("region", x.region, "state or province code");
  v.Opt("postal_code", x.postal_code, "");
  v.Opt("country", x.country, "ISO 3166-1 alpha-2");
}
template <class V>
void Fields(V& v, PartyRef& x) {
  v.Req("role", x.role, "buyer, seller, supplier, customer, ship_to, bill_to, ship_from, ...");
  v.Opt("id", x.id, "the hub's id after cross-reference");
  v.Opt("qualifier", x.qualifier, "the partner's id qualifier as sent (N103)");
  v.Opt("code", x.code, "the partner's code as sent (N104)");
  v.Opt("name", x.name, "");
  v.Opt("address", x.address, "");
}
template <class V>
void Fields(V& v, ItemRef& x) {
  v.Opt("sku", x.sku, "the hub's item number after cross-reference");
  v.Opt("partner_item_id", x.partner_item_id, "the partner's own item number");
  v.Opt("gtin", x.gtin, "GTIN / UPC / EAN as sent");
  v.Opt("vendor_item_id", x.vendor_item_id, "supplier's part number");
  v.Opt("buyer_item_id", x.buyer_item_id, "buyer's part number");
  v.Opt("description", x.description, "");
}
template <class V>
void Fields(V& v, Reference& x) {
  v.Req("qualifier", x.qualifier, "");
  v.Req("value", x.value, "");
}
template <class V>
void Fields(V& v, Charge& x) {
  v.Enum("type", x.type, {"charge", "allowance"}, "");
  v.Req("code", x.code, "");
  v.Opt("description", x.description, "");
  v.Req("amount", x.amount, "");
}
template <class V>
void Fields(V& v, OrderLine& x) {
  v.Req("line_number", x.line_number, "");
  v.Req("item", x.item, "");
  v.Req("quantity", x.quantity, "");
  v.Opt("unit_price", x.unit_price, "");
  v.Opt("requested_date", x.requested_date, "ISO date");
  v.Opt("references", x.references, "");
  v.Opt("note", x.note, "");
}
template <class V>
void Fields(V& v, Order& x) {
  v.Req("po_number", x.po_number, "the buyer's purchase order number");
  v.Enum("purpose", x.purpose, {"original", "replace", "cancel", "change", "confirmation"}, "");
  v.Enum("order_type", x.order_type, {"standalone", "blanket", "release", "dropship", "rush"}, "");
  v.Req("order_date", x.order_date, "ISO date");
  v.Opt("currency", x.currency, "ISO 4217");
  v.Opt("requested_delivery_date", x.requested_delivery_date, "ISO date");
  v.Opt("ship_not_before", x.ship_not_before, "ISO date");
  v.Opt("cancel_after", x.cancel_after, "ISO date");
  v.Opt("payment_terms", x.payment_terms, "");
  v.Opt("ship_via", x.ship_via, "carrier SCAC or service");
  v.Opt("parties", x.parties, "");
  v.Req("lines", x.lines, "");
  v.Opt("references", x.references, "");
  v.Opt("charges", x.charges, "");
  v.Opt("note", x.note, "");
}
template <class V>
void Fields(V& v, AckDetail& x) {
  v.Enum("status", x.status,
         {"accepted", "accepted_quantity_change", "accepted_date_change", "accepted_price_change",
          "accepted_with_changes", "backordered", "rejected", "date_rescheduled", "substituted"},
         "");
  v.Opt("code", x.code, "the partner's line status code as sent (ACK01)");
  v.Req("quantity", x.quantity, "");
  v.Opt("date", x.date, "scheduled date for this part (ISO date)");
}
template <class V>
void Fields(V& v, AckLine& x) {
  v.Req("line_number", x.line_number, "");
  v.Req("item", x.item, "");
  v.Req("ordered", x.ordered, "");
  v.Opt("unit_price", x.unit_price, "");
  v.Req("details", x.details, "");
}
template <class V>
void Fields(V& v, PurchaseOrderAck& x) {
  v.Req("po_number", x.po_number, "");
  v.Opt("ack_number", x.ack_number, "");
  v.Enum("ack_type", x.ack_type,
         {"accepted", "accepted_with_changes", "accepted_no_detail", "rejected",
          "rejected_with_detail", "pending"},
         "");
  v.Opt("ack_code", x.ack_code, "BAK02 as sent");
  v.Req("ack_date", x.ack_date, "ISO date");
  v.Opt("po_date", x.po_date, "ISO date");
  v.Opt("parties", x.parties, "");
  v.Opt("lines", x.lines, "");
  v.Opt("references", x.references, "");
}
template <class V>
void Fields(V& v, ShipmentItem& x) {
  v.Opt("line_number", x.line_number, "");
  v.Req("item", x.item, "");
  v.Req("quantity", x.quantity, "");
  v.Opt("lot", x.lot, "");
  v.Opt("serial", x.serial, "");
}
template <class V>
void Fields(V& v, Pack& x) {
  v.Opt("sscc", x.sscc, "18-digit SSCC");
  v.Enum("level", x.level, {"tare", "pack"}, "pallet (tare) or carton (pack)");
  v.Opt("parent_sscc", x.parent_sscc, "");
  v.Opt("weight", x.weight, "");
  v.Opt("items", x.items, "");
}
template <class V>
void Fields(V& v, ShipmentOrder& x) {
  v.Req("po_number", x.po_number, "");
  v.Opt("order_date", x.order_date, "");
  v.Opt("packs", x.packs, "");
  v.Opt("items", x.items, "");
}
template <class V>
void Fields(V& v, Shipment& x) {
  v.Req("shipment_id", x.shipment_id, "BSN02");
  v.Enum("purpose", x.purpose, {"original", "replace", "cancel"}, "");
  v.Req("ship_date", x.ship_date, "ISO date");
  v.Opt("ship_time", x.ship_time, "HH:MM");
  v.Opt("expected_delivery_date", x.expected_delivery_date, "ISO date");
  v.Opt("carrier_scac", x.carrier_scac, "");
  v.Opt("transport_mode", x.transport_mode, "");
  v.Opt("tracking_number", x.tracking_number, "");
  v.Opt("bill_of_lading", x.bill_of_lading, "");
  v.Opt("gross_weight", x.gross_weight, "");
  v.Opt("package_count", x.package_count, "");
  v.Opt("parties", x.parties, "");
  v.Req("orders", x.orders, "");
  v.Opt("references", x.references, "");
}
template <class V>
void Fields(V& v, ReceiptLine& x) {
  v.Opt("line_number", x.line_number, "");
  v.Req("item", x.item, "");
  v.Req("received", x.received, "");
  v.Opt("damaged", x.damaged, "");
  v.Opt("expected", x.expected, "");
  v.Opt("sscc", x.sscc, "");
  v.Opt("lot", x.lot, "");
  v.Opt("note", x.note, "");
}
template <class V>
void Fields(V& v, Receipt& x) {
  v.Req("receipt_id", x.receipt_id, "");
  v.Opt("warehouse", x.warehouse, "");
  v.Opt("po_number", x.po_number, "");
  v.Opt("shipment_id", x.shipment_id, "");
  v.Req("received_at", x.received_at, "ISO 8601 instant");
  v.Req("lines", x.lines, "");
}
template <class V>
void Fields(V& v, InvoiceLine& x) {
  v.Req("line_number", x.line_number, "");
  v.Req("item", x.item, "");
  v.Req("quantity", x.quantity, "");
  v.Req("unit_price", x.unit_price, "");
  v.Opt("amount", x.amount, "extended amount");
  v.Opt("po_line_number", x.po_line_number, "");
}
template <class V>
void Fields(V& v, Invoice& x) {
  v.Req("invoice_number", x.invoice_number, "");
  v.Enum("invoice_type", x.invoice_type, {"invoice", "credit_memo", "debit_memo"}, "");
  v.Req("invoice_date", x.invoice_date, "ISO date");
  v.Opt("po_number", x.po_number, "");
  v.Opt("po_date", x.po_date, "");
  v.Opt("shipment_id", x.shipment_id, "");
  v.Opt("currency", x.currency, "");
  v.Opt("payment_terms", x.payment_terms, "");
  v.Opt("due_date", x.due_date, "");
  v.Opt("parties", x.parties, "");
  v.Req("lines", x.lines, "");
  v.Opt("charges", x.charges, "");
  v.Opt("tax", x.tax, "");
  v.Opt("total", x.total, "");
  v.Opt("references", x.references, "");
}
template <class V>
void Fields(V& v, InventoryLine& x) {
  v.Req("item", x.item, "");
  v.Opt("location", x.location, "");
  v.Opt("on_hand", x.on_hand, "");
  v.Opt("available", x.available, "");
  v.Opt("on_order", x.on_order, "");
  v.Opt("committed", x.committed, "");
  v.Opt("available_date", x.available_date, "");
}
template <class V>
void Fields(V& v, InventoryAdvice& x) {
  v.Opt("advice_id", x.advice_id, "");
  v.Req("as_of", x.as_of, "ISO 8601 instant");
  v.Enum("kind", x.kind, {"snapshot", "delta"}, "");
  v.Opt("parties", x.parties, "");
  v.Req("lines", x.lines, "");
}
template <class V>
void Fields(V& v, InventoryAdjustment& x) {
  v.Req("adjustment_id", x.adjustment_id, "");
  v.Req("sku", x.sku, "");
  v.Req("warehouse", x.warehouse, "");
  v.Req("delta", x.delta, "");
  v.Opt("reason", x.reason, "");
  v.Req("at", x.at, "ISO 8601 instant");
}
template <class V>
void Fields(V& v, ReturnLine& x) {
  v.Req("line_number", x.line_number, "");
  v.Req("item", x.item, "");
  v.Req("quantity", x.quantity, "");
  v.Opt("reason", x.reason, "");
  v.Opt("condition", x.condition, "");
  v.Opt("credit_unit_price", x.credit_unit_price, "");
}
template <class V>
void Fields(V& v, ReturnAuthorization& x) {
  v.Req("rma_number", x.rma_number, "");
  v.Req("customer", x.customer, "");
  v.Opt("order_reference", x.order_reference, "");
  v.Opt("requested_at", x.requested_at, "");
  v.Enum("status", x.status, {"requested", "authorised", "received", "credited", "rejected"}, "");
  v.Req("lines", x.lines, "");
}
template <class V>
void Fields(V& v, ForecastPeriod& x) {
  v.Req("start_date", x.start_date, "");
  v.Opt("end_date", x.end_date, "");
  v.Req("quantity", x.quantity, "");
}
template <class V>
void Fields(V& v, ForecastLine& x) {
  v.Req("item", x.item, "");
  v.Opt("location", x.location, "");
  v.Req("periods", x.periods, "");
}
template <class V>
void Fields(V& v, Forecast& x) {
  v.Req("forecast_id", x.forecast_id, "");
  v.Opt("issued_at", x.issued_at, "");
  v.Opt("horizon_start", x.horizon_start, "");
  v.Opt("horizon_end", x.horizon_end, "");
  v.Req("lines", x.lines, "");
}
template <class V>
void Fields(V& v, ReplenishmentRecommendation& x) {
  v.Opt("recommendation_id", x.recommendation_id, "");
  v.Req("sku", x.sku, "");
  v.Req("warehouse", x.warehouse, "");
  v.Opt("supplier", x.supplier, "");
  v.Req("quantity", x.quantity, "");
  v.Opt("need_by", x.need_by, "");
  v.Opt("reason", x.reason, "");
}
template <class V>
void Fields(V& v, UomConversion& x) {
  v.Req("from", x.from, "");
  v.Req("to", x.to, "");
  v.Req("factor", x.factor, "1 `from` = factor `to`");
}
template <class V>
void Fields(V& v, Item& x) {
  v.Req("sku", x.sku, "");
  v.Opt("description", x.description, "");
  v.Opt("gtin", x.gtin, "");
  v.Req("base_uom", x.base_uom, "");
  v.Opt("active", x.active, "");
  v.Opt("conversions", x.conversions, "");
  v.Opt("list_price", x.list_price, "");
}
template <class V>
void Fields(V& v, Party& x) {
  v.Req("id", x.id, "");
  v.Req("kind", x.kind, "");
  v.Opt("name", x.name, "");
  v.Opt("active", x.active, "");
  v.Opt("address", x.address, "");
  v.Opt("credit_limit", x.credit_limit, "");
}
template <class V>
void Fields(V& v, Location& x) {
  v.Req("id", x.id, "");
  v.Req("kind", x.kind, "");
  v.Opt("name", x.name, "");
  v.Opt("party", x.party, "");
  v.Opt("active", x.active, "");
  v.Opt("address", x.address, "");
}
template <class V>
void Fields(V& v, BusinessException& x) {
  v.Opt("id", x.id, "");
  v.Req("type", x.type, "");
  v.Enum("severity", x.severity, {"error", "warning"}, "");
  v.Opt("partner", x.partner, "");
  v.Opt("document_type", x.document_type, "");
  v.Opt("document_id", x.document_id, "");
  v.Opt("message_id", x.message_id, "");
  v.Opt("line", x.line, "");
  v.Opt("field", x.field, "");
  v.Opt("value", x.value, "");
  v.Req("rule", x.rule, "");
  v.Req("message", x.message, "");
  v.Enum("status", x.status, {"open", "acknowledged", "resolved"}, "");
}

}  // namespace crossdock::model
