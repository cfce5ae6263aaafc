// `crossdock edi ...`: output and exit codes, through EdiMain.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "app/edi_cli.hpp"
#include "x12_test_util.hpp"

namespace crossdock {
namespace {

using x12::testing::MakeInterchange;
using x12::testing::Po850Body;
using x12::testing::Set;

struct CliRun {
  int code = -1;
  std::string out, err;
};

CliRun Edi(std::vector<std::string> args) {
  std::vector<std::string> storage = {"edi"};
  for (auto& a : args) storage.push_back(a);
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  std::ostringstream out, err;
  CliRun r;
  r.code = EdiMain(static_cast<int>(argv.size()), argv.data(), out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("edi_cli_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& content) {
    auto p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }
  std::string Good() {
    return Write("good.x12", MakeInterchange({Set("850", "0001", Po850Body())}));
  }
  std::string Bad() {
    auto body = Po850Body();
    body[0] = "BEG*00*SA***20240102";
    std::string in = MakeInterchange({Set("850", "0001", body)});
    in.replace(in.find("GE*1*1"), 6, "GE*1*9");
    return Write("bad.x12", in);
  }
  std::filesystem::path dir_;
};

TEST_F(CliTest, HelpAndUsageErrors) {
  CliRun help = Edi({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("Usage: crossdock edi"), std::string::npos);
  EXPECT_EQ(Edi({"parse", "--help"}).code, 0);
  CliRun none = Edi({});
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.err.find("Usage"), std::string::npos);
  EXPECT_EQ(Edi({"frobnicate"}).code, 2);
  EXPECT_EQ(Edi({"parse"}).code, 2);
  EXPECT_EQ(Edi({"parse", "--yaml", Good()}).code, 2);
  EXPECT_EQ(Edi({"validate"}).code, 2);
  EXPECT_EQ(Edi({"ack"}).code, 2);
  EXPECT_EQ(Edi({"ack", Good(), Good()}).code, 2);
}

TEST_F(CliTest, ParsePrintsTheTreeWithLoopsNested) {
  CliRun r = Edi({"parse", Good()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("1 interchange(s), 1 group(s), 1 transaction set(s)"), std::string::npos);
  EXPECT_NE(r.out.find("    ST 850 0001 (spec 850/004010)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("      loop N1\n        N1*ST*ACME WAREHOUSE*92*0042"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("      loop PO1\n        PO1*1*10*EA"), std::string::npos);
}

TEST_F(CliTest, ParseJson) {
  CliRun r = Edi({"parse", Good(), "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["encoding"], "ascii");
  const auto& set = j["interchanges"][0]["groups"][0]["sets"][0];
  EXPECT_EQ(set["id"], "850");
  EXPECT_EQ(set["spec"], "850/004010");
  const auto& tree = set["tree"];
  EXPECT_EQ(tree[0]["segment"], "ST");
  EXPECT_EQ(tree[1]["elements"][2], "PO-1001");
  EXPECT_EQ(tree[6]["loop"], "N1");
  EXPECT_EQ(tree[6]["children"][0]["segment"], "N1");
  EXPECT_EQ(tree[8]["loop"], "PO1");
  EXPECT_EQ(tree[8]["children"][1]["loop"], "PID");
  EXPECT_EQ(j["interchanges"][0]["delimiters"]["segment"], "~");

  CliRun two = Edi({"parse", "--json", Good(), Bad()});
  EXPECT_EQ(two.code, 1);
  std::istringstream lines(two.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    auto doc = nlohmann::json::parse(line);
    EXPECT_TRUE(doc.contains("interchanges"));
    ++n;
  }
  EXPECT_EQ(n, 2) << "one JSON document per line";
  auto bad = nlohmann::json::parse(two.out.substr(two.out.find('\n') + 1));
  EXPECT_EQ(bad["status"], "errors");
  EXPECT_GE(bad["diagnostics"].size(), 2u);
}

TEST_F(CliTest, ParseExitCodes) {
  EXPECT_EQ(Edi({"parse", Bad()}).code, 1);
  CliRun missing = Edi({"parse", (dir_ / "missing.x12").string()});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("unreadable"), std::string::npos);
  CliRun junk = Edi({"parse", Write("junk.txt", "hello, not edi")});
  EXPECT_EQ(junk.code, 2);
  EXPECT_EQ(Edi({"parse", Good(), (dir_ / "missing.x12").string()}).code, 2);
}

TEST_F(CliTest, ValidateOneLinePerFileThenOnePerFinding) {
  std::string good = Good(), bad = Bad();
  CliRun r = Edi({"validate", good, bad});
  EXPECT_EQ(r.code, 1);
  std::istringstream lines(r.out);
  std::vector<std::string> l;
  std::string s;
  while (std::getline(lines, s)) l.push_back(s);
  ASSERT_GE(l.size(), 4u) << r.out;
  EXPECT_EQ(l[0], good + ": ok");
  EXPECT_EQ(l[1], bad + ": 2 errors");
  EXPECT_EQ(l[2].rfind("  error file segment 18 GE element 02: ge02-control-number: GE02 '9'", 0),
            0u)
      << l[2];
  EXPECT_NE(l[3].find("  error segment 2 BEG element 03: mandatory-element-missing: BEG03"),
            std::string::npos)
      << l[3];
  EXPECT_NE(l[3].find("(isa 1 gs 1 st 1 ST02 0001, byte "), std::string::npos) << l[3];
  EXPECT_EQ(Edi({"validate", good}).code, 0);
  CliRun missing = Edi({"validate", (dir_ / "nope").string()});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.out.find(": unreadable: "), std::string::npos);
}

TEST_F(CliTest, AckPrintsTheAcknowledgment) {
  CliRun r = Edi({"ack", Good()});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("ISA*00*", 0), 0u);
  EXPECT_NE(r.out.find("ST*997*0001~"), std::string::npos);
  EXPECT_NE(r.out.find("AK5*A~"), std::string::npos);
  CliRun bad = Edi({"ack", Bad()});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("AK9*R*1*1*0*4~"), std::string::npos) << bad.out;
  CliRun n999 = Edi({"ack", "--999", Good()});
  EXPECT_NE(n999.out.find("ST*999*0001*005010X231A1~"), std::string::npos) << n999.out;
  EXPECT_EQ(Edi({"ack", (dir_ / "none").string()}).code, 2);
}

}  // namespace
}  // namespace crossdock
