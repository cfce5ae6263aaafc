// X12 <-> canonical mapping: hand-written inbound cases per set and version, outbound errors,
// canonical -> X12 -> canonical round trips (written with the x12 writer, checked by the x12
// validator), and the golden corpus (tests/golden/mapping/corpus, see its README.md).
#include "mapping/x12_map.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "edi/x12/document.hpp"
#include "edi/x12/validator.hpp"
#include "edi/x12/writer.hpp"
#include "model/any.hpp"
#include "model/json.hpp"

namespace crossdock::mapping {
namespace {

using model::DocumentType;

const char* FunctionalId(const std::string& set_id) {
  if (set_id == "850") return "PO";
  if (set_id == "855") return "PR";
  if (set_id == "856") return "SH";
  if (set_id == "810") return "IN";
  if (set_id == "940") return "OW";
  if (set_id == "945") return "SW";
  return "IB";
}

// Wraps a set body (segments between ST and SE, '*' and '~', line breaks allowed) in an
// interchange of the given version. The body's first segment has file ordinal 4.
std::string Wrap(const std::string& set_id, const std::string& body, const std::string& version) {
  const bool v5 = version.rfind("005", 0) == 0;
  size_t n = 0;
  for (char c : body) n += c == '~' ? 1 : 0;
  std::string out =
      "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261123*1200*";
  out += v5 ? "^*00501" : "U*00401";
  out += "*000000001*0*P*:~\n";
  out += std::string("GS*") + FunctionalId(set_id) + "*SENDER*RECEIVER*20261123*1200*1*X*" +
         version + "~\n";
  out += "ST*" + set_id + "*0001~\n" + body;
  out += "SE*" + std::to_string(n + 2) + "*0001~\nGE*1*1~\nIEA*1*000000001~\n";
  return out;
}

struct MapOutcome {
  bool ok = false;
  std::string error;
  std::string json;  // pretty canonical JSON
  std::vector<MapIssue> issues;
};

MapOutcome MapText(const std::string& text, DocumentType type, const X12MapOptions& opts) {
  MapOutcome out;
  auto doc = x12::ReadDocumentOwned(text);
  if (!doc.ok()) {
    out.error = doc.error().ToString();
    return out;
  }
  for (const auto& ic : doc->interchanges) {
    for (const auto& g : ic.groups) {
      for (const auto& s : g.sets) {
        auto m = FromX12(doc->set_view(s), ContextFor(ic, g), type, opts);
        if (!m.ok()) {
          out.error = m.error().ToString();
          return out;
        }
        out.ok = true;
        out.json = model::CanonicalToJson(m->doc, true);
        out.issues = m->issues;
        return out;
      }
    }
  }
  out.error = "no transaction set";
  return out;
}

// The expected document, re-serialised in canonical order (and validated against the model).
std::string Canon(DocumentType t, const std::string& json) {
  auto c = model::Canonicalize(t, json, true);
  EXPECT_TRUE(c.ok()) << c.error().ToString() << "\n" << json;
  return c.ok() ? *c : std::string();
}

// "severity TAG element field" per issue, for compact expectations.
std::vector<std::string> Keys(const std::vector<MapIssue>& issues) {
  std::vector<std::string> out;
  for (const auto& i : issues) {
    out.push_back(std::string(IssueSeverityName(i.severity)) + " " + i.segment +
                  std::to_string(i.element) + " " + i.field);
  }
  return out;
}

std::string Dump(const std::vector<MapIssue>& issues) {
  std::string out;
  for (const auto& i : issues) {
    out += std::string(IssueSeverityName(i.severity)) + " " + i.segment + "#" +
           std::to_string(i.segment_ordinal) + " e" + std::to_string(i.element) + " '" + i.value +
           "' " + i.field + ": " + i.message + "\n";
  }
  return out;
}

const MapIssue* FindIssue(const std::vector<MapIssue>& issues, const std::string& segment,
                          int element) {
  for (const auto& i : issues) {
    if (i.segment == segment && i.element == element) return &i;
  }
  return nullptr;
}

// ------------------------------------------------------------------------------------------
// Inbound, per set, in both versions.

class X12InboundTest : public ::testing::TestWithParam<std::string> {
 protected:
  MapOutcome Map(const std::string& set_id, const std::string& body, DocumentType type,
                 const X12MapOptions& opts = {}) {
    auto m = MapText(Wrap(set_id, body, GetParam()), type, opts);
    EXPECT_TRUE(m.ok) << m.error;
    return m;
  }
};

INSTANTIATE_TEST_SUITE_P(Versions, X12InboundTest, ::testing::Values("004010", "005010"));

TEST_P(X12InboundTest, PurchaseOrderFromCustomer) {
  const std::string body = R"(BEG*00*SA*PO-1001*REL-3*20261120~
CUR*BY*EUR~
REF*DP*038~
REF*IA*VEND-77*SUPPLIER NUMBER~
ITD*01*3*2**10**30~
DTM*002*20261201~
DTM*037*20261125~
DTM*038*20261205~
DTM*010*20261128~
TD5**2*UPSN~
N9*L1*NOTES~
MSG*Deliver to dock 4~
MSG*Call ahead~
N1*BY*ACME RETAIL*92*BY-1~
N1*ST*ACME DC EAST*92*DC1~
N2*RECEIVING~
N3*100 MAIN ST*SUITE 5~
N4*COLUMBUS*OH*43215*US~
PER*BD*JANE DOE~
PO1*1*24*CA*12.50*PE*BP*A-1*VP*V-100*UP*012345678905~
PID*F****WIDGET~
PID*F****BLUE~
REF*PD*PROMO7~
DTM*002*20261203~
MSG*Keep dry~
PO1**10*EA*4.05**IN*A-2*UK*00098765432105*MG*MFR-9*ZZ*X1~
SAC*C*D240***1500**********FREIGHT~
CTT*2~
)";
  auto m = Map("850", body, DocumentType::kSalesOrder);
  EXPECT_EQ(m.json, Canon(DocumentType::kSalesOrder, R"({
    "po_number": "PO-1001", "purpose": "original", "order_type": "standalone",
    "order_date": "2026-11-20", "currency": "EUR", "requested_delivery_date": "2026-12-01",
    "ship_not_before": "2026-11-25", "cancel_after": "2026-12-05",
    "payment_terms": "2% 10 days, net 30 days", "ship_via": "UPSN",
    "parties": [
      {"role": "buyer", "qualifier": "92", "code": "BY-1", "name": "ACME RETAIL"},
      {"role": "ship_to", "qualifier": "92", "code": "DC1", "name": "ACME DC EAST\nRECEIVING",
       "address": {"lines": ["100 MAIN ST", "SUITE 5"], "city": "COLUMBUS", "region": "OH",
                   "postal_code": "43215", "country": "US"}}],
    "lines": [
      {"line_number": "1",
       "item": {"partner_item_id": "A-1", "gtin": "012345678905", "vendor_item_id": "V-100",
                "description": "WIDGET BLUE"},
       "quantity": {"value": "24", "uom": "CA"},
       "unit_price": {"amount": "12.50", "currency": "EUR"},
       "requested_date": "2026-12-03",
       "references": [{"qualifier": "PD", "value": "PROMO7"}], "note": "Keep dry"},
      {"line_number": "2",
       "item": {"partner_item_id": "A-2", "gtin": "00098765432105", "vendor_item_id": "MFR-9"},
       "quantity": {"value": "10", "uom": "EA"},
       "unit_price": {"amount": "4.05", "currency": "EUR"}}],
    "references": [{"qualifier": "RE", "value": "REL-3"}, {"qualifier": "DP", "value": "038"},
                   {"qualifier": "IA", "value": "VEND-77"},
                   {"qualifier": "DTM010", "value": "2026-11-28"}],
    "charges": [{"type": "charge", "code": "D240", "description": "FREIGHT",
                 "amount": {"amount": "15.00", "currency": "EUR"}}],
    "note": "Deliver to dock 4\nCall ahead"})"));
  EXPECT_EQ(Keys(m.issues), (std::vector<std::string>{
                                "info REF3 references",
                                "info PER0 ",
                                "warning PO11 lines[1].line_number",
                                "info PO112 lines[1].item",
                                "info SAC0 charges[0]",
                            }))
      << Dump(m.issues);
  // Positions are file ordinals: ISA 1, GS 2, ST 3, BEG 4 ...
  const MapIssue* per = FindIssue(m.issues, "PER", 0);
  ASSERT_NE(per, nullptr);
  EXPECT_EQ(per->segment_ordinal, 22u);
  const MapIssue* po101 = FindIssue(m.issues, "PO1", 1);
  ASSERT_NE(po101, nullptr);
  EXPECT_EQ(po101->segment_ordinal, 29u);
}

TEST_P(X12InboundTest, PurchaseOrderAsPurchaseOrderFromSupplierView) {
  // The same 850 read for a supplier partner (the hub's own PO echoed back): the vendor's
  // numbers are the partner's own; with hub_item_ids_are_skus the buyer's number is the SKU.
  const std::string body = R"(BEG*05*RL*PO-7**20261120~
PO1*1*5*EA***BP*SKU-1*IN*ALT-1*VP*V-1*VN*V-1B~
)";
  X12MapOptions opts;
  opts.partner_kind = "supplier";
  opts.hub_item_ids_are_skus = true;
  opts.currency = "USD";
  auto m = Map("850", body, DocumentType::kPurchaseOrder, opts);
  EXPECT_EQ(m.json, Canon(DocumentType::kPurchaseOrder, R"({
    "po_number": "PO-7", "purpose": "replace", "order_type": "release",
    "order_date": "2026-11-20", "currency": "USD",
    "lines": [{"line_number": "1",
               "item": {"sku": "SKU-1", "partner_item_id": "V-1", "vendor_item_id": "V-1B",
                        "buyer_item_id": "ALT-1"},
               "quantity": {"value": "5", "uom": "EA"}}]})"));
  EXPECT_TRUE(m.issues.empty()) << Dump(m.issues);
}

TEST_P(X12InboundTest, PurchaseOrderProblemsAreIssues) {
  const std::string body = R"(BEG*09*XX**20261131~
DTM*002*2026120~
PO1*1*1,5*EA*abc~
PO1*2*3****UP*012345678901~
CTT*5~
)";
  auto m = Map("850", body, DocumentType::kPurchaseOrder);
  EXPECT_EQ(Keys(m.issues), (std::vector<std::string>{
                                "warning BEG1 purpose",
                                "warning BEG2 order_type",
                                "error BEG3 po_number",
                                "error BEG5 order_date",
                                "warning DTM2 requested_delivery_date",
                                "error PO12 lines[0].quantity.value",
                                "warning PO14 lines[0].unit_price.amount",
                                "warning PO10 lines[0].item",
                                "error PO13 lines[1].quantity.uom",
                                "warning PO17 lines[1].item.gtin",
                                "warning CTT1 ",
                            }))
      << Dump(m.issues);
  const MapIssue* qty = FindIssue(m.issues, "PO1", 2);
  ASSERT_NE(qty, nullptr);
  EXPECT_EQ(qty->value, "1,5");
  EXPECT_EQ(qty->segment_ordinal, 6u);
  // The document is still produced, with its gaps, for the rules and validation to hold.
  EXPECT_NE(m.json.find("\"line_number\": \"2\""), std::string::npos);
}

TEST_P(X12InboundTest, AcknowledgmentFromSupplier) {
  const std::string body = R"(BAK*00*AC*PO-1001*20261120****SO-555*20261121~
CUR*SE*USD~
REF*VR*V-42~
N1*SE*GOOD SUPPLY CO*92*SUP-1~
PO1*1*100*EA*2.10**BP*SKU-1*VP*GS-100~
PID*F****GIZMO~
ACK*IA*60*EA*068*20261201~
ACK*IB*40*EA*068*20261215~
PO1*2*5*CA*30**VP*GS-200~
ACK*R2*5*CA~
PO1*3*12*EA*1.99**VP*GS-300~
ACK*IQ*10~
DTM*067*20261203~
PO1*4*8*EA***VP*GS-400~
ACK*QQ~
PO1*5*1*EA***VP*GS-500~
ACK*IS*1*EA****VP*GS-501~
CTT*5~
)";
  auto m = Map("855", body, DocumentType::kPurchaseOrderAck);
  EXPECT_EQ(m.json, Canon(DocumentType::kPurchaseOrderAck, R"({
    "po_number": "PO-1001", "ack_number": "SO-555", "ack_type": "accepted_with_changes",
    "ack_code": "AC", "ack_date": "2026-11-21", "po_date": "2026-11-20",
    "parties": [{"role": "seller", "qualifier": "92", "code": "SUP-1", "name": "GOOD SUPPLY CO"}],
    "lines": [
      {"line_number": "1", "item": {"partner_item_id": "GS-100", "buyer_item_id": "SKU-1",
                                    "description": "GIZMO"},
       "ordered": {"value": "100", "uom": "EA"}, "unit_price": {"amount": "2.10", "currency": "USD"},
       "details": [
         {"status": "accepted", "code": "IA", "quantity": {"value": "60", "uom": "EA"},
          "date": "2026-12-01"},
         {"status": "backordered", "code": "IB", "quantity": {"value": "40", "uom": "EA"},
          "date": "2026-12-15"}]},
      {"line_number": "2", "item": {"partner_item_id": "GS-200"},
       "ordered": {"value": "5", "uom": "CA"}, "unit_price": {"amount": "30", "currency": "USD"},
       "details": [{"status": "rejected", "code": "R2", "quantity": {"value": "5", "uom": "CA"}}]},
      {"line_number": "3", "item": {"partner_item_id": "GS-300"},
       "ordered": {"value": "12", "uom": "EA"}, "unit_price": {"amount": "1.99", "currency": "USD"},
       "details": [{"status": "accepted_quantity_change", "code": "IQ",
                    "quantity": {"value": "10", "uom": "EA"}, "date": "2026-12-03"}]},
      {"line_number": "4", "item": {"partner_item_id": "GS-400"},
       "ordered": {"value": "8", "uom": "EA"},
       "details": [{"code": "QQ", "quantity": {"value": "8", "uom": "EA"}}]},
      {"line_number": "5", "item": {"partner_item_id": "GS-500"},
       "ordered": {"value": "1", "uom": "EA"},
       "details": [{"status": "substituted", "code": "IS", "quantity": {"value": "1", "uom": "EA"}}]}],
    "references": [{"qualifier": "VR", "value": "V-42"}]})"));
  EXPECT_EQ(Keys(m.issues), (std::vector<std::string>{
                                "warning ACK1 lines[3].details[0].status",
                                "info ACK7 lines[4].details[0]",
                            }))
      << Dump(m.issues);
}

TEST_P(X12InboundTest, AcknowledgmentWithoutDateTakesTheGroupDate) {
  auto m = Map("855", "BAK*00*AK*PO-9*20261120~\n", DocumentType::kPurchaseOrderAck);
  EXPECT_NE(m.json.find("\"ack_date\": \"2026-11-23\""), std::string::npos) << m.json;
  EXPECT_NE(m.json.find("\"ack_type\": \"accepted_no_detail\""), std::string::npos);
  EXPECT_EQ(Keys(m.issues), (std::vector<std::string>{"info BAK9 ack_date"})) << Dump(m.issues);
}

TEST_P(X12InboundTest, ShipNoticePickAndPack) {
  const std::string body = R"(BSN*00*ASN-9*20261122*1405*0001~
HL*1**S~
TD1*CTN25*3****G*120.5*LB~
TD5**2*UPSN*M~
REF*BM*BOL-1~
REF*CN*1Z999~
REF*IA*V-77~
DTM*011*20261122*1400~
DTM*017*20261125~
N1*SF*GOOD SUPPLY CO*92*SUP-1~
N1*ST*ACME DC EAST*92*DC1~
HL*2*1*O~
PRF*PO-1001***20261120~
HL*3*2*T~
MAN*GM*00000614141000000014~
HL*4*3*P~
MAN*GM*00000614141000000021~
HL*5*4*I~
LIN*1*VP*GS-100*BP*SKU-1*LT*LOT42~
SN1**60*EA~
PID*F****GIZMO~
HL*6*3*P~
TD1******G*10.5*LB~
MAN*GM*000614141000000038~
HL*7*6*I~
LIN*2*VP*GS-200~
SN1**5*CA~
HL*8*2*I~
LIN*3*VP*GS-300~
SN1**12*EA~
CTT*8~
)";
  auto m = Map("856", body, DocumentType::kShipment);
  EXPECT_EQ(m.json, Canon(DocumentType::kShipment, R"({
    "shipment_id": "ASN-9", "purpose": "original", "ship_date": "2026-11-22", "ship_time": "14:00",
    "expected_delivery_date": "2026-11-25", "carrier_scac": "UPSN", "transport_mode": "M",
    "tracking_number": "1Z999", "bill_of_lading": "BOL-1",
    "gross_weight": {"value": "120.5", "uom": "LB"}, "package_count": "3",
    "parties": [
      {"role": "ship_from", "qualifier": "92", "code": "SUP-1", "name": "GOOD SUPPLY CO"},
      {"role": "ship_to", "qualifier": "92", "code": "DC1", "name": "ACME DC EAST"}],
    "orders": [{
      "po_number": "PO-1001", "order_date": "2026-11-20",
      "packs": [
        {"sscc": "000614141000000014", "level": "tare"},
        {"sscc": "000614141000000021", "level": "pack", "parent_sscc": "000614141000000014",
         "items": [{"line_number": "1",
                    "item": {"partner_item_id": "GS-100", "buyer_item_id": "SKU-1",
                             "description": "GIZMO"},
                    "quantity": {"value": "60", "uom": "EA"}, "lot": "LOT42"}]},
        {"sscc": "000614141000000038", "level": "pack", "parent_sscc": "000614141000000014",
         "weight": {"value": "10.5", "uom": "LB"},
         "items": [{"line_number": "2", "item": {"partner_item_id": "GS-200"},
                    "quantity": {"value": "5", "uom": "CA"}}]}],
      "items": [{"line_number": "3", "item": {"partner_item_id": "GS-300"},
                 "quantity": {"value": "12", "uom": "EA"}}]}],
    "references": [{"qualifier": "IA", "value": "V-77"}]})"));
  EXPECT_TRUE(m.issues.empty()) << Dump(m.issues);
}

TEST_P(X12InboundTest, ShipNoticeWithoutParentLinksAndPacksAboveOrders) {
  // HL02 left empty (common in real files): parents follow the levels. Structure 0003 puts the
  // pallet above the orders: each order gets its share of the pallet.
  const std::string body = R"(BSN*00*ASN-10*20261122*1405*0003~
HL*1**S~
DTM*011*20261122~
HL*2**T~
MAN*GM*00000614141000000045~
HL*3**O~
PRF*PO-A~
HL*4**I~
LIN**VP*A-1~
SN1**1*EA~
HL*5**O~
PRF*PO-B~
HL*6**I~
LIN**VP*B-1~
SN1**2*EA~
)";
  auto m = Map("856", body, DocumentType::kShipment);
  EXPECT_EQ(m.json, Canon(DocumentType::kShipment, R"({
    "shipment_id": "ASN-10", "purpose": "original", "ship_date": "2026-11-22",
    "orders": [
      {"po_number": "PO-A", "packs": [{"sscc": "000614141000000045", "level": "tare",
        "items": [{"item": {"partner_item_id": "A-1"}, "quantity": {"value": "1", "uom": "EA"}}]}]},
      {"po_number": "PO-B", "packs": [{"sscc": "000614141000000045", "level": "tare",
        "items": [{"item": {"partner_item_id": "B-1"}, "quantity": {"value": "2", "uom": "EA"}}]}]}]})"));
  EXPECT_TRUE(m.issues.empty()) << Dump(m.issues);
}

TEST_P(X12InboundTest, ShipNoticeProblems) {
  const std::string body = R"(BSN*00*ASN-11*20261122*1405~
HL*1**S~
HL*2*1*P~
MAN*GM*123~
HL*3*2*I~
LIN**VP*A-1~
HL*4*9*Q~
REF*ZZ*X~
)";
  auto m = Map("856", body, DocumentType::kShipment);
  EXPECT_EQ(Keys(m.issues), (std::vector<std::string>{
                                "warning HL3 ",
                                "warning MAN2 sscc",
                                "info BSN3 ship_date",
                                "error HL0 ",
                                "error HL3 orders[0].po_number",
                            }))
      << Dump(m.issues);
  EXPECT_NE(m.json.find("\"ship_date\": \"2026-11-22\""), std::string::npos);
}

// A warehouse or 3PL trades as a supplier would and echoes the hub's SKUs.
X12MapOptions FromWarehouse() {
  X12MapOptions opts;
  opts.partner_kind = "supplier";
  opts.hub_item_ids_are_skus = true;
  return opts;
}

TEST_P(X12InboundTest, WarehouseShippingAdviceFrom3pl) {
  const std::string body = R"(W06*F*shopco/SO-1*20261122*WS-9**SO-1~
N1*SF*WEST DC*92*WH-WEST~
N1*ST*SHOPCO STORE 12*92*ST-1~
N3*1 MAIN ST~
N4*DAYTON*OH*45401*US~
N9*BM*BOL-9~
N9*CN*1Z999~
G62*11*20261122*8*1405~
W27*M*UPSN~
LX*1~
W12*CC*100*90*10*EA**BP*SKU-1001*L-7~
N9*LI*1~
LX*2~
MAN*GM*00000614141000000014~
W12*CC*5*5**CA*012345678905*BP*SKU-2001~
G69*WASHERS~
N9*LI*2~
N9*SE*SN-1~
W03*95*120.5*L***2~
)";
  auto m = Map("945", body, DocumentType::kShipment, FromWarehouse());
  EXPECT_EQ(m.json, Canon(DocumentType::kShipment, R"({
    "shipment_id": "WS-9", "ship_date": "2026-11-22", "ship_time": "14:05",
    "carrier_scac": "UPSN", "transport_mode": "M", "tracking_number": "1Z999",
    "bill_of_lading": "BOL-9", "gross_weight": {"value": "120.5", "uom": "LB"},
    "package_count": "2",
    "parties": [{"role": "ship_from", "qualifier": "92", "code": "WH-WEST", "name": "WEST DC"},
                {"role": "ship_to", "qualifier": "92", "code": "ST-1", "name": "SHOPCO STORE 12",
                 "address": {"lines": ["1 MAIN ST"], "city": "DAYTON", "region": "OH",
                             "postal_code": "45401", "country": "US"}}],
    "references": [{"qualifier": "PO", "value": "SO-1"}],
    "orders": [{"po_number": "shopco/SO-1",
                "items": [{"line_number": "1", "item": {"sku": "SKU-1001"},
                           "quantity": {"value": "90", "uom": "EA"}, "lot": "L-7"}],
                "packs": [{"sscc": "00000614141000000014", "level": "pack", "items": [
                  {"line_number": "2", "item": {"sku": "SKU-2001", "gtin": "012345678905",
                                                "description": "WASHERS"},
                   "quantity": {"value": "5", "uom": "CA"}, "serial": "SN-1"}]}]}]})"));
  // The SSCC has 20 digits: kept as sent, with a warning naming it; the status, ordered and
  // difference quantities have no place (info).
  const MapIssue* sscc = FindIssue(m.issues, "MAN", 2);
  ASSERT_NE(sscc, nullptr) << Dump(m.issues);
  EXPECT_EQ(sscc->severity, IssueSeverity::kWarning);
  EXPECT_EQ(sscc->field, "orders[0].packs[0].sscc");
  EXPECT_EQ(FindIssue(m.issues, "W12", 1)->severity, IssueSeverity::kInfo);
}

TEST_P(X12InboundTest, WarehouseShippingAdviceProblems) {
  // No W06: the order and the shipment id are missing (errors); W03 disagrees with the lines.
  auto m = Map("945", "N1*SF*WEST DC*92*WH-WEST~\nLX*1~\nW12*CC*1*x**~\nW03*7~\n",
               DocumentType::kShipment);
  EXPECT_NE(FindIssue(m.issues, "ST", 0), nullptr) << Dump(m.issues);
  const MapIssue* qty = FindIssue(m.issues, "W12", 3);
  ASSERT_NE(qty, nullptr) << Dump(m.issues);
  EXPECT_EQ(qty->severity, IssueSeverity::kError);
  const MapIssue* uom = FindIssue(m.issues, "W12", 5);
  ASSERT_NE(uom, nullptr) << Dump(m.issues);
  EXPECT_EQ(uom->severity, IssueSeverity::kError);
  bool total = false;
  for (const auto& i : m.issues) total |= i.message.find("W0301") != std::string::npos;
  EXPECT_TRUE(total) << Dump(m.issues);
}

TEST_P(X12InboundTest, BytesThatAreNotUtf8AreAnErrorNotACrash) {
  // N102 in Latin-1: the name is not kept, an error names the element and shows the bytes.
  auto m = Map("940", "W05*N*SO-8~\nN1*ST*CAF\xC9 ROUGE*92*ST-1~\nLX*1~\nW01*1*EA**BP*SKU-1~\n",
               DocumentType::kSalesOrder);
  const MapIssue* bad = FindIssue(m.issues, "N1", 2);
  ASSERT_NE(bad, nullptr) << Dump(m.issues);
  EXPECT_EQ(bad->severity, IssueSeverity::kError);
  EXPECT_EQ(bad->value, "CAF\\xC9 ROUGE");
  EXPECT_NE(bad->message.find("not valid UTF-8"), std::string::npos);
  EXPECT_NE(m.json.find("\"code\": \"ST-1\""), std::string::npos) << m.json;
  EXPECT_EQ(m.json.find("CAF"), std::string::npos) << m.json;
}

TEST_P(X12InboundTest, WarehouseShippingOrder) {
  const std::string body = R"(W05*F*SO-7*PO-7~
N1*ST*SHOPCO*92*ST-1~
G62*04*20261120~
G62*99*20261121~
LX*1~
W01*3*CA*012345678905*BP*SKU-1~
N9*LI*10~
G62*02*20261130~
W76*4~
)";
  auto m = Map("940", body, DocumentType::kSalesOrder, FromWarehouse());
  EXPECT_EQ(m.json, Canon(DocumentType::kSalesOrder, R"({
    "po_number": "SO-7", "purpose": "cancel", "order_date": "2026-11-20",
    "parties": [{"role": "ship_to", "qualifier": "92", "code": "ST-1", "name": "SHOPCO"}],
    "references": [{"qualifier": "PO", "value": "PO-7"}],
    "lines": [{"line_number": "10", "item": {"sku": "SKU-1", "gtin": "012345678905"},
               "quantity": {"value": "3", "uom": "CA"}, "requested_date": "2026-11-30"}]})"));
  bool total = false;
  for (const auto& i : m.issues) total |= i.message.find("W7601") != std::string::npos;
  EXPECT_TRUE(total) << Dump(m.issues);
  EXPECT_NE(FindIssue(m.issues, "G62", 0), nullptr) << Dump(m.issues);  // G62*99: not kept
}

TEST_P(X12InboundTest, InvoiceFromSupplier) {
  const std::string body = R"(BIG*20261123*INV-77*20261120*PO-1001~
CUR*SE*USD~
REF*SI*ASN-9~
REF*VN*SO-555~
N1*RI*GOOD SUPPLY CO*92*SUP-1~
N3*1 INDUSTRY WAY~
N4*DAYTON*OH*45402*US~
ITD*01*3*1**10*20261223*30~
IT1*1*60*EA*2.10**VP*GS-100*BP*SKU-1*PL*1~
PID*F****GIZMO~
TXI*ST*8.82~
IT1*2*5*CA*30.00**VP*GS-200~
SAC*C*H850***250~
TDS*28600~
TXI*ST*12.60~
SAC*C*D240***1250**********FREIGHT~
SAC*A*C310***500~
CTT*2~
)";
  auto m = Map("810", body, DocumentType::kInvoice);
  EXPECT_EQ(m.json, Canon(DocumentType::kInvoice, R"({
    "invoice_number": "INV-77", "invoice_type": "invoice", "invoice_date": "2026-11-23",
    "po_number": "PO-1001", "po_date": "2026-11-20", "shipment_id": "ASN-9", "currency": "USD",
    "payment_terms": "1% 10 days, net 30 days", "due_date": "2026-12-23",
    "parties": [{"role": "remit_to", "qualifier": "92", "code": "SUP-1", "name": "GOOD SUPPLY CO",
                 "address": {"lines": ["1 INDUSTRY WAY"], "city": "DAYTON", "region": "OH",
                             "postal_code": "45402", "country": "US"}}],
    "lines": [
      {"line_number": "1", "item": {"partner_item_id": "GS-100", "buyer_item_id": "SKU-1",
                                    "description": "GIZMO"},
       "quantity": {"value": "60", "uom": "EA"}, "unit_price": {"amount": "2.10", "currency": "USD"},
       "po_line_number": "1"},
      {"line_number": "2", "item": {"partner_item_id": "GS-200"},
       "quantity": {"value": "5", "uom": "CA"}, "unit_price": {"amount": "30.00", "currency": "USD"}}],
    "charges": [
      {"type": "charge", "code": "H850", "amount": {"amount": "2.50", "currency": "USD"}},
      {"type": "charge", "code": "D240", "description": "FREIGHT",
       "amount": {"amount": "12.50", "currency": "USD"}},
      {"type": "allowance", "code": "C310", "amount": {"amount": "5.00", "currency": "USD"}}],
    "tax": {"amount": "12.60", "currency": "USD"},
    "total": {"amount": "286.00", "currency": "USD"},
    "references": [{"qualifier": "VN", "value": "SO-555"}]})"));
  EXPECT_EQ(Keys(m.issues), (std::vector<std::string>{"info SAC0 charges[0]", "info TXI2 tax"}))
      << Dump(m.issues);
}

TEST_P(X12InboundTest, CreditMemoAndImpliedDecimals) {
  const std::string body = R"(BIG*20261123*CM-1**PO-1***CR~
IT1*1*1*EA*-5~
TDS*-500~
SAC*A*C310***12.5~
)";
  X12MapOptions opts;
  opts.currency = "CAD";
  auto m = Map("810", body, DocumentType::kInvoice, opts);
  EXPECT_EQ(m.json, Canon(DocumentType::kInvoice, R"({
    "invoice_number": "CM-1", "invoice_type": "credit_memo", "invoice_date": "2026-11-23",
    "po_number": "PO-1", "currency": "CAD",
    "lines": [{"line_number": "1", "item": {}, "quantity": {"value": "1", "uom": "EA"},
               "unit_price": {"amount": "-5", "currency": "CAD"}}],
    "charges": [{"type": "allowance", "code": "C310",
                 "amount": {"amount": "12.5", "currency": "CAD"}}],
    "total": {"amount": "-5.00", "currency": "CAD"}})"));
  // An N2 value written with a point is taken as written, with a warning.
  EXPECT_EQ(Keys(m.issues), (std::vector<std::string>{"warning IT10 lines[0].item",
                                                      "warning SAC5 charges[0].amount"}))
      << Dump(m.issues);
}

TEST_P(X12InboundTest, InventoryAdvice) {
  const std::string body = R"(BIA*00*DD*INV-2026-11-23*20261123*083015~
N1*SU*GOOD SUPPLY CO*92*SUP-1~
LIN**VP*GS-100*UP*012345678905~
PID*F****GIZMO~
QTY*17*500*EA~
QTY*33*450*EA~
QTY*63*200*EA~
SCH*200*EA***018*20261210~
QTY*27*50*EA~
N1*WH**92*WH-EAST~
LIN**VP*GS-200~
QTY*33*0*CA~
SCH*25*CA***018*20261215~
SCH*30*CA***018*20261222~
QTY*17*4~
UIT*CA~
N1*WH*WEST DC~
LIN**VP*GS-300~
QTY*33*7*EA~
SCH*7*EA***018*20261201~
QTY*02*9*EA~
CTT*3~
)";
  auto m = Map("846", body, DocumentType::kInventoryAdvice);
  EXPECT_EQ(m.json, Canon(DocumentType::kInventoryAdvice, R"({
    "advice_id": "INV-2026-11-23", "as_of": "2026-11-23T08:30:15Z", "kind": "snapshot",
    "parties": [{"role": "supplier", "qualifier": "92", "code": "SUP-1", "name": "GOOD SUPPLY CO"}],
    "lines": [
      {"item": {"partner_item_id": "GS-100", "gtin": "012345678905", "description": "GIZMO"},
       "location": "WH-EAST", "on_hand": {"value": "500", "uom": "EA"},
       "available": {"value": "450", "uom": "EA"}, "on_order": {"value": "200", "uom": "EA"},
       "committed": {"value": "50", "uom": "EA"}},
      {"item": {"partner_item_id": "GS-200"}, "location": "WEST DC",
       "available": {"value": "0", "uom": "CA"}, "on_hand": {"value": "4", "uom": "CA"}},
      {"item": {"partner_item_id": "GS-200"}, "location": "WEST DC",
       "available": {"value": "25", "uom": "CA"}, "available_date": "2026-12-15"},
      {"item": {"partner_item_id": "GS-200"}, "location": "WEST DC",
       "available": {"value": "30", "uom": "CA"}, "available_date": "2026-12-22"},
      {"item": {"partner_item_id": "GS-300"}, "available": {"value": "7", "uom": "EA"},
       "available_date": "2026-12-01"}]})"));
  EXPECT_EQ(Keys(m.issues), (std::vector<std::string>{
                                "info BIA2 ",
                                "info SCH0 ",
                                "info QTY1 lines[4]",
                            }))
      << Dump(m.issues);

  // A partner that uses 02 for on-order quantities says so in its profile.
  X12MapOptions opts;
  opts.inventory_quantities = {{"02", "on_order"}};
  auto m2 = Map("846", body, DocumentType::kInventoryAdvice, opts);
  EXPECT_NE(m2.json.find("\"on_order\": {\n        \"value\": \"9\""), std::string::npos)
      << m2.json;
}

TEST_P(X12InboundTest, WrongTypeForTheSetIsAnError) {
  auto doc = x12::ReadDocumentOwned(Wrap("850", "BEG*00*SA*1**20261120~\n", GetParam()));
  ASSERT_TRUE(doc.ok());
  const auto& ic = doc->interchanges[0];
  const auto& g = ic.groups[0];
  auto m = FromX12(doc->set_view(g.sets[0]), ContextFor(ic, g), DocumentType::kInvoice, {});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code(), Code::kInvalidArgument);
  X12MapOptions bad;
  bad.partner_kind = "warehouse";
  auto m2 = FromX12(doc->set_view(g.sets[0]), ContextFor(ic, g), DocumentType::kSalesOrder, bad);
  ASSERT_FALSE(m2.ok());
  EXPECT_EQ(m2.error().where(), "partner_kind");
}

TEST(X12MapTest, OlderVersionsReadSixDigitDates) {
  auto m = MapText(Wrap("850", "BEG*00*SA*PO-1**991231~\nPO1*1*1*EA~\n", "003060"),
                   DocumentType::kPurchaseOrder, {});
  ASSERT_TRUE(m.ok) << m.error;
  EXPECT_NE(m.json.find("\"order_date\": \"1999-12-31\""), std::string::npos) << m.json;
  auto m2 = MapText(Wrap("850", "BEG*00*SA*PO-1**261231~\nPO1*1*1*EA~\n", "003060"),
                    DocumentType::kPurchaseOrder, {});
  EXPECT_NE(m2.json.find("\"order_date\": \"2026-12-31\""), std::string::npos) << m2.json;
}

// Random segments from the sets' vocabulary, with random values: mapping never crashes and
// always returns (run under the sanitizers in the dev build).
TEST(X12MapTest, RandomSegmentsNeverCrash) {
  const char* tags[] = {"BEG", "BAK", "BSN", "BIG", "BIA", "CUR", "REF", "DTM", "ITD", "TD5",
                        "TD1", "N1",  "N2",  "N3",  "N4",  "N9",  "MSG", "PO1", "PID", "ACK",
                        "SAC", "CTT", "HL",  "PRF", "MAN", "LIN", "SN1", "IT1", "TDS", "TXI",
                        "QTY", "SCH", "UIT", "MEA", "PER", "SE",  "W05", "W01", "W06", "W12",
                        "W03", "W76", "W27", "W66", "G62", "G69", "LX",  "NTE"};
  const char* values[] = {"",
                          "1",
                          "-5",
                          "1.5",
                          "abc",
                          "20261123",
                          "991231",
                          "99999999999999999999999",
                          "EA",
                          "BP",
                          "VP",
                          "UP",
                          "S",
                          "O",
                          "T",
                          "P",
                          "I",
                          "GM",
                          "2",
                          "0",
                          "011",
                          "33",
                          "17",
                          "00000614141000000014",
                          "1230",
                          "IA",
                          "ZZ",
                          "..",
                          "A",
                          "C",
                          "D240",
                          "1E5",
                          "12345678901234567890123456789"};
  std::mt19937 rng(12345);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  const std::pair<const char*, DocumentType> sets[] = {
      {"850", DocumentType::kPurchaseOrder},   {"855", DocumentType::kPurchaseOrderAck},
      {"856", DocumentType::kShipment},        {"810", DocumentType::kInvoice},
      {"846", DocumentType::kInventoryAdvice}, {"940", DocumentType::kSalesOrder},
      {"945", DocumentType::kShipment}};
  int mapped = 0;
  for (int iter = 0; iter < 400; ++iter) {
    std::string body;
    const size_t n = 1 + pick(40);
    for (size_t i = 0; i < n; ++i) {
      body += tags[pick(std::size(tags))];
      const size_t els = pick(14);
      for (size_t e = 0; e < els; ++e) body += std::string("*") + values[pick(std::size(values))];
      body += "~\n";
    }
    for (const auto& [id, type] : sets) {
      X12MapOptions opts;
      opts.currency = iter % 2 ? "USD" : "";
      auto m = MapText(Wrap(id, body, iter % 3 ? "004010" : "005010"), type, opts);
      mapped += m.ok ? 1 : 0;
    }
  }
  EXPECT_GT(mapped, 1500);
}

TEST(X12MapTest, TypesForSet) {
  EXPECT_EQ(TypesForSet("850"),
            (std::vector<DocumentType>{DocumentType::kPurchaseOrder, DocumentType::kSalesOrder}));
  EXPECT_EQ(TypesForSet("846"), (std::vector<DocumentType>{DocumentType::kInventoryAdvice}));
  EXPECT_EQ(TypesForSet("940"), (std::vector<DocumentType>{DocumentType::kSalesOrder}));
  EXPECT_EQ(TypesForSet("945"), (std::vector<DocumentType>{DocumentType::kShipment}));
  EXPECT_TRUE(TypesForSet("997").empty());
}

// ------------------------------------------------------------------------------------------
// Round trips: canonical -> ToX12 -> x12 writer -> ReadDocument -> FromX12 -> canonical.

struct RoundTripCase {
  const char* name;
  const char* set_id;
  DocumentType type;
  const char* partner_kind;  // the partner the document goes to
  const char* json;
};

const RoundTripCase kRoundTrips[] = {
    {"purchase_order", "850", DocumentType::kPurchaseOrder, "supplier", R"({
      "po_number": "PO-2026-0042", "purpose": "original", "order_type": "standalone",
      "order_date": "2026-11-20", "currency": "USD", "requested_delivery_date": "2026-12-01",
      "ship_not_before": "2026-11-25", "cancel_after": "2026-12-10",
      "payment_terms": "2% 10 NET 30", "ship_via": "UPSN",
      "parties": [
        {"role": "buyer", "qualifier": "92", "code": "HUB", "name": "Crossdock Distribution"},
        {"role": "ship_to", "qualifier": "92", "code": "WH-EAST", "name": "East DC\nReceiving",
         "address": {"lines": ["100 Main St", "Dock 4", "Building C"], "city": "Columbus",
                     "region": "OH", "postal_code": "43215", "country": "US"}},
        {"role": "supplier", "qualifier": "1", "code": "123456789", "name": "Good Supply Co"},
        {"role": "x12_ZZ", "name": "Mutually defined party"}],
      "lines": [
        {"line_number": "1",
         "item": {"sku": "SKU-1", "partner_item_id": "GS-100", "gtin": "00012345678905",
                  "vendor_item_id": "GS-100-B", "buyer_item_id": "ALT-1",
                  "description": "Widget, blue"},
         "quantity": {"value": "24", "uom": "CA"}, "unit_price": {"amount": "12.50", "currency": "USD"},
         "requested_date": "2026-12-02", "references": [{"qualifier": "PD", "value": "PROMO7"}],
         "note": "Keep dry"},
        {"line_number": "2",
         "item": {"sku": "SKU-2", "partner_item_id": "GS-200", "gtin": "012345678905",
                  "description": "A very long description of a gadget that does not fit in one PID segment of eighty characters at all"},
         "quantity": {"value": "10.5", "uom": "LB"}}],
      "references": [{"qualifier": "DP", "value": "038"}, {"qualifier": "IA", "value": "V-77"},
                     {"qualifier": "DTM010", "value": "2026-11-28"}],
      "charges": [
        {"type": "charge", "code": "D240", "description": "Freight",
         "amount": {"amount": "15.00", "currency": "USD"}},
        {"type": "allowance", "code": "C310", "amount": {"amount": "5.00", "currency": "USD"}}],
      "note": "Deliver to dock 4\nCall ahead"})"},
    {"purchase_order_ack", "855", DocumentType::kPurchaseOrderAck, "customer", R"({
      "po_number": "PO-1001", "ack_number": "SO-555", "ack_type": "accepted_with_changes",
      "ack_code": "AC", "ack_date": "2026-11-21", "po_date": "2026-11-20",
      "parties": [
        {"role": "seller", "qualifier": "92", "code": "HUB", "name": "Crossdock Distribution"},
        {"role": "ship_to", "qualifier": "92", "code": "ST-100", "name": "Acme Store 100",
         "address": {"lines": ["1 Market St"], "city": "Dayton", "region": "OH",
                     "postal_code": "45402"}}],
      "lines": [
        {"line_number": "1",
         "item": {"sku": "SKU-1", "partner_item_id": "A-1", "gtin": "00012345678905",
                  "description": "Widget"},
         "ordered": {"value": "100", "uom": "EA"}, "unit_price": {"amount": "2.10", "currency": "USD"},
         "details": [
           {"status": "accepted", "code": "IA", "quantity": {"value": "60", "uom": "EA"},
            "date": "2026-12-01"},
           {"status": "backordered", "code": "IB", "quantity": {"value": "40", "uom": "EA"},
            "date": "2026-12-15"}]},
        {"line_number": "2", "item": {"partner_item_id": "A-2", "buyer_item_id": "A-2-OLD"},
         "ordered": {"value": "5", "uom": "CA"},
         "details": [{"status": "rejected", "code": "R2", "quantity": {"value": "5", "uom": "CA"}}]},
        {"line_number": "3", "item": {"sku": "SKU-3"}, "ordered": {"value": "7", "uom": "EA"},
         "unit_price": {"amount": "1.999", "currency": "USD"},
         "details": [{"status": "accepted_price_change", "code": "IP",
                      "quantity": {"value": "7", "uom": "EA"}}]}],
      "references": [{"qualifier": "BAK06", "value": "REQ-1"},
                     {"qualifier": "CO", "value": "CUST-ORD-9"}]})"},
    {"shipment", "856", DocumentType::kShipment, "customer", R"({
      "shipment_id": "ASN-9", "purpose": "original", "ship_date": "2026-11-22",
      "ship_time": "14:05", "expected_delivery_date": "2026-11-25", "carrier_scac": "UPSN",
      "transport_mode": "M", "tracking_number": "1Z999", "bill_of_lading": "BOL-1",
      "gross_weight": {"value": "120.5", "uom": "LB"}, "package_count": "3",
      "parties": [
        {"role": "ship_from", "qualifier": "92", "code": "WH-EAST", "name": "East DC"},
        {"role": "ship_to", "qualifier": "92", "code": "ST-100", "name": "Acme Store 100"}],
      "orders": [
        {"po_number": "PO-1001", "order_date": "2026-11-20",
         "packs": [
           {"sscc": "000614141000000014", "level": "tare", "weight": {"value": "80", "uom": "LB"}},
           {"sscc": "000614141000000021", "level": "pack", "parent_sscc": "000614141000000014",
            "items": [{"line_number": "1",
                       "item": {"sku": "SKU-1", "partner_item_id": "A-1", "description": "Widget"},
                       "quantity": {"value": "60", "uom": "EA"}, "lot": "LOT42",
                       "serial": "SN-0001"}]},
           {"sscc": "000614141000000038", "level": "pack", "parent_sscc": "000614141000000014",
            "items": [{"line_number": "2", "item": {"sku": "SKU-2"},
                       "quantity": {"value": "5", "uom": "CA"}},
                      {"line_number": "4", "item": {"gtin": "00012345678905"},
                       "quantity": {"value": "1", "uom": "EA"}}]}],
         "items": [{"line_number": "3", "item": {"partner_item_id": "A-3"},
                    "quantity": {"value": "12", "uom": "EA"}}]},
        {"po_number": "PO-1002",
         "items": [{"line_number": "1", "item": {"partner_item_id": "B-1"},
                    "quantity": {"value": "2.5", "uom": "LB"}}]}],
      "references": [{"qualifier": "IA", "value": "V-77"}]})"},
    {"invoice", "810", DocumentType::kInvoice, "customer", R"({
      "invoice_number": "INV-77", "invoice_type": "invoice", "invoice_date": "2026-11-23",
      "po_number": "PO-1001", "po_date": "2026-11-20", "shipment_id": "ASN-9", "currency": "USD",
      "payment_terms": "1% 10 days, net 30 days", "due_date": "2026-12-23",
      "parties": [
        {"role": "remit_to", "qualifier": "92", "code": "HUB", "name": "Crossdock Distribution",
         "address": {"lines": ["PO Box 1"], "city": "Columbus", "region": "OH",
                     "postal_code": "43215", "country": "US"}},
        {"role": "bill_to", "qualifier": "92", "code": "ACME", "name": "Acme Retail"}],
      "lines": [
        {"line_number": "1",
         "item": {"sku": "SKU-1", "partner_item_id": "A-1", "description": "Widget"},
         "quantity": {"value": "60", "uom": "EA"}, "unit_price": {"amount": "2.10", "currency": "USD"},
         "po_line_number": "1"},
        {"line_number": "2", "item": {"partner_item_id": "A-2"},
         "quantity": {"value": "5", "uom": "CA"}, "unit_price": {"amount": "30.00", "currency": "USD"}}],
      "charges": [{"type": "charge", "code": "D240", "description": "Freight",
                   "amount": {"amount": "12.50", "currency": "USD"}}],
      "tax": {"amount": "12.60", "currency": "USD"},
      "total": {"amount": "301.10", "currency": "USD"},
      "references": [{"qualifier": "VN", "value": "SO-555"}]})"},
    {"credit_memo", "810", DocumentType::kInvoice, "customer", R"({
      "invoice_number": "CM-1", "invoice_type": "credit_memo", "invoice_date": "2026-11-24",
      "po_number": "PO-1001", "currency": "EUR",
      "lines": [{"line_number": "1", "item": {"partner_item_id": "A-1"},
                 "quantity": {"value": "2", "uom": "EA"},
                 "unit_price": {"amount": "2.10", "currency": "EUR"}}],
      "total": {"amount": "4.20", "currency": "EUR"}})"},
    {"inventory_advice", "846", DocumentType::kInventoryAdvice, "customer", R"({
      "advice_id": "INV-2026-11-23", "as_of": "2026-11-23T08:30:00Z", "kind": "snapshot",
      "parties": [{"role": "seller", "qualifier": "92", "code": "HUB", "name": "Crossdock"}],
      "lines": [
        {"item": {"sku": "SKU-1", "partner_item_id": "A-1", "gtin": "00012345678905",
                  "description": "Widget"},
         "location": "WH-EAST", "on_hand": {"value": "500", "uom": "EA"},
         "available": {"value": "450", "uom": "EA"}, "on_order": {"value": "200", "uom": "EA"},
         "committed": {"value": "50", "uom": "EA"}},
        {"item": {"sku": "SKU-1", "partner_item_id": "A-1", "gtin": "00012345678905",
                  "description": "Widget"},
         "location": "WH-EAST", "available": {"value": "200", "uom": "EA"},
         "available_date": "2026-12-10"},
        {"item": {"sku": "SKU-2"}, "location": "WH-WEST", "available": {"value": "0", "uom": "CA"}}]})"},
    // A release to a 3PL: what to pick and ship (no prices: a 940 carries none).
    {"warehouse_release", "940", DocumentType::kSalesOrder, "supplier", R"({
      "po_number": "shopco/SO-1", "purpose": "original", "order_date": "2026-11-20",
      "requested_delivery_date": "2026-12-01", "ship_not_before": "2026-11-25",
      "cancel_after": "2026-12-15", "ship_via": "UPSN", "note": "Call before delivery",
      "parties": [{"role": "ship_to", "qualifier": "92", "code": "ST-1", "name": "Shopco Store 12",
                   "address": {"lines": ["1 Main St"], "city": "Dayton", "region": "OH",
                               "postal_code": "45401", "country": "US"}},
                  {"role": "warehouse", "qualifier": "92", "code": "WH-EAST", "name": "East DC"}],
      "references": [{"qualifier": "PO", "value": "SO-1"}, {"qualifier": "DP", "value": "038"}],
      "lines": [
        {"line_number": "1", "item": {"sku": "SKU-1001", "gtin": "012345678905",
                                      "description": "Hex bolt M8 x 40, zinc plated, box of 100"},
         "quantity": {"value": "2100", "uom": "EA"}, "requested_date": "2026-11-30",
         "note": "Keep dry", "references": [{"qualifier": "LT", "value": "LOT-7"}]},
        {"line_number": "2", "item": {"sku": "SKU-2001"}, "quantity": {"value": "10.5", "uom": "LB"}}]})"},
    {"warehouse_cancel", "940", DocumentType::kSalesOrder, "supplier", R"({
      "po_number": "SO-2", "purpose": "cancel", "order_date": "2026-11-21",
      "ship_via": "BEST WAY GROUND",
      "lines": [{"line_number": "A1", "item": {"sku": "SKU-1"}, "quantity": {"value": "1", "uom": "EA"}}]})"},
    // The 3PL's confirmation: loose items and one carton.
    {"warehouse_shipment", "945", DocumentType::kShipment, "supplier", R"({
      "shipment_id": "WS-1", "ship_date": "2026-11-22", "ship_time": "14:05",
      "expected_delivery_date": "2026-11-25", "carrier_scac": "UPSN", "transport_mode": "M",
      "tracking_number": "1Z999", "bill_of_lading": "BOL-1",
      "gross_weight": {"value": "120.5", "uom": "LB"}, "package_count": "2",
      "parties": [{"role": "ship_from", "qualifier": "92", "code": "WH-WEST", "name": "West DC"},
                  {"role": "ship_to", "qualifier": "92", "code": "ST-1"}],
      "references": [{"qualifier": "PO", "value": "SO-1"}, {"qualifier": "IA", "value": "V-77"}],
      "orders": [{"po_number": "shopco/SO-1",
                  "items": [{"line_number": "1", "item": {"sku": "SKU-1001"},
                             "quantity": {"value": "2000", "uom": "EA"}, "lot": "L-2026-11"}],
                  "packs": [{"sscc": "000614141000000014", "level": "pack", "items": [
                    {"line_number": "1", "item": {"sku": "SKU-1001", "gtin": "012345678905"},
                     "quantity": {"value": "100", "uom": "EA"}, "serial": "SN-1"},
                    {"line_number": "2", "item": {"sku": "SKU-2001", "description": "Washer"},
                     "quantity": {"value": "10", "uom": "EA"}}]}]}]})"},
    {"inventory_delta", "846", DocumentType::kInventoryAdvice, "customer", R"({
      "advice_id": "D-1", "as_of": "2026-11-23T08:30:15.25Z", "kind": "delta",
      "lines": [{"item": {"partner_item_id": "A-1"}, "on_hand": {"value": "-3", "uom": "EA"}}]})"},
};

X12MapOptions RoundTripOptions(const RoundTripCase& c) {
  X12MapOptions o;
  o.partner_kind = c.partner_kind;
  o.hub_item_ids_are_skus = true;
  o.currency = "USD";
  return o;
}

// Writes the set with the x12 writer (delimiters * : ^ ~, a newline after each segment).
Result<std::string> Serialise(const std::string& set_id, const std::string& version,
                              std::vector<x12::OutSegment> segments) {
  x12::OutInterchange ic;
  ic.sender_qualifier = "ZZ";
  ic.sender_id = "CROSSDOCK";
  ic.receiver_qualifier = "ZZ";
  ic.receiver_id = "PARTNER";
  ic.date = "261123";
  ic.time = "1200";
  ic.control = "000000001";
  ic.version = version.rfind("005", 0) == 0 ? "00501" : "00401";
  x12::OutGroup g;
  g.functional_id = FunctionalId(set_id);
  g.sender = "CROSSDOCK";
  g.receiver = "PARTNER";
  g.date = "20261123";
  g.time = "1200";
  g.control = "1";
  g.version = version;
  x12::OutSet s;
  s.id = set_id;
  s.control = "0001";
  s.segments = std::move(segments);
  g.sets.push_back(std::move(s));
  ic.groups.push_back(std::move(g));
  x12::InMemoryControlNumbers numbers;
  auto w = x12::WriteInterchange(ic, numbers);
  if (!w.ok()) return w.error();
  return w->bytes;
}

class X12RoundTripTest : public ::testing::TestWithParam<std::tuple<RoundTripCase, std::string>> {};

TEST_P(X12RoundTripTest, CanonicalSurvivesX12) {
  const RoundTripCase& c = std::get<0>(GetParam());
  const std::string& version = std::get<1>(GetParam());
  auto start = model::ParseCanonical(c.type, c.json);
  ASSERT_TRUE(start.ok()) << start.error().ToString();
  const std::string expected = model::CanonicalToJson(*start, true);
  const X12MapOptions opts = RoundTripOptions(c);

  auto segs = ToX12(*start, c.set_id, version, opts);
  ASSERT_TRUE(segs.ok()) << segs.error().ToString();
  auto bytes = Serialise(c.set_id, version, *segs);
  ASSERT_TRUE(bytes.ok()) << bytes.error().ToString();

  auto doc = x12::ReadDocumentOwned(*bytes);
  ASSERT_TRUE(doc.ok()) << doc.error().ToString();
  EXPECT_FALSE(doc->has_errors()) << *bytes;
  // The output is valid for its version: segment order, requirements, types, code lists.
  auto validation = x12::ValidateDocument(*doc);
  for (const auto& sv : validation.sets) {
    std::string diags;
    for (const auto& d : sv.diagnostics) {
      const std::string text = x12::FormatDiagnostic(d);
      // A code missing from a list the spec marks incomplete (QTY01 27, committed quantity, is
      // valid X12) is only a warning of the spec's own gap.
      if (d.severity == x12::Severity::kWarning &&
          text.find("the list is incomplete") != std::string::npos) {
        continue;
      }
      if (d.severity >= x12::Severity::kWarning) diags += text + "\n";
    }
    EXPECT_TRUE(diags.empty()) << diags << *bytes;
  }

  ASSERT_EQ(doc->interchanges.size(), 1u);
  const auto& ic = doc->interchanges[0];
  const auto& g = ic.groups.at(0);
  auto back = FromX12(doc->set_view(g.sets.at(0)), ContextFor(ic, g), c.type, opts);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(model::CanonicalToJson(back->doc, true), expected) << *bytes;
  for (const auto& i : back->issues) {
    EXPECT_EQ(i.severity, IssueSeverity::kInfo) << Dump({i});
  }
}

std::string RoundTripName(
    const ::testing::TestParamInfo<std::tuple<RoundTripCase, std::string>>& info) {
  return std::string(std::get<0>(info.param).name) + "_" + std::get<1>(info.param);
}

INSTANTIATE_TEST_SUITE_P(AllTypes, X12RoundTripTest,
                         ::testing::Combine(::testing::ValuesIn(kRoundTrips),
                                            ::testing::Values("004010", "005010")),
                         RoundTripName);

// ------------------------------------------------------------------------------------------
// Outbound: what cannot be expressed is an error naming the field.

model::CanonicalDocument Parse(DocumentType t, const std::string& json) {
  auto d = model::ParseCanonical(t, json);
  EXPECT_TRUE(d.ok()) << d.error().ToString();
  return d.ok() ? *d : model::CanonicalDocument{};
}

TEST(X12MapOutboundTest, ErrorsNameTheField) {
  struct Case {
    DocumentType type;
    const char* set_id;
    const char* json;
    const char* where;
  };
  const Case cases[] = {
      {DocumentType::kPurchaseOrder, "850",
       R"({"po_number": "1", "order_date": "2026-11-20", "parties": [{"role": "auditor", "code": "X", "qualifier": "92"}], "lines": [{"line_number": "1", "item": {}, "quantity": {"value": "1", "uom": "EA"}}]})",
       "parties[0].role"},
      {DocumentType::kPurchaseOrder, "850",
       R"({"po_number": "1", "order_date": "2026-11-20", "lines": [
           {"line_number": "1", "item": {}, "quantity": {"value": "1", "uom": "EA"}, "unit_price": {"amount": "1", "currency": "USD"}},
           {"line_number": "2", "item": {}, "quantity": {"value": "1", "uom": "EA"}, "unit_price": {"amount": "1", "currency": "EUR"}}]})",
       "lines[1].unit_price.currency"},
      {DocumentType::kPurchaseOrder, "850",
       R"({"po_number": "1", "order_date": "2026-11-20", "lines": [{"line_number": "1", "item": {"gtin": "12345"}, "quantity": {"value": "1", "uom": "EA"}}]})",
       "lines[0].item.gtin"},
      {DocumentType::kPurchaseOrder, "850",
       R"({"po_number": "1", "order_date": "2026-11-20", "lines": [{"line_number": "1", "item": {}, "quantity": {"value": "1", "uom": "EA"}}], "charges": [{"type": "charge", "code": "D240", "amount": {"amount": "1.005", "currency": "USD"}}]})",
       "charges[0].amount.amount"},
      {DocumentType::kPurchaseOrderAck, "855",
       R"({"po_number": "1", "ack_type": "accepted", "ack_date": "2026-11-20"})", "po_date"},
      {DocumentType::kShipment, "856",
       R"({"shipment_id": "S", "ship_date": "2026-11-20", "orders": [{"po_number": "1", "packs": [{"sscc": "000614141000000015", "level": "pack"}]}]})",
       "orders[0].packs[0].sscc"},
      {DocumentType::kShipment, "856",
       R"({"shipment_id": "S", "ship_date": "2026-11-20", "orders": [{"po_number": "1", "packs": [{"sscc": "000614141000000014", "level": "pack", "parent_sscc": "000614141000000021"}]}]})",
       "orders[0].packs[0].parent_sscc"},
      {DocumentType::kInvoice, "810",
       R"({"invoice_number": "I", "invoice_date": "2026-11-20", "currency": "USD", "lines": [{"line_number": "1", "item": {}, "quantity": {"value": "2", "uom": "EA"}, "unit_price": {"amount": "1.50", "currency": "USD"}, "amount": {"amount": "3.50", "currency": "USD"}}], "total": {"amount": "3.50", "currency": "USD"}})",
       "lines[0].amount"},
      {DocumentType::kInvoice, "810",
       R"({"invoice_number": "I", "invoice_date": "2026-11-20", "lines": [{"line_number": "1", "item": {}, "quantity": {"value": "1", "uom": "EA"}, "unit_price": {"amount": "1", "currency": "USD"}}]})",
       "total"},
      {DocumentType::kInventoryAdvice, "846",
       R"({"as_of": "2026-11-20", "lines": [{"item": {"partner_item_id": "A"}, "on_hand": {"value": "1", "uom": "EA"}}]})",
       "advice_id"},
      {DocumentType::kSalesOrder, "940",
       R"({"po_number": "a-customer-id-longer-than/PO-1", "order_date": "2026-11-20", "lines": [{"line_number": "1", "item": {"sku": "S"}, "quantity": {"value": "1", "uom": "EA"}}]})",
       "po_number"},
      {DocumentType::kSalesOrder, "940",
       R"({"po_number": "SO-1", "order_date": "2026-11-20", "lines": [{"line_number": "1", "item": {}, "quantity": {"value": "1", "uom": "EA"}}]})",
       "lines[0].item"},
      {DocumentType::kSalesOrder, "940",
       R"({"po_number": "SO-1", "order_date": "2026-11-20", "lines": [{"line_number": "1", "item": {"sku": "S", "buyer_item_id": "B", "partner_item_id": "P", "vendor_item_id": "V", "gtin": "012345678905"}, "quantity": {"value": "1", "uom": "EA"}}]})",
       "lines[0].item"},
      {DocumentType::kShipment, "945",
       R"({"shipment_id": "S", "ship_date": "2026-11-20", "parties": [{"role": "ship_from", "code": "W", "qualifier": "92"}], "orders": [{"po_number": "1"}, {"po_number": "2"}]})",
       "orders"},
      {DocumentType::kShipment, "945",
       R"({"shipment_id": "S", "ship_date": "2026-11-20", "orders": [{"po_number": "1"}]})",
       "parties"},
      {DocumentType::kShipment, "945",
       R"({"shipment_id": "S", "ship_date": "2026-11-20", "parties": [{"role": "ship_from", "code": "W", "qualifier": "92"}], "orders": [{"po_number": "1", "packs": [{"sscc": "000614141000000014", "level": "tare"}]}]})",
       "orders[0].packs[0]"},
      {DocumentType::kShipment, "945",
       R"({"shipment_id": "S", "ship_date": "2026-11-20", "carrier_scac": "UPSN", "parties": [{"role": "ship_from", "code": "W", "qualifier": "92"}], "orders": [{"po_number": "1"}]})",
       "transport_mode"},
      {DocumentType::kShipment, "945",
       R"({"shipment_id": "S", "ship_date": "2026-11-20", "gross_weight": {"value": "1", "uom": "EA"}, "parties": [{"role": "ship_from", "code": "W", "qualifier": "92"}], "orders": [{"po_number": "1"}]})",
       "gross_weight.uom"},
      {DocumentType::kInventoryAdvice, "846",
       R"({"advice_id": "A", "as_of": "2026-11-20T10", "lines": [{"item": {"partner_item_id": "A"}, "on_hand": {"value": "1", "uom": "EA"}}]})",
       "as_of"},
  };
  for (const auto& c : cases) {
    auto r = ToX12(Parse(c.type, c.json), c.set_id, "004010", {});
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.error().code(), Code::kInvalidArgument);
    EXPECT_EQ(r.error().where(), c.where) << r.error().ToString();
  }
}

TEST(X12MapOutboundTest, VersionAndSetAreChecked) {
  auto d = Parse(
      DocumentType::kPurchaseOrder,
      R"({"po_number": "1", "order_date": "2026-11-20", "lines": [{"line_number": "1", "item": {}, "quantity": {"value": "1", "uom": "EA"}}]})");
  EXPECT_EQ(ToX12(d, "850", "003060", {}).error().code(), Code::kUnsupported);
  EXPECT_EQ(ToX12(d, "810", "004010", {}).error().code(), Code::kInvalidArgument);
  EXPECT_TRUE(ToX12(d, "850", "004010VICS", {}).ok());
}

TEST(X12MapOutboundTest, OrderToSupplierWritesSkuAsBuyerPartAndTheSupplierNumberAsVendorPart) {
  auto d = Parse(DocumentType::kPurchaseOrder, R"({"po_number": "PO-1", "order_date": "2026-11-20",
    "lines": [{"line_number": "1", "item": {"sku": "SKU-1", "partner_item_id": "V-1",
               "gtin": "00012345678905"}, "quantity": {"value": "3", "uom": "EA"},
               "unit_price": {"amount": "1.25", "currency": "USD"}}]})");
  auto segs = ToX12(d, "850", "004010", {});
  ASSERT_TRUE(segs.ok()) << segs.error().ToString();
  const x12::OutSegment* po1 = nullptr;
  for (const auto& s : *segs) {
    if (s.tag == "PO1") po1 = &s;
  }
  ASSERT_NE(po1, nullptr);
  EXPECT_EQ(po1->elements, (std::vector<std::string>{"1", "3", "EA", "1.25", "", "BP", "SKU-1",
                                                     "VP", "V-1", "UK", "00012345678905"}));
  EXPECT_EQ((*segs)[0].tag, "BEG");
  EXPECT_EQ((*segs)[0].elements, (std::vector<std::string>{"00", "SA", "PO-1", "", "20261120"}));
  EXPECT_EQ((*segs)[1].tag, "CUR");  // the currency of the prices
  EXPECT_EQ(segs->back().tag, "CTT");
}

TEST(X12MapOutboundTest, AsOfWithAnOffsetIsWrittenInUtc) {
  auto d = Parse(
      DocumentType::kInventoryAdvice,
      R"({"advice_id": "A", "as_of": "2026-11-23T01:30:00+02:00", "lines": [{"item": {"partner_item_id": "A"}, "on_hand": {"value": "1", "uom": "EA"}}]})");
  auto segs = ToX12(d, "846", "005010", {});
  ASSERT_TRUE(segs.ok()) << segs.error().ToString();
  EXPECT_EQ((*segs)[0].elements, (std::vector<std::string>{"00", "DD", "A", "20261122", "2330"}));
}

// ------------------------------------------------------------------------------------------
// Golden corpus: every 850/855/856/810/846 set of the third-party corpus, mapped and compared
// with tests/golden/mapping/corpus/<path with / as __>.<set global index>.json.
// CROSSDOCK_UPDATE_GOLDEN=1 rewrites the golden files (then review them by eye).

struct CorpusFile {
  std::string rel;  // relative to the corpus folder, e.g. x12/X12Parser/ORD/_850/Example1.txt
  std::string sets;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t t = line.find('\t', start);
    out.push_back(line.substr(start, t == std::string::npos ? std::string::npos : t - start));
    if (t == std::string::npos) break;
    start = t + 1;
  }
  return out;
}

bool MentionsMappedSet(const std::string& sets) {
  for (const char* id : {"850", "855", "856", "810", "846", "940", "945"}) {
    size_t p = sets.find(id);
    while (p != std::string::npos) {
      const bool start_ok = p == 0 || sets[p - 1] == ',';
      const size_t e = p + 3;
      const bool end_ok = e == sets.size() || sets[e] == ',' || sets[e] == 'x';
      if (start_ok && end_ok) return true;
      p = sets.find(id, p + 1);
    }
  }
  return false;
}

std::string GoldenJson(const X12Mapped& m) {
  nlohmann::ordered_json j;
  j["type"] = std::string(model::DocumentTypeName(m.doc.type));
  j["document"] = nlohmann::ordered_json::parse(model::CanonicalToJson(m.doc));
  nlohmann::ordered_json issues = nlohmann::ordered_json::array();
  for (const auto& i : m.issues) {
    nlohmann::ordered_json o;
    o["severity"] = std::string(IssueSeverityName(i.severity));
    o["segment"] = i.segment;
    o["segment_ordinal"] = i.segment_ordinal;
    o["element"] = i.element;
    o["value"] = i.value;
    o["field"] = i.field;
    o["message"] = i.message;
    issues.push_back(std::move(o));
  }
  j["issues"] = std::move(issues);
  return j.dump(2) + "\n";
}

TEST(X12MapCorpusTest, GoldenFiles) {
  const std::string corpus = CROSSDOCK_CORPUS_DIR;
  const std::string golden_dir = std::string(CROSSDOCK_SOURCE_DIR) + "/tests/golden/mapping/corpus";
  const char* update_env = std::getenv("CROSSDOCK_UPDATE_GOLDEN");
  const bool update = update_env && std::string(update_env) == "1";

  std::ifstream manifest(corpus + "/x12/MANIFEST.tsv");
  ASSERT_TRUE(manifest.good()) << "the third-party corpus is missing: " << corpus
                               << "/x12/MANIFEST.tsv (the golden "
                               << "corpus test needs ../shared/corpus beside the checkout)";
  const std::string readme = ReadFile(golden_dir + "/README.md");
  ASSERT_FALSE(readme.empty()) << golden_dir << "/README.md is missing";

  std::vector<CorpusFile> files;
  std::string line;
  std::getline(manifest, line);  // header
  while (std::getline(manifest, line)) {
    auto cols = SplitTabs(line);
    if (cols.size() < 5 || !MentionsMappedSet(cols[4])) continue;
    const std::string prefix = "shared/corpus/";
    std::string rel = cols[0].rfind(prefix, 0) == 0 ? cols[0].substr(prefix.size()) : cols[0];
    files.push_back({rel, cols[4]});
  }
  ASSERT_GT(files.size(), 50u);

  std::set<std::string> produced;
  std::map<std::string, int> per_type;
  int mismatches = 0, written = 0, unhandled = 0;
  for (const auto& f : files) {
    auto doc = x12::ReadDocumentFile(corpus + "/" + f.rel);
    int mapped_here = 0;
    if (doc.ok()) {
      for (const auto& ic : doc->interchanges) {
        for (const auto& g : ic.groups) {
          for (const auto& s : g.sets) {
            const auto types = TypesForSet(s.id);
            if (types.empty()) continue;
            // 850s come from customers (the hub sells): sales orders. The rest come from
            // suppliers. The partner kind is inferred from the set; amounts without a CUR are
            // in USD, as a partner profile's default currency would say.
            const DocumentType type = s.id == "850" ? DocumentType::kSalesOrder : types[0];
            X12MapOptions opts;
            opts.currency = "USD";
            auto m = FromX12(doc->set_view(s), ContextFor(ic, g), type, opts);
            ASSERT_TRUE(m.ok()) << f.rel << " set " << s.global_index << ": "
                                << m.error().ToString();
            ++mapped_here;
            ++per_type[std::string(model::DocumentTypeName(type))];
            std::string name = f.rel;
            for (size_t p = name.find('/'); p != std::string::npos; p = name.find('/', p)) {
              name.replace(p, 1, "__");
            }
            name += "." + std::to_string(s.global_index) + ".json";
            produced.insert(name);
            const std::string actual = GoldenJson(*m);
            const std::string path = golden_dir + "/" + name;
            const std::string expected = ReadFile(path);
            if (actual == expected) continue;
            if (update) {
              std::ofstream(path, std::ios::binary) << actual;
              ++written;
            } else {
              ++mismatches;
              ADD_FAILURE() << "golden mismatch for " << f.rel << " set " << s.global_index << " ("
                            << path << ")" << (expected.empty() ? ": no golden file" : "")
                            << "; run with CROSSDOCK_UPDATE_GOLDEN=1 and review the diff";
            }
          }
        }
      }
    }
    if (mapped_here == 0) {
      ++unhandled;
      // A file listed with mapped sets that yields none must be explained in the README.
      EXPECT_NE(readme.find("`" + f.rel + "`"), std::string::npos)
          << f.rel << " (" << f.sets << ") maps no set"
          << (doc.ok() ? "" : ": " + doc.error().ToString())
          << "; note it in tests/golden/mapping/corpus/README.md";
    }
  }
  // No stale golden files.
  for (const auto& entry : std::filesystem::directory_iterator(golden_dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json" || produced.count(name)) continue;
    if (update) {
      std::filesystem::remove(entry.path());
    } else {
      ADD_FAILURE() << "stale golden file " << name << " (no corpus set produces it)";
    }
  }
  std::string summary;
  for (const auto& [t, n] : per_type) summary += " " + t + "=" + std::to_string(n);
  std::cout << "[corpus] " << files.size() << " files, " << produced.size()
            << " sets mapped:" << summary << "; " << unhandled << " files unhandled; " << written
            << " golden files written; " << mismatches << " mismatches\n";
}

}  // namespace
}  // namespace crossdock::mapping
