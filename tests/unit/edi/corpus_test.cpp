// Conformance and differential tests over the shared third-party corpus (../shared/corpus/x12).
//
// - Conformance: every file of the manifest is read; the outcome (ok / warnings / errors /
//   unreadable, counts, set ids, first finding with its position) must equal the golden file
//   tests/golden/x12/conformance.tsv. A well-formed file must read without envelope or syntax
//   errors and every malformed one must get a positioned error — or the golden row explains why
//   not. Run with CROSSDOCK_UPDATE_GOLDEN=1 to rewrite the golden file (comments are kept).
// - Differential: for every file node-x12 1.7.1 parsed (node-x12-results.tsv), the same
//   interchange, group and set counts and set ids; each disagreement is listed, with who is
//   right, in tests/golden/x12/differential.tsv.
// - Properties over every file: the streaming reader agrees with the document reader; validation
//   and acknowledgment never fail; well-formed documents survive a writer round trip.
// The corpus is not part of the repository; when it is missing these tests fail, loudly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "edi/x12/ack.hpp"
#include "edi/x12/document.hpp"
#include "edi/x12/stream.hpp"
#include "edi/x12/validator.hpp"
#include "edi/x12/writer.hpp"

namespace crossdock::x12 {
namespace {

namespace fs = std::filesystem;

const std::string kCorpus = CROSSDOCK_CORPUS_DIR "/x12";
const std::string kGolden = CROSSDOCK_SOURCE_DIR "/tests/golden/x12";
const char kMissing[] =
    "the shared X12 corpus is missing at " CROSSDOCK_CORPUS_DIR
    "/x12: these tests need the repository's sibling folder ../shared/corpus (see "
    "../shared/corpus/README.md)";

std::vector<std::vector<std::string>> ReadTsv(const std::string& path, bool skip_header) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (first && skip_header) {
      first = false;
      continue;
    }
    first = false;
    std::vector<std::string> cols;
    size_t start = 0;
    while (true) {
      size_t t = line.find('\t', start);
      cols.push_back(line.substr(start, t == std::string::npos ? std::string::npos : t - start));
      if (t == std::string::npos) break;
      start = t + 1;
    }
    rows.push_back(std::move(cols));
  }
  return rows;
}

// "shared/corpus/x12/a/b.txt" -> "a/b.txt"
std::string Relative(const std::string& local_path) {
  const std::string prefix = "shared/corpus/x12/";
  return local_path.rfind(prefix, 0) == 0 ? local_path.substr(prefix.size()) : local_path;
}

struct Manifest {
  std::vector<std::string> paths;
  std::map<std::string, std::string> well_formed;
};

Manifest LoadManifest() {
  Manifest m;
  for (auto& row : ReadTsv(kCorpus + "/MANIFEST.tsv", true)) {
    if (row.size() < 6) continue;
    std::string p = Relative(row[0]);
    m.paths.push_back(p);
    m.well_formed[p] = row[5];
  }
  return m;
}

struct Counts {
  size_t interchanges = 0, groups = 0, sets = 0;
  std::string ids = "-";
};

Counts CountsOf(const Document& doc) {
  Counts c;
  std::map<std::string, int> ids;
  for (const auto& ic : doc.interchanges) {
    ++c.interchanges;
    for (const auto& g : ic.groups) {
      ++c.groups;
      for (const auto& s : g.sets) {
        ++c.sets;
        ++ids[s.id];
      }
    }
  }
  if (!ids.empty()) {
    c.ids.clear();
    for (const auto& [id, n] : ids) {
      if (!c.ids.empty()) c.ids += ",";
      c.ids += id + (n > 1 ? "x" + std::to_string(n) : "");
    }
  }
  return c;
}

std::string Where(const Diagnostic& d) {
  const Location& w = d.where;
  std::string s = d.rule + "@";
  if (w.interchange >= 0) s += "isa" + std::to_string(w.interchange + 1) + ":";
  if (w.segment_in_file > 0) s += "seg" + std::to_string(w.segment_in_file) + ":";
  if (w.element > 0) s += "el" + std::to_string(w.element) + ":";
  return s + "byte" + std::to_string(w.offset);
}

// The golden row for one file: outcome, counts, ids, first finding.
std::vector<std::string> Observe(const std::string& path, const std::string& wf) {
  auto doc = ReadDocumentFile(kCorpus + "/" + path);
  if (!doc.ok()) {
    return {path, wf, "unreadable", "0", "0", "0", "-", doc.error().message() + "@byte0"};
  }
  const Diagnostic* first_error = nullptr;
  const Diagnostic* first_warning = nullptr;
  for (const auto& d : doc->diagnostics) {
    if (d.severity >= Severity::kError && !first_error) first_error = &d;
    if (d.severity == Severity::kWarning && !first_warning) first_warning = &d;
  }
  Counts c = CountsOf(*doc);
  std::string outcome = first_error ? "errors" : first_warning ? "warnings" : "ok";
  const Diagnostic* first = first_error ? first_error : first_warning;
  return {path,
          wf,
          outcome,
          std::to_string(c.interchanges),
          std::to_string(c.groups),
          std::to_string(c.sets),
          c.ids,
          first ? Where(*first) : "-"};
}

std::string Join(const std::vector<std::string>& cols) {
  std::string s;
  for (size_t i = 0; i < cols.size(); ++i) s += (i ? "\t" : "") + cols[i];
  return s;
}

TEST(Corpus, Conformance) {
  ASSERT_TRUE(fs::exists(kCorpus + "/MANIFEST.tsv")) << kMissing;
  Manifest m = LoadManifest();
  ASSERT_GE(m.paths.size(), 250u) << "the manifest looks truncated";
  std::map<std::string, std::vector<std::string>> golden;
  for (auto& row : ReadTsv(kGolden + "/conformance.tsv", true)) golden[row[0]] = row;

  const bool update = std::getenv("CROSSDOCK_UPDATE_GOLDEN") != nullptr;
  std::vector<std::string> out_lines;
  size_t yes = 0, yes_clean = 0, no = 0, no_positioned = 0, explained = 0;
  for (const auto& p : m.paths) {
    ASSERT_TRUE(fs::exists(kCorpus + "/" + p)) << p << ": " << kMissing;
    std::vector<std::string> row = Observe(p, m.well_formed[p]);
    std::string comment;
    auto g = golden.find(p);
    if (g != golden.end() && g->second.size() > 8) comment = g->second[8];
    row.push_back(comment);
    out_lines.push_back(Join(row));
    const bool clean = row[2] == "ok" || row[2] == "warnings";
    const bool positioned =
        (row[2] == "errors" || row[2] == "unreadable") && row[7].find("byte") != std::string::npos;
    if (row[1] == "yes") {
      ++yes;
      yes_clean += clean ? 1 : 0;
      if (!clean) {
        EXPECT_FALSE(comment.empty()) << p << " is well formed but read with errors, unexplained";
      }
    } else {
      ++no;
      no_positioned += positioned ? 1 : 0;
      if (!positioned) {
        EXPECT_FALSE(comment.empty()) << p << " is malformed but got no positioned error, "
                                      << "unexplained";
      }
    }
    explained += comment.empty() ? 0 : 1;
    if (update) continue;
    ASSERT_NE(g, golden.end()) << "no golden row for " << p << "; observed:\n" << Join(row);
    std::vector<std::string> want(g->second.begin(), g->second.begin() + 8);
    std::vector<std::string> got(row.begin(), row.begin() + 8);
    EXPECT_EQ(Join(got), Join(want)) << p;
  }
  if (update) {
    std::ofstream f(kGolden + "/conformance.tsv");
    f << "# Expected reader outcome for every file of ../shared/corpus/x12/MANIFEST.tsv.\n"
      << "# outcome: ok | warnings (tolerated, noted) | errors (envelope/syntax errors) | "
         "unreadable.\n"
      << "# first_finding: rule@interchange:file segment:element:byte offset of the first error "
         "(or warning).\n"
      << "# comment: why a well-formed file has errors or a malformed one has none; regenerate "
         "with CROSSDOCK_UPDATE_GOLDEN=1 (comments are kept).\n"
      << "path\twell_formed\toutcome\tinterchanges\tgroups\tsets\tset_ids\tfirst_finding\tcomment"
         "\n";
    for (const auto& l : out_lines) f << l << "\n";
    ADD_FAILURE() << "golden file rewritten: review tests/golden/x12/conformance.tsv";
  }
  std::cout << "[ conformance ] well-formed " << yes_clean << "/" << yes
            << " read clean; malformed " << no_positioned << "/" << no
            << " with a positioned error; " << explained << " rows explained\n";
  EXPECT_EQ(golden.size(), update ? golden.size() : m.paths.size()) << "stale golden rows";
}

TEST(Corpus, DifferentialAgainstNodeX12) {
  ASSERT_TRUE(fs::exists(kCorpus + "/node-x12-results.tsv")) << kMissing;
  std::map<std::string, std::vector<std::string>> known;
  for (auto& row : ReadTsv(kGolden + "/differential.tsv", true)) known[row[0]] = row;
  size_t compared = 0, agree = 0;
  std::set<std::string> seen;
  for (auto& row : ReadTsv(kCorpus + "/node-x12-results.tsv", true)) {
    ASSERT_GE(row.size(), 15u);
    const std::string p = Relative(row[0]);
    if (row[10] == "0") continue;  // node-x12 produced no parse at all
    ++compared;
    auto doc = ReadDocumentFile(kCorpus + "/" + p);
    Counts c;
    if (doc.ok()) c = CountsOf(*doc);
    std::string node = row[10] + "/" + row[11] + "/" + row[12] + " " + row[13];
    std::string ours = std::to_string(c.interchanges) + "/" + std::to_string(c.groups) + "/" +
                       std::to_string(c.sets) + " " + c.ids;
    auto k = known.find(p);
    if (node == ours) {
      ++agree;
      EXPECT_EQ(k, known.end()) << p << " is listed as a disagreement but now agrees: " << ours;
      continue;
    }
    seen.insert(p);
    if (k == known.end()) {
      ADD_FAILURE() << "undocumented disagreement with node-x12 on " << p << ": node " << node
                    << ", crossdock " << ours;
      continue;
    }
    EXPECT_EQ(k->second[1], node) << p;
    EXPECT_EQ(k->second[2], ours) << p;
    EXPECT_GE(k->second.size(), 5u) << p << ": say which side is right and why";
  }
  for (const auto& [p, row] : known) {
    EXPECT_TRUE(seen.count(p)) << p << " is listed in differential.tsv but was not compared";
  }
  std::cout << "[ differential ] node-x12 parsed " << compared << " files; same counts and ids on "
            << agree << "; " << (compared - agree) << " documented disagreements\n";
  EXPECT_GE(compared, 150u);
}

// ----- properties over every file -----

class SetCounter : public StreamHandler {
 public:
  void OnSet(const Interchange&, const FunctionalGroup&, const TransactionSet&,
             const SetView& v) override {
    ++sets;
    segments += v.size();
  }
  void OnDiagnostic(const Diagnostic& d) override { ++diagnostics; }
  size_t sets = 0, segments = 0, diagnostics = 0;
};

// One interchange's sets as "TAG|e1|e2" lines, separators mapped to the writer's marks.
std::vector<std::string> Canonical(const Document& doc, const Interchange& ic) {
  std::vector<std::string> out;
  const Delimiters& d = ic.delimiters;
  for (const auto& g : ic.groups) {
    for (const auto& s : g.sets) {
      SetView v = doc.set_view(s);
      for (size_t i = 0; i < v.size(); ++i) {
        SegmentView seg = v.segment(i);
        size_t n = seg.size();
        while (n > 0 && seg.element(n).empty()) --n;
        std::string line(seg.tag());
        if (line == "SE") n = std::min<size_t>(n, 2), line += "|(count)";  // the writer recounts
        for (size_t k = line == "SE|(count)" ? 2 : 1; k <= n; ++k) {
          std::string e(seg.element(k));
          for (char& ch : e) {
            if (ch == d.component) ch = kComponentMark;
            if (d.repetition != 0 && ch == d.repetition) ch = kRepetitionMark;
          }
          line += "|" + e;
        }
        out.push_back(line);
      }
    }
  }
  return out;
}

TEST(Corpus, EveryFileStreamsValidatesAcknowledgesAndRoundTrips) {
  ASSERT_TRUE(fs::exists(kCorpus + "/MANIFEST.tsv")) << kMissing;
  Manifest m = LoadManifest();
  size_t round_trips = 0, acks = 0;
  for (const auto& p : m.paths) {
    const std::string path = kCorpus + "/" + p;
    auto doc = ReadDocumentFile(path);
    SetCounter counter;
    StreamOptions so;
    so.chunk_size = 4096;
    auto stats = ReadFileStream(path, counter, so);
    ASSERT_EQ(doc.ok(), stats.ok()) << p;
    if (!doc.ok()) continue;
    EXPECT_EQ(counter.sets, doc->set_count()) << p;
    EXPECT_EQ(counter.diagnostics, doc->diagnostics.size()) << p;

    DocumentValidation v = ValidateDocument(*doc);
    EXPECT_EQ(v.sets.size(), doc->set_count()) << p;
    InMemoryControlNumbers numbers;
    auto ack = BuildAcknowledgments(*doc, v, numbers);
    ASSERT_TRUE(ack.ok()) << p << ": " << ack.error().ToString();
    if (!ack->bytes.empty()) {
      ++acks;
      auto back = ReadDocument(ack->bytes);
      ASSERT_TRUE(back.ok()) << p;
      EXPECT_EQ(CountAtLeast(back->diagnostics, Severity::kError), 0u) << p;
      EXPECT_EQ(ValidateDocument(*back).error_count(), 0u) << p << "\n" << ack->bytes;
    }

    if (m.well_formed[p] != "yes" || doc->has_errors()) continue;
    for (const auto& ic : doc->interchanges) {
      OutInterchange out = ToOutInterchange(*doc, ic);
      WriterOptions wo;
      wo.delimiters = ic.delimiters;
      wo.delimiters.suffix = "\n";
      if (!CheckDelimiters(wo.delimiters).ok()) wo.delimiters.suffix.clear();
      if (out.version >= "00402" && wo.delimiters.repetition == 0) out.version = "00401";
      InMemoryControlNumbers n2;
      auto w = WriteInterchange(out, n2, wo);
      ASSERT_TRUE(w.ok()) << p << ": " << w.error().ToString();
      auto back = ReadDocument(w->bytes);
      ASSERT_TRUE(back.ok()) << p;
      EXPECT_EQ(CountAtLeast(back->diagnostics, Severity::kError), 0u) << p;
      ASSERT_EQ(back->interchanges.size(), 1u) << p;
      auto got = Canonical(*back, back->interchanges[0]);
      auto want = Canonical(*doc, ic);
      size_t k = 0;
      while (k < got.size() && k < want.size() && got[k] == want[k]) ++k;
      EXPECT_TRUE(k == got.size() && k == want.size())
          << p << ": round trip differs at line " << k << ": "
          << (k < want.size() ? want[k] : "<end>") << " vs " << (k < got.size() ? got[k] : "<end>");
      ++round_trips;
    }
  }
  std::cout << "[ properties ] " << m.paths.size() << " files streamed and validated; " << acks
            << " acknowledgments parsed back clean; " << round_trips
            << " interchanges round-tripped through the writer\n";
}

}  // namespace
}  // namespace crossdock::x12
