#include "mapping/csv_map.hpp"

#include <nlohmann/json.hpp>

#include <map>

#include "core/strings.hpp"

namespace crossdock::mapping {
namespace {

using ordered = nlohmann::ordered_json;

// "lines[].item.sku" -> {"lines", "[]", "item", "sku"}
std::vector<std::string> PathParts(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '.') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c == '[' && i + 1 < path.size() && path[i + 1] == ']') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      out.push_back("[]");
      ++i;
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

bool IsLinePath(const std::vector<std::string>& parts) {
  for (const auto& p : parts) {
    if (p == "[]") return true;
  }
  return false;
}

// Sets value at parts (after the "[]" split, relative to `node`).
void SetAt(ordered& node, const std::vector<std::string>& parts, size_t from,
           const std::string& value) {
  ordered* cur = &node;
  for (size_t i = from; i < parts.size(); ++i) {
    if (i + 1 == parts.size()) {
      (*cur)[parts[i]] = value;
    } else {
      cur = &(*cur)[parts[i]];
    }
  }
}

const ordered* GetAt(const ordered& node, const std::vector<std::string>& parts, size_t from,
                     size_t to) {
  const ordered* cur = &node;
  for (size_t i = from; i < to; ++i) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(parts[i]);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

std::string Scalar(const ordered& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

std::string Quote(const std::string& s, char delim) {
  const bool needs = s.find(delim) != std::string::npos || s.find('"') != std::string::npos ||
                     s.find('\n') != std::string::npos || s.find('\r') != std::string::npos;
  if (!needs) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace

Result<std::vector<std::vector<std::string>>> ParseCsv(std::string_view text, char delim) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  bool field_started = false;
  int line = 1;
  int quote_line = 0;
  size_t i = 0;
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // UTF-8 BOM
  auto end_row = [&] {
    row.push_back(std::move(field));
    field.clear();
    field_started = false;
    bool blank = row.size() == 1 && row[0].empty();
    if (!blank) rows.push_back(std::move(row));
    row.clear();
  };
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field.push_back(c);
      }
      continue;
    }
    if (c == '"' && !field_started) {
      quoted = true;
      field_started = true;
      quote_line = line;
    } else if (c == delim) {
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
    } else if (c == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') continue;
      end_row();
      ++line;
    } else if (c == '\n') {
      end_row();
      ++line;
    } else {
      field.push_back(c);
      field_started = true;
    }
  }
  if (quoted) {
    return Error(Code::kInvalidArgument,
                 "CSV row " + std::to_string(quote_line) + ": a quoted field is never closed");
  }
  if (field_started || !row.empty()) end_row();
  return rows;
}

Result<std::vector<CsvDocument>> CsvToCanonical(std::string_view text,
                                                const config::CsvMapping& map) {
  if (!IsValidUtf8(text)) {
    // Canonical documents are UTF-8 JSON: name the first line that is not, rather than guess an
    // encoding (Windows-1252 and Latin-1 files look alike).
    size_t line = 1, start = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      if (!IsValidUtf8(text.substr(start, end - start))) break;
      start = end + 1;
      ++line;
    }
    return Error(Code::kInvalidArgument,
                 "the CSV file is not valid UTF-8 (first bad byte on line " + std::to_string(line) +
                     "); the partner must send UTF-8");
  }
  CD_ASSIGN_OR_RETURN(auto rows, ParseCsv(text, map.delimiter));
  if (rows.empty()) return Error(Code::kInvalidArgument, "the CSV file has no rows");
  // Column positions.
  std::map<std::string, size_t> col_index;
  size_t first_data = 0;
  if (map.header) {
    for (size_t c = 0; c < rows[0].size(); ++c) col_index[std::string(Trim(rows[0][c]))] = c;
    first_data = 1;
  }
  struct Col {
    std::vector<std::string> parts;
    size_t index;
    std::string name;
    bool line;
  };
  std::vector<Col> cols;
  std::vector<std::string> missing;
  for (const auto& [path, column] : map.columns) {
    size_t idx;
    if (map.header) {
      auto it = col_index.find(column);
      if (it == col_index.end()) {
        missing.push_back(column);
        continue;
      }
      idx = it->second;
    } else {
      // Without a header the column is given by its 1-based number.
      idx = static_cast<size_t>(std::atoi(column.c_str()));
      if (idx == 0) {
        return Error(Code::kConfig, "CSV mapping for " + map.type + ": column '" + column +
                                        "' must be a 1-based number when header is false");
      }
      --idx;
    }
    auto parts = PathParts(path);
    cols.push_back(Col{parts, idx, column, IsLinePath(parts)});
  }
  if (!missing.empty()) {
    std::string m;
    for (const auto& c : missing) m += (m.empty() ? "" : ", ") + std::string("'") + c + "'";
    return Error(Code::kInvalidArgument, "CSV header (row 1) lacks the column" +
                                             std::string(missing.size() > 1 ? "s " : " ") + m +
                                             " that the " + map.type + " mapping needs");
  }
  if (first_data >= rows.size()) {
    return Error(Code::kInvalidArgument, "the CSV file has a header but no data rows");
  }
  std::string group_col_name;
  size_t group_col = SIZE_MAX;
  if (!map.group_by.empty()) {
    for (const auto& c : cols) {
      if (!c.line && c.parts.size() == 1 && c.parts[0] == map.group_by) group_col = c.index;
    }
    if (group_col == SIZE_MAX) {
      return Error(Code::kConfig, "CSV mapping for " + map.type + ": group_by '" + map.group_by +
                                      "' is not one of the mapped header fields");
    }
  }
  std::vector<CsvDocument> docs;
  std::vector<ordered> jdocs;
  std::string current_group;
  for (size_t r = first_data; r < rows.size(); ++r) {
    const auto& row = rows[r];
    const int row_no = static_cast<int>(r + 1);
    for (const auto& c : cols) {
      if (c.index >= row.size()) {
        return Error(Code::kInvalidArgument, "CSV row " + std::to_string(row_no) + " has " +
                                                 std::to_string(row.size()) + " fields; column '" +
                                                 c.name + "' (field " +
                                                 std::to_string(c.index + 1) + ") is missing");
      }
    }
    const std::string group = group_col == SIZE_MAX ? "" : row[group_col];
    if (jdocs.empty() || (group_col != SIZE_MAX && group != current_group)) {
      jdocs.push_back(ordered::object());
      docs.push_back(CsvDocument{"", row_no, {}});
      current_group = group;
      // Header fields come from the first row of the group.
      for (const auto& c : cols) {
        if (!c.line) {
          const std::string v(Trim(row[c.index]));
          if (!v.empty()) SetAt(jdocs.back(), c.parts, 0, v);
        }
      }
      for (const auto& [path, value] : map.constants) {
        auto parts = PathParts(path);
        if (!IsLinePath(parts)) SetAt(jdocs.back(), parts, 0, value);
      }
    }
    // Line fields: one new element per row in each array named (usually just "lines").
    std::map<std::string, ordered> line_objs;
    for (const auto& c : cols) {
      if (!c.line) continue;
      const std::string v(Trim(row[c.index]));
      if (v.empty()) continue;
      size_t k = 0;
      while (c.parts[k] != "[]") ++k;
      SetAt(line_objs[c.parts[k - 1]], c.parts, k + 1, v);
    }
    for (const auto& [path, value] : map.constants) {
      auto parts = PathParts(path);
      if (!IsLinePath(parts)) continue;
      size_t k = 0;
      while (parts[k] != "[]") ++k;
      ordered& obj = line_objs[parts[k - 1]];
      if (!GetAt(obj, parts, k + 1, parts.size())) SetAt(obj, parts, k + 1, value);
    }
    for (auto& [array, obj] : line_objs) jdocs.back()[array].push_back(std::move(obj));
    if (!line_objs.empty()) docs.back().line_rows.push_back(row_no);
  }
  for (size_t i = 0; i < docs.size(); ++i) docs[i].json = jdocs[i].dump();
  return docs;
}

Result<std::string> CanonicalToCsv(std::string_view canonical_json, const config::CsvMapping& map) {
  ordered doc = ordered::parse(canonical_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Error(Code::kInvalidArgument, "canonical document is not a JSON object");
  }
  const char d = map.delimiter;
  std::string out;
  if (map.header) {
    bool first = true;
    for (const auto& [path, column] : map.columns) {
      if (!first) out.push_back(d);
      first = false;
      out += Quote(column, d);
    }
    out += "\r\n";
  }
  // The array the line paths use (the first one named).
  std::string array;
  for (const auto& [path, column] : map.columns) {
    auto parts = PathParts(path);
    for (size_t k = 0; k + 1 < parts.size(); ++k) {
      if (parts[k + 1] == "[]") {
        array = parts[k];
        break;
      }
    }
    if (!array.empty()) break;
  }
  const ordered empty_line = ordered::object();
  std::vector<const ordered*> lines;
  if (!array.empty() && doc.contains(array) && doc[array].is_array()) {
    for (const auto& l : doc[array]) lines.push_back(&l);
  }
  if (lines.empty()) lines.push_back(&empty_line);
  for (const ordered* line : lines) {
    bool first = true;
    for (const auto& [path, column] : map.columns) {
      if (!first) out.push_back(d);
      first = false;
      auto parts = PathParts(path);
      const ordered* v = nullptr;
      if (IsLinePath(parts)) {
        size_t k = 0;
        while (parts[k] != "[]") ++k;
        v = GetAt(*line, parts, k + 1, parts.size());
      } else {
        v = GetAt(doc, parts, 0, parts.size());
      }
      out += Quote(v ? Scalar(*v) : "", d);
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace crossdock::mapping
