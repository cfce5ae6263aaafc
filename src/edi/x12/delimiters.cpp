#include "edi/x12/delimiters.hpp"

#include <cstdio>

namespace crossdock::x12 {

Delimiters DefaultDelimiters() { return Delimiters{'*', ':', '^', '~', std::string(1, '\n')}; }

namespace {
bool Bad(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == ' ';
}
}  // namespace

Status CheckDelimiters(const Delimiters& d) {
  if (Bad(d.element)) return Error(Code::kInvalidArgument, "invalid element separator");
  if (Bad(d.component)) return Error(Code::kInvalidArgument, "invalid component separator");
  if (Bad(d.segment)) return Error(Code::kInvalidArgument, "invalid segment terminator");
  if (d.repetition != 0 && Bad(d.repetition)) {
    return Error(Code::kInvalidArgument, "invalid repetition separator");
  }
  if (d.element == d.component || d.element == d.segment || d.component == d.segment) {
    return Error(Code::kInvalidArgument, "element, component and segment separators must differ");
  }
  if (d.repetition != 0 &&
      (d.repetition == d.element || d.repetition == d.component || d.repetition == d.segment)) {
    return Error(Code::kInvalidArgument, "repetition separator must differ from the others");
  }
  for (char c : d.suffix) {
    if (c != '\r' && c != '\n') {
      return Error(Code::kInvalidArgument, "segment suffix may hold only CR and LF");
    }
  }
  if (!d.suffix.empty() && (d.element == '\n' || d.element == '\r' || d.component == '\n' ||
                            d.component == '\r' || d.repetition == '\n' || d.repetition == '\r')) {
    return Error(Code::kInvalidArgument, "CR/LF suffix conflicts with a CR/LF separator");
  }
  return Status::Ok();
}

std::string DescribeDelimiter(char c) {
  auto u = static_cast<unsigned char>(c);
  if (c == 0) return "none";
  if (c == '\n') return "\\n";
  if (c == '\r') return "\\r";
  if (c == '\t') return "\\t";
  if (u < 0x20 || u >= 0x7f) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02X", u);
    return buf;
  }
  return std::string(1, c);
}

}  // namespace crossdock::x12
