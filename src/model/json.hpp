// JSON (de)serialisation of canonical documents, and their JSON Schemas.
//
// Decimals are JSON strings ("12.50") so nothing is lost to floating point; JSON integers are
// accepted too, JSON floats are refused. Reading reports every problem at once, each with the
// JSON path it concerns ("lines[2].quantity.value: not a decimal: '1,5'"); unknown fields are
// errors, like unknown configuration keys.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "model/documents.hpp"

namespace crossdock::model {

enum class DocumentType {
  kPurchaseOrder,
  kSalesOrder,
  kPurchaseOrderAck,
  kShipment,
  kReceipt,
  kInvoice,
  kInventoryAdvice,
  kInventoryAdjustment,
  kReturn,
  kForecast,
  kReplenishmentRecommendation,
  kItem,
  kParty,
  kLocation,
  kBusinessException,
};

// "purchase_order", "sales_order", "purchase_order_ack", "shipment", "receipt", "invoice",
// "inventory_advice", "inventory_adjustment", "return", "forecast",
// "replenishment_recommendation", "item", "party", "location", "business_exception".
std::string_view DocumentTypeName(DocumentType t);
std::optional<DocumentType> ParseDocumentType(std::string_view name);
const std::vector<DocumentType>& AllDocumentTypes();

template <typename T>
std::string ToJson(const T& doc, bool pretty = false);
template <typename T>
Result<T> FromJson(std::string_view json);

// A JSON Schema (draft 2020-12) for the document type, generated from its field list.
std::string JsonSchema(DocumentType t);

// Re-serialises any canonical document given as JSON text in the canonical key order (used to
// compare documents and for golden files). Fails if it is not a valid document of that type.
Result<std::string> Canonicalize(DocumentType t, std::string_view json, bool pretty = true);

}  // namespace crossdock::model
