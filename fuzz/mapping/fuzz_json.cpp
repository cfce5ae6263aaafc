// JSON from a partner: the exact-number reader and every canonical document reader must never
// crash, whatever bytes; what one reads must serialise and read back the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mapping/json_map.hpp"
#include "model/any.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto exact = crossdock::mapping::NumbersAsText(in);
  for (auto t : crossdock::model::AllDocumentTypes()) {
    auto d = crossdock::model::ParseCanonical(t, exact.ok() ? std::string_view(*exact) : in);
    if (!d.ok()) continue;
    const std::string once = crossdock::model::CanonicalToJson(*d);
    auto again = crossdock::model::ParseCanonical(t, once);
    if (!again.ok() || crossdock::model::CanonicalToJson(*again) != once) std::abort();
  }
  return 0;
}
