#include <gtest/gtest.h>

#include "mapping/csv_map.hpp"
#include "mapping/json_map.hpp"
#include "model/any.hpp"
#include "profile_fixture.hpp"

namespace crossdock::mapping {
namespace {

TEST(Csv, ParsesQuotesDelimitersAndLineEndings) {
  auto rows = ParseCsv("a,\"b,c\",\"say \"\"hi\"\"\"\r\n1,2,\"multi\nline\"\n\n3,,x", ',');
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0][1], "b,c");
  EXPECT_EQ((*rows)[0][2], "say \"hi\"");
  EXPECT_EQ((*rows)[1][2], "multi\nline");
  EXPECT_EQ((*rows)[2][1], "");
  auto bad = ParseCsv("a,\"open\nb", ',');
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("row 1"), std::string::npos);
}

TEST(Csv, GroupsRowsIntoCanonicalDocuments) {
  auto cfg = testing::Load();
  const auto* map = cfg.FindPartner("acme")->FindCsv("receipt");
  ASSERT_NE(map, nullptr);
  const std::string csv =
      "Receipt,PO,Whse,Date,Line,Item,Qty\n"
      "R-1,PO-1,DC1,2026-11-23T10:00:00Z,1,A-1,12\n"
      "R-1,PO-1,DC1,2026-11-23T10:00:00Z,2,A-2,5\n"
      "R-2,PO-2,DC1,2026-11-23T11:00:00Z,1,A-1,\"1,5\"\n";
  auto docs = CsvToCanonical(csv, *map);
  ASSERT_TRUE(docs.ok()) << docs.error().message();
  ASSERT_EQ(docs->size(), 2u);
  auto r1 = model::FromJson<model::Receipt>((*docs)[0].json);
  ASSERT_TRUE(r1.ok()) << r1.error().message();
  EXPECT_EQ(r1->receipt_id, "R-1");
  ASSERT_EQ(r1->lines.size(), 2u);
  EXPECT_EQ(r1->lines[1].item.partner_item_id, "A-2");
  EXPECT_EQ(r1->lines[1].received.uom, "EA");  // constant
  EXPECT_EQ((*docs)[0].line_rows, (std::vector<int>{2, 3}));
  // The second document has a bad quantity: the model says which field.
  auto r2 = model::FromJson<model::Receipt>((*docs)[1].json);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.error().message().find("lines[0].received.value: not a decimal: '1,5'"),
            std::string::npos);
}

TEST(Csv, MissingColumnAndShortRowAreNamed) {
  auto cfg = testing::Load();
  const auto* map = cfg.FindPartner("acme")->FindCsv("receipt");
  auto a = CsvToCanonical("Receipt,PO,Whse,Date,Line,Item\nR,P,W,D,1,A\n", *map);
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message().find("lacks the column 'Qty'"), std::string::npos);
  auto b = CsvToCanonical("Receipt,PO,Whse,Date,Line,Item,Qty\nR,P,W,D,1,A\n", *map);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message().find("CSV row 2"), std::string::npos) << b.error().message();
}

TEST(Csv, InvalidUtf8IsRefusedWithItsLine) {
  auto cfg = testing::Load();
  const auto* map = cfg.FindPartner("acme")->FindCsv("receipt");
  // A Windows-1252 middle dot on line 3: refused with the line, never a crash.
  auto r = CsvToCanonical(
      "Receipt,PO,Whse,Date,Line,Item,Qty\nR-1,PO-1,DC1,D,1,A-1,1\nR-1,PO-1,DC1,D,2,A\xB7"
      "2,1\n",
      *map);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("not valid UTF-8 (first bad byte on line 3)"),
            std::string::npos)
      << r.error().message();
}

TEST(Csv, CanonicalToCsvRoundTrip) {
  auto cfg = testing::Load();
  const auto* map = cfg.FindPartner("acme")->FindCsv("receipt");
  const std::string csv =
      "Receipt,PO,Whse,Date,Line,Item,Qty\r\n"
      "R-1,PO-1,DC1,2026-11-23T10:00:00Z,1,A-1,12\r\n"
      "R-1,PO-1,DC1,2026-11-23T10:00:00Z,2,\"A,2\",5\r\n";
  auto docs = CsvToCanonical(csv, *map);
  ASSERT_TRUE(docs.ok());
  auto back = CanonicalToCsv((*docs)[0].json, *map);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, csv);
}

TEST(Json, NumbersKeepTheirExactText) {
  auto t = NumbersAsText(
      R"({"price": 10.10, "qty": 3, "big": 12345678901234567890, "x": [0.1, {"y": 1e3}]})");
  ASSERT_TRUE(t.ok()) << t.error().message();
  EXPECT_EQ(*t,
            R"({"big":"12345678901234567890","price":"10.10","qty":"3","x":["0.1",{"y":"1e3"}]})");
  auto bad = NumbersAsText("{\"a\": [1, 2");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("byte"), std::string::npos);
}

TEST(Json, JqMapsPartnerJsonToCanonicalAndBack) {
  auto cfg = testing::Load();
  const auto* map = cfg.FindPartner("acme")->FindJson("sales_order");
  ASSERT_NE(map, nullptr);
  const std::string in = R"({"orders": [
    {"ref": "SO-1", "date": "2026-11-23", "items": [{"sku": "A-1", "qty": 24, "price": 10.10}]},
    {"ref": "SO-2", "date": "2026-11-23", "items": [{"sku": "A-2", "qty": 5, "price": 4.00}]}]})";
  auto docs = JsonToCanonical(in, map->inbound);
  ASSERT_TRUE(docs.ok()) << docs.error().message();
  ASSERT_EQ(docs->size(), 2u);
  auto so = model::FromJson<model::SalesOrder>((*docs)[0]);
  ASSERT_TRUE(so.ok()) << so.error().message() << "\n" << (*docs)[0];
  EXPECT_EQ(so->lines[0].unit_price->amount.ToString(), "10.10");
  EXPECT_EQ(so->lines[0].line_number, "1");
  auto out = CanonicalToPartnerJson(model::ToJson(*so), map->outbound);
  ASSERT_TRUE(out.ok()) << out.error().message();
  EXPECT_EQ(*out, R"({"ref":"SO-1","count":1})");
}

TEST(Json, BadProgramsAndRuntimeErrorsAreReported) {
  EXPECT_FALSE(CheckJqProgram(".foo | ").ok());
  EXPECT_TRUE(CheckJqProgram(".foo").ok());
  auto r = RunJq(".a | error(\"no orders in file\")", "{\"a\":1}");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("no orders in file"), std::string::npos);
  auto none = JsonToCanonical("{}", "empty");
  ASSERT_FALSE(none.ok());
}

}  // namespace
}  // namespace crossdock::mapping
