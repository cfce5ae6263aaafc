// Reader edge cases: encodings, delimiters, white space, wrapping, several interchanges, TA1.
#include <gtest/gtest.h>

#include <string>

#include "edi/x12/document.hpp"
#include "x12_test_util.hpp"

namespace crossdock::x12 {
namespace {

using testing::Count;
using testing::Dump;
using testing::Errors;
using testing::Isa;
using testing::MakeInterchange;
using testing::Po850Body;
using testing::Set;

std::string Sample() { return MakeInterchange({Set("850", "0001", Po850Body())}); }

// Tag and elements of every segment, "TAG|e1|e2...", for comparing two reads.
std::vector<std::string> Flat(const Document& doc) {
  std::vector<std::string> out;
  for (size_t i = 0; i < doc.segment_count(); ++i) {
    SegmentView s = doc.segment(i);
    std::string line(s.tag());
    for (size_t k = 1; k <= s.size(); ++k) line += "|" + std::string(s.element(k));
    out.push_back(line);
  }
  return out;
}

TEST(Reader, ReadsASimpleInterchange) {
  std::string in = Sample();
  auto doc = ReadDocument(in);
  ASSERT_TRUE(doc.ok()) << doc.error().ToString();
  EXPECT_EQ(Errors(*doc), 0u) << Dump(doc->diagnostics);
  ASSERT_EQ(doc->interchanges.size(), 1u);
  const Interchange& ic = doc->interchanges[0];
  EXPECT_EQ(ic.control(), "000000001");
  EXPECT_EQ(ic.sender_id(), "SENDER         ");
  EXPECT_EQ(ic.delimiters.element, '*');
  EXPECT_EQ(ic.delimiters.component, ':');
  EXPECT_EQ(ic.delimiters.segment, '~');
  EXPECT_EQ(ic.delimiters.repetition, 0);
  ASSERT_EQ(ic.groups.size(), 1u);
  EXPECT_EQ(ic.groups[0].functional_id(), "PO");
  ASSERT_EQ(ic.groups[0].sets.size(), 1u);
  const TransactionSet& set = ic.groups[0].sets[0];
  EXPECT_EQ(set.id, "850");
  EXPECT_EQ(set.control, "0001");
  EXPECT_TRUE(set.has_trailer);
  EXPECT_EQ(set.segment_count, 15u);
  SetView v = doc->set_view(set);
  EXPECT_EQ(v.segment(1).tag(), "BEG");
  EXPECT_EQ(v.segment(1).element(3), "PO-1001");
  EXPECT_EQ(v.segment(1).element(4), "");
  EXPECT_EQ(v.segment(1).element(99), "");
  // Zero copy: the views point into the caller's buffer.
  std::string_view po = v.segment(1).element(3);
  EXPECT_GE(po.data(), in.data());
  EXPECT_LT(po.data(), in.data() + in.size());
  EXPECT_EQ(in.substr(v.segment(1).offset(), 3), "BEG");
  EXPECT_EQ(v.segment(1).ordinal(), 4u);  // ISA, GS, ST, BEG
}

TEST(Reader, Utf8ByteOrderMarkIsSkipped) {
  std::string in = "\xEF\xBB\xBF" + Sample();
  auto doc = ReadDocument(in);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(Errors(*doc), 0u) << Dump(doc->diagnostics);
  EXPECT_EQ(doc->encoding, Encoding::kUtf8Bom);
  EXPECT_EQ(doc->interchanges[0].offset, 3u);
  EXPECT_EQ(Count(doc->diagnostics, "utf8-bom"), 1u);
  EXPECT_EQ(doc->set_count(), 1u);
}

TEST(Reader, ToleratesCrLfSpacesAndIndentation) {
  std::string in = Sample();
  std::string out;
  for (char c : in) {
    if (c == '\n') {
      out += "\r\n    \t";
    } else {
      out.push_back(c);
    }
  }
  auto a = ReadDocument(in);
  auto b = ReadDocument(out);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(Errors(*b), 0u) << Dump(b->diagnostics);
  EXPECT_EQ(Flat(*a), Flat(*b));
}

TEST(Reader, NewlineAsSegmentTerminator) {
  std::string base = Sample();
  for (std::string nl : {"\n", "\r\n", "\r"}) {
    std::string in;
    for (char c : base) {
      if (c == '~') continue;
      if (c == '\n') {
        in += nl;
      } else {
        in.push_back(c);
      }
    }
    auto doc = ReadDocument(in);
    ASSERT_TRUE(doc.ok());
    EXPECT_EQ(Errors(*doc), 0u) << Dump(doc->diagnostics);
    EXPECT_EQ(doc->interchanges[0].delimiters.segment, nl == "\r" ? '\r' : '\n');
    EXPECT_EQ(Flat(*doc), Flat(*ReadDocument(base))) << "newline " << nl.size();
  }
}

TEST(Reader, MissingTerminatorOnTheLastSegment) {
  std::string in = Sample();
  in.resize(in.size() - 2);  // drop "~\n" after IEA
  auto doc = ReadDocument(in + "  \r\n");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(Errors(*doc), 0u) << Dump(doc->diagnostics);
  EXPECT_TRUE(doc->interchanges[0].has_trailer);
  EXPECT_EQ(doc->interchanges[0].iea02, "000000001");
  EXPECT_EQ(Count(doc->diagnostics, "missing-final-terminator"), 1u);
}

TEST(Reader, EightyColumnWrappedLinesAreJoined) {
  std::string flat;
  for (char c : Sample()) {
    if (c != '\n') flat.push_back(c);
  }
  std::string wrapped;
  for (size_t i = 0; i < flat.size(); i += 80) wrapped += flat.substr(i, 80) + "\r\n";
  auto a = ReadDocument(flat);
  auto b = ReadDocument(wrapped);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(Errors(*b), 0u) << Dump(b->diagnostics);
  EXPECT_EQ(Flat(*a), Flat(*b));
  EXPECT_EQ(Count(b->diagnostics, "wrapped-lines"), 1u);
  // A wrapped element still reports its byte offset in the original input.
  const TransactionSet& set = b->interchanges[0].groups[0].sets[0];
  SetView v = b->set_view(set);
  for (size_t i = 0; i < v.size(); ++i) {
    SegmentView s = v.segment(i);
    for (size_t k = 1; k <= s.size(); ++k) {
      std::string_view el = s.element(k);
      if (el.empty()) continue;
      uint64_t off = v.OffsetOf(el, s);
      ASSERT_LT(off, wrapped.size());
      EXPECT_EQ(wrapped[off], el[0]) << s.tag() << k;
    }
  }
}

TEST(Reader, ControlCharacterDelimiters) {
  std::string in = Sample();
  for (char& c : in) {
    if (c == '*') c = '\x7F';
    if (c == '~') c = '\x1D';
  }
  auto doc = ReadDocument(in);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(Errors(*doc), 0u) << Dump(doc->diagnostics);
  EXPECT_EQ(doc->interchanges[0].delimiters.element, '\x7F');
  EXPECT_EQ(doc->interchanges[0].delimiters.segment, '\x1D');
  EXPECT_EQ(Flat(*doc), Flat(*ReadDocument(Sample())));
}

TEST(Reader, MultiByteUtf8Delimiters) {
  // Component separator U+00A6 (2 bytes) and terminator U+2026 (3 bytes), as in old samples.
  std::string in = Sample();
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '~') {
      out += "\xE2\x80\xA6";
    } else if (in[i] == ':' && i < 106) {
      out += "\xC2\xA6";
    } else {
      out.push_back(in[i]);
    }
  }
  auto doc = ReadDocument(out);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(Errors(*doc), 0u) << Dump(doc->diagnostics);
  const Interchange& ic = doc->interchanges[0];
  EXPECT_EQ(ic.component_text, "\xC2\xA6");
  EXPECT_EQ(ic.segment_text, "\xE2\x80\xA6");
  EXPECT_EQ(ic.isa[16], "\xC2\xA6");
  // Same segments; only the ISA16 view holds the single-byte placeholder.
  auto a = Flat(*doc), b = Flat(*ReadDocument(in));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 1; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]);
  // Offsets are in the original bytes.
  const TransactionSet& set = ic.groups[0].sets[0];
  EXPECT_EQ(out.substr(set.offset, 6), "ST*850");
}

std::string ToUtf16(std::string_view s, bool le, bool bom) {
  std::string out;
  if (bom) out += le ? "\xFF\xFE" : "\xFE\xFF";
  for (char c : s) {
    if (le) {
      out.push_back(c);
      out.push_back('\0');
    } else {
      out.push_back('\0');
      out.push_back(c);
    }
  }
  return out;
}

TEST(Reader, Utf16IsTranscoded) {
  std::string ascii = Sample();
  for (bool le : {true, false}) {
    for (bool bom : {true, false}) {
      std::string in = ToUtf16(ascii, le, bom);
      auto doc = ReadDocument(in);
      ASSERT_TRUE(doc.ok()) << doc.error().ToString();
      EXPECT_EQ(Errors(*doc), 0u) << Dump(doc->diagnostics);
      EXPECT_EQ(doc->encoding, le ? Encoding::kUtf16Le : Encoding::kUtf16Be);
      EXPECT_EQ(Flat(*doc), Flat(*ReadDocument(ascii)));
      const TransactionSet& set = doc->interchanges[0].groups[0].sets[0];
      // Offsets count original bytes: two per character, after the BOM.
      EXPECT_EQ(set.offset, (bom ? 2u : 0u) + 2 * ascii.find("ST*850"));
      EXPECT_EQ(Count(doc->diagnostics, "transcoded"), 1u);
    }
  }
}

// ASCII → EBCDIC code page 037 for the characters these tests use.
std::string ToEbcdic(std::string_view s) {
  std::string out;
  for (char c : s) {
    unsigned char e = 0x6F;  // '?'
    if (c >= '0' && c <= '9') e = static_cast<unsigned char>(0xF0 + (c - '0'));
    if (c >= 'A' && c <= 'I') e = static_cast<unsigned char>(0xC1 + (c - 'A'));
    if (c >= 'J' && c <= 'R') e = static_cast<unsigned char>(0xD1 + (c - 'J'));
    if (c >= 'S' && c <= 'Z') e = static_cast<unsigned char>(0xE2 + (c - 'S'));
    switch (c) {
      case ' ':
        e = 0x40;
        break;
      case '*':
        e = 0x5C;
        break;
      case ':':
        e = 0x7A;
        break;
      case '~':
        e = 0xA1;
        break;
      case '.':
        e = 0x4B;
        break;
      case ',':
        e = 0x6B;
        break;
      case '-':
        e = 0x60;
        break;
      case '\n':
        e = 0x25;
        break;
      default:
        break;
    }
    out.push_back(static_cast<char>(e));
  }
  return out;
}

TEST(Reader, EbcdicIsTranscoded) {
  std::string ascii = Sample();
  std::string in = ToEbcdic(ascii);
  auto doc = ReadDocument(in);
  ASSERT_TRUE(doc.ok()) << doc.error().ToString();
  EXPECT_EQ(doc->encoding, Encoding::kEbcdic);
  EXPECT_EQ(Errors(*doc), 0u) << Dump(doc->diagnostics);
  EXPECT_EQ(Flat(*doc), Flat(*ReadDocument(ascii)));
  EXPECT_EQ(doc->interchanges[0].groups[0].sets[0].offset, ascii.find("ST*850"));
}

TEST(Reader, Utf32IsRefusedClearly) {
  std::string in("\xFF\xFE\0\0I\0\0\0S\0\0\0A\0\0\0", 16);
  auto doc = ReadDocument(in);
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().code(), Code::kUnsupported);
  EXPECT_NE(doc.error().message().find("UTF-32"), std::string::npos);
}

TEST(Reader, UnreadableInputIsAnError) {
  EXPECT_FALSE(ReadDocument("").ok());
  auto doc = ReadDocument("ST*850*0001~BEG*00*SA*1**20240101~SE*3*0001~");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().where(), "byte 0");
  EXPECT_NE(doc.error().message().find("no ISA"), std::string::npos);
}

TEST(Reader, SeveralInterchangesEachWithItsOwnDelimiters) {
  std::string first = Sample();
  std::string second;
  for (char c : MakeInterchange({Set("850", "0002", Po850Body())})) {
    if (c == '*') {
      second.push_back('|');
    } else if (c == '~') {
      second.push_back('!');
    } else if (c == ':') {
      second.push_back('^');
    } else {
      second.push_back(c);
    }
  }
  second.replace(second.find("000000001"), 9, "000000002");
  second.replace(second.rfind("000000001"), 9, "000000002");
  auto doc = ReadDocument(first + second);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(Errors(*doc), 0u) << Dump(doc->diagnostics);
  ASSERT_EQ(doc->interchanges.size(), 2u);
  EXPECT_EQ(doc->interchanges[1].delimiters.element, '|');
  EXPECT_EQ(doc->interchanges[1].delimiters.segment, '!');
  EXPECT_EQ(doc->interchanges[1].index, 1);
  EXPECT_EQ(doc->set_count(), 2u);
  EXPECT_EQ(doc->interchanges[1].groups[0].sets[0].global_index, 1u);
}

TEST(Reader, Ta1AtInterchangeLevel) {
  std::string in = Isa() + "~TA1*000000099*240101*1200*A*000~TA1*000000100*240101*1200*R*001~" +
                   "IEA*0*000000001~";
  auto doc = ReadDocument(in);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(Errors(*doc), 0u) << Dump(doc->diagnostics);
  const Interchange& ic = doc->interchanges[0];
  EXPECT_EQ(ic.ta1_count, 2u);
  ASSERT_EQ(ic.ta1_segments.size(), 2u);
  EXPECT_EQ(doc->segment(ic.ta1_segments[1]).element(4), "R");
  EXPECT_TRUE(ic.groups.empty());
}

TEST(Reader, RepetitionSeparatorFromVersion00402) {
  auto doc = ReadDocument(
      MakeInterchange({Set("850", "0001", Po850Body())}, "PO", "005010", "00501", '^'));
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->interchanges[0].delimiters.repetition, '^');
  auto old = ReadDocument(
      MakeInterchange({Set("850", "0001", Po850Body())}, "PO", "004010", "00401", '^'));
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->interchanges[0].delimiters.repetition, 0)
      << "ISA11 is not a separator before 00402";
}

TEST(Reader, WrappedIsaWithLineBreakInsideAField) {
  std::string in = Sample();
  in.insert(75, "\r\n");  // inside ISA09/ISA10, as 80-column files do
  auto doc = ReadDocument(in);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(Errors(*doc), 0u) << Dump(doc->diagnostics);
  EXPECT_EQ(doc->interchanges[0].isa[9], "240102");
  EXPECT_EQ(doc->interchanges[0].isa[10], "1230");
}

TEST(Reader, BytesBeforeTheFirstIsaAreReportedAndSkipped) {
  auto doc = ReadDocument("From: van@example.com\r\n\r\n" + Sample());
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(Count(doc->diagnostics, "no-isa-at-start"), 1u);
  EXPECT_EQ(doc->set_count(), 1u);
}

TEST(Reader, OwnedDocumentOutlivesTheInput) {
  Result<Document> doc = ReadDocumentOwned(Sample());
  ASSERT_TRUE(doc.ok());
  Document moved = std::move(doc).value();
  EXPECT_EQ(moved.set_view(moved.interchanges[0].groups[0].sets[0]).segment(1).element(3),
            "PO-1001");
}

TEST(Reader, ReadFileReportsMissingFiles) {
  auto doc = ReadDocumentFile("/nonexistent/file.x12");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.error().code(), Code::kNotFound);
}

}  // namespace
}  // namespace crossdock::x12
