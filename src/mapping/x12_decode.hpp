// The X12 branch of Decode: envelopes, per-set validation, mapping, duplicate interchanges and
// the acknowledgment. Internal to mapping/ (use mapping/decode.hpp).
#pragma once

#include <string_view>

#include "config/config.hpp"
#include "core/result.hpp"
#include "mapping/decode.hpp"

namespace crossdock::mapping {

Status DecodeX12(const config::Config& cfg, const config::Partner& partner,
                 std::string_view payload, const DecodeOptions& opts, DecodeResult* out);

}  // namespace crossdock::mapping
