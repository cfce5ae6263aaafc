#pragma once

#include "config/config.hpp"

namespace crossdock::mapping::testing {

inline const char* kConfig = R"(
items:
  - {sku: SKU-1, description: Widget, gtin: "00012345678905", base_uom: EA,
     conversions: [{from: CA, factor: 12}], moq: 24, pack_multiple: 12}
  - {sku: SKU-2, description: Gadget, base_uom: EA}
  - {sku: SKU-OLD, description: Retired, base_uom: EA, active: false}
locations:
  - {id: WH-EAST, kind: warehouse}
  - {id: ST-100, kind: ship_to}
partners:
  - id: acme
    kind: supplier
    formats: [x12, csv, json]
    xref:
      items:
        - {sku: SKU-1, partner_item_id: "A-1"}
        - {sku: SKU-2, partner_item_id: "A-2", gtin: "00098765432109"}
        - {sku: SKU-OLD, partner_item_id: "A-9"}
      locations:
        - {code: "DC1", id: WH-EAST}
    uom:
      aliases: {CS: CA}
      conversions: [{from: BX, to: EA, factor: 6, sku: SKU-2}]
    items:
      - {sku: SKU-2, moq: 10, pack_multiple: 5, uom: EA, contract_price: "4.00", currency: USD}
    rules: {price_tolerance_percent: 2.5}
    defaults: {currency: USD}
    csv:
      - type: receipt
        group_by: receipt_id
        columns:
          receipt_id: Receipt
          po_number: PO
          warehouse: Whse
          received_at: Date
          lines[].line_number: Line
          lines[].item.partner_item_id: Item
          lines[].received.value: Qty
        constants:
          lines[].received.uom: EA
    json:
      - type: sales_order
        inbound: >-
          .orders[] | {po_number: .ref, order_date: .date, currency: "USD",
          lines: [.items | to_entries[] | {line_number: (.key + 1 | tostring),
          item: {partner_item_id: .value.sku}, quantity: {value: .value.qty, uom: "EA"},
          unit_price: {amount: .value.price, currency: "USD"}}]}
        outbound: '{ref: .po_number, count: (.lines | length)}'
)";

inline config::Config Load() { return config::LoadFromString(kConfig, "test.yaml").value(); }

}  // namespace crossdock::mapping::testing
