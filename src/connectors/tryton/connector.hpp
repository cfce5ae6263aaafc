// Connector: the hub's ERP postings carried out in Tryton 6.0, and the ERP's master data and stock
// read back.
//
// Pushes (one delivery body each; the bodies are written by the workflows' PostToErp):
//   purchase_order  purchase.purchase: create, quote, confirm (Tryton then makes the stock moves)
//   receipt         stock.shipment.in over the PO's open moves: receive, done
//   invoice         for a PO: a supplier invoice (account.invoice, type in), posted;
//                   for a sales order: its customer shipment done in Tryton when the order shipped
//                   in full, then a customer invoice (type out), posted
//   sales_order     sale.sale (with invoice and shipment address): create, quote, confirm
//   credit_memo     a customer credit note (type out, negative quantities), posted
// Every document carries the hub's id in `reference` (and "crossdock <kind> <key>" in its
// description), and is looked up by it before anything is created, so a retry after a lost
// answer (timeout, trytond killed mid-call) finds the record and only finishes its workflow
// (quote, confirm, receive, post); nothing is ever created twice. Quantities already received or
// invoiced in Tryton are subtracted, so receipts and invoices are idempotent too.
//
// Codes: a Tryton product's code is the hub SKU unless the ERP partner's xref.items maps it
// (partner_item_id = Tryton code); a Tryton party's code is the hub partner id unless
// transport.parties maps it; a Tryton warehouse's code is the hub location id unless
// transport.warehouses maps it. The unit is the product's own (purchase or sale unit).
//
// Errors: see jsonrpc.hpp. Besides Tryton's own rejections, data the hub cannot map (a SKU with no
// Tryton product, a partner with no party) is kFailedPrecondition: the delivery goes to the
// dead-letter queue with the reason and can be replayed once the master data is fixed.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "connectors/tryton/client.hpp"
#include "core/result.hpp"

namespace crossdock::connectors::tryton {

struct ConnectorOptions {
  std::string partner_id;  // the ERP partner in the hub
  std::string invoice_method = "manual";
  std::vector<config::CodeMapping> warehouses;  // Tryton code -> hub location
  std::vector<config::CodeMapping> parties;     // Tryton code -> hub partner
  std::vector<config::ItemXref> items;          // sku -> Tryton product code (partner_item_id)
  std::vector<std::pair<std::string, std::string>> uom_aliases;  // Tryton unit symbol -> hub code
  std::map<std::string, std::string> base_uoms;                  // sku -> the catalog's base unit
};

// What a push did, read back from Tryton afterwards.
struct PushResult {
  std::string kind;
  std::string key;
  std::string model;  // e.g. sale.sale
  int64_t id = 0;
  std::string number;    // Tryton's own number, when it gave one
  std::string state;     // Tryton's state after the push
  bool created = false;  // false: found by its reference (a retry) or nothing to do
  std::string note;      // what was done, for the log
};

class Connector {
 public:
  Connector(Client& client, ConnectorOptions options);
  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;

  // Carries out one delivery body ({"kind": ..., "key": ..., ...}).
  Result<PushResult> Push(std::string_view body_json);

  // The state in Tryton of a document the hub posted (kind as in Push, key its reference).
  Result<PushResult> ReadBack(std::string_view kind, std::string_view key);

  // One pull: warehouses, items (code, name, unit, active, list price), parties, stock on hand
  // per item per mapped warehouse, and the state of the documents the hub posted. A JSON object
  // (see pull.hpp for its shape); `taken_at` is an ISO 8601 instant.
  Result<std::string> Pull(const std::string& taken_at);

  // Code mappings (both directions).
  std::string ProductCode(const std::string& sku) const;
  std::string SkuFor(const std::string& product_code) const;
  std::string PartyCode(const std::string& partner) const;
  std::string PartnerFor(const std::string& party_code) const;
  std::string WarehouseCode(const std::string& location) const;
  std::string LocationFor(const std::string& warehouse_code) const;  // "" when unmapped

  // Forgets cached ids (products, parties, warehouses); they are read again when next needed.
  void ClearCache();

 private:
  struct Impl;
  Client& client_;
  ConnectorOptions options_;
  std::mutex cache_mu_;
  std::map<std::string, std::string> cache_;  // "<kind>:<code>" -> JSON of what was read
};

}  // namespace crossdock::connectors::tryton
