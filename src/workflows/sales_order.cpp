#include "workflows/sales_order.hpp"

#include <algorithm>
#include <set>

#include "model/reflect.hpp"

namespace crossdock::workflows {

template <class V>
void Fields(V& v, SoAllocation& x) {
  v.Req("warehouse", x.warehouse, "");
  v.Req("quantity", x.quantity, "");
  v.Req("released", x.released, "");
}
template <class V>
void Fields(V& v, SoLine& x) {
  v.Req("line_number", x.line_number, "");
  v.Opt("sku", x.sku, "");
  v.Opt("partner_item_id", x.partner_item_id, "");
  v.Opt("description", x.description, "");
  v.Opt("substituted_from", x.substituted_from, "");
  v.Req("ordered", x.ordered, "");
  v.Req("uom", x.uom, "");
  v.Req("unit_price", x.unit_price, "");
  v.Opt("currency", x.currency, "");
  v.Opt("allocations", x.allocations, "");
  v.Req("backordered", x.backordered, "");
  v.Opt("backorder_warehouse", x.backorder_warehouse, "");
  v.Opt("promise_date", x.promise_date, "");
  v.Req("shipped", x.shipped, "");
  v.Req("invoiced", x.invoiced, "");
  v.Req("cancelled", x.cancelled, "");
  v.Req("status", x.status, "");
}
template <class V>
void Fields(V& v, SalesOrderState& x) {
  v.Req("order_id", x.order_id, "");
  v.Opt("po_number", x.po_number, "");
  v.Opt("customer", x.customer, "");
  v.Opt("source", x.source, "");
  v.Opt("ship_to", x.ship_to, "");
  v.Opt("order_date", x.order_date, "");
  v.Opt("requested_date", x.requested_date, "");
  v.Opt("currency", x.currency, "");
  v.Req("state", x.state, "");
  v.Opt("holds", x.holds, "");
  v.Opt("hold_notes", x.hold_notes, "");
  v.Opt("ship_complete", x.ship_complete, "");
  v.Req("total", x.total, "");
  v.Opt("lines", x.lines, "");
  v.Opt("shipments", x.shipments, "");
  v.Opt("invoices", x.invoices, "");
  v.Opt("cancel_reason", x.cancel_reason, "");
  v.Opt("version", x.version, "");
}

namespace {

Decimal Sum(const Decimal& a, const Decimal& b) { return a.Add(b).value_or(a); }
Decimal Diff(const Decimal& a, const Decimal& b) { return a.Sub(b).value_or(a); }
Decimal Max0(const Decimal& d) { return d.is_negative() ? Decimal() : d; }

bool In(const std::string& s, std::initializer_list<const char*> xs) {
  for (const char* x : xs) {
    if (s == x) return true;
  }
  return false;
}

Error NotNow(const SalesOrderState& s, const std::string& what) {
  return Error(Code::kFailedPrecondition,
               "sales order " + s.order_id + " is " + s.state + "; " + what + " does not apply");
}

Decimal Allocated(const SoLine& l) {
  Decimal t;
  for (const auto& a : l.allocations) t = Sum(t, a.quantity);
  return t;
}

class B {
 public:
  explicit B(SoTransition* t) : t_(t) {}
  void Emit(const std::string& what) {
    t_->commands.push_back(SoEmit{"sales_order." + what + ".v1"});
  }
  void Raise(const std::string& type, const std::string& line, const std::string& rule,
             const std::string& message, const std::string& severity = "error") {
    model::BusinessException e;
    e.type = type;
    e.severity = severity;
    e.partner = t_->state.customer;
    e.document_type = "sales_order";
    e.document_id = t_->state.po_number;
    e.line = line;
    e.rule = rule;
    e.message = message;
    t_->commands.push_back(SoRaise{std::move(e)});
  }

  // Applies an allocation plan: reservations, backorders, promise dates.
  void Allocate(const std::vector<LinePlan>& plan, bool notify_promises) {
    SalesOrderState& s = t_->state;
    for (const auto& p : plan) {
      SoLine* l = nullptr;
      for (auto& x : s.lines) {
        if (x.line_number == p.line_number) l = &x;
      }
      if (!l || l->status == "cancelled") continue;
      for (const auto& r : p.reserve) {
        if (r.quantity.is_zero()) continue;
        bool merged = false;
        for (auto& a : l->allocations) {
          if (a.warehouse == r.warehouse) {
            a.quantity = Sum(a.quantity, r.quantity);
            merged = true;
          }
        }
        if (!merged) l->allocations.push_back({r.warehouse, r.quantity, Decimal()});
        t_->commands.push_back(Reserve{l->sku, r.warehouse, l->uom, r.quantity});
      }
      // The backorder is replaced by the plan's.
      if (!l->backordered.is_zero()) {
        t_->commands.push_back(
            Backorder{l->sku, l->backorder_warehouse, l->uom, l->backordered.Negate()});
      }
      const std::string old_promise = l->promise_date;
      l->backordered = p.backorder;
      l->backorder_warehouse = p.backorder.is_zero() ? "" : p.backorder_warehouse;
      l->promise_date = p.backorder.is_zero() ? "" : p.promise_date;
      if (!p.backorder.is_zero()) {
        t_->commands.push_back(Backorder{l->sku, p.backorder_warehouse, l->uom, p.backorder});
      }
      const Decimal alloc = Allocated(*l);
      const Decimal open = Diff(Diff(l->ordered, l->cancelled), l->shipped);
      l->status = l->backordered.is_zero() ? "allocated"
                  : alloc > l->shipped     ? "partial"
                                           : "backordered";
      if (alloc.is_zero() && l->backordered.is_zero() && !open.is_zero()) l->status = "open";
      if (notify_promises && old_promise != l->promise_date) {
        t_->commands.push_back(NotifyPromise{l->line_number, old_promise, l->promise_date});
      }
    }
  }

  bool AnyBackorder() const {
    for (const auto& l : t_->state.lines) {
      if (!l.backordered.is_zero()) return true;
    }
    return false;
  }

  // Releases what is allocated and not yet released, per warehouse.
  void Release() {
    SalesOrderState& s = t_->state;
    if (s.ship_complete && AnyBackorder()) return;  // ships complete: wait
    std::set<std::string> warehouses;
    for (auto& l : s.lines) {
      for (auto& a : l.allocations) {
        if (a.quantity > a.released) warehouses.insert(a.warehouse);
      }
    }
    for (const auto& w : warehouses) {
      t_->commands.push_back(ReleaseToWarehouse{w, WarehouseOrder(s, w)});
    }
    for (auto& l : s.lines) {
      for (auto& a : l.allocations) {
        if (warehouses.count(a.warehouse)) a.released = a.quantity;
      }
    }
    if (!warehouses.empty()) {
      if (!In(s.state, {"partially_shipped"})) s.state = "released";
      Emit("released");
    }
  }

  void Accept(const std::vector<LinePlan>& plan) {
    t_->state.state = "accepted";
    Allocate(plan, false);
    Emit("accepted");
    if (AnyBackorder()) Emit("backordered");
    t_->commands.push_back(SendAcknowledgment{});
    t_->commands.push_back(SoPostToErp{"sales_order", t_->state.order_id});
    Release();
  }

 private:
  SoTransition* t_;
};

}  // namespace

std::string SoEventName(const SoEvent& e) {
  struct N {
    std::string operator()(const SoReceived&) const { return "received"; }
    std::string operator()(const SoHoldReleased&) const { return "hold_released"; }
    std::string operator()(const SoShipped&) const { return "shipped"; }
    std::string operator()(const SoReallocated&) const { return "reallocated"; }
    std::string operator()(const SoCancelled&) const { return "cancelled"; }
  };
  return std::visit(N{}, e);
}

Result<SoTransition> Apply(const SalesOrderState& in, const SoEvent& event) {
  SoTransition t{in, {}};
  SalesOrderState& s = t.state;
  B b(&t);
  if (const auto* e = std::get_if<SoReceived>(&event)) {
    // A held order may come again (the partner or an operator fixed its data): it starts over.
    if (s.version != 0 && s.state != "on_hold") return NotNow(s, "receiving it again");
    s.holds.clear();
    s.hold_notes.clear();
    const model::SalesOrder& o = e->order;
    s.po_number = o.po_number;
    s.customer = e->customer;
    s.order_id = e->customer + "/" + o.po_number;
    s.source = e->source;
    s.ship_to = e->ship_to;
    s.order_date = o.order_date;
    s.requested_date = o.requested_delivery_date;
    s.currency = o.currency.empty() ? s.currency : o.currency;
    s.ship_complete = e->ship_complete;
    s.lines.clear();
    Decimal total;
    for (const auto& ol : o.lines) {
      SoLine l;
      l.line_number = ol.line_number;
      l.sku = ol.item.sku;
      l.partner_item_id = ol.item.partner_item_id;
      l.description = ol.item.description;
      l.ordered = ol.quantity.value;
      l.uom = ol.quantity.uom;
      l.unit_price = ol.unit_price ? ol.unit_price->amount : Decimal();
      l.currency = ol.unit_price ? ol.unit_price->currency : s.currency;
      for (const auto& [line, sub] : e->substitutions) {
        if (line == l.line_number && !sub.empty() && sub != l.sku) {
          l.substituted_from = l.sku;
          l.sku = sub;
        }
      }
      total = Sum(total, l.ordered.Mul(l.unit_price).value_or(Decimal()));
      s.lines.push_back(std::move(l));
    }
    if (s.lines.empty()) return Error(Code::kInvalidArgument, "sales order has no lines");
    s.total = total;
    b.Emit("received");
    for (const auto& l : s.lines) {
      if (!l.substituted_from.empty()) {
        b.Raise("substitution", l.line_number, "a configured substitute is shipped instead",
                "line " + l.line_number + ": " + l.substituted_from + " is substituted by " + l.sku,
                "warning");
      }
    }
    if (!e->holds.empty()) {
      s.state = "on_hold";
      s.holds = e->holds;
      s.hold_notes = e->hold_notes;
      b.Emit("on_hold");
    } else {
      b.Accept(e->plan);
    }
  } else if (const auto* e = std::get_if<SoHoldReleased>(&event)) {
    if (s.state != "on_hold") return NotNow(s, "releasing a hold");
    if (e->hold == "all") {
      s.holds.clear();
    } else {
      auto it = std::find(s.holds.begin(), s.holds.end(), e->hold);
      if (it == s.holds.end()) {
        return Error(Code::kFailedPrecondition,
                     "sales order " + s.order_id + " has no " + e->hold + " hold");
      }
      s.holds.erase(it);
    }
    s.hold_notes.push_back(e->hold + " released by " + e->by +
                           (e->note.empty() ? "" : ": " + e->note));
    b.Emit("hold_released");
    if (s.holds.empty()) b.Accept(e->plan);
  } else if (const auto* e = std::get_if<SoShipped>(&event)) {
    if (!In(s.state, {"accepted", "released", "partially_shipped"})) {
      return NotNow(s, "a shipment confirmation");
    }
    const model::Shipment& sh = e->shipment;
    if (std::find(s.shipments.begin(), s.shipments.end(), sh.shipment_id) != s.shipments.end()) {
      return Error(Code::kAlreadyExists, "shipment " + sh.shipment_id + " was already applied");
    }
    s.shipments.push_back(sh.shipment_id);
    auto ship = [&](const model::ShipmentItem& it) {
      SoLine* l = nullptr;
      for (auto& x : s.lines) {
        if ((!it.line_number.empty() && x.line_number == it.line_number) ||
            (it.line_number.empty() && x.sku == it.item.sku)) {
          l = &x;
        }
      }
      if (!l) {
        b.Raise("shipment_unknown_line", it.line_number, "every shipped item is on the order",
                "shipment " + sh.shipment_id + " ships " + it.item.sku + ", not on order " +
                    s.order_id);
        return;
      }
      l->shipped = Sum(l->shipped, it.quantity.value);
      Decimal left = it.quantity.value;
      for (auto& a : l->allocations) {
        if (a.warehouse != e->warehouse || left.is_zero()) continue;
        const Decimal take = a.quantity < left ? a.quantity : left;
        a.quantity = Diff(a.quantity, take);
        a.released = Max0(Diff(a.released, take));
        left = Diff(left, take);
      }
      if (!left.is_zero()) {
        b.Raise("shipment_over_allocation", l->line_number,
                "a warehouse ships what was reserved for the order",
                "line " + l->line_number + ": " + e->warehouse + " shipped " + left.ToString() +
                    " " + l->uom + " more than was reserved there",
                "warning");
      }
      t.commands.push_back(ConsumeStock{l->sku, e->warehouse, l->uom, it.quantity.value});
      // Consumed stock was reserved: the reservation goes with it.
      const Decimal reserved_part = Diff(it.quantity.value, left);
      if (!reserved_part.is_zero()) {
        t.commands.push_back(Reserve{l->sku, e->warehouse, l->uom, reserved_part.Negate()});
      }
      const Decimal open = Diff(Diff(l->ordered, l->cancelled), l->shipped);
      if (!open.is_negative() && open.is_zero()) l->status = "shipped";
    };
    for (const auto& o : sh.orders) {
      for (const auto& it : o.items) ship(it);
      for (const auto& p : o.packs) {
        for (const auto& it : p.items) ship(it);
      }
    }
    bool complete = true;
    for (const auto& l : s.lines) {
      if (l.status == "cancelled") continue;
      complete &= l.shipped >= Diff(l.ordered, l.cancelled);
    }
    s.state = complete ? "shipped" : "partially_shipped";
    b.Emit(complete ? "shipped" : "partially_shipped");
    t.commands.push_back(SendShipmentNotice{sh.shipment_id});
    const std::string inv = "INV-" + s.po_number + "-" + std::to_string(s.invoices.size() + 1);
    s.invoices.push_back(inv);
    for (auto& l : s.lines) {
      // Invoiced as shipped (quantities of this shipment are the difference).
      l.invoiced = l.shipped;
    }
    t.commands.push_back(SendInvoice{inv});
    t.commands.push_back(SoPostToErp{"invoice", inv});
    b.Emit("invoiced");
    if (complete) {
      s.state = "closed";
      b.Emit("closed");
    }
  } else if (const auto* e = std::get_if<SoReallocated>(&event)) {
    if (!In(s.state, {"accepted", "released", "partially_shipped"})) return t;  // nothing to do
    b.Allocate(e->plan, true);
    b.Emit("reallocated");
    b.Release();
  } else if (const auto* e = std::get_if<SoCancelled>(&event)) {
    if (!In(s.state, {"received", "on_hold", "accepted", "released"})) {
      return NotNow(s, "cancellation");
    }
    for (const auto& l : s.lines) {
      if (!l.shipped.is_zero()) return NotNow(s, "cancellation after shipment");
    }
    std::set<std::string> told;
    const std::string was = s.state;
    s.state = "cancelled";  // the warehouse cancellations below are built as such
    for (auto& l : s.lines) {
      for (auto& a : l.allocations) {
        if (!a.released.is_zero() && told.insert(a.warehouse).second) {
          t.commands.push_back(ReleaseToWarehouse{a.warehouse, WarehouseOrder(s, a.warehouse)});
        }
      }
    }
    s.state = was;
    for (auto& l : s.lines) {
      for (auto& a : l.allocations) {
        if (!a.quantity.is_zero()) {
          t.commands.push_back(Reserve{l.sku, a.warehouse, l.uom, a.quantity.Negate()});
        }
        a.quantity = Decimal();
        a.released = Decimal();
      }
      if (!l.backordered.is_zero()) {
        t.commands.push_back(
            Backorder{l.sku, l.backorder_warehouse, l.uom, l.backordered.Negate()});
      }
      l.backordered = Decimal();
      l.cancelled = Diff(l.ordered, l.shipped);
      l.status = "cancelled";
    }
    const bool acknowledged = s.state != "received" && s.state != "on_hold";
    s.state = "cancelled";
    s.cancel_reason = e->reason;
    b.Emit("cancelled");
    (void)acknowledged;
    t.commands.push_back(SendAcknowledgment{});  // the customer learns of the cancellation
  }
  s.version = in.version + 1;
  return t;
}

std::string ToJson(const SalesOrderState& s) { return model::ReflectToJson(s); }

Result<SalesOrderState> SalesOrderStateFromJson(std::string_view json) {
  return model::ReflectFromJson<SalesOrderState>(json);
}

model::PurchaseOrderAck AckDocument(const SalesOrderState& s, const std::string& today) {
  model::PurchaseOrderAck a;
  a.po_number = s.po_number;
  a.ack_number = s.order_id;
  a.ack_date = today;
  a.po_date = s.order_date;
  bool changed = false;
  for (const auto& l : s.lines) {
    model::AckLine al;
    al.line_number = l.line_number;
    al.item.sku = l.sku;
    al.item.partner_item_id = l.partner_item_id;
    al.ordered = {l.ordered, l.uom};
    al.unit_price = model::Money{l.unit_price, l.currency.empty() ? s.currency : l.currency};
    const std::string date = s.requested_date.empty() ? today : s.requested_date;
    if (l.status == "cancelled") {
      al.details.push_back({"rejected", "IR", {l.cancelled, l.uom}, ""});
      changed = true;
    } else {
      Decimal alloc;
      for (const auto& x : l.allocations) alloc = Sum(alloc, x.quantity);
      alloc = Sum(alloc, l.shipped);
      if (!alloc.is_zero()) {
        al.details.push_back({l.substituted_from.empty() ? "accepted" : "substituted",
                              l.substituted_from.empty() ? "IA" : "IS",
                              {alloc, l.uom},
                              date});
      }
      if (!l.backordered.is_zero()) {
        al.details.push_back({"backordered", "IB", {l.backordered, l.uom}, l.promise_date});
        changed = true;
      }
      if (!l.substituted_from.empty()) changed = true;
    }
    if (al.details.empty()) al.details.push_back({"accepted", "IA", {Decimal(), l.uom}, date});
    a.lines.push_back(std::move(al));
  }
  a.ack_type = s.state == "cancelled" ? "rejected_with_detail"
               : changed              ? "accepted_with_changes"
                                      : "accepted";
  a.ack_code = s.state == "cancelled" ? "RD" : changed ? "AC" : "AD";
  return a;
}

model::SalesOrder WarehouseOrder(const SalesOrderState& s, const std::string& warehouse) {
  model::SalesOrder o;
  o.po_number = s.po_number;
  o.purpose = s.state == "cancelled" ? "cancel" : "original";
  o.order_date = s.order_date;
  o.currency = s.currency;
  o.requested_delivery_date = s.requested_date;
  model::PartyRef st;
  st.role = "ship_to";
  st.id = s.ship_to;
  st.code = s.ship_to;
  o.parties.push_back(st);
  model::PartyRef wh;
  wh.role = "warehouse";
  wh.id = warehouse;
  wh.code = warehouse;
  o.parties.push_back(wh);
  for (const auto& l : s.lines) {
    for (const auto& a : l.allocations) {
      if (a.warehouse != warehouse) continue;
      const Decimal q = s.state == "cancelled" ? a.released : Diff(a.quantity, a.released);
      if (q.is_zero() && s.state != "cancelled") continue;
      model::OrderLine ol;
      ol.line_number = l.line_number;
      ol.item.sku = l.sku;
      ol.item.description = l.description;
      ol.quantity = {q, l.uom};
      o.lines.push_back(std::move(ol));
    }
  }
  o.references.push_back({"PO", s.po_number});  // the customer's own PO number
  return o;
}

model::Invoice InvoiceDocument(const SalesOrderState& s, const model::Shipment& shipment,
                               const std::string& invoice_number, const std::string& today) {
  model::Invoice inv;
  inv.invoice_number = invoice_number;
  inv.invoice_date = today;
  inv.po_number = s.po_number;
  inv.po_date = s.order_date;
  inv.shipment_id = shipment.shipment_id;
  inv.currency = s.currency;
  Decimal total;
  auto add = [&](const model::ShipmentItem& it) {
    for (const auto& l : s.lines) {
      if ((!it.line_number.empty() && l.line_number == it.line_number) ||
          (it.line_number.empty() && l.sku == it.item.sku)) {
        model::InvoiceLine il;
        il.line_number = l.line_number;
        il.item.sku = l.sku;
        il.item.partner_item_id = l.partner_item_id;
        il.quantity = {it.quantity.value, l.uom};
        il.unit_price = {l.unit_price, l.currency.empty() ? s.currency : l.currency};
        total = Sum(total, it.quantity.value.Mul(l.unit_price).value_or(Decimal()));
        inv.lines.push_back(std::move(il));
        return;
      }
    }
  };
  for (const auto& o : shipment.orders) {
    for (const auto& it : o.items) add(it);
    for (const auto& p : o.packs) {
      for (const auto& it : p.items) add(it);
    }
  }
  auto scaled = total.Rescale(2, Rounding::kHalfEven);
  inv.total = model::Money{scaled.ok() ? *scaled : total, s.currency};
  return inv;
}

}  // namespace crossdock::workflows
