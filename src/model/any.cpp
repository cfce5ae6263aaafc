#include "model/any.hpp"

#include <type_traits>

namespace crossdock::model {
namespace {

template <typename T>
Result<CanonicalDocument> Parse(DocumentType type, std::string_view json) {
  auto r = FromJson<T>(json);
  if (!r.ok()) return r.error();
  return CanonicalDocument{type, std::move(*r)};
}

}  // namespace

Result<CanonicalDocument> ParseCanonical(DocumentType type, std::string_view json) {
  switch (type) {
    case DocumentType::kPurchaseOrder:
    case DocumentType::kSalesOrder:
      return Parse<Order>(type, json);
    case DocumentType::kPurchaseOrderAck:
      return Parse<PurchaseOrderAck>(type, json);
    case DocumentType::kShipment:
      return Parse<Shipment>(type, json);
    case DocumentType::kReceipt:
      return Parse<Receipt>(type, json);
    case DocumentType::kInvoice:
      return Parse<Invoice>(type, json);
    case DocumentType::kInventoryAdvice:
      return Parse<InventoryAdvice>(type, json);
    case DocumentType::kInventoryAdjustment:
      return Parse<InventoryAdjustment>(type, json);
    case DocumentType::kReturn:
      return Parse<ReturnAuthorization>(type, json);
    case DocumentType::kForecast:
      return Parse<Forecast>(type, json);
    case DocumentType::kReplenishmentRecommendation:
      return Parse<ReplenishmentRecommendation>(type, json);
    case DocumentType::kItem:
      return Parse<Item>(type, json);
    case DocumentType::kParty:
      return Parse<Party>(type, json);
    case DocumentType::kLocation:
      return Parse<Location>(type, json);
    case DocumentType::kBusinessException:
      break;
  }
  return Error(Code::kUnsupported, "document type " + std::string(DocumentTypeName(type)) +
                                       " is not a canonical document");
}

std::string CanonicalToJson(const CanonicalDocument& d, bool pretty) {
  return std::visit([pretty](const auto& doc) { return ToJson(doc, pretty); }, d.doc);
}

std::string BusinessKey(const CanonicalDocument& d) {
  struct Key {
    std::string operator()(const Order& x) const { return x.po_number; }
    std::string operator()(const PurchaseOrderAck& x) const { return x.po_number; }
    std::string operator()(const Shipment& x) const { return x.shipment_id; }
    std::string operator()(const Receipt& x) const { return x.receipt_id; }
    std::string operator()(const Invoice& x) const { return x.invoice_number; }
    std::string operator()(const InventoryAdvice& x) const { return x.advice_id; }
    std::string operator()(const InventoryAdjustment& x) const { return x.adjustment_id; }
    std::string operator()(const ReturnAuthorization& x) const { return x.rma_number; }
    std::string operator()(const Forecast& x) const { return x.forecast_id; }
    std::string operator()(const ReplenishmentRecommendation& x) const {
      return x.recommendation_id;
    }
    std::string operator()(const Item& x) const { return x.sku; }
    std::string operator()(const Party& x) const { return x.id; }
    std::string operator()(const Location& x) const { return x.id; }
  };
  return std::visit(Key{}, d.doc);
}

namespace {

void AddUnique(std::vector<std::string>* v, const std::string& x) {
  if (x.empty()) return;
  for (const auto& y : *v) {
    if (y == x) return;
  }
  v->push_back(x);
}

}  // namespace

std::vector<std::string> DocumentSkus(const CanonicalDocument& d) {
  std::vector<std::string> out;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Order>) {
          for (const auto& l : x.lines) AddUnique(&out, l.item.sku);
        } else if constexpr (std::is_same_v<T, PurchaseOrderAck>) {
          for (const auto& l : x.lines) AddUnique(&out, l.item.sku);
        } else if constexpr (std::is_same_v<T, Shipment>) {
          for (const auto& o : x.orders) {
            for (const auto& p : o.packs) {
              for (const auto& i : p.items) AddUnique(&out, i.item.sku);
            }
            for (const auto& i : o.items) AddUnique(&out, i.item.sku);
          }
        } else if constexpr (std::is_same_v<T, Receipt> || std::is_same_v<T, Invoice> ||
                             std::is_same_v<T, ReturnAuthorization>) {
          for (const auto& l : x.lines) AddUnique(&out, l.item.sku);
        } else if constexpr (std::is_same_v<T, InventoryAdvice>) {
          for (const auto& l : x.lines) AddUnique(&out, l.item.sku);
        } else if constexpr (std::is_same_v<T, InventoryAdjustment> ||
                             std::is_same_v<T, ReplenishmentRecommendation>) {
          AddUnique(&out, x.sku);
        } else if constexpr (std::is_same_v<T, Forecast>) {
          for (const auto& l : x.lines) AddUnique(&out, l.item.sku);
        }
      },
      d.doc);
  return out;
}

std::vector<std::string> ReferencedOrders(const CanonicalDocument& d) {
  std::vector<std::string> out;
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, PurchaseOrderAck> || std::is_same_v<T, Receipt> ||
                      std::is_same_v<T, Invoice>) {
          AddUnique(&out, x.po_number);
        } else if constexpr (std::is_same_v<T, Shipment>) {
          for (const auto& o : x.orders) AddUnique(&out, o.po_number);
        }
      },
      d.doc);
  return out;
}

std::vector<std::string> ShipmentGaps(const Shipment& s) {
  std::vector<std::string> gaps;
  if (s.carrier_scac.empty()) gaps.push_back("carrier");
  if (s.tracking_number.empty() && s.bill_of_lading.empty()) gaps.push_back("tracking");
  if (s.ship_date.empty()) gaps.push_back("ship_date");
  if (s.orders.empty()) gaps.push_back("orders");
  bool items = false, bad_item = false;
  for (const auto& o : s.orders) {
    auto check = [&](const ShipmentItem& i) {
      items = true;
      if (i.item.sku.empty() || i.quantity.value.is_zero() || i.quantity.value.is_negative())
        bad_item = true;
    };
    for (const auto& p : o.packs) {
      for (const auto& i : p.items) check(i);
    }
    for (const auto& i : o.items) check(i);
  }
  if (!items) gaps.push_back("items");
  if (bad_item) gaps.push_back("item_quantities");
  return gaps;
}

}  // namespace crossdock::model
