// The po.event work items the pipeline builds: the fast one for partner documents and the general
// one must stay the same item (the 855/856/810 hook builds its payload by hand for speed; when the
// two drifted apart once, search lost the message id of every PO document).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "pipeline/procure.hpp"

namespace crossdock::pipeline {
namespace {

using nlohmann::json;

TEST(PoEventWork, DocumentEventIsTheSameItemAsTheGeneralOne) {
  const std::string doc =
      R"({"po_number":"PO-7","lines":[{"line":"1","quantity":{"value":"6","uom":"EA"}}],)"
      R"("note":"quote \" and \\ and \u00e9"})";
  const std::string partner = "acme \"supplies\"";
  store::WorkSpec fast = DocumentPoEventWork("PO-7", "ack", "msg-1", partner, doc);
  store::WorkSpec general = PoEventWork("PO-7", json({{"document", json::parse(doc)},
                                                      {"event", "ack"},
                                                      {"message_id", "msg-1"},
                                                      {"partner", partner}})
                                                    .dump());
  EXPECT_EQ(fast.step, general.step);
  EXPECT_EQ(fast.step, kPoEventStep);
  EXPECT_EQ(fast.ordering_key, general.ordering_key);
  EXPECT_EQ(fast.ordering_key, PoKey("PO-7"));
  EXPECT_EQ(fast.message_id, general.message_id);
  EXPECT_EQ(fast.message_id, "msg-1");
  const json a = json::parse(fast.payload);  // throws if the hand-built JSON is malformed
  const json b = json::parse(general.payload);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.at("document").at("note").get<std::string>(), "quote \" and \\ and \xc3\xa9");
  EXPECT_EQ(a.at("po_number"), "PO-7");
  EXPECT_EQ(a.at("partner"), partner);
}

TEST(PoEventWork, GeneralItemTakesTheMessageIdFromThePayload) {
  store::WorkSpec w = PoEventWork("PO-9", R"({"event":"approve","message_id":"m-9"})");
  EXPECT_EQ(w.message_id, "m-9");
  EXPECT_EQ(json::parse(w.payload).at("po_number"), "PO-9");
  store::WorkSpec none = PoEventWork("PO-9", "not json");
  EXPECT_TRUE(none.message_id.empty());
  EXPECT_EQ(json::parse(none.payload), json({{"po_number", "PO-9"}}));
}

}  // namespace
}  // namespace crossdock::pipeline
