// 997 / 999 / TA1 contents, element by element.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "edi/x12/ack.hpp"
#include "edi/x12/document.hpp"
#include "edi/x12/validator.hpp"
#include "x12_test_util.hpp"

namespace crossdock::x12 {
namespace {

using testing::Dump;
using testing::Isa;
using testing::MakeInterchange;
using testing::Po850Body;
using testing::Set;

class FixedClock : public Clock {
 public:
  TimePoint Now() const override { return FromUnixMillis(1735732800000); }  // 2025-01-01 12:00Z
};

// The acknowledgment for `inbound`, parsed back; its segments as "TAG*e1*e2" lines.
struct Acked {
  AckResult result;
  Document ack;
  std::vector<std::string> lines;
};

Acked Ack(const std::string& inbound, AckOptions opts = {}, ReadOptions ro = {}) {
  Acked a;
  auto doc = ReadDocument(inbound, ro);
  EXPECT_TRUE(doc.ok());
  DocumentValidation v = ValidateDocument(*doc);
  InMemoryControlNumbers numbers;
  FixedClock clock;
  opts.clock = &clock;
  auto r = BuildAcknowledgments(*doc, v, numbers, opts);
  EXPECT_TRUE(r.ok()) << r.error().ToString();
  a.result = std::move(r).value();
  auto back = ReadDocumentOwned(a.result.bytes);
  if (!back.ok()) return a;
  a.ack = std::move(back).value();
  for (size_t i = 0; i < a.ack.segment_count(); ++i) {
    SegmentView s = a.ack.segment(i);
    const Delimiters& d = a.ack.interchanges[0].delimiters;
    std::string line(s.tag());
    for (size_t k = 1; k <= s.size(); ++k) {
      std::string e(s.element(k));
      for (char& c : e) {
        if (c == d.component) c = ':';
      }
      line += "*" + e;
    }
    a.lines.push_back(line);
  }
  return a;
}

// Lines between ST and SE of the first set, ST and SE excluded.
std::vector<std::string> Body(const Acked& a) {
  std::vector<std::string> out;
  bool in = false;
  for (const auto& l : a.lines) {
    if (l.rfind("ST*", 0) == 0) {
      in = true;
      continue;
    }
    if (l.rfind("SE*", 0) == 0) break;
    if (in) out.push_back(l);
  }
  return out;
}

void ExpectAckIsValid(const Acked& a) {
  EXPECT_EQ(testing::Errors(a.ack), 0u) << Dump(a.ack.diagnostics) << a.result.bytes;
  DocumentValidation v = ValidateDocument(a.ack);
  EXPECT_EQ(v.error_count(), 0u) << (v.sets.empty() ? "" : Dump(v.sets[0].diagnostics))
                                 << a.result.bytes;
}

TEST(Ack997, AcceptedSetMirrorsTheEnvelope) {
  Acked a = Ack(MakeInterchange({Set("850", "0001", Po850Body())}));
  ExpectAckIsValid(a);
  ASSERT_EQ(a.ack.interchanges.size(), 1u);
  const Interchange& ic = a.ack.interchanges[0];
  EXPECT_EQ(ic.isa[5], "ZZ");
  EXPECT_EQ(ic.isa[6], "RECEIVER       ");
  EXPECT_EQ(ic.isa[8], "SENDER         ");
  EXPECT_EQ(ic.isa[9], "250101");
  EXPECT_EQ(ic.isa[10], "1200");
  EXPECT_EQ(ic.isa[12], "00401");
  EXPECT_EQ(ic.isa[14], "0");
  EXPECT_EQ(ic.isa[15], "T") << "usage indicator mirrored";
  ASSERT_EQ(ic.groups.size(), 1u);
  const FunctionalGroup& g = ic.groups[0];
  EXPECT_EQ(g.gs[1], "FA");
  EXPECT_EQ(g.gs[2], "RECEIVER");
  EXPECT_EQ(g.gs[3], "SENDER");
  EXPECT_EQ(g.gs[4], "20250101");
  EXPECT_EQ(g.gs[8], "004010");
  EXPECT_EQ(g.sets[0].id, "997");
  EXPECT_EQ(Body(a),
            (std::vector<std::string>{"AK1*PO*1", "AK2*850*0001", "AK5*A", "AK9*A*1*1*1"}));
  EXPECT_EQ(a.result.summaries[0].kind, "997");
  EXPECT_EQ(a.result.summaries[0].group_codes, std::vector<std::string>{"A"});
  EXPECT_EQ(a.result.summaries[0].ta1_code, "");
}

TEST(Ack997, ErrorsElementByElement) {
  auto body = Po850Body();
  body[0] = "BEG*00*SA***20240102";                  // BEG03 missing
  body.insert(body.begin() + 2, "ZZZ*1");            // not in 850
  body[12] = "PO1*2*3.0.1*CA*100**UP*012345678912";  // bad decimal
  body[11] = "PID*F****WIDGET*BLUE";                 // PID06 is a 2-character code
  Acked a = Ack(MakeInterchange({Set("850", "0001", body)}));
  ExpectAckIsValid(a);
  EXPECT_EQ(Body(a), (std::vector<std::string>{"AK1*PO*1", "AK2*850*0001", "AK3*BEG*2**8",
                                               "AK4*3*324*1", "AK3*ZZZ*4**6", "AK3*PID*13*PID*8",
                                               "AK4*6*752*5*BLUE", "AK3*PO1*14*PO1*8",
                                               "AK4*2*330*6*3.0.1", "AK5*R*5", "AK9*R*1*1*0"}))
      << a.result.bytes;
  EXPECT_EQ(a.result.summaries[0].group_codes, std::vector<std::string>{"R"});
}

TEST(Ack997, EnvelopeErrorsOfASet) {
  std::string in = MakeInterchange({Set("850", "0001", Po850Body())});
  in.replace(in.find("SE*15*0001"), 10, "SE*99*0002");
  Acked a = Ack(in);
  ExpectAckIsValid(a);
  EXPECT_EQ(Body(a),
            (std::vector<std::string>{"AK1*PO*1", "AK2*850*0001", "AK5*R*4*3", "AK9*R*1*1*0"}));
}

TEST(Ack997, DuplicateControlNumberIsAcceptedWithErrorsNoted) {
  Acked a =
      Ack(MakeInterchange({Set("850", "0001", Po850Body()), Set("850", "0001", Po850Body())}));
  ExpectAckIsValid(a);
  EXPECT_EQ(Body(a), (std::vector<std::string>{"AK1*PO*1", "AK2*850*0001", "AK5*A", "AK2*850*0001",
                                               "AK5*E*23", "AK9*E*2*2*2"}));
}

TEST(Ack997, PartialAcceptanceAndGroupErrors) {
  auto bad = Po850Body();
  bad[0] = "BEG*99*SA*PO-1**20240102";
  std::string in = MakeInterchange({Set("850", "0001", Po850Body()), Set("850", "0002", bad)});
  Acked a = Ack(in);
  ExpectAckIsValid(a);
  std::vector<std::string> body = Body(a);
  ASSERT_FALSE(body.empty());
  EXPECT_EQ(body.back(), "AK9*P*2*2*1");
  EXPECT_NE(std::find(body.begin(), body.end(), "AK4*1*353*7*99"), body.end());

  std::string ge = MakeInterchange({Set("850", "0001", Po850Body())});
  ge.replace(ge.find("GE*1*1"), 6, "GE*2*1");
  Acked g = Ack(ge);
  ExpectAckIsValid(g);
  EXPECT_EQ(Body(g).back(), "AK9*R*2*1*0*5");
}

TEST(Ack997, WithoutAcceptedSetsAndWithOverrides) {
  AckOptions o;
  o.include_accepted_sets = false;
  o.sender_qualifier = "01";
  o.sender_id = "987654321";
  o.gs_sender = "HUB";
  o.gs_version = "004010VICS";
  o.isa_version = "00501";
  o.delimiters = Delimiters{'|', '>', '^', '\\', "\r\n"};
  o.partner = "ZZ:TESTPARTNER";
  Acked a = Ack(MakeInterchange({Set("850", "0001", Po850Body())}), o);
  ExpectAckIsValid(a);
  const Interchange& ic = a.ack.interchanges[0];
  EXPECT_EQ(ic.delimiters.element, '|');
  EXPECT_EQ(ic.delimiters.segment, '\\');
  EXPECT_EQ(ic.delimiters.repetition, '^');
  EXPECT_EQ(ic.isa[5], "01");
  EXPECT_EQ(ic.isa[6], "987654321      ");
  EXPECT_EQ(ic.isa[12], "00501");
  EXPECT_EQ(ic.groups[0].gs[2], "HUB");
  EXPECT_EQ(ic.groups[0].gs[8], "004010VICS");
  EXPECT_EQ(Body(a), (std::vector<std::string>{"AK1*PO*1", "AK9*A*1*1*1"}));
}

TEST(Ack999, For005010Senders) {
  auto body = Po850Body();
  body[2] = "REF*DP*042^043";  // REF02 does not repeat
  std::string in = MakeInterchange({Set("850", "0001", body)}, "PO", "005010X000", "00501", '^');
  Acked a = Ack(in);
  ExpectAckIsValid(a);
  const Interchange& ic = a.ack.interchanges[0];
  EXPECT_EQ(ic.isa[12], "00501");
  EXPECT_EQ(ic.delimiters.repetition, '^');
  EXPECT_EQ(ic.groups[0].gs[8], "005010X231A1");
  EXPECT_EQ(ic.groups[0].sets[0].id, "999");
  EXPECT_EQ(ic.groups[0].sets[0].convention, "005010X231A1");
  EXPECT_EQ(Body(a),
            (std::vector<std::string>{"AK1*PO*1*005010X000", "AK2*850*0001", "IK3*REF*4**8",
                                      "IK4*2::2*127*12*042043", "IK5*R*5", "AK9*R*1*1*0"}))
      << a.result.bytes;
  EXPECT_EQ(a.result.summaries[0].kind, "999");
  AckOptions force;
  force.kind = AckKind::k997;
  Acked b = Ack(in, force);
  EXPECT_EQ(b.ack.interchanges[0].groups[0].sets[0].id, "997");
  EXPECT_EQ(Body(b)[0], "AK1*PO*1*005010X000") << "AK103 from 005010 on";
}

TEST(AckTa1, BrokenEnvelopeIsRejectedWithTheNoteCode) {
  std::string in = MakeInterchange({Set("850", "0001", Po850Body())});
  in.replace(in.rfind("000000001"), 9, "000000002");
  Acked a = Ack(in);
  ASSERT_EQ(a.ack.interchanges.size(), 1u);
  const Interchange& ic = a.ack.interchanges[0];
  EXPECT_TRUE(ic.groups.empty()) << "a rejected interchange gets only the TA1";
  ASSERT_EQ(ic.ta1_segments.size(), 1u);
  SegmentView ta1 = a.ack.segment(ic.ta1_segments[0]);
  EXPECT_EQ(ta1.element(1), "000000001");
  EXPECT_EQ(ta1.element(2), "240102");
  EXPECT_EQ(ta1.element(3), "1230");
  EXPECT_EQ(ta1.element(4), "R");
  EXPECT_EQ(ta1.element(5), "001");
  EXPECT_EQ(a.result.summaries[0].ta1_code, "R");

  AckOptions also;
  also.ack_groups_of_rejected_interchange = true;
  Acked b = Ack(in, also);
  EXPECT_EQ(b.ack.interchanges[0].groups.size(), 1u);
  EXPECT_EQ(b.ack.interchanges[0].ta1_count, 1u);
}

TEST(AckTa1, RequestedByIsa14AndPolicies) {
  std::string in = Isa("00401", "000000001", '*', 'U', ':', '1') + "~\n" +
                   "GS*PO*SENDER*RECEIVER*20240102*1230*1*X*004010~\n";
  for (const auto& s : Set("850", "0001", Po850Body())) in += s + "~\n";
  in += "GE*1*1~\nIEA*1*000000001~\n";
  Acked a = Ack(in);
  ExpectAckIsValid(a);
  EXPECT_EQ(a.lines[1], "TA1*000000001*240102*1230*A*000");
  EXPECT_EQ(a.ack.interchanges[0].groups.size(), 1u);
  AckOptions never;
  never.ta1 = Ta1Policy::kNever;
  EXPECT_EQ(Ack(in, never).ack.interchanges[0].ta1_count, 0u);
  AckOptions always;
  always.ta1 = Ta1Policy::kAlways;
  EXPECT_EQ(
      Ack(MakeInterchange({Set("850", "0001", Po850Body())}), always).ack.interchanges[0].ta1_count,
      1u);
}

TEST(AckTa1, Ta1OnlyInputGetsNoAcknowledgment) {
  Acked a = Ack(Isa() + "~TA1*000000009*240101*1200*A*000~IEA*0*000000001~");
  EXPECT_TRUE(a.result.bytes.empty());
}

TEST(Ack997, UnsupportedSetsAreAcceptedUnlessConfigured) {
  std::string in = MakeInterchange({Set("837", "0001", {"BHT*0019*00*1*20240101*1200*CH"})}, "HC",
                                   "004010X098A1");
  Acked a = Ack(in);
  EXPECT_EQ(Body(a),
            (std::vector<std::string>{"AK1*HC*1", "AK2*837*0001", "AK5*A", "AK9*A*1*1*1"}));
  AckOptions strict;
  strict.reject_unsupported_sets = true;
  EXPECT_EQ(Body(Ack(in, strict))[2], "AK5*R*1");
}

TEST(Ack997, CopyOfBadDataDropsOutboundDelimiters) {
  auto body = Po850Body();
  body[9] = "PO1*1*1:0*EA*12.50**UP*012345678905";  // ':' is the component separator
  Acked a = Ack(MakeInterchange({Set("850", "0001", body)}));
  ExpectAckIsValid(a);
  std::vector<std::string> b = Body(a);
  // 004010 has no code 13: "too many components" goes out as 6 (invalid character).
  EXPECT_NE(std::find(b.begin(), b.end(), "AK4*2*330*6*10"), b.end()) << a.result.bytes;
}

}  // namespace
}  // namespace crossdock::x12
