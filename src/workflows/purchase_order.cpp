#include "workflows/purchase_order.hpp"

#include <algorithm>

#include "model/reflect.hpp"

namespace crossdock::workflows {

// Field lists for the state, so it is stored and read with the model's reflection.
template <class V>
void Fields(V& v, SupplyPart& x) {
  v.Req("quantity", x.quantity, "");
  v.Opt("date", x.date, "");
}
template <class V>
void Fields(V& v, PoLine& x) {
  v.Req("line_number", x.line_number, "");
  v.Opt("sku", x.sku, "");
  v.Opt("partner_item_id", x.partner_item_id, "");
  v.Opt("description", x.description, "");
  v.Req("ordered", x.ordered, "");
  v.Req("uom", x.uom, "");
  v.Req("unit_price", x.unit_price, "");
  v.Opt("currency", x.currency, "");
  v.Opt("requested_date", x.requested_date, "");
  v.Req("confirmed", x.confirmed, "");
  v.Req("backordered", x.backordered, "");
  v.Req("rejected", x.rejected, "");
  v.Req("status", x.status, "");
  v.Opt("schedule", x.schedule, "");
  v.Req("shipped", x.shipped, "");
  v.Opt("transit_date", x.transit_date, "");
  v.Req("received", x.received, "");
  v.Req("damaged", x.damaged, "");
  v.Req("invoiced", x.invoiced, "");
  v.Req("invoiced_amount", x.invoiced_amount, "");
}
template <class V>
void Fields(V& v, PurchaseOrderState& x) {
  v.Req("po_number", x.po_number, "");
  v.Opt("supplier", x.supplier, "");
  v.Opt("warehouse", x.warehouse, "");
  v.Opt("currency", x.currency, "");
  v.Opt("order_date", x.order_date, "");
  v.Opt("requested_delivery_date", x.requested_delivery_date, "");
  v.Req("state", x.state, "");
  v.Opt("reason", x.reason, "");
  v.Opt("approved_by", x.approved_by, "");
  v.Opt("ack_overdue", x.ack_overdue, "");
  v.Req("total", x.total, "");
  v.Opt("lines", x.lines, "");
  v.Opt("shipments", x.shipments, "");
  v.Opt("receipts", x.receipts, "");
  v.Opt("invoices", x.invoices, "");
  v.Opt("version", x.version, "");
}

namespace {

using model::BusinessException;

bool In(const std::string& s, std::initializer_list<const char*> states) {
  for (const char* x : states) {
    if (s == x) return true;
  }
  return false;
}

Error NotNow(const PurchaseOrderState& s, const std::string& what) {
  return Error(Code::kFailedPrecondition, "purchase order " + s.po_number + " is " + s.state +
                                              "; " + what + " does not apply");
}

Decimal Max0(const Decimal& d) { return d.is_negative() ? Decimal() : d; }

Decimal Sum(const Decimal& a, const Decimal& b) { return a.Add(b).value_or(a); }
Decimal Diff(const Decimal& a, const Decimal& b) { return a.Sub(b).value_or(a); }

PoLine* FindLine(PurchaseOrderState& s, const std::string& line_number, const std::string& sku) {
  for (auto& l : s.lines) {
    if (!line_number.empty() && l.line_number == line_number && (sku.empty() || l.sku == sku)) {
      return &l;
    }
  }
  for (auto& l : s.lines) {
    if (!sku.empty() && l.sku == sku) return &l;
  }
  return nullptr;
}

class Builder {
 public:
  Builder(PoTransition* t, const PoPolicy& p) : t_(t), policy_(p) {}

  void Emit(const std::string& what) {
    t_->commands.push_back(workflows::Emit{"purchase_order." + what + ".v1"});
  }
  void Raise(const std::string& type, const std::string& line, const std::string& field,
             const std::string& value, const std::string& rule, const std::string& message,
             const std::string& severity = "error") {
    BusinessException e;
    e.type = type;
    e.severity = severity;
    e.partner = t_->state.supplier;
    e.document_type = "purchase_order";
    e.document_id = t_->state.po_number;
    e.line = line;
    e.field = field;
    e.value = value;
    e.rule = rule;
    e.message = message;
    t_->commands.push_back(RaiseException{std::move(e)});
  }

  // On-order and in-transit supply of every line, recomputed from what is known now.
  void Supply() {
    const auto& s = t_->state;
    const bool closed =
        In(s.state, {"cancelled", "closed", "rejected", "draft", "pending_approval"});
    for (const auto& l : s.lines) {
      SetSupply on{"on_order", "po/" + s.po_number + "/" + l.line_number, l.sku, s.warehouse, l.uom,
                   {}};
      SetSupply transit{
          "in_transit", "po/" + s.po_number + "/" + l.line_number, l.sku, s.warehouse, l.uom, {}};
      if (!closed && l.status != "rejected") {
        const bool acked = l.status != "open";
        const Decimal expected = acked ? Sum(l.confirmed, l.backordered) : l.ordered;
        const Decimal done = l.shipped > l.received ? l.shipped : l.received;
        Decimal remaining = Max0(Diff(expected, done));
        if (!remaining.is_zero()) {
          if (acked && !l.schedule.empty()) {
            // The earliest confirmed parts are the ones already shipped or received.
            Decimal consumed = done;
            for (const auto& part : l.schedule) {
              Decimal q = part.quantity;
              if (!consumed.is_zero()) {
                const Decimal take = consumed < q ? consumed : q;
                q = Diff(q, take);
                consumed = Diff(consumed, take);
              }
              if (!q.is_zero()) on.parts.push_back({q, part.date});
            }
          } else {
            on.parts.push_back({remaining, l.requested_date});
          }
        }
        const Decimal in_transit = Max0(Diff(l.shipped, l.received));
        if (!in_transit.is_zero()) transit.parts.push_back({in_transit, l.transit_date});
      }
      t_->commands.push_back(std::move(on));
      t_->commands.push_back(std::move(transit));
    }
  }

  void Release() {
    t_->state.state = "released";
    t_->commands.push_back(SendPurchaseOrder{});
    Emit("released");
    Supply();
  }

 private:
  PoTransition* t_;
  const PoPolicy& policy_;
};

std::string Qty(const Decimal& d, const std::string& uom) { return d.ToString() + " " + uom; }

}  // namespace

std::string PoEventName(const PoEvent& e) {
  struct N {
    std::string operator()(const PoCreated&) const { return "created"; }
    std::string operator()(const PoApproved&) const { return "approved"; }
    std::string operator()(const PoSent&) const { return "sent"; }
    std::string operator()(const PoAckReceived&) const { return "ack_received"; }
    std::string operator()(const PoAckOverdue&) const { return "ack_overdue"; }
    std::string operator()(const PoShipmentReceived&) const { return "shipment_received"; }
    std::string operator()(const PoReceiptReceived&) const { return "receipt_received"; }
    std::string operator()(const PoInvoiceReceived&) const { return "invoice_received"; }
    std::string operator()(const PoCancelled&) const { return "cancelled"; }
  };
  return std::visit(N{}, e);
}

Result<PoTransition> Apply(const PurchaseOrderState& in, const PoEvent& event,
                           const PoPolicy& policy) {
  PoTransition t{in, {}};
  PurchaseOrderState& s = t.state;
  Builder b(&t, policy);

  if (const auto* e = std::get_if<PoCreated>(&event)) {
    if (s.state != "draft" || s.version != 0) return NotNow(s, "creating it again");
    const model::PurchaseOrder& o = e->order;
    s.po_number = o.po_number;
    s.supplier = e->supplier;
    s.warehouse = e->warehouse;
    s.currency = o.currency.empty() ? s.currency : o.currency;
    s.order_date = o.order_date;
    s.requested_delivery_date = o.requested_delivery_date;
    s.reason = e->reason;
    s.lines.clear();
    Decimal total;
    for (const auto& ol : o.lines) {
      PoLine l;
      l.line_number = ol.line_number;
      l.sku = ol.item.sku;
      l.partner_item_id = ol.item.partner_item_id;
      l.description = ol.item.description;
      l.ordered = ol.quantity.value;
      l.uom = ol.quantity.uom;
      l.unit_price = ol.unit_price ? ol.unit_price->amount : Decimal();
      l.currency = ol.unit_price ? ol.unit_price->currency : s.currency;
      l.requested_date = ol.requested_date.empty() ? o.requested_delivery_date : ol.requested_date;
      total = Sum(total, l.ordered.Mul(l.unit_price).value_or(Decimal()));
      s.lines.push_back(std::move(l));
    }
    if (s.lines.empty()) {
      return Error(Code::kInvalidArgument, "purchase order " + s.po_number + " has no lines");
    }
    s.total = total;
    b.Emit("created");
    if (e->needs_approval) {
      s.state = "pending_approval";
      b.Emit("pending_approval");
    } else {
      b.Release();
    }
  } else if (const auto* e = std::get_if<PoApproved>(&event)) {
    if (s.state != "pending_approval") return NotNow(s, "approval");
    s.approved_by = e->by;
    b.Emit("approved");
    b.Release();
  } else if (std::get_if<PoSent>(&event)) {
    if (s.state != "released") return NotNow(s, "sending");
    s.state = "sent";
    if (policy.ack_due_hours > 0) t.commands.push_back(StartAckClock{policy.ack_due_hours});
    b.Emit("sent");
  } else if (const auto* e = std::get_if<PoAckReceived>(&event)) {
    if (!In(s.state, {"sent", "acknowledged", "partially_confirmed", "date_changed", "rejected"})) {
      return NotNow(s, "an acknowledgment (855)");
    }
    const model::PurchaseOrderAck& ack = e->ack;
    s.ack_overdue = false;
    const bool whole_rejection =
        (ack.ack_type == "rejected" || ack.ack_type == "rejected_with_detail") && ack.lines.empty();
    bool any_partial = false, any_late = false, any_rejected = false;
    std::vector<std::string> partial_msgs;
    for (size_t li = 0; li < s.lines.size(); ++li) {
      PoLine& l = s.lines[li];
      const model::AckLine* al = nullptr;
      for (const auto& x : ack.lines) {
        if (x.line_number == l.line_number) al = &x;
      }
      if (!al) {
        for (const auto& x : ack.lines) {
          if (!x.item.sku.empty() && x.item.sku == l.sku) al = &x;
        }
      }
      if (whole_rejection) {
        l.status = "rejected";
        l.rejected = l.ordered;
        l.confirmed = Decimal();
        l.schedule.clear();
        any_rejected = true;
        continue;
      }
      if (!al) {
        if (ack.ack_type == "accepted" || ack.ack_type == "accepted_no_detail") {
          l.status = "confirmed";
          l.confirmed = l.ordered;
          l.schedule = {{l.ordered, l.requested_date}};
        }
        continue;
      }
      l.confirmed = Decimal();
      l.backordered = Decimal();
      l.rejected = Decimal();
      l.schedule.clear();
      for (const auto& d : al->details) {
        if (d.quantity.uom != l.uom && !d.quantity.uom.empty()) {
          b.Raise("ack_unit_mismatch", l.line_number, "lines.details.quantity.uom", d.quantity.uom,
                  "an acknowledgment must use the unit the order used",
                  "line " + l.line_number + " was ordered in " + l.uom + " but acknowledged in " +
                      d.quantity.uom);
        }
        if (d.status == "rejected") {
          l.rejected = Sum(l.rejected, d.quantity.value);
          continue;
        }
        if (d.status == "backordered") {
          l.backordered = Sum(l.backordered, d.quantity.value);
        } else {
          l.confirmed = Sum(l.confirmed, d.quantity.value);
        }
        // A backorder without a date is not supply the hub can count on.
        if (d.status == "backordered" && d.date.empty()) continue;
        l.schedule.push_back({d.quantity.value, d.date.empty() ? l.requested_date : d.date});
        if (!d.date.empty() && !l.requested_date.empty() && d.date > l.requested_date) {
          any_late = true;
        }
      }
      std::sort(l.schedule.begin(), l.schedule.end(),
                [](const SupplyPart& a, const SupplyPart& b) { return a.date < b.date; });
      Decimal now_confirmed;  // confirmed for the requested date
      for (const auto& p : l.schedule) {
        if (p.date.empty() || l.requested_date.empty() || p.date <= l.requested_date) {
          now_confirmed = Sum(now_confirmed, p.quantity);
        }
      }
      if (l.confirmed.is_zero() && l.backordered.is_zero() && !l.rejected.is_zero()) {
        l.status = "rejected";
        any_rejected = true;
      } else if (l.confirmed < l.ordered || now_confirmed < l.ordered) {
        l.status = l.confirmed < l.ordered ? "partial" : "changed";
        if (l.confirmed < l.ordered) any_partial = true;
        std::string msg = "line " + l.line_number + " (" + l.sku + "): ordered " +
                          Qty(l.ordered, l.uom) + " for " + l.requested_date + ", supplier " +
                          s.supplier + " confirmed";
        bool first = true;
        for (const auto& p : l.schedule) {
          msg += std::string(first ? " " : ", ") + Qty(p.quantity, l.uom) + " for " +
                 (p.date.empty() ? std::string("an unknown date") : p.date);
          first = false;
        }
        if (l.schedule.empty()) msg += " nothing";
        if (!l.backordered.is_zero()) msg += "; backordered " + Qty(l.backordered, l.uom);
        if (!l.rejected.is_zero()) msg += "; rejected " + Qty(l.rejected, l.uom);
        partial_msgs.push_back(msg);
        b.Raise(l.confirmed < l.ordered ? "partial_confirmation" : "date_changed", l.line_number,
                "lines[" + std::to_string(li) + "]", Qty(now_confirmed, l.uom),
                "a supplier must confirm the whole quantity for the requested date", msg);
      } else {
        l.status = "confirmed";
      }
    }
    bool all_rejected = !s.lines.empty();
    for (const auto& l : s.lines) all_rejected &= l.status == "rejected";
    if (all_rejected) {
      s.state = "rejected";
      b.Raise("po_rejected", "", "ack_type", ack.ack_code.empty() ? ack.ack_type : ack.ack_code,
              "a purchase order the supplier rejects needs another source",
              "supplier " + s.supplier + " rejected purchase order " + s.po_number);
      b.Emit("rejected");
    } else if (any_partial || any_rejected) {
      s.state = "partially_confirmed";
      b.Emit("partially_confirmed");
    } else if (any_late) {
      s.state = "date_changed";
      b.Emit("date_changed");
    } else {
      s.state = "acknowledged";
      b.Emit("acknowledged");
    }
    b.Supply();
  } else if (const auto* e = std::get_if<PoAckOverdue>(&event)) {
    if (s.state != "sent")
      return t;  // acknowledged (or gone) in time: the clock has nothing to say
    s.ack_overdue = true;
    b.Raise("ack_overdue", "", "state", s.state,
            "a supplier acknowledges a purchase order within its profile's SLA",
            "supplier " + s.supplier + " has not acknowledged purchase order " + s.po_number +
                " (due " + e->due_at + ")");
    b.Emit("ack_overdue");
  } else if (const auto* e = std::get_if<PoShipmentReceived>(&event)) {
    if (In(s.state, {"draft", "pending_approval", "released", "cancelled", "closed"})) {
      return NotNow(s, "a ship notice (856)");
    }
    const model::Shipment& sh = e->shipment;
    if (std::find(s.shipments.begin(), s.shipments.end(), sh.shipment_id) != s.shipments.end()) {
      return Error(Code::kAlreadyExists,
                   "ship notice " + sh.shipment_id + " was already applied to " + s.po_number);
    }
    s.shipments.push_back(sh.shipment_id);
    const std::string date =
        !sh.expected_delivery_date.empty() ? sh.expected_delivery_date : sh.ship_date;
    auto apply_item = [&](const model::ShipmentItem& it) {
      PoLine* l = FindLine(s, it.line_number, it.item.sku);
      if (!l) {
        b.Raise("asn_unknown_line", it.line_number, "item",
                it.item.sku.empty() ? it.item.partner_item_id : it.item.sku,
                "every shipped item must be on the purchase order",
                "ship notice " + sh.shipment_id + " ships " +
                    Qty(it.quantity.value, it.quantity.uom) + " of " +
                    (it.item.sku.empty() ? it.item.partner_item_id : it.item.sku) +
                    ", which is not on purchase order " + s.po_number);
        return;
      }
      l->shipped = Sum(l->shipped, it.quantity.value);
      l->transit_date = date;
      const Decimal limit = l->status == "open" ? l->ordered : Sum(l->confirmed, l->backordered);
      if (l->shipped > limit) {
        b.Raise("asn_over_shipment", l->line_number, "quantity", Qty(l->shipped, l->uom),
                "a supplier ships no more than it confirmed",
                "line " + l->line_number + " (" + l->sku + "): shipped " + Qty(l->shipped, l->uom) +
                    " against " + Qty(limit, l->uom) + " confirmed",
                "warning");
      }
    };
    for (const auto& o : sh.orders) {
      if (o.po_number != s.po_number) continue;
      for (const auto& it : o.items) apply_item(it);
      for (const auto& p : o.packs) {
        for (const auto& it : p.items) apply_item(it);
      }
    }
    if (!In(s.state, {"partially_received", "received", "invoiced", "matched", "discrepancy"})) {
      s.state = "shipped";
    }
    b.Emit("shipped");
    b.Supply();
  } else if (const auto* e = std::get_if<PoReceiptReceived>(&event)) {
    if (In(s.state, {"draft", "pending_approval", "released", "cancelled", "closed"})) {
      return NotNow(s, "a receipt");
    }
    const model::Receipt& r = e->receipt;
    if (std::find(s.receipts.begin(), s.receipts.end(), r.receipt_id) != s.receipts.end()) {
      return Error(Code::kAlreadyExists,
                   "receipt " + r.receipt_id + " was already applied to " + s.po_number);
    }
    s.receipts.push_back(r.receipt_id);
    for (const auto& rl : r.lines) {
      PoLine* l = FindLine(s, rl.line_number, rl.item.sku);
      if (!l) {
        b.Raise("receipt_unknown_line", rl.line_number, "item", rl.item.sku,
                "every received item must be on the purchase order",
                "receipt " + r.receipt_id + " received " + Qty(rl.received.value, rl.received.uom) +
                    " of " + rl.item.sku + ", which is not on purchase order " + s.po_number);
        continue;
      }
      // What was expected on this receipt: as the receipt says, else what is in transit, else
      // what is still open.
      Decimal expected;
      if (rl.expected) {
        expected = rl.expected->value;
      } else if (!l->shipped.is_zero()) {
        expected = Max0(Diff(l->shipped, l->received));
      } else {
        expected = Max0(Diff(l->status == "open" ? l->ordered : Sum(l->confirmed, l->backordered),
                             l->received));
      }
      l->received = Sum(l->received, rl.received.value);
      Decimal good = rl.received.value;
      if (rl.damaged && !rl.damaged->value.is_zero()) {
        l->damaged = Sum(l->damaged, rl.damaged->value);
        good = Max0(Diff(good, rl.damaged->value));
        b.Raise("receipt_damaged", l->line_number, "damaged", Qty(rl.damaged->value, l->uom),
                "damaged goods are claimed from the supplier",
                "receipt " + r.receipt_id + " line " + l->line_number + " (" + l->sku +
                    "): " + Qty(rl.damaged->value, l->uom) + " damaged");
      }
      if (rl.received.value != expected) {
        b.Raise("receipt_variance", l->line_number, "received", Qty(rl.received.value, l->uom),
                "the quantity received must match the quantity expected",
                "receipt " + r.receipt_id + " line " + l->line_number + " (" + l->sku +
                    "): expected " + Qty(expected, l->uom) + ", received " +
                    Qty(rl.received.value, l->uom));
      }
      if (!good.is_zero()) {
        t.commands.push_back(
            AdjustOnHand{l->sku, s.warehouse, l->uom, good, "receipt " + r.receipt_id});
      }
    }
    bool complete = true;
    for (const auto& l : s.lines) {
      if (l.status == "rejected") continue;
      const Decimal want = l.status == "open" ? l.ordered : Sum(l.confirmed, l.backordered);
      complete &= l.received >= want;
    }
    if (!In(s.state, {"invoiced", "matched", "discrepancy"})) {
      s.state = complete ? "received" : "partially_received";
    }
    b.Emit(complete ? "received" : "partially_received");
    t.commands.push_back(PostToErp{"receipt", r.receipt_id});
    b.Supply();
  } else if (const auto* e = std::get_if<PoInvoiceReceived>(&event)) {
    if (In(s.state, {"draft", "pending_approval", "released", "cancelled", "closed"})) {
      return NotNow(s, "an invoice (810)");
    }
    const model::Invoice& inv = e->invoice;
    if (std::find(s.invoices.begin(), s.invoices.end(), inv.invoice_number) != s.invoices.end()) {
      return Error(Code::kAlreadyExists,
                   "invoice " + inv.invoice_number + " was already applied to " + s.po_number);
    }
    s.invoices.push_back(inv.invoice_number);
    const bool credit = inv.invoice_type == "credit_memo";
    bool discrepancy = false;
    Decimal lines_total;
    for (const auto& il : inv.lines) {
      PoLine* l =
          FindLine(s, il.po_line_number.empty() ? il.line_number : il.po_line_number, il.item.sku);
      if (!l) {
        discrepancy = true;
        b.Raise("invoice_unknown_line", il.line_number, "item", il.item.sku,
                "every invoiced item must be on the purchase order",
                "invoice " + inv.invoice_number + " line " + il.line_number + " bills " +
                    (il.item.sku.empty() ? il.item.partner_item_id : il.item.sku) +
                    ", which is not on purchase order " + s.po_number);
        continue;
      }
      const Decimal amount = il.amount
                                 ? il.amount->amount
                                 : il.quantity.value.Mul(il.unit_price.amount).value_or(Decimal());
      lines_total = Sum(lines_total, amount);
      if (credit) {
        l->invoiced = Diff(l->invoiced, il.quantity.value);
        l->invoiced_amount = Diff(l->invoiced_amount, amount);
        continue;
      }
      l->invoiced = Sum(l->invoiced, il.quantity.value);
      l->invoiced_amount = Sum(l->invoiced_amount, amount);
      // Price: invoiced unit price against the PO price.
      if (!l->unit_price.is_zero()) {
        auto diff = il.unit_price.amount.Sub(l->unit_price);
        auto pct = diff.ok() ? diff->Abs().Mul(Decimal::FromInt(100)) : diff;
        auto rel = pct.ok() ? pct->Div(l->unit_price, 4, Rounding::kHalfEven) : pct;
        if (rel.ok() && *rel > policy.price_tolerance_percent) {
          discrepancy = true;
          b.Raise("invoice_price_variance", l->line_number, "unit_price",
                  il.unit_price.amount.ToString(),
                  "invoiced price must be within " + policy.price_tolerance_percent.ToString() +
                      "% of the purchase order price",
                  "invoice " + inv.invoice_number + " line " + il.line_number + " (" + l->sku +
                      "): invoiced " + il.unit_price.amount.ToString() + " per " + l->uom +
                      ", ordered at " + l->unit_price.ToString() + " (" +
                      rel->Normalized().ToString() + "% off)");
        }
      }
      // Quantity: cumulative invoiced against received.
      auto allowed = l->received
                         .Mul(Decimal::FromInt(100)
                                  .Add(policy.quantity_tolerance_percent)
                                  .value_or(Decimal::FromInt(100)))
                         .value_or(l->received);
      auto allowed_q =
          allowed.Div(Decimal::FromInt(100), 6, Rounding::kFloor).value_or(l->received);
      if (l->invoiced > allowed_q) {
        discrepancy = true;
        b.Raise("invoice_quantity_variance", l->line_number, "quantity", Qty(l->invoiced, l->uom),
                "invoiced quantity must not exceed the quantity received",
                "invoice " + inv.invoice_number + " line " + il.line_number + " (" + l->sku +
                    "): invoiced " + Qty(l->invoiced, l->uom) + " in total, received " +
                    Qty(l->received, l->uom));
      }
    }
    if (inv.total && !credit) {
      Decimal expected = lines_total;
      for (const auto& c : inv.charges) {
        expected = c.type == "allowance" ? Diff(expected, c.amount.amount)
                                         : Sum(expected, c.amount.amount);
      }
      if (inv.tax) expected = Sum(expected, inv.tax->amount);
      auto gap = inv.total->amount.Sub(expected);
      if (gap.ok() && gap->Abs() > Decimal::Parse("0.01").value()) {
        discrepancy = true;
        b.Raise("invoice_total_mismatch", "", "total", inv.total->amount.ToString(),
                "an invoice total equals its lines plus charges, less allowances, plus tax",
                "invoice " + inv.invoice_number + " totals " + inv.total->amount.ToString() +
                    " but its lines and charges add up to " + expected.ToString());
      }
    }
    b.Emit("invoiced");
    if (discrepancy) {
      s.state = "discrepancy";
      b.Emit("discrepancy");
    } else {
      s.state = "matched";
      b.Emit("matched");
      t.commands.push_back(PostToErp{"invoice", inv.invoice_number});
      bool complete = true;
      for (const auto& l : s.lines) {
        if (l.status == "rejected") continue;
        const Decimal want = l.status == "open" ? l.ordered : Sum(l.confirmed, l.backordered);
        complete &= l.received >= want && l.invoiced >= l.received;
      }
      if (complete) {
        s.state = "closed";
        b.Emit("closed");
      }
    }
    b.Supply();
  } else if (const auto* e = std::get_if<PoCancelled>(&event)) {
    if (!In(s.state, {"draft", "pending_approval", "released", "sent", "acknowledged",
                      "partially_confirmed", "date_changed", "rejected"})) {
      return NotNow(s, "cancellation");
    }
    const bool was_sent = !In(s.state, {"draft", "pending_approval", "released"});
    s.state = "cancelled";
    if (was_sent) t.commands.push_back(SendPurchaseOrder{});  // the 850 with purpose cancel
    b.Emit("cancelled");
    (void)e;
    b.Supply();
  }
  s.version = in.version + 1;
  return t;
}

std::string ToJson(const PurchaseOrderState& s) { return model::ReflectToJson(s); }

Result<PurchaseOrderState> PurchaseOrderStateFromJson(std::string_view json) {
  return model::ReflectFromJson<PurchaseOrderState>(json);
}

model::PurchaseOrder ToDocument(const PurchaseOrderState& s) {
  model::PurchaseOrder o;
  o.po_number = s.po_number;
  o.purpose = s.state == "cancelled" ? "cancel" : "original";
  o.order_date = s.order_date;
  o.currency = s.currency;
  o.requested_delivery_date = s.requested_delivery_date;
  model::PartyRef st;
  st.role = "ship_to";
  st.id = s.warehouse;
  st.code = s.warehouse;
  o.parties.push_back(st);
  for (const auto& l : s.lines) {
    model::OrderLine ol;
    ol.line_number = l.line_number;
    ol.item.sku = l.sku;
    ol.item.partner_item_id = l.partner_item_id;
    ol.item.description = l.description;
    ol.quantity = {l.ordered, l.uom};
    ol.unit_price = model::Money{l.unit_price, l.currency.empty() ? s.currency : l.currency};
    ol.requested_date = l.requested_date;
    o.lines.push_back(std::move(ol));
  }
  return o;
}

}  // namespace crossdock::workflows
