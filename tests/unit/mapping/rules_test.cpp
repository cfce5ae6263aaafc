#include "mapping/rules.hpp"

#include <gtest/gtest.h>

#include "profile_fixture.hpp"

namespace crossdock::mapping {
namespace {

class RulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = config::LoadFromString(testing::kConfig, "test.yaml");
    ASSERT_TRUE(c.ok()) << c.error().message();
    cfg_ = std::move(*c);
    ctx_.cfg = &cfg_;
    ctx_.partner = cfg_.FindPartner("acme");
    ctx_.message_id = "m-1";
  }
  model::CanonicalDocument Order(const std::string& json) {
    auto d = model::ParseCanonical(model::DocumentType::kPurchaseOrder, json);
    EXPECT_TRUE(d.ok()) << d.error().message();
    return *d;
  }
  const model::BusinessException* Find(const std::vector<model::BusinessException>& ex,
                                       const std::string& type) {
    for (const auto& e : ex) {
      if (e.type == type) return &e;
    }
    return nullptr;
  }
  config::Config cfg_;
  RuleContext ctx_;
};

TEST_F(RulesTest, CleanOrderIsEnrichedAndPasses) {
  auto d = Order(R"({"po_number": "PO-1", "order_date": "2026-11-20",
    "parties": [{"role": "ship_to", "qualifier": "92", "code": "DC1"}],
    "lines": [{"line_number": "1", "item": {"partner_item_id": "A-1"}, "quantity": {"value": "2", "uom": "CS"}},
              {"line_number": "2", "item": {"gtin": "00098765432109"}, "quantity": {"value": "10", "uom": "EA"},
               "unit_price": {"amount": "4.05", "currency": "USD"}}]})");
  auto ex = EnrichAndCheck(d, ctx_);
  EXPECT_TRUE(ex.empty()) << ex[0].message;
  const auto& o = std::get<model::Order>(d.doc);
  EXPECT_EQ(o.lines[0].item.sku, "SKU-1");
  EXPECT_EQ(o.lines[0].quantity.uom, "CA");  // alias CS -> CA
  EXPECT_EQ(o.lines[1].item.sku, "SKU-2");   // by GTIN
  EXPECT_EQ(o.parties[0].id, "WH-EAST");
  EXPECT_EQ(o.currency, "USD");  // profile default
}

TEST_F(RulesTest, EveryRuleNamesLineFieldValueAndRule) {
  auto d = Order(R"({"po_number": "PO-2", "order_date": "2026-11-20",
    "parties": [{"role": "ship_to", "code": "NOWHERE", "name": "Mystery DC"}],
    "lines": [{"line_number": "1", "item": {"partner_item_id": "ZZZ"}, "quantity": {"value": "1", "uom": "EA"}},
              {"line_number": "2", "item": {"partner_item_id": "A-9"}, "quantity": {"value": "1", "uom": "EA"}},
              {"line_number": "3", "item": {"partner_item_id": "A-1"}, "quantity": {"value": "1", "uom": "PL"}},
              {"line_number": "4", "item": {"partner_item_id": "A-1"}, "quantity": {"value": "18", "uom": "EA"}},
              {"line_number": "5", "item": {"partner_item_id": "A-2"}, "quantity": {"value": "7", "uom": "EA"},
               "unit_price": {"amount": "4.20", "currency": "USD"}}]})");
  auto ex = EnrichAndCheck(d, ctx_);
  auto* unknown = Find(ex, "unknown_item");
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(unknown->line, "1");
  EXPECT_EQ(unknown->value, "ZZZ");
  EXPECT_EQ(unknown->field, "lines[0].item");
  EXPECT_EQ(unknown->document_id, "PO-2");
  EXPECT_EQ(unknown->document_type, "purchase_order");
  EXPECT_EQ(unknown->message_id, "m-1");
  ASSERT_NE(Find(ex, "inactive_sku"), nullptr);
  EXPECT_EQ(Find(ex, "inactive_sku")->value, "SKU-OLD");
  auto* uom = Find(ex, "uom_without_conversion");
  ASSERT_NE(uom, nullptr);
  EXPECT_EQ(uom->value, "PL");
  EXPECT_EQ(uom->line, "3");
  // Line 4: 18 EA is below the catalog MOQ of 24 and not a multiple of 12.
  auto* moq = Find(ex, "below_moq");
  ASSERT_NE(moq, nullptr);
  EXPECT_EQ(moq->line, "4");
  EXPECT_NE(moq->message.find("below the minimum of 24"), std::string::npos) << moq->message;
  // Line 5: 7 EA of SKU-2 under the partner's MOQ 10, not a pack of 5, price 5% over contract.
  int line5 = 0;
  for (const auto& e : ex) line5 += e.line == "5";
  EXPECT_EQ(line5, 3);
  auto* price = Find(ex, "price_out_of_tolerance");
  ASSERT_NE(price, nullptr);
  EXPECT_EQ(price->value, "4.20");
  EXPECT_NE(price->message.find("by 5%"), std::string::npos) << price->message;
  auto* loc = Find(ex, "unknown_location");
  ASSERT_NE(loc, nullptr);
  EXPECT_EQ(loc->value, "NOWHERE");
  EXPECT_NE(loc->message.find("Mystery DC"), std::string::npos);
  EXPECT_TRUE(Blocks(ex));
  for (const auto& e : ex) {
    EXPECT_FALSE(e.rule.empty()) << e.type;
    EXPECT_FALSE(e.message.empty()) << e.type;
  }
}

TEST_F(RulesTest, DisabledRulesAndLenientSet) {
  cfg_.partners[0].rules.disabled = {"unknown_item"};
  cfg_.partners[0].rules.name = "lenient";
  auto d = Order(R"({"po_number": "PO-3", "order_date": "2026-11-20",
    "lines": [{"line_number": "1", "item": {"partner_item_id": "ZZZ"}, "quantity": {"value": "1", "uom": "EA"}},
              {"line_number": "2", "item": {"partner_item_id": "A-2"}, "quantity": {"value": "7", "uom": "EA"}}]})");
  auto ex = EnrichAndCheck(d, ctx_);
  EXPECT_EQ(Find(ex, "unknown_item"), nullptr);
  ASSERT_NE(Find(ex, "below_moq"), nullptr);
  EXPECT_EQ(Find(ex, "below_moq")->severity, "warning");
  EXPECT_FALSE(Blocks(ex));
}

TEST_F(RulesTest, UomConversionBothWaysAndThroughBase) {
  EXPECT_EQ(ConvertUom(ctx_, "SKU-1", Decimal::FromInt(2), "CA", "EA")->ToString(), "24");
  EXPECT_EQ(ConvertUom(ctx_, "SKU-1", Decimal::FromInt(36), "EA", "CA")->ToString(), "3");
  EXPECT_EQ(ConvertUom(ctx_, "SKU-2", Decimal::FromInt(2), "BX", "EA")->ToString(), "12");
  EXPECT_FALSE(ConvertUom(ctx_, "SKU-2", Decimal::FromInt(2), "CA", "EA").has_value());
}

TEST_F(RulesTest, InvoicePriceIsLeftToTheThreeWayMatch) {
  auto d = model::ParseCanonical(model::DocumentType::kInvoice, R"({"invoice_number": "INV-1",
    "invoice_date": "2026-11-22", "lines": [{"line_number": "1", "item": {"partner_item_id": "A-2"},
    "quantity": {"value": "10", "uom": "EA"}, "unit_price": {"amount": "4.50", "currency": "USD"}}]})");
  ASSERT_TRUE(d.ok());
  auto ex = EnrichAndCheck(*d, ctx_);
  EXPECT_TRUE(ex.empty());
  EXPECT_EQ(std::get<model::Invoice>(d->doc).lines[0].item.sku, "SKU-2");
}

}  // namespace
}  // namespace crossdock::mapping
