// Writer: envelopes, counts, padding, control numbers, refusals and round trips.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "edi/x12/document.hpp"
#include "edi/x12/writer.hpp"
#include "x12_test_util.hpp"

namespace crossdock::x12 {
namespace {

using testing::Dump;
using testing::Errors;
using testing::MakeInterchange;
using testing::Po850Body;
using testing::Set;

OutSegment Seg(std::string tag, std::vector<std::string> elements) {
  return OutSegment{std::move(tag), std::move(elements)};
}

OutInterchange Sample() {
  OutInterchange ic;
  ic.sender_qualifier = "ZZ";
  ic.sender_id = "CROSSDOCK";
  ic.receiver_qualifier = "01";
  ic.receiver_id = "123456789";
  ic.date = "240102";
  ic.time = "1230";
  ic.usage = 'T';
  OutGroup g;
  g.functional_id = "PO";
  g.sender = "CROSSDOCK";
  g.receiver = "123456789";
  g.date = "20240102";
  g.time = "1230";
  g.version = "004010";
  for (int i = 0; i < 2; ++i) {
    OutSet s;
    s.id = "850";
    s.segments = {Seg("BEG", {"00", "SA", "PO-" + std::to_string(i), "", "20240102"}),
                  Seg("PO1", {"1", "10", "EA", "12.50", "", "UP", "012345678905"}),
                  Seg("CTT", {"1"})};
    g.sets.push_back(s);
  }
  ic.groups.push_back(g);
  return ic;
}

TEST(Writer, WritesEnvelopesWithCountsAndPadding) {
  InMemoryControlNumbers numbers;
  WriterOptions opts;
  auto w = WriteInterchange(Sample(), numbers, opts);
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  const std::string& b = w->bytes;
  std::string isa = b.substr(0, b.find('\n'));
  EXPECT_EQ(isa,
            "ISA*00*          *00*          *ZZ*CROSSDOCK      *01*123456789      *240102*1230*U*"
            "00401*000000001*0*T*:~");
  EXPECT_EQ(isa.size(), 106u);
  EXPECT_NE(b.find("\nGS*PO*CROSSDOCK*123456789*20240102*1230*1*X*004010~\n"), std::string::npos);
  EXPECT_NE(b.find("\nST*850*0001~\n"), std::string::npos);
  EXPECT_NE(b.find("\nSE*5*0001~\n"), std::string::npos);
  EXPECT_NE(b.find("\nST*850*0002~\n"), std::string::npos);
  EXPECT_NE(b.find("\nGE*2*1~\n"), std::string::npos);
  EXPECT_TRUE(b.size() >= 17 && b.substr(b.size() - 17) == "IEA*1*000000001~\n");
  EXPECT_NE(b.find("BEG*00*SA*PO-0**20240102~"), std::string::npos);
  EXPECT_EQ(w->isa13, "000000001");
  EXPECT_EQ(w->st02, (std::vector<std::string>{"0001", "0002"}));

  auto doc = ReadDocument(b);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->diagnostics.size(), 0u) << Dump(doc->diagnostics);
  EXPECT_EQ(doc->set_count(), 2u);
}

TEST(Writer, ControlNumbersComeFromPerPartnerSequences) {
  InMemoryControlNumbers numbers;
  WriterOptions a;
  a.partner = "ZZ:ACME";
  WriterOptions b;
  b.partner = "ZZ:OTHER";
  EXPECT_EQ(WriteInterchange(Sample(), numbers, a)->isa13, "000000001");
  auto second = WriteInterchange(Sample(), numbers, a);
  EXPECT_EQ(second->isa13, "000000002");
  EXPECT_EQ(second->gs06, std::vector<std::string>{"2"});
  EXPECT_EQ(second->st02, (std::vector<std::string>{"0003", "0004"}));
  EXPECT_EQ(WriteInterchange(Sample(), numbers, b)->isa13, "000000001");
  // Default partner key is the receiver.
  WriterOptions d;
  EXPECT_EQ(WriteInterchange(Sample(), numbers, d)->isa13, "000000001");
  EXPECT_EQ(WriteInterchange(Sample(), numbers, d)->isa13, "000000002");

  numbers.Set("ZZ:ACME", "ISA", 999999999);
  EXPECT_TRUE(WriteInterchange(Sample(), numbers, a).ok());
  auto over = WriteInterchange(Sample(), numbers, a);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code(), Code::kResourceExhausted);
}

TEST(Writer, GivenControlNumbersAreKept) {
  InMemoryControlNumbers numbers;
  OutInterchange ic = Sample();
  ic.control = "000004711";
  ic.groups[0].control = "42";
  ic.groups[0].sets[0].control = "123456789";
  ic.groups[0].sets[1].control = "ABCD";
  auto w = WriteInterchange(ic, numbers);
  ASSERT_TRUE(w.ok());
  EXPECT_NE(w->bytes.find("IEA*1*000004711~"), std::string::npos);
  EXPECT_NE(w->bytes.find("GE*2*42~"), std::string::npos);
  EXPECT_NE(w->bytes.find("SE*5*123456789~"), std::string::npos);
  EXPECT_NE(w->bytes.find("SE*5*ABCD~"), std::string::npos);
}

TEST(Writer, RefusesWhatWouldBreakTheInterchange) {
  InMemoryControlNumbers numbers;
  OutInterchange ic = Sample();
  ic.groups[0].sets[0].segments[0].elements[2] = "PO*1";
  auto w = WriteInterchange(ic, numbers);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code(), Code::kInvalidArgument);
  EXPECT_EQ(w.error().where(), "BEG03");

  ic = Sample();
  ic.groups[0].sets[0].segments[0].elements[2] = "PO~1";
  EXPECT_FALSE(WriteInterchange(ic, numbers).ok());
  ic = Sample();
  ic.groups[0].sets[0].segments[0].elements[2] = "PO\n1";
  EXPECT_FALSE(WriteInterchange(ic, numbers).ok()) << "newline suffix makes LF a delimiter";

  ic = Sample();
  ic.sender_id = "A-SENDER-ID-TOO-LONG";
  EXPECT_FALSE(WriteInterchange(ic, numbers).ok());

  ic = Sample();
  ic.groups[0].sets[0].segments[1].elements[2] = std::string("EA") + kRepetitionMark + "CA";
  EXPECT_FALSE(WriteInterchange(ic, numbers).ok()) << "00401 has no repetition separator";

  WriterOptions bad;
  bad.delimiters.element = ':';  // same as the component separator
  EXPECT_FALSE(WriteInterchange(Sample(), numbers, bad).ok());
}

TEST(Writer, ComponentsRepetitionsAndTrailingEmptyElements) {
  InMemoryControlNumbers numbers;
  OutInterchange ic = Sample();
  ic.version = "00501";
  ic.groups[0].version = "005010";
  auto& segs = ic.groups[0].sets[0].segments;
  segs.push_back(
      Seg("MEA", {"PD", "WT", "10", std::string("LB") + kComponentMark + kComponentMark}));
  segs.push_back(Seg("REF", {"DP", std::string("042") + kRepetitionMark + "043", "", ""}));
  auto w = WriteInterchange(ic, numbers);
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  EXPECT_NE(w->bytes.find("*^*00501*"), std::string::npos) << "ISA11 is the repetition separator";
  EXPECT_NE(w->bytes.find("MEA*PD*WT*10*LB~"), std::string::npos);
  EXPECT_NE(w->bytes.find("REF*DP*042^043~"), std::string::npos);
  auto doc = ReadDocument(w->bytes);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->interchanges[0].delimiters.repetition, '^');
  EXPECT_EQ(Errors(*doc), 0u);
}

// Reading what was written gives back the same document.
std::vector<std::string> Canonical(const Document& doc) {
  std::vector<std::string> out;
  for (const auto& ic : doc.interchanges) {
    const Delimiters& d = ic.delimiters;
    for (const auto& g : ic.groups) {
      for (const auto& s : g.sets) {
        SetView v = doc.set_view(s);
        for (size_t i = 0; i < v.size(); ++i) {
          SegmentView seg = v.segment(i);
          size_t n = seg.size();
          while (n > 0 && seg.element(n).empty()) --n;
          std::string line(seg.tag());
          for (size_t k = 1; k <= n; ++k) {
            std::string e(seg.element(k));
            for (char& c : e) {
              if (c == d.component) c = kComponentMark;
              if (d.repetition != 0 && c == d.repetition) c = kRepetitionMark;
            }
            line += "|" + e;
          }
          out.push_back(line);
        }
      }
    }
  }
  return out;
}

TEST(Writer, RoundTripWithOtherDelimiters) {
  std::string original =
      MakeInterchange({Set("850", "0001", Po850Body()), Set("850", "0002", Po850Body())});
  auto doc = ReadDocument(original);
  ASSERT_TRUE(doc.ok());
  OutInterchange out = ToOutInterchange(*doc, doc->interchanges[0]);
  for (Delimiters d : {DefaultDelimiters(), Delimiters{'|', '>', 0, '!', "\r\n"},
                       Delimiters{'\x1D', '\x1F', 0, '\x1C', ""},
                       // A separator kept from a transcoded EBCDIC interchange: one byte in ISA16
                       // (not a UTF-8 character to pad), read back as one byte.
                       Delimiters{'*', '\xB3', 0, '~', ""}}) {
    InMemoryControlNumbers numbers;
    WriterOptions opts;
    opts.delimiters = d;
    if (d.repetition == 0) out.version = "00401";
    auto w = WriteInterchange(out, numbers, opts);
    ASSERT_TRUE(w.ok()) << w.error().ToString();
    auto back = ReadDocument(w->bytes);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(Errors(*back), 0u) << Dump(back->diagnostics);
    EXPECT_EQ(Canonical(*back), Canonical(*doc));
    EXPECT_EQ(back->interchanges[0].control(), "000000001") << "control numbers kept";
    EXPECT_EQ(back->interchanges[0].delimiters.element, d.element);
  }
}

TEST(Writer, Ta1SegmentsAtInterchangeLevel) {
  InMemoryControlNumbers numbers;
  OutInterchange ic = Sample();
  ic.groups.clear();
  ic.ta1.push_back(Seg("TA1", {"000000042", "240101", "1200", "A", "000"}));
  auto w = WriteInterchange(ic, numbers);
  ASSERT_TRUE(w.ok());
  auto doc = ReadDocument(w->bytes);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->diagnostics.size(), 0u) << Dump(doc->diagnostics);
  EXPECT_EQ(doc->interchanges[0].ta1_count, 1u);
  EXPECT_NE(w->bytes.find("IEA*0*000000001~"), std::string::npos);
}

}  // namespace
}  // namespace crossdock::x12
