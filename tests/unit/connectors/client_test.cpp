#include "connectors/tryton/client.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <deque>
#include <mutex>

#include "connectors/tryton/connector.hpp"

namespace crossdock::connectors::tryton {
namespace {

using nlohmann::json;

// A scripted Tryton: answers by method, records every request.
struct FakeServer {
  std::mutex mu;
  std::vector<HttpPost> requests;
  int login_status = 200;
  bool prefs_company = true;
  std::deque<int> call_statuses;  // statuses for the next model calls (then 200)
  HttpReply transport_failure;    // used when `down`
  bool down = false;
  int sessions = 0;

  HttpFn Fn() {
    return [this](const HttpPost& req) {
      std::lock_guard<std::mutex> lock(mu);
      requests.push_back(req);
      if (down) return transport_failure;
      const json body = json::parse(req.body);
      const std::string method = body["method"];
      HttpReply r;
      r.status = 200;
      if (method == "common.db.login") {
        if (login_status != 200) {
          r.status = login_status;
          r.body = "<h1>Unauthorized</h1>";
          return r;
        }
        ++sessions;
        r.body = json({{"id", body["id"]}, {"result", {1, "s" + std::to_string(sessions)}}}).dump();
        return r;
      }
      if (method == "model.res.user.get_preferences") {
        json prefs = {{"language", "en"}};
        if (prefs_company) prefs["company"] = 1;
        r.body = json({{"id", body["id"]}, {"result", prefs}}).dump();
        return r;
      }
      if (!call_statuses.empty()) {
        r.status = call_statuses.front();
        call_statuses.pop_front();
        if (r.status != 200) return r;
      }
      // Echo the context it got, so tests can see it.
      r.body = json({{"id", body["id"]}, {"result", body["params"].back()}}).dump();
      return r;
    };
  }
  int Count(const std::string& method) {
    std::lock_guard<std::mutex> lock(mu);
    int n = 0;
    for (const auto& r : requests) n += json::parse(r.body)["method"] == method;
    return n;
  }
};

ClientOptions Options() {
  ClientOptions o;
  o.url = "http://127.0.0.1:1";
  o.database = "db";
  o.user = "admin";
  o.password = "pw";
  return o;
}

TEST(Client, LogsInOnceAndSendsThePreferencesAsContext) {
  FakeServer s;
  Client c(Options(), s.Fn());
  auto r = c.Call("model.sale.sale.search", "[[]]", R"({"locations":[5]})");
  ASSERT_TRUE(r.ok()) << r.error().message();
  const json ctx = json::parse(*r);
  EXPECT_EQ(ctx["company"], 1);
  EXPECT_EQ(ctx["locations"], json::array({5}));
  ASSERT_TRUE(c.Call("model.sale.sale.search", "[[]]").ok());
  EXPECT_EQ(s.Count("common.db.login"), 1);
  // Calls go to /<db>/ with the session header and JSON content type.
  const HttpPost& last = s.requests.back();
  EXPECT_EQ(last.url, "http://127.0.0.1:1/db/");
  bool auth = false, ct = false;
  for (const auto& [k, v] : last.headers) {
    auth |= k == "Authorization" && v.rfind("Session ", 0) == 0;
    ct |= k == "Content-Type" && v == "application/json";
  }
  EXPECT_TRUE(auth);
  EXPECT_TRUE(ct);
}

TEST(Client, LogsInAgainOnceWhenTheSessionIsGone) {
  FakeServer s;
  Client c(Options(), s.Fn());
  ASSERT_TRUE(c.Call("model.x.y", "[]").ok());
  s.call_statuses = {401};  // trytond restarted: the session is unknown
  auto r = c.Call("model.x.y", "[]");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(s.Count("common.db.login"), 2);
  // Twice in a row: the second 401 is an error, not a loop.
  s.call_statuses = {401, 401};
  r = c.Call("model.x.y", "[]");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
  EXPECT_EQ(s.Count("common.db.login"), 3);
}

TEST(Client, NeverHammersAFailedLogin) {
  FakeServer s;
  s.login_status = 401;
  ManualClock clock(TimePoint(Millis(1'000'000)));
  ClientOptions o = Options();
  o.login_backoff = Millis(10'000);
  o.login_backoff_max = Millis(40'000);
  Client c(o, s.Fn(), clock);
  auto r = c.Call("model.x.y", "[]");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), Code::kUnauthenticated);
  EXPECT_EQ(c.login_attempts(), 1);
  // Within the back-off, calls fail at once without asking Tryton.
  for (int i = 0; i < 5; ++i) {
    r = c.Call("model.x.y", "[]");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), Code::kUnavailable);
    EXPECT_NE(r.error().message().find("not logging in"), std::string::npos);
  }
  EXPECT_EQ(c.login_attempts(), 1);
  clock.Advance(Millis(10'001));
  EXPECT_FALSE(c.Call("model.x.y", "[]").ok());
  EXPECT_EQ(c.login_attempts(), 2);
  // The wait doubles: 20 s now.
  clock.Advance(Millis(15'000));
  EXPECT_FALSE(c.Call("model.x.y", "[]").ok());
  EXPECT_EQ(c.login_attempts(), 2);
  clock.Advance(Millis(6'000));
  s.login_status = 200;  // the password was fixed
  EXPECT_TRUE(c.Call("model.x.y", "[]").ok());
  EXPECT_EQ(c.login_attempts(), 3);
}

TEST(Client, ThrottledLoginsBackOffToo) {
  FakeServer s;
  s.login_status = 429;
  ManualClock clock(TimePoint(Millis(1'000'000)));
  Client c(Options(), s.Fn(), clock);
  auto r = c.Call("model.x.y", "[]");
  EXPECT_EQ(r.error().code(), Code::kResourceExhausted);
  EXPECT_EQ(c.Call("model.x.y", "[]").error().code(), Code::kUnavailable);
  EXPECT_EQ(s.Count("common.db.login"), 1);
}

TEST(Client, AnUnreachableServerIsNotAFailedLogin) {
  FakeServer s;
  s.down = true;
  s.transport_failure.error = "Connection refused";
  ManualClock clock(TimePoint(Millis(1'000'000)));
  Client c(Options(), s.Fn(), clock);
  for (int i = 0; i < 3; ++i) {
    auto r = c.Call("model.x.y", "[]");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), Code::kUnavailable);
    EXPECT_NE(r.error().message().find("Connection refused"), std::string::npos);
  }
  EXPECT_EQ(c.login_attempts(), 3);  // each call tried: nothing was refused
  s.down = false;
  EXPECT_TRUE(c.Call("model.x.y", "[]").ok());
}

TEST(Client, TimeoutsAndAbortsAreTold) {
  FakeServer s;
  Client c(Options(), s.Fn());
  ASSERT_TRUE(c.EnsureLogin().ok());
  s.down = true;
  s.transport_failure.timed_out = true;
  s.transport_failure.error = "Operation timed out";
  EXPECT_EQ(c.Call("model.x.y", "[]").error().code(), Code::kDeadlineExceeded);
  s.transport_failure.timed_out = false;
  s.transport_failure.aborted = true;
  EXPECT_EQ(c.Call("model.x.y", "[]").error().code(), Code::kCancelled);
}

TEST(Client, AUserWithoutACompanyCannotWork) {
  FakeServer s;
  s.prefs_company = false;
  Client c(Options(), s.Fn());
  auto r = c.Call("model.x.y", "[]");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("no current company"), std::string::npos);
}

TEST(Connector, CodeMappings) {
  FakeServer s;
  Client c(Options(), s.Fn());
  ConnectorOptions o;
  o.items = {{"SKU-1", "T-100", ""}};
  o.parties = {{"SUP-9", "acme"}};
  o.warehouses = {{"WH", "WH-EAST"}};
  Connector conn(c, o);
  EXPECT_EQ(conn.ProductCode("SKU-1"), "T-100");
  EXPECT_EQ(conn.ProductCode("SKU-2"), "SKU-2");  // code = SKU by default
  EXPECT_EQ(conn.SkuFor("T-100"), "SKU-1");
  EXPECT_EQ(conn.PartyCode("acme"), "SUP-9");
  EXPECT_EQ(conn.PartnerFor("SUP-9"), "acme");
  EXPECT_EQ(conn.PartyCode("globex"), "globex");
  EXPECT_EQ(conn.WarehouseCode("WH-EAST"), "WH");
  EXPECT_EQ(conn.LocationFor("WH"), "WH-EAST");
  EXPECT_EQ(conn.LocationFor("WH2"), "");  // mapped warehouses only, once a mapping is given
  Connector plain(c, ConnectorOptions{});
  EXPECT_EQ(plain.LocationFor("WH-WEST"), "WH-WEST");
}

TEST(Connector, BodiesItCannotUseAreRejected) {
  FakeServer s;
  Client c(Options(), s.Fn());
  Connector conn(c, ConnectorOptions{});
  EXPECT_EQ(conn.Push("not json").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(conn.Push(R"({"kind":"sales_order"})").error().code(), Code::kInvalidArgument);
  EXPECT_EQ(conn.Push(R"({"kind":"telegram","key":"k"})").error().code(), Code::kUnsupported);
  EXPECT_EQ(s.Count("common.db.login"), 0);  // nothing was sent
}

}  // namespace
}  // namespace crossdock::connectors::tryton
