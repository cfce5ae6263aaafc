// The canonical distribution model: the one shape every partner format is mapped to and from.
//
// Rules every document follows:
//  - Quantities and money are exact Decimals, never doubles; a Quantity always carries its unit
//    of measure (X12 unit codes: EA, CA, PL, BX, ...), an amount always its ISO 4217 currency.
//  - Dates are ISO 8601 calendar dates ("2026-11-23"), times ISO 8601 UTC instants.
//  - Items are identified by the hub's SKU once cross-referenced; what the partner sent (its item
//    id, GTIN/UPC, vendor or buyer part number) is kept beside it.
//  - Parties and locations carry the partner's qualifier and code as sent, and the hub's id once
//    cross-referenced.
//  - Documents are (de)serialised as JSON (model/json.hpp) and described by JSON Schemas in
//    schemas/v1/, generated from the same field lists (so they cannot drift).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/decimal.hpp"

namespace crossdock::model {

struct Quantity {
  Decimal value;
  std::string uom;  // X12 unit code
};

struct Money {
  Decimal amount;
  std::string currency;  // ISO 4217
};

struct Address {
  std::vector<std::string> lines;
  std::string city;
  std::string region;  // state or province code
  std::string postal_code;
  std::string country;  // ISO 3166-1 alpha-2
};

// A party or location named in a document (N1 loop in X12).
struct PartyRef {
  std::string role;  // buyer, seller, supplier, customer, ship_to, bill_to, ship_from, remit_to,
                     // warehouse, carrier
  std::string id;    // the hub's id after cross-reference (warehouse, customer, location)
  std::string qualifier;  // how the partner identified it (N103: 1 DUNS, 9 DUNS+4, 92 assigned...)
  std::string code;       // the partner's code (N104)
  std::string name;
  std::optional<Address> address;
};

struct ItemRef {
  std::string sku;              // the hub's item number after cross-reference
  std::string partner_item_id;  // the partner's own number for the item
  std::string gtin;             // GTIN-14 / UPC / EAN as sent
  std::string vendor_item_id;   // supplier's part number (VP/VN)
  std::string buyer_item_id;    // buyer's part number (BP/IN)
  std::string description;
};

struct Reference {
  std::string qualifier;  // REF01 or a named kind
  std::string value;
};

struct Charge {
  std::string type;  // charge or allowance
  std::string code;  // SAC02 code or a name (freight, handling, discount)
  std::string description;
  Money amount;
};

// ---- orders (a purchase order to a supplier; a sales order from a customer) ----

struct OrderLine {
  std::string line_number;
  ItemRef item;
  Quantity quantity;
  std::optional<Money> unit_price;
  std::string requested_date;  // delivery requested for this line
  std::vector<Reference> references;
  std::string note;
};

struct Order {
  std::string po_number;                  // the buyer's PO number (BEG03)
  std::string purpose = "original";       // original, replace, cancel, change, confirmation
  std::string order_type = "standalone";  // standalone, blanket, release, dropship, rush
  std::string order_date;
  std::string currency;
  std::string requested_delivery_date;
  std::string ship_not_before;
  std::string cancel_after;
  std::string payment_terms;
  std::string ship_via;  // carrier SCAC or service
  std::vector<PartyRef> parties;
  std::vector<OrderLine> lines;
  std::vector<Reference> references;
  std::vector<Charge> charges;
  std::string note;
};
using PurchaseOrder = Order;
using SalesOrder = Order;

// ---- purchase order acknowledgment (855) ----

// One confirmation of (part of) a line: a line confirmed 60 now and 40 later has two.
struct AckDetail {
  // accepted, accepted_quantity_change, accepted_date_change, accepted_price_change,
  // accepted_with_changes, backordered, rejected, date_rescheduled, substituted
  std::string status;
  std::string code;  // the partner's code as sent (ACK01: IA, IB, IC, IR, DR, ...)
  Quantity quantity;
  std::string date;  // scheduled ship or delivery date for this part
};

struct AckLine {
  std::string line_number;
  ItemRef item;
  Quantity ordered;
  std::optional<Money> unit_price;
  std::vector<AckDetail> details;
};

struct PurchaseOrderAck {
  std::string po_number;
  std::string ack_number;
  std::string ack_type;  // accepted, accepted_with_changes, rejected, rejected_with_detail ...
  std::string ack_code;  // BAK02 as sent (AC, AD, AE, AK, RD, RJ, ...)
  std::string ack_date;
  std::string po_date;
  std::vector<PartyRef> parties;
  std::vector<AckLine> lines;
  std::vector<Reference> references;
};

// ---- shipment notice (856) ----

struct ShipmentItem {
  std::string line_number;
  ItemRef item;
  Quantity quantity;
  std::string lot;
  std::string serial;
};

struct Pack {
  std::string sscc;         // 18-digit serial shipping container code
  std::string level;        // tare (pallet) or pack (carton)
  std::string parent_sscc;  // a carton on a pallet
  std::optional<Quantity> weight;
  std::vector<ShipmentItem> items;
};

struct ShipmentOrder {
  std::string po_number;
  std::string order_date;
  std::vector<Pack> packs;
  std::vector<ShipmentItem> items;  // items not packed (or the order's totals)
};

struct Shipment {
  std::string shipment_id;  // BSN02
  std::string purpose = "original";
  std::string ship_date;
  std::string ship_time;
  std::string expected_delivery_date;
  std::string carrier_scac;
  std::string transport_mode;
  std::string tracking_number;  // PRO / tracking
  std::string bill_of_lading;
  std::optional<Quantity> gross_weight;
  std::string package_count;
  std::vector<PartyRef> parties;
  std::vector<ShipmentOrder> orders;
  std::vector<Reference> references;
};

// ---- receipt (warehouse or ERP) ----

struct ReceiptLine {
  std::string line_number;
  ItemRef item;
  Quantity received;
  std::optional<Quantity> damaged;
  std::optional<Quantity> expected;
  std::string sscc;
  std::string lot;
  std::string note;
};

struct Receipt {
  std::string receipt_id;
  std::string warehouse;
  std::string po_number;
  std::string shipment_id;
  std::string received_at;  // ISO 8601 instant
  std::vector<ReceiptLine> lines;
};

// ---- invoice (810) ----

struct InvoiceLine {
  std::string line_number;
  ItemRef item;
  Quantity quantity;
  Money unit_price;
  std::optional<Money> amount;  // extended; quantity x unit price when absent
  std::string po_line_number;
};

struct Invoice {
  std::string invoice_number;
  std::string invoice_type = "invoice";  // invoice, credit_memo, debit_memo
  std::string invoice_date;
  std::string po_number;
  std::string po_date;
  std::string shipment_id;
  std::string currency;
  std::string payment_terms;
  std::string due_date;
  std::vector<PartyRef> parties;
  std::vector<InvoiceLine> lines;
  std::vector<Charge> charges;
  std::optional<Money> tax;
  std::optional<Money> total;  // TDS
  std::vector<Reference> references;
};

// ---- inventory ----

struct InventoryLine {
  ItemRef item;
  std::string location;  // warehouse or supplier location as sent / cross-referenced
  std::optional<Quantity> on_hand;
  std::optional<Quantity> available;
  std::optional<Quantity> on_order;
  std::optional<Quantity> committed;
  std::string available_date;  // when `available` becomes available, if in the future
};

// A supplier's or warehouse's statement of stock (846), or an ERP/WMS snapshot.
struct InventoryAdvice {
  std::string advice_id;
  std::string as_of;              // ISO 8601 instant the figures are valid for
  std::string kind = "snapshot";  // snapshot (replaces) or delta
  std::vector<PartyRef> parties;
  std::vector<InventoryLine> lines;
};

struct InventoryAdjustment {
  std::string adjustment_id;
  std::string sku;
  std::string warehouse;
  Quantity delta;
  std::string reason;  // cycle_count, damage, shrink, found, transfer
  std::string at;
};

// ---- returns ----

struct ReturnLine {
  std::string line_number;
  ItemRef item;
  Quantity quantity;
  std::string reason;
  std::string condition;  // new, opened, damaged
  std::optional<Money> credit_unit_price;
};

struct ReturnAuthorization {
  std::string rma_number;
  std::string customer;
  std::string order_reference;
  std::string requested_at;
  std::string status = "requested";  // requested, authorised, received, credited, rejected
  std::vector<ReturnLine> lines;
};

// ---- planning ----

struct ForecastPeriod {
  std::string start_date;
  std::string end_date;
  Quantity quantity;
};

struct ForecastLine {
  ItemRef item;
  std::string location;
  std::vector<ForecastPeriod> periods;
};

struct Forecast {
  std::string forecast_id;
  std::string issued_at;
  std::string horizon_start;
  std::string horizon_end;
  std::vector<ForecastLine> lines;
};

struct ReplenishmentRecommendation {
  std::string recommendation_id;
  std::string sku;
  std::string warehouse;
  std::string supplier;
  Quantity quantity;
  std::string need_by;
  std::string reason;  // below_reorder_point, forecast, manual
};

// ---- master data ----

struct UomConversion {
  std::string from;  // e.g. CA
  std::string to;    // e.g. EA
  Decimal factor;    // 1 from = factor to
};

struct Item {
  std::string sku;
  std::string description;
  std::string gtin;
  std::string base_uom = "EA";
  bool active = true;
  std::vector<UomConversion> conversions;
  std::optional<Money> list_price;
};

struct Party {
  std::string id;
  std::string kind;  // customer, supplier, carrier, 3pl
  std::string name;
  bool active = true;
  std::optional<Address> address;
  std::optional<Money> credit_limit;
};

struct Location {
  std::string id;
  std::string kind;  // warehouse, ship_to, store
  std::string name;
  std::string party;  // owning party for ship-tos
  bool active = true;
  std::optional<Address> address;
};

// ---- exceptions ----

// A business problem found in a document: it names the document, line, field, value and rule,
// so the person who fixes it need not open the raw file.
struct BusinessException {
  std::string id;
  std::string type;                // unknown_item, inactive_sku, uom_without_conversion, below_moq,
                                   // not_pack_multiple, unknown_location, price_out_of_tolerance,
                                   // missing_field, invalid_value, ...
  std::string severity = "error";  // error (document held) or warning (passed, flagged)
  std::string partner;
  std::string document_type;
  std::string document_id;  // the business key (PO number, invoice number, ...)
  std::string message_id;
  std::string line;   // line number, empty for header problems
  std::string field;  // canonical field path, e.g. lines[2].item.partner_item_id
  std::string value;
  std::string rule;  // the rule that was broken, in words
  std::string message;
  std::string status = "open";  // open, acknowledged, resolved
};

}  // namespace crossdock::model
