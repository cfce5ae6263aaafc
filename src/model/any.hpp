// A canonical document of any type, tagged with its DocumentType (orders serve as both purchase
// orders and sales orders, so the tag is needed beside the variant).
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "core/result.hpp"
#include "model/documents.hpp"
#include "model/json.hpp"

namespace crossdock::model {

using AnyDocument = std::variant<Order, PurchaseOrderAck, Shipment, Receipt, Invoice,
                                 InventoryAdvice, InventoryAdjustment, ReturnAuthorization,
                                 Forecast, ReplenishmentRecommendation, Item, Party, Location>;

struct CanonicalDocument {
  DocumentType type = DocumentType::kPurchaseOrder;
  AnyDocument doc;
};

Result<CanonicalDocument> ParseCanonical(DocumentType type, std::string_view json);
std::string CanonicalToJson(const CanonicalDocument& d, bool pretty = false);
// The business key: PO number, shipment id, invoice number, ... ("" when the type has none).
std::string BusinessKey(const CanonicalDocument& d);
// The hub SKUs the document names (deduplicated, in order of appearance).
std::vector<std::string> DocumentSkus(const CanonicalDocument& d);
// The purchase-order numbers a document refers to (an 855's, 856's orders, a receipt's, an
// invoice's); an order's own number is its business key, not a reference.
std::vector<std::string> ReferencedOrders(const CanonicalDocument& d);
// What a ship notice lacks to be complete for the people downstream: carrier, tracking (PRO or
// bill of lading), ship date, at least one order, and every item with a SKU and a positive
// quantity. Empty when complete.
std::vector<std::string> ShipmentGaps(const Shipment& s);

}  // namespace crossdock::model
