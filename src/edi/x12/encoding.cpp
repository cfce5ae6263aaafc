// Encoding detection and whole-input repairs (see internal.hpp).
#include <algorithm>
#include <cstring>
#include <string>

#include "edi/x12/internal.hpp"

namespace crossdock::x12 {

const char* EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kAscii:
      return "ascii";
    case Encoding::kUtf8:
      return "utf-8";
    case Encoding::kUtf8Bom:
      return "utf-8-bom";
    case Encoding::kUtf16Le:
      return "utf-16le";
    case Encoding::kUtf16Be:
      return "utf-16be";
    case Encoding::kEbcdic:
      return "ebcdic-cp037";
  }
  return "ascii";
}

namespace detail {

uint64_t PiecewiseMap::Map(uint64_t pos) const {
  if (breaks.empty()) return pos * unit;
  auto it = std::upper_bound(
      breaks.begin(), breaks.end(), pos,
      [](uint64_t v, const std::pair<uint64_t, uint64_t>& b) { return v < b.first; });
  if (it == breaks.begin()) return pos * unit;
  --it;
  return it->second + (pos - it->first) * unit;
}

char* Arena::Alloc(size_t n) {
  if (blocks_.empty() || used_ + n > sizes_.back()) {
    size_t size = std::max<size_t>(n, 64 * 1024);
    blocks_.push_back(std::make_unique<char[]>(size));
    sizes_.push_back(size);
    used_ = 0;
    total_ += size;
  }
  char* p = blocks_.back().get() + used_;
  used_ += n;
  return p;
}

void Arena::Reset() {
  if (blocks_.size() > 1) {
    blocks_.resize(1);
    sizes_.resize(1);
    total_ = sizes_[0];
  }
  used_ = 0;
}

uint64_t Storage::OffsetOf(const char* p, uint64_t segment_offset) const {
  if (text != nullptr && p >= text && p <= text + text_size) {
    return norm.map.ToOriginal(text_base + static_cast<uint64_t>(p - text));
  }
  for (const auto& w : wraps) {
    if (p >= w.copy && p <= w.copy + w.length) {
      auto rel = static_cast<uint32_t>(p - w.copy);
      uint32_t removed = 0;
      for (const auto& r : w.removed) {
        if (r.first <= rel) removed = r.second;
      }
      return norm.map.ToOriginal(w.start + rel + removed);
    }
  }
  return segment_offset;
}

namespace {

constexpr unsigned char kCp037ToLatin1[256] = {
    0x00, 0x01, 0x02, 0x03, 0x9C, 0x09, 0x86, 0x7F, 0x97, 0x8D, 0x8E, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
    0x10, 0x11, 0x12, 0x13, 0x9D, 0x85, 0x08, 0x87, 0x18, 0x19, 0x92, 0x8F, 0x1C, 0x1D, 0x1E, 0x1F,
    0x80, 0x81, 0x82, 0x83, 0x84, 0x0A, 0x17, 0x1B, 0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x05, 0x06, 0x07,
    0x90, 0x91, 0x16, 0x93, 0x94, 0x95, 0x96, 0x04, 0x98, 0x99, 0x9A, 0x9B, 0x14, 0x15, 0x9E, 0x1A,
    0x20, 0xA0, 0xE2, 0xE4, 0xE0, 0xE1, 0xE3, 0xE5, 0xE7, 0xF1, 0xA2, 0x2E, 0x3C, 0x28, 0x2B, 0x7C,
    0x26, 0xE9, 0xEA, 0xEB, 0xE8, 0xED, 0xEE, 0xEF, 0xEC, 0xDF, 0x21, 0x24, 0x2A, 0x29, 0x3B, 0xAC,
    0x2D, 0x2F, 0xC2, 0xC4, 0xC0, 0xC1, 0xC3, 0xC5, 0xC7, 0xD1, 0xA6, 0x2C, 0x25, 0x5F, 0x3E, 0x3F,
    0xF8, 0xC9, 0xCA, 0xCB, 0xC8, 0xCD, 0xCE, 0xCF, 0xCC, 0x60, 0x3A, 0x23, 0x40, 0x27, 0x3D, 0x22,
    0xD8, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0xAB, 0xBB, 0xF0, 0xFD, 0xFE, 0xB1,
    0xB0, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70, 0x71, 0x72, 0xAA, 0xBA, 0xE6, 0xB8, 0xC6, 0xA4,
    0xB5, 0x7E, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0xA1, 0xBF, 0xD0, 0xDD, 0xDE, 0xAE,
    0x5E, 0xA3, 0xA5, 0xB7, 0xA9, 0xA7, 0xB6, 0xBC, 0xBD, 0xBE, 0x5B, 0x5D, 0xAF, 0xA8, 0xB4, 0xD7,
    0x7B, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0xAD, 0xF4, 0xF6, 0xF2, 0xF3, 0xF5,
    0x7D, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F, 0x50, 0x51, 0x52, 0xB9, 0xFB, 0xFC, 0xF9, 0xFA, 0xFF,
    0x5C, 0xF7, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0xB2, 0xD4, 0xD6, 0xD2, 0xD3, 0xD5,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0xB3, 0xDB, 0xDC, 0xD9, 0xDA, 0x9F,
};

inline unsigned char U(char c) { return static_cast<unsigned char>(c); }

enum class Kind { kAscii, kUtf8Bom, kUtf16Le, kUtf16Be, kEbcdic, kUtf32, kUnknown };

struct Sniff {
  Kind kind = Kind::kAscii;
  size_t bom = 0;
};

bool IsEbcdicBlank(unsigned char c) {
  return c == 0x40 || c == 0x05 || c == 0x0D || c == 0x25 || c == 0x15;
}

Sniff SniffEncoding(std::string_view s) {
  Sniff r;
  auto at = [&](size_t i) -> int { return i < s.size() ? U(s[i]) : -1; };
  if (at(0) == 0xEF && at(1) == 0xBB && at(2) == 0xBF) return {Kind::kUtf8Bom, 3};
  if (at(0) == 0xFF && at(1) == 0xFE) {
    if (at(2) == 0 && at(3) == 0) return {Kind::kUtf32, 4};
    return {Kind::kUtf16Le, 2};
  }
  if (at(0) == 0xFE && at(1) == 0xFF) return {Kind::kUtf16Be, 2};
  if (at(0) == 0 && at(1) == 0 && at(2) == 0xFE && at(3) == 0xFF) return {Kind::kUtf32, 4};
  if (at(0) == 'I' && at(1) == 0 && at(2) == 0 && at(3) == 0) return {Kind::kUtf32, 0};
  if (at(0) == 0 && at(1) == 0 && at(2) == 0 && at(3) == 'I') return {Kind::kUtf32, 0};
  // Without a BOM: look at the first non-blank characters.
  size_t i = 0;
  while (i < s.size() && i < 64 && (s[i] == ' ' || s[i] == '\r' || s[i] == '\n' || s[i] == '\t')) {
    ++i;
  }
  if (at(i) == 'I' && at(i + 1) == 0 && at(i + 2) == 'S' && at(i + 3) == 0) {
    return {Kind::kUtf16Le, 0};
  }
  if (at(0) == 0 && at(1) == 'I' && at(2) == 0 && at(3) == 'S') return {Kind::kUtf16Be, 0};
  size_t j = 0;
  while (j < s.size() && j < 64 && IsEbcdicBlank(U(s[j]))) ++j;
  if (at(j) == 0xC9 && at(j + 1) == 0xE2 && at(j + 2) == 0xC1) return {Kind::kEbcdic, 0};
  return r;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// UTF-16 → UTF-8, recording a break after every character that is not one byte.
void TranscodeUtf16(std::string_view in, size_t bom, bool le, Normalized* n) {
  n->owned.clear();
  n->owned.reserve((in.size() - bom) / 2 + 16);
  PiecewiseMap& m = n->map.transcode;
  m.unit = 2;
  m.breaks.clear();
  m.breaks.emplace_back(0, bom);
  size_t i = bom;
  auto unit_at = [&](size_t k) -> uint32_t {
    return le ? (U(in[k]) | (U(in[k + 1]) << 8)) : ((U(in[k]) << 8) | U(in[k + 1]));
  };
  while (i + 1 < in.size()) {
    uint32_t cu = unit_at(i);
    size_t consumed = 2;
    uint32_t cp = cu;
    if (cu >= 0xD800 && cu <= 0xDBFF && i + 3 < in.size()) {
      uint32_t lo = unit_at(i + 2);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((cu - 0xD800) << 10) + (lo - 0xDC00);
        consumed = 4;
      } else {
        cp = 0xFFFD;
      }
    } else if (cu >= 0xD800 && cu <= 0xDFFF) {
      cp = 0xFFFD;
    }
    size_t before = n->owned.size();
    AppendUtf8(&n->owned, cp);
    i += consumed;
    if (n->owned.size() - before != 1 || consumed != 2) m.breaks.emplace_back(n->owned.size(), i);
  }
  if (i < in.size()) {
    Diagnostic d;
    d.severity = Severity::kWarning;
    d.rule = "utf16-odd-length";
    d.message = "UTF-16 input has an odd number of bytes; the last byte was ignored";
    d.where.offset = i;
    n->notes.push_back(std::move(d));
  }
}

int Utf8SeqLen(std::string_view s, size_t i) {
  unsigned char c = U(s[i]);
  int len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (len == 0 || c > 0xF4 || i + len > s.size()) return 0;
  for (int k = 1; k < len; ++k) {
    if ((U(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  return len;
}

// Finds the first ISA and the byte ranges of its ISA16 and terminator characters.
struct IsaDelims {
  bool found = false;
  size_t comp_pos = 0, comp_len = 0, seg_pos = 0, seg_len = 0;
};

IsaDelims FindIsaDelims(std::string_view s) {
  IsaDelims r;
  size_t i = s.find("ISA");
  if (i == std::string_view::npos || i + 4 >= s.size()) return r;
  char e = s[i + 3];
  size_t k = i + 3;
  int seps = 0;
  while (k < s.size() && seps < 16 && k < i + 400) {
    if (s[k] == e) ++seps;
    ++k;
  }
  if (seps < 16) return r;
  while (k < s.size() && (s[k] == '\r' || s[k] == '\n')) ++k;
  if (k >= s.size()) return r;
  r.comp_pos = k;
  r.comp_len = U(s[k]) >= 0x80 ? static_cast<size_t>(Utf8SeqLen(s, k)) : 1;
  if (r.comp_len == 0) r.comp_len = 1;
  size_t t = k + r.comp_len;
  if (t >= s.size()) return r;
  r.seg_pos = t;
  r.seg_len = U(s[t]) >= 0x80 ? static_cast<size_t>(Utf8SeqLen(s, t)) : 1;
  if (r.seg_len == 0) r.seg_len = 1;
  r.found = true;
  return r;
}

char PickPlaceholder(const bool* present, char avoid) {
  static const unsigned char kCandidates[] = {0x1C, 0x1D, 0x1E, 0x1F, 0x01, 0x02, 0x03, 0x04,
                                              0x05, 0x06, 0x07, 0x0E, 0x0F, 0x10, 0x11, 0x12,
                                              0x13, 0x14, 0x16, 0x17, 0x18, 0x19, 0x7F};
  for (unsigned char c : kCandidates) {
    if (!present[c] && static_cast<char>(c) != avoid) return static_cast<char>(c);
  }
  return 0;
}

// Replaces every occurrence of the multi-byte component separator / terminator with a single
// placeholder byte, recording the shrink map.
bool ReplaceMultibyte(Normalized* n, std::string_view text, const IsaDelims& d) {
  std::string comp(text.substr(d.comp_pos, d.comp_len));
  std::string seg(text.substr(d.seg_pos, d.seg_len));
  bool present[256] = {};
  for (char c : text) present[U(c)] = true;
  char pc = comp.size() > 1 ? PickPlaceholder(present, 0) : comp[0];
  if (comp.size() > 1) present[U(pc)] = true;
  char ps = seg.size() > 1 ? PickPlaceholder(present, pc) : seg[0];
  if (pc == 0 || ps == 0) return false;
  std::string out;
  out.reserve(text.size());
  PiecewiseMap& m = n->map.shrink;
  m.unit = 1;
  m.breaks.clear();
  m.breaks.emplace_back(0, 0);
  size_t i = 0;
  while (i < text.size()) {
    if (comp.size() > 1 && text.compare(i, comp.size(), comp) == 0) {
      out.push_back(pc);
      i += comp.size();
      m.breaks.emplace_back(out.size(), i);
    } else if (seg.size() > 1 && text.compare(i, seg.size(), seg) == 0) {
      out.push_back(ps);
      i += seg.size();
      m.breaks.emplace_back(out.size(), i);
    } else {
      out.push_back(text[i]);
      ++i;
    }
  }
  n->owned = std::move(out);
  n->component_text = comp;
  n->segment_text = seg;
  n->component_placeholder = pc;
  n->segment_placeholder = ps;
  return true;
}

Diagnostic Note(Severity s, const char* rule, std::string message) {
  Diagnostic d;
  d.severity = s;
  d.level = Level::kFile;
  d.rule = rule;
  d.message = std::move(message);
  return d;
}

bool HasNonAscii(std::string_view s) {
  // Eight bytes at a time: any high bit set.
  size_t i = 0;
  uint64_t acc = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    acc |= w;
    if ((i & 4095) == 0 && (acc & 0x8080808080808080ull) != 0) return true;
  }
  if ((acc & 0x8080808080808080ull) != 0) return true;
  for (; i < s.size(); ++i) {
    if (U(s[i]) >= 0x80) return true;
  }
  return false;
}

}  // namespace

bool NeedsWholeFile(std::string_view head, bool complete) {
  Sniff sn = SniffEncoding(head);
  if (sn.kind == Kind::kUtf16Le || sn.kind == Kind::kUtf16Be || sn.kind == Kind::kEbcdic ||
      sn.kind == Kind::kUtf32) {
    return true;
  }
  IsaDelims d = FindIsaDelims(head.substr(sn.bom));
  if (!d.found) return !complete;  // cannot tell yet: be safe
  return d.comp_len > 1 || d.seg_len > 1;
}

Result<Normalized> Normalize(std::string_view input) {
  Normalized n;
  if (input.empty()) return Error(Code::kInvalidArgument, "empty input: no X12 interchange");
  Sniff sn = SniffEncoding(input);
  std::string_view text = input;
  switch (sn.kind) {
    case Kind::kUtf32:
      return Error(Code::kUnsupported,
                   "input looks UTF-32 encoded; X12 must be ASCII, UTF-8, UTF-16 or EBCDIC",
                   "byte 0");
    case Kind::kUtf8Bom:
      n.encoding = Encoding::kUtf8Bom;
      text = input.substr(3);
      n.map.skip = 3;
      break;
    case Kind::kUtf16Le:
    case Kind::kUtf16Be: {
      bool le = sn.kind == Kind::kUtf16Le;
      n.encoding = le ? Encoding::kUtf16Le : Encoding::kUtf16Be;
      TranscodeUtf16(input, sn.bom, le, &n);
      n.map.identity = false;
      n.notes.push_back(Note(Severity::kInfo, "transcoded",
                             std::string("input is ") + EncodingName(n.encoding) +
                                 "; transcoded to UTF-8 before reading"));
      text = n.owned;
      break;
    }
    case Kind::kEbcdic: {
      n.encoding = Encoding::kEbcdic;
      n.owned.resize(input.size());
      for (size_t i = 0; i < input.size(); ++i) {
        n.owned[i] = static_cast<char>(kCp037ToLatin1[U(input[i])]);
      }
      n.latin1 = true;
      n.notes.push_back(Note(Severity::kInfo, "transcoded",
                             "input is EBCDIC (code page 037); transcoded to Latin-1 before "
                             "reading"));
      text = n.owned;
      break;
    }
    default:
      n.encoding = HasNonAscii(input) ? Encoding::kUtf8 : Encoding::kAscii;
      break;
  }
  if (n.encoding == Encoding::kUtf8Bom && n.notes.empty()) {
    n.notes.push_back(Note(Severity::kInfo, "utf8-bom", "UTF-8 byte-order mark skipped"));
  }
  if (!n.latin1) {
    IsaDelims d = FindIsaDelims(text);
    if (d.found && (d.comp_len > 1 || d.seg_len > 1)) {
      std::string transcoded;
      bool had_copy = !n.owned.empty();
      if (had_copy) transcoded = std::move(n.owned);
      std::string_view src = had_copy ? std::string_view(transcoded) : text;
      if (!had_copy) {
        // Stage 1 becomes the BOM skip.
        n.map.transcode.unit = 1;
        n.map.transcode.breaks = {{0, n.map.skip}};
      }
      if (ReplaceMultibyte(&n, src, d)) {
        n.map.identity = false;
        n.notes.push_back(Note(Severity::kInfo, "multibyte-delimiter",
                               "multi-byte delimiter (component '" + n.component_text +
                                   "', terminator '" + n.segment_text +
                                   "') mapped to single placeholder bytes"));
        text = n.owned;
      } else if (had_copy) {
        n.owned = std::move(transcoded);
        text = n.owned;
      }
    }
  }
  n.needs_whole_file = n.encoding == Encoding::kUtf16Le || n.encoding == Encoding::kUtf16Be ||
                       n.encoding == Encoding::kEbcdic || !n.component_text.empty() ||
                       !n.segment_text.empty();
  if (!n.needs_whole_file) n.input_skip = static_cast<size_t>(n.map.skip);
  (void)text;
  return n;
}

}  // namespace detail
}  // namespace crossdock::x12
