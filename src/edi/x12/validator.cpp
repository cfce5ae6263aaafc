#include "edi/x12/validator.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_set>

namespace crossdock::x12 {

namespace {

inline unsigned char U(char c) { return static_cast<unsigned char>(c); }

inline bool TagChar(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

inline bool IsTag(std::string_view t) {
  if (t.size() < 2 || t.size() > 3 || !(t[0] >= 'A' && t[0] <= 'Z') || !TagChar(t[1])) return false;
  return t.size() == 2 || TagChar(t[2]);
}

int DaysInMonth(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return kDays[m - 1];
}

int Num(std::string_view v, size_t at, size_t n) {
  int r = 0;
  for (size_t i = 0; i < n; ++i) r = r * 10 + (v[at + i] - '0');
  return r;
}

bool AllDigits(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool ValidDate(std::string_view v) {
  if ((v.size() != 8 && v.size() != 6) || !AllDigits(v)) return false;
  size_t off = v.size() - 6;
  int y = v.size() == 8 ? Num(v, 0, 4) : 2000 + Num(v, 0, 2);
  int m = Num(v, off + 2, 2);
  int d = Num(v, off + 4, 2);
  return m >= 1 && m <= 12 && d >= 1 && d <= DaysInMonth(y, m);
}

bool ValidTime(std::string_view v) {
  if (v.size() < 4 || v.size() > 8 || v.size() == 5 || !AllDigits(v)) return false;
  if (Num(v, 0, 2) > 23 || Num(v, 2, 2) > 59) return false;
  if (v.size() >= 6 && Num(v, 4, 2) > 59) return false;
  return true;
}

// Digits of an N value (optional leading minus), or -1 when it is not one.
inline int NumericDigits(std::string_view v) {
  size_t i = 0;
  if (!v.empty() && v[0] == '-') i = 1;
  if (i == v.size()) return -1;
  int n = 0;
  for (; i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9') return -1;
    ++n;
  }
  return n;
}

// Digits of an R value (sign and point not counted), or -1 when it is not one.
inline int DecimalDigits(std::string_view v, bool allow_exponent) {
  size_t i = 0;
  if (!v.empty() && (v[0] == '-' || (allow_exponent && v[0] == '+'))) i = 1;
  int digits = 0;
  bool point = false;
  for (; i < v.size(); ++i) {
    char c = v[i];
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c == '.' && !point) {
      point = true;
    } else if (allow_exponent && (c == 'E' || c == 'e') && digits > 0) {
      size_t k = i + 1;
      if (k < v.size() && v[k] == '-') ++k;
      if (k == v.size()) return -1;
      for (; k < v.size(); ++k) {
        if (v[k] < '0' || v[k] > '9') return -1;
      }
      return digits;
    } else {
      return -1;
    }
  }
  return digits > 0 ? digits : -1;
}

std::string Pos2(size_t n) { return (n < 10 ? "0" : "") + std::to_string(n); }

// Eight bytes at a time (SWAR). kOnes has one in every byte, kHigh the high bit of every byte.
constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHigh = 0x8080808080808080ULL;

// Non-zero when some byte of w is zero.
inline uint64_t HasZeroByte(uint64_t w) { return (w - kOnes) & ~w & kHigh; }

// Non-zero when some byte of w lies outside printable ASCII (0x20-0x7E). With no high bit set
// the additions carry into no other byte: b + 0x60 keeps its high bit clear only for b < 0x20,
// and b + 1 sets it only for b = 0x7F.
inline uint64_t NotPrintable(uint64_t w) {
  return (w & kHigh) | (~(w + 0x60 * kOnes) & kHigh) | ((w + kOnes) & kHigh);
}

// What one pass over a segment's bytes (its elements and the separators between them) says.
struct SegmentBytes {
  bool component = false;   // holds the component separator somewhere
  bool repetition = false;  // holds the repetition separator somewhere
  bool printable = false;   // every byte printable ASCII: element values need no byte check
};

SegmentBytes ScanBytes(const char* b, const char* e, char comp, char rep, bool sep_printable) {
  const uint64_t bc = kOnes * static_cast<unsigned char>(comp);
  const uint64_t br = kOnes * static_cast<unsigned char>(rep);
  uint64_t bad = 0, has_comp = 0, has_rep = 0;
  auto add = [&](uint64_t w) {
    bad |= NotPrintable(w);
    has_comp |= HasZeroByte(w ^ bc);
    has_rep |= HasZeroByte(w ^ br);
  };
  if (e - b >= 8) {
    const char* last = e - 8;
    for (; b < last; b += 8) {
      uint64_t w;
      std::memcpy(&w, b, 8);
      add(w);
    }
    // The last eight bytes, overlapping what was seen: these checks only accumulate.
    uint64_t w;
    std::memcpy(&w, last, 8);
    add(w);
  } else {
    for (; b < e; ++b) {
      const unsigned char c = U(*b);
      bad |= (c < 0x20 || c >= 0x7F) ? 1 : 0;
      has_comp |= c == static_cast<unsigned char>(comp) ? 1 : 0;
      has_rep |= c == static_cast<unsigned char>(rep) ? 1 : 0;
    }
  }
  SegmentBytes r;
  r.component = comp != 0 && has_comp != 0;
  r.repetition = rep != 0 && has_rep != 0;
  r.printable = sep_printable && bad == 0;
  return r;
}

inline bool Printable(char c) { return U(c) >= 0x20 && U(c) != 0x7F && U(c) < 0x80; }

}  // namespace

struct Validator::Impl {
  const SpecRegistry& specs;
  ValidateOptions opts;

  struct Frame {
    const StructNode* node;
    uint32_t pos;              // child matched last
    uint32_t base;             // this frame's counts start in `counts`
    uint32_t index_in_parent;  // which child of the parent this loop is
    uint32_t tree_node;        // index of this iteration's TreeNode
  };
  // The open levels, innermost last. A vector that only grows and a depth, so that pushing a
  // level (once per loop repetition) is a store, not a call.
  struct FrameStack {
    std::vector<Frame> v;
    size_t n = 0;
    size_t size() const { return n; }
    Frame& back() { return v[n - 1]; }
    const Frame& back() const { return v[n - 1]; }
    Frame& operator[](size_t i) { return v[i]; }
    const Frame* begin() const { return v.data(); }
    const Frame* end() const { return v.data() + n; }
    void push_back(const Frame& f) {
      if (n == v.size()) v.resize(n * 2 + 16);
      v[n++] = f;
    }
    void pop_back() { --n; }
    void clear() { n = 0; }
  };
  FrameStack stack;
  // Uses of each child of each open frame; the first n_counts entries are live. The vector only
  // grows, so opening a frame is a memset, not a vector insert.
  std::vector<uint32_t> counts;
  size_t n_counts = 0;
  std::unordered_set<std::string_view> hl_ids;
  std::string cached_id_, cached_version_ = "\x01";
  SpecRegistry::Match cached_;
  std::unordered_set<std::string_view> hl_parents;
  struct HlChild {
    std::string_view id;
    bool says_children;
    uint32_t seg_index;
  };
  std::vector<HlChild> hl_children;

  // Context of the current run.
  const SetView* set = nullptr;
  const Interchange* ic = nullptr;
  const FunctionalGroup* group = nullptr;
  const TransactionSet* ts = nullptr;
  SetValidation* out = nullptr;
  const Dictionary* dict = nullptr;
  // Per use of a code list in `dict` (ElementUse::code_slot), the key of the last value found
  // good there (0 = none).
  std::vector<uint64_t> last_code;
  // Per segment of `dict`, the last set of present elements its syntax rules were found to
  // hold for (kNoBits = none yet): segments of one kind repeat with the same elements present.
  static constexpr uint64_t kNoBits = ~uint64_t{0};
  std::vector<uint64_t> rules_held;
  char comp = 0, rep = 0;
  bool sep_printable = false;  // the element separator is printable ASCII
  bool v5010 = false;

  Impl(const SpecRegistry& s, ValidateOptions o) : specs(s), opts(o) {}

  Diagnostic Make(Severity sev, Level level, const char* rule, std::string msg, uint32_t seg_index,
                  std::string_view value = {}, uint16_t element = 0, uint16_t component = 0,
                  uint16_t repetition = 0) {
    Diagnostic d;
    d.severity = sev;
    d.level = level;
    d.rule = rule;
    d.message = std::move(msg);
    Location& w = d.where;
    w.interchange = ic->index;
    w.isa13 = ic->isa[13];
    w.group = group->index;
    w.gs06 = group->gs[6];
    w.set = ts->index;
    w.st02 = ts->control;
    if (seg_index < set->size()) {
      SegmentView seg = set->segment(seg_index);
      w.segment_in_set = seg_index + 1;
      w.segment_in_file = seg.ordinal();
      w.segment_id = std::string(seg.tag());
      w.offset = seg.offset();
      if (element > 0 && value.data() != nullptr) w.offset = set->OffsetOf(value, seg);
    }
    for (size_t i = stack.size(); i > 1; --i) {
      if (!stack[i - 1].node->loop_id.empty()) {
        w.loop_id = stack[i - 1].node->loop_id;
        break;
      }
    }
    w.element = element;
    w.component = component;
    w.repetition = repetition;
    if (element > 0) d.bad_value = std::string(value.substr(0, 99));
    return d;
  }

  void Emit(Diagnostic d) {
    if (out->diagnostics.size() >= opts.max_diagnostics) {
      out->truncated = true;
      return;
    }
    out->diagnostics.push_back(std::move(d));
  }

  void ElementError(uint16_t code, const char* rule, std::string msg, uint32_t seg_index,
                    std::string_view value, uint16_t element, uint16_t component,
                    uint16_t repetition, uint16_t ref, Severity sev = Severity::kError) {
    Diagnostic d = Make(sev, Level::kElement, rule, std::move(msg), seg_index, value, element,
                        component, repetition);
    d.ak3_code = ak3::kElementErrors;
    d.ak4_code = code;
    d.element_ref = ref;
    Emit(std::move(d));
  }

  void SegmentError(uint16_t code, const char* rule, std::string msg, uint32_t seg_index,
                    std::string_view tag = {}) {
    Diagnostic d = Make(Severity::kError, Level::kSegment, rule, std::move(msg), seg_index);
    if (!tag.empty()) d.where.segment_id = std::string(tag);
    d.ak3_code = code;
    Emit(std::move(d));
  }

  // ----- element level -----

  // Runs only for a value ValueOk turned down, to say what is wrong with it.
  [[gnu::noinline]] void CheckValue(std::string_view v, const ElementDef& e, int32_t codes,
                                    uint32_t seg_index, uint16_t element, uint16_t component,
                                    uint16_t repetition) {
    // Built only when something is reported: this runs for every element.
    auto Name = [&]() {
      return std::string(set->segment(seg_index).tag()) + Pos2(element) +
             (component ? "-" + Pos2(component) : std::string());
    };
    size_t len = 0;
    switch (e.type) {
      case DataType::kN: {
        int d = NumericDigits(v);
        if (d < 0) {
          return ElementError(ak4::kInvalidCharacter, "invalid-numeric",
                              Name() + " '" + std::string(v.substr(0, 40)) + "' is not numeric (N" +
                                  std::to_string(e.decimals) + ")",
                              seg_index, v, element, component, repetition, e.ref);
        }
        len = static_cast<size_t>(d);
        break;
      }
      case DataType::kR: {
        int d = DecimalDigits(v, v5010);
        if (d < 0) {
          return ElementError(
              ak4::kInvalidCharacter, "invalid-decimal",
              Name() + " '" + std::string(v.substr(0, 40)) + "' is not a decimal number (R)",
              seg_index, v, element, component, repetition, e.ref);
        }
        len = static_cast<size_t>(d);
        break;
      }
      case DataType::kDT:
        if (!ValidDate(v)) {
          return ElementError(ak4::kInvalidDate, "invalid-date",
                              Name() + " '" + std::string(v.substr(0, 40)) +
                                  "' is not a valid date (CCYYMMDD or YYMMDD)",
                              seg_index, v, element, component, repetition, e.ref);
        }
        len = v.size();
        break;
      case DataType::kTM:
        if (!ValidTime(v)) {
          return ElementError(ak4::kInvalidTime, "invalid-time",
                              Name() + " '" + std::string(v.substr(0, 40)) +
                                  "' is not a valid time (HHMM[SS[D[D]]])",
                              seg_index, v, element, component, repetition, e.ref);
        }
        len = v.size();
        break;
      case DataType::kB:
        return;
      case DataType::kAN:
      case DataType::kID:
        for (char c : v) {
          unsigned char u = U(c);
          if (u < 0x20 || u == 0x7F) {
            return ElementError(ak4::kInvalidCharacter, "invalid-character",
                                Name() + " contains a control character", seg_index, v, element,
                                component, repetition, e.ref);
          }
          len += (u & 0xC0) == 0x80 ? 0 : 1;
        }
        break;
    }
    if (len < e.min_len) {
      return ElementError(ak4::kTooShort, "element-too-short",
                          Name() + " '" + std::string(v.substr(0, 40)) + "' is shorter than " +
                              std::to_string(e.min_len),
                          seg_index, v, element, component, repetition, e.ref);
    }
    if (len > e.max_len) {
      return ElementError(ak4::kTooLong, "element-too-long",
                          Name() + " is " + std::to_string(len) + " long; the maximum is " +
                              std::to_string(e.max_len),
                          seg_index, v, element, component, repetition, e.ref);
    }
    if (codes >= 0) {
      const CodeList& cl = dict->code_lists[static_cast<size_t>(codes)];
      if (!cl.Contains(v)) {
        ElementError(ak4::kInvalidCode, cl.closed ? "invalid-code" : "unknown-code",
                     Name() + " '" + std::string(v.substr(0, 40)) + "' is not " +
                         (cl.closed ? "a valid code" : "a known code (the list is incomplete)") +
                         " for element " + std::to_string(e.ref),
                     seg_index, v, element, component, repetition, e.ref,
                     cl.closed ? Severity::kError : Severity::kWarning);
      }
    }
  }

  template <typename Get>
  void CheckRules(const std::vector<SyntaxRule>& rules, Get present_value, size_t count,
                  uint64_t present_bits, uint32_t seg_index, uint16_t element_of_composite,
                  const std::vector<ElementUse>& uses) {
    for (const SyntaxRule& r : rules) {
      // Every element of a P, E, C or L rule lies past the last one present: nothing to check.
      if (r.kind != 'R' && r.lowest > count) continue;
      // Decided on the bit set of present elements; a rule that holds costs a few instructions,
      // one that is broken is reported below.
      if (r.mask != 0 && !RuleBroken(r, present_bits)) continue;
      auto present = [&](uint8_t p) { return !present_value(p).empty(); };
      // Fast path: a conditional rule whose first element is absent says nothing, and P/E rules
      // with no element present neither.
      if ((r.kind == 'C' || r.kind == 'L') && !present(r.positions[0])) continue;
      auto ref_at = [&](uint8_t p) -> uint16_t {
        const ElementUse& u = uses[p - 1];
        return u.composite ? 0 : dict->elements[u.def].ref;
      };
      auto report = [&](uint16_t code, uint8_t p, const std::string& what) {
        uint16_t el = element_of_composite ? element_of_composite : p;
        uint16_t co = element_of_composite ? p : 0;
        ElementError(
            code, code == ak4::kExclusionViolated ? "exclusion-violated" : "conditional-required",
            std::string(set->segment(seg_index).tag()) + " syntax rule " + r.kind + RuleText(r) +
                ": " + what,
            seg_index, present_value(p), el, co, 0, ref_at(p));
      };
      size_t n_present = 0;
      for (uint8_t p : r.positions) n_present += present(p) ? 1 : 0;
      switch (r.kind) {
        case 'P':
          if (n_present > 0 && n_present < r.positions.size()) {
            for (uint8_t p : r.positions) {
              if (!present(p)) {
                report(ak4::kConditionalMissing, p,
                       "element " + Pos2(p) + " is required when the others are present");
                break;
              }
            }
          }
          break;
        case 'R':
          if (n_present == 0) {
            report(ak4::kConditionalMissing, r.positions[0], "at least one is required");
          }
          break;
        case 'E':
          if (n_present > 1) {
            bool first = true;
            for (uint8_t p : r.positions) {
              if (!present(p)) continue;
              if (!first) {
                report(ak4::kExclusionViolated, p, "only one of them may be present");
                break;
              }
              first = false;
            }
          }
          break;
        case 'C':
          if (present(r.positions[0])) {
            for (size_t k = 1; k < r.positions.size(); ++k) {
              if (!present(r.positions[k])) {
                report(ak4::kConditionalMissing, r.positions[k],
                       "element " + Pos2(r.positions[k]) + " is required when element " +
                           Pos2(r.positions[0]) + " is present");
              }
            }
          }
          break;
        case 'L':
          if (present(r.positions[0]) && n_present == 1 && r.positions.size() > 1) {
            report(ak4::kConditionalMissing, r.positions[1],
                   "one of the elements after " + Pos2(r.positions[0]) + " is required");
          }
          break;
        default:
          break;
      }
    }
  }

  // A rule with a mask, against the bit set of present elements (bit p-1 for position p).
  static bool RuleBroken(const SyntaxRule& r, uint64_t present_bits) {
    const uint64_t pm = present_bits & r.mask;
    switch (r.kind) {
      case 'P':
        return pm != 0 && pm != r.mask;
      case 'R':
        return pm == 0;
      case 'E':
        return (pm & (pm - 1)) != 0;
      case 'C':
        return (pm & r.first) != 0 && pm != r.mask;
      case 'L':
        return pm == r.first && r.mask != r.first;
      default:
        return false;
    }
  }

  static std::string RuleText(const SyntaxRule& r) {
    std::string s;
    for (uint8_t p : r.positions) s += Pos2(p);
    return s;
  }

  void CheckComposite(std::string_view v, const CompositeDef& c, uint32_t seg_index,
                      uint16_t element, uint16_t repetition, bool printable) {
    std::string_view parts[32];
    size_t n = 0;
    PartIterator it(v, comp);
    std::string_view part;
    bool too_many = false;
    while (it.Next(&part)) {
      if (n < c.components.size() && n < 32) {
        parts[n++] = part;
      } else {
        too_many = true;
      }
    }
    if (too_many) {
      ElementError(ak4::kTooManyComponents, "too-many-components",
                   std::string(set->segment(seg_index).tag()) + Pos2(element) + " has more than " +
                       std::to_string(c.components.size()) + " components",
                   seg_index, v, element, static_cast<uint16_t>(c.components.size() + 1),
                   repetition, 0);
    }
    for (size_t k = 0; k < c.components.size(); ++k) {
      const ElementUse& u = c.components[k];
      std::string_view pv = k < n ? parts[k] : std::string_view();
      const ElementDef& e = dict->elements[u.def];
      auto co = static_cast<uint16_t>(k + 1);
      if (pv.empty()) {
        if (u.usage == Usage::kMandatory) {
          ElementError(ak4::kMandatoryMissing, "mandatory-component-missing",
                       std::string(set->segment(seg_index).tag()) + Pos2(element) + "-" + Pos2(co) +
                           " (" + e.name + ") is required",
                       seg_index, v, element, co, repetition, e.ref);
        }
        continue;
      }
      if (ValueOk(pv, u, printable)) continue;
      CheckValue(pv, e, u.codes, seg_index, element, co, repetition);
    }
    if (!c.rules.empty()) {
      uint64_t bits = 0;
      for (size_t k = 0; k < n; ++k) bits |= parts[k].empty() ? 0 : uint64_t{1} << k;
      CheckRules(
          c.rules,
          [&](uint8_t p) -> std::string_view { return p <= n ? parts[p - 1] : std::string_view(); },
          n, bits, seg_index, element, c.components);
    }
  }

  void CheckElements(const SegmentView& seg, const SegmentDef& def, uint32_t seg_index) {
    const size_t n = seg.size();
    const size_t defined = def.elements.size();
    // One pass over the whole segment, eight bytes at a time, says whether it holds a component
    // or repetition separator at all and whether every byte is printable ASCII; most segments
    // hold neither separator and are plain ASCII, so their values need no look at each byte.
    bool seg_comp = false, seg_rep = false, printable = false;
    if (n > 0) {
      const char* b = seg.element(1).data();
      std::string_view last = seg.element(n);
      const char* e = last.data() + last.size();
      if (b != nullptr && e > b) {
        SegmentBytes sb = ScanBytes(b, e, comp, rep, sep_printable);
        seg_comp = sb.component;
        seg_rep = sb.repetition;
        printable = sb.printable;
      }
    }
    uint64_t present_bits = 0;
    if (n > defined) {
      // Trailing empty elements past the definition are still too many (X12.6), reported once.
      auto pos = static_cast<uint16_t>(defined + 1);
      ElementError(ak4::kTooManyElements, "too-many-elements",
                   def.tag + " has " + std::to_string(n) + " elements; the definition has " +
                       std::to_string(defined),
                   seg_index, seg.element(pos), pos, 0, 0, 0);
    }
    // Past the last element present only a missing mandatory element can be wrong.
    const size_t upto = std::min(defined, std::max<size_t>(n, def.last_mandatory));
    // Element i is els[i - 1]; both arrays read through plain pointers held in registers.
    const std::string_view* els = seg.elements_begin();
    const ElementUse* uses = def.elements.data();
    // The elements the segment has (up to the definition); the defined ones it lacks follow.
    const size_t have = std::min(n, upto);
    for (size_t i = 1; i <= have; ++i) {
      const ElementUse& u = uses[i - 1];
      const std::string_view v = els[i - 1];
      auto el = static_cast<uint16_t>(i);
      if (v.empty()) {
        if (u.usage == Usage::kMandatory) MissingElement(def, u, i, seg_index, v);
        continue;
      }
      present_bits |= uint64_t{i <= 64} << ((i - 1) & 63);
      // One pass over the value finds both separators (values are short; memchr calls cost
      // more than the bytes).
      bool has_rep = false, has_comp = false;
      if (seg_comp || seg_rep) {
        for (char ch : v) {
          has_rep |= ch == rep;
          has_comp |= ch == comp;
        }
        has_rep &= seg_rep;
        has_comp &= seg_comp;
      }
      // Repetitions (005010 repeating elements).
      if (has_rep) {
        PartIterator reps(v, rep);
        std::string_view r;
        uint16_t k = 0;
        while (reps.Next(&r)) {
          ++k;
          if (k > u.repeat) {
            ElementError(
                ak4::kTooManyRepetitions, "too-many-repetitions",
                def.tag + Pos2(i) + " repeats more than " + std::to_string(u.repeat) + " times",
                seg_index, v, el, 0, k, u.composite ? 0 : dict->elements[u.def].ref);
            break;
          }
          if (r.empty()) continue;
          CheckOne(r, u, seg_index, el, u.repeat > 1 ? k : 0,
                   comp != 0 && r.find(comp) != std::string_view::npos, printable);
        }
        continue;
      }
      CheckOne(v, u, seg_index, el, 0, has_comp, printable);
    }
    for (size_t i = have + 1; i <= upto; ++i) {
      if (uses[i - 1].usage == Usage::kMandatory) {
        MissingElement(def, uses[i - 1], i, seg_index, std::string_view());
      }
    }
    // Rules are looked at in full (and reported) only when one of them is broken; a segment
    // with the same elements present as the last time its rules held needs no look at all.
    if (def.rules.empty()) return;
    uint64_t& held = rules_held[static_cast<size_t>(&def - dict->segments.data())];
    if (present_bits == held && present_bits != kNoBits) return;
    bool rules_hold = true;
    for (const SyntaxRule& r : def.rules) {
      if (r.mask == 0 || RuleBroken(r, present_bits)) {
        rules_hold = false;
        break;
      }
    }
    if (rules_hold) {
      held = present_bits;
    } else {
      CheckRules(
          def.rules, [&](uint8_t p) { return seg.element(p); }, n, present_bits, seg_index, 0,
          def.elements);
    }
  }

  [[gnu::noinline]] void MissingElement(const SegmentDef& def, const ElementUse& u, size_t i,
                                        uint32_t seg_index, std::string_view v) {
    const std::string nm = u.composite ? dict->composites[u.def].name : dict->elements[u.def].name;
    uint16_t ref = u.composite ? 0 : dict->elements[u.def].ref;
    ElementError(ak4::kMandatoryMissing, "mandatory-element-missing",
                 def.tag + Pos2(i) + " (" + nm + ") is required", seg_index, v,
                 static_cast<uint16_t>(i), 0, 0, ref);
  }

  // Inlined: it runs once per element.
  [[gnu::always_inline]] void CheckOne(std::string_view v, const ElementUse& u, uint32_t seg_index,
                                       uint16_t el, uint16_t repetition, bool has_comp,
                                       bool printable) {
    if (u.composite) {
      CheckComposite(v, dict->composites[u.def], seg_index, el, repetition, printable);
      return;
    }
    if (!has_comp && ValueOk(v, u, printable)) return;
    const ElementDef& e = dict->elements[u.def];
    if (has_comp) {
      ElementError(ak4::kTooManyComponents, "unexpected-component",
                   std::string(set->segment(seg_index).tag()) + Pos2(el) +
                       " is a simple element but contains the component separator",
                   seg_index, v, el, 0, repetition, e.ref);
      return;
    }
    CheckValue(v, e, u.codes, seg_index, el, 0, repetition);
  }

  // True when CheckValue would report nothing; decided without building anything, so the
  // common case (a good value) stays inline and CheckValue runs only to report.
  [[gnu::always_inline]] bool ValueOk(std::string_view v, const ElementUse& e, bool printable) {
    size_t len;
    switch (e.type) {
      case DataType::kAN:
      case DataType::kID:
        if (!printable) return false;
        len = v.size();
        break;
      case DataType::kN: {
        int d = NumericDigits(v);
        if (d < 0) return false;
        len = static_cast<size_t>(d);
        break;
      }
      case DataType::kR: {
        int d = DecimalDigits(v, v5010);
        if (d < 0) return false;
        len = static_cast<size_t>(d);
        break;
      }
      case DataType::kDT:
        if (!ValidDate(v)) return false;
        len = v.size();
        break;
      case DataType::kTM:
        if (!ValidTime(v)) return false;
        len = v.size();
        break;
      default:
        return false;
    }
    if (len < e.min_len || len > e.max_len) return false;
    return e.codes < 0 || CodeOk(e, v);
  }

  // Code list membership with a one-entry memory per use: partners repeat the same codes
  // (EA, UP, BY ...) line after line, and a repeat costs one compare instead of a hash probe.
  [[gnu::always_inline]] bool CodeOk(const ElementUse& e, std::string_view v) {
    const CodeList& cl = dict->code_lists[static_cast<size_t>(e.codes)];
    if (v.empty() || v.size() > 7) return cl.Contains(v);
    const uint64_t k = code_key::PackCode(v);
    uint64_t& last = last_code[e.code_slot];
    if (last == k) return true;
    if (!cl.ContainsKey(k)) return false;
    last = k;
    return true;
  }

  // ----- structure -----

  // Per (loop, position) of the current spec (StructNode::step_base + position): the tag seen
  // there last and where it led. key 0 = nothing yet (no tag packs to 0).
  static constexpr uint32_t kNotHere = UINT32_MAX;     // not a child here: look one level out
  static constexpr uint32_t kRepeat = UINT32_MAX - 1;  // a new repetition of this loop
  struct Step {
    uint32_t key = 0;
    uint32_t found = kNotHere;  // the child it is, kRepeat or kNotHere
  };
  std::vector<Step> steps;
  const SetSpec* steps_spec = nullptr;

  // Where `key` goes from frame f: the next child with that tag at or after the current
  // position (a loop's first child only through kRepeat), a new repetition of the loop, or
  // nothing at this level.
  static uint32_t Search(const Frame& f, bool is_loop, uint32_t key) {
    const uint32_t start = is_loop && f.pos == 0 ? 1 : f.pos;
    const auto& ch = f.node->children;
    const auto nch = static_cast<uint32_t>(ch.size());
    // Segments mostly come in spec order: look at the next few children before the binary
    // search over all of them.
    const uint32_t stop = std::min(nch, start + 4);
    uint32_t c = start;
    for (; c < stop; ++c) {
      if (ch[c].tag_key == key) return c;
    }
    const uint32_t found = c < nch ? f.node->FindChild(key, c) : UINT32_MAX;
    if (found != UINT32_MAX) return found;
    return is_loop && f.node->tag_key == key ? kRepeat : kNotHere;
  }

  void OpenTreeLoop(const StructNode* node, uint32_t seg_index, Frame* f) {
    if (!opts.build_tree) return;
    f->tree_node = static_cast<uint32_t>(out->tree.size());
    TreeNode t;
    t.kind = TreeNode::Kind::kLoop;
    t.segment = seg_index;
    t.spec = node;
    out->tree.push_back(t);
  }
  void CloseTreeLoop(const Frame& f) {
    if (!opts.build_tree || f.node == &out->spec->root) return;
    out->tree[f.tree_node].end = static_cast<uint32_t>(out->tree.size());
  }
  [[gnu::flatten]] void AddTreeSegment(uint32_t seg_index, const StructNode* spec) {
    if (!opts.build_tree) return;
    TreeNode t;
    t.kind = TreeNode::Kind::kSegment;
    t.segment = seg_index;
    t.spec = spec;
    t.end = static_cast<uint32_t>(out->tree.size() + 1);
    out->tree.push_back(t);
  }

  // Reports mandatory children of frame f not used in [from, to). The check is inline; the
  // report is not.
  [[gnu::always_inline]] void MissingBetween(const Frame& f, uint32_t from, uint32_t to,
                                             uint32_t at_seg) {
    if (from >= to) return;
    const uint32_t* next = f.node->next_mandatory.data();
    for (uint32_t c = next[from]; c < to; c = next[c + 1]) {
      if (counts[f.base + c] == 0) return ReportMissing(f, from, to, at_seg);
    }
  }

  [[gnu::noinline]] void ReportMissing(const Frame& f, uint32_t from, uint32_t to,
                                       uint32_t at_seg) {
    const auto& ch = f.node->children;
    const uint32_t* next = f.node->next_mandatory.data();
    for (uint32_t c = next[from]; c < to; c = next[c + 1]) {
      if (counts[f.base + c] == 0) {
        const SegmentDef& sd = dict->segments[ch[c].segment];
        bool loop = ch[c].kind == StructNode::Kind::kLoop;
        SegmentError(ak3::kMandatorySegmentMissing,
                     loop ? "mandatory-loop-missing" : "mandatory-segment-missing",
                     (loop ? "mandatory loop " + ch[c].loop_id + " (" + sd.tag + ")"
                           : "mandatory segment " + sd.tag) +
                         " is missing" +
                         (f.node->loop_id.empty() ? "" : " in loop " + f.node->loop_id),
                     at_seg, sd.tag);
      }
    }
  }

  void PushFrame(const StructNode* node, uint32_t index_in_parent, uint32_t seg_index) {
    Frame f;
    f.node = node;
    f.pos = 0;
    f.base = static_cast<uint32_t>(n_counts);
    f.index_in_parent = index_in_parent;
    f.tree_node = 0;
    const size_t need = n_counts + node->children.size();
    if (counts.size() < need) counts.resize(need * 2);
    std::memset(counts.data() + n_counts, 0, node->children.size() * sizeof(uint32_t));
    n_counts = need;
    counts[f.base] = 1;  // the segment that started this repetition
    OpenTreeLoop(node, seg_index, &f);
    stack.push_back(f);
  }

  void PopFrame(uint32_t at_seg) {
    Frame f = stack.back();
    MissingBetween(f, f.pos, static_cast<uint32_t>(f.node->children.size()), at_seg);
    CloseTreeLoop(f);
    n_counts = f.base;
    stack.pop_back();
  }

  // Where a tag appears earlier at an open level: the segment came out of order.
  bool SeenEarlier(uint32_t key) const {
    for (const Frame& f : stack) {
      for (uint32_t c = 0; c < f.pos && c < f.node->children.size(); ++c) {
        if (f.node->children[c].tag_key == key) return true;
      }
    }
    return false;
  }

  static bool InTree(const StructNode& n, uint32_t key) {
    if (n.tag_key == key) return true;
    for (const auto& c : n.children) {
      if (InTree(c, key)) return true;
    }
    return false;
  }

  void CheckHl(const SegmentView& seg, uint32_t seg_index) {
    std::string_view id = seg.element(1), parent = seg.element(2);
    if (!id.empty() && !hl_ids.insert(id).second) {
      ElementError(ak4::kInvalidCode, "hl-duplicate-id",
                   "HL01 '" + std::string(id) + "' is used by an earlier HL in this set", seg_index,
                   id, 1, 0, 0, 628);
    }
    if (!parent.empty()) {
      if (parent == id || hl_ids.find(parent) == hl_ids.end() || parent == std::string_view()) {
        ElementError(ak4::kInvalidCode, "hl-unknown-parent",
                     "HL02 '" + std::string(parent) + "' does not name an earlier HL01 in this set",
                     seg_index, parent, 2, 0, 0, 734);
      } else {
        hl_parents.insert(parent);
      }
    }
    std::string_view child_code = seg.element(4);
    if (!id.empty() && (child_code == "0" || child_code == "1")) {
      hl_children.push_back({id, child_code == "1", seg_index});
    }
  }

  // HL04 says whether an HL has children; checked once the whole set has been seen.
  void CheckHlChildren() {
    for (const auto& h : hl_children) {
      bool has = hl_parents.count(h.id) > 0;
      if (has == h.says_children) continue;
      SegmentView seg = set->segment(h.seg_index);
      ElementError(ak4::kInvalidCode, "hl-child-code",
                   "HL04 of HL '" + std::string(h.id) + "' says " +
                       (h.says_children ? "it has children, but no HL names it as parent"
                                        : "it has no children, but a later HL names it as parent"),
                   h.seg_index, seg.element(4), 4, 0, 0, 736, Severity::kWarning);
    }
  }

  void Run(const SetView& s, const Interchange& i, const FunctionalGroup& g,
           const TransactionSet& t, SetValidation* o) {
    set = &s;
    ic = &i;
    group = &g;
    ts = &t;
    out = o;
    out->spec = nullptr;
    out->exact_version = true;
    out->diagnostics.clear();
    out->tree.clear();
    out->truncated = false;
    stack.clear();
    n_counts = 0;
    hl_ids.clear();
    hl_parents.clear();
    hl_children.clear();
    comp = ic->delimiters.component;
    rep = ic->delimiters.repetition;
    sep_printable = Printable(ic->delimiters.element);

    std::string_view version = group->gs[8];
    if (version.empty()) version = ic->isa[12];  // e.g. TA1-only or implicit groups
    if (t.id != cached_id_ || version != cached_version_) {
      cached_id_ = t.id;
      cached_version_ = std::string(version);
      cached_ = specs.Find(t.id, version);
    }
    const SpecRegistry::Match match = cached_;
    if (match.spec == nullptr) {
      Diagnostic d = Make(Severity::kWarning, Level::kSet, "no-spec",
                          "no spec for transaction set " + t.id + " version '" +
                              std::string(version) + "'; only the envelope was checked",
                          0);
      d.ak5_code = ak5::kNotSupported;
      Emit(std::move(d));
      if (opts.build_tree) {
        for (uint32_t k = 0; k < s.size(); ++k) AddTreeSegment(k, nullptr);
      }
      return;
    }
    const SetSpec& spec = *match.spec;
    out->spec = &spec;
    if (steps_spec != &spec) {
      steps_spec = &spec;
      steps.assign(spec.steps, Step{});
    }
    out->exact_version = match.exact;
    if (dict != spec.dict) {
      dict = spec.dict;
      last_code.assign(dict->code_slots, 0);
      rules_held.assign(dict->segments.size(), kNoBits);
    }
    v5010 = dict->version >= "005010";
    if (!match.exact) {
      Emit(Make(Severity::kInfo, Level::kSet, "spec-version-fallback",
                "no " + t.id + " spec for version '" + std::string(version) +
                    "'; validated against " + spec.version,
                0));
    }

    Frame root;
    root.node = &spec.root;
    root.pos = 0;
    root.base = 0;
    root.index_in_parent = 0;
    root.tree_node = 0;
    n_counts = spec.root.children.size();
    if (counts.size() < n_counts) counts.resize(n_counts * 2);
    std::memset(counts.data(), 0, n_counts * sizeof(uint32_t));
    stack.push_back(root);
    if (opts.build_tree) out->tree.reserve(s.size() * 2);

    const uint32_t n = static_cast<uint32_t>(s.size());
    for (uint32_t k = 0; k < n; ++k) {
      SegmentView seg = s.segment(k);
      std::string_view tag = seg.tag();
      if (!IsTag(tag)) {
        AddTreeSegment(k, nullptr);  // the reader already reported the bad identifier
        continue;
      }
      const uint32_t key = TagKey(tag);
      const StructNode* placed = nullptr;
      // Search the open levels, innermost first.
      size_t level = stack.size();
      while (level > 0) {
        Frame& f = stack[level - 1];
        // Where `key` leads from this loop and position: the same as the last time it was seen
        // here (sets repeat their shape line after line), else searched and remembered.
        Step& step = steps[f.node->step_base + f.pos];
        if (step.key != key) {
          step.key = key;
          step.found = Search(f, level > 1, key);
        }
        const uint32_t found = step.found;
        if (found < kRepeat) {
          while (stack.size() > level) PopFrame(k);
          Frame& top = stack.back();
          MissingBetween(top, top.pos, found, k);
          top.pos = found;
          const StructNode& node = top.node->children[found];
          uint32_t& used = counts[top.base + found];
          ++used;
          if (node.kind == StructNode::Kind::kSegment) {
            if (node.max_use != 0 && used > node.max_use) {
              SegmentError(ak3::kSegmentOverMaximumUse, "segment-over-max-use",
                           std::string(tag) + " is used more than " + std::to_string(node.max_use) +
                               " time(s) here",
                           k);
            }
            AddTreeSegment(k, &node);
            placed = &node;
          } else {
            if (node.max_use != 0 && used > node.max_use) {
              SegmentError(ak3::kLoopOverMaximum, "loop-over-max",
                           "loop " + node.loop_id + " repeats more than " +
                               std::to_string(node.max_use) + " times",
                           k);
            }
            PushFrame(&node, found, k);
            AddTreeSegment(k, &node.children[0]);
            placed = &node.children[0];
          }
          break;
        }
        if (found == kRepeat) {
          // A new repetition of this loop.
          while (stack.size() > level) PopFrame(k);
          Frame cur = stack.back();
          const StructNode* node = cur.node;
          uint32_t idx = cur.index_in_parent;
          PopFrame(k);
          Frame& parent = stack.back();
          uint32_t& used = counts[parent.base + idx];
          ++used;
          if (node->max_use != 0 && used > node->max_use) {
            SegmentError(ak3::kLoopOverMaximum, "loop-over-max",
                         "loop " + node->loop_id + " repeats more than " +
                             std::to_string(node->max_use) + " times",
                         k);
          }
          PushFrame(node, idx, k);
          AddTreeSegment(k, &node->children[0]);
          placed = &node->children[0];
          break;
        }
        --level;
      }
      if (placed == nullptr) {
        bool in_set = InTree(spec.root, key);
        if (in_set && SeenEarlier(key)) {
          SegmentError(ak3::kOutOfSequence, "segment-out-of-sequence",
                       std::string(tag) + " is not in its proper place (it belongs earlier)", k);
        } else if (in_set) {
          SegmentError(ak3::kUnexpectedSegment, "unexpected-segment",
                       std::string(tag) + " is not expected at this point of the set", k);
        } else {
          SegmentError(ak3::kNotInDefinedSet, "segment-not-in-set",
                       std::string(tag) + " is not defined in transaction set " + spec.id + " " +
                           spec.version,
                       k);
        }
        AddTreeSegment(k, nullptr);
        continue;
      }
      const SegmentDef& def = dict->segments[placed->segment];
      if (!def.open) CheckElements(seg, def, k);
      if (opts.check_hl && stack.size() > 1 && stack.back().node->hl &&
          placed == &stack.back().node->children[0]) {
        CheckHl(seg, k);
      }
    }
    // Close everything; SE is the last child of the root, so missing trailer segments are found.
    uint32_t last = n == 0 ? 0 : n - 1;
    while (stack.size() > 1) PopFrame(last);
    MissingBetween(stack.back(), stack.back().pos, static_cast<uint32_t>(spec.root.children.size()),
                   last);
    stack.clear();
    if (!hl_children.empty()) CheckHlChildren();
  }
};

Validator::Validator(const SpecRegistry& specs, ValidateOptions opts)
    : impl_(new Impl(specs, opts)) {}
Validator::~Validator() { delete impl_; }

void Validator::Validate(const SetView& segments, const Interchange& ic,
                         const FunctionalGroup& group, const TransactionSet& set,
                         SetValidation* out) {
  impl_->Run(segments, ic, group, set, out);
}

SetValidation ValidateSet(const SetView& segments, const Interchange& ic,
                          const FunctionalGroup& group, const TransactionSet& set,
                          const SpecRegistry& specs, const ValidateOptions& opts) {
  Validator v(specs, opts);
  SetValidation out;
  v.Validate(segments, ic, group, set, &out);
  return out;
}

size_t DocumentValidation::error_count() const {
  size_t n = 0;
  for (const auto& s : sets) n += s.error_count();
  return n;
}

DocumentValidation ValidateDocument(const Document& doc, const SpecRegistry& specs,
                                    const ValidateOptions& opts) {
  DocumentValidation out;
  out.sets.resize(doc.set_count());
  Validator v(specs, opts);
  for (const auto& ic : doc.interchanges) {
    for (const auto& g : ic.groups) {
      for (const auto& s : g.sets) {
        if (s.global_index < out.sets.size()) {
          v.Validate(doc.set_view(s), ic, g, s, &out.sets[s.global_index]);
        }
      }
    }
  }
  return out;
}

}  // namespace crossdock::x12
