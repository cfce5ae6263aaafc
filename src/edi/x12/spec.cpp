#include "edi/x12/spec.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace crossdock::x12 {

const char* DataTypeName(DataType t) {
  switch (t) {
    case DataType::kAN:
      return "AN";
    case DataType::kID:
      return "ID";
    case DataType::kN:
      return "N";
    case DataType::kR:
      return "R";
    case DataType::kDT:
      return "DT";
    case DataType::kTM:
      return "TM";
    case DataType::kB:
      return "B";
  }
  return "AN";
}

namespace {
using code_key::Mix;
using code_key::PackCode;

void BuildTable(CodeList* cl) {
  size_t size = 16;
  while (size < cl->keys.size() * 2) size *= 2;
  cl->table.assign(size, 0);
  for (uint64_t k : cl->keys) {
    size_t i = Mix(k) & (size - 1);
    while (cl->table[i] != 0) i = (i + 1) & (size - 1);
    cl->table[i] = k;
  }
}

void IndexChildren(StructNode* n) {
  n->by_tag.clear();
  for (uint32_t c = 0; c < n->children.size(); ++c) {
    n->by_tag.emplace_back(n->children[c].tag_key, c);
  }
  std::sort(n->by_tag.begin(), n->by_tag.end());
  const auto nc = static_cast<uint32_t>(n->children.size());
  n->next_mandatory.assign(nc + 1, nc);
  for (uint32_t c = nc; c-- > 0;) {
    n->next_mandatory[c] = n->children[c].usage == Usage::kMandatory ? c : n->next_mandatory[c + 1];
  }
}

// Numbers the (loop, position) pairs of a set's tree: a loop's positions are 0..children.
void NumberSteps(StructNode* n, uint32_t* next) {
  if (n->kind != StructNode::Kind::kLoop) return;
  n->step_base = *next;
  *next += static_cast<uint32_t>(n->children.size()) + 1;
  for (auto& c : n->children) NumberSteps(&c, next);
}
}  // namespace

uint32_t StructNode::FindChild(uint32_t key, uint32_t from) const {
  auto it = std::lower_bound(by_tag.begin(), by_tag.end(), std::make_pair(key, from));
  return it != by_tag.end() && it->first == key ? it->second : UINT32_MAX;
}

bool CodeList::ContainsLong(std::string_view v) const {
  return std::binary_search(codes.begin(), codes.end(), v, [](const auto& a, const auto& b) {
    return std::string_view(a) < std::string_view(b);
  });
}

const ElementDef* Dictionary::FindElement(uint16_t ref) const {
  for (const auto& e : elements) {
    if (e.ref == ref) return &e;
  }
  return nullptr;
}

int32_t Dictionary::FindSegmentIndex(std::string_view tag) const {
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].tag == tag) return static_cast<int32_t>(i);
  }
  return -1;
}

const SegmentDef* Dictionary::FindSegment(std::string_view tag) const {
  int32_t i = FindSegmentIndex(tag);
  return i < 0 ? nullptr : &segments[static_cast<size_t>(i)];
}

namespace {

struct Line {
  int no = 0;
  std::vector<std::string> tok;
};

// Splits into lines of tokens; '#' starts a comment, "double quotes" group a token.
Result<std::vector<Line>> Tokenize(const std::string& file, std::string_view text) {
  std::vector<Line> out;
  int no = 0;
  size_t i = 0;
  while (i <= text.size()) {
    size_t eol = text.find('\n', i);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view l = text.substr(i, eol - i);
    ++no;
    Line line;
    line.no = no;
    size_t k = 0;
    while (k < l.size()) {
      char c = l[k];
      if (c == '#') break;
      if (c == ' ' || c == '\t' || c == '\r') {
        ++k;
        continue;
      }
      if (c == '"') {
        size_t close = l.find('"', k + 1);
        if (close == std::string_view::npos) {
          return Error(Code::kConfig, "unterminated quoted string",
                       file + ":" + std::to_string(no));
        }
        line.tok.emplace_back(l.substr(k + 1, close - k - 1));
        k = close + 1;
        continue;
      }
      size_t s = k;
      while (k < l.size() && l[k] != ' ' && l[k] != '\t' && l[k] != '\r' && l[k] != '#') ++k;
      line.tok.emplace_back(l.substr(s, k - s));
    }
    if (!line.tok.empty()) out.push_back(std::move(line));
    i = eol + 1;
  }
  return out;
}

bool ParseUint(std::string_view s, uint32_t* out) {
  if (s.empty() || s.size() > 9) return false;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  *out = v;
  return true;
}

struct RawUse {
  uint32_t pos = 0;
  std::string ref;  // element number or composite id
  char usage = 'O';
  uint16_t repeat = 1;
  std::string codes;  // element number whose code list to use instead
  int line = 0;
};

struct RawStruct {  // a segment or composite definition
  std::string id, name, file;
  bool open = false;
  int line = 0;
  std::vector<RawUse> uses;
  std::vector<std::string> rules;
};

struct RawDict {
  std::string version, base, file;
  int line = 0;
  std::map<uint16_t, ElementDef> elements;
  std::map<uint16_t, CodeList> codes;
  std::map<std::string, RawStruct> composites;
  std::map<std::string, RawStruct> segments;
  std::vector<std::string> segment_order;
};

std::string At(const std::string& file, int line) { return file + ":" + std::to_string(line); }

Result<DataType> ParseType(std::string_view t, uint8_t* decimals) {
  *decimals = 0;
  if (t == "AN") return DataType::kAN;
  if (t == "ID") return DataType::kID;
  if (t == "R") return DataType::kR;
  if (t == "DT") return DataType::kDT;
  if (t == "TM") return DataType::kTM;
  if (t == "B") return DataType::kB;
  if (t == "N") return DataType::kN;
  if (t.size() == 2 && t[0] == 'N' && t[1] >= '0' && t[1] <= '9') {
    *decimals = static_cast<uint8_t>(t[1] - '0');
    return DataType::kN;
  }
  return Error(Code::kConfig, "unknown data type " + std::string(t));
}

// Parses one "NN ref usage [repeat=N] [codes=REF]" line of a segment or composite.
Status ParseUse(const std::string& file, const Line& l, RawStruct* s) {
  const auto& t = l.tok;
  RawUse u;
  u.line = l.no;
  if (t.size() < 3 || !ParseUint(t[0], &u.pos)) {
    return Error(Code::kConfig, "expected 'NN ref M|O|X'", At(file, l.no));
  }
  if (u.pos != s->uses.size() + 1) {
    return Error(Code::kConfig,
                 "position " + t[0] + " out of order in " + s->id + " (expected " +
                     std::to_string(s->uses.size() + 1) + ")",
                 At(file, l.no));
  }
  u.ref = t[1];
  if (t[2] != "M" && t[2] != "O" && t[2] != "X") {
    return Error(Code::kConfig, "requirement must be M, O or X", At(file, l.no));
  }
  u.usage = t[2][0];
  for (size_t i = 3; i < t.size(); ++i) {
    uint32_t v = 0;
    if (t[i].rfind("repeat=", 0) == 0 && ParseUint(t[i].substr(7), &v) && v >= 1 && v < 65535) {
      u.repeat = static_cast<uint16_t>(v);
    } else if (t[i].rfind("codes=", 0) == 0) {
      u.codes = t[i].substr(6);
    } else {
      return Error(Code::kConfig, "unknown attribute " + t[i], At(file, l.no));
    }
  }
  s->uses.push_back(std::move(u));
  return Status::Ok();
}

Status ParseDictionaryFile(const std::string& file, const std::vector<Line>& lines,
                           std::map<std::string, RawDict>* dicts) {
  const auto& head = lines[0].tok;
  if (head.size() != 2 && !(head.size() == 4 && head[2] == "base")) {
    return Error(Code::kConfig, "expected 'dictionary VERSION [base VERSION]'",
                 At(file, lines[0].no));
  }
  RawDict& d = (*dicts)[head[1]];
  if (d.version.empty()) {
    d.version = head[1];
    d.file = file;
    d.line = lines[0].no;
  }
  if (head.size() == 4) {
    if (!d.base.empty() && d.base != head[3]) {
      return Error(Code::kConfig, "conflicting base versions for " + head[1],
                   At(file, lines[0].no));
    }
    d.base = head[3];
  }
  RawStruct* cur = nullptr;
  for (size_t i = 1; i < lines.size(); ++i) {
    const Line& l = lines[i];
    const auto& t = l.tok;
    const std::string& kw = t[0];
    if (kw == "element") {
      cur = nullptr;
      uint32_t ref = 0, mn = 0, mx = 0;
      if (t.size() < 5 || !ParseUint(t[1], &ref) || ref == 0 || ref > 65535 ||
          !ParseUint(t[3], &mn) || !ParseUint(t[4], &mx) || mn > mx || mx == 0 || mx > 65535) {
        return Error(Code::kConfig, "expected 'element REF TYPE MIN MAX \"name\"'", At(file, l.no));
      }
      ElementDef e;
      e.ref = static_cast<uint16_t>(ref);
      auto type = ParseType(t[2], &e.decimals);
      if (!type.ok()) return Error(Code::kConfig, type.error().message(), At(file, l.no));
      e.type = *type;
      e.min_len = static_cast<uint16_t>(mn);
      e.max_len = static_cast<uint16_t>(mx);
      if (t.size() > 5) e.name = t[5];
      d.elements[e.ref] = e;
    } else if (kw == "codes") {
      cur = nullptr;
      uint32_t ref = 0;
      if (t.size() < 3 || !ParseUint(t[1], &ref) || ref == 0 || ref > 65535) {
        return Error(Code::kConfig, "expected 'codes REF closed|open|+ CODE...'", At(file, l.no));
      }
      CodeList& cl = d.codes[static_cast<uint16_t>(ref)];
      if (t[2] == "closed" || t[2] == "open") {
        cl.closed = t[2] == "closed";
        cl.codes.clear();
      } else if (t[2] != "+") {
        return Error(Code::kConfig, "codes mode must be closed, open or +", At(file, l.no));
      }
      for (size_t k = 3; k < t.size(); ++k) cl.codes.push_back(t[k]);
    } else if (kw == "composite" || kw == "segment") {
      if (t.size() < 2) return Error(Code::kConfig, "missing identifier", At(file, l.no));
      auto& table = kw == "composite" ? d.composites : d.segments;
      if (kw == "segment" && table.find(t[1]) == table.end()) d.segment_order.push_back(t[1]);
      RawStruct s;
      s.id = t[1];
      s.file = file;
      s.line = l.no;
      for (size_t k = 2; k < t.size(); ++k) {
        if (t[k] == "open") {
          s.open = true;
        } else {
          s.name = t[k];
        }
      }
      table[t[1]] = s;  // a later definition replaces the base version's
      cur = &table[t[1]];
    } else if (kw == "rule") {
      if (cur == nullptr) return Error(Code::kConfig, "rule outside a segment", At(file, l.no));
      for (size_t k = 1; k < t.size(); ++k) cur->rules.push_back(t[k]);
    } else if (kw.size() == 2 && kw[0] >= '0' && kw[0] <= '9') {
      if (cur == nullptr) {
        return Error(Code::kConfig, "element position outside a segment", At(file, l.no));
      }
      CD_RETURN_IF_ERROR(ParseUse(file, l, cur));
    } else {
      return Error(Code::kConfig, "unknown keyword " + kw, At(file, l.no));
    }
  }
  return Status::Ok();
}

Result<SyntaxRule> ParseRule(const std::string& text, size_t n_elements) {
  SyntaxRule r;
  if (text.size() < 5 || (text.size() - 1) % 2 != 0) {
    return Error(Code::kConfig, "syntax rule " + text + " must be a letter and 2-digit positions");
  }
  r.kind = text[0];
  if (std::string_view("PRECL").find(r.kind) == std::string_view::npos) {
    return Error(Code::kConfig, "syntax rule kind must be P, R, E, C or L in " + text);
  }
  for (size_t i = 1; i < text.size(); i += 2) {
    uint32_t v = 0;
    if (!ParseUint(text.substr(i, 2), &v) || v == 0 || v > n_elements) {
      return Error(Code::kConfig, "syntax rule " + text + " names a position the segment lacks");
    }
    r.positions.push_back(static_cast<uint8_t>(v));
  }
  r.lowest = *std::min_element(r.positions.begin(), r.positions.end());
  if (*std::max_element(r.positions.begin(), r.positions.end()) <= 64) {
    for (uint8_t p : r.positions) r.mask |= uint64_t{1} << (p - 1);
    r.first = uint64_t{1} << (r.positions[0] - 1);
  }
  return r;
}

Status ResolveDictionary(const RawDict& raw, Dictionary* out) {
  out->version = raw.version;
  std::map<uint16_t, int32_t> code_index;
  for (const auto& [ref, cl] : raw.codes) {
    CodeList sorted = cl;
    std::sort(sorted.codes.begin(), sorted.codes.end());
    sorted.codes.erase(std::unique(sorted.codes.begin(), sorted.codes.end()), sorted.codes.end());
    for (const auto& c : sorted.codes) {
      if (c.size() <= 7) sorted.keys.push_back(PackCode(c));
    }
    std::sort(sorted.keys.begin(), sorted.keys.end());
    BuildTable(&sorted);
    code_index[ref] = static_cast<int32_t>(out->code_lists.size());
    out->code_lists.push_back(std::move(sorted));
  }
  std::map<uint16_t, uint32_t> elem_index;
  for (const auto& [ref, e] : raw.elements) {
    ElementDef def = e;
    auto c = code_index.find(ref);
    def.codes = c == code_index.end() ? -1 : c->second;
    elem_index[ref] = static_cast<uint32_t>(out->elements.size());
    out->elements.push_back(std::move(def));
  }
  for (const auto& [ref, cl] : raw.codes) {
    if (elem_index.find(ref) == elem_index.end()) {
      return Error(Code::kConfig,
                   "codes for element " + std::to_string(ref) + " which is not defined",
                   raw.file + " (dictionary " + raw.version + ")");
    }
  }
  auto resolve_use = [&](const RawStruct& s, const RawUse& u, bool allow_composite,
                         const std::map<std::string, uint32_t>& comp_index,
                         ElementUse* eu) -> Status {
    eu->usage = u.usage == 'M' ? Usage::kMandatory
                               : (u.usage == 'X' ? Usage::kConditional : Usage::kOptional);
    eu->repeat = u.repeat;
    if (!u.ref.empty() && u.ref[0] == 'C') {
      auto c = comp_index.find(u.ref);
      if (!allow_composite || c == comp_index.end()) {
        return Error(Code::kConfig, "unknown composite " + u.ref + " in " + s.id,
                     At(s.file, u.line));
      }
      eu->composite = true;
      eu->def = c->second;
    } else {
      uint32_t ref = 0;
      auto e =
          ParseUint(u.ref, &ref) ? elem_index.find(static_cast<uint16_t>(ref)) : elem_index.end();
      if (e == elem_index.end()) {
        return Error(Code::kConfig, "unknown data element " + u.ref + " in " + s.id,
                     At(s.file, u.line));
      }
      eu->def = e->second;
    }
    if (!u.codes.empty()) {
      uint32_t ref = 0;
      auto c =
          ParseUint(u.codes, &ref) ? code_index.find(static_cast<uint16_t>(ref)) : code_index.end();
      if (c == code_index.end()) {
        return Error(Code::kConfig, "no code list for element " + u.codes, At(s.file, u.line));
      }
      eu->codes = c->second;
    }
    if (!eu->composite) {
      const ElementDef& d = out->elements[eu->def];
      eu->type = d.type;
      eu->min_len = d.min_len;
      eu->max_len = d.max_len;
      if (eu->codes < 0) eu->codes = d.codes;
    }
    if (eu->codes >= 0) eu->code_slot = out->code_slots++;
    return Status::Ok();
  };
  std::map<std::string, uint32_t> comp_index;
  for (const auto& [id, s] : raw.composites) {
    comp_index[id] = static_cast<uint32_t>(out->composites.size());
    out->composites.emplace_back();
  }
  for (const auto& [id, s] : raw.composites) {
    CompositeDef& c = out->composites[comp_index[id]];
    c.id = id;
    c.name = s.name;
    for (const auto& u : s.uses) {
      ElementUse eu;
      CD_RETURN_IF_ERROR(resolve_use(s, u, false, comp_index, &eu));
      c.components.push_back(eu);
    }
    for (const auto& r : s.rules) {
      auto rule = ParseRule(r, c.components.size());
      if (!rule.ok()) return Error(Code::kConfig, rule.error().message(), At(s.file, s.line));
      c.rules.push_back(*rule);
    }
  }
  for (const auto& tag : raw.segment_order) {
    const RawStruct& s = raw.segments.at(tag);
    SegmentDef seg;
    seg.tag = tag;
    seg.name = s.name;
    seg.open = s.open;
    for (const auto& u : s.uses) {
      ElementUse eu;
      CD_RETURN_IF_ERROR(resolve_use(s, u, true, comp_index, &eu));
      seg.elements.push_back(eu);
      if (eu.usage == Usage::kMandatory) {
        seg.last_mandatory = static_cast<uint16_t>(seg.elements.size());
      }
    }
    for (const auto& r : s.rules) {
      auto rule = ParseRule(r, seg.elements.size());
      if (!rule.ok()) return Error(Code::kConfig, rule.error().message(), At(s.file, s.line));
      seg.rules.push_back(*rule);
    }
    out->segments.push_back(std::move(seg));
  }
  return Status::Ok();
}

struct RawSetFile {
  std::string file;
  std::vector<Line> lines;
};

Status ParseNodes(const RawSetFile& f, size_t* i, const Dictionary& dict, StructNode* parent,
                  bool top) {
  while (*i < f.lines.size()) {
    const Line& l = f.lines[*i];
    const auto& t = l.tok;
    if (t[0] == "end") {
      if (top) return Error(Code::kConfig, "'end' without 'loop'", At(f.file, l.no));
      ++*i;
      return Status::Ok();
    }
    StructNode n;
    n.line = static_cast<uint32_t>(l.no);
    bool loop = t[0] == "loop";
    size_t k = loop ? 1 : 0;
    if (t.size() < k + 3) {
      return Error(Code::kConfig, loop ? "expected 'loop ID M|O MAX'" : "expected 'TAG M|O MAX'",
                   At(f.file, l.no));
    }
    if (t[k + 1] != "M" && t[k + 1] != "O") {
      return Error(Code::kConfig, "requirement must be M or O", At(f.file, l.no));
    }
    n.usage = t[k + 1] == "M" ? Usage::kMandatory : Usage::kOptional;
    uint32_t mx = 0;
    if (t[k + 2] == ">1") {
      n.max_use = 0;
    } else if (ParseUint(t[k + 2], &mx) && mx >= 1) {
      n.max_use = mx;
    } else {
      return Error(Code::kConfig, "maximum use must be a number or >1", At(f.file, l.no));
    }
    for (size_t a = k + 3; a < t.size(); ++a) {
      if (loop && t[a] == "hl") {
        n.hl = true;
      } else {
        return Error(Code::kConfig, "unknown attribute " + t[a], At(f.file, l.no));
      }
    }
    ++*i;
    if (loop) {
      n.kind = StructNode::Kind::kLoop;
      n.loop_id = t[1];
      CD_RETURN_IF_ERROR(ParseNodes(f, i, dict, &n, false));
      if (n.children.empty() || n.children[0].kind != StructNode::Kind::kSegment) {
        return Error(Code::kConfig, "loop " + n.loop_id + " must start with a segment",
                     At(f.file, l.no));
      }
      n.segment = n.children[0].segment;
      n.tag_key = n.children[0].tag_key;
      IndexChildren(&n);
    } else {
      int32_t idx = dict.FindSegmentIndex(t[0]);
      if (idx < 0) {
        return Error(Code::kConfig, "segment " + t[0] + " is not in dictionary " + dict.version,
                     At(f.file, l.no));
      }
      n.kind = StructNode::Kind::kSegment;
      n.segment = static_cast<uint32_t>(idx);
      n.tag_key = TagKey(t[0]);
    }
    parent->children.push_back(std::move(n));
  }
  if (!top) return Error(Code::kConfig, "loop without 'end'", f.file);
  return Status::Ok();
}

}  // namespace

SpecRegistry::SpecRegistry() = default;
SpecRegistry::~SpecRegistry() = default;
SpecRegistry::SpecRegistry(SpecRegistry&&) noexcept = default;
SpecRegistry& SpecRegistry::operator=(SpecRegistry&&) noexcept = default;

Result<SpecRegistry> SpecRegistry::Load(
    const std::vector<std::pair<std::string, std::string>>& files) {
  std::map<std::string, RawDict> raw;
  std::vector<RawSetFile> set_files;
  for (const auto& [path, text] : files) {
    auto lines = Tokenize(path, text);
    if (!lines.ok()) return lines.error();
    if (lines->empty()) continue;
    const std::string& kw = (*lines)[0].tok[0];
    if (kw == "dictionary") {
      CD_RETURN_IF_ERROR(ParseDictionaryFile(path, *lines, &raw));
    } else if (kw == "set") {
      set_files.push_back({path, std::move(lines).value()});
    } else {
      return Error(Code::kConfig, "a spec file starts with 'dictionary' or 'set'",
                   At(path, (*lines)[0].no));
    }
  }
  // Derived dictionaries start from a copy of their base (which may itself be derived).
  std::set<std::string> merged;
  std::map<std::string, RawDict> full;
  for (size_t round = 0; round <= raw.size(); ++round) {
    for (auto& [ver, d] : raw) {
      if (merged.count(ver)) continue;
      if (d.base.empty()) {
        full[ver] = d;
        merged.insert(ver);
        continue;
      }
      if (raw.find(d.base) == raw.end()) {
        return Error(Code::kConfig, "base dictionary " + d.base + " not found", At(d.file, d.line));
      }
      if (!merged.count(d.base)) continue;
      RawDict m = full[d.base];
      m.version = ver;
      m.file = d.file;
      for (const auto& [ref, e] : d.elements) m.elements[ref] = e;
      for (const auto& [ref, c] : d.codes) m.codes[ref] = c;
      for (const auto& [id, c] : d.composites) m.composites[id] = c;
      for (const auto& tag : d.segment_order) {
        if (m.segments.find(tag) == m.segments.end()) m.segment_order.push_back(tag);
        m.segments[tag] = d.segments.at(tag);
      }
      full[ver] = std::move(m);
      merged.insert(ver);
    }
  }
  if (merged.size() != raw.size()) {
    return Error(Code::kConfig, "dictionary base versions form a cycle");
  }
  SpecRegistry reg;
  for (auto& [ver, d] : full) {
    auto dict = std::make_unique<Dictionary>();
    CD_RETURN_IF_ERROR(ResolveDictionary(d, dict.get()));
    reg.dicts_.push_back(std::move(dict));
  }
  for (const auto& file : set_files) {
    const auto& head = file.lines[0].tok;
    if (head.size() < 4 || head[1].size() != 3) {
      return Error(Code::kConfig, "expected 'set ID VERSION FUNCTIONAL-ID \"name\" [like VERSION]'",
                   At(file.file, file.lines[0].no));
    }
    // "like VERSION": the segment order of the same set in another version, resolved against
    // this version's dictionary.
    RawSetFile borrowed;
    const RawSetFile* body = &file;
    if (head.size() == 7 && head[5] == "like") {
      for (const auto& other : set_files) {
        const auto& oh = other.lines[0].tok;
        if (oh[1] == head[1] && oh[2] == head[6] && !(oh.size() == 7 && oh[5] == "like")) {
          borrowed = other;
          borrowed.lines[0] = file.lines[0];
          body = &borrowed;
        }
      }
      if (body == &file || file.lines.size() > 1) {
        return Error(Code::kConfig,
                     "'like " + head[6] + "' needs set " + head[1] + " " + head[6] +
                         " and no body of its own",
                     At(file.file, file.lines[0].no));
      }
    } else if (head.size() > 5) {
      return Error(Code::kConfig, "unexpected tokens after the set name",
                   At(file.file, file.lines[0].no));
    }
    const RawSetFile& f = *body;
    const Dictionary* dict = reg.dictionary(head[2]);
    if (dict == nullptr || dict->version != head[2]) {
      return Error(Code::kConfig, "no dictionary for version " + head[2],
                   At(f.file, f.lines[0].no));
    }
    auto spec = std::make_unique<SetSpec>();
    spec->id = head[1];
    spec->version = head[2];
    spec->functional_group = head[3];
    if (head.size() > 4) spec->name = head[4];
    spec->source = file.file;
    spec->dict = dict;
    spec->root.kind = StructNode::Kind::kLoop;
    spec->root.usage = Usage::kMandatory;
    spec->root.max_use = 1;
    size_t i = 1;
    CD_RETURN_IF_ERROR(ParseNodes(f, &i, *dict, &spec->root, true));
    IndexChildren(&spec->root);
    NumberSteps(&spec->root, &spec->steps);
    const auto& ch = spec->root.children;
    if (ch.size() < 2 || ch.front().tag_key != TagKey("ST") || ch.back().tag_key != TagKey("SE")) {
      return Error(Code::kConfig, "a set must begin with ST and end with SE", f.file);
    }
    for (const auto& other : reg.sets_) {
      if (other->id == spec->id && other->version == spec->version) {
        return Error(Code::kConfig, "set " + spec->id + " " + spec->version + " defined twice",
                     f.file);
      }
    }
    reg.sets_.push_back(std::move(spec));
  }
  return reg;
}

Result<SpecRegistry> SpecRegistry::LoadEmbedded() {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& f : EmbeddedSpecFiles()) files.emplace_back(f.path, f.text);
  return Load(files);
}

const SpecRegistry& SpecRegistry::Embedded() {
  static const SpecRegistry* reg = [] {
    auto r = LoadEmbedded();
    return r.ok() ? new SpecRegistry(std::move(r).value()) : new SpecRegistry();
  }();
  return *reg;
}

const Dictionary* SpecRegistry::dictionary(std::string_view version) const {
  for (const auto& d : dicts_) {
    if (d->version == version) return d.get();
  }
  return nullptr;
}

std::vector<const SetSpec*> SpecRegistry::sets() const {
  std::vector<const SetSpec*> out;
  for (const auto& s : sets_) out.push_back(s.get());
  return out;
}

SpecRegistry::Match SpecRegistry::Find(std::string_view set_id, std::string_view version) const {
  Match m;
  std::string_view release = version.substr(0, 6);
  if (release.size() != 6) return m;
  for (char c : release) {
    if (c < '0' || c > '9') return m;
  }
  const SetSpec* best = nullptr;
  for (const auto& s : sets_) {
    if (s->id != set_id) continue;
    if (s->version == release) {
      m.spec = s.get();
      m.exact = true;
      return m;
    }
    // Same major version (the first three digits, e.g. "004"), not newer than requested.
    if (s->version.compare(0, 3, release.substr(0, 3)) == 0 && s->version < release &&
        (best == nullptr || s->version > best->version)) {
      best = s.get();
    }
  }
  m.spec = best;
  return m;
}

}  // namespace crossdock::x12
