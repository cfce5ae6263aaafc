#include "inventory/positions.hpp"

#include <gtest/gtest.h>

namespace crossdock::inventory {
namespace {

Decimal D(const char* s) { return Decimal::Parse(s).value(); }

Change OnHand(const std::string& sku, const std::string& wh, const char* q) {
  Change c;
  c.op = Change::Op::kSetOnHand;
  c.sku = sku;
  c.warehouse = wh;
  c.uom = "EA";
  c.quantity = D(q);
  c.source = "erp-snapshot";
  c.as_of = FromUnixMillis(1'795'000'000'000);
  return c;
}

Change Supply(const std::string& sku, const std::string& wh, const std::string& kind,
              const std::string& ref, std::vector<Change::Part> parts) {
  Change c;
  c.op = Change::Op::kSetSupply;
  c.sku = sku;
  c.warehouse = wh;
  c.kind = kind;
  c.ref = ref;
  c.parts = std::move(parts);
  return c;
}

TEST(Atp, NowThenSupplyByDate) {
  Index idx;
  idx.Apply({OnHand("A", "EAST", "50"),
             Supply("A", "EAST", "on_order", "po/1/1",
                    {{D("600"), "2026-12-01"}, {D("400"), "2026-12-15"}}),
             Supply("A", "EAST", "in_transit", "po/2/1", {{D("100"), "2026-11-25"}})});
  Change r;
  r.op = Change::Op::kAdjustReserved;
  r.sku = "A";
  r.warehouse = "EAST";
  r.quantity = D("20");
  idx.Apply({r});
  auto a = idx.Atp("A", D("30"), "2026-11-23", {});
  ASSERT_EQ(a.warehouses.size(), 1u);
  EXPECT_EQ(a.warehouses[0].available_now.ToString(), "30");
  EXPECT_EQ(*a.promise_date, "2026-11-23");
  a = idx.Atp("A", D("500"), "2026-11-23", {});
  EXPECT_EQ(*a.promise_date, "2026-12-01");  // 30 + 100 + 600
  const auto& f = a.warehouses[0].future;
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].date, "2026-11-25");
  EXPECT_EQ(f[0].cumulative.ToString(), "130");
  EXPECT_EQ(f[2].cumulative.ToString(), "1130");
  a = idx.Atp("A", D("1000"), "2026-11-23", {});
  EXPECT_EQ(*a.promise_date, "2026-12-15");
  a = idx.Atp("A", D("5000"), "2026-11-23", {});
  EXPECT_FALSE(a.promise_date.has_value());
}

TEST(Atp, ReplacingSupplyMovesThePromise) {
  Index idx;
  idx.Apply({OnHand("A", "EAST", "0"),
             Supply("A", "EAST", "on_order", "po/1/1", {{D("1000"), "2026-12-01"}})});
  EXPECT_EQ(*idx.Atp("A", D("800"), "2026-11-23", {}).promise_date, "2026-12-01");
  // The supplier confirms 600 for the date and 400 two weeks later.
  idx.Apply({Supply("A", "EAST", "on_order", "po/1/1",
                    {{D("600"), "2026-12-01"}, {D("400"), "2026-12-15"}})});
  EXPECT_EQ(*idx.Atp("A", D("800"), "2026-11-23", {}).promise_date, "2026-12-15");
  idx.Apply({Supply("A", "EAST", "on_order", "po/1/1", {})});
  EXPECT_FALSE(idx.Atp("A", D("800"), "2026-11-23", {}).promise_date.has_value());
  EXPECT_TRUE(idx.Get("A", "EAST")->supply.empty());
}

TEST(Atp, WarehousePreferenceAndEarliestPromise) {
  Index idx;
  idx.Apply({OnHand("A", "EAST", "5"), OnHand("A", "WEST", "100"), OnHand("A", "NORTH", "100")});
  auto a = idx.Atp("A", D("10"), "2026-11-23", {"EAST", "NORTH"});
  ASSERT_EQ(a.warehouses.size(), 3u);
  EXPECT_EQ(a.warehouses[0].position.warehouse, "EAST");
  EXPECT_EQ(a.warehouses[1].position.warehouse, "NORTH");
  EXPECT_FALSE(a.warehouses[0].promise_date.has_value());
  EXPECT_EQ(a.promise_warehouse, "NORTH");  // preferred among those that cover it today
}

TEST(Atp, PastSupplyDatesCountFromToday) {
  Index idx;
  idx.Apply({Supply("A", "EAST", "in_transit", "asn", {{D("10"), "2026-11-01"}})});
  auto a = idx.Atp("A", D("10"), "2026-11-23", {});
  EXPECT_EQ(*a.promise_date, "2026-11-23");
  EXPECT_TRUE(idx.Atp("Z", D("1"), "2026-11-23", {}).warehouses.empty());
}

TEST(Atp, FutureSupplyServesExistingBackordersFirst) {
  Index idx;
  idx.Apply({OnHand("A", "EAST", "0"), Supply("A", "EAST", "on_order", "po/1/1",
                                              {{D("10"), "2026-12-01"}, {D("10"), "2026-12-10"}})});
  EXPECT_EQ(*idx.Atp("A", D("5"), "2026-11-23", {}).promise_date, "2026-12-01");
  Change b;
  b.op = Change::Op::kAdjustBackordered;
  b.sku = "A";
  b.warehouse = "EAST";
  b.quantity = D("8");  // someone is already waiting for 8
  idx.Apply({b});
  EXPECT_EQ(*idx.Atp("A", D("5"), "2026-11-23", {}).promise_date, "2026-12-10");
  EXPECT_EQ(*idx.Atp("A", D("2"), "2026-11-23", {}).promise_date, "2026-12-01");
}

TEST(Positions, AdjustmentsAndSources) {
  Index idx;
  Change c = OnHand("A", "EAST", "10");
  Change adj;
  adj.op = Change::Op::kAdjustOnHand;
  adj.sku = "A";
  adj.warehouse = "EAST";
  adj.quantity = D("-3");
  adj.source = "cycle count";
  idx.Apply({c, adj});
  auto p = idx.Get("A", "EAST");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->on_hand.ToString(), "7");
  EXPECT_EQ(p->on_hand_source, "cycle count");
  EXPECT_EQ(idx.size(), 1u);
}

}  // namespace
}  // namespace crossdock::inventory
