// CSV <-> canonical through a partner's column map.
//
// A column map names, for each canonical field path, the CSV column it comes from:
//   po_number: "PO"                       a header field, taken from the group's first row
//   lines[].item.partner_item_id: "Item"  a line field: every row adds one line
//   lines[].quantity.value: "Qty"
// `constants` give fixed values for paths the file does not carry (lines[].quantity.uom: EA).
// With `group_by` (a header path), a new document starts whenever that column's value changes,
// so one file may hold many documents; otherwise the file is one document. Parsing follows RFC
// 4180 (quoted fields, doubled quotes, CR LF or LF). Every problem names the row and column.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/result.hpp"

namespace crossdock::mapping {

// Splits CSV text into rows of fields. Error names the row where a quote is left open.
Result<std::vector<std::vector<std::string>>> ParseCsv(std::string_view text, char delimiter);

struct CsvDocument {
  std::string json;            // canonical JSON (not yet validated against the model)
  int first_row = 0;           // 1-based row numbers in the file, header included
  std::vector<int> line_rows;  // row of each lines[] entry
};

// The canonical JSON documents in a CSV file.
Result<std::vector<CsvDocument>> CsvToCanonical(std::string_view text,
                                                const config::CsvMapping& map);

// Canonical JSON -> CSV (a header row when the mapping has one, then a row per line).
Result<std::string> CanonicalToCsv(std::string_view canonical_json, const config::CsvMapping& map);

}  // namespace crossdock::mapping
