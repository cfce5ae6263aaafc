// Bearer-token authentication. Tokens are configured as SHA-256 hashes with a role; the
// plaintext never needs to be stored. A bootstrap admin token may come from the environment
// (CROSSDOCK_ADMIN_TOKEN). Roles: admin (everything), operator (read and act: replay, resolve),
// viewer (read), partner (post to and read only its own partner's messages).
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"

namespace crossdock::api {

struct Principal {
  std::string name;
  config::Role role = config::Role::kViewer;
  std::string partner;  // for partner tokens

  bool CanRead() const { return true; }
  bool CanAct() const { return role == config::Role::kAdmin || role == config::Role::kOperator; }
  // May this principal post documents / read messages of `partner_id`?
  bool ActsFor(const std::string& partner_id) const {
    if (role == config::Role::kPartner) return partner == partner_id;
    return true;
  }
};

class Authenticator {
 public:
  Authenticator(const std::vector<config::Token>& tokens, const std::string& bootstrap_admin);
  // From an "Authorization: Bearer <token>" header value; nullopt when missing or unknown.
  std::optional<Principal> Authenticate(std::string_view authorization) const;
  size_t size() const { return by_hash_.size(); }

 private:
  std::unordered_map<std::string, Principal> by_hash_;
};

}  // namespace crossdock::api
