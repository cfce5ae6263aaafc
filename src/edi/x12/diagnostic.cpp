#include "edi/x12/diagnostic.hpp"

#include <string>

namespace crossdock::x12 {

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
    case Severity::kFatal:
      return "fatal";
  }
  return "error";
}

const char* LevelName(Level l) {
  switch (l) {
    case Level::kFile:
      return "file";
    case Level::kInterchange:
      return "interchange";
    case Level::kGroup:
      return "group";
    case Level::kSet:
      return "set";
    case Level::kSegment:
      return "segment";
    case Level::kElement:
      return "element";
  }
  return "file";
}

std::string FormatDiagnostic(const Diagnostic& d) {
  std::string out = SeverityName(d.severity);
  const Location& w = d.where;
  if (w.interchange >= 0) {
    out += " isa#" + std::to_string(w.interchange + 1);
    if (w.group >= 0) out += "/gs#" + std::to_string(w.group + 1);
    if (w.set >= 0) out += "/st#" + std::to_string(w.set + 1);
    if (!w.st02.empty()) out += " ST02=" + w.st02;
  }
  if (w.segment_in_set > 0) out += " seg " + std::to_string(w.segment_in_set);
  if (w.segment_in_file > 0) out += " (file seg " + std::to_string(w.segment_in_file) + ")";
  if (!w.segment_id.empty()) out += " " + w.segment_id;
  if (w.element > 0) {
    out += " el " + std::to_string(w.element);
    if (w.component > 0) out += "." + std::to_string(w.component);
    if (w.repetition > 0) out += " rep " + std::to_string(w.repetition);
  }
  out += ": " + d.rule + ": " + d.message;
  out += " [byte " + std::to_string(w.offset) + "]";
  return out;
}

size_t CountAtLeast(const std::vector<Diagnostic>& ds, Severity min) {
  size_t n = 0;
  for (const auto& d : ds) n += d.severity >= min ? 1 : 0;
  return n;
}

}  // namespace crossdock::x12
