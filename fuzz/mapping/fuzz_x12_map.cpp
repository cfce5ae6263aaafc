// X12 from a partner, past the reader: every set the mapping knows (850, 855, 856, 810, 846, 940,
// 945) through FromX12, as from a supplier and as from a customer, must never crash whatever the
// bytes. FromX12 refuses only a set that cannot be mapped at all (an empty set or the wrong
// type); everything else is a document with issues. What maps is written back with ToX12, which
// either succeeds or says which field it cannot express.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "edi/x12/document.hpp"
#include "mapping/x12_map.hpp"
#include "model/any.hpp"

namespace {

using crossdock::mapping::FromX12;
using crossdock::mapping::ToX12;
using crossdock::mapping::TypesForSet;
using crossdock::mapping::X12MapOptions;

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1u << 18)) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto doc = crossdock::x12::ReadDocument(in);
  if (!doc.ok()) return 0;
  for (const auto& ic : doc->interchanges) {
    for (const auto& g : ic.groups) {
      for (const auto& s : g.sets) {
        const auto view = doc->set_view(s);
        for (auto type : TypesForSet(s.id)) {
          for (const char* kind : {"supplier", "customer"}) {
            X12MapOptions opts;
            opts.partner_kind = kind;
            opts.currency = "USD";
            opts.hub_item_ids_are_skus = size % 2 == 0;
            auto m = FromX12(view, crossdock::mapping::ContextFor(ic, g), type, opts);
            // A set with segments whose ST01 maps to the type always gives a document.
            Check(m.ok() || view.size() == 0);
            if (!m.ok()) continue;
            for (const auto& issue : m->issues) Check(!issue.message.empty());
            (void)crossdock::model::CanonicalToJson(m->doc);
            auto back = ToX12(m->doc, s.id, g.gs[8].size() >= 6 ? g.gs[8] : "004010", opts);
            Check(back.ok() || !back.error().message().empty());
          }
        }
      }
    }
  }
  return 0;
}
