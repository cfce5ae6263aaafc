// The segment scanner and envelope state machine (see internal.hpp).
//
// Scanning: for each 64-byte block a bit mask of "special" bytes (element separator, segment
// terminator, CR, LF) is computed with SSE2 where available; the scanner walks the set bits, so
// each input byte is compared a handful of times in parallel and never looked at one by one in
// the common case. Elements are pushed as string_views into one table reused for the whole
// input (Document mode) or the current set (streaming); nothing is allocated per element.
#include <algorithm>
#include <cstring>
#include <string>

#include "edi/x12/internal.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace crossdock::x12::detail {

namespace {

constexpr uint32_t kNoRec = 0xFFFFFFFFu;

inline unsigned char U(char c) { return static_cast<unsigned char>(c); }
inline bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
inline bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}
inline bool IsWhite(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0' || c == '\x1A';
}
// Parses up to 18 digits; false if not all digits.
bool ParseCount(std::string_view s, uint64_t* out) {
  if (!IsDigits(s) || s.size() > 18) return false;
  uint64_t v = 0;
  for (char c : s) v = v * 10 + static_cast<uint64_t>(c - '0');
  *out = v;
  return true;
}
bool ValidTag(std::string_view t) {
  if (t.size() < 2 || t.size() > 3) return false;
  if (!(t[0] >= 'A' && t[0] <= 'Z')) return false;
  for (char c : t) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}
std::string Quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (U(c) < 0x20) {
      out += "\\x";
      const char* hex = "0123456789ABCDEF";
      out.push_back(hex[U(c) >> 4]);
      out.push_back(hex[U(c) & 15]);
    } else {
      out.push_back(c);
    }
  }
  out += "'";
  return out;
}
// First "ISA" at or after `from` that is followed by a non-alphanumeric byte (or the end).
const char* FindIsa(const char* from, const char* end) {
  std::string_view rest(from, static_cast<size_t>(end - from));
  size_t at = 0;
  while ((at = rest.find("ISA", at)) != std::string_view::npos) {
    if (at + 3 >= rest.size() || !IsAlnum(rest[at + 3])) return from + at;
    ++at;
  }
  return nullptr;
}
// True when p starts a multi-byte UTF-8 sequence (a lone byte >= 0x80 is a single character).
bool Utf8Lead(const char* p, const char* end) {
  unsigned char c = U(*p);
  int len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (len == 0 || end - p < len) return false;
  for (int i = 1; i < len; ++i) {
    if ((U(p[i]) & 0xC0) != 0x80) return false;
  }
  return true;
}
bool ValidYymmdd(std::string_view s) {
  if (s.size() != 6 || !IsDigits(s)) return false;
  int mm = (s[2] - '0') * 10 + (s[3] - '0');
  int dd = (s[4] - '0') * 10 + (s[5] - '0');
  return mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31;
}
bool ValidHhmm(std::string_view s) {
  if (s.size() != 4 || !IsDigits(s)) return false;
  int hh = (s[0] - '0') * 10 + (s[1] - '0');
  int mm = (s[2] - '0') * 10 + (s[3] - '0');
  return hh <= 23 && mm <= 59;
}

constexpr size_t kIsaWidth[17] = {0, 2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1};
constexpr uint16_t kIsaTa1[17] = {0,
                                  ta1::kInvalidAuthQualifier,
                                  ta1::kInvalidAuthValue,
                                  ta1::kInvalidSecurityQualifier,
                                  ta1::kInvalidSecurityValue,
                                  ta1::kInvalidSenderQualifier,
                                  ta1::kInvalidSenderId,
                                  ta1::kInvalidReceiverQualifier,
                                  ta1::kInvalidReceiverId,
                                  ta1::kInvalidDate,
                                  ta1::kInvalidTime,
                                  ta1::kInvalidStandardsId,
                                  ta1::kInvalidVersionId,
                                  ta1::kInvalidControlNumber,
                                  ta1::kInvalidAckRequested,
                                  ta1::kInvalidTestIndicator,
                                  ta1::kInvalidComponentSeparator};

}  // namespace

namespace {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// The same mask with 32-byte compares, on CPUs that have AVX2 (checked once at run time).
[[gnu::target("avx2")]] uint64_t BlockMaskAvx2(const char* b, const char* special) {
  const __m256i e = _mm256_set1_epi8(special[0]);
  const __m256i t = _mm256_set1_epi8(special[1]);
  const __m256i a = _mm256_set1_epi8(special[2]);
  const __m256i c = _mm256_set1_epi8(special[3]);
  uint64_t m = 0;
  for (int i = 0; i < 2; ++i) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 32 * i));
    __m256i r = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, e), _mm256_cmpeq_epi8(v, t)),
                                _mm256_or_si256(_mm256_cmpeq_epi8(v, a), _mm256_cmpeq_epi8(v, c)));
    m |= static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(r))) << (32 * i);
  }
  return m;
}
bool HaveAvx2() {
  static const bool have = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return have;
}
#define CD_X12_AVX2 1
#endif
}  // namespace

Engine::Engine(StreamHandler* handler, Storage* storage, const ReadOptions& opts, bool retain)
    : handler_(handler), storage_(storage), opts_(opts), retain_(retain) {
#if defined(CD_X12_AVX2)
  avx2_ = HaveAvx2();
#endif
  Delimiters d;
  d.segment = '~';
  d.element = '*';
  SetDelimiters(d);
  have_delims_ = false;
}

void Engine::SetDelimiters(const Delimiters& d) {
  delims_ = d;
  have_delims_ = true;
  char t = d.segment;
  special_[0] = d.element;
  special_[1] = t;
  if (t == '\n' || t == '\r') {
    special_[2] = '\n';
    special_[3] = '\n';
  } else {
    special_[2] = '\r';
    special_[3] = '\n';
  }
  for (int i = 0; i < 256; ++i) blank_[i] = IsWhite(static_cast<char>(i));
  blank_[U(t)] = true;
  blank_[U(d.element)] = false;
  blank_[U(d.component)] = false;
  if (d.repetition != 0) blank_[U(d.repetition)] = false;
  blk_ = nullptr;
}

uint64_t Engine::BlockMask(const char* b) const {
  if (end_ - b >= 64) {
#if defined(CD_X12_AVX2)
    if (avx2_) return BlockMaskAvx2(b, special_);
#endif
#if defined(__SSE2__)
    const __m128i e = _mm_set1_epi8(special_[0]);
    const __m128i t = _mm_set1_epi8(special_[1]);
    const __m128i a = _mm_set1_epi8(special_[2]);
    const __m128i c = _mm_set1_epi8(special_[3]);
    uint64_t m = 0;
    for (int i = 0; i < 4; ++i) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 16 * i));
      __m128i r = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, e), _mm_cmpeq_epi8(v, t)),
                               _mm_or_si128(_mm_cmpeq_epi8(v, a), _mm_cmpeq_epi8(v, c)));
      m |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(r))) << (16 * i);
    }
    return m;
#else
    uint64_t m = 0;
    for (int i = 0; i < 64; ++i) {
      char x = b[i];
      if (x == special_[0] || x == special_[1] || x == special_[2] || x == special_[3]) {
        m |= uint64_t{1} << i;
      }
    }
    return m;
#endif
  }
  uint64_t m = 0;
  auto n = static_cast<int>(end_ - b);
  for (int i = 0; i < n; ++i) {
    char x = b[i];
    if (x == special_[0] || x == special_[1] || x == special_[2] || x == special_[3]) {
      m |= uint64_t{1} << i;
    }
  }
  return m;
}

const char* Engine::ScanSegment(const char* p, bool final) {
  const size_t first = elements_.size();
  const char e = delims_.element;
  const char t = delims_.segment;
  const char* start = p;
  bool wrapped = false;
  // The block and its mask live in registers for the loop (members would be stored back at every
  // element, as the element table writes could alias them).
  const char* blk = blk_;
  uint64_t mask = mask_;
  const char* const end = end_;
  // The first special byte of `mask`, moving on block by block while it is empty.
  auto first_in_mask = [&]() -> const char* {
    while (mask == 0) {
      blk += 64;
      if (blk >= end) {
        blk = nullptr;
        return nullptr;
      }
      mask = BlockMask(blk);
    }
    return blk + __builtin_ctzll(mask);
  };
  auto next_special = [&](const char* from) -> const char* {
    if (from >= end) return nullptr;
    if (blk == nullptr || from < blk || from >= blk + 64) {
      blk = from;
      mask = BlockMask(blk);
    } else {
      mask &= ~uint64_t{0} << (from - blk);
    }
    return first_in_mask();
  };
  // The special byte after the one just handled (the lowest bit of `mask`): the common step, so
  // it only clears that bit.
  auto after_current = [&]() -> const char* {
    mask &= mask - 1;
    return first_in_mask();
  };
  const char* q = next_special(p);
  const char* next = nullptr;
  const char* stop = nullptr;
  while (true) {
    if (q == nullptr) {
      if (!final) {
        elements_.resize(first);
        blk_ = blk;
        mask_ = mask;
        return nullptr;
      }
      // Last segment without a terminator: drop trailing white space.
      stop = end;
      while (stop > start && IsWhite(stop[-1]) && stop[-1] != e) --stop;
      wrapped = false;
      for (const char* r = p; r < stop; ++r) {
        if ((*r == '\r' || *r == '\n') && *r != t && *r != e) {
          wrapped = true;
          break;
        }
      }
      elements_.emplace_back(start, static_cast<size_t>(stop - start));
      next = end;
      if (opts_.report_artefacts) {
        Diagnostic d =
            Make(Severity::kInfo, Level::kSegment, "missing-final-terminator",
                 "last segment has no terminator; end of input taken as its end", kNoRec);
        d.where.offset = storage_->norm.map.ToOriginal(base_ + static_cast<uint64_t>(p - text_));
        Emit(std::move(d));
      }
      break;
    }
    char c = *q;
    if (c == e) {
      elements_.emplace_back(start, static_cast<size_t>(q - start));
      start = q + 1;
      q = after_current();
      continue;
    }
    if (c == t) {
      const char* last_end = q;
      if (t == '\n' && last_end > start && last_end[-1] == '\r') --last_end;
      elements_.emplace_back(start, static_cast<size_t>(last_end - start));
      stop = last_end;
      next = q + 1;
      break;
    }
    wrapped = true;
    q = after_current();
  }
  blk_ = blk;
  mask_ = mask;
  if (wrapped) RepairWrapped(p, stop, first);
  return next;
}

void Engine::RepairWrapped(const char* seg_start, const char* stop, size_t first) {
  const auto len = static_cast<size_t>(stop - seg_start);
  char* copy = storage_->arena.Alloc(len == 0 ? 1 : len);
  WrapInfo w;
  w.copy = copy;
  w.start = base_ + static_cast<uint64_t>(seg_start - text_);
  uint32_t n = 0, removed = 0;
  for (size_t i = 0; i < len; ++i) {
    char c = seg_start[i];
    if ((c == '\r' || c == '\n') && c != delims_.element && c != delims_.segment) {
      ++removed;
      w.removed.emplace_back(n, removed);
      continue;
    }
    copy[n++] = c;
  }
  w.length = n;
  elements_.resize(first);
  size_t s = 0;
  for (uint32_t i = 0; i < n; ++i) {
    if (copy[i] == delims_.element) {
      elements_.emplace_back(copy + s, i - s);
      s = i + 1;
    }
  }
  elements_.emplace_back(copy + s, n - s);
  storage_->wraps.push_back(std::move(w));
  static_assert(sizeof(uint32_t) == 4);
  if (opts_.report_artefacts && !wrap_reported_) {
    wrap_reported_ = true;
    Diagnostic d = Make(Severity::kInfo, Level::kSegment, "wrapped-lines",
                        "line breaks inside segments (wrapped lines) removed", kNoRec);
    d.where.offset = storage_->norm.map.ToOriginal(w.start);
    Emit(std::move(d));
  }
}

Engine::IsaStatus Engine::ParseIsa(const char* p, bool final, const char** next) {
  const bool latin1 = storage_->norm.latin1;
  auto fail = [&](uint16_t code, std::string msg) {
    Diagnostic d =
        Make(Severity::kFatal, Level::kInterchange, "isa-unreadable", std::move(msg), kNoRec);
    d.ta1_code = code;
    d.where.segment_id = "ISA";
    d.where.offset = storage_->norm.map.ToOriginal(base_ + static_cast<uint64_t>(p - text_));
    Emit(std::move(d));
    return IsaStatus::kBad;
  };
  if (end_ - p < 4)
    return final ? fail(ta1::kInvalidContent, "input ends inside ISA") : IsaStatus::kNeedMore;
  const char e = p[3];
  if (IsAlnum(e) || e == ' ' || e == '\r' || e == '\n' ||
      (!latin1 && U(e) >= 0x80 && Utf8Lead(p + 3, end_))) {
    return fail(ta1::kInvalidElementSeparator,
                "ISA element separator " + Quote(std::string_view(p + 3, 1)) + " is not usable");
  }
  std::string clean = "ISA";
  clean.push_back(e);
  size_t fstart[18] = {}, fend[18] = {};
  fstart[1] = 4;
  int field = 1;
  bool wrapped = false;
  const char* k = p + 4;
  while (field <= 15) {
    if (k >= end_) {
      if (!final) return IsaStatus::kNeedMore;
      return fail(ta1::kPrematureEnd,
                  "input ends inside ISA after " + std::to_string(field - 1) + " elements");
    }
    if (k - p > 600) {
      return fail(ta1::kInvalidControlStructure, "ISA does not have 16 elements");
    }
    char c = *k++;
    if (c == '\r' || c == '\n') {
      wrapped = true;
      continue;
    }
    if (c == e) {
      fend[field] = clean.size();
      clean.push_back(e);
      ++field;
      fstart[field] = clean.size();
      continue;
    }
    clean.push_back(c);
  }
  while (k < end_ && (*k == '\r' || *k == '\n')) {
    wrapped = true;
    ++k;
  }
  if (k >= end_) {
    if (!final) return IsaStatus::kNeedMore;
    return fail(ta1::kPrematureEnd, "input ends before ISA16");
  }
  // Whether a byte >= 0x80 starts a multi-byte character needs the bytes after it.
  if (!final && U(*k) >= 0x80 && end_ - k < 8) return IsaStatus::kNeedMore;
  const char comp = *k++;
  clean.push_back(comp);
  fend[16] = clean.size();
  if (!latin1 && U(comp) >= 0x80 && Utf8Lead(k - 1, end_)) {
    return fail(ta1::kInvalidComponentSeparator,
                "multi-byte component separator in an interchange after the first is not "
                "supported");
  }
  if (k >= end_) {
    if (!final) return IsaStatus::kNeedMore;
    return fail(ta1::kInvalidSegmentTerminator, "input ends before the ISA segment terminator");
  }
  if (!final && end_ - k < 8) return IsaStatus::kNeedMore;
  char t = *k;
  const char* after = nullptr;
  if (t == '\r' || t == '\n') {
    const char* look = k;
    while (look < end_ && (*look == '\r' || *look == '\n')) ++look;
    if (end_ - look < 4 && !final) return IsaStatus::kNeedMore;
    bool wrap_before_terminator = false;
    if (look < end_ && !IsAlnum(*look) && !IsWhite(*look) && *look != e && *look != comp) {
      const char* g = look + 1;
      while (g < end_ && IsWhite(*g)) ++g;
      if (g + 1 >= end_ && !final) return IsaStatus::kNeedMore;
      wrap_before_terminator = g + 1 < end_ && g[0] >= 'A' && g[0] <= 'Z';
      if (g >= end_) wrap_before_terminator = true;
    }
    if (wrap_before_terminator) {
      t = *look;
      wrapped = true;
      after = look + 1;
    } else if (t == '\r' && k + 1 < end_ && k[1] == '\n') {
      t = '\n';
      after = k + 2;
    } else {
      after = k + 1;
    }
  } else {
    after = k + 1;
  }
  if (!latin1 && U(t) >= 0x80 && Utf8Lead(after - 1, end_)) {
    return fail(ta1::kInvalidSegmentTerminator,
                "multi-byte segment terminator in an interchange after the first is not supported");
  }
  if (IsAlnum(t) || t == e || t == comp) {
    return fail(ta1::kInvalidSegmentTerminator,
                "ISA segment terminator " + Quote(std::string_view(&t, 1)) + " is not usable");
  }
  if (IsAlnum(comp) || comp == e || comp == ' ') {
    return fail(
        ta1::kInvalidComponentSeparator,
        "ISA16 component separator " + Quote(std::string_view(&comp, 1)) + " is not usable");
  }

  // The ISA is readable: record it as a segment.
  const char* base = p;
  if (wrapped) {
    char* copy = storage_->arena.Alloc(clean.size());
    std::memcpy(copy, clean.data(), clean.size());
    base = copy;
  }
  SegmentRecord rec;
  rec.first = static_cast<uint32_t>(elements_.size());
  rec.count = 17;
  rec.offset = storage_->norm.map.ToOriginal(base_ + static_cast<uint64_t>(p - text_));
  rec.ordinal = ++ordinal_;
  elements_.emplace_back(base, 3);
  std::array<std::string_view, 17> f;
  for (int i = 1; i <= 16; ++i) {
    f[i] = std::string_view(base + fstart[i], fend[i] - fstart[i]);
    elements_.push_back(f[i]);
  }
  segments_.push_back(rec);
  auto rec_index = static_cast<uint32_t>(segments_.size() - 1);

  Delimiters d;
  d.element = e;
  d.component = comp;
  d.segment = t;
  d.repetition = 0;
  std::string_view ver = f[12];
  if (ver.size() == 5 && IsDigits(ver) && ver >= "00402" && f[11].size() == 1) {
    char r = f[11][0];
    if (!IsAlnum(r) && r != ' ' && r != e && r != comp && r != t) d.repetition = r;
  }
  if (state_ == State::kInterchange) CloseInterchange(true, rec_index);
  StartInterchange(rec_index, f, d);
  if (wrapped && opts_.report_artefacts) {
    Emit(Make(Severity::kInfo, Level::kInterchange, "wrapped-isa",
              "line breaks inside the ISA segment removed", rec_index));
  }
  *next = after;
  return IsaStatus::kOk;
}

void Engine::FlushGarbage(uint64_t upto) {
  if (garbage_start_ == kNoPos) return;
  Diagnostic d = Make(Severity::kError, Level::kFile, "data-outside-interchange",
                      std::to_string(upto - garbage_start_) +
                          " bytes that are not part of an interchange were skipped",
                      kNoRec);
  d.where.offset = storage_->norm.map.ToOriginal(garbage_start_);
  d.ta1_code = ta1::kInvalidContent;
  if (!saw_isa_) {
    d.rule = "no-isa-at-start";
    d.message = "input does not start with an ISA segment; " +
                std::to_string(upto - garbage_start_) + " bytes skipped";
  }
  garbage_start_ = kNoPos;
  Emit(std::move(d));
}

size_t Engine::Scan(const char* text, size_t size, uint64_t base, bool final) {
  text_ = text;
  end_ = text + size;
  base_ = base;
  blk_ = nullptr;
  storage_->text = text;
  storage_->text_size = size;
  storage_->text_base = base;
  const char* p = text + (pos_ - base);
  auto global = [&](const char* x) { return base + static_cast<uint64_t>(x - text); };
  while (true) {
    if (!retain_ && !in_set_ && !segments_.empty()) {
      segments_.clear();
      elements_.clear();
      storage_->arena.Reset();
      storage_->wraps.clear();
    }
    p = SkipBlanks(p);
    if (p >= end_) {
      pos_ = global(end_);
      break;
    }
    if (p[0] == 'I' || !have_delims_) {
      bool isa = false;
      if (end_ - p >= 4) {
        isa = p[0] == 'I' && p[1] == 'S' && p[2] == 'A' && !IsAlnum(p[3]);
      } else if (!final && std::string_view("ISA").substr(0, static_cast<size_t>(end_ - p)) ==
                               std::string_view(p, static_cast<size_t>(end_ - p))) {
        pos_ = global(p);
        break;
      }
      if (isa) {
        FlushGarbage(global(p));
        quiet_skip_ = false;
        const char* next = nullptr;
        IsaStatus st = ParseIsa(p, final, &next);
        if (st == IsaStatus::kNeedMore) {
          pos_ = global(p);
          break;
        }
        if (st == IsaStatus::kOk) {
          saw_isa_ = true;
          p = next;
          continue;
        }
        // Unreadable ISA: close what is open and look for the next ISA.
        if (state_ == State::kInterchange) CloseInterchange(true, kNoRec);
        state_ = State::kNone;
        have_delims_ = false;
        // The bytes up to the next ISA belong to the unreadable interchange, already reported.
        quiet_skip_ = true;
        p += 1;
        continue;
      }
      if (!have_delims_) {
        const char* at = FindIsa(p + 1, end_);
        const char* skip_to = at == nullptr ? end_ : at;
        if (at == nullptr && !final) skip_to = std::max(p, end_ - 3);
        // One diagnostic per run of stray bytes, however the input arrives in pieces: it is
        // emitted when the next ISA is recognized or the input ends.
        if (skip_to > p && garbage_start_ == kNoPos && !quiet_skip_) garbage_start_ = global(p);
        if (final && at == nullptr) FlushGarbage(global(skip_to));
        p = skip_to;
        if (at == nullptr) {
          pos_ = global(p);
          if (final) continue;
          break;
        }
        continue;
      }
    }
    const auto seg_pos = global(p);
    const size_t first = elements_.size();
    const char* next = ScanSegment(p, final);
    if (next == nullptr) {
      pos_ = seg_pos;
      break;
    }
    SegmentRecord rec;
    rec.first = static_cast<uint32_t>(first);
    rec.count = static_cast<uint32_t>(elements_.size() - first);
    rec.offset = storage_->norm.map.ToOriginal(seg_pos);
    rec.ordinal = ++ordinal_;
    segments_.push_back(rec);
    auto idx = static_cast<uint32_t>(segments_.size() - 1);
    std::string_view tag = elements_[first];
    bool starts_set = tag.size() == 2 && tag[0] == 'S' && tag[1] == 'T';
    OnSegment(idx);
    if (starts_set && in_set_) set_pos_ = seg_pos;
    p = next;
    pos_ = global(p);
  }
  uint64_t keep = in_set_ ? set_pos_ : pos_;
  if (keep < base) keep = base;
  return static_cast<size_t>(keep - base);
}

void Engine::Rebase(const char* old_begin, const char* old_end, const char* new_begin) {
  for (auto& v : elements_) {
    if (v.data() >= old_begin && v.data() <= old_end) {
      v = std::string_view(new_begin + (v.data() - old_begin), v.size());
    }
  }
  blk_ = nullptr;
}

void Engine::Finish() {
  if (state_ == State::kInterchange) {
    CloseInterchange(true, kNoRec);
  } else {
    if (in_set_) CloseSet(true, static_cast<uint32_t>(segments_.size()));
    if (in_group_) CloseGroup(true, kNoRec);
  }
}

std::string_view Engine::El(uint32_t rec, size_t pos) const {
  const SegmentRecord& r = segments_[rec];
  return pos < r.count ? elements_[r.first + pos] : std::string_view();
}

Diagnostic Engine::Make(Severity s, Level l, const char* rule, std::string message, uint32_t rec,
                        uint16_t element) {
  Diagnostic d;
  d.severity = s;
  d.level = l;
  d.rule = rule;
  d.message = std::move(message);
  Location& w = d.where;
  if (state_ == State::kInterchange) {
    w.interchange = ic_index_;
    w.isa13 = ic_.isa[13];
    if (in_group_) {
      w.group = group_.index;
      w.gs06 = group_.gs[6];
      if (in_set_) {
        w.set = set_.index;
        w.st02 = set_.control;
      }
    }
  }
  if (rec != kNoRec && rec < segments_.size()) {
    const SegmentRecord& r = segments_[rec];
    w.segment_id = std::string(elements_[r.first]);
    w.segment_in_file = r.ordinal;
    if (in_set_ && rec >= set_first_rec_) w.segment_in_set = rec - set_first_rec_ + 1;
    w.offset = r.offset;
    if (element > 0) {
      w.element = element;
      if (element < r.count) {
        w.offset = storage_->OffsetOf(elements_[r.first + element].data(), r.offset);
      }
    }
  } else {
    w.offset = storage_->norm.map.ToOriginal(pos_);
  }
  return d;
}

void Engine::Emit(Diagnostic d) {
  if (d.severity >= Severity::kError) {
    if (d.level == Level::kInterchange && state_ == State::kInterchange) ic_.envelope_errors = true;
    if (d.level == Level::kGroup && in_group_) group_.envelope_errors = true;
    if ((d.level == Level::kSet || d.level == Level::kSegment) && in_set_) {
      set_.envelope_errors = true;
    }
  }
  ++diag_count_;
  if (diag_count_ > opts_.max_diagnostics) {
    truncated_ = true;
    return;
  }
  handler_->OnDiagnostic(d);
}

void Engine::StartInterchange(uint32_t rec, const std::array<std::string_view, 17>& f,
                              const Delimiters& d) {
  ic_ = Interchange();
  for (int i = 1; i <= 16; ++i) ic_.isa[i] = std::string(f[i]);
  ic_.delimiters = d;
  if (d.component == storage_->norm.component_placeholder && d.component != 0) {
    ic_.component_text = storage_->norm.component_text;
    ic_.isa[16] = ic_.component_text;  // the original spelling, not the placeholder
  }
  if (d.segment == storage_->norm.segment_placeholder && d.segment != 0) {
    ic_.segment_text = storage_->norm.segment_text;
  }
  ic_.index = ++ic_index_;
  ic_.offset = segments_[rec].offset;
  ic_.ordinal = segments_[rec].ordinal;
  ic_.isa_segment = rec;
  state_ = State::kInterchange;
  ++interchanges_seen_;
  gs06_seen_.clear();
  SetDelimiters(d);

  // ISA widths (errors) and values (warnings). Widths count characters: in UTF-8 text a
  // multi-byte character (a curly apostrophe in a name) is one.
  const bool latin1 = storage_->norm.latin1;
  auto width = [latin1](std::string_view v) {
    if (latin1) return v.size();
    size_t n = 0;
    for (char c : v) n += (U(c) & 0xC0) == 0x80 ? 0 : 1;
    return n;
  };
  // ISA11 and ISA16 are separators (or ISA11 'U'): one byte, whatever byte it is.
  auto field_width = [&](int i) { return i == 11 || i == 16 ? f[i].size() : width(f[i]); };
  for (int i = 1; i <= 16; ++i) {
    if (field_width(i) != kIsaWidth[i]) {
      Diagnostic diag = Make(Severity::kError, Level::kInterchange, "isa-field-width",
                             "ISA" + std::string(i < 10 ? "0" : "") + std::to_string(i) + " " +
                                 Quote(f[i]) + " is " + std::to_string(field_width(i)) +
                                 " characters; it must be exactly " + std::to_string(kIsaWidth[i]),
                             rec, static_cast<uint16_t>(i));
      diag.ta1_code = kIsaTa1[i];
      diag.bad_value = std::string(f[i].substr(0, 99));
      Emit(std::move(diag));
    }
  }
  auto warn = [&](int i, const char* rule, const std::string& what) {
    Diagnostic diag = Make(
        Severity::kWarning, Level::kInterchange, rule,
        "ISA" + std::string(i < 10 ? "0" : "") + std::to_string(i) + " " + Quote(f[i]) + " " + what,
        rec, static_cast<uint16_t>(i));
    diag.ta1_code = kIsaTa1[i];
    Emit(std::move(diag));
  };
  if (f[9].size() == 6 && !ValidYymmdd(f[9])) warn(9, "isa-date", "is not a valid YYMMDD date");
  if (f[10].size() == 4 && !ValidHhmm(f[10])) warn(10, "isa-time", "is not a valid HHMM time");
  if (f[12].size() == 5 && !IsDigits(f[12])) warn(12, "isa-version", "is not a version number");
  if (f[13].size() == 9 && !IsDigits(f[13])) warn(13, "isa-control-number", "is not numeric");
  if (f[14].size() == 1 && f[14] != "0" && f[14] != "1") {
    warn(14, "isa-ack-requested", "must be 0 or 1");
  }
  if (f[15].size() == 1 && f[15] != "P" && f[15] != "T" && f[15] != "I") {
    warn(15, "isa-usage", "must be P, T or I");
  }
  std::string isa13(f[13]);
  if (!isa13_seen_.insert(isa13).second) {
    Diagnostic diag = Make(opts_.duplicate_severity, Level::kInterchange, "isa13-duplicate",
                           "interchange control number " + Quote(isa13) +
                               " was already used by an earlier interchange in this file",
                           rec, 13);
    diag.ta1_code = ta1::kDuplicateControlNumber;
    Emit(std::move(diag));
  }
  handler_->OnInterchange(ic_);
}

void Engine::OpenImplicitInterchange(uint32_t rec) {
  Interchange ic;
  ic.delimiters = delims_;
  ic.implicit = true;
  ic.index = ++ic_index_;
  ic.offset = segments_[rec].offset;
  ic.ordinal = segments_[rec].ordinal;
  ic.isa_segment = rec;
  ic_ = std::move(ic);
  state_ = State::kInterchange;
  ++interchanges_seen_;
  gs06_seen_.clear();
  Diagnostic d = Make(Severity::kError, Level::kInterchange, "segment-outside-interchange",
                      std::string(Tag(rec)) + " segment appears after IEA without a new ISA", rec);
  d.ta1_code = ta1::kInvalidControlStructure;
  Emit(std::move(d));
  handler_->OnInterchange(ic_);
}

void Engine::OpenImplicitGroup(uint32_t rec) {
  group_ = FunctionalGroup();
  group_.implicit = true;
  group_.index = static_cast<int32_t>(ic_.group_count++);
  group_.offset = segments_[rec].offset;
  group_.ordinal = segments_[rec].ordinal;
  in_group_ = true;
  ++groups_seen_;
  st02_keys_.clear();
  st02_numeric_.clear();
  st02_other_.clear();
  st02_max_ = 0;
  st02_hashed_ = false;
  Diagnostic d = Make(Severity::kError, Level::kGroup, "st-outside-group",
                      "ST segment outside a functional group (no GS before it)", rec);
  d.ta1_code = ta1::kInvalidContent;
  Emit(std::move(d));
  handler_->OnGroup(ic_, group_);
}

void Engine::OnSegment(uint32_t rec) {
  std::string_view tag = Tag(rec);
  if (tag.size() == 2) {
    if (tag[0] == 'S') {
      if (tag[1] == 'T') return HandleSt(rec);
      if (tag[1] == 'E') return HandleSe(rec);
    } else if (tag[0] == 'G') {
      if (tag[1] == 'S') return HandleGs(rec);
      if (tag[1] == 'E') return HandleGe(rec);
    }
  } else if (tag.size() == 3) {
    if (tag == "IEA") return HandleIea(rec);
    if (tag == "TA1" && !in_set_) return HandleTa1(rec);
  }
  HandleOther(rec);
}

void Engine::HandleOther(uint32_t rec) {
  std::string_view tag = Tag(rec);
  if (in_set_) {
    if (!ValidTag(tag)) {
      Diagnostic d = Make(Severity::kError, Level::kSegment, "segment-id-invalid",
                          "segment identifier " + Quote(tag.substr(0, 20)) +
                              " is not 2-3 upper-case letters or digits",
                          rec);
      d.ak3_code = ak3::kUnrecognizedSegment;
      Emit(std::move(d));
    }
    return;
  }
  if (state_ != State::kInterchange) {
    Diagnostic d = Make(Severity::kError, Level::kFile, "segment-outside-interchange",
                        "segment " + Quote(tag.substr(0, 20)) + " is outside any interchange", rec);
    d.ta1_code = ta1::kInvalidControlStructure;
    Emit(std::move(d));
    return;
  }
  Diagnostic d =
      Make(Severity::kError, in_group_ ? Level::kGroup : Level::kInterchange, "segment-outside-set",
           "segment " + Quote(tag.substr(0, 20)) + " is outside any transaction set", rec);
  if (!in_group_) d.ta1_code = ta1::kInvalidContent;
  Emit(std::move(d));
}

void Engine::HandleTa1(uint32_t rec) {
  if (state_ != State::kInterchange) return HandleOther(rec);
  if (in_group_) {
    Diagnostic d = Make(Severity::kError, Level::kGroup, "ta1-inside-group",
                        "TA1 must appear at interchange level, not inside a functional group", rec);
    Emit(std::move(d));
    return;
  }
  ++ic_.ta1_count;
  if (retain_) ic_.ta1_segments.push_back(rec);
  handler_->OnTa1(ic_, SegmentView(&segments_[rec], elements_.data()));
}

void Engine::HandleGs(uint32_t rec) {
  if (in_set_) CloseSet(true, rec);
  if (in_group_) CloseGroup(true, rec);
  if (state_ != State::kInterchange) OpenImplicitInterchange(rec);
  group_ = FunctionalGroup();
  for (int i = 1; i <= 8; ++i) group_.gs[i] = std::string(El(rec, static_cast<size_t>(i)));
  group_.index = static_cast<int32_t>(ic_.group_count++);
  group_.offset = segments_[rec].offset;
  group_.ordinal = segments_[rec].ordinal;
  in_group_ = true;
  ++groups_seen_;
  st02_keys_.clear();
  st02_numeric_.clear();
  st02_other_.clear();
  st02_max_ = 0;
  st02_hashed_ = false;
  const std::string& gs06 = group_.gs[6];
  if (gs06.empty() || gs06.size() > 9 || !IsDigits(gs06)) {
    Diagnostic d = Make(Severity::kWarning, Level::kGroup, "gs06-syntax",
                        "GS06 group control number " + Quote(gs06) + " is not 1-9 digits", rec, 6);
    d.ak9_code = ak9::kControlNumberSyntax;
    Emit(std::move(d));
  }
  if (segments_[rec].count < 9) {
    Diagnostic d =
        Make(Severity::kError, Level::kGroup, "gs-elements",
             "GS has " + std::to_string(segments_[rec].count - 1) + " elements; it needs 8", rec);
    d.ak9_code = ak9::kNotSupported;
    Emit(std::move(d));
  }
  if (!gs06_seen_.insert(gs06).second) {
    Diagnostic d = Make(opts_.duplicate_severity, Level::kGroup, "gs06-duplicate",
                        "group control number " + Quote(gs06) +
                            " was already used by an earlier group in this interchange",
                        rec, 6);
    d.ak9_code = ak9::kControlNumberNotUnique;
    Emit(std::move(d));
  }
  handler_->OnGroup(ic_, group_);
}

void Engine::HandleSt(uint32_t rec) {
  if (in_set_) CloseSet(true, rec);
  if (state_ != State::kInterchange) OpenImplicitInterchange(rec);
  if (!in_group_) OpenImplicitGroup(rec);
  set_ = TransactionSet();
  set_.id = std::string(El(rec, 1));
  set_.control = std::string(El(rec, 2));
  set_.convention = std::string(El(rec, 3));
  set_.index = static_cast<int32_t>(group_.set_count++);
  set_.global_index = static_cast<uint32_t>(global_sets_++);
  set_.offset = segments_[rec].offset;
  set_.ordinal = segments_[rec].ordinal;
  set_.first_segment = rec;
  set_first_rec_ = rec;
  in_set_ = true;
  if (set_.id.size() != 3 || !IsDigits(set_.id)) {
    Diagnostic d =
        Make(Severity::kError, Level::kSet, "st01-invalid",
             "ST01 " + Quote(set_.id) + " is not a 3-digit transaction set identifier", rec, 1);
    d.ak5_code = ak5::kInvalidSetId;
    Emit(std::move(d));
  }
  const std::string& c = set_.control;
  if (c.empty()) {
    Diagnostic d = Make(Severity::kError, Level::kSet, "st02-missing",
                        "ST02 transaction set control number is missing", rec, 2);
    d.ak5_code = ak5::kInvalidControlNumber;
    Emit(std::move(d));
  } else if (c.size() < 4 || c.size() > 9) {
    Diagnostic d = Make(Severity::kWarning, Level::kSet, "st02-length",
                        "ST02 " + Quote(c) + " should be 4 to 9 characters", rec, 2);
    d.ak5_code = ak5::kInvalidControlNumber;
    Emit(std::move(d));
  }
  // Uniqueness within the group; numeric control numbers usually ascend, so the common case
  // needs no hashing at all.
  bool duplicate = false;
  uint64_t v = 0;
  if (c.size() <= 15 && ParseCount(c, &v)) {
    uint64_t key = (v << 4) | c.size();
    if (!st02_hashed_ && (st02_keys_.empty() || key > st02_max_)) {
      st02_keys_.push_back(key);
      st02_max_ = key;
    } else {
      if (!st02_hashed_) {
        st02_numeric_.insert(st02_keys_.begin(), st02_keys_.end());
        st02_keys_.clear();
        st02_hashed_ = true;
      }
      duplicate = !st02_numeric_.insert(key).second;
    }
  } else {
    duplicate = !st02_other_.insert(c).second;
  }
  if (duplicate) {
    Diagnostic d = Make(
        opts_.duplicate_severity, Level::kSet, "st02-duplicate",
        "transaction set control number " + Quote(c) + " was already used in this functional group",
        rec, 2);
    d.ak5_code = ak5::kControlNumberNotUnique;
    Emit(std::move(d));
  }
}

void Engine::HandleSe(uint32_t rec) {
  if (!in_set_) {
    Diagnostic d = Make(Severity::kError, in_group_ ? Level::kGroup : Level::kInterchange,
                        "se-without-st", "SE segment without a matching ST", rec);
    if (!in_group_) d.ta1_code = ta1::kInvalidControlStructure;
    Emit(std::move(d));
    return;
  }
  set_.has_trailer = true;
  set_.se01 = std::string(El(rec, 1));
  set_.se02 = std::string(El(rec, 2));
  uint64_t count = rec - set_first_rec_ + 1;
  uint64_t se01 = 0;
  if (!ParseCount(set_.se01, &se01) || se01 != count) {
    Diagnostic d = Make(Severity::kError, Level::kSet, "se01-count",
                        "SE01 " + Quote(set_.se01) + " does not match the " +
                            std::to_string(count) + " segments of the set (ST to SE)",
                        rec, 1);
    d.ak5_code = ak5::kCountMismatch;
    d.bad_value = set_.se01.substr(0, 99);
    Emit(std::move(d));
  }
  if (set_.se02 != set_.control) {
    Diagnostic d = Make(
        Severity::kError, Level::kSet, "se02-control-number",
        "SE02 " + Quote(set_.se02) + " is not identical to ST02 " + Quote(set_.control), rec, 2);
    d.ak5_code = ak5::kControlNumberMismatch;
    d.bad_value = set_.se02.substr(0, 99);
    Emit(std::move(d));
  }
  CloseSet(false, rec + 1);
}

void Engine::HandleGe(uint32_t rec) {
  if (in_set_) CloseSet(true, rec);
  if (!in_group_) {
    Diagnostic d = Make(Severity::kError, Level::kInterchange, "ge-without-gs",
                        "GE segment without a matching GS", rec);
    d.ta1_code = ta1::kInvalidControlStructure;
    Emit(std::move(d));
    return;
  }
  group_.has_trailer = true;
  group_.ge01 = std::string(El(rec, 1));
  group_.ge02 = std::string(El(rec, 2));
  uint64_t n = 0;
  if (!ParseCount(group_.ge01, &n) || n != group_.set_count) {
    Diagnostic d = Make(Severity::kError, Level::kGroup, "ge01-count",
                        "GE01 " + Quote(group_.ge01) + " does not match the " +
                            std::to_string(group_.set_count) + " transaction sets of the group",
                        rec, 1);
    d.ak9_code = ak9::kCountMismatch;
    Emit(std::move(d));
  }
  if (group_.ge02 != group_.gs[6]) {
    Diagnostic d = Make(
        Severity::kError, Level::kGroup, "ge02-control-number",
        "GE02 " + Quote(group_.ge02) + " is not identical to GS06 " + Quote(group_.gs[6]), rec, 2);
    d.ak9_code = ak9::kControlNumberMismatch;
    Emit(std::move(d));
  }
  CloseGroup(false, rec);
}

void Engine::HandleIea(uint32_t rec) {
  if (in_set_) CloseSet(true, rec);
  if (in_group_) CloseGroup(true, rec);
  if (state_ != State::kInterchange) {
    Diagnostic d = Make(Severity::kError, Level::kFile, "iea-without-isa",
                        "IEA segment without a matching ISA", rec);
    d.ta1_code = ta1::kInvalidControlStructure;
    Emit(std::move(d));
    return;
  }
  ic_.has_trailer = true;
  ic_.iea01 = std::string(El(rec, 1));
  ic_.iea02 = std::string(El(rec, 2));
  uint64_t n = 0;
  if (!ParseCount(ic_.iea01, &n) || n != ic_.group_count) {
    Diagnostic d = Make(Severity::kError, Level::kInterchange, "iea01-count",
                        "IEA01 " + Quote(ic_.iea01) + " does not match the " +
                            std::to_string(ic_.group_count) + " functional groups",
                        rec, 1);
    d.ta1_code = ta1::kInvalidGroupCount;
    Emit(std::move(d));
  }
  if (!ic_.implicit && ic_.iea02 != ic_.isa[13]) {
    Diagnostic d = Make(
        Severity::kError, Level::kInterchange, "iea02-control-number",
        "IEA02 " + Quote(ic_.iea02) + " is not identical to ISA13 " + Quote(ic_.isa[13]), rec, 2);
    d.ta1_code = ta1::kControlNumberMismatch;
    Emit(std::move(d));
  }
  CloseInterchange(false, rec);
}

void Engine::CloseSet(bool trailer_missing_error, uint32_t end_rec) {
  if (!in_set_) return;
  if (end_rec > segments_.size()) end_rec = static_cast<uint32_t>(segments_.size());
  if (trailer_missing_error) {
    uint32_t at = end_rec > set_first_rec_ ? end_rec - 1 : set_first_rec_;
    Diagnostic d =
        Make(Severity::kError, Level::kSet, "se-missing",
             "transaction set " + set_.id + " " + Quote(set_.control) + " has no SE trailer", at);
    d.ak5_code = ak5::kTrailerMissing;
    Emit(std::move(d));
  }
  set_.segment_count = end_rec - set_first_rec_;
  SetView view(segments_.data() + set_first_rec_, set_.segment_count, elements_.data(), storage_);
  handler_->OnSet(ic_, group_, set_, view);
  if (retain_) group_.sets.push_back(std::move(set_));
  in_set_ = false;
}

void Engine::CloseGroup(bool trailer_missing_error, uint32_t at_rec) {
  if (in_set_) CloseSet(true, at_rec == kNoRec ? static_cast<uint32_t>(segments_.size()) : at_rec);
  if (!in_group_) return;
  if (trailer_missing_error) {
    Diagnostic d = Make(Severity::kError, Level::kGroup, "ge-missing",
                        "functional group " + Quote(group_.gs[6]) + " has no GE trailer", at_rec);
    d.ak9_code = ak9::kTrailerMissing;
    Emit(std::move(d));
  }
  handler_->OnGroupEnd(ic_, group_);
  if (retain_) ic_.groups.push_back(std::move(group_));
  group_ = FunctionalGroup();
  in_group_ = false;
}

void Engine::CloseInterchange(bool trailer_missing_error, uint32_t at_rec) {
  if (in_set_ || in_group_) {
    CloseGroup(true, at_rec == kNoRec ? static_cast<uint32_t>(segments_.size()) : at_rec);
  }
  if (state_ != State::kInterchange) return;
  if (trailer_missing_error) {
    Diagnostic d = Make(Severity::kError, Level::kInterchange, "iea-missing",
                        "interchange " + Quote(ic_.isa[13]) + " has no IEA trailer", at_rec);
    d.ta1_code = ta1::kPrematureEnd;
    Emit(std::move(d));
  }
  handler_->OnInterchangeEnd(ic_);
  if (retain_) done_.push_back(std::move(ic_));
  ic_ = Interchange();
  state_ = State::kAfterIea;
}

}  // namespace crossdock::x12::detail
