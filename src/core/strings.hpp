// Small string helpers used across layers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace crossdock {

std::string_view Trim(std::string_view s);
std::vector<std::string_view> Split(std::string_view s, char sep);
bool IEquals(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
// Appends s to out as a JSON string literal, quotes included.
void AppendJsonString(std::string* out, std::string_view s);
std::string JsonString(std::string_view s);
// True when s is valid UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view s);
// Decodes %XX and '+' in a URL query component.
std::string UrlDecode(std::string_view s);

}  // namespace crossdock
