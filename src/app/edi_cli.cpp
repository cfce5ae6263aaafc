#include "app/edi_cli.hpp"

#include <string>
#include <string_view>
#include <vector>

#include "edi/x12/ack.hpp"
#include "edi/x12/document.hpp"
#include "edi/x12/json.hpp"
#include "edi/x12/spec.hpp"
#include "edi/x12/validator.hpp"
#include "edi/x12/writer.hpp"

namespace crossdock {
namespace x12 {
namespace {

constexpr int kOk = 0;
constexpr int kFound = 1;
constexpr int kUnreadable = 2;

const char kUsage[] =
    "Usage: crossdock edi <command> [options] FILE...\n"
    "\n"
    "Commands:\n"
    "  parse FILE... [--json] [--pretty]\n"
    "      Read X12 files and print their structure: interchanges, groups, transaction sets and\n"
    "      the segments of each set with loops nested. --json prints one JSON document per file\n"
    "      (one per line when several files are given; --pretty indents a single document).\n"
    "  validate FILE...\n"
    "      Check envelopes and every transaction set against the built-in specs (850 855 856\n"
    "      810 846 860 940 945 997 999, versions 004010 and 005010). Prints 'FILE: ok' or\n"
    "      'FILE: N errors', then one line per finding: segment number, segment id, element\n"
    "      position and the rule broken.\n"
    "  ack FILE [--997 | --999] [--always-ta1] [--no-accepted-sets]\n"
    "      Print the acknowledgment of FILE: a 997 (a 999 when the group version is 005010 or\n"
    "      later), with a TA1 when the envelope is broken or ISA14 asks for one.\n"
    "\n"
    "Exit status: 0 readable and no errors; 1 envelope or syntax errors found (ack: something\n"
    "was rejected); 2 unreadable input or usage error.\n";

struct Loaded {
  bool ok = false;
  Document doc;
  DocumentValidation validation;
  std::string error;
};

Loaded Load(const std::string& path) {
  Loaded l;
  auto doc = ReadDocumentFile(path);
  if (!doc.ok()) {
    l.error = doc.error().message();
    return l;
  }
  l.doc = std::move(doc).value();
  l.validation = ValidateDocument(l.doc);
  l.ok = true;
  return l;
}

size_t Errors(const Loaded& l) {
  return CountAtLeast(l.doc.diagnostics, Severity::kError) + l.validation.error_count();
}

size_t Warnings(const Loaded& l) {
  size_t n = 0;
  for (const auto& d : l.doc.diagnostics) n += d.severity == Severity::kWarning ? 1 : 0;
  for (const auto& s : l.validation.sets) {
    for (const auto& d : s.diagnostics) n += d.severity == Severity::kWarning ? 1 : 0;
  }
  return n;
}

std::string Two(size_t n) { return (n < 10 ? "0" : "") + std::to_string(n); }

// "  error segment 12 N1 element 03: invalid-code: ... (isa 1 gs 1 st 1 ST02 0001, byte 311)"
std::string DiagnosticLine(const Diagnostic& d) {
  const Location& w = d.where;
  std::string s = "  ";
  s += SeverityName(d.severity);
  if (w.segment_in_set > 0) {
    s += " segment " + std::to_string(w.segment_in_set);
  } else if (w.segment_in_file > 0) {
    s += " file segment " + std::to_string(w.segment_in_file);
  }
  if (!w.segment_id.empty()) s += " " + w.segment_id;
  if (w.element > 0) {
    s += " element " + Two(w.element);
    if (w.component > 0) s += "-" + Two(w.component);
    if (w.repetition > 0) s += " repetition " + std::to_string(w.repetition);
  }
  s += ": " + d.rule + ": " + d.message + " (";
  if (w.interchange >= 0) {
    s += "isa " + std::to_string(w.interchange + 1);
    if (w.group >= 0) s += " gs " + std::to_string(w.group + 1);
    if (w.set >= 0) s += " st " + std::to_string(w.set + 1);
    if (!w.st02.empty()) s += " ST02 " + w.st02;
    s += ", ";
  }
  s += "byte " + std::to_string(w.offset) + ")";
  return s;
}

std::string Printable(std::string_view v) {
  std::string s;
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    s.push_back(u < 0x20 || u == 0x7F ? '?' : c);
  }
  return s;
}

std::string SegmentText(const SegmentView& seg, const Delimiters& d) {
  std::string s = Printable(seg.tag());
  for (size_t i = 1; i <= seg.size(); ++i) {
    s.push_back('*');
    std::string v(seg.element(i));
    for (char& c : v) {
      if (c == d.component) c = ':';
      if (d.repetition != 0 && c == d.repetition) c = '^';
    }
    s += Printable(v);
  }
  return s;
}

void PrintTree(std::ostream& out, const std::vector<TreeNode>& tree, size_t from, size_t to,
               const SetView& set, const Delimiters& d, int depth) {
  size_t i = from;
  while (i < to) {
    const TreeNode& n = tree[i];
    std::string pad(static_cast<size_t>(depth) * 2, ' ');
    if (n.kind == TreeNode::Kind::kLoop) {
      out << pad << "loop " << (n.spec ? n.spec->loop_id : std::string("?")) << "\n";
      size_t end = n.end > i ? n.end : i + 1;
      PrintTree(out, tree, i + 1, end, set, d, depth + 1);
      i = end;
    } else {
      if (n.segment < set.size()) {
        out << pad << SegmentText(set.segment(n.segment), d) << (n.spec ? "" : "   <- not placed")
            << "\n";
      }
      ++i;
    }
  }
}

void PrintText(std::ostream& out, const std::string& path, const Loaded& l) {
  size_t groups = 0, sets = 0;
  for (const auto& ic : l.doc.interchanges) {
    groups += ic.groups.size();
    for (const auto& g : ic.groups) sets += g.sets.size();
  }
  out << path << ": " << l.doc.interchanges.size() << " interchange(s), " << groups << " group(s), "
      << sets << " transaction set(s), " << EncodingName(l.doc.encoding) << "\n";
  for (const auto& ic : l.doc.interchanges) {
    const Delimiters& d = ic.delimiters;
    out << "ISA " << ic.isa[13] << " " << ic.isa[5] << ":" << Printable(ic.isa[6]) << " -> "
        << ic.isa[7] << ":" << Printable(ic.isa[8]) << " version " << ic.isa[12] << " delimiters "
        << DescribeDelimiter(d.element) << " "
        << (ic.component_text.empty() ? DescribeDelimiter(d.component) : ic.component_text) << " "
        << DescribeDelimiter(d.repetition) << " "
        << (ic.segment_text.empty() ? DescribeDelimiter(d.segment) : ic.segment_text) << "\n";
    for (uint32_t t : ic.ta1_segments) out << "  " << SegmentText(l.doc.segment(t), d) << "\n";
    for (const auto& g : ic.groups) {
      out << "  GS " << g.gs[1] << " " << g.gs[6] << " version " << g.gs[8] << " "
          << Printable(g.gs[2]) << " -> " << Printable(g.gs[3]) << "\n";
      for (const auto& s : g.sets) {
        const SetValidation* v = l.validation.For(s);
        out << "    ST " << s.id << " " << s.control;
        if (v != nullptr && v->spec != nullptr) {
          out << " (spec " << v->spec->id << "/" << v->spec->version << ")";
        } else {
          out << " (no spec)";
        }
        out << "\n";
        SetView view = l.doc.set_view(s);
        if (v != nullptr && !v->tree.empty()) {
          PrintTree(out, v->tree, 0, v->tree.size(), view, d, 3);
        } else {
          for (uint32_t k = 0; k < view.size(); ++k) {
            out << "      " << SegmentText(view.segment(k), d) << "\n";
          }
        }
      }
    }
  }
  for (const auto& d : l.doc.diagnostics) {
    if (d.severity >= Severity::kWarning) out << DiagnosticLine(d) << "\n";
  }
  for (const auto& s : l.validation.sets) {
    for (const auto& d : s.diagnostics) {
      if (d.severity >= Severity::kWarning) out << DiagnosticLine(d) << "\n";
    }
  }
}

int Parse(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  bool json = false, pretty = false;
  std::vector<std::string> files;
  for (const auto& a : args) {
    if (a == "--json") {
      json = true;
    } else if (a == "--pretty") {
      pretty = true;
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      err << "edi parse: unknown option " << a << "\n";
      return kUnreadable;
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) {
    err << "edi parse: no FILE given\n" << kUsage;
    return kUnreadable;
  }
  int status = kOk;
  for (const auto& f : files) {
    Loaded l = Load(f);
    if (!l.ok) {
      err << f << ": unreadable: " << l.error << "\n";
      status = kUnreadable;
      continue;
    }
    if (json) {
      JsonOptions jo;
      jo.pretty = pretty && files.size() == 1;
      out << DocumentToJson(l.doc, l.validation, f, jo);
      if (!jo.pretty) out << "\n";
    } else {
      PrintText(out, f, l);
    }
    if (Errors(l) > 0 && status == kOk) status = kFound;
  }
  return status;
}

int Validate(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::vector<std::string> files;
  for (const auto& a : args) {
    if (!a.empty() && a[0] == '-' && a != "-") {
      err << "edi validate: unknown option " << a << "\n";
      return kUnreadable;
    }
    files.push_back(a);
  }
  if (files.empty()) {
    err << "edi validate: no FILE given\n" << kUsage;
    return kUnreadable;
  }
  int status = kOk;
  for (const auto& f : files) {
    Loaded l = Load(f);
    if (!l.ok) {
      out << f << ": unreadable: " << l.error << "\n";
      status = kUnreadable;
      continue;
    }
    size_t errors = Errors(l), warnings = Warnings(l);
    out << f << ": ";
    if (errors == 0) {
      out << "ok";
    } else {
      out << errors << (errors == 1 ? " error" : " errors");
    }
    if (warnings > 0) out << ", " << warnings << (warnings == 1 ? " warning" : " warnings");
    out << "\n";
    for (const auto& d : l.doc.diagnostics) {
      if (d.severity >= Severity::kWarning) out << DiagnosticLine(d) << "\n";
    }
    for (const auto& s : l.validation.sets) {
      for (const auto& d : s.diagnostics) {
        if (d.severity >= Severity::kWarning) out << DiagnosticLine(d) << "\n";
      }
    }
    if (errors > 0 && status == kOk) status = kFound;
  }
  return status;
}

int Ack(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  AckOptions opts;
  std::vector<std::string> files;
  for (const auto& a : args) {
    if (a == "--997") {
      opts.kind = AckKind::k997;
    } else if (a == "--999") {
      opts.kind = AckKind::k999;
    } else if (a == "--always-ta1") {
      opts.ta1 = Ta1Policy::kAlways;
    } else if (a == "--no-accepted-sets") {
      opts.include_accepted_sets = false;
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      err << "edi ack: unknown option " << a << "\n";
      return kUnreadable;
    } else {
      files.push_back(a);
    }
  }
  if (files.size() != 1) {
    err << "edi ack: exactly one FILE is needed\n" << kUsage;
    return kUnreadable;
  }
  Loaded l = Load(files[0]);
  if (!l.ok) {
    err << files[0] << ": unreadable: " << l.error << "\n";
    return kUnreadable;
  }
  InMemoryControlNumbers numbers;
  auto ack = BuildAcknowledgments(l.doc, l.validation, numbers, opts);
  if (!ack.ok()) {
    err << files[0] << ": cannot build the acknowledgment: " << ack.error().ToString() << "\n";
    return kUnreadable;
  }
  out << ack->bytes;
  bool rejected = false;
  for (const auto& s : ack->summaries) {
    if (s.ta1_code == "R") rejected = true;
    for (const auto& c : s.group_codes) rejected = rejected || c == "R" || c == "P";
  }
  if (ack->bytes.empty()) err << files[0] << ": nothing to acknowledge\n";
  return rejected ? kFound : kOk;
}

}  // namespace
}  // namespace x12

int EdiMain(int argc, char** argv, std::ostream& out, std::ostream& err) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i] ? argv[i] : "");
  if (args.empty()) {
    err << x12::kUsage;
    return x12::kUnreadable;
  }
  std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    out << x12::kUsage;
    return x12::kOk;
  }
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      out << x12::kUsage;
      return x12::kOk;
    }
  }
  if (cmd == "parse") return x12::Parse(args, out, err);
  if (cmd == "validate") return x12::Validate(args, out, err);
  if (cmd == "ack") return x12::Ack(args, out, err);
  err << "edi: unknown command '" << cmd << "'\n" << x12::kUsage;
  return x12::kUnreadable;
}

}  // namespace crossdock
