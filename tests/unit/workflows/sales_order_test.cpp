#include "workflows/sales_order.hpp"

#include <gtest/gtest.h>

#include "model/json.hpp"

namespace crossdock::workflows {
namespace {

Decimal D(const char* s) { return Decimal::Parse(s).value(); }

model::SalesOrder Order() {
  return model::FromJson<model::SalesOrder>(R"({
    "po_number": "SC-1", "order_date": "2026-11-23", "currency": "USD",
    "requested_delivery_date": "2026-11-27",
    "lines": [
      {"line_number": "1", "item": {"sku": "SKU-A"}, "quantity": {"value": "10", "uom": "EA"},
       "unit_price": {"amount": "2.50", "currency": "USD"}},
      {"line_number": "2", "item": {"sku": "SKU-B"}, "quantity": {"value": "5", "uom": "EA"},
       "unit_price": {"amount": "1.00", "currency": "USD"}}]})")
      .value();
}

template <typename T>
std::vector<T> Cmds(const SoTransition& t) {
  std::vector<T> out;
  for (const auto& c : t.commands) {
    if (const auto* x = std::get_if<T>(&c)) out.push_back(*x);
  }
  return out;
}

std::vector<std::string> Emitted(const SoTransition& t) {
  std::vector<std::string> out;
  for (const auto& e : Cmds<SoEmit>(t)) out.push_back(e.type);
  return out;
}

SalesOrderState Step(const SalesOrderState& s, const SoEvent& e, SoTransition* out = nullptr) {
  auto t = Apply(s, e);
  EXPECT_TRUE(t.ok()) << t.error().message();
  if (out) *out = *t;
  return t->state;
}

std::vector<LinePlan> SplitPlan() {
  // Line 1: 6 from EAST, 3 from WEST, 1 backordered to Dec 5. Line 2: all from EAST.
  return {LinePlan{"1", {{"EAST", D("6"), {}}, {"WEST", D("3"), {}}}, D("1"), "EAST", "2026-12-05"},
          LinePlan{"2", {{"EAST", D("5"), {}}}, Decimal(), "", ""}};
}

TEST(SalesOrder, AcceptedOrderReservesSplitsBackordersAndReleases) {
  SoTransition t;
  auto s =
      Step({}, SoReceived{Order(), "shopco", "api", "ST-1", false, {}, {}, SplitPlan(), {}}, &t);
  EXPECT_EQ(s.order_id, "shopco/SC-1");
  EXPECT_EQ(s.state, "released");
  EXPECT_EQ(s.total.ToString(), "30.00");
  auto res = Cmds<Reserve>(t);
  ASSERT_EQ(res.size(), 3u);
  EXPECT_EQ(res[0].warehouse, "EAST");
  EXPECT_EQ(res[1].delta.ToString(), "3");
  auto bo = Cmds<Backorder>(t);
  ASSERT_EQ(bo.size(), 1u);
  EXPECT_EQ(bo[0].delta.ToString(), "1");
  auto rel = Cmds<ReleaseToWarehouse>(t);
  ASSERT_EQ(rel.size(), 2u);  // EAST and WEST each get their part
  EXPECT_EQ(rel[0].warehouse, "EAST");
  EXPECT_EQ(rel[0].order.lines.size(), 2u);
  EXPECT_EQ(rel[1].order.lines[0].quantity.value.ToString(), "3");
  EXPECT_EQ(Cmds<SendAcknowledgment>(t).size(), 1u);
  EXPECT_EQ(s.lines[0].status, "partial");
  EXPECT_EQ(s.lines[0].promise_date, "2026-12-05");
  auto ack = AckDocument(s, "2026-11-23");
  EXPECT_EQ(ack.ack_type, "accepted_with_changes");
  ASSERT_EQ(ack.lines[0].details.size(), 2u);
  EXPECT_EQ(ack.lines[0].details[1].status, "backordered");
  EXPECT_EQ(ack.lines[0].details[1].date, "2026-12-05");
}

TEST(SalesOrder, ShipCompleteWaitsForTheBackorder) {
  SoTransition t;
  auto s = Step({}, SoReceived{Order(), "c", "x12", "ST", true, {}, {}, SplitPlan(), {}}, &t);
  EXPECT_EQ(s.state, "accepted");
  EXPECT_TRUE(Cmds<ReleaseToWarehouse>(t).empty());
  EXPECT_EQ(Cmds<Reserve>(t).size(), 3u);  // still reserved for this order
  // Supply arrives: the backordered unit is reserved, the order ships complete.
  s = Step(s, SoReallocated{{LinePlan{"1", {{"EAST", D("1"), {}}}, Decimal(), "", ""}}}, &t);
  EXPECT_EQ(s.state, "released");
  EXPECT_EQ(Cmds<ReleaseToWarehouse>(t).size(), 2u);
  auto n = Cmds<NotifyPromise>(t);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].old_date, "2026-12-05");
  EXPECT_EQ(n[0].new_date, "");
  EXPECT_EQ(Cmds<Backorder>(t)[0].delta.ToString(), "-1");
}

TEST(SalesOrder, CreditHoldReleasedByAnOperator) {
  SoTransition t;
  auto s = Step({},
                SoReceived{Order(),
                           "c",
                           "api",
                           "ST",
                           false,
                           {"credit"},
                           {"open orders 4990 + 30.00 exceed the limit 5000"},
                           {},
                           {}},
                &t);
  EXPECT_EQ(s.state, "on_hold");
  EXPECT_TRUE(Cmds<Reserve>(t).empty());
  EXPECT_EQ(Emitted(t).back(), "sales_order.on_hold.v1");
  EXPECT_FALSE(Apply(s, SoHoldReleased{"price", "ops", "", {}}).ok());
  s = Step(s, SoHoldReleased{"credit", "maria", "customer paid", SplitPlan()}, &t);
  EXPECT_EQ(s.state, "released");
  EXPECT_EQ(Cmds<Reserve>(t).size(), 3u);
  EXPECT_NE(s.hold_notes.back().find("maria: customer paid"), std::string::npos);
}

TEST(SalesOrder, ShipmentsConsumeStockInvoiceAndClose) {
  auto s = Step({}, SoReceived{Order(),
                               "c",
                               "api",
                               "ST",
                               false,
                               {},
                               {},
                               {LinePlan{"1", {{"EAST", D("10"), {}}}, Decimal(), "", ""},
                                LinePlan{"2", {{"EAST", D("5"), {}}}, Decimal(), "", ""}},
                               {}});
  auto part = model::FromJson<model::Shipment>(R"({"shipment_id": "WS-1", "ship_date": "2026-11-24",
    "orders": [{"po_number": "c/SC-1", "items": [{"line_number": "1", "item": {"sku": "SKU-A"},
    "quantity": {"value": "4", "uom": "EA"}}]}]})")
                  .value();
  SoTransition t;
  s = Step(s, SoShipped{part, "EAST"}, &t);
  EXPECT_EQ(s.state, "partially_shipped");
  auto consume = Cmds<ConsumeStock>(t);
  ASSERT_EQ(consume.size(), 1u);
  EXPECT_EQ(consume[0].quantity.ToString(), "4");
  EXPECT_EQ(Cmds<Reserve>(t)[0].delta.ToString(), "-4");
  EXPECT_EQ(Cmds<SendShipmentNotice>(t).size(), 1u);
  ASSERT_EQ(Cmds<SendInvoice>(t).size(), 1u);
  auto inv = InvoiceDocument(s, part, Cmds<SendInvoice>(t)[0].invoice_number, "2026-11-24");
  EXPECT_EQ(inv.total->amount.ToString(), "10.00");
  EXPECT_EQ(Apply(s, SoShipped{part, "EAST"}).error().code(), Code::kAlreadyExists);
  auto rest = model::FromJson<model::Shipment>(R"({"shipment_id": "WS-2", "ship_date": "2026-11-25",
    "orders": [{"po_number": "c/SC-1", "items": [
      {"line_number": "1", "item": {"sku": "SKU-A"}, "quantity": {"value": "6", "uom": "EA"}},
      {"line_number": "2", "item": {"sku": "SKU-B"}, "quantity": {"value": "5", "uom": "EA"}}]}]})")
                  .value();
  s = Step(s, SoShipped{rest, "EAST"}, &t);
  EXPECT_EQ(s.state, "closed");
  EXPECT_EQ(s.invoices.size(), 2u);
  EXPECT_EQ(Emitted(t).back(), "sales_order.closed.v1");
}

TEST(SalesOrder, CancellationReleasesEverythingAndTellsTheWarehouse) {
  auto s = Step({}, SoReceived{Order(), "c", "api", "ST", false, {}, {}, SplitPlan(), {}});
  SoTransition t;
  s = Step(s, SoCancelled{"ops", "customer changed their mind"}, &t);
  EXPECT_EQ(s.state, "cancelled");
  Decimal released;
  for (const auto& r : Cmds<Reserve>(t)) released = released.Add(r.delta).value();
  EXPECT_EQ(released.ToString(), "-14");
  EXPECT_EQ(Cmds<Backorder>(t)[0].delta.ToString(), "-1");
  auto wh = Cmds<ReleaseToWarehouse>(t);
  ASSERT_EQ(wh.size(), 2u);
  EXPECT_EQ(wh[0].order.purpose, "cancel");
  EXPECT_EQ(AckDocument(s, "2026-11-23").ack_type, "rejected_with_detail");
}

TEST(SalesOrder, SubstitutionIsRecordedAndAcknowledged) {
  SoTransition t;
  auto s = Step({},
                SoReceived{Order(),
                           "c",
                           "api",
                           "ST",
                           false,
                           {},
                           {},
                           {LinePlan{"1", {{"EAST", D("10"), {}}}, Decimal(), "", ""},
                            LinePlan{"2", {{"EAST", D("5"), {}}}, Decimal(), "", ""}},
                           {{"2", "SKU-B2"}}},
                &t);
  EXPECT_EQ(s.lines[1].sku, "SKU-B2");
  EXPECT_EQ(s.lines[1].substituted_from, "SKU-B");
  EXPECT_EQ(Cmds<Reserve>(t)[1].sku, "SKU-B2");
  auto ack = AckDocument(s, "2026-11-23");
  EXPECT_EQ(ack.lines[1].details[0].code, "IS");
  EXPECT_EQ(Cmds<SoRaise>(t)[0].exception.type, "substitution");
}

TEST(SalesOrder, StateRoundTripsThroughJson) {
  auto s = Step({}, SoReceived{Order(), "c", "api", "ST", false, {}, {}, SplitPlan(), {}});
  auto back = SalesOrderStateFromJson(ToJson(s));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(ToJson(*back), ToJson(s));
}

}  // namespace
}  // namespace crossdock::workflows
