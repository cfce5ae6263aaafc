// Writer: builds X12 interchanges partners accept.
//
// Guarantees: WriteInterchange emits ISA (every field padded to its fixed width, so the ISA is
// exactly 106 characters), GS, ST ... SE, GE, IEA with SE01/GE01/IEA01 counted and SE02/GE02/IEA02
// equal to their headers. Control numbers the caller leaves empty come from a
// ControlNumberSource, one sequence per (partner, kind), so a partner's numbers never repeat
// across runs when the source is persistent. Values that contain a delimiter, fields that do not
// fit their width, or delimiters that collide are refused with an Error — never written.
// Reading the output with ReadDocument gives back the same segments and elements (trailing empty
// elements are omitted on write, as X12 requires).
//
// Element text: a composite's components are joined with kComponentMark and repetitions with
// kRepetitionMark; the writer replaces them with the interchange's separators.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "edi/x12/delimiters.hpp"

namespace crossdock::x12 {

class Document;
struct Interchange;

inline constexpr char kComponentMark = '\x1F';
inline constexpr char kRepetitionMark = '\x1E';

// Control numbers for outbound envelopes. `partner` names the trading partner sequence (e.g.
// "ZZ:ACME"), `kind` is "ISA", "GS" or "ST". Implementations persist the sequence (the store
// will); numbers start at 1 and must fit the field (ISA13 9 digits, GS06 9, ST02 4-9).
class ControlNumberSource {
 public:
  virtual ~ControlNumberSource() = default;
  [[nodiscard]] virtual Result<int64_t> Next(std::string_view partner, std::string_view kind) = 0;
};

// Thread-safe, in-memory; for tests and tools.
class InMemoryControlNumbers final : public ControlNumberSource {
 public:
  Result<int64_t> Next(std::string_view partner, std::string_view kind) override;
  // The next call for (partner, kind) returns `next`.
  void Set(std::string_view partner, std::string_view kind, int64_t next);

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, int64_t> next_;
};

struct OutSegment {
  std::string tag;
  std::vector<std::string> elements;  // element 1 first
};

struct OutSet {
  std::string id;                    // ST01
  std::string control;               // ST02; "" = next "ST" number
  std::string convention;            // ST03 (005010 implementation convention), may be ""
  std::vector<OutSegment> segments;  // between ST and SE
};

struct OutGroup {
  std::string functional_id;  // GS01
  std::string sender;         // GS02
  std::string receiver;       // GS03
  std::string date;           // GS04 CCYYMMDD; "" = now
  std::string time;           // GS05 HHMM; "" = now
  std::string control;        // GS06; "" = next "GS" number
  std::string agency = "X";   // GS07
  std::string version;        // GS08, e.g. "004010"
  std::vector<OutSet> sets;
};

struct OutInterchange {
  std::string auth_qualifier = "00";
  std::string auth;
  std::string security_qualifier = "00";
  std::string security;
  std::string sender_qualifier;
  std::string sender_id;
  std::string receiver_qualifier;
  std::string receiver_id;
  std::string date;                // ISA09 YYMMDD; "" = now
  std::string time;                // ISA10 HHMM; "" = now
  std::string standards_id = "U";  // ISA11 before version 00402
  std::string version = "00401";   // ISA12
  std::string control;             // ISA13; "" = next "ISA" number
  bool ack_requested = false;      // ISA14
  char usage = 'P';                // ISA15: P, T or I
  std::vector<OutSegment> ta1;     // TA1 segments, written before the groups
  std::vector<OutGroup> groups;
};

struct WriterOptions {
  Delimiters delimiters = DefaultDelimiters();
  // Control-number sequence key; "" = "<receiver qualifier>:<receiver id>".
  std::string partner;
  const Clock* clock = nullptr;  // nullptr = Clock::System()
  int st02_width = 4;            // generated ST02 values are zero-padded to this width
  bool trim_trailing_empty = true;
};

struct WrittenInterchange {
  std::string bytes;
  std::string isa13;
  std::vector<std::string> gs06;
  std::vector<std::string> st02;
};

[[nodiscard]] Result<WrittenInterchange> WriteInterchange(const OutInterchange& ic,
                                                          ControlNumberSource& numbers,
                                                          const WriterOptions& opts = {});

// The segments of a parsed interchange as writer input (components/repetitions mapped to the
// marks; control numbers kept), for re-enveloping and round trips.
OutInterchange ToOutInterchange(const Document& doc, const Interchange& ic);

}  // namespace crossdock::x12
