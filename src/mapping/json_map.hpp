// JSON <-> canonical through jq programs in the partner profile (libjq).
//
// Numbers in a partner's JSON reach the program as their exact decimal text (strings), so money
// and quantities never pass through a binary double: `.qty` of {"qty": 10.10} is "10.10". A
// program may emit several documents (`.orders[] | {...}`); each is one canonical document.
// Without a program the partner's JSON must already be canonical JSON.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace crossdock::mapping {

// Parses JSON, turning every number into a string holding its exact text. Errors name the byte.
Result<std::string> NumbersAsText(std::string_view json);

// Runs a jq program over JSON text; each output is one JSON text.
Result<std::vector<std::string>> RunJq(const std::string& program, std::string_view json);

// Partner JSON -> canonical JSON texts. `program` empty means identity.
Result<std::vector<std::string>> JsonToCanonical(std::string_view partner_json,
                                                 const std::string& program);
// Canonical JSON -> partner JSON (exactly one output expected).
Result<std::string> CanonicalToPartnerJson(std::string_view canonical_json,
                                           const std::string& program);

// Compiles the program to check it, without running it (for configuration checks).
Status CheckJqProgram(const std::string& program);

}  // namespace crossdock::mapping
