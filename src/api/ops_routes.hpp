// The operations routes the dashboard reads (docs/dashboard-api.md): who am I, search by
// business key, end-to-end trace, measures, series, partner scorecards, alerts.
#pragma once

#include <string>
#include <vector>

#include "api/auth.hpp"
#include "api/http.hpp"
#include "config/config.hpp"
#include "store/store.hpp"

namespace crossdock::ops {
class Measures;
class Alerts;
}  // namespace crossdock::ops

namespace crossdock::api {

struct OpsDeps {
  store::Store* store = nullptr;
  const config::Config* cfg = nullptr;
  const ops::Measures* measures = nullptr;  // null: measures answer 503
  const ops::Alerts* alerts = nullptr;
};

// Handles the request if `parts` (the path's segments, "v1" first) names an operations route;
// returns false, without replying, otherwise.
bool HandleOpsRoute(const OpsDeps& d, const Request& req, const Principal& who,
                    const std::vector<std::string>& parts, Reply& reply);

}  // namespace crossdock::api
