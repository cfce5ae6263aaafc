// JSON view of a parsed document: interchanges → groups → sets → the loop tree, loops nested,
// plus every diagnostic. For `crossdock edi parse --json` and for debugging.
//
// Guarantees: the output is valid UTF-8 JSON whatever the input bytes: element bytes that are not
// valid UTF-8 (or any byte of a transcoded EBCDIC file) are written as the Latin-1 character of
// the same value. A simple element is a string, a composite an array of strings, a repeated
// element an object {"repeats": [...]}. Output is deterministic (stable key order).
#pragma once

#include <string>
#include <string_view>

#include "edi/x12/document.hpp"
#include "edi/x12/validator.hpp"

namespace crossdock::x12 {

struct JsonOptions {
  bool pretty = false;
};

std::string DocumentToJson(const Document& doc, const DocumentValidation& validation,
                           std::string_view file_name, const JsonOptions& opts = {});

// Appends `s` as a JSON string literal (quotes included), bytes that are not UTF-8 as Latin-1.
void AppendJsonText(std::string* out, std::string_view s, bool latin1 = false);

}  // namespace crossdock::x12
