#include "api/auth.hpp"

#include "core/crypto.hpp"
#include "core/strings.hpp"

namespace crossdock::api {

Authenticator::Authenticator(const std::vector<config::Token>& tokens,
                             const std::string& bootstrap_admin) {
  for (const auto& t : tokens) {
    by_hash_[t.sha256] = Principal{t.name, t.role, t.partner};
  }
  if (!bootstrap_admin.empty()) {
    by_hash_[Sha256Hex(bootstrap_admin)] = Principal{"bootstrap-admin", config::Role::kAdmin, ""};
  }
}

std::optional<Principal> Authenticator::Authenticate(std::string_view authorization) const {
  const auto v = Trim(authorization);
  if (v.size() < 8 || !IEquals(v.substr(0, 7), "bearer ")) return std::nullopt;
  const auto token = Trim(v.substr(7));
  if (token.empty()) return std::nullopt;
  // Lookup by hash: the comparison is on the digest, so timing reveals nothing of the token.
  auto it = by_hash_.find(Sha256Hex(token));
  if (it == by_hash_.end()) return std::nullopt;
  return it->second;
}

}  // namespace crossdock::api
