// Reading X12: bytes in, interchanges → functional groups → transaction sets out, with every
// envelope defect as a positioned Diagnostic.
//
// Guarantees:
// - ReadDocument never throws and never crashes on any input. It returns an Error only when the
//   input cannot be read as X12 at all (empty, no ISA anywhere, an encoding it cannot decode);
//   everything else — wrong counts, mismatched control numbers, missing trailers, bad ISA widths,
//   stray segments — is a Diagnostic in Document::diagnostics, and parsing goes on.
// - Tolerated without any error: a UTF-8 byte-order mark, CR/LF/spaces/tabs between segments,
//   indented segments, 80-column wrapped lines (line breaks inside segments are removed), a
//   newline used as the terminator, a missing terminator after the last segment, several
//   interchanges per file, each with its own delimiters, TA1 segments at interchange level.
//   UTF-16 (LE/BE, with or without BOM) is transcoded to UTF-8 and EBCDIC (code page 037) to
//   Latin-1 once, up front; a multi-byte UTF-8 delimiter is mapped to a single placeholder byte.
// - Zero-copy: segment tags and elements are string_views into `input` (ReadDocument) or into
//   the document's own copy (ReadDocumentOwned, or when a repair forced one copy). The caller of
//   ReadDocument keeps `input` alive as long as the Document.
// - Offsets in diagnostics and SegmentView::offset() are byte offsets in the original input.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "edi/x12/delimiters.hpp"
#include "edi/x12/diagnostic.hpp"
#include "edi/x12/segment.hpp"

namespace crossdock::x12 {

enum class Encoding : uint8_t { kAscii, kUtf8, kUtf8Bom, kUtf16Le, kUtf16Be, kEbcdic };
const char* EncodingName(Encoding e);

struct TransactionSet {
  std::string id;          // ST01
  std::string control;     // ST02
  std::string convention;  // ST03 (005010 implementation convention reference), may be ""
  bool has_trailer = false;
  std::string se01, se02;      // as read; "" without SE
  uint32_t first_segment = 0;  // Document-wide index of the ST segment (Document mode)
  uint32_t segment_count = 0;  // ST..SE inclusive (or up to where the set broke off)
  int32_t index = 0;           // 0-based within its group
  uint32_t global_index = 0;   // 0-based within the file
  uint64_t offset = 0;         // byte offset of ST
  uint64_t ordinal = 0;        // file ordinal of ST
  bool envelope_errors = false;
};

struct FunctionalGroup {
  std::array<std::string, 9> gs;  // gs[1]..gs[8]; gs[0] unused
  bool has_trailer = false;
  std::string ge01, ge02;
  std::vector<TransactionSet> sets;  // empty in streaming mode
  uint32_t set_count = 0;            // ST segments seen
  int32_t index = 0;                 // 0-based within its interchange
  uint64_t offset = 0;
  uint64_t ordinal = 0;
  bool implicit = false;  // sets found outside any GS were gathered here
  bool envelope_errors = false;

  const std::string& functional_id() const { return gs[1]; }
  const std::string& control() const { return gs[6]; }
  const std::string& version() const { return gs[8]; }
};

struct Interchange {
  std::array<std::string, 17> isa;  // isa[1]..isa[16]; isa[0] unused
  Delimiters delimiters;
  // Original spelling of the component separator / terminator when they were multi-byte.
  std::string component_text, segment_text;
  bool has_trailer = false;
  std::string iea01, iea02;
  std::vector<FunctionalGroup> groups;  // empty in streaming mode
  std::vector<uint32_t> ta1_segments;   // Document-wide segment indices of TA1 segments
  uint32_t group_count = 0;             // GS segments seen
  uint32_t ta1_count = 0;
  uint32_t isa_segment = 0;  // Document-wide index of the ISA segment
  int32_t index = 0;
  uint64_t offset = 0;
  uint64_t ordinal = 0;
  bool implicit = false;  // segments found after an IEA without a new ISA
  bool envelope_errors = false;

  const std::string& sender_qualifier() const { return isa[5]; }
  const std::string& sender_id() const { return isa[6]; }
  const std::string& receiver_qualifier() const { return isa[7]; }
  const std::string& receiver_id() const { return isa[8]; }
  const std::string& version() const { return isa[12]; }
  const std::string& control() const { return isa[13]; }
};

struct ReadOptions {
  // Stop recording diagnostics past this many (a garbage file can otherwise produce millions).
  size_t max_diagnostics = 5000;
  // Report tolerated artefacts (BOM, wrapped lines, missing final terminator) as kInfo.
  bool report_artefacts = true;
  // A control number used twice (ISA13 in a file, GS06 in an interchange, ST02 in a group).
  // X12 has codes for it (TA1 025, AK9 19, AK5 23) but real files repeat numbers across test
  // batches and VAN mailbags; by default it is noted (the acknowledgment says E), not rejected.
  Severity duplicate_severity = Severity::kWarning;
};

namespace detail {
struct Storage;
}

class Document {
 public:
  Document();
  ~Document();
  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  std::vector<Interchange> interchanges;
  std::vector<Diagnostic> diagnostics;
  Encoding encoding = Encoding::kAscii;
  uint64_t input_size = 0;
  bool diagnostics_truncated = false;

  size_t segment_count() const { return segments_.size(); }
  SegmentView segment(size_t i) const { return SegmentView(&segments_[i], elements_.data()); }
  SetView set_view(const TransactionSet& set) const;
  size_t set_count() const;
  const OffsetResolver* resolver() const;
  // Any diagnostic of severity error or fatal.
  bool has_errors() const;

 private:
  friend class DocumentAccess;
  std::vector<SegmentRecord> segments_;
  std::vector<std::string_view> elements_;
  std::unique_ptr<detail::Storage> storage_;
};

// Parses `input` without copying it (see the guarantees above).
[[nodiscard]] Result<Document> ReadDocument(std::string_view input, const ReadOptions& opts = {});
// Same, but the Document owns the bytes.
[[nodiscard]] Result<Document> ReadDocumentOwned(std::string input, const ReadOptions& opts = {});
// Reads a whole file into memory and parses it (owned).
[[nodiscard]] Result<Document> ReadDocumentFile(const std::string& path,
                                                const ReadOptions& opts = {});

}  // namespace crossdock::x12
