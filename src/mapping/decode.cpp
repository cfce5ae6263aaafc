#include "mapping/decode.hpp"

#include <sstream>

#include "core/strings.hpp"
#include "mapping/csv_map.hpp"
#include "mapping/json_map.hpp"
#include "mapping/rules.hpp"
#include "mapping/x12_decode.hpp"

namespace crossdock::mapping {
namespace {

model::BusinessException Problem(const config::Partner& partner, const std::string& message_id,
                                 const std::string& type, const std::string& doc_type,
                                 const std::string& rule, const std::string& message,
                                 const std::string& field = {}, const std::string& value = {}) {
  model::BusinessException e;
  e.type = type;
  e.severity = "error";
  e.partner = partner.id;
  e.document_type = doc_type;
  e.message_id = message_id;
  e.field = field;
  e.value = value;
  e.rule = rule;
  e.message = message;
  return e;
}

bool HasInboundRoutes(const config::Partner& p) {
  for (const auto& r : p.documents) {
    if (r.direction == "in") return true;
  }
  return false;
}

const config::DocumentRoute* RouteFor(const config::Partner& p, const std::string& format) {
  for (const auto& r : p.documents) {
    if (r.direction == "in" && r.format == format) return &r;
  }
  return nullptr;
}

// Validates one canonical JSON text against the model, then enriches and checks it.
void Finish(const config::Config& cfg, const config::Partner& partner, const DecodeOptions& opts,
            model::DocumentType type, const std::string& json, const std::string& source,
            DecodeResult* out) {
  const std::string type_name(model::DocumentTypeName(type));
  auto parsed = model::ParseCanonical(type, json);
  if (!parsed.ok()) {
    out->exceptions.push_back(
        Problem(partner, opts.message_id, "invalid_document", type_name,
                "a document must carry every required field of the canonical " + type_name +
                    " with valid values",
                source + ": " + parsed.error().message()));
    return;
  }
  DecodedDocument d;
  d.doc = std::move(*parsed);
  RuleContext ctx{&cfg, &partner, opts.message_id};
  d.exceptions = EnrichAndCheck(d.doc, ctx);
  d.held = Blocks(d.exceptions);
  d.json = model::CanonicalToJson(d.doc);
  d.business_key = model::BusinessKey(d.doc);
  d.source = source;
  out->documents.push_back(std::move(d));
}

}  // namespace

std::string FormatOf(std::string_view content_type) {
  std::string ct = ToLower(Trim(content_type.substr(0, content_type.find(';'))));
  if (ct == "application/edi-x12" || ct == "application/edi" || ct == "application/x12" ||
      ct == "text/x12" || ct == "text/plain") {
    return "x12";
  }
  if (ct == "text/csv" || ct == "application/csv") return "csv";
  if (ct == "application/json" ||
      (StartsWith(ct, "application/") && ct.size() > 5 && ct.substr(ct.size() - 5) == "+json")) {
    return "json";
  }
  return "";
}

Result<DecodeResult> Decode(const config::Config& cfg, const config::Partner& partner,
                            std::string_view content_type, std::string_view payload,
                            const DecodeOptions& opts) {
  DecodeResult out;
  out.format = FormatOf(content_type);
  if (out.format.empty()) {
    return Error(Code::kUnsupported,
                 "content type '" + std::string(content_type) + "' is not X12, CSV or JSON");
  }
  if (!opts.canonical_type.empty()) {
    auto type = model::ParseDocumentType(opts.canonical_type);
    if (!type) return Error(Code::kInvalidArgument, "unknown document type " + opts.canonical_type);
    CD_ASSIGN_OR_RETURN(std::string exact, NumbersAsText(payload));
    Finish(cfg, partner, opts, *type, exact, "API document", &out);
    return out;
  }
  if (out.format == "x12") {
    CD_RETURN_IF_ERROR(DecodeX12(cfg, partner, payload, opts, &out));
    return out;
  }
  const config::DocumentRoute* route = RouteFor(partner, out.format);
  // Several inbound routes in one format (a 3PL sending shipments and receipts as JSON): the
  // document is the first type it reads as completely.
  if (route) {
    std::vector<const config::DocumentRoute*> candidates;
    for (const auto& r : partner.documents) {
      if (r.direction == "in" && r.format == out.format) candidates.push_back(&r);
    }
    if (candidates.size() > 1) {
      for (const auto* c : candidates) {
        auto t = model::ParseDocumentType(c->type);
        if (!t) continue;
        bool fits = false;
        if (out.format == "json") {
          const config::JsonMapping* m = partner.FindJson(c->type);
          auto docs = JsonToCanonical(payload, m ? m->inbound : std::string());
          fits = docs.ok() && !docs->empty();
          if (fits) {
            for (const auto& d : *docs) fits &= model::ParseCanonical(*t, d).ok();
          }
        } else if (const config::CsvMapping* m = partner.FindCsv(c->type)) {
          auto docs = CsvToCanonical(payload, *m);
          fits = docs.ok() && !docs->empty();
          if (fits) {
            for (const auto& d : *docs) fits &= model::ParseCanonical(*t, d.json).ok();
          }
        }
        if (fits) {
          route = c;
          break;
        }
      }
    }
  }
  if (!route) {
    if (HasInboundRoutes(partner)) {
      out.exceptions.push_back(
          Problem(partner, opts.message_id, "unroutable_document", "",
                  "a partner's documents must match one of its inbound document routes",
                  "partner " + partner.id + " sent " + out.format +
                      " but its profile has no inbound " + out.format + " document route"));
    }
    return out;  // no routes at all: the raw message is passed on as it is
  }
  auto type = model::ParseDocumentType(route->type);
  if (!type) return Error(Code::kConfig, "unknown document type " + route->type);
  if (out.format == "json") {
    const config::JsonMapping* m = partner.FindJson(route->type);
    CD_RETURN_IF_ERROR(NumbersAsText(payload).status());  // unreadable JSON is an error
    auto mapped = JsonToCanonical(payload, m ? m->inbound : std::string());
    if (!mapped.ok()) {
      if (mapped.error().code() == Code::kConfig) return mapped.error();
      out.exceptions.push_back(
          Problem(partner, opts.message_id, "invalid_document", route->type,
                  "the partner's JSON must have what its mapping to " + route->type + " reads",
                  "the JSON does not fit partner " + partner.id +
                      "'s mapping: " + mapped.error().message()));
      return out;
    }
    auto& docs = *mapped;
    for (size_t i = 0; i < docs.size(); ++i) {
      Finish(cfg, partner, opts, *type, docs[i],
             docs.size() == 1 ? "JSON document" : "JSON document " + std::to_string(i + 1), &out);
    }
    return out;
  }
  // CSV
  const config::CsvMapping* m = partner.FindCsv(route->type);
  if (!m) {
    return Error(Code::kConfig, "partner " + partner.id + " routes CSV to " + route->type +
                                    " but has no csv mapping for it");
  }
  CD_ASSIGN_OR_RETURN(auto docs, CsvToCanonical(payload, *m));
  for (const auto& d : docs) {
    std::string source = "CSV row " + std::to_string(d.first_row);
    if (!d.line_rows.empty() && d.line_rows.back() != d.first_row) {
      source = "CSV rows " + std::to_string(d.first_row) + "-" + std::to_string(d.line_rows.back());
    }
    const size_t before = out.exceptions.size();
    Finish(cfg, partner, opts, *type, d.json, source, &out);
    // Point field errors at CSV rows: lines[i] came from row line_rows[i].
    for (size_t k = before; k < out.exceptions.size(); ++k) {
      std::string& msg = out.exceptions[k].message;
      for (size_t i = 0; i < d.line_rows.size(); ++i) {
        const std::string tag = "lines[" + std::to_string(i) + "]";
        size_t pos = 0;
        while ((pos = msg.find(tag, pos)) != std::string::npos) {
          const std::string repl = tag + " (row " + std::to_string(d.line_rows[i]) + ")";
          msg.replace(pos, tag.size(), repl);
          pos += repl.size();
        }
      }
    }
    if (!out.documents.empty() && out.documents.back().source == source) {
      // line-level exceptions get their CSV row too
      for (auto& e : out.documents.back().exceptions) {
        for (size_t i = 0; i < d.line_rows.size(); ++i) {
          if (StartsWith(e.field, "lines[" + std::to_string(i) + "]")) {
            e.message += " (CSV row " + std::to_string(d.line_rows[i]) + ")";
          }
        }
      }
    }
  }
  return out;
}

std::string DescribeDecode(const DecodeResult& r) {
  std::ostringstream os;
  os << "format: " << r.format << "\n";
  for (const auto& i : r.interchanges) {
    os << "interchange " << i.control << " from " << i.sender << " to " << i.receiver << ": "
       << i.sets << " sets, " << i.sets_accepted << " accepted, " << i.sets_rejected << " rejected"
       << (i.duplicate ? " (DUPLICATE of message " + i.original_message_id + ")" : "") << "\n";
  }
  for (const auto& d : r.diagnostics) os << "syntax: " << d << "\n";
  for (const auto& d : r.documents) {
    os << "document " << model::DocumentTypeName(d.doc.type) << " " << d.business_key << " ("
       << d.source << ")" << (d.held ? " HELD" : "") << "\n";
    for (const auto& e : d.exceptions) {
      os << "  " << e.severity << " " << e.type << (e.line.empty() ? "" : " line " + e.line)
         << (e.field.empty() ? "" : " " + e.field)
         << (e.value.empty() ? "" : " = '" + e.value + "'") << ": " << e.message
         << " [rule: " << e.rule << "]\n";
    }
  }
  for (const auto& e : r.exceptions) {
    os << e.severity << " " << e.type << ": " << e.message << " [rule: " << e.rule << "]\n";
  }
  if (!r.ack.empty()) os << "acknowledgment: " << r.ack_type << " (" << r.ack.size() << " bytes)\n";
  return os.str();
}

}  // namespace crossdock::mapping
