#include "edi/x12/document.hpp"

#include <fstream>
#include <iterator>

#include "edi/x12/internal.hpp"

namespace crossdock::x12 {

Document::Document() = default;
Document::~Document() = default;
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;

SetView Document::set_view(const TransactionSet& set) const {
  return SetView(segments_.data() + set.first_segment, set.segment_count, elements_.data(),
                 storage_.get());
}

size_t Document::set_count() const {
  size_t n = 0;
  for (const auto& ic : interchanges) {
    for (const auto& g : ic.groups) n += g.sets.size();
  }
  return n;
}

const OffsetResolver* Document::resolver() const { return storage_.get(); }

bool Document::has_errors() const { return CountAtLeast(diagnostics, Severity::kError) > 0; }

class DocumentAccess {
 public:
  static void Fill(Document* doc, std::unique_ptr<detail::Storage> storage,
                   std::vector<SegmentRecord> segs, std::vector<std::string_view> els) {
    doc->storage_ = std::move(storage);
    doc->segments_ = std::move(segs);
    doc->elements_ = std::move(els);
  }
};

namespace {

class Collector final : public StreamHandler {
 public:
  explicit Collector(std::vector<Diagnostic>* out) : out_(out) {}
  void OnDiagnostic(const Diagnostic& d) override { out_->push_back(d); }

 private:
  std::vector<Diagnostic>* out_;
};

Result<Document> ReadImpl(std::string_view input, std::string owned, bool use_owned,
                          const ReadOptions& opts) {
  auto storage = std::make_unique<detail::Storage>();
  if (use_owned) {
    storage->owned_input = std::move(owned);
    input = storage->owned_input;
  }
  auto norm = detail::Normalize(input);
  if (!norm.ok()) return norm.error();
  storage->norm = std::move(norm).value();
  std::string_view text = storage->norm.Text(input);

  Document doc;
  doc.encoding = storage->norm.encoding;
  doc.input_size = input.size();
  if (opts.report_artefacts) {
    for (auto& n : storage->norm.notes) doc.diagnostics.push_back(n);
  } else {
    for (auto& n : storage->norm.notes) {
      if (n.severity > Severity::kInfo) doc.diagnostics.push_back(n);
    }
  }
  Collector collector(&doc.diagnostics);
  detail::Engine engine(&collector, storage.get(), opts, /*retain=*/true);
  engine.ReserveFor(text.size());
  (void)engine.Scan(text.data(), text.size(), 0, /*final=*/true);
  engine.Finish();
  if (!engine.saw_interchange()) {
    return Error(Code::kInvalidArgument,
                 "no ISA segment found: the input is not an X12 interchange", "byte 0");
  }
  doc.interchanges = engine.TakeInterchanges();
  doc.diagnostics_truncated = engine.diagnostics_truncated();
  DocumentAccess::Fill(&doc, std::move(storage), engine.TakeSegments(), engine.TakeElements());
  return doc;
}

}  // namespace

Result<Document> ReadDocument(std::string_view input, const ReadOptions& opts) {
  return ReadImpl(input, std::string(), false, opts);
}

Result<Document> ReadDocumentOwned(std::string input, const ReadOptions& opts) {
  return ReadImpl(std::string_view(), std::move(input), true, opts);
}

Result<Document> ReadDocumentFile(const std::string& path, const ReadOptions& opts) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(Code::kNotFound, "cannot open file", path);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error(Code::kUnavailable, "read error", path);
  auto doc = ReadDocumentOwned(std::move(data), opts);
  if (!doc.ok()) return Error(doc.error().code(), doc.error().message(), path);
  return doc;
}

}  // namespace crossdock::x12
