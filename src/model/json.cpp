#include "model/json.hpp"

#include <nlohmann/json.hpp>

#include <set>
#include <type_traits>

#include "model/fields.hpp"
#include "model/reflect.hpp"

namespace crossdock::model {
namespace {

using nlohmann::json;
using ordered = nlohmann::ordered_json;
using reflect::IsOptional;
using reflect::IsVector;
using reflect::Reader;
using reflect::Writer;

// ------------------------------------------------------------------ schema

class SchemaGen {
 public:
  explicit SchemaGen(ordered* props, ordered* required) : props_(props), required_(required) {}

  template <typename T>
  void Req(const char* name, T& f, const char* doc) {
    Add(name, f, doc);
    required_->push_back(name);
  }
  template <typename T>
  void Opt(const char* name, T& f, const char* doc) {
    Add(name, f, doc);
  }
  void Enum(const char* name, std::string& f, Codes codes, const char* doc) {
    ordered s = {{"type", "string"}};
    ordered e = ordered::array();
    for (const char* c : codes) e.push_back(c);
    s["enum"] = e;
    if (!f.empty()) s["default"] = f;
    if (doc && *doc) s["description"] = doc;
    (*props_)[name] = s;
  }

  template <typename T>
  static ordered Schema(T& f) {
    if constexpr (std::is_same_v<T, std::string>) {
      return {{"type", "string"}};
    } else if constexpr (std::is_same_v<T, bool>) {
      return {{"type", "boolean"}};
    } else if constexpr (std::is_same_v<T, Decimal>) {
      return {{"type", "string"}, {"pattern", "^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$"}};
    } else if constexpr (IsOptional<T>::value) {
      typename T::value_type v{};
      return Schema(v);
    } else if constexpr (IsVector<T>::value) {
      typename T::value_type v{};
      return {{"type", "array"}, {"items", Schema(v)}};
    } else {
      ordered props = ordered::object();
      ordered req = ordered::array();
      SchemaGen g(&props, &req);
      Fields(g, f);
      ordered s = {{"type", "object"}, {"additionalProperties", false}, {"properties", props}};
      if (!req.empty()) s["required"] = req;
      return s;
    }
  }

 private:
  template <typename T>
  void Add(const char* name, T& f, const char* doc) {
    ordered s = Schema(f);
    if (doc && *doc) s["description"] = doc;
    (*props_)[name] = s;
  }
  ordered* props_;
  ordered* required_;
};

// ------------------------------------------------------------------ registry

template <typename F>
auto WithType(DocumentType t, F&& fn) {
  switch (t) {
    case DocumentType::kPurchaseOrder:
    case DocumentType::kSalesOrder:
      return fn(Order{});
    case DocumentType::kPurchaseOrderAck:
      return fn(PurchaseOrderAck{});
    case DocumentType::kShipment:
      return fn(Shipment{});
    case DocumentType::kReceipt:
      return fn(Receipt{});
    case DocumentType::kInvoice:
      return fn(Invoice{});
    case DocumentType::kInventoryAdvice:
      return fn(InventoryAdvice{});
    case DocumentType::kInventoryAdjustment:
      return fn(InventoryAdjustment{});
    case DocumentType::kReturn:
      return fn(ReturnAuthorization{});
    case DocumentType::kForecast:
      return fn(Forecast{});
    case DocumentType::kReplenishmentRecommendation:
      return fn(ReplenishmentRecommendation{});
    case DocumentType::kItem:
      return fn(Item{});
    case DocumentType::kParty:
      return fn(Party{});
    case DocumentType::kLocation:
      return fn(Location{});
    case DocumentType::kBusinessException:
      return fn(BusinessException{});
  }
  return fn(BusinessException{});
}

}  // namespace

std::string_view DocumentTypeName(DocumentType t) {
  switch (t) {
    case DocumentType::kPurchaseOrder:
      return "purchase_order";
    case DocumentType::kSalesOrder:
      return "sales_order";
    case DocumentType::kPurchaseOrderAck:
      return "purchase_order_ack";
    case DocumentType::kShipment:
      return "shipment";
    case DocumentType::kReceipt:
      return "receipt";
    case DocumentType::kInvoice:
      return "invoice";
    case DocumentType::kInventoryAdvice:
      return "inventory_advice";
    case DocumentType::kInventoryAdjustment:
      return "inventory_adjustment";
    case DocumentType::kReturn:
      return "return";
    case DocumentType::kForecast:
      return "forecast";
    case DocumentType::kReplenishmentRecommendation:
      return "replenishment_recommendation";
    case DocumentType::kItem:
      return "item";
    case DocumentType::kParty:
      return "party";
    case DocumentType::kLocation:
      return "location";
    case DocumentType::kBusinessException:
      return "business_exception";
  }
  return "unknown";
}

const std::vector<DocumentType>& AllDocumentTypes() {
  static const std::vector<DocumentType> kAll = {DocumentType::kPurchaseOrder,
                                                 DocumentType::kSalesOrder,
                                                 DocumentType::kPurchaseOrderAck,
                                                 DocumentType::kShipment,
                                                 DocumentType::kReceipt,
                                                 DocumentType::kInvoice,
                                                 DocumentType::kInventoryAdvice,
                                                 DocumentType::kInventoryAdjustment,
                                                 DocumentType::kReturn,
                                                 DocumentType::kForecast,
                                                 DocumentType::kReplenishmentRecommendation,
                                                 DocumentType::kItem,
                                                 DocumentType::kParty,
                                                 DocumentType::kLocation,
                                                 DocumentType::kBusinessException};
  return kAll;
}

std::optional<DocumentType> ParseDocumentType(std::string_view name) {
  for (DocumentType t : AllDocumentTypes()) {
    if (DocumentTypeName(t) == name) return t;
  }
  return std::nullopt;
}

template <typename T>
std::string ToJson(const T& doc, bool pretty) {
  const ordered j = Writer::Value(doc);
  // Readers keep documents UTF-8 (the mappings refuse other bytes); should one slip through,
  // it is written as U+FFFD rather than thrown.
  return j.dump(pretty ? 2 : -1, ' ', false, ordered::error_handler_t::replace);
}

template <typename T>
Result<T> FromJson(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    // Parse again with exceptions only to learn where.
    try {
      const json where = json::parse(text);  // throws, saying where
      (void)where;
    } catch (const json::parse_error& e) {
      return Error(Code::kInvalidArgument,
                   "malformed JSON at byte " + std::to_string(e.byte) + ": " + e.what());
    } catch (const json::exception& e) {  // a number too large for a double, ...
      return Error(Code::kInvalidArgument, std::string("malformed JSON: ") + e.what());
    }
    return Error(Code::kInvalidArgument, "malformed JSON");
  }
  T doc{};
  std::vector<std::string> errors;
  Reader::Read(j, "", doc, &errors);
  if (!errors.empty()) {
    std::string msg;
    for (auto& e : errors) {
      if (!e.empty() && e[0] == ':') e = "document" + e;
      msg += (msg.empty() ? "" : "; ") + e;
    }
    return Error(Code::kInvalidArgument, msg);
  }
  return doc;
}

std::string JsonSchema(DocumentType t) {
  return WithType(t, [t](auto doc) {
    ordered s = SchemaGen::Schema(doc);
    ordered out = {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
                   {"$id", "https://crossdock.dev/schemas/v1/" + std::string(DocumentTypeName(t)) +
                               ".schema.json"},
                   {"title", std::string(DocumentTypeName(t))}};
    for (auto it = s.begin(); it != s.end(); ++it) out[it.key()] = it.value();
    return out.dump(2) + "\n";
  });
}

Result<std::string> Canonicalize(DocumentType t, std::string_view text, bool pretty) {
  return WithType(t, [&](auto doc) -> Result<std::string> {
    using T = decltype(doc);
    auto r = FromJson<T>(text);
    if (!r.ok()) return r.error();
    return ToJson(*r, pretty);
  });
}

#define CD_INSTANTIATE(T)                                \
  template std::string ToJson<T>(const T&, bool pretty); \
  template Result<T> FromJson<T>(std::string_view json);
CD_INSTANTIATE(Order)
CD_INSTANTIATE(PurchaseOrderAck)
CD_INSTANTIATE(Shipment)
CD_INSTANTIATE(Receipt)
CD_INSTANTIATE(Invoice)
CD_INSTANTIATE(InventoryAdvice)
CD_INSTANTIATE(InventoryAdjustment)
CD_INSTANTIATE(ReturnAuthorization)
CD_INSTANTIATE(Forecast)
CD_INSTANTIATE(ReplenishmentRecommendation)
CD_INSTANTIATE(Item)
CD_INSTANTIATE(Party)
CD_INSTANTIATE(Location)
CD_INSTANTIATE(BusinessException)
#undef CD_INSTANTIATE

}  // namespace crossdock::model
