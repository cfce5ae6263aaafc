#include "edi/x12/json.hpp"

#include <cstdio>
#include <vector>

namespace crossdock::x12 {

namespace {

inline unsigned char U(char c) { return static_cast<unsigned char>(c); }

int Utf8Len(std::string_view s, size_t i) {
  unsigned char c = U(s[i]);
  int len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (len == 0 || i + static_cast<size_t>(len) > s.size()) return 0;
  for (int k = 1; k < len; ++k) {
    if ((U(s[i + static_cast<size_t>(k)]) & 0xC0) != 0x80) return 0;
  }
  return len;
}

class JsonWriter {
 public:
  JsonWriter(std::string* out, bool pretty, bool latin1)
      : out_(out), pretty_(pretty), latin1_(latin1) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  void Key(std::string_view k) {
    Comma();
    AppendJsonText(out_, k);
    out_->append(pretty_ ? ": " : ":");
    after_key_ = true;
  }
  void String(std::string_view v) {
    Comma();
    AppendJsonText(out_, v, latin1_);
  }
  void Number(uint64_t v) {
    Comma();
    out_->append(std::to_string(v));
  }
  void Int(int64_t v) {
    Comma();
    out_->append(std::to_string(v));
  }
  void Null() {
    Comma();
    out_->append("null");
  }
  void Bool(bool v) {
    Comma();
    out_->append(v ? "true" : "false");
  }
  void Field(std::string_view k, std::string_view v) {
    Key(k);
    String(v);
  }
  void FieldNum(std::string_view k, uint64_t v) {
    Key(k);
    Number(v);
  }

 private:
  void Comma() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (!first_.empty()) {
      if (!first_.back()) out_->push_back(',');
      first_.back() = false;
      Indent();
    }
  }
  void Indent() {
    if (!pretty_) return;
    out_->push_back('\n');
    out_->append(first_.size() * 2, ' ');
  }
  void Open(char c) {
    Comma();
    out_->push_back(c);
    first_.push_back(true);
  }
  void Close(char c) {
    bool empty = first_.back();
    first_.pop_back();
    if (!empty) Indent();
    out_->push_back(c);
  }

  std::string* out_;
  bool pretty_;
  bool latin1_;
  bool after_key_ = false;
  std::vector<bool> first_;
};

void WriteElement(JsonWriter& w, std::string_view v, const Delimiters& d) {
  auto write_one = [&](std::string_view x) {
    if (d.component != 0 && x.find(d.component) != std::string_view::npos) {
      w.BeginArray();
      PartIterator it(x, d.component);
      std::string_view part;
      while (it.Next(&part)) w.String(part);
      w.EndArray();
    } else {
      w.String(x);
    }
  };
  if (d.repetition != 0 && v.find(d.repetition) != std::string_view::npos) {
    w.BeginObject();
    w.Key("repeats");
    w.BeginArray();
    PartIterator it(v, d.repetition);
    std::string_view part;
    while (it.Next(&part)) write_one(part);
    w.EndArray();
    w.EndObject();
    return;
  }
  write_one(v);
}

void WriteSegment(JsonWriter& w, const SegmentView& seg, uint32_t position, const Delimiters& d) {
  w.BeginObject();
  w.Field("segment", seg.tag());
  w.FieldNum("position", position);
  w.Key("elements");
  w.BeginArray();
  for (size_t i = 1; i <= seg.size(); ++i) WriteElement(w, seg.element(i), d);
  w.EndArray();
  w.EndObject();
}

// Writes tree[from, to) as a JSON array of segments and loops.
void WriteTree(JsonWriter& w, const std::vector<TreeNode>& tree, size_t from, size_t to,
               const SetView& set, const Delimiters& d) {
  w.BeginArray();
  size_t i = from;
  while (i < to) {
    const TreeNode& n = tree[i];
    if (n.kind == TreeNode::Kind::kLoop) {
      w.BeginObject();
      w.Field("loop", n.spec ? n.spec->loop_id : std::string_view());
      w.Key("children");
      size_t end = n.end > i ? n.end : i + 1;
      WriteTree(w, tree, i + 1, end, set, d);
      w.EndObject();
      i = end;
    } else {
      if (n.segment < set.size()) WriteSegment(w, set.segment(n.segment), n.segment + 1, d);
      ++i;
    }
  }
  w.EndArray();
}

void WriteDiagnostic(JsonWriter& w, const Diagnostic& d) {
  const Location& l = d.where;
  w.BeginObject();
  w.Field("severity", SeverityName(d.severity));
  w.Field("level", LevelName(d.level));
  w.Field("rule", d.rule);
  w.Field("message", d.message);
  if (l.interchange >= 0) w.FieldNum("interchange", static_cast<uint64_t>(l.interchange) + 1);
  if (l.group >= 0) w.FieldNum("group", static_cast<uint64_t>(l.group) + 1);
  if (l.set >= 0) w.FieldNum("set", static_cast<uint64_t>(l.set) + 1);
  if (!l.isa13.empty()) w.Field("isa13", l.isa13);
  if (!l.gs06.empty()) w.Field("gs06", l.gs06);
  if (!l.st02.empty()) w.Field("st02", l.st02);
  if (l.segment_in_set) w.FieldNum("segment_in_set", l.segment_in_set);
  if (l.segment_in_file) w.FieldNum("segment_in_file", l.segment_in_file);
  if (!l.segment_id.empty()) w.Field("segment_id", l.segment_id);
  if (!l.loop_id.empty()) w.Field("loop_id", l.loop_id);
  if (l.element) w.FieldNum("element", l.element);
  if (l.component) w.FieldNum("component", l.component);
  if (l.repetition) w.FieldNum("repetition", l.repetition);
  w.FieldNum("offset", l.offset);
  if (d.ta1_code) w.FieldNum("ta1_code", d.ta1_code);
  if (d.ak9_code) w.FieldNum("ak9_code", d.ak9_code);
  if (d.ak5_code) w.FieldNum("ak5_code", d.ak5_code);
  if (d.ak3_code) w.FieldNum("ak3_code", d.ak3_code);
  if (d.ak4_code) w.FieldNum("ak4_code", d.ak4_code);
  if (d.element_ref) w.FieldNum("element_ref", d.element_ref);
  w.EndObject();
}

std::string Describe(char c, const std::string& text) {
  return text.empty() ? DescribeDelimiter(c) : text;
}

}  // namespace

void AppendJsonText(std::string* out, std::string_view s, bool latin1) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = U(s[i]);
    if (c >= 0x80) {
      int len = latin1 ? 0 : Utf8Len(s, i);
      if (len > 0) {
        out->append(s.substr(i, static_cast<size_t>(len)));
        i += static_cast<size_t>(len);
      } else {
        // Latin-1: U+0080..U+00FF as two UTF-8 bytes.
        out->push_back(static_cast<char>(0xC0 | (c >> 6)));
        out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
        ++i;
      }
      continue;
    }
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out->push_back('"');
}

std::string DocumentToJson(const Document& doc, const DocumentValidation& validation,
                           std::string_view file_name, const JsonOptions& opts) {
  std::string out;
  JsonWriter w(&out, opts.pretty, doc.encoding == Encoding::kEbcdic);
  size_t errors = CountAtLeast(doc.diagnostics, Severity::kError) + validation.error_count();
  size_t warnings = 0;
  for (const auto& d : doc.diagnostics) warnings += d.severity == Severity::kWarning ? 1 : 0;
  for (const auto& s : validation.sets) {
    for (const auto& d : s.diagnostics) warnings += d.severity == Severity::kWarning ? 1 : 0;
  }
  w.BeginObject();
  w.Field("file", file_name);
  w.Field("encoding", EncodingName(doc.encoding));
  w.FieldNum("bytes", doc.input_size);
  w.Field("status", errors > 0 ? "errors" : "ok");
  w.FieldNum("errors", errors);
  w.FieldNum("warnings", warnings);
  w.Key("interchanges");
  w.BeginArray();
  for (const auto& ic : doc.interchanges) {
    const Delimiters& d = ic.delimiters;
    w.BeginObject();
    w.FieldNum("index", static_cast<uint64_t>(ic.index) + 1);
    w.FieldNum("offset", ic.offset);
    if (ic.implicit) {
      w.Key("implicit");
      w.Bool(true);
    }
    w.Key("sender");
    w.BeginObject();
    w.Field("qualifier", ic.isa[5]);
    w.Field("id", ic.isa[6]);
    w.EndObject();
    w.Key("receiver");
    w.BeginObject();
    w.Field("qualifier", ic.isa[7]);
    w.Field("id", ic.isa[8]);
    w.EndObject();
    w.Field("date", ic.isa[9]);
    w.Field("time", ic.isa[10]);
    w.Field("version", ic.isa[12]);
    w.Field("control", ic.isa[13]);
    w.Field("ack_requested", ic.isa[14]);
    w.Field("usage", ic.isa[15]);
    w.Key("delimiters");
    w.BeginObject();
    w.Field("element", DescribeDelimiter(d.element));
    w.Field("component", Describe(d.component, ic.component_text));
    w.Field("repetition", DescribeDelimiter(d.repetition));
    w.Field("segment", Describe(d.segment, ic.segment_text));
    w.EndObject();
    w.Key("trailer");
    if (ic.has_trailer) {
      w.BeginObject();
      w.Field("iea01", ic.iea01);
      w.Field("iea02", ic.iea02);
      w.EndObject();
    } else {
      w.Null();
    }
    w.Key("ta1");
    w.BeginArray();
    for (uint32_t t : ic.ta1_segments) {
      SegmentView seg = doc.segment(t);
      WriteSegment(w, seg, 0, d);
    }
    w.EndArray();
    w.Key("groups");
    w.BeginArray();
    for (const auto& g : ic.groups) {
      w.BeginObject();
      w.FieldNum("index", static_cast<uint64_t>(g.index) + 1);
      if (g.implicit) {
        w.Key("implicit");
        w.Bool(true);
      }
      w.Field("functional_id", g.gs[1]);
      w.Field("sender", g.gs[2]);
      w.Field("receiver", g.gs[3]);
      w.Field("date", g.gs[4]);
      w.Field("time", g.gs[5]);
      w.Field("control", g.gs[6]);
      w.Field("agency", g.gs[7]);
      w.Field("version", g.gs[8]);
      w.Key("sets");
      w.BeginArray();
      for (const auto& s : g.sets) {
        const SetValidation* v = validation.For(s);
        SetView view = doc.set_view(s);
        w.BeginObject();
        w.FieldNum("index", static_cast<uint64_t>(s.index) + 1);
        w.Field("id", s.id);
        w.Field("control", s.control);
        if (!s.convention.empty()) w.Field("convention", s.convention);
        w.FieldNum("segments", s.segment_count);
        w.FieldNum("offset", s.offset);
        if (v != nullptr && v->spec != nullptr) {
          w.Field("spec", v->spec->id + "/" + v->spec->version);
        }
        w.Key("tree");
        if (v != nullptr && !v->tree.empty()) {
          WriteTree(w, v->tree, 0, v->tree.size(), view, d);
        } else {
          w.BeginArray();
          for (uint32_t k = 0; k < view.size(); ++k) WriteSegment(w, view.segment(k), k + 1, d);
          w.EndArray();
        }
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("diagnostics");
  w.BeginArray();
  for (const auto& d : doc.diagnostics) WriteDiagnostic(w, d);
  for (const auto& s : validation.sets) {
    for (const auto& d : s.diagnostics) WriteDiagnostic(w, d);
  }
  w.EndArray();
  w.EndObject();
  if (opts.pretty) out.push_back('\n');
  return out;
}

}  // namespace crossdock::x12
