#include "workflows/purchase_order.hpp"

#include <gtest/gtest.h>

#include "model/json.hpp"

namespace crossdock::workflows {
namespace {

Decimal D(const char* s) { return Decimal::Parse(s).value(); }

model::PurchaseOrder Order() {
  return model::FromJson<model::PurchaseOrder>(R"({
    "po_number": "PO-1", "order_date": "2026-11-20", "currency": "USD",
    "requested_delivery_date": "2026-12-01",
    "lines": [
      {"line_number": "1", "item": {"sku": "SKU-1001", "partner_item_id": "DS-HB840"},
       "quantity": {"value": "1000", "uom": "EA"}, "unit_price": {"amount": "0.12", "currency": "USD"}},
      {"line_number": "2", "item": {"sku": "SKU-1002"},
       "quantity": {"value": "5000", "uom": "EA"}, "unit_price": {"amount": "0.02", "currency": "USD"}}]})")
      .value();
}

PoPolicy Policy() { return PoPolicy{D("2"), D("0"), 24}; }

template <typename T>
std::vector<T> Commands(const PoTransition& t) {
  std::vector<T> out;
  for (const auto& c : t.commands) {
    if (const auto* x = std::get_if<T>(&c)) out.push_back(*x);
  }
  return out;
}

std::vector<std::string> Emitted(const PoTransition& t) {
  std::vector<std::string> out;
  for (const auto& e : Commands<Emit>(t)) out.push_back(e.type);
  return out;
}

const SetSupply* Supply(const PoTransition& t, const std::string& kind, const std::string& sku) {
  for (const auto& c : t.commands) {
    if (const auto* x = std::get_if<SetSupply>(&c)) {
      if (x->kind == kind && x->sku == sku) return x;
    }
  }
  return nullptr;
}

PurchaseOrderState Step(const PurchaseOrderState& s, const PoEvent& e,
                        PoTransition* out = nullptr) {
  auto t = Apply(s, e, Policy());
  EXPECT_TRUE(t.ok()) << t.error().message();
  if (out) *out = *t;
  return t->state;
}

TEST(PurchaseOrder, ReleasedWithoutApprovalSendsAndCountsSupply) {
  PoTransition t;
  auto s = Step({}, PoCreated{Order(), "demo-supplier", "WH-EAST", "replenishment", false}, &t);
  EXPECT_EQ(s.state, "released");
  EXPECT_EQ(s.total.ToString(), "220.00");
  EXPECT_EQ(s.version, 1);
  EXPECT_EQ(Commands<SendPurchaseOrder>(t).size(), 1u);
  const SetSupply* on = Supply(t, "on_order", "SKU-1001");
  ASSERT_NE(on, nullptr);
  ASSERT_EQ(on->parts.size(), 1u);
  EXPECT_EQ(on->parts[0].quantity.ToString(), "1000");
  EXPECT_EQ(on->parts[0].date, "2026-12-01");
  EXPECT_EQ(Emitted(t),
            (std::vector<std::string>{"purchase_order.created.v1", "purchase_order.released.v1"}));
  s = Step(s, PoSent{"m-850"}, &t);
  EXPECT_EQ(s.state, "sent");
  ASSERT_EQ(Commands<StartAckClock>(t).size(), 1u);
  EXPECT_EQ(Commands<StartAckClock>(t)[0].hours, 24);
}

TEST(PurchaseOrder, ApprovalGatesRelease) {
  PoTransition t;
  auto s = Step({}, PoCreated{Order(), "demo-supplier", "WH-EAST", "replenishment", true}, &t);
  EXPECT_EQ(s.state, "pending_approval");
  EXPECT_TRUE(Commands<SendPurchaseOrder>(t).empty());
  EXPECT_EQ(Supply(t, "on_order", "SKU-1001"), nullptr);  // not supply until released
  EXPECT_EQ(Apply(s, PoSent{"x"}, Policy()).error().code(), Code::kFailedPrecondition);
  s = Step(s, PoApproved{"maria"}, &t);
  EXPECT_EQ(s.state, "released");
  EXPECT_EQ(s.approved_by, "maria");
  EXPECT_EQ(Commands<SendPurchaseOrder>(t).size(), 1u);
  auto again = Apply(s, PoApproved{"maria"}, Policy());
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message().find("is released"), std::string::npos);
}

model::PurchaseOrderAck PartialAck() {
  return model::FromJson<model::PurchaseOrderAck>(R"({
    "po_number": "PO-1", "ack_type": "accepted_with_changes", "ack_date": "2026-11-21",
    "lines": [
      {"line_number": "1", "item": {"sku": "SKU-1001"}, "ordered": {"value": "1000", "uom": "EA"},
       "details": [{"status": "accepted", "code": "IA", "quantity": {"value": "600", "uom": "EA"}, "date": "2026-12-01"},
                   {"status": "backordered", "code": "IB", "quantity": {"value": "400", "uom": "EA"}, "date": "2026-12-15"}]},
      {"line_number": "2", "item": {"sku": "SKU-1002"}, "ordered": {"value": "5000", "uom": "EA"},
       "details": [{"status": "accepted", "code": "IA", "quantity": {"value": "5000", "uom": "EA"}, "date": "2026-12-01"}]}]})")
      .value();
}

TEST(PurchaseOrder, FullProcureToPayWithPartialAckVarianceAndPriceDiscrepancy) {
  PoTransition t;
  auto s = Step({}, PoCreated{Order(), "demo-supplier", "WH-EAST", "replenishment", false});
  s = Step(s, PoSent{"m"});
  // 855: 60 % now, 40 % two weeks later.
  s = Step(s, PoAckReceived{PartialAck()}, &t);
  EXPECT_EQ(s.state, "partially_confirmed");  // 60 % confirmed, 40 % backordered to later
  EXPECT_EQ(s.lines[0].confirmed.ToString(), "600");
  EXPECT_EQ(s.lines[0].backordered.ToString(), "400");
  auto ex = Commands<RaiseException>(t);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0].exception.type, "partial_confirmation");
  EXPECT_EQ(ex[0].exception.line, "1");
  EXPECT_NE(ex[0].exception.message.find("600 EA for 2026-12-01, 400 EA for 2026-12-15"),
            std::string::npos)
      << ex[0].exception.message;
  const SetSupply* on = Supply(t, "on_order", "SKU-1001");
  ASSERT_EQ(on->parts.size(), 2u);
  EXPECT_EQ(on->parts[1].quantity.ToString(), "400");
  EXPECT_EQ(on->parts[1].date, "2026-12-15");
  // 856 ships the 600.
  auto sh = model::FromJson<model::Shipment>(R"({"shipment_id": "SH-1", "ship_date": "2026-11-29",
    "expected_delivery_date": "2026-12-01", "orders": [{"po_number": "PO-1", "packs": [
      {"sscc": "001234567890123456", "level": "pack", "items": [
        {"line_number": "1", "item": {"sku": "SKU-1001"}, "quantity": {"value": "600", "uom": "EA"}}]}]}]})")
                .value();
  s = Step(s, PoShipmentReceived{sh}, &t);
  EXPECT_EQ(s.state, "shipped");
  EXPECT_EQ(Supply(t, "in_transit", "SKU-1001")->parts[0].quantity.ToString(), "600");
  on = Supply(t, "on_order", "SKU-1001");
  ASSERT_EQ(on->parts.size(), 1u);  // the 600 moved from on order to in transit
  EXPECT_EQ(on->parts[0].quantity.ToString(), "400");
  EXPECT_EQ(Apply(s, PoShipmentReceived{sh}, Policy()).error().code(), Code::kAlreadyExists);
  // Receipt: 590 of 600 arrive.
  auto rc = model::FromJson<model::Receipt>(
                R"({"receipt_id": "R-1", "received_at": "2026-12-01T10:00:00Z",
    "lines": [{"line_number": "1", "item": {"sku": "SKU-1001"}, "received": {"value": "590", "uom": "EA"}}]})")
                .value();
  s = Step(s, PoReceiptReceived{rc}, &t);
  EXPECT_EQ(s.state, "partially_received");
  auto adj = Commands<AdjustOnHand>(t);
  ASSERT_EQ(adj.size(), 1u);
  EXPECT_EQ(adj[0].delta.ToString(), "590");
  EXPECT_EQ(adj[0].warehouse, "WH-EAST");
  ex = Commands<RaiseException>(t);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0].exception.type, "receipt_variance");
  EXPECT_NE(ex[0].exception.message.find("expected 600 EA, received 590 EA"), std::string::npos);
  EXPECT_EQ(Supply(t, "in_transit", "SKU-1001")->parts[0].quantity.ToString(), "10");
  EXPECT_EQ(Commands<PostToErp>(t).size(), 1u);
  // 810 bills 590 at 0.13 (8.3 % over 0.12).
  auto inv =
      model::FromJson<model::Invoice>(R"({"invoice_number": "INV-1", "invoice_date": "2026-12-02",
    "po_number": "PO-1", "lines": [{"line_number": "1", "item": {"sku": "SKU-1001"},
    "quantity": {"value": "590", "uom": "EA"}, "unit_price": {"amount": "0.13", "currency": "USD"}}]})")
          .value();
  s = Step(s, PoInvoiceReceived{inv}, &t);
  EXPECT_EQ(s.state, "discrepancy");
  ex = Commands<RaiseException>(t);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0].exception.type, "invoice_price_variance");
  EXPECT_EQ(ex[0].exception.value, "0.13");
  EXPECT_NE(ex[0].exception.message.find("8.3333% off"), std::string::npos)
      << ex[0].exception.message;
  EXPECT_TRUE(Commands<PostToErp>(t).empty());
}

TEST(PurchaseOrder, PartialConfirmationWithRejectedRemainder) {
  auto ack = PartialAck();
  ack.lines[0].details[1].status = "rejected";
  ack.lines[0].details[1].code = "IR";
  PoTransition t;
  auto s = Step({}, PoCreated{Order(), "sup", "WH", "", false});
  s = Step(s, PoSent{"m"});
  s = Step(s, PoAckReceived{ack}, &t);
  EXPECT_EQ(s.state, "partially_confirmed");
  EXPECT_EQ(s.lines[0].confirmed.ToString(), "600");
  EXPECT_EQ(s.lines[0].rejected.ToString(), "400");
  auto ex = Commands<RaiseException>(t);
  ASSERT_EQ(ex.size(), 1u);
  EXPECT_EQ(ex[0].exception.type, "partial_confirmation");
  EXPECT_EQ(Supply(t, "on_order", "SKU-1001")->parts.size(), 1u);
}

TEST(PurchaseOrder, MatchedInvoiceClosesAFullyReceivedOrder) {
  auto s = Step({}, PoCreated{Order(), "sup", "WH", "", false});
  s = Step(s, PoSent{"m"});
  auto ack = model::FromJson<model::PurchaseOrderAck>(
                 R"({"po_number": "PO-1", "ack_type": "accepted", "ack_date": "2026-11-21"})")
                 .value();
  s = Step(s, PoAckReceived{ack});
  EXPECT_EQ(s.state, "acknowledged");
  auto rc = model::FromJson<model::Receipt>(
                R"({"receipt_id": "R-9", "received_at": "2026-12-01T10:00:00Z",
    "lines": [{"item": {"sku": "SKU-1001"}, "received": {"value": "1000", "uom": "EA"}},
              {"item": {"sku": "SKU-1002"}, "received": {"value": "5000", "uom": "EA"}}]})")
                .value();
  PoTransition t;
  s = Step(s, PoReceiptReceived{rc}, &t);
  EXPECT_EQ(s.state, "received");
  EXPECT_TRUE(Commands<RaiseException>(t).empty());
  EXPECT_TRUE(Supply(t, "on_order", "SKU-1001")->parts.empty());
  auto inv =
      model::FromJson<model::Invoice>(R"({"invoice_number": "INV-2", "invoice_date": "2026-12-02",
    "lines": [{"line_number": "1", "item": {"sku": "SKU-1001"}, "quantity": {"value": "1000", "uom": "EA"}, "unit_price": {"amount": "0.1224", "currency": "USD"}},
              {"line_number": "2", "item": {"sku": "SKU-1002"}, "quantity": {"value": "5000", "uom": "EA"}, "unit_price": {"amount": "0.02", "currency": "USD"}}],
    "total": {"amount": "222.40", "currency": "USD"}})")
          .value();
  s = Step(s, PoInvoiceReceived{inv}, &t);
  EXPECT_EQ(s.state, "closed");  // 2 % over is inside the tolerance
  EXPECT_EQ(Emitted(t),
            (std::vector<std::string>{"purchase_order.invoiced.v1", "purchase_order.matched.v1",
                                      "purchase_order.closed.v1"}));
}

TEST(PurchaseOrder, InvoiceForMoreThanReceivedAndWrongTotal) {
  auto s = Step({}, PoCreated{Order(), "sup", "WH", "", false});
  s = Step(s, PoSent{"m"});
  auto inv =
      model::FromJson<model::Invoice>(R"({"invoice_number": "INV-3", "invoice_date": "2026-12-02",
    "lines": [{"line_number": "1", "item": {"sku": "SKU-1001"}, "quantity": {"value": "1000", "uom": "EA"}, "unit_price": {"amount": "0.12", "currency": "USD"}}],
    "total": {"amount": "999.00", "currency": "USD"}})")
          .value();
  PoTransition t;
  s = Step(s, PoInvoiceReceived{inv}, &t);
  EXPECT_EQ(s.state, "discrepancy");
  std::vector<std::string> types;
  for (const auto& e : Commands<RaiseException>(t)) types.push_back(e.exception.type);
  EXPECT_EQ(types,
            (std::vector<std::string>{"invoice_quantity_variance", "invoice_total_mismatch"}));
}

TEST(PurchaseOrder, AckOverdueOnlyWhileUnacknowledged) {
  auto s = Step({}, PoCreated{Order(), "sup", "WH", "", false});
  s = Step(s, PoSent{"m"});
  PoTransition t;
  s = Step(s, PoAckOverdue{"2026-11-21T10:00:00Z"}, &t);
  EXPECT_TRUE(s.ack_overdue);
  ASSERT_EQ(Commands<RaiseException>(t).size(), 1u);
  EXPECT_EQ(Commands<RaiseException>(t)[0].exception.type, "ack_overdue");
  s = Step(s, PoAckReceived{PartialAck()});
  EXPECT_FALSE(s.ack_overdue);
  auto late = PartialAck();
  late.lines[0].details[1].status = "accepted";  // all confirmed, part of it late
  s = Step(s, PoAckReceived{late}, &t);
  EXPECT_EQ(s.state, "date_changed");
  EXPECT_EQ(Commands<RaiseException>(t)[0].exception.type, "date_changed");
  s = Step(s, PoAckOverdue{"later"}, &t);
  EXPECT_TRUE(t.commands.empty());
}

TEST(PurchaseOrder, CancelAfterSendSendsACancellation) {
  auto s = Step({}, PoCreated{Order(), "sup", "WH", "", false});
  s = Step(s, PoSent{"m"});
  PoTransition t;
  s = Step(s, PoCancelled{"ops", "duplicate"}, &t);
  EXPECT_EQ(s.state, "cancelled");
  EXPECT_EQ(Commands<SendPurchaseOrder>(t).size(), 1u);
  EXPECT_EQ(ToDocument(s).purpose, "cancel");
  EXPECT_TRUE(Supply(t, "on_order", "SKU-1001")->parts.empty());
  EXPECT_FALSE(Apply(s, PoAckReceived{PartialAck()}, Policy()).ok());
}

TEST(PurchaseOrder, StateRoundTripsThroughJson) {
  auto s = Step({}, PoCreated{Order(), "sup", "WH", "", false});
  s = Step(s, PoSent{"m"});
  s = Step(s, PoAckReceived{PartialAck()});
  const std::string j = ToJson(s);
  auto back = PurchaseOrderStateFromJson(j);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(ToJson(*back), j);
  EXPECT_EQ(back->lines[0].schedule.size(), 2u);
}

}  // namespace
}  // namespace crossdock::workflows
