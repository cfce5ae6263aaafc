#include "mapping/encode.hpp"

#include "edi/x12/writer.hpp"
#include "mapping/csv_map.hpp"
#include "mapping/json_map.hpp"
#include "mapping/x12_map.hpp"

namespace crossdock::mapping {
namespace {

class CallbackNumbers final : public x12::ControlNumberSource {
 public:
  explicit CallbackNumbers(const EncodeOptions& o) : o_(o) {}
  Result<int64_t> Next(std::string_view, std::string_view kind) override {
    std::string k(kind);
    for (auto& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!o_.next_control) return ++fallback_;
    return o_.next_control(k);
  }

 private:
  const EncodeOptions& o_;
  int64_t fallback_ = 0;
};

}  // namespace

std::string FunctionalId(const std::string& set_id) {
  static const std::pair<const char*, const char*> kIds[] = {
      {"850", "PO"}, {"855", "PR"}, {"856", "SH"}, {"810", "IN"}, {"846", "IB"},
      {"860", "PC"}, {"865", "CA"}, {"940", "OW"}, {"945", "SW"}, {"997", "FA"},
      {"999", "FA"}, {"830", "PS"}, {"852", "PD"}, {"214", "QM"}, {"180", "AN"}};
  for (const auto& [s, id] : kIds) {
    if (set_id == s) return id;
  }
  return "";
}

Result<Encoded> Encode(const config::Config& cfg, const config::Partner& partner,
                       const model::CanonicalDocument& doc, const EncodeOptions& opts) {
  const std::string type(model::DocumentTypeName(doc.type));
  const config::DocumentRoute* route = partner.FindRoute(type, "out");
  if (!route) {
    return Error(Code::kFailedPrecondition,
                 "partner " + partner.id + " has no outbound route for " + type);
  }
  Encoded out;
  out.format = route->format;
  if (route->format == "json") {
    const config::JsonMapping* m = partner.FindJson(type);
    CD_ASSIGN_OR_RETURN(out.bytes, CanonicalToPartnerJson(model::CanonicalToJson(doc),
                                                          m ? m->outbound : std::string()));
    out.content_type = "application/json";
    return out;
  }
  if (route->format == "csv") {
    const config::CsvMapping* m = partner.FindCsv(type);
    if (!m)
      return Error(Code::kConfig, "partner " + partner.id + " has no csv mapping for " + type);
    CD_ASSIGN_OR_RETURN(out.bytes, CanonicalToCsv(model::CanonicalToJson(doc), *m));
    out.content_type = "text/csv";
    return out;
  }
  const std::string version = route->version.empty() ? partner.x12.version : route->version;
  X12MapOptions mo;
  mo.partner_kind =
      partner.kind == "customer" || partner.kind == "channel" ? "customer" : "supplier";
  mo.currency = partner.default_currency;
  CD_ASSIGN_OR_RETURN(auto body, ToX12(doc, route->set, version, mo));
  x12::OutSet set;
  set.id = route->set;
  if (version.size() > 6) set.convention = version;  // 005010X... implementation guides
  for (auto& seg : body) set.segments.push_back(x12::OutSegment{seg.tag, std::move(seg.elements)});
  x12::OutGroup g;
  g.functional_id = FunctionalId(route->set);
  g.sender = cfg.hub.gs_id;
  g.receiver = partner.x12.gs_id.empty() ? partner.x12.isa_id : partner.x12.gs_id;
  g.version = version;
  g.sets.push_back(std::move(set));
  x12::OutInterchange ic;
  ic.sender_qualifier = cfg.hub.isa_qualifier;
  ic.sender_id = cfg.hub.isa_id;
  ic.receiver_qualifier = partner.x12.isa_qualifier.empty() ? "ZZ" : partner.x12.isa_qualifier;
  ic.receiver_id = partner.x12.isa_id;
  const bool v5 = version.rfind("005", 0) == 0;
  ic.version = v5 ? "00501" : "00401";
  ic.standards_id = v5 ? std::string(1, partner.x12.repetition_separator) : "U";
  ic.usage = partner.x12.usage.empty() ? 'P' : partner.x12.usage[0];
  ic.groups.push_back(std::move(g));
  x12::WriterOptions wo;
  wo.delimiters.element = partner.x12.element_separator;
  wo.delimiters.component = partner.x12.component_separator;
  wo.delimiters.segment = partner.x12.segment_terminator;
  wo.delimiters.repetition = v5 ? partner.x12.repetition_separator : 0;
  wo.delimiters.suffix = partner.x12.segment_newline ? "\n" : "";
  wo.partner = partner.id;
  wo.clock = opts.clock;
  CallbackNumbers numbers(opts);
  CD_ASSIGN_OR_RETURN(auto written, x12::WriteInterchange(ic, numbers, wo));
  out.bytes = std::move(written.bytes);
  out.control = written.isa13;
  out.content_type = "application/edi-x12";
  return out;
}

}  // namespace crossdock::mapping
