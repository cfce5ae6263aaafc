// Versioned schema migrations for the SQLite engine. Each migration runs once, in its own
// transaction, recorded in schema_migrations; a database newer than the binary is refused.
#pragma once

#include <string>
#include <vector>

#include "core/result.hpp"
#include "store/sqlite/db.hpp"

namespace crossdock::store::sqlite {

struct Migration {
  int version;
  std::string name;
  std::string sql;
};

const std::vector<Migration>& Migrations();
Status Migrate(Db& db);

}  // namespace crossdock::store::sqlite
