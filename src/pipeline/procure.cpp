#include "pipeline/procure.hpp"

#include "pipeline/fulfil.hpp"

#include <nlohmann/json.hpp>

#include <set>

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "core/strings.hpp"
#include "engine/routing.hpp"
#include "mapping/encode.hpp"
#include "model/json.hpp"
#include "workflows/purchase_order.hpp"

namespace crossdock::pipeline {
namespace {

using nlohmann::json;
using workflows::PoTransition;
using workflows::PurchaseOrderState;

constexpr const char* kPoType = "purchase_order";

Decimal Dec(const std::string& s, const char* fallback = "0") {
  auto d = Decimal::Parse(s.empty() ? fallback : s);
  return d.ok() ? *d : Decimal();
}

std::string Today(const Clock& c) { return FormatIso8601(c.Now()).substr(0, 10); }

std::string AddDays(const std::string& iso_date, int64_t days) {
  auto t = ParseIso8601(iso_date);
  if (!t) return iso_date;
  return FormatIso8601(*t + Millis(days * 86'400'000LL)).substr(0, 10);
}

workflows::PoPolicy PolicyFor(const config::Config& cfg, const std::string& supplier) {
  workflows::PoPolicy p;
  if (const config::Partner* s = cfg.FindPartner(supplier)) {
    p.price_tolerance_percent =
        Dec(s->match.price_tolerance_percent.empty() ? s->rules.price_tolerance_percent
                                                     : s->match.price_tolerance_percent);
    p.quantity_tolerance_percent = Dec(s->match.quantity_tolerance_percent);
    p.ack_due_hours = s->sla.ack_due_hours;
  }
  return p;
}

store::ExceptionRecord ToRecord(const model::BusinessException& e) {
  store::ExceptionRecord r;
  r.type = e.type;
  r.severity = e.severity;
  r.partner_id = e.partner;
  r.document_type = e.document_type;
  r.document_id = e.document_id;
  r.line = e.line;
  r.field = e.field;
  r.value = e.value;
  r.rule = e.rule;
  r.message = e.message;
  return r;
}

store::ExceptionRecord Problem(const std::string& type, const std::string& partner,
                               const std::string& doc_type, const std::string& doc_id,
                               const std::string& rule, const std::string& message,
                               const std::string& severity = "error") {
  store::ExceptionRecord r;
  r.type = type;
  r.severity = severity;
  r.partner_id = partner;
  r.document_type = doc_type;
  r.document_id = doc_id;
  r.rule = rule;
  r.message = message;
  return r;
}

store::WorkSpec ReplenishWork(const std::string& sku, const std::string& warehouse,
                              const std::string& payload = "{}") {
  store::WorkSpec w;
  w.step = kReplenishStep;
  w.ordering_key = "inv/" + sku + "/" + warehouse;
  json p = json::parse(payload, nullptr, false);
  if (!p.is_object()) p = json::object();
  p["sku"] = sku;
  p["warehouse"] = warehouse;
  w.payload = p.dump();
  return w;
}

// What the PO looks like in events and the API.
json PoSummary(const PurchaseOrderState& s) {
  json lines = json::array();
  for (const auto& l : s.lines) {
    lines.push_back({{"line_number", l.line_number},
                     {"sku", l.sku},
                     {"ordered", l.ordered.ToString()},
                     {"uom", l.uom},
                     {"confirmed", l.confirmed.ToString()},
                     {"backordered", l.backordered.ToString()},
                     {"shipped", l.shipped.ToString()},
                     {"received", l.received.ToString()},
                     {"invoiced", l.invoiced.ToString()},
                     {"status", l.status}});
  }
  return {{"po_number", s.po_number},
          {"state", s.state},
          {"supplier", s.supplier},
          {"warehouse", s.warehouse},
          {"total", s.total.ToString()},
          {"currency", s.currency},
          {"lines", lines}};
}

// Carries out a transition's commands into `out`, chaining the send of the 850.
class Executor {
 public:
  Executor(const ProcureContext& ctx, store::Completion* out, const store::QueueItem* item,
           std::string cause_message_id)
      : ctx_(ctx), out_(out), item_(item), cause_(std::move(cause_message_id)) {}

  void Run(const PurchaseOrderState& before, PoTransition t) {
    const int64_t expected = before.version;
    std::vector<store::AggregateWrite::Event> events;
    RunCommands(&t, &events);
    store::AggregateWrite w;
    w.type = kPoType;
    w.id = t.state.po_number;
    w.expected_version = expected;
    w.new_version = t.state.version;
    w.state_json = workflows::ToJson(t.state);
    w.status = t.state.state;
    w.partner_id = t.state.supplier;
    w.events = std::move(events);
    out_->aggregates.push_back(std::move(w));
    for (const auto& [sku, wh] : touched_) {
      if (ctx_.cfg->FindPolicy(sku, wh)) out_->next.push_back(ReplenishWork(sku, wh));
    }
    for (const auto& sku : promise_) out_->next.push_back(PromiseWork(sku));
  }

 private:
  void RunCommands(PoTransition* t, std::vector<store::AggregateWrite::Event>* events) {
    PurchaseOrderState& s = t->state;
    const TimePoint now = ctx_.clock->Now();
    bool send = false;
    for (auto& cmd : t->commands) {
      if (auto* e = std::get_if<workflows::Emit>(&cmd)) {
        const json data = PoSummary(s);
        events->push_back({e->type, json({{"state", s.state}}).dump()});
        engine::EventSpec ev{e->type,
                             s.supplier,
                             s.po_number,
                             data.dump(),
                             cause_,
                             item_ ? item_->correlation_id : "",
                             item_ ? item_->traceparent : "",
                             PoKey(s.po_number)};
        for (auto& d : engine::FanOut(*ctx_.cfg, ev, now)) out_->deliveries.push_back(std::move(d));
      } else if (auto* sup = std::get_if<workflows::SetSupply>(&cmd)) {
        store::InventoryChange c;
        c.op = store::InventoryChange::Op::kSetSupply;
        c.kind = sup->kind;
        c.ref = sup->ref;
        c.sku = sup->sku;
        c.warehouse = sup->warehouse;
        c.uom = sup->uom;
        c.as_of = now;
        for (const auto& p : sup->parts) c.parts.push_back({p.quantity, p.date});
        out_->inventory.push_back(std::move(c));
        MaybePromise(sup->sku, sup->warehouse);
      } else if (auto* adj = std::get_if<workflows::AdjustOnHand>(&cmd)) {
        store::InventoryChange c;
        c.op = store::InventoryChange::Op::kAdjustOnHand;
        c.sku = adj->sku;
        c.warehouse = adj->warehouse;
        c.uom = adj->uom;
        c.quantity = adj->delta;
        c.source = adj->reason;
        c.as_of = now;
        out_->inventory.push_back(std::move(c));
        touched_.insert({adj->sku, adj->warehouse});
        MaybePromise(adj->sku, adj->warehouse);
      } else if (auto* ex = std::get_if<workflows::RaiseException>(&cmd)) {
        store::ExceptionRecord r = ToRecord(ex->exception);
        r.id = NewIdAt(now);
        r.message_id = cause_;
        if (item_) r.correlation_id = item_->correlation_id;
        out_->exceptions.push_back(r);
        events->push_back(
            {"exception." + r.type, json({{"exception_id", r.id}, {"message", r.message}}).dump()});
      } else if (auto* clk = std::get_if<workflows::StartAckClock>(&cmd)) {
        store::WorkSpec w = PoEventWork(
            s.po_number,
            json({{"event", "ack_overdue"},
                  {"due_at", FormatIso8601(now + Millis(int64_t{clk->hours} * 3'600'000))}})
                .dump());
        w.not_before = now + Millis(int64_t{clk->hours} * 3'600'000);
        // A clock must not hold up the PO's other events behind it: it runs on its own key,
        // and the aggregate's version check orders it against them.
        w.ordering_key = PoKey(s.po_number) + "/clock";
        out_->next.push_back(std::move(w));
      } else if (auto* post = std::get_if<workflows::PostToErp>(&cmd)) {
        PostToErp(s, post->kind, post->key);
      } else if (std::get_if<workflows::SendPurchaseOrder>(&cmd)) {
        send = true;
      }
    }
    if (!send) return;
    // The 850 (or its cancellation) from the supplier's profile, queued on its transport.
    const config::Partner* supplier = ctx_.cfg->FindPartner(s.supplier);
    if (!supplier) {
      store::ExceptionRecord r = Problem(
          "po_send_failed", s.supplier, kPoType, s.po_number,
          "a purchase order goes to a configured supplier",
          "supplier '" + s.supplier + "' is not configured; PO " + s.po_number + " was not sent");
      r.id = NewIdAt(now);
      out_->exceptions.push_back(r);
      return;
    }
    model::CanonicalDocument doc{model::DocumentType::kPurchaseOrder, workflows::ToDocument(s)};
    // Ship to the warehouse under the code the supplier knows it by.
    for (auto& party : std::get<model::Order>(doc.doc).parties) {
      if (party.role == "ship_to") LocationForPartner(*ctx_.cfg, supplier, &party);
    }
    mapping::EncodeOptions eo;
    store::Store* st = ctx_.store;
    const std::string pid = supplier->id;
    eo.next_control = [st, pid](const std::string& kind) {
      return st->NextSequence(pid, "out-" + kind);
    };
    eo.clock = ctx_.clock;
    auto enc = mapping::Encode(*ctx_.cfg, *supplier, doc, eo);
    if (!enc.ok()) {
      store::ExceptionRecord r =
          Problem("po_send_failed", s.supplier, kPoType, s.po_number,
                  "a purchase order must be expressible in the supplier's format",
                  "PO " + s.po_number + " could not be built for " + s.supplier + ": " +
                      enc.error().ToString());
      r.id = NewIdAt(now);
      out_->exceptions.push_back(r);
      return;
    }
    store::NewMessage m;
    m.id = NewIdAt(now);
    m.partner_id = s.supplier;
    m.direction = "out";
    m.kind = "purchase_order";
    m.content_type = enc->content_type;
    m.payload = enc->bytes;
    m.content_hash = Sha256Hex(enc->bytes);
    m.correlation_id = item_ ? item_->correlation_id : NewIdAt(now);
    m.traceparent = item_ ? item_->traceparent : "";
    m.received_at = now;
    if (!cause_.empty()) out_->lineage.push_back({cause_, m.id, "purchase_order"});
    if (supplier->transport.type == "http" ||
        (supplier->transport.type == "filedrop" && !supplier->transport.outbound_dir.empty())) {
      store::DeliverySpec d;
      d.destination_id = PartnerDestination(supplier->id);
      d.ordering_key = d.destination_id + "/" + PoKey(s.po_number);
      d.message_id = m.id;
      d.partner_id = supplier->id;
      d.correlation_id = m.correlation_id;
      d.event_type = s.state == "cancelled" ? "purchase_order-cancel-" + s.po_number
                                            : "purchase_order-" + s.po_number;
      d.idempotency_key = m.id;
      d.content_type = enc->content_type;
      d.body = enc->bytes;
      out_->deliveries.push_back(std::move(d));
    }
    const std::string sent_id = m.id;
    out_->messages.push_back(std::move(m));
    if (s.state != "released") return;            // a cancellation: nothing more to chain
    PostToErp(s, "purchase_order", s.po_number);  // the ERP records the PO as it goes out
    auto next = workflows::Apply(s, workflows::PoSent{sent_id}, PolicyFor(*ctx_.cfg, s.supplier));
    if (!next.ok()) return;
    t->state = next->state;
    RunCommands(&*next, events);
    t->state = next->state;
  }

  void PostToErp(const PurchaseOrderState& s, const std::string& kind, const std::string& key) {
    const config::Partner* erp = ctx_.cfg->Erp();
    if (!erp || !(erp->transport.type == "http" || erp->transport.type == "tryton" ||
                  (erp->transport.type == "filedrop" && !erp->transport.outbound_dir.empty()))) {
      return;  // no ERP connector configured: the CloudEvents are the record
    }
    const TimePoint now = ctx_.clock->Now();
    json state = PoSummary(s);
    // What an ERP needs to post receipts and invoices against its own PO lines.
    for (size_t i = 0; i < s.lines.size() && i < state["lines"].size(); ++i) {
      state["lines"][i]["unit_price"] = s.lines[i].unit_price.ToString();
      state["lines"][i]["invoiced_amount"] = s.lines[i].invoiced_amount.ToString();
      state["lines"][i]["damaged"] = s.lines[i].damaged.ToString();
    }
    json body = {{"kind", kind},
                 {"key", key},
                 {"po_number", s.po_number},
                 {"supplier", s.supplier},
                 {"warehouse", s.warehouse},
                 {"purchase_order", json::parse(model::ToJson(workflows::ToDocument(s)))},
                 {"state", state}};
    store::DeliverySpec d;
    d.destination_id = PartnerDestination(erp->id);
    d.ordering_key = d.destination_id + "/" + PoKey(s.po_number);
    d.message_id = cause_;
    d.partner_id = erp->id;
    d.correlation_id = item_ ? item_->correlation_id : "";
    d.event_type = "erp-" + kind + "-" + key;
    d.idempotency_key = NewIdAt(now);
    d.content_type = "application/json";
    d.body = body.dump();
    out_->deliveries.push_back(std::move(d));
  }

  // Supply or stock of a SKU that orders are waiting for changed: reallocate them.
  void MaybePromise(const std::string& sku, const std::string& wh) {
    if (!ctx_.index) return;
    for (const auto& p : ctx_.index->ForSku(sku)) {
      if (!p.backordered.is_zero()) {
        promise_.insert(sku);
        return;
      }
    }
    (void)wh;
  }

  const ProcureContext& ctx_;
  store::Completion* out_;
  const store::QueueItem* item_;
  std::string cause_;
  std::set<std::pair<std::string, std::string>> touched_;
  std::set<std::string> promise_;
};

// Turns a po.event payload into a workflow event.
Result<workflows::PoEvent> ParseEvent(const json& p, const std::string& po_number) {
  const std::string ev = p.value("event", "");
  auto doc = [&]() -> std::string {
    auto it = p.find("document");
    return it == p.end() ? std::string("{}") : it->dump();
  };
  if (ev == "approve") return workflows::PoEvent{workflows::PoApproved{p.value("by", "")}};
  if (ev == "cancel") {
    return workflows::PoEvent{workflows::PoCancelled{p.value("by", ""), p.value("reason", "")}};
  }
  if (ev == "ack_overdue") {
    return workflows::PoEvent{workflows::PoAckOverdue{p.value("due_at", "")}};
  }
  if (ev == "ack") {
    CD_ASSIGN_OR_RETURN(auto a, model::FromJson<model::PurchaseOrderAck>(doc()));
    return workflows::PoEvent{workflows::PoAckReceived{std::move(a)}};
  }
  if (ev == "shipment") {
    CD_ASSIGN_OR_RETURN(auto sh, model::FromJson<model::Shipment>(doc()));
    std::vector<model::ShipmentOrder> mine;
    for (auto& o : sh.orders) {
      if (o.po_number == po_number) mine.push_back(std::move(o));
    }
    sh.orders = std::move(mine);
    return workflows::PoEvent{workflows::PoShipmentReceived{std::move(sh)}};
  }
  if (ev == "receipt") {
    CD_ASSIGN_OR_RETURN(auto r, model::FromJson<model::Receipt>(doc()));
    return workflows::PoEvent{workflows::PoReceiptReceived{std::move(r)}};
  }
  if (ev == "invoice") {
    CD_ASSIGN_OR_RETURN(auto i, model::FromJson<model::Invoice>(doc()));
    return workflows::PoEvent{workflows::PoInvoiceReceived{std::move(i)}};
  }
  return Error(Code::kInvalidArgument, "unknown purchase-order event '" + ev + "'");
}

// Rounds `qty` up to the MOQ and to a whole number of packs.
Decimal RoundToTerms(Decimal qty, const std::string& moq, const std::string& pack) {
  if (!moq.empty()) {
    const Decimal m = Dec(moq);
    if (qty < m) qty = m;
  }
  if (!pack.empty()) {
    const Decimal p = Dec(pack);
    if (!p.is_zero()) {
      auto packs = qty.Div(p, 0, Rounding::kCeiling);
      if (packs.ok()) qty = packs->Mul(p).value_or(qty);
    }
  }
  return qty;
}

}  // namespace

std::string PoKey(const std::string& po_number) { return "po/" + po_number; }

store::WorkSpec PoEventWork(const std::string& po_number, const std::string& payload_json) {
  store::WorkSpec w;
  w.step = kPoEventStep;
  w.ordering_key = PoKey(po_number);
  json p = json::parse(payload_json, nullptr, false);
  if (!p.is_object()) p = json::object();
  p["po_number"] = po_number;
  // The document this event is about: its steps' events, exceptions and aggregate events
  // point at it, so its timeline and the aggregate's show each other.
  if (p.contains("message_id") && p["message_id"].is_string()) {
    w.message_id = p["message_id"].get<std::string>();
  }
  w.payload = p.dump();
  return w;
}

store::WorkSpec DocumentPoEventWork(const std::string& po, std::string_view event,
                                    const std::string& message_id, const std::string& partner,
                                    std::string_view document_json) {
  store::WorkSpec w;
  w.step = kPoEventStep;
  w.ordering_key = PoKey(po);
  w.message_id = message_id;
  // Keys in the order json::dump() gives PoEventWork's object (sorted).
  w.payload.reserve(document_json.size() + 160);
  w.payload += "{\"document\":";
  w.payload += document_json;
  w.payload += ",\"event\":";
  AppendJsonString(&w.payload, event);
  w.payload += ",\"message_id\":";
  AppendJsonString(&w.payload, message_id);
  w.payload += ",\"partner\":";
  AppendJsonString(&w.payload, partner);
  w.payload += ",\"po_number\":";
  AppendJsonString(&w.payload, po);
  w.payload += "}";
  return w;
}

std::vector<store::WorkSpec> ReplenishAll(const config::Config& cfg) {
  std::vector<store::WorkSpec> out;
  for (const auto& r : cfg.replenishment) out.push_back(ReplenishWork(r.sku, r.warehouse));
  return out;
}

engine::StepDef MakePoEventStep(const ProcureContext& ctx) {
  engine::StepDef def;
  def.name = kPoEventStep;
  def.retry = ctx.cfg->engine.step_retry;
  def.runs_ok = false;  // each event reads the state the previous one wrote
  def.run = [ctx](const store::QueueItem& item) -> engine::StepResult {
    json p = json::parse(item.payload, nullptr, false);
    if (!p.is_object()) {
      return engine::StepResult::FromError(
          Error(Code::kInvalidArgument, "po.event payload is not a JSON object"));
    }
    const std::string po = p.value("po_number", "");
    const std::string cause = p.value("message_id", item.message_id);
    store::Completion done;
    auto rec = ctx.store->GetAggregate(kPoType, po);
    if (!rec.ok()) return engine::StepResult::FromError(rec.error());
    const std::string ev_name = p.value("event", "");
    if (!rec->has_value()) {
      if (ev_name == "ack_overdue") return engine::StepResult::Done();
      store::ExceptionRecord r = Problem(
          "unknown_purchase_order", p.value("partner", ""), kPoType, po,
          "documents about a purchase order must name one the hub issued",
          "a " + ev_name + " arrived for purchase order '" + po + "', which the hub does not know");
      r.message_id = cause;
      r.correlation_id = item.correlation_id;
      done.exceptions.push_back(r);
      return engine::StepResult::Done(std::move(done));
    }
    auto state = workflows::PurchaseOrderStateFromJson((*rec)->state_json);
    if (!state.ok()) {
      return engine::StepResult::FromError(
          Error(Code::kDataLoss,
                "stored state of PO " + po + " is unreadable: " + state.error().message()));
    }
    state->version = (*rec)->version;
    const std::string from = p.value("partner", "");
    // Receipts come from the ERP or the warehouse; everything else from the PO's supplier.
    const config::Partner* sender = from.empty() ? nullptr : ctx.cfg->FindPartner(from);
    const bool receipt_source =
        sender && (sender->kind == "erp" || sender->kind == "warehouse" || sender->kind == "3pl");
    const bool allowed =
        from.empty() || from == state->supplier || (ev_name == "receipt" && receipt_source);
    if (!allowed) {
      store::ExceptionRecord r =
          Problem("wrong_partner", from, kPoType, po,
                  "documents about a purchase order come from its supplier",
                  "partner " + from + " sent a " + ev_name + " for purchase order " + po +
                      ", which was issued to " + state->supplier);
      r.message_id = cause;
      r.correlation_id = item.correlation_id;
      done.exceptions.push_back(r);
      return engine::StepResult::Done(std::move(done));
    }
    auto event = ParseEvent(p, po);
    if (!event.ok()) return engine::StepResult::FromError(event.error());
    auto t = workflows::Apply(*state, *event, PolicyFor(*ctx.cfg, state->supplier));
    if (!t.ok()) {
      // An event that does not fit: visible, never silently dropped.
      const bool dup = t.error().code() == Code::kAlreadyExists;
      store::ExceptionRecord r =
          Problem(dup ? "duplicate_document" : "po_event_rejected", state->supplier, kPoType, po,
                  dup ? "a document is applied to a purchase order once"
                      : "events must fit the purchase order's state",
                  t.error().message(), dup ? "warning" : "error");
      r.message_id = cause;
      r.correlation_id = item.correlation_id;
      done.exceptions.push_back(r);
      return engine::StepResult::Done(std::move(done));
    }
    Executor(ctx, &done, &item, cause).Run(*state, std::move(*t));
    return engine::StepResult::Done(std::move(done));
  };
  return def;
}

engine::StepDef MakeReplenishStep(const ProcureContext& ctx) {
  engine::StepDef def;
  def.name = kReplenishStep;
  def.retry = ctx.cfg->engine.step_retry;
  def.runs_ok = false;  // each check must see the POs the previous one raised
  def.run = [ctx](const store::QueueItem& item) -> engine::StepResult {
    json p = json::parse(item.payload, nullptr, false);
    if (!p.is_object()) return engine::StepResult::Done();
    const std::string sku = p.value("sku", "");
    const std::string wh = p.value("warehouse", "");
    const config::ReplenishmentPolicy* pol = ctx.cfg->FindPolicy(sku, wh);
    store::Completion done;
    const bool recommended = p.contains("quantity");
    if (!pol) {
      if (recommended) {
        store::ExceptionRecord r =
            Problem("no_replenishment_policy", "", "replenishment_recommendation", sku + "@" + wh,
                    "a recommendation needs a policy naming the supplier",
                    "a planning recommendation for " + sku + " at " + wh +
                        " arrived but no replenishment policy names a supplier for it");
        r.message_id = item.message_id;
        done.exceptions.push_back(r);
      }
      return engine::StepResult::Done(std::move(done));
    }
    const config::Partner* supplier = ctx.cfg->FindPartner(pol->supplier);
    const config::CatalogItem* item_def = ctx.cfg->FindItem(sku);
    auto pos = ctx.index->Get(sku, wh);
    if (!recommended && (!pos || pos->on_hand_as_of == TimePoint{})) {
      // Never order blind: until the ERP or the warehouse has reported stock, there is no position.
      store::EventRecord ev;
      ev.type = "replenishment.skipped";
      ev.message_id = item.message_id;
      ev.subject = sku + "@" + wh;
      ev.detail_json = "{\"reason\":\"no on-hand figure has been received yet\"}";
      done.events.push_back(ev);
      return engine::StepResult::Done(std::move(done));
    }
    const Decimal on_hand = pos ? pos->on_hand : Decimal();
    const Decimal position = pos ? on_hand.Add(pos->OnOrder())
                                       .value_or(on_hand)
                                       .Add(pos->InTransit())
                                       .value_or(on_hand)
                                       .Sub(pos->reserved)
                                       .value_or(on_hand)
                                 : Decimal();
    const Decimal demand = Dec(pol->demand_per_day);
    const Decimal lead = Dec(pol->lead_time_days);
    const Decimal rop =
        demand.Mul(lead).value_or(Decimal()).Add(Dec(pol->safety_stock)).value_or(Decimal());
    Decimal qty;
    std::string reason;
    if (recommended) {
      qty = Dec(p.value("quantity", "0"));
      reason = "recommendation " + p.value("recommendation_id", "");
    } else {
      if (position > rop) return engine::StepResult::Done();
      qty = Dec(pol->order_up_to).Sub(position).value_or(Decimal());
      reason = "replenishment: position " + position.ToString() + " at or below reorder point " +
               rop.ToString();
    }
    if (!qty.is_negative() && !qty.is_zero()) {
      const config::PartnerItem* terms = nullptr;
      if (supplier) {
        for (const auto& t : supplier->items) {
          if (t.sku == sku) terms = &t;
        }
      }
      const std::string moq =
          terms && !terms->moq.empty() ? terms->moq : (item_def ? item_def->moq : "");
      const std::string pack = terms && !terms->pack_multiple.empty()
                                   ? terms->pack_multiple
                                   : (item_def ? item_def->pack_multiple : "");
      qty = RoundToTerms(qty, moq, pack);
      const Decimal price =
          Dec(terms && !terms->contract_price.empty() ? terms->contract_price
                                                      : (item_def ? item_def->list_price : ""));
      const std::string currency = terms && !terms->currency.empty() ? terms->currency
                                   : supplier && !supplier->default_currency.empty()
                                       ? supplier->default_currency
                                       : "USD";
      auto seq = ctx.store->NextSequence("hub", "po");
      if (!seq.ok()) return engine::StepResult::FromError(seq.error());
      std::string num = std::to_string(*seq);
      while (num.size() < 6) num.insert(0, "0");
      const std::string po_number = "PO" + num;
      const std::string today = Today(*ctx.clock);
      int64_t lead_days = 0;
      if (auto ld = lead.Rescale(0, Rounding::kCeiling); ld.ok()) lead_days = ld->coefficient();
      model::PurchaseOrder o;
      o.po_number = po_number;
      o.order_date = today;
      o.currency = currency;
      o.requested_delivery_date = AddDays(today, lead_days);
      model::OrderLine l;
      l.line_number = "1";
      l.item.sku = sku;
      if (supplier) {
        for (const auto& x : supplier->item_xref) {
          if (x.sku == sku && !x.partner_item_id.empty())
            l.item.partner_item_id = x.partner_item_id;
        }
      }
      if (item_def) l.item.description = item_def->description;
      l.quantity = {qty, item_def ? item_def->base_uom : "EA"};
      l.unit_price = model::Money{price, currency};
      o.lines.push_back(l);
      const Decimal value = qty.Mul(price).value_or(Decimal());
      const bool needs_approval =
          !pol->approval_threshold.empty() && value > Dec(pol->approval_threshold);
      auto t = workflows::Apply(PurchaseOrderState{},
                                workflows::PoCreated{o, pol->supplier, wh, reason, needs_approval},
                                PolicyFor(*ctx.cfg, pol->supplier));
      if (!t.ok()) return engine::StepResult::FromError(t.error());
      store::EventRecord ev;
      ev.type = "replenishment.triggered";
      ev.message_id = item.message_id;
      ev.subject = sku + "@" + wh;
      ev.detail_json = json({{"po_number", po_number},
                             {"quantity", qty.ToString()},
                             {"position", position.ToString()},
                             {"reorder_point", rop.ToString()},
                             {"needs_approval", needs_approval}})
                           .dump();
      done.events.push_back(ev);
      Executor(ctx, &done, &item, item.message_id).Run(PurchaseOrderState{}, std::move(*t));
    }
    return engine::StepResult::Done(std::move(done));
  };
  return def;
}

DocumentHook MakeProcureHook(const ProcureContext& ctx) {
  return [ctx](const DecodedDoc& d, store::Completion* out) {
    if (d.held) return;  // held documents wait for an operator
    const config::Partner& partner = *d.partner;
    const std::string& type = d.type;
    const std::string& key = d.key;
    const std::string& canonical_message_id = d.message_id;
    const std::string& doc_json = d.json;
    const bool from_supplier = partner.kind == "supplier";
    auto work = [&](const std::string& po, const char* event) {
      if (po.empty()) return;
      out->next.push_back(
          DocumentPoEventWork(po, event, canonical_message_id, partner.id, doc_json));
    };
    if (type == "purchase_order_ack" && from_supplier) {
      work(key, "ack");
    } else if (type == "shipment" && from_supplier) {
      auto sh = model::FromJson<model::Shipment>(doc_json);
      if (!sh.ok()) return;
      std::set<std::string> pos;
      for (const auto& o : sh->orders) pos.insert(o.po_number);
      for (const auto& po : pos) work(po, "shipment");
    } else if (type == "invoice" && from_supplier) {
      auto inv = model::FromJson<model::Invoice>(doc_json);
      if (inv.ok()) work(inv->po_number, "invoice");
    } else if (type == "receipt" && partner.kind != "customer") {
      auto r = model::FromJson<model::Receipt>(doc_json);
      if (!r.ok()) return;
      if (r->po_number.find('/') != std::string::npos) return;  // a return (<customer>/<rma>)
      if (!r->po_number.empty()) {
        work(r->po_number, "receipt");
        return;
      }
      // A receipt without a PO (a return, a found pallet) only moves stock.
      for (const auto& l : r->lines) {
        store::InventoryChange c;
        c.op = store::InventoryChange::Op::kAdjustOnHand;
        c.sku = l.item.sku;
        c.warehouse = r->warehouse;
        c.uom = l.received.uom;
        c.quantity = l.received.value;
        c.source = "receipt " + r->receipt_id;
        c.as_of = ctx.clock->Now();
        out->inventory.push_back(c);
        if (ctx.cfg->FindPolicy(c.sku, c.warehouse))
          out->next.push_back(ReplenishWork(c.sku, c.warehouse));
      }
    } else if (type == "inventory_advice") {
      // Stock statements from the ERP or a warehouse are the hub's on hand; a supplier's 846 is
      // the supplier's own stock and only informs.
      if (partner.kind != "erp" && partner.kind != "warehouse" && partner.kind != "3pl") return;
      auto a = model::FromJson<model::InventoryAdvice>(doc_json);
      if (!a.ok()) return;
      const TimePoint as_of = ParseIso8601(a->as_of).value_or(ctx.clock->Now());
      for (const auto& l : a->lines) {
        if (l.item.sku.empty() || l.location.empty()) continue;
        const model::Quantity* q =
            l.on_hand ? &*l.on_hand : (l.available ? &*l.available : nullptr);
        if (!q) continue;
        store::InventoryChange c;
        c.op = store::InventoryChange::Op::kSetOnHand;
        c.sku = l.item.sku;
        c.warehouse = l.location;
        c.uom = q->uom;
        c.quantity = q->value;
        c.source = "snapshot " + a->advice_id;
        c.as_of = as_of;
        out->inventory.push_back(c);
        if (ctx.cfg->FindPolicy(c.sku, c.warehouse))
          out->next.push_back(ReplenishWork(c.sku, c.warehouse));
        for (const auto& p : ctx.index->ForSku(c.sku)) {
          if (!p.backordered.is_zero()) {
            out->next.push_back(PromiseWork(c.sku));
            break;
          }
        }
      }
    } else if (type == "replenishment_recommendation") {
      auto r = model::FromJson<model::ReplenishmentRecommendation>(doc_json);
      if (!r.ok()) return;
      json p = {{"quantity", r->quantity.value.ToString()},
                {"recommendation_id", r->recommendation_id}};
      out->next.push_back(ReplenishWork(r->sku, r->warehouse, p.dump()));
    }
  };
}

}  // namespace crossdock::pipeline
