#include "store/sqlite/db.hpp"

namespace crossdock::store::sqlite {
namespace {

Code CodeFor(int rc) {
  switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Code::kUnavailable;
    case SQLITE_FULL:
    case SQLITE_IOERR:
      return Code::kUnavailable;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Code::kDataLoss;
    case SQLITE_CONSTRAINT:
      return Code::kAlreadyExists;
    default:
      return Code::kInternal;
  }
}

}  // namespace

Result<bool> Stmt::Step() {
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Error(CodeFor(rc), std::string("sqlite: ") + sqlite3_errmsg(db_),
               std::string(sqlite3_sql(s_) ? sqlite3_sql(s_) : "").substr(0, 80));
}

Status Stmt::Run() {
  while (true) {
    auto r = Step();
    if (!r.ok()) return r.error();
    if (!*r) return Status::Ok();
  }
}

Db::~Db() {
  for (auto& [sql, s] : cache_) sqlite3_finalize(s);
  if (db_) sqlite3_close_v2(db_);
}

Status Db::Open(const std::string& path, bool read_only) {
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    return Error(CodeFor(rc), "cannot open database " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  sqlite3_extended_result_codes(db_, 1);
  return Status::Ok();
}

Status Db::Exec(std::string_view sql) {
  char* err = nullptr;
  const std::string s(sql);
  const int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return Error(CodeFor(rc), "sqlite: " + msg, s.substr(0, 80));
  }
  return Status::Ok();
}

Result<ScopedStmt> Db::Prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return ScopedStmt(Stmt(it->second, db_));
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) {
    return Error(Code::kInternal, std::string("sqlite prepare: ") + sqlite3_errmsg(db_),
                 sql.substr(0, 80));
  }
  cache_.emplace(sql, s);
  return ScopedStmt(Stmt(s, db_));
}

}  // namespace crossdock::store::sqlite
