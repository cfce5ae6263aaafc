#include "pipeline/inbound.hpp"

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "core/strings.hpp"
#include "engine/routing.hpp"
#include "mapping/decode.hpp"
#include "model/any.hpp"
#include "model/json.hpp"

namespace crossdock::pipeline {
namespace {

store::ExceptionRecord ToRecord(const model::BusinessException& e) {
  store::ExceptionRecord r;
  r.type = e.type;
  r.severity = e.severity;
  r.partner_id = e.partner;
  r.document_type = e.document_type;
  r.document_id = e.document_id;
  r.message_id = e.message_id;
  r.line = e.line;
  r.field = e.field;
  r.value = e.value;
  r.rule = e.rule;
  r.message = e.message;
  return r;
}

std::string ExceptionJson(const store::ExceptionRecord& r) {
  model::BusinessException e;
  e.id = r.id;
  e.type = r.type;
  e.severity = r.severity;
  e.partner = r.partner_id;
  e.document_type = r.document_type;
  e.document_id = r.document_id;
  e.message_id = r.message_id;
  e.line = r.line;
  e.field = r.field;
  e.value = r.value;
  e.rule = r.rule;
  e.message = r.message;
  return model::ToJson(e);
}

// The summary of the message a decode item works on. Store::GetMessage also reads the message's
// events, queue items, dead letters, exceptions and lineage (a dozen queries), none of which
// decoding uses; the message is found among those of its correlation id instead (one indexed
// query), and through GetMessage only when it is not there (no correlation id, a long chain).
Result<store::MessageSummary> MessageOf(store::Store& s, const store::QueueItem& item) {
  if (!item.correlation_id.empty()) {
    store::MessageFilter f;
    f.correlation_id = item.correlation_id;  // alone: the planner then uses its index
    f.limit = 16;
    auto list = s.ListMessages(f);
    if (list.ok()) {
      for (auto& m : *list) {
        if (m.id == item.message_id) return std::move(m);
      }
    }
  }
  CD_ASSIGN_OR_RETURN(auto view, s.GetMessage(item.message_id));
  return std::move(view.message);
}

}  // namespace

std::string PartnerDestination(const std::string& partner_id) { return "partner." + partner_id; }

void LocationForPartner(const config::Config& cfg, const config::Partner* partner,
                        model::PartyRef* party) {
  if (party->id.empty()) return;
  if (party->code.empty()) party->code = party->id;
  if (partner) {
    for (const auto& x : partner->location_xref) {
      if (x.id == party->id) party->code = x.code;
    }
  }
  if (party->qualifier.empty()) party->qualifier = "92";
  if (const auto* loc = cfg.FindLocation(party->id)) party->name = loc->name;
}

std::vector<store::WorkSpec> InboundSteps(const std::string& partner,
                                          const std::string& canonical_type) {
  store::WorkSpec w;
  w.step = kDecodeStep;
  w.ordering_key = engine::InboundOrderingKey(partner);
  if (!canonical_type.empty())
    w.payload = "{\"canonical_type\":" + JsonString(canonical_type) + "}";
  return {w};
}

DocumentHook Hooks(std::vector<DocumentHook> hooks) {
  return [hooks = std::move(hooks)](const DecodedDoc& d, store::Completion* out) {
    for (const auto& h : hooks) {
      if (h) h(d, out);
    }
  };
}

engine::StepDef MakeDecodeStep(store::Store& store, const config::Config& cfg, const Clock& clock,
                               DocumentHook hook) {
  engine::StepDef def;
  def.name = kDecodeStep;
  def.retry = cfg.engine.step_retry;
  // Decoding reads only its own message. A resent interchange in the same run as its original
  // is caught at commit (its claim fails), given back, and recognised when it runs again.
  def.runs_ok = true;
  store::Store* s = &store;
  const config::Config* c = &cfg;
  const Clock* clk = &clock;
  def.run = [s, c, clk, hook](const store::QueueItem& item) -> engine::StepResult {
    auto summary = MessageOf(*s, item);
    if (!summary.ok()) return engine::StepResult::FromError(summary.error());
    const store::MessageSummary& m = *summary;
    std::string content_type;
    auto payload = s->GetPayload(item.message_id, &content_type);
    if (!payload.ok()) return engine::StepResult::FromError(payload.error());
    const config::Partner* partner = c->FindPartner(m.partner_id);
    if (!partner) {
      return engine::StepResult::FromError(
          Error(Code::kFailedPrecondition,
                "partner '" + m.partner_id + "' is no longer configured; add it back and replay"));
    }
    const TimePoint now = clk->Now();
    store::Completion done;

    // Raw event, for destinations that take documents as they arrive.
    {
      std::string data =
          "{\"message_id\":" + JsonString(m.id) + ",\"partner\":" + JsonString(m.partner_id) +
          ",\"content_type\":" + JsonString(m.content_type) +
          ",\"size\":" + std::to_string(m.size) +
          ",\"content_hash\":" + JsonString(m.content_hash) +
          ",\"received_at\":" + JsonString(FormatIso8601(m.received_at)) + ",\"idempotency_key\":" +
          (m.idempotency_key.empty() ? std::string("null") : JsonString(m.idempotency_key));
      if (IsValidUtf8(*payload)) {
        data += ",\"payload\":" + JsonString(*payload);
      } else {
        data += ",\"payload_base64\":" + JsonString(Base64Encode(*payload));
      }
      data += "}";
      engine::EventSpec ev{engine::kMessageReceived, m.partner_id,  m.id, data, m.id,
                           m.correlation_id,         m.traceparent, m.id};
      for (auto& d : engine::FanOut(*c, ev, now)) done.deliveries.push_back(std::move(d));
    }

    mapping::DecodeOptions opts;
    opts.message_id = m.id;
    {
      const std::string marker = "\"canonical_type\":\"";
      const auto pos = item.payload.find(marker);
      if (pos != std::string::npos) {
        const auto start = pos + marker.size();
        opts.canonical_type = item.payload.substr(start, item.payload.find('"', start) - start);
      }
    }
    opts.seen_interchange = [s, &m](const std::string& key) -> std::optional<std::string> {
      auto hit = s->FindDedupe(m.partner_id, "isa", key);
      if (hit.ok() && hit->has_value() && (*hit)->message_id != m.id) return (*hit)->message_id;
      return std::nullopt;
    };
    opts.next_control = [s, &m](const std::string& kind) {
      return s->NextSequence(m.partner_id, "ack-" + kind);
    };
    {
      const std::string iso = FormatIso8601(now);  // 2026-11-23T09:32:26.123Z
      opts.today = iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2);
      opts.now_hhmm = iso.substr(11, 2) + iso.substr(14, 2);
    }
    auto decoded = mapping::Decode(*c, *partner, content_type, *payload, opts);
    if (!decoded.ok()) {
      if (decoded.error().code() == Code::kConfig || decoded.error().code() == Code::kInternal) {
        return engine::StepResult::FromError(decoded.error());
      }
      // Unreadable in its claimed format: the bytes stay, the problem is an exception.
      store::ExceptionRecord e;
      e.type = "unreadable_document";
      e.rule = "a document must be readable in the format its content type names";
      e.message = "message " + m.id + " (" + m.content_type + ", " + std::to_string(m.size) +
                  " bytes) could not be read: " + decoded.error().ToString();
      e.partner_id = m.partner_id;
      e.message_id = m.id;
      done.exceptions.push_back(e);
      engine::EventSpec ev{"business_exception.raised.v1",
                           m.partner_id,
                           m.id,
                           ExceptionJson(e),
                           m.id,
                           m.correlation_id,
                           m.traceparent,
                           m.id};
      for (auto& d : engine::FanOut(*c, ev, now)) done.deliveries.push_back(std::move(d));
      return engine::StepResult::Done(std::move(done));
    }
    const mapping::DecodeResult& r = *decoded;

    for (const auto& d : r.documents) {
      const std::string type(model::DocumentTypeName(d.doc.type));
      store::NewMessage cm;
      cm.id = NewIdAt(now);
      cm.partner_id = m.partner_id;
      cm.direction = "internal";
      cm.kind = d.held ? "canonical-held" : "canonical";
      cm.content_type = "application/json";
      cm.payload = d.json;
      cm.content_hash = Sha256Hex(d.json);
      cm.correlation_id = m.correlation_id;
      cm.traceparent = m.traceparent;
      cm.received_at = now;
      done.lineage.push_back({m.id, cm.id, "decoded"});
      std::vector<store::ExceptionRecord> recs;
      for (const auto& e : d.exceptions) {
        store::ExceptionRecord rec = ToRecord(e);
        rec.id = NewIdAt(now);
        rec.message_id = cm.id;
        rec.correlation_id = m.correlation_id;
        recs.push_back(rec);
        done.exceptions.push_back(rec);
      }
      // Search keys: the document's own key, the orders it refers to, the SKUs it names.
      done.keys.push_back({"document", d.business_key, type, d.business_key, cm.id, {}});
      for (const auto& po : model::ReferencedOrders(d.doc)) {
        done.keys.push_back({"reference", po, type, d.business_key, cm.id, {}});
      }
      for (const auto& sku : model::DocumentSkus(d.doc)) {
        done.keys.push_back({"sku", sku, type, d.business_key, cm.id, {}});
      }
      store::EventRecord ev;
      ev.type = "document.decoded";
      ev.message_id = m.id;
      ev.subject = type;
      ev.item_id = cm.id;
      ev.detail_json = "{\"type\":" + JsonString(type) + ",\"key\":" + JsonString(d.business_key) +
                       ",\"partner\":" + JsonString(m.partner_id) +
                       ",\"source\":" + JsonString(d.source) +
                       ",\"held\":" + (d.held ? "true" : "false") +
                       ",\"exceptions\":" + std::to_string(d.exceptions.size());
      if (const auto* sh = std::get_if<model::Shipment>(&d.doc.doc)) {
        // Shipment event completeness, a measure operations watch.
        std::string gaps = "[";
        for (const auto& g : model::ShipmentGaps(*sh)) {
          gaps += (gaps.size() > 1 ? "," : "") + JsonString(g);
        }
        ev.detail_json += ",\"gaps\":" + gaps + "]";
      }
      ev.detail_json += "}";
      done.events.push_back(ev);
      if (d.held) {
        for (const auto& rec : recs) {
          engine::EventSpec x{"business_exception.raised.v1",
                              m.partner_id,
                              rec.id,
                              ExceptionJson(rec),
                              cm.id,
                              m.correlation_id,
                              m.traceparent,
                              type + "/" + d.business_key};
          for (auto& dl : engine::FanOut(*c, x, now)) done.deliveries.push_back(std::move(dl));
        }
      } else {
        std::string data =
            "{\"document_type\":" + JsonString(type) + ",\"key\":" + JsonString(d.business_key) +
            ",\"message_id\":" + JsonString(cm.id) + ",\"source_message_id\":" + JsonString(m.id) +
            ",\"source\":" + JsonString(d.source) +
            ",\"warnings\":" + std::to_string(d.exceptions.size()) + ",\"document\":" + d.json +
            "}";
        engine::EventSpec x{type + ".received.v1",
                            m.partner_id,
                            d.business_key,
                            data,
                            cm.id,
                            m.correlation_id,
                            m.traceparent,
                            type + "/" + d.business_key};
        for (auto& dl : engine::FanOut(*c, x, now)) done.deliveries.push_back(std::move(dl));
      }
      if (hook) {
        DecodedDoc dd{
            partner, type,   d.business_key, cm.id,
            d.json,  d.held, d.exceptions,   opts.canonical_type.empty() ? r.format : "api"};
        for (size_t k = 0; k < dd.exceptions.size() && k < recs.size(); ++k) {
          dd.exceptions[k].id = recs[k].id;
        }
        hook(dd, &done);
      }
      done.messages.push_back(std::move(cm));
    }
    for (const auto& e : r.exceptions) {
      store::ExceptionRecord rec = ToRecord(e);
      rec.id = NewIdAt(now);
      rec.message_id = m.id;
      rec.correlation_id = m.correlation_id;
      done.exceptions.push_back(rec);
      engine::EventSpec x{"business_exception.raised.v1",
                          m.partner_id,
                          rec.id,
                          ExceptionJson(rec),
                          m.id,
                          m.correlation_id,
                          m.traceparent,
                          m.id};
      for (auto& dl : engine::FanOut(*c, x, now)) done.deliveries.push_back(std::move(dl));
    }
    for (const auto& i : r.interchanges) {
      if (i.duplicate) {
        store::ExceptionRecord rec;
        rec.id = NewIdAt(now);
        rec.type = "duplicate_interchange";
        rec.severity = "warning";
        rec.partner_id = m.partner_id;
        rec.message_id = m.id;
        rec.correlation_id = m.correlation_id;
        rec.document_id = i.control;
        rec.field = "ISA13";
        rec.value = i.control;
        rec.rule = "an interchange control number is processed once per partner";
        rec.message = "interchange " + i.control + " from " + i.sender +
                      " was already received in message " + i.original_message_id +
                      "; it was not processed again";
        done.exceptions.push_back(rec);
        store::EventRecord ev;
        ev.type = "interchange.duplicate";
        ev.message_id = m.id;
        ev.subject = i.control;
        ev.detail_json = "{\"key\":" + JsonString(i.key) +
                         ",\"original_message_id\":" + JsonString(i.original_message_id) + "}";
        done.events.push_back(ev);
      } else {
        done.claims.push_back({m.partner_id, "isa", i.key, m.id, Millis(90LL * 24 * 3600 * 1000)});
        // Searchable as sent (000000905) and without its leading zeros (905).
        done.keys.push_back({"interchange", i.control, "interchange", i.key, m.id, {}});
        const size_t nz = i.control.find_first_not_of('0');
        if (nz != 0 && nz != std::string::npos) {
          done.keys.push_back(
              {"interchange", i.control.substr(nz), "interchange", i.key, m.id, {}});
        }
        store::EventRecord ev;
        ev.type = "interchange.received";
        ev.message_id = m.id;
        ev.subject = i.control;
        ev.detail_json = "{\"sender\":" + JsonString(i.sender) +
                         ",\"sets\":" + std::to_string(i.sets) +
                         ",\"accepted\":" + std::to_string(i.sets_accepted) +
                         ",\"rejected\":" + std::to_string(i.sets_rejected) + "}";
        done.events.push_back(ev);
      }
    }
    if (!r.ack.empty()) {
      store::NewMessage ack;
      ack.id = NewIdAt(now);
      ack.partner_id = m.partner_id;
      ack.direction = "out";
      ack.kind = r.ack_type;
      ack.content_type = "application/edi-x12";
      ack.payload = r.ack;
      ack.content_hash = Sha256Hex(r.ack);
      ack.correlation_id = m.correlation_id;
      ack.traceparent = m.traceparent;
      ack.received_at = now;
      done.lineage.push_back({m.id, ack.id, "acknowledgment"});
      if (partner->transport.type == "http" ||
          (partner->transport.type == "filedrop" && !partner->transport.outbound_dir.empty())) {
        store::DeliverySpec ds;
        ds.destination_id = PartnerDestination(m.partner_id);
        ds.ordering_key = ds.destination_id + "/" + m.id;
        ds.message_id = ack.id;
        ds.partner_id = m.partner_id;
        ds.correlation_id = m.correlation_id;
        ds.traceparent = m.traceparent;
        ds.event_type = "x12." + r.ack_type;
        ds.idempotency_key = ack.id;
        ds.content_type = "application/edi-x12";
        ds.body = r.ack;
        done.deliveries.push_back(std::move(ds));
      }
      store::EventRecord ev;
      ev.type = "acknowledgment.queued";
      ev.message_id = m.id;
      ev.subject = r.ack_type;
      ev.item_id = ack.id;
      done.events.push_back(ev);
      done.messages.push_back(std::move(ack));
    }
    return engine::StepResult::Done(std::move(done));
  };
  return def;
}

}  // namespace crossdock::pipeline
