// Spec validation per set: valid samples pass; each kind of defect gets its AK3/AK4 code.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "edi/x12/document.hpp"
#include "edi/x12/validator.hpp"
#include "x12_test_util.hpp"

namespace crossdock::x12 {
namespace {

using testing::Dump;
using testing::Find;
using testing::MakeInterchange;
using testing::Po850Body;
using testing::Set;

struct Checked {
  Document doc;
  DocumentValidation v;
  const SetValidation& first() const { return v.sets.at(0); }
};

Checked Check(const std::string& id, const std::vector<std::string>& body,
              const std::string& fg = "PO", const std::string& gs08 = "004010",
              const std::string& isa12 = "00401", char isa11 = 'U') {
  Checked c;
  auto doc = ReadDocumentOwned(MakeInterchange({Set(id, "0001", body)}, fg, gs08, isa12, isa11));
  EXPECT_TRUE(doc.ok());
  c.doc = std::move(doc).value();
  EXPECT_EQ(testing::Errors(c.doc), 0u) << Dump(c.doc.diagnostics);
  c.v = ValidateDocument(c.doc);
  return c;
}

void ExpectClean(const Checked& c) {
  ASSERT_NE(c.first().spec, nullptr);
  EXPECT_EQ(c.first().error_count(), 0u) << Dump(c.first().diagnostics);
}

// The one error-level finding, checked for its rule and codes.
const Diagnostic& Only(const Checked& c, const std::string& rule) {
  const Diagnostic* d = Find(c.first().diagnostics, rule);
  EXPECT_NE(d, nullptr) << "expected " << rule << "\n" << Dump(c.first().diagnostics);
  EXPECT_EQ(c.first().error_count(), d && d->severity >= Severity::kError ? 1u : 0u)
      << Dump(c.first().diagnostics);
  static const Diagnostic kNone;
  return d ? *d : kNone;
}

std::vector<std::string> With(std::vector<std::string> body, size_t at, const std::string& seg) {
  body.insert(body.begin() + static_cast<long>(at), seg);
  return body;
}
std::vector<std::string> Without(std::vector<std::string> body, const std::string& prefix) {
  std::vector<std::string> out;
  for (auto& s : body) {
    if (s.rfind(prefix, 0) != 0) out.push_back(s);
  }
  return out;
}
// Replaces the first segment starting with `prefix` by `seg` ('~' separates several).
std::vector<std::string> Replaced(std::vector<std::string> body, const std::string& prefix,
                                  const std::string& seg) {
  std::vector<std::string> out;
  bool done = false;
  for (auto& s : body) {
    if (!done && s.rfind(prefix, 0) == 0) {
      done = true;
      size_t start = 0;
      while (true) {
        size_t t = seg.find('~', start);
        out.push_back(seg.substr(start, t == std::string::npos ? std::string::npos : t - start));
        if (t == std::string::npos) break;
        start = t + 1;
      }
    } else {
      out.push_back(s);
    }
  }
  return out;
}

// ----- valid samples, one per supported set -----

TEST(ValidSets, PurchaseOrder850) {
  Checked c = Check("850", Po850Body());
  ExpectClean(c);
  EXPECT_EQ(c.first().spec->id, "850");
  EXPECT_EQ(c.first().spec->version, "004010");
  EXPECT_TRUE(c.first().exact_version);
}

TEST(ValidSets, PurchaseOrder850Version005010WithRepetitionSeparator) {
  auto body = Po850Body();
  body[2] = "REF*DP*" + std::string(45, 'A');  // REF02 may be 50 long in 005010
  ExpectClean(Check("850", body, "PO", "005010", "00501", '^'));
}

TEST(ValidSets, Acknowledgment855) {
  ExpectClean(Check(
      "855",
      {"BAK*00*AC*PO-1001*20240103", "PO1*1*10*EA*12.50**UP*012345678905",
       "ACK*IA*10*EA*068*20240110", "PO1*2*3*CA*100**UP*012345678912", "ACK*IR*3*CA", "CTT*2"},
      "PR"));
}

std::vector<std::string> Asn856() {
  return {"BSN*00*SHIP-1*20240105*1200*0001",
          "HL*1**S",
          "TD1*CTN25*2",
          "TD5*B*2*ACME*M",
          "REF*BM*BOL123",
          "DTM*011*20240105",
          "N1*ST*ACME WAREHOUSE*92*0042",
          "HL*2*1*O",
          "PRF*PO-1001",
          "HL*3*2*P",
          "MAN*GM*00012345678901234567",
          "HL*4*3*I",
          "LIN**UP*012345678905",
          "SN1**10*EA",
          "HL*5*3*I",
          "LIN**UP*012345678912",
          "SN1**3*CA",
          "CTT*5"};
}

TEST(ValidSets, ShipNotice856) { ExpectClean(Check("856", Asn856(), "SH")); }

TEST(ValidSets, Invoice810) {
  ExpectClean(Check("810",
                    {"BIG*20240110*INV-1*20240102*PO-1001", "N1*RE*ACME SUPPLY*92*77",
                     "IT1*1*10*EA*12.50**UP*012345678905", "IT1*2*3*CA*100**UP*012345678912",
                     "TDS*42500", "CTT*2"},
                    "IN"));
}

TEST(ValidSets, Inventory846) {
  ExpectClean(Check("846",
                    {"BIA*00*DD*INV-20240110*20240110", "LIN**UP*012345678905", "QTY*33*100*EA",
                     "LIN**UP*012345678912", "QTY*33*20*CA", "CTT*2"},
                    "IB"));
}

TEST(ValidSets, FunctionalAck997And999) {
  ExpectClean(Check("997", {"AK1*PO*1", "AK2*850*0001", "AK5*A", "AK9*A*1*1*1"}, "FA"));
  ExpectClean(Check(
      "997", {"AK1*PO*1", "AK2*850*0002", "AK3*N1*8*N1*8", "AK4*1**7*ZZ", "AK5*R*5", "AK9*R*1*1*0"},
      "FA"));
  ExpectClean(Check("999",
                    {"AK1*PO*1*005010", "AK2*850*0001", "IK3*N1*8*N1*8", "CTX*SITUATIONAL TRIGGER",
                     "IK4*1**7*ZZ", "IK5*R*5", "AK9*R*1*1*0"},
                    "FA", "005010X231A1", "00501", '^'));
}

TEST(ValidSets, ChangeAndWarehouseSets) {
  ExpectClean(Check(
      "860", {"BCH*01*SA*PO-1001**1*20240102", "POC*1*DI*10*0*EA*12.50**UP*012345678905", "CTT*1"},
      "PC"));
  ExpectClean(Check("940",
                    {"W05*N*ORD-1*PO-1001", "N1*ST*ACME*92*0042", "LX*1", "W01*10*EA**VN*WID-1",
                     "G69*WIDGET BLUE", "W76*10"},
                    "OW"));
  ExpectClean(Check("945",
                    {"W06*N*ORD-1*20240105*SHIP-1**PO-1001", "N1*ST*ACME*92*0042", "LX*1",
                     "W12*CC*10*10**EA**VN*WID-1", "W03*10"},
                    "SW"));
}

// ----- segment-level defects (AK304) -----

TEST(SegmentDefects, MandatorySegmentMissing) {
  Checked c = Check("850", Without(Po850Body(), "BEG"));
  const Diagnostic& d = Only(c, "mandatory-segment-missing");
  EXPECT_EQ(d.ak3_code, ak3::kMandatorySegmentMissing);
  EXPECT_EQ(d.where.segment_id, "BEG");
  EXPECT_EQ(d.where.segment_in_set, 2u) << "reported where it was expected";
}

TEST(SegmentDefects, MandatoryLoopMissing) {
  Checked c = Check("850", Without(Without(Po850Body(), "PO1"), "PID"));
  const Diagnostic& d = Only(c, "mandatory-loop-missing");
  EXPECT_EQ(d.ak3_code, ak3::kMandatorySegmentMissing);
  EXPECT_EQ(d.where.segment_id, "PO1");
}

TEST(SegmentDefects, OutOfSequence) {
  auto body = Without(Po850Body(), "CUR");
  body = With(body, 8, "CUR*BY*USD");  // after the first N1 loop
  Checked c = Check("850", body);
  const Diagnostic& d = Only(c, "segment-out-of-sequence");
  EXPECT_EQ(d.ak3_code, ak3::kOutOfSequence);
  EXPECT_EQ(d.where.segment_id, "CUR");
  EXPECT_EQ(d.where.segment_in_set, 10u);
}

TEST(SegmentDefects, NotInDefinedSetAndUnexpected) {
  Checked c = Check("850", With(Po850Body(), 2, "ZZZ*1"));
  EXPECT_EQ(Only(c, "segment-not-in-set").ak3_code, ak3::kNotInDefinedSet);
  Checked u = Check("850", With(Po850Body(), 2, "LE*1"));
  EXPECT_EQ(Only(u, "unexpected-segment").ak3_code, ak3::kUnexpectedSegment);
}

TEST(SegmentDefects, SegmentOverMaximumUse) {
  auto body = Po850Body();
  for (int i = 0; i < 3; ++i) body = With(body, 3, "PER*BD*ANOTHER BUYER");
  Checked c = Check("850", body);
  const Diagnostic& d = Only(c, "segment-over-max-use");
  EXPECT_EQ(d.ak3_code, ak3::kSegmentOverMaximumUse);
  EXPECT_EQ(d.where.segment_in_set, 8u);
}

TEST(SegmentDefects, LoopOverMaximum) {
  auto body = Po850Body();
  body.push_back("CTT*2");
  Checked c = Check("850", body);
  const Diagnostic& d = Only(c, "loop-over-max");
  EXPECT_EQ(d.ak3_code, ak3::kLoopOverMaximum);
  EXPECT_EQ(d.where.segment_in_set, 15u);
}

// ----- element-level defects (AK403) -----

struct ElementCase {
  const char* name;
  const char* prefix;  // segment replaced
  const char* segment;
  const char* rule;
  uint16_t code;
  uint16_t element;
  uint16_t component;
  uint16_t ref;
};

class ElementDefects : public ::testing::TestWithParam<ElementCase> {};

TEST_P(ElementDefects, ReportsCodeAndPosition) {
  const ElementCase& ec = GetParam();
  auto body = Replaced(Po850Body(), ec.prefix, ec.segment);
  Checked c = Check("850", body);
  const Diagnostic& d = Only(c, ec.rule);
  EXPECT_EQ(d.ak4_code, ec.code) << ec.name;
  EXPECT_EQ(d.ak3_code, ak3::kElementErrors);
  EXPECT_EQ(d.where.element, ec.element);
  EXPECT_EQ(d.where.component, ec.component);
  EXPECT_EQ(d.element_ref, ec.ref);
  EXPECT_EQ(d.level, Level::kElement);
  // The byte offset points at the element (or, when missing, into its segment).
  std::string in = MakeInterchange({Set("850", "0001", body)});
  EXPECT_LT(d.where.offset, in.size());
}

INSTANTIATE_TEST_SUITE_P(
    Codes, ElementDefects,
    ::testing::Values(
        ElementCase{"mandatory", "BEG", "BEG*00*SA***20240102", "mandatory-element-missing",
                    ak4::kMandatoryMissing, 3, 0, 324},
        ElementCase{"conditional", "PO1*2", "PO1*2**CA*100**UP*012345678912",
                    "conditional-required", ak4::kConditionalMissing, 2, 0, 330},
        ElementCase{"too many", "DTM", "DTM*002*20240115*1200*01*D8*20240115*X",
                    "too-many-elements", ak4::kTooManyElements, 7, 0, 0},
        ElementCase{"too short", "BEG", "BEG*0*SA*PO-1001**20240102", "element-too-short",
                    ak4::kTooShort, 1, 0, 353},
        ElementCase{"too long", "BEG", "BEG*00*SA*PO-12345678901234567890**20240102",
                    "element-too-long", ak4::kTooLong, 3, 0, 324},
        ElementCase{"numeric", "CTT", "CTT*2A*13", "invalid-numeric", ak4::kInvalidCharacter, 1, 0,
                    354},
        ElementCase{"decimal", "PO1*2", "PO1*2*3.0.1*CA*100**UP*012345678912", "invalid-decimal",
                    ak4::kInvalidCharacter, 2, 0, 330},
        ElementCase{"code", "BEG", "BEG*99*SA*PO-1001**20240102", "invalid-code", ak4::kInvalidCode,
                    1, 0, 353},
        ElementCase{"date", "BEG", "BEG*00*SA*PO-1001**20240230", "invalid-date", ak4::kInvalidDate,
                    5, 0, 373},
        ElementCase{"time", "DTM", "DTM*002*20240115*2561", "invalid-time", ak4::kInvalidTime, 3, 0,
                    337},
        ElementCase{"exclusion", "PO1*2", "PO1*2*3*CA*100**UP*012345678912~QTY*01*5**FREE",
                    "exclusion-violated", ak4::kExclusionViolated, 4, 0, 61},
        ElementCase{"components", "N1*BT", "N1*BT*ACME:CORP*92*0001", "unexpected-component",
                    ak4::kTooManyComponents, 2, 0, 93},
        ElementCase{"component", "PO1*2", "PO1*2*3*CA*100**UP*012345678912~CTP**RES*1*2*:10",
                    "mandatory-component-missing", ak4::kMandatoryMissing, 5, 1, 355},
        // A control character anywhere in a long segment (read eight bytes at a time), in a short
        // one (read byte by byte), and DEL at the very end of a segment.
        ElementCase{"control char", "N1*BT",
                    "N1*BT*ACME\x01"
                    "CORP*92*0001",
                    "invalid-character", ak4::kInvalidCharacter, 2, 0, 93},
        ElementCase{"control char short", "REF",
                    "REF*DP*4\x1f"
                    "2",
                    "invalid-character", ak4::kInvalidCharacter, 2, 0, 127},
        ElementCase{"DEL last byte", "N1*BT", "N1*BT*ACME CORP*92*000\x7f", "invalid-character",
                    ak4::kInvalidCharacter, 4, 0, 67},
        // Syntax rules decided on the bit set of present elements: P0304 with the second
        // element missing (PER) and with the first missing (N1).
        ElementCase{"paired", "PER", "PER*BD*JANE BUYER*TE", "conditional-required",
                    ak4::kConditionalMissing, 4, 0, 364},
        ElementCase{"paired late", "N1*BT", "N1*BT*ACME CORP**0001", "conditional-required",
                    ak4::kConditionalMissing, 3, 0, 66}));

// Lengths count characters, not bytes: a UTF-8 value (not plain ASCII, so checked byte by byte)
// of 60 characters fits N102 (AN 1-60); 61 do not.
TEST(ElementDefectsMore, Utf8LengthsCountCharacters) {
  std::string sixty;
  for (int i = 0; i < 60; ++i) sixty += "\xc3\x89";  // É
  ExpectClean(Check("850", Replaced(Po850Body(), "N1*BT", "N1*BT*" + sixty + "*92*0001")));
  Checked c = Check("850", Replaced(Po850Body(), "N1*BT", "N1*BT*" + sixty + "\xc3\x89*92*0001"));
  const Diagnostic& d = Only(c, "element-too-long");
  EXPECT_EQ(d.where.element, 2);
}

TEST(ElementDefectsMore, TooManyRepetitionsIn005010) {
  auto body = Replaced(Po850Body(), "REF", "REF*DP*042^043");
  Checked c = Check("850", body, "PO", "005010", "00501", '^');
  const Diagnostic& d = Only(c, "too-many-repetitions");
  EXPECT_EQ(d.ak4_code, ak4::kTooManyRepetitions);
  EXPECT_EQ(d.where.element, 2);
  EXPECT_EQ(d.where.repetition, 2);
}

TEST(ElementDefectsMore, OpenCodeListsOnlyWarn) {
  Checked c = Check("850", Replaced(Po850Body(), "PO1*1", "PO1*1*10*QQ*12.50**UP*012345678905"));
  const Diagnostic* d = Find(c.first().diagnostics, "unknown-code");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->severity, Severity::kWarning);
  EXPECT_EQ(c.first().error_count(), 0u);
}

TEST(ElementDefectsMore, LocationCarriesLoopAndControlNumbers) {
  Checked c = Check("850", Replaced(Po850Body(), "PO1*2", "PO1*2*3*CA*1X**UP*012345678912"));
  const Diagnostic* d = Find(c.first().diagnostics, "invalid-decimal");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->where.loop_id, "PO1");
  EXPECT_EQ(d->where.st02, "0001");
  EXPECT_EQ(d->where.gs06, "1");
  EXPECT_EQ(d->where.isa13, "000000001");
  EXPECT_EQ(d->where.segment_in_set, 13u);
  EXPECT_EQ(d->where.segment_in_file, 15u);
  EXPECT_EQ(d->bad_value, "1X");
  std::string in = MakeInterchange(
      {Set("850", "0001", Replaced(Po850Body(), "PO1*2", "PO1*2*3*CA*1X**UP*012345678912"))});
  EXPECT_EQ(in.substr(d->where.offset, 2), "1X");
}

// ----- the loop tree -----

TEST(Tree, LoopsAreNested) {
  Checked c = Check("850", Po850Body());
  const auto& tree = c.first().tree;
  // Top level: ST BEG CUR REF PER DTM [N1] [N1] [PO1] [PO1] [CTT] SE.
  std::vector<std::string> top;
  for (size_t i = 0; i < tree.size(); i = tree[i].end) {
    top.push_back(tree[i].kind == TreeNode::Kind::kLoop ? "[" + tree[i].spec->loop_id + "]"
                                                        : "seg");
  }
  EXPECT_EQ(top, (std::vector<std::string>{"seg", "seg", "seg", "seg", "seg", "seg", "[N1]", "[N1]",
                                           "[PO1]", "[PO1]", "[CTT]", "seg"}));
  // The first PO1 repetition holds PO1 and a PID loop.
  size_t po1 = 0;
  for (size_t i = 0; i < tree.size(); i = tree[i].end) {
    if (tree[i].kind == TreeNode::Kind::kLoop && tree[i].spec->loop_id == "PO1") {
      po1 = i;
      break;
    }
  }
  EXPECT_EQ(tree[po1].end - po1, 4u);
  EXPECT_EQ(tree[po1 + 2].kind, TreeNode::Kind::kLoop);
  EXPECT_EQ(tree[po1 + 2].spec->loop_id, "PID");
  SetView view = c.doc.set_view(c.doc.interchanges[0].groups[0].sets[0]);
  EXPECT_EQ(view.segment(tree[po1 + 3].segment).tag(), "PID");
}

// ----- 856 hierarchy -----

TEST(Hierarchy, ParentLinksAreChecked) {
  ExpectClean(Check("856", Asn856(), "SH"));
  Checked unknown = Check("856", Replaced(Asn856(), "HL*4", "HL*4*9*I"), "SH");
  const Diagnostic& d = Only(unknown, "hl-unknown-parent");
  EXPECT_EQ(d.where.element, 2);
  EXPECT_EQ(d.element_ref, 734);
  Checked dup = Check("856", Replaced(Asn856(), "HL*5", "HL*4*3*I"), "SH");
  EXPECT_EQ(Only(dup, "hl-duplicate-id").where.element, 1);
  // HL04 must agree with the HLs that follow (a warning: it is advice, not structure).
  Checked child = Check("856", Replaced(Asn856(), "HL*2", "HL*2*1*O*0"), "SH");
  const Diagnostic* hl04 = Find(child.first().diagnostics, "hl-child-code");
  ASSERT_NE(hl04, nullptr);
  EXPECT_EQ(hl04->severity, Severity::kWarning);
  EXPECT_EQ(hl04->where.element, 4);
  EXPECT_EQ(child.first().error_count(), 0u);
  // Each HL is one repetition of the HL loop.
  size_t loops = 0;
  for (const auto& n : dup.first().tree) {
    loops += n.kind == TreeNode::Kind::kLoop && n.spec->loop_id == "HL" ? 1 : 0;
  }
  EXPECT_EQ(loops, 5u);
}

// ----- versions -----

TEST(Versions, NearbyReleaseFallsBackAndUnknownSetsAreNotRejected) {
  Checked c = Check("850", Po850Body(), "PO", "004030");
  ASSERT_NE(c.first().spec, nullptr);
  EXPECT_EQ(c.first().spec->version, "004010");
  EXPECT_FALSE(c.first().exact_version);
  EXPECT_NE(Find(c.first().diagnostics, "spec-version-fallback"), nullptr);

  Checked vics = Check("850", Po850Body(), "PO", "004010VICS");
  EXPECT_TRUE(vics.first().exact_version);

  Checked none = Check("837", {"BHT*0019*00*1*20240101*1200*CH"}, "HC");
  EXPECT_EQ(none.first().spec, nullptr);
  EXPECT_EQ(none.first().error_count(), 0u);
  EXPECT_EQ(Find(none.first().diagnostics, "no-spec")->ak5_code, ak5::kNotSupported);
  EXPECT_EQ(none.first().tree.size(), 3u);

  Checked old = Check("850", Po850Body(), "PO", "003040");
  EXPECT_EQ(old.first().spec, nullptr);
}

TEST(Versions, RegistryFind) {
  const SpecRegistry& reg = SpecRegistry::Embedded();
  ASSERT_GE(reg.size(), 19u);
  EXPECT_TRUE(reg.Find("999", "005010X231A1").exact);
  EXPECT_EQ(reg.Find("850", "005040").spec->version, "005010");
  EXPECT_EQ(reg.Find("850", "").spec, nullptr);
  EXPECT_EQ(reg.Find("850", "ABCDEF").spec, nullptr);
}

TEST(Streaming, ValidatorReusesItsBuffers) {
  Checked c = Check("850", Po850Body());
  Validator v;
  SetValidation out;
  const auto& ic = c.doc.interchanges[0];
  for (int i = 0; i < 3; ++i) {
    v.Validate(c.doc.set_view(ic.groups[0].sets[0]), ic, ic.groups[0], ic.groups[0].sets[0], &out);
    EXPECT_EQ(out.error_count(), 0u);
    EXPECT_EQ(out.tree.size(), c.first().tree.size());
  }
}

}  // namespace
}  // namespace crossdock::x12
