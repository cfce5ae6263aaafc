// Transaction-set specs: the data the validator checks a set against.
//
// Specs are text files under src/edi/x12/specs/ (format in specs/README.md), embedded into the
// library at build time; SpecRegistry::Embedded() parses them once. A *dictionary* file defines,
// per X12 version, data elements (reference number, type AN/ID/Nn/R/DT/TM, min/max length),
// code lists (closed = complete, open = known-incomplete), composites and segments (element
// order, M/O/X requirement, repeats, syntax rules P/R/E/C/L). A *set* file gives the segment
// order of one transaction set: segments and nested loops with requirement and maximum use.
//
// Guarantees: Load() rejects a spec that is inconsistent (unknown element, segment or version,
// a loop whose first entry is not a segment, positions out of order) with an error naming the
// file and line; a registry that loaded is fully resolved: every reference is an index, so
// validation does no name lookups. Spec data never contains business meaning beyond X12's own.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace crossdock::x12 {

enum class DataType : uint8_t { kAN, kID, kN, kR, kDT, kTM, kB };
enum class Usage : uint8_t { kMandatory, kOptional, kConditional };
const char* DataTypeName(DataType t);

namespace code_key {
// Packs 1 to 7 bytes (little-endian) above the length: distinct strings give distinct keys,
// never 0. Two overlapping loads instead of a loop over the bytes: for 4-7 bytes the first four
// and the last four (the bytes they share are equal, so OR-ing them is the plain packing).
inline uint64_t PackCode(std::string_view v) {
  const size_t n = v.size();
  const char* p = v.data();
  uint64_t k;
  if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    k = lo | (uint64_t{hi} << (8 * (n - 4)));
  } else if (n >= 2) {
    uint16_t lo, hi;
    std::memcpy(&lo, p, 2);
    std::memcpy(&hi, p + n - 2, 2);
    k = lo | (uint64_t{hi} << (8 * (n - 2)));
  } else {
    k = n == 1 ? static_cast<unsigned char>(p[0]) : 0;
  }
  return (k << 8) | n;
}
inline uint64_t Mix(uint64_t k) {
  k ^= k >> 29;
  k *= 0xBF58476D1CE4E5B9ull;
  return k ^ (k >> 32);
}
}  // namespace code_key

struct CodeList {
  bool closed = true;              // false: the list is known to be incomplete
  std::vector<std::string> codes;  // sorted, unique
  // Codes of up to 7 characters packed with their length into integers, sorted: the lookup the
  // validator does for every coded element compares integers, not strings.
  std::vector<uint64_t> keys;
  // Open-addressing table over `keys` (power-of-two size, 0 = empty slot).
  std::vector<uint64_t> table;
  // Inline: the validator asks it for every coded element.
  bool Contains(std::string_view v) const {
    if (v.size() > 7) return ContainsLong(v);
    if (v.empty()) return false;
    return ContainsKey(code_key::PackCode(v));
  }
  // k = PackCode of a value of 1 to 7 bytes.
  bool ContainsKey(uint64_t k) const {
    if (table.empty()) return false;
    const size_t mask = table.size() - 1;
    for (size_t i = code_key::Mix(k) & mask;; i = (i + 1) & mask) {
      if (table[i] == k) return true;
      if (table[i] == 0) return false;
    }
  }
  bool ContainsLong(std::string_view v) const;
};

struct ElementDef {
  uint16_t ref = 0;  // X12 data element reference number (AK402)
  DataType type = DataType::kAN;
  uint8_t decimals = 0;  // implied decimals for Nn
  uint16_t min_len = 1;
  uint16_t max_len = 1;
  int32_t codes = -1;  // index into Dictionary::code_lists, -1 = none
  std::string name;
};

struct ElementUse {
  Usage usage = Usage::kOptional;
  bool composite = false;
  uint32_t def = 0;  // index into elements or composites
  uint16_t repeat = 1;
  // The code list that applies here: the spec's override for this use, else (simple elements)
  // the element's own; -1 = none.
  int32_t codes = -1;
  // With a code list: this use's own slot (numbered across the dictionary) in the validator's
  // memory of the last good code, so each position remembers its own (PO106 UP, PO108 VN).
  uint32_t code_slot = 0;
  // Simple elements: copied from the ElementDef at load so the validator's check of a good value
  // reads only this struct.
  DataType type = DataType::kAN;
  uint16_t min_len = 1;
  uint16_t max_len = 1;
};

// X12 syntax notes: P paired, R at least one, E at most one, C if first then all others,
// L if first then at least one other.
struct SyntaxRule {
  char kind = 'P';
  uint8_t lowest = 0;              // smallest position: a rule past the last element is moot
  std::vector<uint8_t> positions;  // 1-based
  // Bit p-1 for each position p; the validator checks a rule against a bit set of the elements
  // present. 0 when a position is beyond 64 (then it checks position by position).
  uint64_t mask = 0;
  uint64_t first = 0;  // bit of positions[0]
};

struct CompositeDef {
  std::string id;
  std::string name;
  std::vector<ElementUse> components;
  std::vector<SyntaxRule> rules;
};

struct SegmentDef {
  std::string tag;
  std::string name;
  bool open = false;            // elements not described: any content accepted
  uint16_t last_mandatory = 0;  // position of the last mandatory element (0 = none)
  std::vector<ElementUse> elements;
  std::vector<SyntaxRule> rules;
};

class Dictionary {
 public:
  std::string version;
  std::vector<ElementDef> elements;
  std::vector<CompositeDef> composites;
  std::vector<SegmentDef> segments;
  std::vector<CodeList> code_lists;
  uint32_t code_slots = 0;  // uses with a code list (ElementUse::code_slot < code_slots)

  const ElementDef* FindElement(uint16_t ref) const;
  const SegmentDef* FindSegment(std::string_view tag) const;
  int32_t FindSegmentIndex(std::string_view tag) const;
};

inline uint32_t TagKey(std::string_view tag) {
  uint32_t k = 0;
  for (size_t i = 0; i < tag.size() && i < 4; ++i) {
    k = (k << 8) | static_cast<unsigned char>(tag[i]);
  }
  return k;
}

struct StructNode {
  enum class Kind : uint8_t { kSegment, kLoop };
  Kind kind = Kind::kSegment;
  uint32_t segment = 0;  // segment definition (for a loop: its first segment)
  uint32_t tag_key = 0;  // TagKey of that segment
  Usage usage = Usage::kOptional;
  uint32_t max_use = 1;              // 0 = unbounded (">1")
  std::string loop_id;               // loops: identifier reported in AK303
  bool hl = false;                   // loops: an HL hierarchy (856); HL01/HL02 are checked
  std::vector<StructNode> children;  // loops: children[0] is the first segment
  // loops: next_mandatory[c] is the first mandatory child at index >= c (children.size() when
  // none); one entry more than children.
  std::vector<uint32_t> next_mandatory;
  // Loops: (tag key, child index) sorted, so the validator finds "the next child with this
  // tag at or after position p" by binary search instead of a scan.
  std::vector<std::pair<uint32_t, uint32_t>> by_tag;
  // The first child with tag `key` at index >= from, or UINT32_MAX.
  uint32_t FindChild(uint32_t key, uint32_t from) const;
  // Loops: where this loop's positions start in the set's step numbering (SetSpec::steps): the
  // validator remembers, per (loop, position), where the last segment seen there led.
  uint32_t step_base = 0;
  uint32_t line = 0;
};

class SpecRegistry;

struct SetSpec {
  std::string id;                // "850"
  std::string version;           // "004010"
  std::string functional_group;  // "PO"
  std::string name;
  std::string source;  // spec file it came from
  StructNode root;     // a pseudo-loop holding the top-level entries, ST first
  const Dictionary* dict = nullptr;
  uint32_t steps = 0;  // (loop, position) pairs: each loop's children plus one
};

struct EmbeddedSpecFile {
  const char* path;
  const char* text;
};
// Generated at build time from specs/ (x12_specs_embedded.cpp).
const std::vector<EmbeddedSpecFile>& EmbeddedSpecFiles();

class SpecRegistry {
 public:
  SpecRegistry();
  ~SpecRegistry();
  SpecRegistry(SpecRegistry&&) noexcept;
  SpecRegistry& operator=(SpecRegistry&&) noexcept;

  // files: (path, text) pairs in any order.
  static Result<SpecRegistry> Load(const std::vector<std::pair<std::string, std::string>>& files);
  static Result<SpecRegistry> LoadEmbedded();
  // The embedded specs, parsed once. Empty if they failed to load (a unit test guards that).
  static const SpecRegistry& Embedded();

  struct Match {
    const SetSpec* spec = nullptr;
    bool exact = false;  // false: a spec of a nearby version of the same release was used
  };
  // `version` is GS08 (e.g. "004010VICS", "005010X222A1"); its first six characters pick the
  // release. Falls back to the closest lower release with the same major version.
  Match Find(std::string_view set_id, std::string_view version) const;
  const Dictionary* dictionary(std::string_view version) const;
  std::vector<const SetSpec*> sets() const;
  size_t size() const { return sets_.size(); }

 private:
  std::vector<std::unique_ptr<Dictionary>> dicts_;
  std::vector<std::unique_ptr<SetSpec>> sets_;
};

}  // namespace crossdock::x12
