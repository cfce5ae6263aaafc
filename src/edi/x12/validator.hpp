// Validator: checks one transaction set against its spec and returns the loop tree plus every
// defect as a Diagnostic carrying the AK3/AK4 (IK3/IK4) codes an acknowledgment needs.
//
// Guarantees: ValidateSet never fails and never throws; it reports — segment order and loop
// nesting (HL loops included, with HL01/HL02 parent links), mandatory segments and loops,
// maximum use and loop repeats, unknown segments, element requirement (M/O/X with the syntax
// notes P/R/E/C/L), data types AN/ID/Nn/R/DT/TM, minimum/maximum length, code lists,
// components and repetitions. Spec lookups are pre-resolved indices: no maps, no allocation per
// element on the hot path. A set whose ST01/version has no spec gets one warning
// ("no-spec") and a flat tree; envelope defects are the reader's job, not repeated here.
#pragma once

#include <cstdint>
#include <vector>

#include "edi/x12/diagnostic.hpp"
#include "edi/x12/document.hpp"
#include "edi/x12/segment.hpp"
#include "edi/x12/spec.hpp"

namespace crossdock::x12 {

struct ValidateOptions {
  bool build_tree = true;
  bool check_hl = true;
  size_t max_diagnostics = 1000;  // per set
};

// One node of the loop tree, stored in pre-order. A loop node is one repetition of a loop; its
// children are the nodes up to `end`.
struct TreeNode {
  enum class Kind : uint8_t { kSegment, kLoop };
  Kind kind = Kind::kSegment;
  uint32_t segment = 0;              // index in the set of the segment (the loop's first one)
  uint32_t end = 0;                  // index in the tree past this node's subtree
  const StructNode* spec = nullptr;  // nullptr for a segment the spec does not place
};

struct SetValidation {
  const SetSpec* spec = nullptr;
  bool exact_version = true;  // false when a spec of a nearby release was used
  std::vector<Diagnostic> diagnostics;
  std::vector<TreeNode> tree;
  bool truncated = false;

  size_t error_count() const { return CountAtLeast(diagnostics, Severity::kError); }
};

// `ic`, `group` and `set` say where the set is (for diagnostic locations and the version).
SetValidation ValidateSet(const SetView& segments, const Interchange& ic,
                          const FunctionalGroup& group, const TransactionSet& set,
                          const SpecRegistry& specs = SpecRegistry::Embedded(),
                          const ValidateOptions& opts = {});

// Results for every set of a document, indexed by TransactionSet::global_index.
struct DocumentValidation {
  std::vector<SetValidation> sets;
  const SetValidation* For(const TransactionSet& s) const {
    return s.global_index < sets.size() ? &sets[s.global_index] : nullptr;
  }
  size_t error_count() const;
};

DocumentValidation ValidateDocument(const Document& doc,
                                    const SpecRegistry& specs = SpecRegistry::Embedded(),
                                    const ValidateOptions& opts = {});

// Reusable validator for streaming: keeps its buffers between sets.
class Validator {
 public:
  explicit Validator(const SpecRegistry& specs = SpecRegistry::Embedded(),
                     ValidateOptions opts = {});
  ~Validator();
  Validator(const Validator&) = delete;
  Validator& operator=(const Validator&) = delete;
  // Validates into `out` (cleared first), reusing its capacity.
  void Validate(const SetView& segments, const Interchange& ic, const FunctionalGroup& group,
                const TransactionSet& set, SetValidation* out);

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace crossdock::x12
