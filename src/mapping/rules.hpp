// Enrichment and business rules: the step between "the partner's document, in canonical shape"
// and "a document the hub can act on".
//
// Enrich fills in what the partner cannot know: the hub's SKU for the partner's item id or GTIN,
// the hub's warehouse or ship-to for the partner's location code, the hub's unit code for the
// partner's alias, profile defaults (currency, ship-to). Check then applies the partner's rule
// set and returns a BusinessException for every problem, each naming the document, line, field,
// value and rule. Nothing is passed through silently and nothing throws: a document with an
// error-severity exception is held; warnings pass with a flag.
//
// Rule ids (a partner's `rules.disabled` may switch any off): unknown_item, inactive_sku,
// uom_without_conversion, below_moq, not_pack_multiple, unknown_location,
// price_out_of_tolerance (orders; invoices are priced by the three-way match), missing_field.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "core/decimal.hpp"
#include "model/any.hpp"

namespace crossdock::mapping {

struct RuleContext {
  const config::Config* cfg = nullptr;
  const config::Partner* partner = nullptr;
  std::string message_id;  // copied into every exception
};

// Fills SKUs, location ids, hub unit codes and defaults in place.
void Enrich(model::CanonicalDocument& doc, const RuleContext& ctx);

// Business rules over an enriched document.
std::vector<model::BusinessException> Check(const model::CanonicalDocument& doc,
                                            const RuleContext& ctx);

// Enrich then Check.
std::vector<model::BusinessException> EnrichAndCheck(model::CanonicalDocument& doc,
                                                     const RuleContext& ctx);

// True when any exception has severity error (the document is held).
bool Blocks(const std::vector<model::BusinessException>& exceptions);

// Converts `qty` of `sku` from unit `from` to unit `to` using the partner's conversions, then the
// catalog's (either direction). nullopt when no conversion is known.
std::optional<Decimal> ConvertUom(const RuleContext& ctx, const std::string& sku,
                                  const Decimal& qty, const std::string& from,
                                  const std::string& to);

// The hub SKU for a partner's item reference (by SKU if it is in the catalog, then partner item
// id, GTIN, vendor and buyer part numbers through the partner's cross-reference); "" if none.
std::string ResolveSku(const model::ItemRef& item, const RuleContext& ctx);

}  // namespace crossdock::mapping
