// Segment and transaction-set views: zero-copy windows onto parsed X12 text.
//
// Guarantees: a SegmentView's tag and elements are std::string_views into the input buffer the
// reader was given (or, for the rare segment that had to be repaired — a wrapped line, a
// transcoded file — into one copy owned by the Document or stream reader). Views stay valid as
// long as their owner: the Document, or, for the streaming reader, the duration of the callback.
// Element positions are 1-based as in X12 (element(1) is BEG01); a missing trailing element reads
// as "". Components and repetitions are split lazily by the helpers below, never allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace crossdock::x12 {

// One segment in a flat table: elements_[first] is the tag, then `count - 1` elements.
struct SegmentRecord {
  uint32_t first = 0;
  uint32_t count = 0;    // tag included
  uint64_t offset = 0;   // byte offset of the tag in the original input
  uint64_t ordinal = 0;  // 1-based position of the segment in the file
};

// Maps a pointer into parsed text back to a byte offset in the original input.
class OffsetResolver {
 public:
  virtual ~OffsetResolver() = default;
  virtual uint64_t OffsetOf(const char* p, uint64_t segment_offset) const = 0;
};

class SegmentView {
 public:
  SegmentView() = default;
  SegmentView(const SegmentRecord* rec, const std::string_view* elements)
      : rec_(rec), el_(elements + rec->first) {}

  std::string_view tag() const { return el_[0]; }
  // Number of elements present (trailing empty elements included), tag excluded.
  size_t size() const { return rec_->count - 1; }
  // 1-based; "" when pos is beyond the last element.
  std::string_view element(size_t pos) const {
    return pos >= 1 && pos < rec_->count ? el_[pos] : std::string_view();
  }
  std::string_view operator[](size_t pos) const { return element(pos); }
  bool present(size_t pos) const { return !element(pos).empty(); }
  uint64_t offset() const { return rec_->offset; }
  uint64_t ordinal() const { return rec_->ordinal; }
  const std::string_view* elements_begin() const { return el_ + 1; }
  const SegmentRecord& record() const { return *rec_; }

 private:
  const SegmentRecord* rec_ = nullptr;
  const std::string_view* el_ = nullptr;
};

// The segments of one transaction set, ST through SE (or up to where the set broke off).
class SetView {
 public:
  SetView() = default;
  SetView(const SegmentRecord* segs, size_t n, const std::string_view* elements,
          const OffsetResolver* resolver)
      : segs_(segs), n_(n), el_(elements), resolver_(resolver) {}

  size_t size() const { return n_; }
  SegmentView segment(size_t i) const { return SegmentView(segs_ + i, el_); }  // 0-based
  SegmentView operator[](size_t i) const { return segment(i); }
  // Byte offset in the original input of a view obtained from this set.
  uint64_t OffsetOf(std::string_view v, const SegmentView& seg) const {
    return resolver_ ? resolver_->OffsetOf(v.data(), seg.offset()) : seg.offset();
  }

 private:
  const SegmentRecord* segs_ = nullptr;
  size_t n_ = 0;
  const std::string_view* el_ = nullptr;
  const OffsetResolver* resolver_ = nullptr;
};

// Number of parts of `value` separated by `sep` (1 for a value without it, 1 for "").
inline size_t CountParts(std::string_view value, char sep) {
  if (sep == 0) return 1;
  size_t n = 1;
  for (char c : value) n += c == sep ? 1 : 0;
  return n;
}

// The 1-based `pos`-th part of `value` split by `sep`; "" when absent.
inline std::string_view Part(std::string_view value, char sep, size_t pos) {
  if (sep == 0) return pos == 1 ? value : std::string_view();
  size_t start = 0;
  for (size_t i = 1; i < pos; ++i) {
    size_t next = value.find(sep, start);
    if (next == std::string_view::npos) return std::string_view();
    start = next + 1;
  }
  size_t end = value.find(sep, start);
  return value.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

// Iterates the parts of a value split by one separator without allocating.
class PartIterator {
 public:
  PartIterator(std::string_view value, char sep) : rest_(value), sep_(sep) {}
  // Fills `out` with the next part; false when done.
  bool Next(std::string_view* out) {
    if (done_) return false;
    size_t i = sep_ == 0 ? std::string_view::npos : rest_.find(sep_);
    if (i == std::string_view::npos) {
      *out = rest_;
      done_ = true;
    } else {
      *out = rest_.substr(0, i);
      rest_.remove_prefix(i + 1);
    }
    return true;
  }

 private:
  std::string_view rest_;
  char sep_;
  bool done_ = false;
};

}  // namespace crossdock::x12
