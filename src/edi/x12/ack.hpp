// Acknowledgments: TA1, 997 and 999 built from what the reader and the validator found.
//
// Guarantees: for every inbound interchange that has an ISA, BuildAcknowledgments writes at most
// one outbound interchange that mirrors it — sender and receiver swapped (ISA05/06 <-> ISA07/08,
// GS02 <-> GS03), the inbound ISA12 and usage indicator, the inbound GS08 for a 997 — with the
// per-partner overrides in AckOptions. It holds a TA1 when the envelope is broken (TA104 R/E with
// the TA105 note code) or acknowledgment was requested (ISA14 = 1), and one 997 (or 999 for
// 005010 and later) per functional group: AK1, AK2 per set (AK2 for accepted sets optional),
// AK3/IK3 per segment in error with AK4/IK4 per element (position, reference number, code, a
// copy of the bad value cleaned of the outbound delimiters), AK5/IK5, AK9. Only errors reject;
// warnings appear only when they carry an envelope code (e.g. a duplicate control number, E).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "edi/x12/document.hpp"
#include "edi/x12/validator.hpp"
#include "edi/x12/writer.hpp"

namespace crossdock::x12 {

enum class AckKind { kAuto, k997, k999 };
enum class Ta1Policy { kWhenRequestedOrBroken, kWhenBroken, kAlways, kNever };

struct AckOptions {
  AckKind kind = AckKind::kAuto;  // auto: 999 when the inbound GS08 is 005010 or later
  Ta1Policy ta1 = Ta1Policy::kWhenRequestedOrBroken;
  // Delimiters of the acknowledgment; default: the inbound ones (single-byte), "\n" suffix.
  std::optional<Delimiters> delimiters;
  std::string isa_version;                  // ISA12; "" = the inbound ISA12
  std::string gs_version;                   // GS08; "" = inbound GS08 (997) or "005010X231A1" (999)
  std::string sender_qualifier, sender_id;  // ISA05/06; "" = inbound ISA07/08
  std::string receiver_qualifier, receiver_id;  // ISA07/08; "" = inbound ISA05/06
  std::string gs_sender, gs_receiver;           // GS02/03; "" = inbound GS03/GS02
  std::string partner;  // control-number sequence; "" = "<inbound ISA05>:<inbound ISA06>"
  bool include_accepted_sets = true;     // AK2..AK5 also for accepted sets
  bool reject_unsupported_sets = false;  // a set without a spec: R with AK502 1 (else A)
  // Also acknowledge the groups of an interchange whose TA1 rejects it.
  bool ack_groups_of_rejected_interchange = false;
  char usage = 0;  // ISA15; 0 = the inbound one
  const Clock* clock = nullptr;
};

struct AckSummary {
  int interchange = 0;                   // inbound interchange index
  std::string ta1_code;                  // "A", "E", "R" or "" (no TA1)
  std::string ta1_note;                  // TA105
  std::string kind;                      // "997", "999" or ""
  std::vector<std::string> group_codes;  // AK901 per inbound group
};

struct AckResult {
  std::string bytes;  // the acknowledgment interchanges, one after the other
  std::vector<AckSummary> summaries;
};

[[nodiscard]] Result<AckResult> BuildAcknowledgments(const Document& doc,
                                                     const DocumentValidation& validation,
                                                     ControlNumberSource& numbers,
                                                     const AckOptions& opts = {});

}  // namespace crossdock::x12
