#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/json.hpp"

namespace crossdock::model {
namespace {

const char* kOrder = R"({
  "po_number": "4500012345",
  "order_date": "2026-11-20",
  "currency": "USD",
  "parties": [{"role": "ship_to", "qualifier": "92", "code": "DC-01", "name": "East DC",
               "address": {"lines": ["1 Dock Rd"], "city": "Newark", "region": "NJ",
                           "postal_code": "07101", "country": "US"}}],
  "lines": [
    {"line_number": "1", "item": {"partner_item_id": "ABC-1", "gtin": "00012345678905"},
     "quantity": {"value": "12", "uom": "CA"}, "unit_price": {"amount": "10.50", "currency": "USD"}},
    {"line_number": "2", "item": {"sku": "SKU-2"}, "quantity": {"value": 3, "uom": "EA"}}
  ]
})";

TEST(ModelJson, RoundTripKeepsExactDecimals) {
  auto po = FromJson<PurchaseOrder>(kOrder);
  ASSERT_TRUE(po.ok()) << po.error().message();
  EXPECT_EQ(po->lines[0].unit_price->amount.ToString(), "10.50");
  EXPECT_EQ(po->lines[1].quantity.value.ToString(), "3");
  EXPECT_EQ(po->purpose, "original");  // default kept
  EXPECT_EQ(po->parties[0].address->city, "Newark");
  const std::string out = ToJson(*po);
  auto again = FromJson<PurchaseOrder>(out);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ToJson(*again), out);
  EXPECT_NE(out.find("\"amount\":\"10.50\""), std::string::npos);
}

TEST(ModelJson, BytesThatAreNotUtf8AreReplacedNotThrown) {
  auto po = FromJson<PurchaseOrder>(kOrder);
  ASSERT_TRUE(po.ok());
  po->parties[0].name = "CAF\xC9";  // Latin-1, not UTF-8
  std::string out;
  ASSERT_NO_THROW(out = ToJson(*po));
  EXPECT_NE(out.find("CAF\xEF\xBF\xBD"), std::string::npos) << out;  // U+FFFD
}

TEST(ModelJson, EveryProblemWithItsPath) {
  auto po = FromJson<PurchaseOrder>(R"({
    "order_date": "2026-11-20", "purpose": "sideways", "colour": "red",
    "lines": [{"line_number": "1", "item": {}, "quantity": {"value": 1.5, "uom": "EA"}},
              {"line_number": "2", "item": {}, "quantity": {"value": "1,5"}}]})");
  ASSERT_FALSE(po.ok());
  const std::string& m = po.error().message();
  EXPECT_NE(m.find("po_number: required field missing"), std::string::npos) << m;
  EXPECT_NE(m.find("purpose: 'sideways' is not one of"), std::string::npos) << m;
  EXPECT_NE(m.find("colour: unknown field"), std::string::npos) << m;
  EXPECT_NE(m.find("lines[0].quantity.value: decimal must be a JSON string"), std::string::npos)
      << m;
  EXPECT_NE(m.find("lines[1].quantity.value: not a decimal: '1,5'"), std::string::npos) << m;
  EXPECT_NE(m.find("lines[1].quantity.uom: required field missing"), std::string::npos) << m;
}

TEST(ModelJson, MalformedJsonSaysWhere) {
  auto r = FromJson<Invoice>("{\"invoice_number\": ");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("malformed JSON at byte"), std::string::npos);
}

TEST(ModelJson, NumberBeyondADoubleIsAnErrorNotAnException) {
  auto r = FromJson<Invoice>(R"({"invoice_number": "I", "total": 1e999999})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("malformed JSON"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("number overflow"), std::string::npos) << r.error().message();
}

TEST(ModelJson, RequiredListMustNotBeEmpty) {
  auto r = FromJson<Receipt>(
      R"({"receipt_id": "R1", "received_at": "2026-11-23T10:00:00Z", "lines": []})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("lines: must have at least one entry"), std::string::npos);
}

TEST(ModelJson, DocumentTypeNames) {
  for (DocumentType t : AllDocumentTypes()) {
    auto back = ParseDocumentType(DocumentTypeName(t));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, t);
  }
  EXPECT_FALSE(ParseDocumentType("nonsense").has_value());
}

// The schemas in schemas/v1 are generated from the same field lists; this fails when a document
// changes without regenerating them (crossdock schema --write schemas/v1).
TEST(ModelJson, CheckedInSchemasMatchTheModel) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(CROSSDOCK_SOURCE_DIR) / "schemas" / "v1";
  for (DocumentType t : AllDocumentTypes()) {
    const fs::path p = dir / (std::string(DocumentTypeName(t)) + ".schema.json");
    std::ifstream in(p);
    ASSERT_TRUE(in) << "missing " << p;
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str(), JsonSchema(t)) << p << " is out of date";
  }
}

TEST(ModelJson, SchemaDescribesRequiredAndEnums) {
  const std::string s = JsonSchema(DocumentType::kPurchaseOrderAck);
  EXPECT_NE(s.find("\"backordered\""), std::string::npos);
  EXPECT_NE(s.find("\"required\""), std::string::npos);
  EXPECT_NE(s.find("\"additionalProperties\": false"), std::string::npos);
}

}  // namespace
}  // namespace crossdock::model
