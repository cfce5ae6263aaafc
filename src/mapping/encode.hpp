// Encode: canonical document -> the bytes a partner takes, through its profile's outbound route
// (X12 with the partner's identity, delimiters, version and persistent control numbers; CSV
// through its column map; JSON through its jq program). Pure apart from the control-number
// callback.
#pragma once

#include <functional>
#include <string>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "model/any.hpp"

namespace crossdock::mapping {

struct EncodeOptions {
  // Next control number of a kind ("isa", "gs", "st") for the partner; persistent in the hub.
  std::function<Result<int64_t>(const std::string& kind)> next_control;
  const Clock* clock = nullptr;
};

struct Encoded {
  std::string format;        // x12, csv, json
  std::string content_type;  // application/edi-x12, text/csv, application/json
  std::string bytes;
  std::string control;  // ISA13 for X12
};

// Fails with kFailedPrecondition when the partner has no outbound route for the document type,
// kInvalidArgument when the document cannot be expressed in the partner's format.
Result<Encoded> Encode(const config::Config& cfg, const config::Partner& partner,
                       const model::CanonicalDocument& doc, const EncodeOptions& opts);

// GS01 functional identifier for a transaction set (850 -> PO, 855 -> PR, ...).
std::string FunctionalId(const std::string& set_id);

}  // namespace crossdock::mapping
