#include "connectors/tryton/pull.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace crossdock::connectors::tryton {
namespace {

using nlohmann::json;
using Op = store::InventoryChange::Op;

json Snapshot(const std::string& taken_at, const json& stock) {
  return {{"partner", "erp"},
          {"taken_at", taken_at},
          {"warehouses", {{{"code", "WH"}, {"name", "Warehouse"}, {"location", "WH-EAST"}}}},
          {"items",
           {{{"code", "SKU-1"},
             {"sku", "SKU-1"},
             {"name", "Bolt"},
             {"uom", "EA"},
             {"active", true},
             {"type", "goods"},
             {"list_price", "0.19"}}}},
          {"parties",
           {{{"code", "shopco"}, {"partner", "shopco"}, {"name", "ShopCo"}, {"active", true}}}},
          {"stock", stock},
          {"documents", json::array()}};
}

json Row(const std::string& sku, const std::string& qty) {
  return {{"sku", sku},      {"code", sku}, {"warehouse", "WH-EAST"}, {"tryton_warehouse", "WH"},
          {"quantity", qty}, {"uom", "EA"}};
}

const json* Event(const PullDiff& d, const std::string& type, json* detail) {
  for (const auto& e : d.events) {
    if (e.type == type) {
      *detail = json::parse(e.detail_json);
      return detail;
    }
  }
  return nullptr;
}

void Apply(inventory::Index* index, const PullDiff& d) { index->Apply(d.stock); }

TEST(PullDiff, FirstPullSetsEveryPositionAndRecordsTheLoad) {
  inventory::Index index;
  auto d = DiffSnapshot(
      "", Snapshot("2026-11-23T10:00:00Z", {Row("SKU-1", "500"), Row("SKU-2", "0")}).dump(), index,
      "tryton pull erp");
  ASSERT_TRUE(d.ok()) << d.error().message();
  ASSERT_EQ(d->stock.size(), 2u);
  EXPECT_EQ(d->stock[0].op, Op::kSetOnHand);
  EXPECT_EQ(d->stock[0].sku, "SKU-1");
  EXPECT_EQ(d->stock[0].warehouse, "WH-EAST");
  EXPECT_EQ(d->stock[0].quantity.ToString(), "500");
  EXPECT_EQ(d->stock[0].source, "tryton pull erp");
  EXPECT_EQ(FormatIso8601(d->stock[0].as_of), "2026-11-23T10:00:00.000Z");
  json detail;
  ASSERT_TRUE(Event(*d, "erp.master_data.loaded", &detail));
  EXPECT_EQ(detail["items"], 1);
  EXPECT_EQ(detail["parties"], 1);
}

TEST(PullDiff, OnlyWhatTrytonChangedIsSet) {
  inventory::Index index;
  auto d1 = DiffSnapshot(
      "", Snapshot("2026-11-23T10:00:00Z", {Row("SKU-1", "500"), Row("SKU-2", "40")}).dump(), index,
      "s");
  ASSERT_TRUE(d1.ok());
  Apply(&index, *d1);
  // The hub ships 100 of SKU-2 itself (a newer figure); Tryton has not heard yet.
  store::InventoryChange ship;
  ship.op = Op::kAdjustOnHand;
  ship.sku = "SKU-2";
  ship.warehouse = "WH-EAST";
  ship.quantity = Decimal::FromInt(-10);
  ship.as_of = *ParseIso8601("2026-11-23T10:00:05Z");
  index.ApplyOne(ship);
  // Nothing changed in Tryton: nothing is set (the hub's 30 stays).
  auto d2 = DiffSnapshot(
      d1->state_json,
      Snapshot("2026-11-23T10:00:10Z", {Row("SKU-1", "500"), Row("SKU-2", "40")}).dump(), index,
      "s");
  ASSERT_TRUE(d2.ok());
  EXPECT_TRUE(d2->stock.empty());
  EXPECT_TRUE(d2->events.empty());
  EXPECT_EQ(d2->changes, 0);
  // Tryton now shipped it too (40 -> 30): set, and the hub already agrees, so no change at all.
  auto d3 = DiffSnapshot(
      d2->state_json,
      Snapshot("2026-11-23T10:00:20Z", {Row("SKU-1", "480"), Row("SKU-2", "30")}).dump(), index,
      "s");
  ASSERT_TRUE(d3.ok());
  ASSERT_EQ(d3->stock.size(), 1u);
  EXPECT_EQ(d3->stock[0].sku, "SKU-1");
  EXPECT_EQ(d3->stock[0].quantity.ToString(), "480");
  json detail;
  ASSERT_TRUE(Event(*d3, "erp.stock.changed", &detail));
  EXPECT_EQ(detail["changed"][0]["from"], "500");
  EXPECT_EQ(detail["changed"][0]["to"], "480");
}

TEST(PullDiff, ASnapshotOlderThanTheHubsFigureIsMergedAsADelta) {
  inventory::Index index;
  auto d1 = DiffSnapshot(
      "", Snapshot("2026-11-23T10:00:00Z", json::array({Row("SKU-1", "500")})).dump(), index, "s");
  ASSERT_TRUE(d1.ok());
  Apply(&index, *d1);
  // The hub records a receipt of 2490 at 10:00:30 ...
  store::InventoryChange rec;
  rec.op = Op::kAdjustOnHand;
  rec.sku = "SKU-1";
  rec.warehouse = "WH-EAST";
  rec.quantity = Decimal::FromInt(2490);
  rec.as_of = *ParseIso8601("2026-11-23T10:00:30Z");
  index.ApplyOne(rec);
  // ... and a snapshot taken at 10:00:20 says Tryton counted 10 fewer: -10 on top of 2990.
  auto d2 = DiffSnapshot(
      d1->state_json, Snapshot("2026-11-23T10:00:20Z", json::array({Row("SKU-1", "490")})).dump(),
      index, "s");
  ASSERT_TRUE(d2.ok());
  ASSERT_EQ(d2->stock.size(), 1u);
  EXPECT_EQ(d2->stock[0].op, Op::kAdjustOnHand);
  EXPECT_EQ(d2->stock[0].quantity.ToString(), "-10");
  Apply(&index, *d2);
  EXPECT_EQ(index.Get("SKU-1", "WH-EAST")->on_hand.ToString(), "2980");
  // When Tryton has the receipt (2980), the next pull finds the hub in agreement.
  auto d3 = DiffSnapshot(
      d2->state_json, Snapshot("2026-11-23T10:00:40Z", json::array({Row("SKU-1", "2980")})).dump(),
      index, "s");
  ASSERT_TRUE(d3.ok());
  EXPECT_TRUE(d3->stock.empty());
}

TEST(PullDiff, MasterDataChangesSayWhatChanged) {
  inventory::Index index;
  json s1 = Snapshot("2026-11-23T10:00:00Z", json::array());
  auto d1 = DiffSnapshot("", s1.dump(), index, "s");
  ASSERT_TRUE(d1.ok());
  json s2 = s1;
  s2["taken_at"] = "2026-11-23T10:01:00Z";
  s2["items"][0]["name"] = "Hex bolt";
  s2["items"][0]["list_price"] = "0.21";
  s2["items"].push_back({{"code", "SKU-7"},
                         {"sku", "SKU-7"},
                         {"name", "New"},
                         {"uom", "EA"},
                         {"active", true},
                         {"type", "goods"},
                         {"list_price", "1"}});
  s2["parties"] = json::array();
  s2["documents"] = {{{"model", "sale.sale"},
                      {"reference", "shopco/SO-1"},
                      {"number", "1"},
                      {"state", "processing"},
                      {"shipment_state", "waiting"},
                      {"invoice_state", "none"}}};
  auto d2 = DiffSnapshot(d1->state_json, s2.dump(), index, "s");
  ASSERT_TRUE(d2.ok());
  json items, parties, docs;
  ASSERT_TRUE(Event(*d2, "erp.items.changed", &items));
  EXPECT_EQ(items["added"], json::array({"SKU-7"}));
  EXPECT_EQ(items["count"], 3);
  bool name = false, price = false;
  for (const auto& c : items["changed"]) {
    name |= c["field"] == "name" && c["from"] == "Bolt" && c["to"] == "Hex bolt";
    price |= c["field"] == "list_price" && c["from"] == "0.19" && c["to"] == "0.21";
  }
  EXPECT_TRUE(name);
  EXPECT_TRUE(price);
  ASSERT_TRUE(Event(*d2, "erp.parties.changed", &parties));
  EXPECT_EQ(parties["removed"], json::array({"shopco"}));
  ASSERT_TRUE(Event(*d2, "erp.documents.changed", &docs));
  EXPECT_EQ(docs["new"], 1);
  // The document's later state change is listed.
  json s3 = s2;
  s3["documents"][0]["shipment_state"] = "sent";
  auto d3 = DiffSnapshot(d2->state_json, s3.dump(), index, "s");
  ASSERT_TRUE(d3.ok());
  ASSERT_TRUE(Event(*d3, "erp.documents.changed", &docs));
  EXPECT_EQ(docs["changed"][0]["reference"], "shopco/SO-1");
  EXPECT_EQ(docs["changed"][0]["from"], "waiting");
  EXPECT_EQ(docs["changed"][0]["to"], "sent");
}

TEST(PullDiff, RejectsWhatIsNotASnapshot) {
  inventory::Index index;
  EXPECT_FALSE(DiffSnapshot("", "[]", index, "s").ok());
  EXPECT_FALSE(DiffSnapshot("", "nope", index, "s").ok());
}

}  // namespace
}  // namespace crossdock::connectors::tryton
