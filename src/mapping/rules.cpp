#include "mapping/rules.hpp"

#include <algorithm>
#include <functional>

namespace crossdock::mapping {
namespace {

using model::BusinessException;
using model::CanonicalDocument;
using model::ItemRef;
using model::PartyRef;
using model::Quantity;

bool Disabled(const RuleContext& ctx, const std::string& rule) {
  const auto& d = ctx.partner->rules.disabled;
  return std::find(d.begin(), d.end(), rule) != d.end();
}

const config::PartnerItem* PartnerTerms(const RuleContext& ctx, const std::string& sku) {
  for (const auto& i : ctx.partner->items) {
    if (i.sku == sku) return &i;
  }
  return nullptr;
}

std::string HubUom(const RuleContext& ctx, const std::string& code) {
  for (const auto& [from, to] : ctx.partner->uom_aliases) {
    if (from == code) return to;
  }
  return code;
}

bool IsLocationRole(const std::string& role) {
  return role == "ship_to" || role == "warehouse" || role == "ship_from_warehouse";
}

// Where each line-bearing document keeps its items and quantities, visited uniformly.
struct LineRef {
  std::string line_number;
  std::string path;  // canonical path of the line, e.g. lines[2]
  ItemRef* item;
  Quantity* quantity;                  // may be null
  std::optional<model::Money>* price;  // may be null
  bool ordered_quantity = false;       // order lines: MOQ and pack multiple apply
};

void ForEachLine(CanonicalDocument& d, const std::function<void(LineRef)>& fn) {
  std::visit(
      [&](auto& doc) {
        using T = std::decay_t<decltype(doc)>;
        if constexpr (std::is_same_v<T, model::Order>) {
          for (size_t i = 0; i < doc.lines.size(); ++i) {
            auto& l = doc.lines[i];
            fn({l.line_number, "lines[" + std::to_string(i) + "]", &l.item, &l.quantity,
                &l.unit_price, true});
          }
        } else if constexpr (std::is_same_v<T, model::PurchaseOrderAck>) {
          for (size_t i = 0; i < doc.lines.size(); ++i) {
            auto& l = doc.lines[i];
            fn({l.line_number, "lines[" + std::to_string(i) + "]", &l.item, &l.ordered,
                &l.unit_price, false});
            for (size_t k = 0; k < l.details.size(); ++k) {
              fn({l.line_number,
                  "lines[" + std::to_string(i) + "].details[" + std::to_string(k) + "]", nullptr,
                  &l.details[k].quantity, nullptr, false});
            }
          }
        } else if constexpr (std::is_same_v<T, model::Shipment>) {
          for (size_t o = 0; o < doc.orders.size(); ++o) {
            auto& ord = doc.orders[o];
            const std::string op = "orders[" + std::to_string(o) + "]";
            for (size_t i = 0; i < ord.items.size(); ++i) {
              auto& it = ord.items[i];
              fn({it.line_number, op + ".items[" + std::to_string(i) + "]", &it.item, &it.quantity,
                  nullptr, false});
            }
            for (size_t p = 0; p < ord.packs.size(); ++p) {
              for (size_t i = 0; i < ord.packs[p].items.size(); ++i) {
                auto& it = ord.packs[p].items[i];
                fn({it.line_number,
                    op + ".packs[" + std::to_string(p) + "].items[" + std::to_string(i) + "]",
                    &it.item, &it.quantity, nullptr, false});
              }
            }
          }
        } else if constexpr (std::is_same_v<T, model::Receipt>) {
          for (size_t i = 0; i < doc.lines.size(); ++i) {
            auto& l = doc.lines[i];
            fn({l.line_number, "lines[" + std::to_string(i) + "]", &l.item, &l.received, nullptr,
                false});
          }
        } else if constexpr (std::is_same_v<T, model::Invoice>) {
          for (size_t i = 0; i < doc.lines.size(); ++i) {
            auto& l = doc.lines[i];
            std::optional<model::Money>* none = nullptr;
            fn({l.line_number, "lines[" + std::to_string(i) + "]", &l.item, &l.quantity, none,
                false});
          }
        } else if constexpr (std::is_same_v<T, model::InventoryAdvice>) {
          for (size_t i = 0; i < doc.lines.size(); ++i) {
            auto& l = doc.lines[i];
            Quantity* q = l.available ? &*l.available : (l.on_hand ? &*l.on_hand : nullptr);
            fn({"", "lines[" + std::to_string(i) + "]", &l.item, q, nullptr, false});
          }
        } else if constexpr (std::is_same_v<T, model::ReturnAuthorization>) {
          for (size_t i = 0; i < doc.lines.size(); ++i) {
            auto& l = doc.lines[i];
            fn({l.line_number, "lines[" + std::to_string(i) + "]", &l.item, &l.quantity, nullptr,
                false});
          }
        } else if constexpr (std::is_same_v<T, model::Forecast>) {
          for (size_t i = 0; i < doc.lines.size(); ++i) {
            auto& l = doc.lines[i];
            fn({"", "lines[" + std::to_string(i) + "]", &l.item, nullptr, nullptr, false});
          }
        }
      },
      d.doc);
}

std::vector<PartyRef>* Parties(CanonicalDocument& d) {
  return std::visit(
      [](auto& doc) -> std::vector<PartyRef>* {
        using T = std::decay_t<decltype(doc)>;
        if constexpr (std::is_same_v<T, model::Order> ||
                      std::is_same_v<T, model::PurchaseOrderAck> ||
                      std::is_same_v<T, model::Shipment> || std::is_same_v<T, model::Invoice> ||
                      std::is_same_v<T, model::InventoryAdvice>) {
          return &doc.parties;
        }
        return nullptr;
      },
      d.doc);
}

std::string ResolveLocation(const std::string& code, const RuleContext& ctx) {
  if (code.empty()) return "";
  for (const auto& x : ctx.partner->location_xref) {
    if (x.code == code) return x.id;
  }
  if (ctx.cfg->FindLocation(code)) return code;
  return "";
}

// Every quantity in the document, for unit aliases.
void ForEachQuantity(CanonicalDocument& d, const std::function<void(Quantity&)>& fn) {
  ForEachLine(d, [&](LineRef l) {
    if (l.quantity) fn(*l.quantity);
  });
  std::visit(
      [&](auto& doc) {
        using T = std::decay_t<decltype(doc)>;
        if constexpr (std::is_same_v<T, model::InventoryAdvice>) {
          for (auto& l : doc.lines) {
            for (auto* q : {&l.on_hand, &l.available, &l.on_order, &l.committed}) {
              if (*q) fn(**q);
            }
          }
        } else if constexpr (std::is_same_v<T, model::Receipt>) {
          for (auto& l : doc.lines) {
            if (l.damaged) fn(*l.damaged);
            if (l.expected) fn(*l.expected);
          }
        }
      },
      d.doc);
}

}  // namespace

std::string ResolveSku(const ItemRef& item, const RuleContext& ctx) {
  if (!item.sku.empty() && (ctx.cfg->items.empty() || ctx.cfg->FindItem(item.sku))) {
    return item.sku;
  }
  for (const auto& x : ctx.partner->item_xref) {
    if (!item.partner_item_id.empty() && x.partner_item_id == item.partner_item_id) return x.sku;
  }
  for (const auto& x : ctx.partner->item_xref) {
    if (!item.gtin.empty() && x.gtin == item.gtin) return x.sku;
  }
  for (const auto& x : ctx.partner->item_xref) {
    if ((!item.vendor_item_id.empty() && x.partner_item_id == item.vendor_item_id) ||
        (!item.buyer_item_id.empty() && x.partner_item_id == item.buyer_item_id)) {
      return x.sku;
    }
  }
  if (!item.gtin.empty()) {
    for (const auto& i : ctx.cfg->items) {
      if (!i.gtin.empty() && i.gtin == item.gtin) return i.sku;
    }
  }
  // The hub's own number, echoed back by the partner (BP from a supplier, VP from a customer).
  for (const std::string* own : {&item.buyer_item_id, &item.vendor_item_id}) {
    if (!own->empty() && ctx.cfg->FindItem(*own)) return *own;
  }
  return "";
}

std::optional<Decimal> ConvertUom(const RuleContext& ctx, const std::string& sku,
                                  const Decimal& qty, const std::string& from,
                                  const std::string& to) {
  if (from == to) return qty;
  auto try_rules =
      [&](const std::vector<config::UomConversionRule>& rules) -> std::optional<Decimal> {
    for (const auto& r : rules) {
      if (!r.sku.empty() && r.sku != sku) continue;
      auto f = Decimal::Parse(r.factor);
      if (!f.ok() || f->is_zero()) continue;
      if (r.from == from && r.to == to) {
        auto v = qty.Mul(*f);
        if (v.ok()) return *v;
      }
      if (r.from == to && r.to == from) {
        auto v = qty.Div(*f, 6, Rounding::kHalfEven);
        if (v.ok()) return v->Normalized();
      }
    }
    return std::nullopt;
  };
  if (auto v = try_rules(ctx.partner->uom)) return v;
  if (const auto* item = ctx.cfg->FindItem(sku)) {
    if (auto v = try_rules(item->conversions)) return v;
    // Two steps through the item's base unit.
    if (from != item->base_uom && to != item->base_uom) {
      auto base = ConvertUom(ctx, sku, qty, from, item->base_uom);
      if (base) return ConvertUom(ctx, sku, *base, item->base_uom, to);
    }
  }
  return std::nullopt;
}

void Enrich(CanonicalDocument& d, const RuleContext& ctx) {
  ForEachLine(d, [&](LineRef l) {
    if (l.item) {
      const std::string sku = ResolveSku(*l.item, ctx);
      if (!sku.empty()) l.item->sku = sku;
    }
  });
  ForEachQuantity(d, [&](Quantity& q) {
    q.uom = HubUom(ctx, q.uom);
    if (q.uom.empty()) q.uom = "EA";
  });
  if (auto* parties = Parties(d)) {
    for (auto& p : *parties) {
      if (p.id.empty() && IsLocationRole(p.role)) p.id = ResolveLocation(p.code, ctx);
    }
  }
  std::visit(
      [&](auto& doc) {
        using T = std::decay_t<decltype(doc)>;
        if constexpr (std::is_same_v<T, model::Order> || std::is_same_v<T, model::Invoice>) {
          if (doc.currency.empty()) doc.currency = ctx.partner->default_currency;
        }
        if constexpr (std::is_same_v<T, model::Order>) {
          bool has_ship_to = false;
          for (const auto& p : doc.parties) has_ship_to |= p.role == "ship_to";
          if (!has_ship_to && !ctx.partner->default_ship_to.empty()) {
            model::PartyRef st;
            st.role = "ship_to";
            st.id = ctx.partner->default_ship_to;
            doc.parties.push_back(st);
          }
          for (auto& l : doc.lines) {
            if (l.unit_price && l.unit_price->currency.empty()) {
              l.unit_price->currency = doc.currency;
            }
          }
        }
        if constexpr (std::is_same_v<T, model::Receipt>) {
          const std::string w = ResolveLocation(doc.warehouse, ctx);
          if (!w.empty()) doc.warehouse = w;
        }
        if constexpr (std::is_same_v<T, model::InventoryAdvice>) {
          for (auto& l : doc.lines) {
            const std::string w = ResolveLocation(l.location, ctx);
            if (!w.empty()) l.location = w;
          }
        }
      },
      d.doc);
}

std::vector<BusinessException> Check(const CanonicalDocument& in, const RuleContext& ctx) {
  CanonicalDocument d = in;  // the visitors take non-const references
  std::vector<BusinessException> out;
  const std::string doc_type(model::DocumentTypeName(d.type));
  const std::string key = model::BusinessKey(d);
  const bool lenient = ctx.partner->rules.name == "lenient";
  auto raise = [&](const std::string& type, const std::string& line, const std::string& field,
                   const std::string& value, const std::string& rule, const std::string& message,
                   bool soft = false) {
    if (Disabled(ctx, type)) return;
    BusinessException e;
    e.type = type;
    e.severity = (soft && lenient) ? "warning" : "error";
    e.partner = ctx.partner->id;
    e.document_type = doc_type;
    e.document_id = key;
    e.message_id = ctx.message_id;
    e.line = line;
    e.field = field;
    e.value = value;
    e.rule = rule;
    e.message = message;
    out.push_back(std::move(e));
  };
  const Decimal tolerance =
      Decimal::Parse(ctx.partner->rules.price_tolerance_percent).value_or(Decimal::FromInt(0));

  ForEachLine(d, [&](LineRef l) {
    const std::string where = l.line_number.empty() ? l.path : "line " + l.line_number;
    if (l.item) {
      const ItemRef& item = *l.item;
      const std::string sent = !item.partner_item_id.empty()  ? item.partner_item_id
                               : !item.gtin.empty()           ? item.gtin
                               : !item.vendor_item_id.empty() ? item.vendor_item_id
                               : !item.buyer_item_id.empty()  ? item.buyer_item_id
                                                              : item.sku;
      const config::CatalogItem* cat = item.sku.empty() ? nullptr : ctx.cfg->FindItem(item.sku);
      if (item.sku.empty() || (!ctx.cfg->items.empty() && !cat)) {
        raise("unknown_item", l.line_number, l.path + ".item", sent,
              "every item must resolve to a SKU through the partner's cross-reference",
              "partner " + ctx.partner->id + " sent item '" + sent + "' on " + where +
                  ", which has no cross-reference to a SKU");
        return;
      }
      bool substitutable = false;
      for (const auto& [from, to] : ctx.partner->substitutions) substitutable |= from == item.sku;
      if (cat && !cat->active && !substitutable) {
        raise("inactive_sku", l.line_number, l.path + ".item.sku", item.sku,
              "items on a document must be active in the catalog",
              "SKU " + item.sku + " on " + where + " is inactive");
      }
      if (l.quantity && cat) {
        const std::string& uom = l.quantity->uom;
        if (uom != cat->base_uom &&
            !ConvertUom(ctx, item.sku, l.quantity->value, uom, cat->base_uom)) {
          raise("uom_without_conversion", l.line_number, l.path + ".quantity.uom", uom,
                "a unit other than the item's base unit needs a conversion",
                "no conversion from " + uom + " to " + cat->base_uom + " for SKU " + item.sku +
                    " on " + where);
        }
      }
      if (l.ordered_quantity && l.quantity) {
        const config::PartnerItem* terms = PartnerTerms(ctx, item.sku);
        std::string moq = terms && !terms->moq.empty() ? terms->moq : (cat ? cat->moq : "");
        std::string pack = terms && !terms->pack_multiple.empty() ? terms->pack_multiple
                                                                  : (cat ? cat->pack_multiple : "");
        std::string rule_uom =
            terms && !terms->uom.empty() ? terms->uom : (cat ? cat->base_uom : l.quantity->uom);
        auto qty = ConvertUom(ctx, item.sku, l.quantity->value, l.quantity->uom, rule_uom);
        if (qty && !moq.empty()) {
          auto m = Decimal::Parse(moq);
          if (m.ok() && *qty < *m) {
            raise("below_moq", l.line_number, l.path + ".quantity.value",
                  l.quantity->value.ToString() + " " + l.quantity->uom,
                  "order quantity must be at least the minimum order quantity",
                  where + ": " + qty->ToString() + " " + rule_uom + " of " + item.sku +
                      " is below the minimum of " + m->ToString() + " " + rule_uom,
                  true);
          }
        }
        if (qty && !pack.empty()) {
          auto p = Decimal::Parse(pack);
          if (p.ok() && !p->is_zero()) {
            auto ratio = qty->Div(*p, 6, Rounding::kHalfEven);
            if (ratio.ok() && ratio->Normalized().scale() != 0) {
              raise("not_pack_multiple", l.line_number, l.path + ".quantity.value",
                    l.quantity->value.ToString() + " " + l.quantity->uom,
                    "order quantity must be a whole number of packs",
                    where + ": " + qty->ToString() + " " + rule_uom + " of " + item.sku +
                        " is not a multiple of the pack of " + p->ToString() + " " + rule_uom,
                    true);
            }
          }
        }
      }
      if (l.price && *l.price) {
        const config::PartnerItem* terms = PartnerTerms(ctx, item.sku);
        if (terms && !terms->contract_price.empty()) {
          auto contract = Decimal::Parse(terms->contract_price);
          // The price is per the line's unit; the contract is per the terms' unit (or the base).
          Decimal sent_price = (*l.price)->amount;
          const std::string price_uom = l.quantity ? l.quantity->uom : "";
          const std::string contract_uom =
              !terms->uom.empty() ? terms->uom : (cat ? cat->base_uom : price_uom);
          if (!price_uom.empty() && price_uom != contract_uom) {
            auto per = ConvertUom(ctx, item.sku, Decimal::FromInt(1), price_uom, contract_uom);
            if (per && !per->is_zero()) {
              auto norm = sent_price.Div(*per, 6, Rounding::kHalfEven);
              if (norm.ok()) sent_price = norm->Normalized();
            }
          }
          if (contract.ok() && !contract->is_zero()) {
            auto diff = sent_price.Sub(*contract);
            auto pct = diff.ok() ? diff->Abs().Mul(Decimal::FromInt(100)) : diff;
            auto rel = pct.ok() ? pct->Div(*contract, 4, Rounding::kHalfEven) : pct;
            if (rel.ok() && *rel > tolerance) {
              raise("price_out_of_tolerance", l.line_number, l.path + ".unit_price.amount",
                    (*l.price)->amount.ToString(),
                    "unit price must be within " + tolerance.ToString() + "% of the contract price",
                    where + ": price " + (*l.price)->amount.ToString() + " per " + price_uom +
                        " (" + sent_price.ToString() + " per " + contract_uom + ") for " +
                        item.sku + " differs from the contract price " + contract->ToString() +
                        " per " + contract_uom + " by " + rel->Normalized().ToString() + "%",
                    true);
            }
          }
        }
      }
    }
  });
  // Invoice prices are not judged here: the three-way match compares them with the purchase
  // order's price (and the receipt's quantity), which is the price that counts.
  if (auto* parties = Parties(d)) {
    for (size_t i = 0; i < parties->size(); ++i) {
      const auto& p = (*parties)[i];
      if (!IsLocationRole(p.role)) continue;
      const bool known =
          !p.id.empty() && (ctx.cfg->locations.empty() || ctx.cfg->FindLocation(p.id));
      if (!known) {
        const std::string sent = p.code.empty() ? p.id : p.code;
        raise("unknown_location", "", "parties[" + std::to_string(i) + "]", sent,
              "a " + p.role + " must resolve to a configured warehouse or ship-to",
              "partner " + ctx.partner->id + " named " + p.role + " '" + sent + "'" +
                  (p.name.empty() ? "" : " (" + p.name + ")") + ", which is not a known location");
      }
    }
  }
  if (auto* r = std::get_if<model::Receipt>(&d.doc)) {
    if (!r->warehouse.empty() && !ctx.cfg->locations.empty() &&
        !ctx.cfg->FindLocation(r->warehouse)) {
      raise("unknown_location", "", "warehouse", r->warehouse,
            "a receipt's warehouse must be a configured location",
            "receipt " + r->receipt_id + " names warehouse '" + r->warehouse +
                "', which is not a known location");
    }
  }
  if (auto* o = std::get_if<model::Order>(&d.doc)) {
    if (o->currency.empty()) {
      raise("missing_field", "", "currency", "", "an order needs a currency (or a profile default)",
            "order " + o->po_number + " has no currency and the profile gives no default");
    }
  }
  return out;
}

std::vector<BusinessException> EnrichAndCheck(CanonicalDocument& doc, const RuleContext& ctx) {
  Enrich(doc, ctx);
  return Check(doc, ctx);
}

bool Blocks(const std::vector<BusinessException>& exceptions) {
  for (const auto& e : exceptions) {
    if (e.severity == "error") return true;
  }
  return false;
}

}  // namespace crossdock::mapping
