// CSV from a partner through a column map: parsing and mapping must never crash, whatever bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mapping/csv_map.hpp"
#include "model/any.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  static const crossdock::config::CsvMapping map = [] {
    crossdock::config::CsvMapping m;
    m.type = "receipt";
    m.group_by = "receipt_id";
    m.columns = {{"receipt_id", "R"},
                 {"received_at", "D"},
                 {"lines[].item.sku", "I"},
                 {"lines[].received.value", "Q"},
                 {"lines[].received.uom", "U"}};
    m.constants = {{"lines[].received.uom", "EA"}};
    return m;
  }();
  (void)crossdock::mapping::ParseCsv(in, ',');
  auto docs = crossdock::mapping::CsvToCanonical(in, map);
  if (docs.ok()) {
    for (const auto& d : *docs) {
      auto r = crossdock::model::ParseCanonical(crossdock::model::DocumentType::kReceipt, d.json);
      if (r.ok()) {
        auto back = crossdock::mapping::CanonicalToCsv(crossdock::model::CanonicalToJson(*r), map);
        (void)back;
      }
    }
  }
  return 0;
}
