// Fuzz target: any bytes through the X12 reader, the streaming reader, the validator, the
// acknowledgment builder, the JSON view and the writer. Beyond "no crash, no sanitizer report",
// it checks that the two readers agree, that a generated acknowledgment reads back without
// errors, and that an error-free document survives a writer round trip; a mismatch aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "edi/x12/ack.hpp"
#include "edi/x12/document.hpp"
#include "edi/x12/json.hpp"
#include "edi/x12/stream.hpp"
#include "edi/x12/validator.hpp"
#include "edi/x12/writer.hpp"

namespace crossdock::x12 {
namespace {

class Counter : public StreamHandler {
 public:
  void OnSet(const Interchange&, const FunctionalGroup&, const TransactionSet&,
             const SetView& v) override {
    ++sets;
    segments += v.size();
  }
  void OnDiagnostic(const Diagnostic&) override { ++diagnostics; }
  size_t sets = 0, segments = 0, diagnostics = 0;
};

void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_x12: check failed: %s\n", what);
  std::abort();
}

int FuzzOne(const uint8_t* data, size_t size) {
  if (size > (1u << 20)) return 0;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ReadOptions ro;
  ro.max_diagnostics = 500;
  auto doc = ReadDocument(in, ro);

  // The streaming reader, fed in small uneven pieces, must agree with the document reader.
  Counter counter;
  MemorySource src(in, 1 + size % 13);
  StreamOptions so;
  so.read = ro;
  so.chunk_size = 4096;
  auto stats = ReadStream(src, counter, so);
  Check(stats.ok() == doc.ok(), "stream and document readers disagree on readability");
  if (!doc.ok()) return 0;
  Check(counter.sets == doc->set_count(), "stream and document readers disagree on sets");
  Check(doc->diagnostics_truncated || counter.diagnostics == doc->diagnostics.size(),
        "stream and document readers disagree on diagnostics");
  // And read in place (the whole input already in memory), the same again.
  Counter in_place;
  MemorySource whole(in);
  auto whole_stats = ReadStream(whole, in_place, so);
  Check(whole_stats.ok(), "the in-place stream failed where the pieces did not");
  Check(in_place.sets == counter.sets && in_place.diagnostics == counter.diagnostics,
        "the in-place stream and the stream in pieces disagree");

  DocumentValidation v = ValidateDocument(*doc);
  (void)DocumentToJson(*doc, v, "fuzz");

  InMemoryControlNumbers numbers;
  auto ack = BuildAcknowledgments(*doc, v, numbers);
  Check(ack.ok(), "acknowledgment could not be built");
  if (!ack->bytes.empty()) {
    auto back = ReadDocument(ack->bytes);
    Check(back.ok(), "acknowledgment unreadable");
    Check(CountAtLeast(back->diagnostics, Severity::kError) == 0, "acknowledgment has errors");
  }

  if (!doc->has_errors()) {
    for (const auto& ic : doc->interchanges) {
      if (ic.implicit) continue;
      OutInterchange out = ToOutInterchange(*doc, ic);
      WriterOptions wo;
      wo.delimiters = ic.delimiters;
      wo.delimiters.suffix.clear();
      InMemoryControlNumbers n2;
      auto w = WriteInterchange(out, n2, wo);
      if (!w.ok()) continue;  // e.g. a value holds a byte the writer refuses; never written
      auto back = ReadDocument(w->bytes);
      Check(back.ok(), "written interchange unreadable");
      Check(
          back->set_count() ==
              [&] {
                size_t n = 0;
                for (const auto& g : ic.groups) n += g.sets.size();
                return n;
              }(),
          "written interchange lost sets");
    }
  }
  return 0;
}

}  // namespace
}  // namespace crossdock::x12

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return crossdock::x12::FuzzOne(data, size);
}
