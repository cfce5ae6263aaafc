// JSON views of store records shared by the API's route files. Internal to src/api (it pulls in
// nlohmann/json; never include it from a public header).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "api/http.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/store.hpp"

namespace crossdock::api {

std::string Iso(TimePoint t);
// Parses stored JSON text; text that is not JSON comes back as a string (empty: `fallback`).
nlohmann::json ParseOrString(const std::string& s, nlohmann::json fallback);
nlohmann::json ToJson(const store::DeadLetterView& d);
nlohmann::json ToJson(const store::ExceptionRecord& e);
nlohmann::json ToJson(const store::MessageSummary& m);
nlohmann::json LineageJson(const std::vector<store::LineageView>& v);
// The problem document for a store error (404, 409, 503 with Retry-After, else 500).
Response StoreProblem(const Error& e, const Request& req);

}  // namespace crossdock::api
