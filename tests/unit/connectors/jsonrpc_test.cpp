#include "connectors/tryton/jsonrpc.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "connectors/tryton/destination.hpp"
#include "core/crypto.hpp"

namespace crossdock::connectors::tryton {
namespace {

using nlohmann::json;

TEST(JsonRpc, EncodesTheContextAsTheLastParameter) {
  auto body = EncodeRequest(7, "model.sale.sale.search_read",
                            R"([[["reference","=","shopco/SO-1"]],0,null,null,["state"]])",
                            R"({"company":1,"language":"en"})");
  ASSERT_TRUE(body.ok()) << body.error().message();
  const json j = json::parse(*body);
  EXPECT_EQ(j["id"], 7);
  EXPECT_EQ(j["method"], "model.sale.sale.search_read");
  ASSERT_EQ(j["params"].size(), 6u);
  EXPECT_EQ(j["params"][5], json({{"company", 1}, {"language", "en"}}));
  EXPECT_EQ(j["params"][0][0][2], "shopco/SO-1");
  EXPECT_EQ(j.size(), 3u);  // id, method, params: nothing else (Tryton checks the key set)
}

TEST(JsonRpc, LoginAndServerCallsTakeNoContext) {
  auto body = EncodeRequest(1, "common.db.login", R"(["admin",{"password":"pw"},"en"])", "");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(json::parse(*body)["params"], json::parse(R"(["admin",{"password":"pw"},"en"])"));
  auto v = EncodeRequest(2, "common.server.version", "", "");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(json::parse(*v)["params"], json::array());
}

TEST(JsonRpc, RefusesParamsThatAreNotAnArray) {
  EXPECT_EQ(EncodeRequest(1, "m", R"({"a":1})", "{}").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(EncodeRequest(1, "m", "[1]", "[2]").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(EncodeRequest(1, "m", "[1", "{}").error().code(), Code::kInvalidArgument);
}

TEST(JsonRpc, DecimalsAndDatesAreClassObjects) {
  EXPECT_EQ(json::parse(DecimalValue(*Decimal::Parse("12.50"))),
            json({{"__class__", "Decimal"}, {"decimal", "12.50"}}));
  EXPECT_EQ(json::parse(DecimalValue(*Decimal::Parse("-0.125"))),
            json({{"__class__", "Decimal"}, {"decimal", "-0.125"}}));
  auto d = DateValue("2026-11-23");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(json::parse(*d),
            json({{"__class__", "date"}, {"year", 2026}, {"month", 11}, {"day", 23}}));
  auto t = DateValue("2026-02-01T10:00:00Z");  // an instant is cut to its date
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(json::parse(*t)["day"], 1);
  for (const char* bad : {"", "2026-13-01", "2026-1-1", "tomorrow", "2026-11-32"}) {
    EXPECT_FALSE(DateValue(bad).ok()) << bad;
  }
}

TEST(JsonRpc, NumbersComeBackExact) {
  auto n = [](const char* j) {
    auto d = NumberFromJson(j);
    return d.ok() ? d->ToString() : "error: " + d.error().message();
  };
  EXPECT_EQ(n(R"({"__class__":"Decimal","decimal":"298.80"})"), "298.80");
  EXPECT_EQ(n("2500.0"), "2500");  // float quantities
  EXPECT_EQ(n("0.1"), "0.1");
  EXPECT_EQ(n("-3.25"), "-3.25");
  EXPECT_EQ(n("42"), "42");
  EXPECT_EQ(n(R"("7.5")"), "7.5");
  EXPECT_EQ(n("null"), "0");
  EXPECT_FALSE(NumberFromJson("[1]").ok());
  EXPECT_FALSE(NumberFromJson(R"({"__class__":"date"})").ok());
  EXPECT_EQ(FloatText(1e-10), "0");
  EXPECT_EQ(FloatText(123456.5), "123456.5");
  EXPECT_EQ(*DateFromJson(R"({"__class__":"date","year":2026,"month":3,"day":9})"), "2026-03-09");
  EXPECT_EQ(*DateFromJson("null"), "");
  EXPECT_FALSE(DateFromJson("17").ok());
}

TEST(JsonRpc, AResultIsAResult) {
  Reply r = DecodeReply(200, R"({"id":3,"result":[1,"abc"]})");
  EXPECT_EQ(r.kind, Reply::Kind::kResult);
  EXPECT_EQ(json::parse(r.result), json::parse(R"([1,"abc"])"));
  r = DecodeReply(200, R"({"id":3,"result":null,"error":null})");
  EXPECT_EQ(r.kind, Reply::Kind::kResult);
  EXPECT_EQ(r.result, "null");
}

TEST(JsonRpc, UserErrorIsABusinessRejectionWithTheErpsMessage) {
  Reply r = DecodeReply(
      200,
      R"({"id":4,"error":["UserError",["To get a quote for sale \"[bad]\" you must enter an invoice address.","",null]]})");
  EXPECT_EQ(r.kind, Reply::Kind::kUserError);
  EXPECT_EQ(r.message, "To get a quote for sale \"[bad]\" you must enter an invoice address.");
  const Error e = ReplyError(r, "model.sale.sale.quote");
  EXPECT_EQ(e.code(), Code::kFailedPrecondition);
  EXPECT_NE(e.message().find("model.sale.sale.quote"), std::string::npos);
  EXPECT_NE(e.message().find("you must enter an invoice address"), std::string::npos);
  EXPECT_FALSE(RetryLater(e));
  // The description is kept beside the message.
  r = DecodeReply(
      200, R"({"id":4,"error":["UserError",["Bad value","The quantity must be positive",null]]})");
  EXPECT_EQ(r.message, "Bad value (The quantity must be positive)");
}

TEST(JsonRpc, WarningsConcurrencyAndServerFaults) {
  Reply w =
      DecodeReply(200, R"({"id":1,"error":["UserWarning",["key","Stock is low","Confirm?"]]})");
  EXPECT_EQ(w.kind, Reply::Kind::kUserWarning);
  EXPECT_EQ(w.message, "Stock is low (Confirm?)");
  EXPECT_FALSE(RetryLater(ReplyError(w, "m")));
  Reply c =
      DecodeReply(200, R"({"id":1,"error":["ConcurrencyException","Records were modified"]})");
  EXPECT_EQ(c.kind, Reply::Kind::kConcurrency);
  EXPECT_TRUE(RetryLater(ReplyError(c, "m")));
  // Any other exception: [str(exception), traceback] -- "database is locked" is the usual one.
  Reply s = DecodeReply(
      200, R"({"id":1,"error":["database is locked","Traceback (most recent call last):\n ..."]})");
  EXPECT_EQ(s.kind, Reply::Kind::kServerError);
  EXPECT_EQ(s.message, "database is locked");
  EXPECT_EQ(ReplyError(s, "m").code(), Code::kUnavailable);
  EXPECT_TRUE(RetryLater(ReplyError(s, "m")));
}

TEST(JsonRpc, HttpStatusesAreClassified) {
  struct Case {
    int status;
    Reply::Kind kind;
    Code code;
    bool retry;
  } cases[] = {
      {401, Reply::Kind::kUnauthorized, Code::kUnauthenticated, true},
      {429, Reply::Kind::kRateLimited, Code::kResourceExhausted, true},
      {403, Reply::Kind::kForbidden, Code::kPermissionDenied, false},
      {404, Reply::Kind::kNotFound, Code::kUnavailable, true},
      {400, Reply::Kind::kBadRequest, Code::kInvalidArgument, false},
      {500, Reply::Kind::kUnavailable, Code::kUnavailable, true},
      {503, Reply::Kind::kUnavailable, Code::kUnavailable, true},
  };
  for (const auto& c : cases) {
    Reply r = DecodeReply(c.status, "<html>whatever</html>");
    EXPECT_EQ(r.kind, c.kind) << c.status;
    const Error e = ReplyError(r, "m");
    EXPECT_EQ(e.code(), c.code) << c.status;
    EXPECT_EQ(RetryLater(e), c.retry) << c.status;
  }
  // HTTP 200 that is not a JSON-RPC answer (a proxy page): unavailable, retried.
  Reply r = DecodeReply(200, "<html>maintenance</html>");
  EXPECT_EQ(r.kind, Reply::Kind::kUnavailable);
  EXPECT_TRUE(RetryLater(ReplyError(r, "m")));
}

TEST(JsonRpc, SessionHeader) {
  const std::string h = SessionAuthorization("admin", 1, "c9f0");
  ASSERT_EQ(h.rfind("Session ", 0), 0u);
  std::string raw;
  ASSERT_TRUE(Base64Decode(h.substr(8), &raw));
  EXPECT_EQ(raw, "admin:1:c9f0");
}

TEST(JsonRpc, DeliveryOutcomes) {
  PushResult ok;
  ok.note = "created";
  EXPECT_EQ(OutcomeFor(Result<PushResult>(ok)).kind, engine::DeliveryOutcome::Kind::kDelivered);
  auto out = OutcomeFor(Result<PushResult>(Error(Code::kFailedPrecondition, "Tryton rejected x")));
  EXPECT_EQ(out.kind, engine::DeliveryOutcome::Kind::kReject);
  EXPECT_EQ(out.code, "tryton_rejected");
  EXPECT_EQ(out.message, "Tryton rejected x");
  out = OutcomeFor(Result<PushResult>(Error(Code::kUnavailable, "connection refused")));
  EXPECT_EQ(out.kind, engine::DeliveryOutcome::Kind::kRetry);
  EXPECT_EQ(out.code, "tryton_unavailable");
  out = OutcomeFor(Result<PushResult>(Error(Code::kDeadlineExceeded, "slow")));
  EXPECT_EQ(out.kind, engine::DeliveryOutcome::Kind::kRetry);
  EXPECT_EQ(out.code, "timeout");
  out = OutcomeFor(Result<PushResult>(Error(Code::kCancelled, "stopping")));
  EXPECT_EQ(out.code, "cancelled");  // the engine gives it back without counting an attempt
  out = OutcomeFor(Result<PushResult>(Error(Code::kUnsupported, "no such kind")));
  EXPECT_EQ(out.kind, engine::DeliveryOutcome::Kind::kReject);
}

}  // namespace
}  // namespace crossdock::connectors::tryton
