// The `tryton` partner transport in the configuration: keys, defaults and file:line:key errors.
#include <gtest/gtest.h>

#include <cstdlib>

#include "config/config.hpp"

namespace crossdock::config {
namespace {

std::string Config(const std::string& transport, const std::string& kind = "erp") {
  return "locations:\n"
         "  - {id: WH-EAST, kind: warehouse}\n"
         "  - {id: ST-1, kind: ship_to}\n"
         "partners:\n"
         "  - id: shopco\n"
         "    kind: customer\n"
         "    formats: [json]\n"
         "  - id: erp\n"
         "    kind: " +
         kind +
         "\n"
         "    formats: [json]\n"
         "    transport:\n" +
         transport;
}

TEST(TrytonTransport, ParsesEveryKey) {
  setenv("CD_TEST_TRYTON_PW", "s3cret-pass", 1);
  auto c = LoadFromString(Config("      type: tryton\n"
                                 "      url: http://127.0.0.1:8000/\n"
                                 "      database: erp\n"
                                 "      user: hub\n"
                                 "      password_env: CD_TEST_TRYTON_PW\n"
                                 "      pull_interval_ms: 60000\n"
                                 "      timeout_ms: 5000\n"
                                 "      max_in_flight: 3\n"
                                 "      invoice_method: order\n"
                                 "      warehouses: {WH: WH-EAST}\n"
                                 "      parties: {C-0001: shopco}\n"
                                 "      retry: {max_attempts: 20, initial_backoff_ms: 100}\n"),
                          "hub.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  const Transport& t = c->FindPartner("erp")->transport;
  EXPECT_EQ(t.type, "tryton");
  EXPECT_EQ(t.url, "http://127.0.0.1:8000/");
  EXPECT_EQ(t.database, "erp");
  EXPECT_EQ(t.user, "hub");
  EXPECT_EQ(t.password, "s3cret-pass");
  EXPECT_EQ(t.pull_interval_ms, 60000);
  EXPECT_EQ(t.timeout_ms, 5000);
  EXPECT_EQ(t.max_in_flight, 3);
  EXPECT_EQ(t.invoice_method, "order");
  ASSERT_EQ(t.warehouses.size(), 1u);
  EXPECT_EQ(t.warehouses[0].code, "WH");
  EXPECT_EQ(t.warehouses[0].id, "WH-EAST");
  ASSERT_EQ(t.parties.size(), 1u);
  EXPECT_EQ(t.parties[0].code, "C-0001");
  EXPECT_TRUE(t.has_retry);
  EXPECT_EQ(t.retry.max_attempts, 20);
  EXPECT_EQ(t.retry.initial_backoff.count(), 100);
  // The password never reaches the recorded profile.
  EXPECT_EQ(c->FindPartner("erp")->yaml.find("s3cret"), std::string::npos);
}

TEST(TrytonTransport, DefaultsAndAPlainPasswordIsMasked) {
  auto c = LoadFromString(Config("      type: tryton\n"
                                 "      url: https://erp.example\n"
                                 "      database: prod\n"
                                 "      user: admin\n"
                                 "      password: open-sesame\n"),
                          "hub.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  const Partner* p = c->FindPartner("erp");
  EXPECT_EQ(p->transport.pull_interval_ms, 0);
  EXPECT_EQ(p->transport.max_in_flight, 2);
  EXPECT_EQ(p->transport.invoice_method, "manual");
  EXPECT_FALSE(p->transport.has_retry);
  EXPECT_EQ(p->yaml.find("open-sesame"), std::string::npos);
  EXPECT_NE(p->yaml.find("(masked)"), std::string::npos);
}

TEST(TrytonTransport, ErrorsNameFileLineAndKey) {
  unsetenv("CD_TEST_TRYTON_MISSING");
  auto c = LoadFromString(Config("      type: tryton\n"
                                 "      url: ftp://erp\n"
                                 "      user: admin\n"
                                 "      password_env: CD_TEST_TRYTON_MISSING\n"
                                 "      invoice_method: weekly\n"
                                 "      pull_interval_ms: 5\n"
                                 "      inbound_dir: in\n"
                                 "      warehouses: {WH: ST-1, WH2: NOWHERE}\n"
                                 "      parties: {X: ghost}\n"),
                          "hub.yaml");
  ASSERT_FALSE(c.ok());
  const std::string m = c.error().message();
  EXPECT_NE(m.find("hub.yaml:13:12: partners[1].transport.url: must be an http:// or https:// URL"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("partners[1].transport.database: required key missing"), std::string::npos) << m;
  EXPECT_NE(m.find("hub.yaml:15:21: partners[1].transport.password_env: environment variable "
                   "CD_TEST_TRYTON_MISSING is not set"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("partners[1].transport.invoice_method: must be manual, order or shipment"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("partners[1].transport.pull_interval_ms: must be 0 (no pulls) or at least 100"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("partners[1].transport.inbound_dir: not a key of a tryton transport"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("transport.warehouses.WH: 'ST-1' is not a configured warehouse"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("transport.warehouses.WH2: 'NOWHERE' is not a configured warehouse"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("transport.parties.X: unknown partner 'ghost'"), std::string::npos) << m;
}

TEST(TrytonTransport, OnlyForErpPartnersAndNotMixedWithOtherTransports) {
  auto c = LoadFromString(Config("      type: tryton\n"
                                 "      url: http://erp\n"
                                 "      database: d\n"
                                 "      user: u\n"
                                 "      password: p\n",
                                 "supplier"),
                          "hub.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("transport.type: tryton is for partners of kind erp"),
            std::string::npos)
      << c.error().message();
  auto f = LoadFromString(Config("      type: filedrop\n"
                                 "      outbound_dir: out\n"
                                 "      database: d\n"),
                          "hub.yaml");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().message().find("partners[1].transport.database: only for a tryton transport"),
            std::string::npos)
      << f.error().message();
  // A missing password is an error too.
  auto p = LoadFromString(Config("      type: tryton\n"
                                 "      url: http://erp\n"
                                 "      database: d\n"
                                 "      user: u\n"),
                          "hub.yaml");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("transport.password: required key missing"),
            std::string::npos);
}

TEST(TrytonTransport, ExistingTransportsAreUnchanged) {
  auto c = LoadFromString(Config("      type: filedrop\n"
                                 "      inbound_dir: in\n"
                                 "      poll_interval_ms: 250\n"),
                          "hub.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->FindPartner("erp")->transport.poll_interval_ms, 250);
  auto bad = LoadFromString(Config("      type: ftp\n"), "hub.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("must be none, http, filedrop or tryton"),
            std::string::npos);
}

}  // namespace
}  // namespace crossdock::config

namespace crossdock::config {
namespace {

// The example users copy stays a valid configuration.
TEST(TrytonExample, ExamplesTrytonLoads) {
  setenv("CROSSDOCK_TRYTON_PASSWORD", "example", 1);
  auto c = Load(std::string(CROSSDOCK_SOURCE_DIR) + "/examples/tryton");
  ASSERT_TRUE(c.ok()) << c.error().message();
  const Partner* erp = c->FindPartner("erp");
  ASSERT_NE(erp, nullptr);
  EXPECT_EQ(erp->transport.type, "tryton");
  EXPECT_EQ(erp->transport.database, "crossdock");
  EXPECT_EQ(erp->transport.max_in_flight, 1);
  ASSERT_EQ(erp->transport.warehouses.size(), 1u);
  unsetenv("CROSSDOCK_TRYTON_PASSWORD");
}

}  // namespace
}  // namespace crossdock::config
