// X12 <-> canonical mapping for the 850, 855, 856, 810, 846, 940 and 945 transaction sets, versions
// 004010 and 005010 (inbound also reads 003xxx/004xxx relatives and industry variants such as
// 004010VICS: the segments used here did not change between them).
//
// Guarantees:
// - FromX12 never throws and never crashes, whatever the set contains. It returns an Error only
//   when the set cannot be mapped at all (its ST01 does not map to the requested type, or it has
//   no segments). Everything else is a MapIssue returned beside the document, naming the segment
//   (tag and 1-based ordinal in the file), the element position, the value and what is wrong:
//     error    required data is missing or unreadable; the document is still produced with the
//              gap (an empty field), so business rules and schema validation see it and hold it;
//     warning  a value was not understood (an unknown code, a malformed number) and was dropped
//              or replaced by the documented default;
//     info     a segment or element the canonical model has no place for; it is not kept.
//   No segment of the set is skipped without one of these: nothing is dropped silently.
// - Numbers are exact Decimals, never doubles: X12 type R is kept as written ("12.50" stays
//   "12.50"), implied-decimal N2 (SAC05, TDS01..04) gets exactly two decimals. Dates become ISO
//   YYYY-MM-DD (CCYYMMDD, and YYMMDD with 00-49 -> 20xx), times HH:MM or HH:MM:SS.
// - ToX12 returns the set's body segments (ST and SE excluded) in the order the 004010/005010
//   set tables prescribe, or an Error (kInvalidArgument, naming the canonical field) when the
//   document cannot be expressed correctly (a required X12 element without a value, an SSCC
//   that is not 18 digits, a role without an entity code, a value too long for its element, mixed
//   currencies, ...). It never returns a partial set.
// - Round trip: FromX12(ToX12(d)) reproduces d exactly (the same canonical JSON) for documents
//   in X12 normal form: the item fields used are those ToX12 writes, read back with the same
//   options (`hub_item_ids_are_skus` when `sku` is set; see Item identifiers below), N2
//   amounts have two decimals, every money amount is in the document's currency, ack details
//   carry their code, invoice lines have no `amount` (IT1 cannot carry it; ToX12 checks that
//   quantity x unit price matches when one is given), and `as_of` is a date or a UTC
//   "YYYY-MM-DDTHH:MM:SSZ" instant.
//
// Item identifiers (PO1/ACK/IT1/LIN qualifier pairs). Who "the partner" is decides which numbers
// are its own: a supplier's own numbers are the vendor's (VP, VN, VA, VC, MG, in that rank), a
// customer's own are the buyer's (BP, IN, PI, SK, CB). Inbound, the partner's best-ranked own
// number goes to `partner_item_id` and the next to its side's field (`vendor_item_id` for a
// supplier, `buyer_item_id` for a customer); the other side's best number (the hub's own, echoed
// back) goes to that side's field, or to `sku` with `hub_item_ids_are_skus` and then the side's
// field; GTINs (UP, UK, EN, UA, UI, UN, and IB for ISBNs) go to `gtin`; PD fills an empty
// description; LT and SN give a shipped item's lot and serial, PL an invoice line's PO line.
// Anything else is reported as info, and a line left with no identifier at all as a warning.
// Outbound the table runs backwards: for a supplier, `sku` as BP (else `buyer_item_id`),
// `buyer_item_id` as IN when both are set, `partner_item_id` as VP, `vendor_item_id` as VN; for
// a customer the sides swap; the GTIN as UP (12 digits), EN (13), UK (14) or IB (ISBN-10).
//
// Warehouse sets. A 940 (sales order released to a warehouse or 3PL) is an instruction to ship:
// W05 status (N original, F cancel, R change/replace), W05-02 the hub's order id (at most 22
// characters, else an error naming po_number), W05-03 the customer's PO (reference "PO"), N1
// parties, N9 references, G62 dates (04 order, 02 delivery requested, 37 ship not before, 01
// cancel after), NTE notes, W66 the carrier (a SCAC in W6610, other text as routing in W6605),
// per line LX + W01 (quantity, unit, up to three item id pairs), G69 description, N9*LI line
// number, G62*02 requested date; W76 the total quantity. Prices, currency, charges and terms are
// not written: a 940 carries none. A 945 (the warehouse's shipping advice) confirms one order:
// W06 (W06-02 the order id echoed, W06-03 ship date, W06-04 shipment id, W06-06 the customer's
// PO), N1 parties (at least one), N9 BM/CN/other references, G62*11 ship time, G62*17 estimated
// delivery, W27 mode and SCAC, LX loops of W12 items (units shipped, unit, item ids, lot in
// W12-09, N9*LI line, N9*SE serial), loose or in a carton (MAN*GM SSCC-18), W03 totals (units,
// weight in L/K, package count). Pallets, cartons on pallets and pack weights need an 856.
//
// The code tables (N1 roles, purposes, order types, ack types, line statuses, dates, 846
// quantities, charge names) are data beside their definitions at the top of x12_map.cpp; a code
// outside its table is a warning and the documented default applies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "edi/x12/delimiters.hpp"
#include "edi/x12/document.hpp"
#include "edi/x12/segment.hpp"
#include "edi/x12/writer.hpp"
#include "model/any.hpp"

namespace crossdock::mapping {

struct X12MapOptions {
  // "supplier" or "customer": decides which item-id qualifiers are the partner's own (see
  // above). Empty: inferred from the set and the direction — whoever sends an 850 or receives an
  // 855/856/810/846 is a customer; whoever receives an 850 or sends the others is a supplier.
  std::string partner_kind;
  // ISO 4217 currency for amounts when the set has no CUR segment.
  std::string currency;
  // Inbound: the hub's own item number echoed by the partner (BP/IN from a supplier, VP/VN from a
  // customer) is taken as the SKU. Use when the partner is known to echo what ToX12 sent.
  bool hub_item_ids_are_skus = false;
  // 846 QTY01 qualifiers beyond the standard table (17 on_hand, 33 available, 63 on_order,
  // 27 committed), e.g. {"02", "on_order"} for a partner that uses 02 that way. Values:
  // on_hand, available, on_order, committed.
  std::vector<std::pair<std::string, std::string>> inventory_quantities;
  // 846 BIA02 written outbound.
  std::string inventory_report_type = "DD";
};

enum class IssueSeverity { kInfo, kWarning, kError };
// "info", "warning", "error".
std::string_view IssueSeverityName(IssueSeverity s);

struct MapIssue {
  std::string field;             // canonical field path ("lines[2].quantity.value"), "" if none
  uint64_t segment_ordinal = 0;  // 1-based position of the segment in the file
  std::string segment;           // segment tag
  int element = 0;               // 1-based element position, 0 for the whole segment
  std::string value;             // the offending value as sent
  std::string message;
  IssueSeverity severity = IssueSeverity::kError;
};

struct X12Mapped {
  model::CanonicalDocument doc;
  std::vector<MapIssue> issues;
};

// What the mapping needs to know about the envelope around a set.
struct X12SetContext {
  x12::Delimiters delimiters;  // the component separator splits composites (QTY03, MEA04, UIT01)
  std::string group_date;      // GS04: stands in for a required document date the set lacks
};
X12SetContext ContextFor(const x12::Interchange& interchange, const x12::FunctionalGroup& group);

// The canonical types a set id can map to (850 -> purchase_order, sales_order; 855 ->
// purchase_order_ack; 856 -> shipment; 810 -> invoice; 846 -> inventory_advice); empty when the
// set is not mapped.
std::vector<model::DocumentType> TypesForSet(std::string_view set_id);

// Inbound: one transaction set (ST..SE, as the reader delivers it) -> canonical document.
Result<X12Mapped> FromX12(const x12::SetView& set, const X12SetContext& context,
                          model::DocumentType type, const X12MapOptions& opts);
// Same, for callers that only have the delimiters.
Result<X12Mapped> FromX12(const x12::SetView& set, const x12::Delimiters& delims,
                          model::DocumentType type, const X12MapOptions& opts);

// Outbound: canonical -> the set's body segments, ST and SE excluded, as the x12 writer takes
// them (x12::OutSegment: elements from position 1, composite components joined with
// x12::kComponentMark, which the writer replaces with the interchange's separator). Trailing
// empty elements are already dropped.
using OutSegment = x12::OutSegment;

// `version` is "004010" or "005010" (an industry suffix such as "004010VICS" is accepted); any
// other is kUnsupported. The partner kind defaults to the set's recipient (see X12MapOptions).
Result<std::vector<OutSegment>> ToX12(const model::CanonicalDocument& doc, std::string_view set_id,
                                      std::string_view version, const X12MapOptions& opts);

}  // namespace crossdock::mapping
