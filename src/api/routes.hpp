// The hub's HTTP API: one route table, authentication and the handlers. See docs/openapi.yaml.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/auth.hpp"
#include "api/http.hpp"
#include "config/config.hpp"
#include "inventory/positions.hpp"
#include "obs/metrics.hpp"
#include "store/store.hpp"

namespace crossdock::ops {
class Measures;
class Alerts;
}  // namespace crossdock::ops

namespace crossdock::api {

struct ApiDeps {
  const config::Config* cfg = nullptr;
  store::Store* store = nullptr;
  obs::Registry* metrics = nullptr;
  const Authenticator* auth = nullptr;
  const Clock* clock = nullptr;
  // The work items that start processing an accepted inbound document of this partner.
  std::function<std::vector<store::WorkSpec>(const std::string& partner_id)> first_steps;
  const inventory::Index* inventory = nullptr;
  // Work that records an operator's action on a purchase order (approve, cancel).
  std::function<store::WorkSpec(const std::string& po_number, const std::string& payload)> po_event;
  std::function<store::WorkSpec(const std::string& order_id, const std::string& payload)> so_event;
  std::function<store::WorkSpec(const std::string& rma_id, const std::string& payload)> rma_event;
  // First steps for a canonical document posted through the API (POST /v1/orders).
  std::function<std::vector<store::WorkSpec>(const std::string& partner_id,
                                             const std::string& canonical_type)>
      canonical_steps;
  // Operations measures and alerts (the dashboard); null: those routes answer 503.
  const ops::Measures* measures = nullptr;
  const ops::Alerts* alerts = nullptr;
  // False while starting or draining: /readyz answers 503.
  std::function<bool()> ready;
};

std::unique_ptr<Handler> MakeApiHandler(ApiDeps deps);

// "x12", "csv", "json" for a Content-Type (parameters ignored), or "" when unsupported.
std::string FormatForContentType(std::string_view content_type);

}  // namespace crossdock::api
