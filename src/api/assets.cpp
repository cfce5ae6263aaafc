#include "api/assets.hpp"

#include <string>

#include "core/strings.hpp"

namespace crossdock::api {

#ifdef CROSSDOCK_NO_DASHBOARD
const Asset kDashboardAssets[1] = {};
const std::size_t kDashboardAssetCount = 0;
#endif

namespace {

constexpr std::string_view kNotBuilt =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>crossdock</title></head><body>\n"
    "<h1>crossdock</h1>\n<p>The operations dashboard was not built into this binary "
    "(CROSSDOCK_DASHBOARD=OFF). The API is at <code>/v1</code>; see docs/openapi.yaml.</p>\n"
    "</body></html>\n";

const Asset kNotBuiltPage = {
    "/index.html",    "text/html; charset=utf-8",
    "\"not-built\"",  reinterpret_cast<const unsigned char*>(kNotBuilt.data()),
    kNotBuilt.size(), false};

// Scripts, styles, images and API calls from this origin only; no inline code, no framing.
constexpr const char* kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

// If-None-Match: "*" or a list of entity tags, weak ones (W/"...") compared weakly.
bool Matches(std::string_view header, std::string_view etag) {
  for (std::string_view tag : Split(header, ',')) {
    tag = Trim(tag);
    if (tag == "*") return true;
    if (StartsWith(tag, "W/")) tag.remove_prefix(2);
    if (tag == etag) return true;
  }
  return false;
}

}  // namespace

bool DashboardBuilt() { return kDashboardAssetCount > 0; }

const Asset* FindAsset(std::string_view path) {
  if (path.empty() || path == "/") path = "/index.html";
  for (std::size_t i = 0; i < kDashboardAssetCount; ++i) {
    if (kDashboardAssets[i].path == path) return &kDashboardAssets[i];
  }
  if (!DashboardBuilt() && path == "/index.html") return &kNotBuiltPage;
  return nullptr;
}

Response AssetResponse(const Asset& asset, std::string_view if_none_match) {
  Response r;
  r.content_type = std::string(asset.content_type);
  r.headers.emplace_back("ETag", std::string(asset.etag));
  r.headers.emplace_back("Cache-Control",
                         asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.emplace_back("Content-Security-Policy", kCsp);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  if (!if_none_match.empty() && Matches(if_none_match, asset.etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.body = std::string(asset.body());
  return r;
}

}  // namespace crossdock::api
