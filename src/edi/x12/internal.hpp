// Internal machinery shared by the document and streaming readers. Not part of the public API:
// include only from src/edi/x12/*.cpp and the unit tests.
//
// - Normalize(): encoding detection and the whole-input repairs (BOM skip, UTF-16/EBCDIC
//   transcoding, multi-byte delimiter placeholders) with a SourceMap back to original offsets.
// - Engine: the segment scanner (SIMD-assisted delimiter search, no per-element allocation) and
//   the envelope state machine, feeding a StreamHandler.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "edi/x12/document.hpp"
#include "edi/x12/stream.hpp"

namespace crossdock::x12::detail {

// Piecewise map from positions in a produced text to positions in its source. Between break
// points, one produced byte stands for `unit` source bytes.
struct PiecewiseMap {
  uint32_t unit = 1;
  std::vector<std::pair<uint64_t, uint64_t>> breaks;  // (produced pos, source pos), sorted
  uint64_t Map(uint64_t pos) const;
};

// Normalized text position → original input byte offset (two stages: transcoding, then
// placeholder substitution).
struct SourceMap {
  uint64_t skip = 0;  // bytes dropped at the start (BOM), when nothing else changed
  bool identity = true;
  PiecewiseMap transcode;  // stage 1: transcoded text → original bytes
  PiecewiseMap shrink;     // stage 2: normalized text → transcoded text
  uint64_t ToOriginal(uint64_t pos) const {
    if (identity) return pos + skip;
    return transcode.Map(shrink.Map(pos));
  }
};

struct Normalized {
  Encoding encoding = Encoding::kAscii;
  std::string owned;      // the normalized text when a copy was needed (needs_whole_file)
  size_t input_skip = 0;  // otherwise the engine scans input.substr(input_skip)
  bool latin1 = false;    // bytes >= 0x80 are single characters (EBCDIC transcoded)
  std::string component_text, segment_text;  // original multi-byte spelling, if any
  char component_placeholder = 0, segment_placeholder = 0;
  SourceMap map;
  std::vector<Diagnostic> notes;
  bool needs_whole_file = false;  // true when `owned` is used

  // What the engine scans. Call after the Normalized has reached its final place (a move of a
  // short std::string moves its bytes).
  std::string_view Text(std::string_view input) const {
    return needs_whole_file ? std::string_view(owned) : input.substr(input_skip);
  }
};

// Detects the encoding of `input` and repairs what must be repaired before scanning.
// Errors only for input that is empty or in an encoding that cannot be decoded (UTF-32).
Result<Normalized> Normalize(std::string_view input);
// Decides from the first bytes whether Normalize would need to copy (used by the stream reader).
// `complete` tells whether `head` is the whole input.
bool NeedsWholeFile(std::string_view head, bool complete);

// Stable-address bump allocator for repaired segment copies.
class Arena {
 public:
  char* Alloc(size_t n);
  void Reset();  // keeps the first block
  size_t bytes() const { return total_; }

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::vector<size_t> sizes_;
  size_t used_ = 0;
  size_t total_ = 0;
};

// A segment whose line breaks were removed into an arena copy.
struct WrapInfo {
  const char* copy = nullptr;
  uint32_t length = 0;
  uint64_t start = 0;  // normalized position of the segment's first byte
  // (copy position, bytes removed before it), ascending.
  std::vector<std::pair<uint32_t, uint32_t>> removed;
};

struct Storage final : public OffsetResolver {
  std::string owned_input;
  Normalized norm;
  const char* text = nullptr;  // window currently scanned
  size_t text_size = 0;
  uint64_t text_base = 0;  // normalized position of text[0]
  Arena arena;
  std::vector<WrapInfo> wraps;

  uint64_t OffsetOf(const char* p, uint64_t segment_offset) const override;
};

// Append-only tables on the hot path (one entry per element, one per segment): a vector kept at
// its capacity with a separate logical size, so an append is a compare and a store.
template <typename T>
class Table {
 public:
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  void push_back(const T& v) {
    if (n_ == v_.size()) Grow();
    v_[n_++] = v;
  }
  void resize(size_t n) { n_ = n; }  // shrinks only (rolling back a partial segment)
  void reserve(size_t n) {
    if (v_.size() < n) v_.resize(n);
  }
  void clear() { n_ = 0; }
  T& operator[](size_t i) { return v_[i]; }
  const T& operator[](size_t i) const { return v_[i]; }
  T* data() { return v_.data(); }
  const T* data() const { return v_.data(); }
  T* begin() { return v_.data(); }
  T* end() { return v_.data() + n_; }
  std::vector<T> Take() {
    v_.resize(n_);
    n_ = 0;
    return std::move(v_);
  }

 private:
  void Grow() { v_.resize(v_.size() < 4096 ? 4096 : v_.size() * 2); }
  std::vector<T> v_;
  size_t n_ = 0;
};

class ElementTable : public Table<std::string_view> {
 public:
  void emplace_back(const char* p, size_t len) { push_back(std::string_view(p, len)); }
};

class Engine {
 public:
  // `retain`: keep every segment and build Interchange::groups / FunctionalGroup::sets
  // (Document mode); otherwise forget each set once delivered (streaming).
  Engine(StreamHandler* handler, Storage* storage, const ReadOptions& opts, bool retain);

  // Document mode: sizes the tables for `bytes` of input up front (no regrowth copies).
  void ReserveFor(size_t bytes) {
    elements_.reserve(bytes / 6);
    segments_.reserve(bytes / 32);
  }
  // Scans complete segments of text[0, size) whose first byte is at normalized position `base`.
  // Returns the local position from which the caller must keep bytes for the next call.
  size_t Scan(const char* text, size_t size, uint64_t base, bool final);
  // The window moved: views in [old_begin, old_end) now live at new_begin + (p - old_begin).
  void Rebase(const char* old_begin, const char* old_end, const char* new_begin);
  // End of input: closes whatever is still open.
  void Finish();

  bool saw_interchange() const { return saw_isa_; }
  bool needs_whole_file() const { return needs_whole_file_; }
  std::vector<Interchange> TakeInterchanges() { return std::move(done_); }
  std::vector<SegmentRecord> TakeSegments() { return segments_.Take(); }
  std::vector<std::string_view> TakeElements() { return elements_.Take(); }
  uint64_t segments_seen() const { return ordinal_; }
  uint64_t sets_seen() const { return global_sets_; }
  uint64_t groups_seen() const { return groups_seen_; }
  uint64_t interchanges_seen() const { return interchanges_seen_; }
  uint64_t diagnostics_seen() const { return diag_count_; }
  bool diagnostics_truncated() const { return truncated_; }

 private:
  enum class State : uint8_t { kNone, kInterchange, kAfterIea };
  enum class IsaStatus : uint8_t { kOk, kNeedMore, kBad };

  // Scanner.
  void SetDelimiters(const Delimiters& d);
  [[gnu::noinline]] uint64_t BlockMask(const char* b) const;
  const char* SkipBlanks(const char* p) const {
    while (p < end_ && blank_[static_cast<unsigned char>(*p)]) ++p;
    return p;
  }
  // Scans one segment starting at p; returns the position after its terminator, or nullptr when
  // the segment is incomplete and more input may come.
  const char* ScanSegment(const char* p, bool final);
  void RepairWrapped(const char* start, const char* stop, size_t first_element);
  IsaStatus ParseIsa(const char* p, bool final, const char** next);
  void FlushGarbage(uint64_t upto);  // reports a run of stray bytes ending at `upto`

  // Envelope state machine.
  void OnSegment(uint32_t rec_index);
  void StartInterchange(uint32_t rec, const std::array<std::string_view, 17>& f,
                        const Delimiters& d);
  void OpenImplicitInterchange(uint32_t rec);
  void OpenImplicitGroup(uint32_t rec);
  void HandleGs(uint32_t rec);
  void HandleGe(uint32_t rec);
  void HandleSt(uint32_t rec);
  void HandleSe(uint32_t rec);
  void HandleIea(uint32_t rec);
  void HandleTa1(uint32_t rec);
  void HandleOther(uint32_t rec);
  void CloseSet(bool trailer_missing_error, uint32_t at_rec);
  void CloseGroup(bool trailer_missing_error, uint32_t at_rec);
  void CloseInterchange(bool trailer_missing_error, uint32_t at_rec);
  void DropTransient(uint32_t rec);

  // Diagnostics.
  Diagnostic Make(Severity s, Level l, const char* rule, std::string message, uint32_t rec,
                  uint16_t element = 0);
  void Emit(Diagnostic d);
  std::string_view El(uint32_t rec, size_t pos) const;
  std::string_view Tag(uint32_t rec) const { return elements_[segments_[rec].first]; }

  StreamHandler* handler_;
  Storage* storage_;
  ReadOptions opts_;
  bool retain_;

  // Window.
  const char* text_ = nullptr;
  const char* end_ = nullptr;
  uint64_t base_ = 0;
  uint64_t pos_ = 0;  // normalized position of the next unscanned byte

  // Scanner state for the current interchange.
  Delimiters delims_;
  bool have_delims_ = false;
  char special_[4] = {'*', '~', '\r', '\n'};
  bool blank_[256] = {};
  bool avx2_ = false;
  const char* blk_ = nullptr;
  uint64_t mask_ = 0;

  // Tables.
  Table<SegmentRecord> segments_;
  ElementTable elements_;
  uint64_t ordinal_ = 0;

  // Envelope state.
  State state_ = State::kNone;
  bool saw_isa_ = false;
  bool needs_whole_file_ = false;
  bool wrap_reported_ = false;
  static constexpr uint64_t kNoPos = ~uint64_t{0};
  uint64_t garbage_start_ = kNoPos;  // normalized position where a run of stray bytes began
  bool quiet_skip_ = false;          // skipping the rest of an unreadable interchange
  Interchange ic_;
  FunctionalGroup group_;
  TransactionSet set_;
  bool in_group_ = false;
  bool in_set_ = false;
  uint32_t set_first_rec_ = 0;
  uint64_t set_pos_ = 0;  // normalized position of the open set's ST
  int32_t ic_index_ = -1;
  uint64_t global_sets_ = 0;
  uint64_t groups_seen_ = 0;
  uint64_t interchanges_seen_ = 0;
  std::vector<Interchange> done_;
  std::unordered_set<std::string> isa13_seen_;
  std::unordered_set<std::string> gs06_seen_;
  // ST02 uniqueness within a group: numeric keys with a monotonic fast path.
  std::vector<uint64_t> st02_keys_;
  std::unordered_set<uint64_t> st02_numeric_;
  std::unordered_set<std::string> st02_other_;
  uint64_t st02_max_ = 0;
  bool st02_hashed_ = false;

  uint64_t diag_count_ = 0;
  bool truncated_ = false;
};

}  // namespace crossdock::x12::detail
