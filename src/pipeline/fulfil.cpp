#include "pipeline/fulfil.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "core/strings.hpp"
#include "engine/routing.hpp"
#include "mapping/encode.hpp"
#include "mapping/rules.hpp"
#include "model/json.hpp"
#include "workflows/returns.hpp"
#include "workflows/sales_order.hpp"

namespace crossdock::pipeline {
namespace {

using nlohmann::json;
using workflows::LinePlan;
using workflows::SalesOrderState;
using workflows::SoTransition;

constexpr const char* kSoType = "sales_order";

Decimal Dec(const std::string& s) {
  auto d = Decimal::Parse(s.empty() ? "0" : s);
  return d.ok() ? *d : Decimal();
}
Decimal Sum(const Decimal& a, const Decimal& b) { return a.Add(b).value_or(a); }
Decimal Diff(const Decimal& a, const Decimal& b) { return a.Sub(b).value_or(a); }

std::string Today(const Clock& c) { return FormatIso8601(c.Now()).substr(0, 10); }

bool IsCustomer(const config::Partner& p) { return p.kind == "customer" || p.kind == "channel"; }
bool IsWarehouse(const config::Partner& p) { return p.kind == "warehouse" || p.kind == "3pl"; }

// The value still owed on the order (for credit exposure): open quantity x price.
Decimal OpenValue(const SalesOrderState& s) {
  if (s.state == "received" || s.state == "on_hold" || s.state == "cancelled" ||
      s.state == "closed") {
    return Decimal();
  }
  Decimal v;
  for (const auto& l : s.lines) {
    const Decimal open = Diff(Diff(l.ordered, l.cancelled), l.invoiced);
    if (open.sign() > 0) v = Sum(v, open.Mul(l.unit_price).value_or(Decimal()));
  }
  return v;
}

struct Need {
  std::string line;
  std::string sku;
  Decimal qty;
  bool backorder_only = false;  // reallocation: the line's existing backorder
};

// Allocation against available-to-promise: preferred warehouses first; split across
// warehouses when the customer allows it; the rest backordered where it comes soonest.
std::vector<LinePlan> Plan(const FulfilContext& ctx, const config::Partner& customer,
                           const std::vector<Need>& needs) {
  const std::string today = Today(*ctx.clock);
  std::map<std::pair<std::string, std::string>, Decimal> used;  // (sku, wh) planned here
  std::vector<LinePlan> out;
  for (const auto& n : needs) {
    LinePlan p;
    p.line_number = n.line;
    const inventory::AtpAnswer a =
        ctx.index->Atp(n.sku, n.qty, today, customer.warehouse_preference);
    auto avail = [&](const inventory::WarehouseAtp& w) {
      Decimal v = Diff(w.available_now, used[{n.sku, w.position.warehouse}]);
      return v.is_negative() ? Decimal() : v;
    };
    Decimal remaining = n.qty;
    if (customer.allow_split) {
      for (const auto& w : a.warehouses) {
        if (remaining.is_zero()) break;
        const Decimal take = std::min(remaining, avail(w));
        if (take.is_zero()) continue;
        p.reserve.push_back({w.position.warehouse, take, Decimal()});
        used[{n.sku, w.position.warehouse}] = Sum(used[{n.sku, w.position.warehouse}], take);
        remaining = Diff(remaining, take);
      }
    } else {
      for (const auto& w : a.warehouses) {
        if (avail(w) >= remaining) {
          p.reserve.push_back({w.position.warehouse, remaining, Decimal()});
          used[{n.sku, w.position.warehouse}] = Sum(used[{n.sku, w.position.warehouse}], remaining);
          remaining = Decimal();
          break;
        }
      }
    }
    if (!remaining.is_zero()) {
      p.backorder = remaining;
      // Where it comes soonest (future supply, after earlier backorders).
      const inventory::AtpAnswer later =
          ctx.index->Atp(n.sku, remaining, today, customer.warehouse_preference);
      std::string best_wh, best_date;
      for (const auto& w : later.warehouses) {
        for (const auto& b : w.future) {
          if (b.cumulative >= remaining) {
            if (best_date.empty() || b.date < best_date) {
              best_date = b.date;
              best_wh = w.position.warehouse;
            }
            break;
          }
        }
      }
      if (best_wh.empty()) {
        best_wh = !customer.warehouse_preference.empty() ? customer.warehouse_preference[0]
                  : !later.warehouses.empty()            ? later.warehouses[0].position.warehouse
                                                         : "";
        if (best_wh.empty()) {
          for (const auto& l : ctx.cfg->locations) {
            if (l.kind == "warehouse") {
              best_wh = l.id;
              break;
            }
          }
        }
      }
      p.backorder_warehouse = best_wh;
      p.promise_date = best_date;
    }
    out.push_back(std::move(p));
  }
  return out;
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

json SoSummary(const SalesOrderState& s) {
  json lines = json::array();
  for (const auto& l : s.lines) {
    json al = json::array();
    for (const auto& a : l.allocations) {
      al.push_back({{"warehouse", a.warehouse}, {"quantity", a.quantity.ToString()}});
    }
    json x = {{"line_number", l.line_number},
              {"sku", l.sku},
              {"ordered", l.ordered.ToString()},
              {"uom", l.uom},
              {"allocations", al},
              {"backordered", l.backordered.ToString()},
              {"shipped", l.shipped.ToString()},
              {"status", l.status}};
    if (!l.promise_date.empty()) x["promise_date"] = l.promise_date;
    if (!l.substituted_from.empty()) x["substituted_from"] = l.substituted_from;
    lines.push_back(std::move(x));
  }
  return {{"order_id", s.order_id}, {"po_number", s.po_number},
          {"customer", s.customer}, {"state", s.state},
          {"holds", s.holds},       {"total", s.total.ToString()},
          {"currency", s.currency}, {"lines", lines}};
}

bool Deliverable(const config::Partner& p) {
  return p.transport.type == "http" || p.transport.type == "tryton" ||
         (p.transport.type == "filedrop" && !p.transport.outbound_dir.empty());
}

class SoExecutor {
 public:
  SoExecutor(const FulfilContext& ctx, store::Completion* out, const store::QueueItem& item,
             std::string cause)
      : ctx_(ctx), out_(out), item_(item), cause_(std::move(cause)) {}

  void Run(const SalesOrderState& before, const SoTransition& t, const model::Shipment* shipment) {
    const SalesOrderState& s = t.state;
    const TimePoint now = ctx_.clock->Now();
    const std::string today = Today(*ctx_.clock);
    std::vector<store::AggregateWrite::Event> events;
    const config::Partner* customer = ctx_.cfg->FindPartner(s.customer);
    std::set<std::pair<std::string, std::string>> touched;
    std::set<std::string> freed;
    for (const auto& cmd : t.commands) {
      if (const auto* r = std::get_if<workflows::Reserve>(&cmd)) {
        store::InventoryChange c;
        c.op = store::InventoryChange::Op::kAdjustReserved;
        c.sku = r->sku;
        c.warehouse = r->warehouse;
        c.uom = r->uom;
        c.quantity = r->delta;
        c.guard_available = r->delta.sign() > 0;
        c.source = "order " + s.order_id;
        c.as_of = now;
        out_->inventory.push_back(std::move(c));
        touched.insert({r->sku, r->warehouse});
        if (r->delta.is_negative()) freed.insert(r->sku);  // may serve someone's backorder
      } else if (const auto* b = std::get_if<workflows::Backorder>(&cmd)) {
        store::InventoryChange c;
        c.op = store::InventoryChange::Op::kAdjustBackordered;
        c.sku = b->sku;
        c.warehouse = b->warehouse;
        c.uom = b->uom;
        c.quantity = b->delta;
        c.as_of = now;
        out_->inventory.push_back(std::move(c));
      } else if (const auto* cs = std::get_if<workflows::ConsumeStock>(&cmd)) {
        store::InventoryChange c;
        c.op = store::InventoryChange::Op::kAdjustOnHand;
        c.sku = cs->sku;
        c.warehouse = cs->warehouse;
        c.uom = cs->uom;
        c.quantity = cs->quantity.Negate();
        c.source = "shipped for order " + s.order_id;
        c.as_of = now;
        out_->inventory.push_back(std::move(c));
        touched.insert({cs->sku, cs->warehouse});
      } else if (std::get_if<workflows::SendAcknowledgment>(&cmd)) {
        model::CanonicalDocument doc{model::DocumentType::kPurchaseOrderAck,
                                     workflows::AckDocument(s, today)};
        SendToCustomer(s, customer, doc, "acknowledgment");
      } else if (const auto* rel = std::get_if<workflows::ReleaseToWarehouse>(&cmd)) {
        Release(s, *rel);
      } else if (std::get_if<workflows::SendShipmentNotice>(&cmd)) {
        if (shipment) {
          model::Shipment notice = *shipment;
          for (auto& o : notice.orders) {
            if (o.po_number == s.order_id) o.po_number = s.po_number;
          }
          SendToCustomer(s, customer, {model::DocumentType::kShipment, notice}, "ship notice");
        }
      } else if (const auto* inv = std::get_if<workflows::SendInvoice>(&cmd)) {
        if (shipment) {
          SendToCustomer(s, customer,
                         {model::DocumentType::kInvoice,
                          workflows::InvoiceDocument(s, *shipment, inv->invoice_number, today)},
                         "invoice");
        }
      } else if (const auto* np = std::get_if<workflows::NotifyPromise>(&cmd)) {
        json data = {{"order_id", s.order_id},
                     {"po_number", s.po_number},
                     {"line_number", np->line_number},
                     {"old_promise_date", np->old_date},
                     {"new_promise_date", np->new_date}};
        Fan("sales_order.promise_changed.v1", s, data.dump());
        events.push_back({"sales_order.promise_changed.v1", data.dump()});
        // Customers with an 855 route get the new dates as an updated acknowledgment.
        model::CanonicalDocument doc{model::DocumentType::kPurchaseOrderAck,
                                     workflows::AckDocument(s, today)};
        SendToCustomer(s, customer, doc, "promise update", /*events_only=*/false, np->line_number);
      } else if (const auto* post = std::get_if<workflows::SoPostToErp>(&cmd)) {
        PostToErp(s, post->kind, post->key);
      } else if (const auto* ex = std::get_if<workflows::SoRaise>(&cmd)) {
        store::ExceptionRecord r = ToRecord(ex->exception);
        r.id = NewIdAt(now);
        r.message_id = cause_;
        r.correlation_id = item_.correlation_id;
        out_->exceptions.push_back(r);
      } else if (const auto* e = std::get_if<workflows::SoEmit>(&cmd)) {
        Fan(e->type, s, SoSummary(s).dump());
        events.push_back({e->type, json({{"state", s.state}}).dump()});
      }
    }
    // Credit exposure follows the open value of the order.
    const Decimal delta = Diff(OpenValue(s), OpenValue(before));
    if (!delta.is_zero()) out_->counters.push_back({"open_orders", s.customer, delta});
    // Stock that moved may serve a backorder or need replenishing.
    for (const auto& [sku, wh] : touched) {
      if (ctx_.cfg->FindPolicy(sku, wh)) {
        store::WorkSpec w;
        w.step = "replenish";
        w.ordering_key = "inv/" + sku + "/" + wh;
        w.payload = json({{"sku", sku}, {"warehouse", wh}}).dump();
        out_->next.push_back(std::move(w));
      }
    }
    for (const auto& sku : freed) {
      for (const auto& p : ctx_.index->ForSku(sku)) {
        if (!p.backordered.is_zero()) {
          out_->next.push_back(PromiseWork(sku));
          break;
        }
      }
    }
    store::AggregateWrite w;
    w.type = kSoType;
    w.id = s.order_id;
    w.expected_version = before.version;
    w.new_version = s.version;
    w.state_json = workflows::ToJson(s);
    w.status = s.state;
    w.partner_id = s.customer;
    w.events = std::move(events);
    out_->aggregates.push_back(std::move(w));
  }

 private:
  void Fan(const std::string& type, const SalesOrderState& s, const std::string& data) {
    engine::EventSpec ev{type,   s.customer,           s.order_id,        data,
                         cause_, item_.correlation_id, item_.traceparent, SoKey(s.order_id)};
    for (auto& d : engine::FanOut(*ctx_.cfg, ev, ctx_.clock->Now())) {
      out_->deliveries.push_back(std::move(d));
    }
  }

  // Encodes a document through the partner's outbound route and queues it on its transport.
  void Deliver(const config::Partner& p, const model::CanonicalDocument& doc,
               const std::string& key, const std::string& what) {
    const TimePoint now = ctx_.clock->Now();
    mapping::EncodeOptions eo;
    store::Store* st = ctx_.store;
    const std::string pid = p.id;
    eo.next_control = [st, pid](const std::string& kind) {
      return st->NextSequence(pid, "out-" + kind);
    };
    eo.clock = ctx_.clock;
    auto enc = mapping::Encode(*ctx_.cfg, p, doc, eo);
    if (!enc.ok()) {
      if (enc.error().code() == Code::kFailedPrecondition) return;  // no route: events only
      store::ExceptionRecord r;
      r.id = NewIdAt(now);
      r.type = "send_failed";
      r.partner_id = p.id;
      r.document_type = std::string(model::DocumentTypeName(doc.type));
      r.document_id = key;
      r.message_id = cause_;
      r.rule = "documents for a partner must be expressible in its format";
      r.message = "the " + what + " for " + key + " could not be built for " + p.id + ": " +
                  enc.error().ToString();
      out_->exceptions.push_back(r);
      return;
    }
    store::NewMessage m;
    m.id = NewIdAt(now);
    m.partner_id = p.id;
    m.direction = "out";
    m.kind = std::string(model::DocumentTypeName(doc.type));
    m.content_type = enc->content_type;
    m.payload = enc->bytes;
    m.content_hash = Sha256Hex(enc->bytes);
    m.correlation_id = item_.correlation_id;
    m.traceparent = item_.traceparent;
    m.received_at = now;
    if (!cause_.empty()) out_->lineage.push_back({cause_, m.id, m.kind});
    if (Deliverable(p)) {
      store::DeliverySpec d;
      d.destination_id = PartnerDestination(p.id);
      d.ordering_key = d.destination_id + "/" + key;
      d.message_id = m.id;
      d.partner_id = p.id;
      d.correlation_id = m.correlation_id;
      d.event_type = m.kind + "-" + key;
      for (auto& ch : d.event_type) {
        if (ch == '/') ch = '_';
      }
      d.idempotency_key = m.id;
      d.content_type = enc->content_type;
      d.body = enc->bytes;
      out_->deliveries.push_back(std::move(d));
    }
    out_->messages.push_back(std::move(m));
  }

  void SendToCustomer(const SalesOrderState& s, const config::Partner* customer,
                      const model::CanonicalDocument& doc, const std::string& what,
                      bool events_only = false, const std::string& line = {}) {
    (void)line;
    if (doc.type == model::DocumentType::kPurchaseOrderAck) {
      Fan("sales_order.acknowledged.v1", s, model::CanonicalToJson(doc));
    } else if (doc.type == model::DocumentType::kShipment) {
      Fan("sales_order.ship_notice.v1", s, model::CanonicalToJson(doc));
    } else if (doc.type == model::DocumentType::kInvoice) {
      Fan("sales_order.invoice.v1", s, model::CanonicalToJson(doc));
    }
    if (!events_only && customer) Deliver(*customer, doc, s.order_id, what);
  }

  void Release(const SalesOrderState& s, const workflows::ReleaseToWarehouse& rel) {
    const config::CatalogLocation* loc = ctx_.cfg->FindLocation(rel.warehouse);
    const config::Partner* wms =
        loc && !loc->party.empty() ? ctx_.cfg->FindPartner(loc->party) : nullptr;
    model::SalesOrder order = rel.order;
    order.po_number = s.order_id;  // the warehouse echoes the hub's order id
    // Places as the warehouse knows them.
    for (auto& party : order.parties) LocationForPartner(*ctx_.cfg, wms, &party);
    if (!wms) {
      // No warehouse system is connected: the CloudEvent is the release.
      Fan("sales_order.warehouse_release.v1", s, model::ToJson(order));
      return;
    }
    Deliver(*wms, {model::DocumentType::kSalesOrder, order}, s.order_id + "@" + rel.warehouse,
            "warehouse release");
  }

  void PostToErp(const SalesOrderState& s, const std::string& kind, const std::string& key) {
    const config::Partner* erp = ctx_.cfg->Erp();
    if (!erp || !Deliverable(*erp)) return;
    store::DeliverySpec d;
    d.destination_id = PartnerDestination(erp->id);
    d.ordering_key = d.destination_id + "/" + SoKey(s.order_id);
    d.message_id = cause_;
    d.partner_id = erp->id;
    d.correlation_id = item_.correlation_id;
    d.event_type = "erp-" + kind + "-" + key;
    for (auto& ch : d.event_type) {
      if (ch == '/') ch = '_';
    }
    d.idempotency_key = NewIdAt(ctx_.clock->Now());
    d.content_type = "application/json";
    // The order as an ERP books it: customer, ship-to, dates, and per line the open quantity,
    // price, and what has shipped and been invoiced so far.
    json lines = json::array();
    std::string warehouse;
    for (const auto& l : s.lines) {
      if (warehouse.empty() && !l.allocations.empty()) warehouse = l.allocations[0].warehouse;
      if (warehouse.empty()) warehouse = l.backorder_warehouse;
      lines.push_back({{"line_number", l.line_number},
                       {"sku", l.sku},
                       {"description", l.description},
                       {"quantity", Diff(l.ordered, l.cancelled).ToString()},
                       {"uom", l.uom},
                       {"unit_price", l.unit_price.ToString()},
                       {"currency", l.currency.empty() ? s.currency : l.currency},
                       {"shipped", l.shipped.ToString()},
                       {"invoiced", l.invoiced.ToString()}});
    }
    json order = {{"order_id", s.order_id},
                  {"po_number", s.po_number},
                  {"customer", s.customer},
                  {"ship_to", s.ship_to},
                  {"order_date", s.order_date},
                  {"requested_date", s.requested_date},
                  {"currency", s.currency},
                  {"warehouse", warehouse},
                  {"lines", lines}};
    d.body = json({{"kind", kind}, {"key", key}, {"order", SoSummary(s)}, {"sales_order", order}})
                 .dump();
    out_->deliveries.push_back(std::move(d));
  }

  const FulfilContext& ctx_;
  store::Completion* out_;
  const store::QueueItem& item_;
  std::string cause_;
};

// Sales-order lines in the item's base unit (reservations and stock are in base units).
void ToBaseUnits(const FulfilContext& ctx, const config::Partner& customer, model::SalesOrder* o) {
  mapping::RuleContext rc{ctx.cfg, &customer, ""};
  for (auto& l : o->lines) {
    const config::CatalogItem* item = ctx.cfg->FindItem(l.item.sku);
    if (!item || l.quantity.uom == item->base_uom) continue;
    auto per =
        mapping::ConvertUom(rc, l.item.sku, Decimal::FromInt(1), l.quantity.uom, item->base_uom);
    if (!per || per->is_zero()) continue;
    l.quantity.value = l.quantity.value.Mul(*per).value_or(l.quantity.value);
    l.quantity.uom = item->base_uom;
    if (l.unit_price) {
      auto p = l.unit_price->amount.Div(*per, 6, Rounding::kHalfEven);
      if (p.ok()) l.unit_price->amount = p->Normalized();
    }
  }
}

}  // namespace

std::string SoKey(const std::string& order_id) { return "so/" + order_id; }

store::WorkSpec SoEventWork(const std::string& order_id, const std::string& payload_json) {
  store::WorkSpec w;
  w.step = kSoEventStep;
  w.ordering_key = SoKey(order_id);
  json p = json::parse(payload_json, nullptr, false);
  if (!p.is_object()) p = json::object();
  p["order_id"] = order_id;
  // The document this event is about: its steps' events, exceptions and aggregate events
  // point at it, so its timeline and the aggregate's show each other.
  if (p.contains("message_id") && p["message_id"].is_string()) {
    w.message_id = p["message_id"].get<std::string>();
  }
  w.payload = p.dump();
  return w;
}

store::WorkSpec PromiseWork(const std::string& sku) {
  store::WorkSpec w;
  w.step = kPromiseStep;
  w.ordering_key = "promise/" + sku;
  w.payload = json({{"sku", sku}}).dump();
  return w;
}

engine::StepDef MakeSoEventStep(const FulfilContext& ctx) {
  engine::StepDef def;
  def.name = kSoEventStep;
  def.retry = ctx.cfg->engine.step_retry;
  def.retry.max_attempts = std::max(def.retry.max_attempts, 20);  // stock races are retried
  def.runs_ok = false;
  def.run = [ctx](const store::QueueItem& item) -> engine::StepResult {
    json p = json::parse(item.payload, nullptr, false);
    if (!p.is_object()) {
      return engine::StepResult::FromError(
          Error(Code::kInvalidArgument, "so.event payload is not JSON"));
    }
    const std::string order_id = p.value("order_id", "");
    const std::string ev = p.value("event", "");
    const std::string cause = p.value("message_id", item.message_id);
    store::Completion done;
    auto rec = ctx.store->GetAggregate(kSoType, order_id);
    if (!rec.ok()) return engine::StepResult::FromError(rec.error());
    SalesOrderState state;
    if (rec->has_value()) {
      auto st = workflows::SalesOrderStateFromJson((*rec)->state_json);
      if (!st.ok()) {
        return engine::StepResult::FromError(
            Error(Code::kDataLoss, "stored state of order " + order_id + " is unreadable"));
      }
      state = std::move(*st);
      state.version = (*rec)->version;
    } else if (ev != "received") {
      store::ExceptionRecord r;
      r.type = "unknown_sales_order";
      r.document_type = kSoType;
      r.document_id = order_id;
      r.partner_id = p.value("partner", "");
      r.message_id = cause;
      r.rule = "documents about an order must name one the hub received";
      r.message = "a " + ev + " arrived for order '" + order_id + "', which the hub does not know";
      done.exceptions.push_back(r);
      return engine::StepResult::Done(std::move(done));
    }
    const config::Partner* customer =
        ctx.cfg->FindPartner(ev == "received" ? p.value("customer", "") : state.customer);
    if (!customer) {
      return engine::StepResult::FromError(
          Error(Code::kFailedPrecondition, "customer of order " + order_id + " is not configured"));
    }
    workflows::SoEvent event;
    model::Shipment shipment;
    bool have_shipment = false;
    if (ev == "received") {
      auto order =
          model::FromJson<model::SalesOrder>(p.contains("document") ? p["document"].dump() : "{}");
      if (!order.ok()) return engine::StepResult::FromError(order.error());
      ToBaseUnits(ctx, *customer, &*order);
      workflows::SoReceived r;
      r.customer = customer->id;
      r.source = p.value("source", "");
      r.ship_complete = customer->ship_complete;
      for (const auto& party : order->parties) {
        if (party.role == "ship_to") r.ship_to = party.id.empty() ? party.code : party.id;
      }
      if (p.contains("holds") && p["holds"].is_array()) {
        for (const auto& h : p["holds"]) r.holds.push_back(h.get<std::string>());
      }
      if (p.contains("hold_notes") && p["hold_notes"].is_array()) {
        for (const auto& h : p["hold_notes"]) r.hold_notes.push_back(h.get<std::string>());
      }
      // Credit: what the customer owes and has open, plus this order, against its limit.
      Decimal total;
      for (const auto& l : order->lines) {
        if (l.unit_price)
          total = Sum(total, l.quantity.value.Mul(l.unit_price->amount).value_or(Decimal()));
      }
      if (!customer->credit_limit.empty()) {
        auto open = ctx.store->GetCounter("open_orders", customer->id);
        if (!open.ok()) return engine::StepResult::FromError(open.error());
        const Decimal exposure = Sum(Sum(*open, Dec(customer->receivables)), total);
        if (exposure > Dec(customer->credit_limit)) {
          r.holds.push_back("credit");
          r.hold_notes.push_back("open orders " + open->ToString() + " + receivables " +
                                 Dec(customer->receivables).ToString() + " + this order " +
                                 total.ToString() + " exceed the credit limit " +
                                 Dec(customer->credit_limit).ToString());
          store::ExceptionRecord x;
          x.type = "credit_hold";
          x.partner_id = customer->id;
          x.document_type = kSoType;
          x.document_id = order->po_number;
          x.message_id = cause;
          x.rule = "open orders and receivables must stay within the customer's credit limit";
          x.message = "order " + order_id + " is on credit hold: " + r.hold_notes.back();
          done.exceptions.push_back(x);
        }
      }
      if (!order->requested_delivery_date.empty() &&
          order->requested_delivery_date < Today(*ctx.clock)) {
        store::ExceptionRecord x;
        x.type = "requested_date_past";
        x.severity = "warning";
        x.partner_id = customer->id;
        x.document_type = kSoType;
        x.document_id = order->po_number;
        x.message_id = cause;
        x.field = "requested_delivery_date";
        x.value = order->requested_delivery_date;
        x.rule = "a requested delivery date lies in the future";
        x.message = "order " + order_id + " asks for delivery on " +
                    order->requested_delivery_date +
                    ", which has passed; it is served as soon as possible";
        done.exceptions.push_back(x);
      }
      // Configured substitutions: when the ordered SKU is inactive or cannot be served now and
      // its substitute can.
      std::vector<Need> needs;
      for (const auto& l : order->lines) {
        std::string sku = l.item.sku;
        for (const auto& [from, to] : customer->substitutions) {
          if (from != sku) continue;
          const config::CatalogItem* item = ctx.cfg->FindItem(sku);
          const auto now_a = ctx.index->Atp(sku, l.quantity.value, Today(*ctx.clock), {});
          const auto sub_a = ctx.index->Atp(to, l.quantity.value, Today(*ctx.clock), {});
          const bool cannot = (item && !item->active) || !now_a.promise_date ||
                              *now_a.promise_date > Today(*ctx.clock);
          const bool sub_can = sub_a.promise_date && *sub_a.promise_date == Today(*ctx.clock);
          if (cannot && sub_can) {
            r.substitutions.push_back({l.line_number, to});
            sku = to;
          }
        }
        needs.push_back({l.line_number, sku, l.quantity.value});
      }
      if (r.holds.empty()) r.plan = Plan(ctx, *customer, needs);
      r.order = std::move(*order);
      event = std::move(r);
    } else if (ev == "release_hold") {
      std::vector<Need> needs;
      for (const auto& l : state.lines)
        needs.push_back({l.line_number, l.sku, Diff(l.ordered, l.cancelled)});
      event = workflows::SoHoldReleased{p.value("hold", "all"), p.value("by", ""),
                                        p.value("note", ""), Plan(ctx, *customer, needs)};
    } else if (ev == "shipped") {
      auto sh =
          model::FromJson<model::Shipment>(p.contains("document") ? p["document"].dump() : "{}");
      if (!sh.ok()) return engine::StepResult::FromError(sh.error());
      std::vector<model::ShipmentOrder> mine;
      for (auto& o : sh->orders) {
        if (o.po_number == order_id) mine.push_back(std::move(o));
      }
      sh->orders = std::move(mine);
      shipment = *sh;
      have_shipment = true;
      event = workflows::SoShipped{std::move(*sh), p.value("warehouse", "")};
    } else if (ev == "reallocate") {
      std::vector<Need> needs;
      for (const auto& l : state.lines) {
        if (!l.backordered.is_zero()) needs.push_back({l.line_number, l.sku, l.backordered, true});
      }
      if (needs.empty()) return engine::StepResult::Done();
      event = workflows::SoReallocated{Plan(ctx, *customer, needs)};
    } else if (ev == "cancel") {
      event = workflows::SoCancelled{p.value("by", ""), p.value("reason", "")};
    } else {
      return engine::StepResult::FromError(
          Error(Code::kInvalidArgument, "unknown sales-order event '" + ev + "'"));
    }
    auto t = workflows::Apply(state, event);
    if (!t.ok()) {
      const bool dup = t.error().code() == Code::kAlreadyExists;
      store::ExceptionRecord r;
      r.type = dup ? "duplicate_document" : "so_event_rejected";
      r.severity = dup ? "warning" : "error";
      r.partner_id = customer->id;
      r.document_type = kSoType;
      r.document_id = order_id;
      r.message_id = cause;
      r.rule = dup ? "a document is applied to an order once" : "events must fit the order's state";
      r.message = t.error().message();
      done.exceptions.push_back(r);
      return engine::StepResult::Done(std::move(done));
    }
    // A no-op reallocation (nothing changed) commits nothing.
    if (ev == "reallocate" && t->state.version == state.version + 1) {
      bool changed = false;
      for (size_t i = 0; i < t->state.lines.size(); ++i) {
        changed |= t->state.lines[i].backordered != state.lines[i].backordered ||
                   t->state.lines[i].promise_date != state.lines[i].promise_date;
      }
      if (!changed) return engine::StepResult::Done();
    }
    SoExecutor(ctx, &done, item, cause).Run(state, *t, have_shipment ? &shipment : nullptr);
    return engine::StepResult::Done(std::move(done));
  };
  return def;
}

engine::StepDef MakePromiseStep(const FulfilContext& ctx) {
  engine::StepDef def;
  def.name = kPromiseStep;
  def.retry = ctx.cfg->engine.step_retry;
  def.runs_ok = true;  // it only queues reallocations
  def.run = [ctx](const store::QueueItem& item) -> engine::StepResult {
    json p = json::parse(item.payload, nullptr, false);
    const std::string sku = p.is_object() ? p.value("sku", "") : "";
    auto orders = ctx.store->OrdersWithBackorders(sku);
    if (!orders.ok()) return engine::StepResult::FromError(orders.error());
    store::Completion done;
    for (const auto& id : *orders) {
      done.next.push_back(SoEventWork(id, json({{"event", "reallocate"}, {"sku", sku}}).dump()));
    }
    return engine::StepResult::Done(std::move(done));
  };
  return def;
}

store::WorkSpec RmaEventWork(const std::string& rma_id, const std::string& payload_json) {
  store::WorkSpec w;
  w.step = kRmaEventStep;
  w.ordering_key = "rma/" + rma_id;
  json p = json::parse(payload_json, nullptr, false);
  if (!p.is_object()) p = json::object();
  p["rma_id"] = rma_id;
  // The document this event is about: its steps' events, exceptions and aggregate events
  // point at it, so its timeline and the aggregate's show each other.
  if (p.contains("message_id") && p["message_id"].is_string()) {
    w.message_id = p["message_id"].get<std::string>();
  }
  w.payload = p.dump();
  return w;
}

engine::StepDef MakeRmaEventStep(const FulfilContext& ctx) {
  engine::StepDef def;
  def.name = kRmaEventStep;
  def.retry = ctx.cfg->engine.step_retry;
  def.runs_ok = false;
  def.run = [ctx](const store::QueueItem& item) -> engine::StepResult {
    json p = json::parse(item.payload, nullptr, false);
    if (!p.is_object()) {
      return engine::StepResult::FromError(
          Error(Code::kInvalidArgument, "rma.event payload is not JSON"));
    }
    const std::string id = p.value("rma_id", "");
    const std::string ev = p.value("event", "");
    const std::string cause = p.value("message_id", item.message_id);
    const TimePoint now = ctx.clock->Now();
    store::Completion done;
    auto rec = ctx.store->GetAggregate("return", id);
    if (!rec.ok()) return engine::StepResult::FromError(rec.error());
    workflows::ReturnState state;
    if (rec->has_value()) {
      auto st = workflows::ReturnStateFromJson((*rec)->state_json);
      if (!st.ok())
        return engine::StepResult::FromError(Error(Code::kDataLoss, "return state unreadable"));
      state = std::move(*st);
      state.version = (*rec)->version;
    }
    auto problem = [&](const std::string& type, const std::string& msg) {
      store::ExceptionRecord r;
      r.id = NewIdAt(now);
      r.type = type;
      r.document_type = "return";
      r.document_id = id;
      r.partner_id = state.customer.empty() ? p.value("customer", "") : state.customer;
      r.message_id = cause;
      r.correlation_id = item.correlation_id;
      r.rule = "return events must fit the return's state";
      r.message = msg;
      done.exceptions.push_back(r);
      return engine::StepResult::Done(std::move(done));
    };
    workflows::RmaEvent event;
    if (ev == "requested") {
      auto rma = model::FromJson<model::ReturnAuthorization>(
          p.contains("document") ? p["document"].dump() : "{}");
      if (!rma.ok()) return engine::StepResult::FromError(rma.error());
      const std::string customer = p.value("customer", "");
      // Authorised by policy when the order it names shipped at least what comes back.
      bool auto_ok = false;
      std::string warehouse;
      if (!rma->order_reference.empty()) {
        auto so = ctx.store->GetAggregate(kSoType, customer + "/" + rma->order_reference);
        if (so.ok() && so->has_value()) {
          auto sos = workflows::SalesOrderStateFromJson((*so)->state_json);
          if (sos.ok()) {
            auto_ok = true;
            for (const auto& rl : rma->lines) {
              bool covered = false;
              for (const auto& l : sos->lines) {
                covered |= l.sku == rl.item.sku && l.shipped >= rl.quantity.value;
                if (l.sku == rl.item.sku && !l.allocations.empty())
                  warehouse = l.allocations[0].warehouse;
              }
              auto_ok &= covered;
            }
            // Credit at the price the customer paid unless the request says otherwise.
            for (auto& rl : rma->lines) {
              if (rl.credit_unit_price) continue;
              for (const auto& l : sos->lines) {
                if (l.sku == rl.item.sku)
                  rl.credit_unit_price = model::Money{l.unit_price, sos->currency};
              }
            }
          }
        }
      }
      if (warehouse.empty()) {
        for (const auto& l : ctx.cfg->locations) {
          if (l.kind == "warehouse") {
            warehouse = l.id;
            break;
          }
        }
      }
      event = workflows::RmaRequested{std::move(*rma), customer, warehouse, auto_ok, "USD"};
    } else if (ev == "authorise" || ev == "reject") {
      event = workflows::RmaDecided{ev == "authorise", p.value("by", ""), p.value("note", "")};
    } else if (ev == "received") {
      auto r =
          model::FromJson<model::Receipt>(p.contains("document") ? p["document"].dump() : "{}");
      if (!r.ok()) return engine::StepResult::FromError(r.error());
      event = workflows::RmaReceived{std::move(*r)};
    } else {
      return engine::StepResult::FromError(
          Error(Code::kInvalidArgument, "unknown return event '" + ev + "'"));
    }
    if (!rec->has_value() && ev != "requested") {
      return problem("unknown_return",
                     "a " + ev + " arrived for return '" + id + "', which the hub does not know");
    }
    auto t = workflows::Apply(state, event, Today(*ctx.clock));
    if (!t.ok()) return problem("return_event_rejected", t.error().message());
    const workflows::ReturnState& s = t->state;
    std::vector<store::AggregateWrite::Event> events;
    const config::Partner* customer = ctx.cfg->FindPartner(s.customer);
    auto fan = [&](const std::string& type, const std::string& data) {
      engine::EventSpec e{type,  s.customer,          s.rma_id,         data,
                          cause, item.correlation_id, item.traceparent, "rma/" + s.rma_id};
      for (auto& d : engine::FanOut(*ctx.cfg, e, now)) done.deliveries.push_back(std::move(d));
    };
    for (const auto& cmd : t->commands) {
      if (const auto* e = std::get_if<workflows::RmaEmit>(&cmd)) {
        fan(e->type, workflows::ToJson(s));
        events.push_back({e->type, json({{"state", s.state}}).dump()});
      } else if (const auto* r = std::get_if<workflows::RmaRestock>(&cmd)) {
        store::InventoryChange c;
        c.op = store::InventoryChange::Op::kAdjustOnHand;
        c.sku = r->sku;
        c.warehouse = r->warehouse;
        c.uom = r->uom;
        c.quantity = r->quantity;
        c.source = "return " + s.rma_id;
        c.as_of = now;
        done.inventory.push_back(std::move(c));
        done.next.push_back(PromiseWork(r->sku));
      } else if (const auto* cm = std::get_if<workflows::RmaCreditMemo>(&cmd)) {
        fan("return.credit_memo.v1", model::ToJson(cm->memo));
        if (const config::Partner* erp = ctx.cfg->Erp(); erp && Deliverable(*erp)) {
          store::DeliverySpec d;
          d.destination_id = PartnerDestination(erp->id);
          d.ordering_key = d.destination_id + "/rma/" + s.rma_id;
          d.message_id = cause;
          d.partner_id = erp->id;
          d.correlation_id = item.correlation_id;
          d.event_type = "erp-credit_memo-" + cm->memo.invoice_number;
          d.idempotency_key = NewIdAt(now);
          d.content_type = "application/json";
          d.body = json({{"kind", "credit_memo"},
                         {"key", cm->memo.invoice_number},
                         {"rma_id", s.rma_id},
                         {"customer", s.customer},
                         {"credit_memo", json::parse(model::ToJson(cm->memo))}})
                       .dump();
          done.deliveries.push_back(std::move(d));
        }
        if (customer && customer->FindRoute("invoice", "out") && Deliverable(*customer)) {
          mapping::EncodeOptions eo;
          store::Store* st = ctx.store;
          const std::string pid = customer->id;
          eo.next_control = [st, pid](const std::string& k) {
            return st->NextSequence(pid, "out-" + k);
          };
          eo.clock = ctx.clock;
          auto enc =
              mapping::Encode(*ctx.cfg, *customer, {model::DocumentType::kInvoice, cm->memo}, eo);
          if (enc.ok()) {
            store::DeliverySpec d;
            d.destination_id = PartnerDestination(customer->id);
            d.ordering_key = d.destination_id + "/rma/" + s.rma_id;
            d.message_id = cause;
            d.partner_id = customer->id;
            d.correlation_id = item.correlation_id;
            d.event_type = "credit_memo-" + cm->memo.invoice_number;
            d.idempotency_key = NewIdAt(now);
            d.content_type = enc->content_type;
            d.body = enc->bytes;
            done.deliveries.push_back(std::move(d));
          }
        }
      }
    }
    store::AggregateWrite w;
    w.type = "return";
    w.id = s.rma_id;
    w.expected_version = state.version;
    w.new_version = s.version;
    w.state_json = workflows::ToJson(s);
    w.status = s.state;
    w.partner_id = s.customer;
    w.events = std::move(events);
    done.aggregates.push_back(std::move(w));
    return engine::StepResult::Done(std::move(done));
  };
  return def;
}

DocumentHook MakeFulfilHook(const FulfilContext& ctx) {
  return [ctx](const DecodedDoc& d, store::Completion* out) {
    const config::Partner& partner = *d.partner;
    if (d.type == "sales_order" && IsCustomer(partner)) {
      // Problems found at decode become holds: price problems a price hold, the rest a data
      // hold. Warnings pass.
      std::set<std::string> holds;
      std::vector<std::string> notes;
      for (const auto& e : d.exceptions) {
        if (e.severity != "error") continue;
        holds.insert(e.type == "price_out_of_tolerance" ? "price" : "data");
        notes.push_back(e.type + ": " + e.message);
      }
      json p = {{"event", "received"},
                {"message_id", d.message_id},
                {"customer", partner.id},
                {"source", d.source},
                {"document", json::parse(d.json)},
                {"holds", std::vector<std::string>(holds.begin(), holds.end())},
                {"hold_notes", notes}};
      out->next.push_back(SoEventWork(partner.id + "/" + d.key, p.dump()));
      return;
    }
    if (d.held) return;
    if (d.type == "return" && IsCustomer(partner)) {
      json p = {{"event", "requested"},
                {"message_id", d.message_id},
                {"customer", partner.id},
                {"document", json::parse(d.json)}};
      out->next.push_back(RmaEventWork(partner.id + "/" + d.key, p.dump()));
      return;
    }
    // A warehouse's receipt naming a return (<customer>/<rma number>) is the returned goods.
    if (d.type == "receipt" && (IsWarehouse(partner) || partner.kind == "erp")) {
      auto r = model::FromJson<model::Receipt>(d.json);
      if (r.ok() && r->po_number.find('/') != std::string::npos) {
        json p = {{"event", "received"},
                  {"message_id", d.message_id},
                  {"partner", partner.id},
                  {"document", json::parse(d.json)}};
        out->next.push_back(RmaEventWork(r->po_number, p.dump()));
      }
      return;
    }
    if (d.type == "shipment" && IsWarehouse(partner)) {
      auto sh = model::FromJson<model::Shipment>(d.json);
      if (!sh.ok()) return;
      // Which warehouse shipped: the ship-from named in the notice, else the one this partner runs.
      std::string wh;
      for (const auto& party : sh->parties) {
        if (party.role == "ship_from") wh = party.id.empty() ? party.code : party.id;
      }
      if (wh.empty()) {
        for (const auto& l : ctx.cfg->locations) {
          if (l.party == partner.id && l.kind == "warehouse") {
            wh = l.id;
            break;
          }
        }
      }
      std::set<std::string> orders;
      for (const auto& o : sh->orders) orders.insert(o.po_number);
      for (const auto& id : orders) {
        json p = {{"event", "shipped"},
                  {"message_id", d.message_id},
                  {"partner", partner.id},
                  {"warehouse", wh},
                  {"document", json::parse(d.json)}};
        out->next.push_back(SoEventWork(id, p.dump()));
      }
    }
  };
}

}  // namespace crossdock::pipeline
