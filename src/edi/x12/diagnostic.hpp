// Diagnostic: one defect found in a partner's X12 document.
//
// Defects are data, not errors: the reader and the validator return them next to what they
// parsed, so the caller can still route, store and acknowledge the document. Each diagnostic
// carries where it is (interchange/group/set index and control numbers, segment position in the
// set and in the file, element/component/repetition position, byte offset in the original input)
// and the X12 codes an acknowledgment needs: TA105 note code, AK905 group code, AK502 set code,
// AK304 segment code, AK403 element code, AK402 element reference number and the AK404 copy of
// the bad value. A code of 0 means "not applicable at that level".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace crossdock::x12 {

enum class Severity : uint8_t {
  kInfo = 0,     // worth knowing (a tolerated file artefact); never in an acknowledgment
  kWarning = 1,  // suspicious but accepted (a code outside a known-incomplete list)
  kError = 2,    // the enclosing set/group/interchange is rejected
  kFatal = 3,    // the reader could not continue with this interchange
};
const char* SeverityName(Severity s);

enum class Level : uint8_t { kFile, kInterchange, kGroup, kSet, kSegment, kElement };
const char* LevelName(Level l);

// TA105 interchange note codes (X12 element I18).
namespace ta1 {
inline constexpr uint16_t kControlNumberMismatch = 1;
inline constexpr uint16_t kVersionNotSupported = 3;
inline constexpr uint16_t kInvalidSegmentTerminator = 4;
inline constexpr uint16_t kInvalidSenderQualifier = 5;
inline constexpr uint16_t kInvalidSenderId = 6;
inline constexpr uint16_t kInvalidReceiverQualifier = 7;
inline constexpr uint16_t kInvalidReceiverId = 8;
inline constexpr uint16_t kInvalidAuthQualifier = 10;
inline constexpr uint16_t kInvalidAuthValue = 11;
inline constexpr uint16_t kInvalidSecurityQualifier = 12;
inline constexpr uint16_t kInvalidSecurityValue = 13;
inline constexpr uint16_t kInvalidDate = 14;
inline constexpr uint16_t kInvalidTime = 15;
inline constexpr uint16_t kInvalidStandardsId = 16;
inline constexpr uint16_t kInvalidVersionId = 17;
inline constexpr uint16_t kInvalidControlNumber = 18;
inline constexpr uint16_t kInvalidAckRequested = 19;
inline constexpr uint16_t kInvalidTestIndicator = 20;
inline constexpr uint16_t kInvalidGroupCount = 21;
inline constexpr uint16_t kInvalidControlStructure = 22;
inline constexpr uint16_t kPrematureEnd = 23;
inline constexpr uint16_t kInvalidContent = 24;
inline constexpr uint16_t kDuplicateControlNumber = 25;
inline constexpr uint16_t kInvalidElementSeparator = 26;
inline constexpr uint16_t kInvalidComponentSeparator = 27;
}  // namespace ta1

// AK905..AK909 / 999 AK905.. functional group syntax error codes (element 716).
namespace ak9 {
inline constexpr uint16_t kNotSupported = 1;
inline constexpr uint16_t kVersionNotSupported = 2;
inline constexpr uint16_t kTrailerMissing = 3;
inline constexpr uint16_t kControlNumberMismatch = 4;
inline constexpr uint16_t kCountMismatch = 5;
inline constexpr uint16_t kControlNumberSyntax = 6;
inline constexpr uint16_t kControlNumberNotUnique = 19;
}  // namespace ak9

// AK502..AK506 / IK502.. transaction set syntax error codes (element 718 / 618).
namespace ak5 {
inline constexpr uint16_t kNotSupported = 1;
inline constexpr uint16_t kTrailerMissing = 2;
inline constexpr uint16_t kControlNumberMismatch = 3;
inline constexpr uint16_t kCountMismatch = 4;
inline constexpr uint16_t kSegmentsInError = 5;
inline constexpr uint16_t kInvalidSetId = 6;
inline constexpr uint16_t kInvalidControlNumber = 7;
inline constexpr uint16_t kControlNumberNotUnique = 23;
}  // namespace ak5

// AK304 / IK304 segment syntax error codes (element 720 / 620).
namespace ak3 {
inline constexpr uint16_t kUnrecognizedSegment = 1;
inline constexpr uint16_t kUnexpectedSegment = 2;
inline constexpr uint16_t kMandatorySegmentMissing = 3;
inline constexpr uint16_t kLoopOverMaximum = 4;
inline constexpr uint16_t kSegmentOverMaximumUse = 5;
inline constexpr uint16_t kNotInDefinedSet = 6;
inline constexpr uint16_t kOutOfSequence = 7;
inline constexpr uint16_t kElementErrors = 8;
}  // namespace ak3

// AK403 / IK403 data element syntax error codes (element 723 / 621).
namespace ak4 {
inline constexpr uint16_t kMandatoryMissing = 1;
inline constexpr uint16_t kConditionalMissing = 2;
inline constexpr uint16_t kTooManyElements = 3;
inline constexpr uint16_t kTooShort = 4;
inline constexpr uint16_t kTooLong = 5;
inline constexpr uint16_t kInvalidCharacter = 6;
inline constexpr uint16_t kInvalidCode = 7;
inline constexpr uint16_t kInvalidDate = 8;
inline constexpr uint16_t kInvalidTime = 9;
inline constexpr uint16_t kExclusionViolated = 10;
inline constexpr uint16_t kTooManyRepetitions = 12;
inline constexpr uint16_t kTooManyComponents = 13;
}  // namespace ak4

struct Location {
  int32_t interchange = -1;  // 0-based index of the interchange in the file; -1 = none
  int32_t group = -1;        // 0-based index of the group in its interchange
  int32_t set = -1;          // 0-based index of the set in its group
  std::string isa13;         // control numbers of the enclosing envelopes ("" when none)
  std::string gs06;
  std::string st02;
  uint32_t segment_in_set = 0;   // 1-based, ST is 1; 0 when not inside a set
  uint64_t segment_in_file = 0;  // 1-based ordinal of the segment in the file; 0 = none
  std::string segment_id;        // tag of the segment concerned
  std::string loop_id;           // AK303 loop identifier, when known
  uint16_t element = 0;          // 1-based element position; 0 = the segment as a whole
  uint16_t component = 0;        // 1-based component position; 0 = none
  uint16_t repetition = 0;       // 1-based repetition position; 0 = none
  uint64_t offset = 0;           // byte offset in the original input
};

struct Diagnostic {
  Severity severity = Severity::kError;
  Level level = Level::kFile;
  std::string rule;     // short stable name of the rule broken, e.g. "se01-count"
  std::string message;  // what is wrong, in words
  Location where;
  uint16_t ta1_code = 0;
  uint16_t ak9_code = 0;
  uint16_t ak5_code = 0;
  uint16_t ak3_code = 0;
  uint16_t ak4_code = 0;
  uint16_t element_ref = 0;  // AK402 data element reference number
  std::string bad_value;     // AK404 copy of the bad data (at most 99 bytes)

  bool is_error() const { return severity >= Severity::kError; }
};

// "error seg 12 (file 15) N1 el 3: element-too-long: ... [byte 311]"; stable, one line.
std::string FormatDiagnostic(const Diagnostic& d);

// Number of diagnostics at or above `min`.
size_t CountAtLeast(const std::vector<Diagnostic>& ds, Severity min);

}  // namespace crossdock::x12
