#include "config/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/ids.hpp"

namespace crossdock::config {
namespace {

const char* kGood = R"(server:
  listen: 0.0.0.0:9000
store:
  synchronous: normal
tokens:
  - name: ops
    sha256: BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD
    role: operator
  - name: acme
    sha256: 0000000000000000000000000000000000000000000000000000000000000001
    role: partner
    partner: acme
partners:
  - id: acme
    kind: supplier
    formats: [x12, csv]
destinations:
  - id: erp
    url: https://erp.example/hooks
    secret: whsec_abc
    rate_per_second: 5
)";

TEST(Config, LoadsAndAppliesDefaults) {
  auto c = LoadFromString(kGood, "hub.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->server.listen, "0.0.0.0:9000");
  EXPECT_EQ(c->server.io_threads, 2);
  EXPECT_EQ(c->store.synchronous, "normal");
  ASSERT_EQ(c->tokens.size(), 2u);
  EXPECT_EQ(c->tokens[0].sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(c->tokens[1].role, Role::kPartner);
  ASSERT_NE(c->FindPartner("acme"), nullptr);
  EXPECT_EQ(c->FindPartner("acme")->name, "acme");
  const Destination* d = c->FindDestination("erp");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->events, std::vector<std::string>{"*"});
  EXPECT_EQ(d->burst, 5);
  EXPECT_EQ(d->max_in_flight, 8);
}

TEST(Config, ErrorsNameFileLineAndKeyAndAreAllReported) {
  const char* bad = R"(server:
  listen: 127.0.0.1:1
  listne: typo
partners:
  - id: acme
    kind: wholesaler
    formats: [x12, edifact]
  - id: acme
    kind: supplier
    formats: [json]
destinations:
  - id: hook
    url: ftp://x
tokens:
  - name: t
    sha256: nothex
    role: partner
)";
  auto c = LoadFromString(bad, "bad.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code(), Code::kConfig);
  const std::string& m = c.error().message();
  EXPECT_NE(m.find("bad.yaml:3:3: server.listne: unknown key"), std::string::npos) << m;
  EXPECT_NE(m.find("partners[0].kind: must be one of"), std::string::npos) << m;
  EXPECT_NE(m.find("unknown format 'edifact'"), std::string::npos) << m;
  EXPECT_NE(m.find("partner id 'acme' defined twice"), std::string::npos) << m;
  EXPECT_NE(m.find("destinations[0].url: must start with http"), std::string::npos) << m;
  EXPECT_NE(m.find("destinations[0].secret: required key missing"), std::string::npos) << m;
  EXPECT_NE(m.find("tokens[0].sha256: must be the 64-hex-digit"), std::string::npos) << m;
  EXPECT_NE(m.find("tokens[0].partner: required for role partner"), std::string::npos) << m;
}

TEST(Config, YamlSyntaxErrorHasPosition) {
  auto c = LoadFromString("server:\n  listen: [unclosed\n", "x.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("x.yaml:"), std::string::npos);
  EXPECT_NE(c.error().message().find("YAML syntax error"), std::string::npos);
}

TEST(Config, NumbersAreRangeChecked) {
  auto c = LoadFromString("engine:\n  workers: 0\n", "e.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("engine.workers: must be between 1 and 256"),
            std::string::npos);
}

TEST(Config, SecretFromEnvironment) {
  setenv("CD_TEST_SECRET", "whsec_fromenv", 1);
  auto c = LoadFromString(
      "destinations:\n  - id: h\n    url: http://x\n    secret_env: CD_TEST_SECRET\n", "s.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->destinations[0].secret, "whsec_fromenv");
  auto missing = LoadFromString(
      "destinations:\n  - id: h\n    url: http://x\n    secret_env: CD_TEST_NOT_SET_ANYWHERE\n",
      "s.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("CD_TEST_NOT_SET_ANYWHERE is not set"),
            std::string::npos);
}

TEST(Config, DirectoryMergesFilesAndPartnerFolder) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("cd-config-" + NewId());
  fs::create_directories(dir / "partners");
  fs::create_directories(dir / "samples" / "acme");
  std::ofstream(dir / "crossdock.yaml") << "server:\n  listen: 127.0.0.1:7000\n";
  std::ofstream(dir / "tokens.yaml")
      << "tokens:\n  - name: a\n    sha256: "
         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n    role: admin\n";
  std::ofstream(dir / "partners" / "acme.yaml") << "name: ACME\nkind: supplier\nformats: [x12]\n";
  std::ofstream(dir / "partners" / "globex.yaml") << "id: wrong\nkind: customer\nformats: [json]\n";
  std::ofstream(dir / "samples" / "acme" / "not-config.yaml") << "whatever: 1\n";
  auto c = Load(dir.string());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message().find("id 'wrong' must match the file name 'globex'"),
            std::string::npos)
      << c.error().message();
  fs::remove(dir / "partners" / "globex.yaml");
  c = Load(dir.string());
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_EQ(c->server.listen, "127.0.0.1:7000");
  ASSERT_EQ(c->partners.size(), 1u);
  EXPECT_EQ(c->partners[0].id, "acme");
  EXPECT_EQ(c->partners[0].name, "ACME");
  EXPECT_EQ(c->tokens.size(), 1u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace crossdock::config
