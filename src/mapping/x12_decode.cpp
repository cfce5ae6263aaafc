#include "mapping/x12_decode.hpp"

#include <algorithm>

#include "core/strings.hpp"
#include "edi/x12/ack.hpp"
#include "edi/x12/document.hpp"
#include "edi/x12/validator.hpp"
#include "mapping/rules.hpp"
#include "mapping/x12_map.hpp"

namespace crossdock::mapping {
namespace {

class CallbackNumbers final : public x12::ControlNumberSource {
 public:
  explicit CallbackNumbers(const DecodeOptions& o) : o_(o) {}
  Result<int64_t> Next(std::string_view, std::string_view kind) override {
    if (!o_.next_control) return ++fallback_;
    return o_.next_control(ToLower(kind));
  }

 private:
  const DecodeOptions& o_;
  int64_t fallback_ = 0;
};

model::BusinessException Ex(const config::Partner& p, const DecodeOptions& o,
                            const std::string& type, const std::string& severity,
                            const std::string& doc_type, const std::string& doc_id,
                            const std::string& field, const std::string& value,
                            const std::string& rule, const std::string& message) {
  model::BusinessException e;
  e.type = type;
  e.severity = severity;
  e.partner = p.id;
  e.document_type = doc_type;
  e.document_id = doc_id;
  e.message_id = o.message_id;
  e.field = field;
  e.value = value;
  e.rule = rule;
  e.message = message;
  return e;
}

std::string Where(const x12::Interchange& ic, const x12::FunctionalGroup& g,
                  const x12::TransactionSet& s) {
  return "ISA " + std::string(Trim(ic.control())) + " / GS " + g.control() + " / ST " + s.control +
         " (" + s.id + ")";
}

}  // namespace

Status DecodeX12(const config::Config& cfg, const config::Partner& partner,
                 std::string_view payload, const DecodeOptions& opts, DecodeResult* out) {
  CD_ASSIGN_OR_RETURN(x12::Document doc, x12::ReadDocument(payload));
  if (doc.interchanges.empty()) {
    return Error(Code::kInvalidArgument, "no X12 interchange (ISA) found in the document");
  }
  const x12::DocumentValidation validation = x12::ValidateDocument(doc);
  for (const auto& d : doc.diagnostics) {
    if (d.severity >= x12::Severity::kWarning) out->diagnostics.push_back(x12::FormatDiagnostic(d));
  }
  for (const auto& sv : validation.sets) {
    for (const auto& d : sv.diagnostics) {
      if (d.severity >= x12::Severity::kWarning)
        out->diagnostics.push_back(x12::FormatDiagnostic(d));
    }
  }
  // The acknowledgment is decided first: a TA1 that rejects an interchange means its sets are not
  // processed.
  x12::AckOptions ao;
  ao.kind = partner.x12.ack == "997"   ? x12::AckKind::k997
            : partner.x12.ack == "999" ? x12::AckKind::k999
                                       : x12::AckKind::kAuto;
  ao.include_accepted_sets = partner.x12.ack_accepted_sets;
  ao.partner = partner.id;
  CallbackNumbers numbers(opts);
  x12::InMemoryControlNumbers scratch;
  const bool send_ack = partner.x12.ack != "none";
  auto ack = x12::BuildAcknowledgments(doc, validation,
                                       send_ack ? static_cast<x12::ControlNumberSource&>(numbers)
                                                : static_cast<x12::ControlNumberSource&>(scratch),
                                       ao);
  auto ta1_of = [&](int index) -> std::string {
    if (!ack.ok()) return "";
    for (const auto& s : ack->summaries) {
      if (s.interchange == index) return s.ta1_code;
    }
    return "";
  };
  bool any_fresh = false;
  for (const auto& ic : doc.interchanges) {
    InterchangeInfo info;
    const std::string sender_id(Trim(ic.sender_id()));
    info.control = std::string(Trim(ic.control()));
    info.sender = std::string(Trim(ic.sender_qualifier())) + "/" + sender_id;
    info.receiver =
        std::string(Trim(ic.receiver_qualifier())) + "/" + std::string(Trim(ic.receiver_id()));
    info.key = info.sender + "/" + info.control;
    if (opts.seen_interchange) {
      if (auto orig = opts.seen_interchange(info.key)) {
        info.duplicate = true;
        info.original_message_id = *orig;
      }
    }
    // The bytes came in on this partner's route: the envelope must say they are from it.
    const bool wrong_sender =
        !partner.x12.isa_id.empty() && !ic.implicit &&
        (sender_id != partner.x12.isa_id ||
         (!partner.x12.isa_qualifier.empty() &&
          std::string(Trim(ic.sender_qualifier())) != partner.x12.isa_qualifier));
    if (wrong_sender && !info.duplicate) {
      out->exceptions.push_back(
          Ex(partner, opts, "unexpected_sender", "error", "", info.control, "ISA06", info.sender,
             "an interchange on a partner's route must carry that partner's ISA sender id",
             "interchange " + info.control + " says it is from " + info.sender + ", but partner " +
                 partner.id + " is " + partner.x12.isa_qualifier + "/" + partner.x12.isa_id +
                 "; its sets were not processed"));
    }
    const std::string ta1 = ta1_of(ic.index);
    const bool ic_rejected = ta1 == "R";
    if (!info.duplicate && !wrong_sender && ic.envelope_errors) {
      std::string detail;
      int shown = 0;
      for (const auto& d : doc.diagnostics) {
        if (d.is_error() && d.where.interchange == ic.index && d.where.set < 0 && shown++ < 5) {
          detail += "; " + x12::FormatDiagnostic(d);
        }
      }
      out->exceptions.push_back(Ex(
          partner, opts, ic_rejected ? "rejected_interchange" : "envelope_error",
          ic_rejected ? "error" : "warning", "", info.control, "ISA13", info.control,
          "an interchange envelope must be well formed (ISA/IEA, GS/GE counts and control numbers)",
          "interchange " + info.control +
              (ic_rejected
                   ? " was rejected (TA1 R); its sets were not processed"
                   : " has envelope errors (TA1 " + (ta1.empty() ? std::string("not sent") : ta1) +
                         "); its valid sets were processed") +
              detail));
    }
    for (const auto& g : ic.groups) {
      for (const auto& s : g.sets) {
        ++info.sets;
        if (info.duplicate || wrong_sender) continue;
        if (ic_rejected) {
          ++info.sets_rejected;
          continue;
        }
        const x12::SetValidation* sv = validation.For(s);
        const bool rejected =
            s.envelope_errors || g.envelope_errors || (sv && sv->error_count() > 0);
        const std::string where = Where(ic, g, s);
        if (rejected) {
          ++info.sets_rejected;
          std::string detail;
          int shown = 0;
          if (sv) {
            for (const auto& d : sv->diagnostics) {
              if (!d.is_error()) continue;
              if (shown++ < 5) detail += "; " + x12::FormatDiagnostic(d);
            }
          }
          for (const auto& d : doc.diagnostics) {
            if (d.is_error() && d.where.st02 == s.control && d.where.gs06 == g.control() &&
                shown++ < 5) {
              detail += "; " + x12::FormatDiagnostic(d);
            }
          }
          out->exceptions.push_back(Ex(partner, opts, "rejected_transaction_set", "error", "",
                                       s.control, "ST02", s.control,
                                       "a transaction set must be valid X12 for its version",
                                       where + " was rejected in the acknowledgment" + detail));
          continue;
        }
        ++info.sets_accepted;
        const config::DocumentRoute* route = partner.FindRouteBySet(s.id, "in");
        if (!route) {
          out->exceptions.push_back(
              Ex(partner, opts, "unroutable_document", "error", "", s.control, "ST01", s.id,
                 "a partner's documents must match one of its inbound document routes",
                 where + ": partner " + partner.id + " has no inbound route for X12 " + s.id));
          continue;
        }
        auto type = model::ParseDocumentType(route->type);
        if (!type) return Error(Code::kConfig, "unknown document type " + route->type);
        X12MapOptions mo;
        mo.partner_kind =
            partner.kind == "customer" || partner.kind == "channel" ? "customer" : "supplier";
        mo.currency = partner.default_currency;
        auto mapped = FromX12(doc.set_view(s), ContextFor(ic, g), *type, mo);
        if (!mapped.ok()) {
          out->exceptions.push_back(Ex(partner, opts, "unmappable_document", "error", route->type,
                                       s.control, "", s.id,
                                       "an accepted set must map to its canonical document",
                                       where + ": " + mapped.error().message()));
          continue;
        }
        const std::string json = model::CanonicalToJson(mapped->doc);
        // Validation against the model and the business rules, as for every format.
        auto parsed = model::ParseCanonical(*type, json);
        DecodedDocument dd;
        if (!parsed.ok()) {
          // Keep the mapped document (with its gaps) and hold it.
          dd.doc = mapped->doc;
          dd.exceptions.push_back(
              Ex(partner, opts, "invalid_document", "error", route->type,
                 model::BusinessKey(mapped->doc), "", "",
                 "a document must carry every required field of the canonical " + route->type,
                 where + ": " + parsed.error().message()));
        } else {
          dd.doc = std::move(*parsed);
        }
        RuleContext ctx{&cfg, &partner, opts.message_id};
        auto rules = EnrichAndCheck(dd.doc, ctx);
        dd.exceptions.insert(dd.exceptions.end(), rules.begin(), rules.end());
        const std::string key = model::BusinessKey(dd.doc);
        for (const auto& issue : mapped->issues) {
          if (issue.severity == IssueSeverity::kInfo) continue;
          const bool err = issue.severity == IssueSeverity::kError;
          auto e =
              Ex(partner, opts, err ? "mapping_error" : "mapping_warning",
                 err ? "error" : "warning", route->type, key, issue.field, issue.value,
                 "X12 " + s.id + " data must map to the canonical " + route->type,
                 where + ": " + issue.segment +
                     (issue.element ? std::to_string(issue.element) : "") + " (segment " +
                     std::to_string(issue.segment_ordinal) + " of the file): " + issue.message);
          dd.exceptions.push_back(std::move(e));
        }
        dd.held = Blocks(dd.exceptions);
        dd.json = model::CanonicalToJson(dd.doc);
        dd.business_key = key;
        dd.source = where;
        out->documents.push_back(std::move(dd));
      }
    }
    any_fresh |= !info.duplicate;
    out->interchanges.push_back(std::move(info));
  }
  if (send_ack && any_fresh) {
    if (!ack.ok()) {
      out->exceptions.push_back(
          Ex(partner, opts, "acknowledgment_failed", "error", "", "", "", "",
             "every interchange received is acknowledged",
             "the acknowledgment could not be built: " + ack.error().ToString()));
    } else {
      out->ack = ack->bytes;
      for (const auto& s : ack->summaries) {
        if (!s.kind.empty()) {
          out->ack_type = s.kind;
        } else if (!s.ta1_code.empty() && out->ack_type.empty()) {
          out->ack_type = "TA1";
        }
      }
    }
  }
  (void)cfg;
  return Status::Ok();
}

}  // namespace crossdock::mapping
