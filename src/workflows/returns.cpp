#include "workflows/returns.hpp"

#include "model/reflect.hpp"

namespace crossdock::workflows {

template <class V>
void Fields(V& v, RmaLine& x) {
  v.Req("line_number", x.line_number, "");
  v.Opt("sku", x.sku, "");
  v.Req("requested", x.requested, "");
  v.Req("received", x.received, "");
  v.Req("uom", x.uom, "");
  v.Req("credit_unit_price", x.credit_unit_price, "");
  v.Opt("reason", x.reason, "");
  v.Opt("condition", x.condition, "");
}
template <class V>
void Fields(V& v, ReturnState& x) {
  v.Req("rma_id", x.rma_id, "");
  v.Opt("rma_number", x.rma_number, "");
  v.Opt("customer", x.customer, "");
  v.Opt("order_reference", x.order_reference, "");
  v.Opt("warehouse", x.warehouse, "");
  v.Req("state", x.state, "");
  v.Opt("currency", x.currency, "");
  v.Opt("decided_by", x.decided_by, "");
  v.Opt("note", x.note, "");
  v.Opt("lines", x.lines, "");
  v.Opt("credit_memo", x.credit_memo, "");
  v.Req("credit_total", x.credit_total, "");
  v.Opt("version", x.version, "");
}

namespace {
Error NotNow(const ReturnState& s, const std::string& what) {
  return Error(Code::kFailedPrecondition,
               "return " + s.rma_id + " is " + s.state + "; " + what + " does not apply");
}
}  // namespace

Result<RmaTransition> Apply(const ReturnState& in, const RmaEvent& event,
                            const std::string& today) {
  RmaTransition t{in, {}};
  ReturnState& s = t.state;
  auto emit = [&](const std::string& what) {
    t.commands.push_back(RmaEmit{"return." + what + ".v1"});
  };
  if (const auto* e = std::get_if<RmaRequested>(&event)) {
    if (s.version != 0) return NotNow(s, "requesting it again");
    s.rma_number = e->rma.rma_number;
    s.customer = e->customer;
    s.rma_id = e->customer + "/" + e->rma.rma_number;
    s.order_reference = e->rma.order_reference;
    s.warehouse = e->warehouse;
    s.currency = e->currency;
    for (const auto& l : e->rma.lines) {
      RmaLine r;
      r.line_number = l.line_number;
      r.sku = l.item.sku;
      r.requested = l.quantity.value;
      r.uom = l.quantity.uom;
      r.credit_unit_price = l.credit_unit_price ? l.credit_unit_price->amount : Decimal();
      r.reason = l.reason;
      r.condition = l.condition;
      s.lines.push_back(std::move(r));
    }
    if (s.lines.empty()) return Error(Code::kInvalidArgument, "a return needs lines");
    emit("requested");
    if (e->auto_authorise) {
      s.state = "authorised";
      s.decided_by = "policy";
      emit("authorised");
    }
    t.commands.push_back(RmaNotifyCustomer{});
  } else if (const auto* e = std::get_if<RmaDecided>(&event)) {
    if (s.state != "requested") return NotNow(s, "a decision");
    s.state = e->authorise ? "authorised" : "rejected";
    s.decided_by = e->by;
    s.note = e->note;
    emit(s.state);
    t.commands.push_back(RmaNotifyCustomer{});
  } else if (const auto* e = std::get_if<RmaReceived>(&event)) {
    if (s.state != "authorised") return NotNow(s, "receiving goods");
    model::Invoice memo;
    memo.invoice_number = "CM-" + s.rma_number;
    memo.invoice_type = "credit_memo";
    memo.invoice_date = today;
    memo.po_number = s.order_reference;
    memo.currency = s.currency;
    Decimal total;
    for (const auto& rl : e->receipt.lines) {
      for (auto& l : s.lines) {
        if (!((!rl.line_number.empty() && rl.line_number == l.line_number) ||
              (rl.line_number.empty() && rl.item.sku == l.sku))) {
          continue;
        }
        const Decimal damaged = rl.damaged ? rl.damaged->value : Decimal();
        l.received = l.received.Add(rl.received.value).value_or(l.received);
        const Decimal good = rl.received.value.Sub(damaged).value_or(rl.received.value);
        if (good.sign() > 0) {
          t.commands.push_back(RmaRestock{l.sku, s.warehouse, l.uom, good});
        }
        // Credit for what came back, up to what was authorised.
        Decimal credit_qty = rl.received.value < l.requested ? rl.received.value : l.requested;
        model::InvoiceLine il;
        il.line_number = l.line_number;
        il.item.sku = l.sku;
        il.quantity = {credit_qty, l.uom};
        il.unit_price = {l.credit_unit_price, s.currency};
        total = total.Add(credit_qty.Mul(l.credit_unit_price).value_or(Decimal())).value_or(total);
        memo.lines.push_back(std::move(il));
        break;
      }
    }
    if (memo.lines.empty()) {
      return Error(Code::kInvalidArgument,
                   "receipt " + e->receipt.receipt_id + " has no line of return " + s.rma_id);
    }
    auto scaled = total.Rescale(2, Rounding::kHalfEven);
    memo.total = model::Money{scaled.ok() ? *scaled : total, s.currency};
    s.credit_memo = memo.invoice_number;
    s.credit_total = memo.total->amount;
    s.state = "credited";
    emit("received");
    t.commands.push_back(RmaCreditMemo{std::move(memo)});
    emit("credited");
    t.commands.push_back(RmaNotifyCustomer{});
    s.state = "closed";
    emit("closed");
  }
  s.version = in.version + 1;
  return t;
}

std::string ToJson(const ReturnState& s) { return model::ReflectToJson(s); }

Result<ReturnState> ReturnStateFromJson(std::string_view json) {
  return model::ReflectFromJson<ReturnState>(json);
}

}  // namespace crossdock::workflows
