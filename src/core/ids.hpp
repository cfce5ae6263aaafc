// Time-ordered identifiers: UUIDv7 (RFC 9562). Ids created later sort after ids created earlier,
// also within one millisecond (a monotonic counter fills the random bits' top).
#pragma once

#include <string>

#include "core/clock.hpp"

namespace crossdock {

// "0193a6b4-7c1e-7a3b-9f00-1c2d3e4f5a6b"
std::string NewId();
std::string NewIdAt(TimePoint t);
// True for the canonical 36-character lowercase hex-with-dashes form.
bool IsValidId(std::string_view s);

}  // namespace crossdock
