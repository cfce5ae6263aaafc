// Envelope checks: every defect is a positioned diagnostic carrying its X12 code.
#include <gtest/gtest.h>

#include <string>

#include "edi/x12/document.hpp"
#include "x12_test_util.hpp"

namespace crossdock::x12 {
namespace {

using testing::Dump;
using testing::Errors;
using testing::Find;
using testing::Isa;
using testing::MakeInterchange;
using testing::Po850Body;
using testing::Set;

std::string Sample() { return MakeInterchange({Set("850", "0001", Po850Body())}); }

Document Read(const std::string& in, ReadOptions opts = {}) {
  auto doc = ReadDocument(in, opts);
  EXPECT_TRUE(doc.ok()) << doc.error().ToString();
  return std::move(doc).value();
}

std::string Replace(std::string s, std::string_view from, std::string_view to) {
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  s.replace(at, from.size(), to);
  return s;
}

TEST(Envelope, CleanSampleHasNoFindings) {
  std::string in = Sample();
  Document doc = Read(in);
  for (const auto& d : doc.diagnostics) EXPECT_LT(d.severity, Severity::kWarning) << Dump({d});
}

TEST(Envelope, IsaFieldWidthIsCheckedPerField) {
  std::string in = Replace(Sample(), "SENDER         ", "SENDER        ");  // 14 characters
  Document doc = Read(in);
  const Diagnostic* d = Find(doc.diagnostics, "isa-field-width");
  ASSERT_NE(d, nullptr) << Dump(doc.diagnostics);
  EXPECT_EQ(d->severity, Severity::kError);
  EXPECT_EQ(d->level, Level::kInterchange);
  EXPECT_EQ(d->ta1_code, ta1::kInvalidSenderId);
  EXPECT_EQ(d->where.element, 6);
  EXPECT_EQ(d->where.segment_id, "ISA");
  EXPECT_EQ(d->where.segment_in_file, 1u);
  EXPECT_EQ(d->where.offset, in.find("SENDER"));
  EXPECT_EQ(d->where.interchange, 0);
  EXPECT_EQ(d->where.isa13, "000000001");
  // The interchange is still read.
  EXPECT_EQ(doc.set_count(), 1u);
  EXPECT_TRUE(doc.interchanges[0].envelope_errors);
}

TEST(Envelope, IeaCountAndControlNumber) {
  std::string in = Replace(Sample(), "IEA*1*000000001", "IEA*2*000000009");
  Document doc = Read(in);
  const Diagnostic* count = Find(doc.diagnostics, "iea01-count");
  const Diagnostic* ctl = Find(doc.diagnostics, "iea02-control-number");
  ASSERT_NE(count, nullptr);
  ASSERT_NE(ctl, nullptr);
  EXPECT_EQ(count->ta1_code, ta1::kInvalidGroupCount);
  EXPECT_EQ(ctl->ta1_code, ta1::kControlNumberMismatch);
  EXPECT_EQ(ctl->where.element, 2);
  EXPECT_EQ(ctl->where.segment_id, "IEA");
  EXPECT_EQ(ctl->where.segment_in_file, 19u);
  EXPECT_EQ(ctl->where.offset, in.find("000000009"));
}

TEST(Envelope, GeCountAndControlNumber) {
  Document doc = Read(Replace(Sample(), "GE*1*1", "GE*3*7"));
  const Diagnostic* count = Find(doc.diagnostics, "ge01-count");
  const Diagnostic* ctl = Find(doc.diagnostics, "ge02-control-number");
  ASSERT_NE(count, nullptr);
  ASSERT_NE(ctl, nullptr);
  EXPECT_EQ(count->ak9_code, ak9::kCountMismatch);
  EXPECT_EQ(ctl->ak9_code, ak9::kControlNumberMismatch);
  EXPECT_EQ(ctl->level, Level::kGroup);
  EXPECT_EQ(ctl->where.group, 0);
  EXPECT_EQ(ctl->where.gs06, "1");
  EXPECT_TRUE(doc.interchanges[0].groups[0].envelope_errors);
}

TEST(Envelope, SeCountAndControlNumberArePositioned) {
  std::string in = Replace(Sample(), "SE*15*0001", "SE*14*0001 ");
  Document doc = Read(in);
  const Diagnostic* count = Find(doc.diagnostics, "se01-count");
  const Diagnostic* ctl = Find(doc.diagnostics, "se02-control-number");
  ASSERT_NE(count, nullptr);
  ASSERT_NE(ctl, nullptr) << "a trailing space is a mismatch";
  EXPECT_EQ(count->ak5_code, ak5::kCountMismatch);
  EXPECT_EQ(ctl->ak5_code, ak5::kControlNumberMismatch);
  EXPECT_EQ(count->where.segment_in_set, 15u);
  EXPECT_EQ(count->where.segment_in_file, 17u);
  EXPECT_EQ(count->where.set, 0);
  EXPECT_EQ(count->where.st02, "0001");
  EXPECT_EQ(count->where.element, 1);
  EXPECT_EQ(count->where.offset, in.find("14*0001 "));
  EXPECT_EQ(count->bad_value, "14");
  EXPECT_TRUE(doc.interchanges[0].groups[0].sets[0].envelope_errors);
}

TEST(Envelope, MissingTrailers) {
  // ST followed by ST: the first set has no SE.
  std::string in = Replace(Sample(), "SE*15*0001~\n", "");
  in = Replace(in, "GE*1*1", "ST*850*0002~\nBEG*00*SA*2**20240101~\nSE*3*0002~\nGE*2*1");
  Document doc = Read(in);
  const Diagnostic* se = Find(doc.diagnostics, "se-missing");
  ASSERT_NE(se, nullptr) << Dump(doc.diagnostics);
  EXPECT_EQ(se->ak5_code, ak5::kTrailerMissing);
  EXPECT_EQ(se->where.st02, "0001");
  EXPECT_EQ(doc.set_count(), 2u);
  EXPECT_FALSE(doc.interchanges[0].groups[0].sets[0].has_trailer);
  EXPECT_EQ(Errors(doc), 1u) << Dump(doc.diagnostics);

  // GS then IEA: the group has no GE.
  Document g = Read(Replace(Sample(), "GE*1*1~\n", ""));
  const Diagnostic* ge = Find(g.diagnostics, "ge-missing");
  ASSERT_NE(ge, nullptr);
  EXPECT_EQ(ge->ak9_code, ak9::kTrailerMissing);

  // End of input inside the interchange.
  std::string cut = Sample();
  cut.resize(cut.find("GE*"));
  Document e = Read(cut);
  const Diagnostic* iea = Find(e.diagnostics, "iea-missing");
  ASSERT_NE(iea, nullptr);
  EXPECT_EQ(iea->ta1_code, ta1::kPrematureEnd);
  EXPECT_NE(Find(e.diagnostics, "ge-missing"), nullptr);
  EXPECT_EQ(iea->where.offset, cut.size());
}

TEST(Envelope, DuplicateControlNumbersAreNotedByDefaultAndCanReject) {
  std::string in =
      MakeInterchange({Set("850", "0001", Po850Body()), Set("850", "0001", Po850Body())});
  Document doc = Read(in);
  const Diagnostic* d = Find(doc.diagnostics, "st02-duplicate");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->severity, Severity::kWarning);
  EXPECT_EQ(d->ak5_code, ak5::kControlNumberNotUnique);
  EXPECT_EQ(d->where.set, 1);
  ReadOptions strict;
  strict.duplicate_severity = Severity::kError;
  Document s = Read(in, strict);
  EXPECT_EQ(Find(s.diagnostics, "st02-duplicate")->severity, Severity::kError);

  Document two = Read(Sample() + Sample());
  const Diagnostic* isa = Find(two.diagnostics, "isa13-duplicate");
  ASSERT_NE(isa, nullptr);
  EXPECT_EQ(isa->ta1_code, ta1::kDuplicateControlNumber);
  EXPECT_EQ(isa->where.interchange, 1);

  std::string groups =
      Replace(Sample(), "IEA*1", "GS*PO*A*B*20240102*1230*1*X*004010~GE*0*1~IEA*2");
  Document g = Read(groups);
  const Diagnostic* gs = Find(g.diagnostics, "gs06-duplicate");
  ASSERT_NE(gs, nullptr);
  EXPECT_EQ(gs->ak9_code, ak9::kControlNumberNotUnique);
}

TEST(Envelope, SegmentsOutsideTheirEnvelope) {
  Document doc = Read(Replace(Sample(), "ST*850*0001", "N1*ST*STRAY~\nST*850*0001"));
  const Diagnostic* d = Find(doc.diagnostics, "segment-outside-set");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->level, Level::kGroup);
  EXPECT_EQ(d->where.segment_id, "N1");
  EXPECT_EQ(d->where.segment_in_file, 3u);

  // ST without GS: gathered into an implicit group, reported.
  std::string no_gs = Replace(Sample(), "GS*PO*SENDER*RECEIVER*20240102*1230*1*X*004010~\n", "");
  no_gs = Replace(no_gs, "GE*1*1~\n", "");
  Document ng = Read(no_gs);
  ASSERT_NE(Find(ng.diagnostics, "st-outside-group"), nullptr);
  ASSERT_EQ(ng.interchanges[0].groups.size(), 1u);
  EXPECT_TRUE(ng.interchanges[0].groups[0].implicit);
  EXPECT_EQ(ng.set_count(), 1u);

  // A group after IEA without a new ISA.
  std::string after = Sample() + "GS*PO*A*B*20240102*1230*2*X*004010~ST*850*0009~SE*2*0009~GE*1*2~";
  Document ai = Read(after);
  ASSERT_NE(Find(ai.diagnostics, "segment-outside-interchange"), nullptr);
  ASSERT_EQ(ai.interchanges.size(), 2u);
  EXPECT_TRUE(ai.interchanges[1].implicit);
  EXPECT_EQ(ai.set_count(), 2u);
}

TEST(Envelope, UnreadableIsaIsFatalButTheNextInterchangeIsRead) {
  std::string bad = "ISA*00*  *00~GS*PO~";  // no 16 elements before the next ISA
  Document doc = Read(bad + Sample());
  const Diagnostic* d = Find(doc.diagnostics, "isa-unreadable");
  ASSERT_NE(d, nullptr) << Dump(doc.diagnostics);
  EXPECT_EQ(d->severity, Severity::kFatal);
  EXPECT_EQ(d->where.offset, 0u);
  ASSERT_EQ(doc.interchanges.size(), 1u);
  EXPECT_EQ(doc.interchanges[0].offset, bad.size());
  EXPECT_EQ(doc.set_count(), 1u);
}

TEST(Envelope, InvalidSegmentIdInsideASet) {
  Document doc = Read(Replace(Sample(), "CUR*BY*USD", "cur*BY*USD"));
  const Diagnostic* d = Find(doc.diagnostics, "segment-id-invalid");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->ak3_code, ak3::kUnrecognizedSegment);
  EXPECT_EQ(d->where.segment_in_set, 3u);
  EXPECT_EQ(Find(doc.diagnostics, "se01-count"), nullptr) << "it still counts as a segment";
}

TEST(Envelope, IsaValueChecksAreWarnings) {
  std::string in = Replace(Sample(), "240102*1230", "241302*2561");
  Document doc = Read(in);
  EXPECT_EQ(Errors(doc), 0u);
  EXPECT_EQ(Find(doc.diagnostics, "isa-date")->ta1_code, ta1::kInvalidDate);
  EXPECT_EQ(Find(doc.diagnostics, "isa-time")->ta1_code, ta1::kInvalidTime);
}

TEST(Envelope, DiagnosticsAreCappedAndTheCapIsReported) {
  std::string in = Isa() + "~";
  for (int i = 0; i < 50; ++i) in += "N1*STRAY~";
  in += "IEA*0*000000001~";
  ReadOptions opts;
  opts.max_diagnostics = 10;
  Document doc = Read(in, opts);
  EXPECT_LE(doc.diagnostics.size(), 10u);
  EXPECT_TRUE(doc.diagnostics_truncated);
}

TEST(Envelope, SecondInterchangePositionsAreFileWide) {
  std::string a = Sample();
  std::string b =
      Replace(Replace(Sample(), "000000001", "000000002"), "IEA*1*000000001", "IEA*1*000000003");
  Document doc = Read(a + b);
  const Diagnostic* d = Find(doc.diagnostics, "iea02-control-number");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->where.interchange, 1);
  EXPECT_EQ(d->where.isa13, "000000002");
  EXPECT_EQ(d->where.segment_in_file, 38u);
  EXPECT_EQ(d->where.offset, a.size() + b.find("000000003"));
}

}  // namespace
}  // namespace crossdock::x12
