// The streaming reader reports exactly what the document reader does, in bounded memory.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "edi/x12/document.hpp"
#include "edi/x12/stream.hpp"
#include "x12_test_util.hpp"

namespace crossdock::x12 {
namespace {

using testing::Dump;
using testing::Isa;
using testing::MakeInterchange;
using testing::Po850Body;
using testing::Set;

// What a reader reported, flattened for comparison.
struct Trace {
  std::vector<std::string> lines;
};

std::string SetLine(const FunctionalGroup& g, const TransactionSet& s, const SetView& v) {
  std::string line = "SET " + g.gs[6] + " " + s.id + " " + s.control + " " +
                     std::to_string(s.global_index) + " @" + std::to_string(s.offset) + ":";
  for (size_t i = 0; i < v.size(); ++i) {
    SegmentView seg = v.segment(i);
    line += " " + std::string(seg.tag());
    for (size_t k = 1; k <= seg.size(); ++k) line += "|" + std::string(seg.element(k));
    line += "#" + std::to_string(seg.offset());
  }
  return line;
}

std::string DiagLine(const Diagnostic& d) {
  return "DIAG " + d.rule + " " + std::to_string(d.where.offset) + " " +
         std::to_string(d.where.segment_in_file) + " " + std::to_string(d.where.segment_in_set);
}

class Recorder : public StreamHandler {
 public:
  void OnInterchange(const Interchange& ic) override {
    t.lines.push_back("ISA " + ic.isa[13] + " @" + std::to_string(ic.offset));
  }
  void OnSet(const Interchange& ic, const FunctionalGroup& g, const TransactionSet& s,
             const SetView& v) override {
    t.lines.push_back(SetLine(g, s, v));
  }
  void OnTa1(const Interchange& ic, const SegmentView& ta1) override {
    t.lines.push_back("TA1 " + std::string(ta1.element(1)));
  }
  void OnDiagnostic(const Diagnostic& d) override { diags.push_back(DiagLine(d)); }
  Trace t;
  std::vector<std::string> diags;
};

void FromDocument(const Document& doc, Trace* t, std::vector<std::string>* diags) {
  for (const auto& ic : doc.interchanges) {
    t->lines.push_back("ISA " + ic.isa[13] + " @" + std::to_string(ic.offset));
    for (uint32_t k : ic.ta1_segments) {
      t->lines.push_back("TA1 " + std::string(doc.segment(k).element(1)));
    }
    for (const auto& g : ic.groups) {
      for (const auto& s : g.sets) t->lines.push_back(SetLine(g, s, doc.set_view(s)));
    }
  }
  for (const auto& d : doc.diagnostics) diags->push_back(DiagLine(d));
}

// The stream (pieces of `max_read` bytes into `chunk`-sized buffers, and the whole input read in
// place) reports what ReadDocument reports.
void ExpectSame(const std::string& in, size_t chunk, size_t max_read) {
  auto doc = ReadDocument(in);
  ASSERT_TRUE(doc.ok());
  Trace want;
  std::vector<std::string> want_diags;
  FromDocument(*doc, &want, &want_diags);
  std::sort(want.lines.begin(), want.lines.end());
  std::sort(want_diags.begin(), want_diags.end());

  for (size_t pieces : {max_read, SIZE_MAX}) {
    SCOPED_TRACE(pieces == SIZE_MAX ? "in place" : "in pieces");
    Recorder rec;
    MemorySource src(in, pieces);
    EXPECT_EQ(src.InMemory().data() != nullptr, pieces == SIZE_MAX);
    StreamOptions opts;
    opts.chunk_size = chunk;
    auto stats = ReadStream(src, rec, opts);
    ASSERT_TRUE(stats.ok()) << stats.error().ToString();
    EXPECT_EQ(stats->bytes, in.size());
    EXPECT_EQ(stats->sets, doc->set_count());
    // Sets arrive in file order; the document lists TA1s before groups, so compare as sets.
    std::vector<std::string> b = rec.t.lines;
    std::sort(b.begin(), b.end());
    EXPECT_EQ(want.lines, b);
    std::sort(rec.diags.begin(), rec.diags.end());
    EXPECT_EQ(want_diags, rec.diags);
  }
}

std::string ManySets(int sets, int lines_per_set) {
  std::vector<std::vector<std::string>> all;
  for (int i = 0; i < sets; ++i) {
    std::vector<std::string> body = {"BEG*00*SA*PO-" + std::to_string(i) + "**20240102"};
    for (int k = 0; k < lines_per_set; ++k) {
      body.push_back("PO1*" + std::to_string(k + 1) + "*1*EA*9.99**UP*01234567890" +
                     std::to_string(k % 10));
    }
    body.push_back("CTT*" + std::to_string(lines_per_set));
    all.push_back(Set("850", std::to_string(1000 + i), body));
  }
  return MakeInterchange(all);
}

TEST(Stream, SameAsDocumentAcrossChunkBoundaries) {
  std::string in = ManySets(300, 5);  // ~90 KB
  ExpectSame(in, 4096, 4096);
  ExpectSame(in, 4096, 7);  // a source that trickles bytes
  ExpectSame(in, 1 << 20, SIZE_MAX);
}

TEST(Stream, ASetLargerThanTheBufferGrowsIt) {
  std::string in = ManySets(2, 3000);  // each set ~130 KB
  ExpectSame(in, 4096, 1000);
}

TEST(Stream, EdgeCasesMatchTheDocumentReader) {
  std::string base = MakeInterchange({Set("850", "0001", Po850Body())});
  ExpectSame("\xEF\xBB\xBF" + base, 4096, 3);  // BOM
  std::string wrapped;
  std::string flat;
  for (char c : base) {
    if (c != '\n') flat.push_back(c);
  }
  for (size_t i = 0; i < flat.size(); i += 80) wrapped += flat.substr(i, 80) + "\n";
  ExpectSame(wrapped + wrapped, 4096, 5);  // wrapped lines, two interchanges
  std::string broken = base;
  broken.resize(broken.size() - 30);  // cut inside the trailers
  ExpectSame(broken, 4096, 11);
  ExpectSame(Isa() + "~TA1*000000009*240101*1200*A*000~IEA*0*000000001~", 4096, 2);
  std::string utf16;
  for (char c : base) {
    utf16.push_back(c);
    utf16.push_back('\0');
  }
  ExpectSame(utf16, 4096, 9);  // read whole, then the same result
  // A later interchange whose terminator is a multi-byte character arriving byte by byte.
  std::string later = base;
  for (size_t i = 0; i < later.size(); ++i) {
    if (later[i] == '~') later.replace(i, 1, "\xE2\x80\xA6");
  }
  ExpectSame(base + later, 4096, 1);
  // A long run of stray bytes before the first ISA is one finding, however it arrives.
  ExpectSame(std::string(5000, 'x') + "\n" + base, 4096, 3);
}

TEST(Stream, BoundedMemoryOnALargeFile) {
  std::string in = ManySets(20000, 4);  // ~4.4 MB
  Recorder rec;
  MemorySource src(in, 64 * 1024);  // read in pieces, as from a file
  StreamOptions opts;
  opts.chunk_size = 64 * 1024;
  size_t sets = 0;
  class Counter : public StreamHandler {
   public:
    explicit Counter(size_t* n) : n_(n) {}
    void OnSet(const Interchange&, const FunctionalGroup&, const TransactionSet&,
               const SetView&) override {
      ++*n_;
    }
    size_t* n_;
  } counter(&sets);
  auto stats = ReadStream(src, counter, opts);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(sets, 20000u);
  EXPECT_EQ(stats->diagnostics, 0u);
  EXPECT_LE(stats->peak_buffer, 64u * 1024) << "the buffer never grew past one chunk";
  EXPECT_FALSE(stats->whole_file);

  // The same input already in memory is read in place: no buffer at all, the same sets.
  sets = 0;
  MemorySource whole(in);
  auto in_place = ReadStream(whole, counter, opts);
  ASSERT_TRUE(in_place.ok());
  EXPECT_EQ(sets, 20000u);
  EXPECT_EQ(in_place->bytes, in.size());
  EXPECT_EQ(in_place->peak_buffer, 0u);
}

TEST(Stream, IstreamSourceAndErrors) {
  std::istringstream in(MakeInterchange({Set("850", "0001", Po850Body())}));
  IstreamSource src(in);
  Recorder rec;
  auto stats = ReadStream(src, rec);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->sets, 1u);

  MemorySource none("no interchange here");
  Recorder r2;
  EXPECT_FALSE(ReadStream(none, r2).ok());
  EXPECT_FALSE(ReadFileStream("/nonexistent.x12", r2).ok());
}

}  // namespace
}  // namespace crossdock::x12
