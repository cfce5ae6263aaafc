// Decode: a partner's raw bytes -> canonical documents, business exceptions and (for X12) the
// acknowledgment to send back. Pure: no I/O, no clock, no store; the pipeline step and the
// `crossdock partner check` dry run share it, so what the dry run shows is what the hub does.
//
// Outcome levels:
//  - Result error: the bytes cannot be read at all in the format their content type claims
//    (not X12, malformed JSON, a CSV quote never closed). The caller records it as an
//    `unreadable_document` exception; the raw bytes are kept.
//  - A document that reads but does not fit the model (a required field missing, a bad
//    decimal) becomes an `invalid_document` exception naming every field; it is not emitted.
//  - A document that fits is enriched and checked; its business exceptions travel with it and
//    an error-severity one holds it.
//  - X12: each transaction set is accepted or rejected on its own (one bad set never fails its
//    neighbours) and the acknowledgment says which.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/result.hpp"
#include "model/any.hpp"

namespace crossdock::mapping {

struct DecodedDocument {
  model::CanonicalDocument doc;
  std::string json;  // canonical JSON
  std::string business_key;
  std::vector<model::BusinessException> exceptions;
  bool held = false;   // an error-severity exception holds the document
  std::string source;  // where in the input: "ISA 000000905 / GS 1 / ST 0001 (855)", "CSV rows 2-4"
};

struct InterchangeInfo {
  std::string key;  // "<ISA05>/<ISA06>/<ISA13>", the duplicate-detection key
  std::string control;
  std::string sender;
  std::string receiver;
  bool duplicate = false;
  std::string original_message_id;  // when duplicate
  int sets = 0;
  int sets_accepted = 0;
  int sets_rejected = 0;
};

struct DecodeResult {
  std::string format;  // x12, csv, json
  std::vector<DecodedDocument> documents;
  // Problems that stopped a document from being produced (invalid_document, unmapped_set, ...)
  // and syntax problems of X12 sets, as exceptions.
  std::vector<model::BusinessException> exceptions;
  std::vector<InterchangeInfo> interchanges;
  std::vector<std::string> diagnostics;  // X12 syntax diagnostics as text, positioned
  std::string ack;       // X12 acknowledgment to send back (997/999/TA1), empty if none
  std::string ack_type;  // "997", "999", "TA1"
};

struct DecodeOptions {
  std::string message_id;
  // Recognises an interchange seen before: returns the original message id, or nullopt.
  std::function<std::optional<std::string>(const std::string& key)> seen_interchange;
  // Control numbers for the acknowledgment's ISA13 / GS06 ("isa", "gs" per partner).
  std::function<Result<int64_t>(const std::string& kind)> next_control;
  std::string today;  // YYYYMMDD for the acknowledgment envelope (the caller owns the clock)
  std::string now_hhmm;
  // The body is canonical JSON of this type (the hub's own API), not the partner's format.
  std::string canonical_type;
};

// "x12", "csv" or "json" for a content type, "" if unsupported.
std::string FormatOf(std::string_view content_type);

Result<DecodeResult> Decode(const config::Config& cfg, const config::Partner& partner,
                            std::string_view content_type, std::string_view payload,
                            const DecodeOptions& opts);

// A human-readable report of a decode (for the dry-run CLI).
std::string DescribeDecode(const DecodeResult& r);

}  // namespace crossdock::mapping
