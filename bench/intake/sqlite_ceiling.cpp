// bench_sqlite_ceiling: the raw SQLite ceiling for durable intake on this machine.
//
// Inserts the rows the hub writes for every accepted document (one `messages` row, two `dedupe`
// rows for the idempotency key and the content hash, one `work_items` row for the route step)
// into a fresh database created by the hub's own migrations, with the hub's pragmas (WAL, the
// given synchronous setting, cache size, autocheckpoint), in transactions of --batch documents
// using cached prepared statements. The SQL text is the hub's, so the B-trees and indexes touched
// are the same.
//
// Modes:
//   inserts  the ceiling: only the four INSERTs per document
//   accept   what the hub's DoAccept runs per document: two dedupe lookups, the four INSERTs,
//            each document inside its own SAVEPOINT (as in a group commit of several documents)
//
// Ids, hashes and bodies of a batch are generated before its transaction; only BEGIN..COMMIT is
// timed. Prints a summary to stderr and one JSON line to stdout.
#include <sqlite3.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/migrations.hpp"

namespace {

using crossdock::Status;
using crossdock::store::sqlite::Db;

constexpr const char* kInsertMessage =
    "INSERT INTO messages (id, partner_id, direction, kind, content_type, payload, size, "
    "content_hash, idempotency_key, correlation_id, traceparent, received_at, replay_of) VALUES "
    "(?,?,?,?,?,?,?,?,?,?,?,?,?)";
constexpr const char* kLookupDedupe =
    "SELECT message_id, correlation_id, received_at, expires_at FROM dedupe WHERE partner_id = "
    "?1 AND kind = ?2 AND key = ?3";
constexpr const char* kInsertDedupe =
    "INSERT INTO dedupe (partner_id, kind, key, message_id, correlation_id, received_at, "
    "expires_at) VALUES (?1,?2,?3,?4,?5,?6,?7) ON CONFLICT (partner_id, kind, key) DO UPDATE SET "
    "message_id = excluded.message_id, correlation_id = excluded.correlation_id, received_at = "
    "excluded.received_at, expires_at = excluded.expires_at";
constexpr const char* kInsertWork =
    "INSERT INTO work_items (id, step, ordering_key, message_id, partner_id, correlation_id, "
    "traceparent, payload, event_type, idempotency_key, content_type, attempts, not_before, "
    "errors, created_at, replay_of) VALUES (?,?,?,?,?,?,?,?,?,?,?,0,?,'[]',?,?)";

struct Doc {
  std::string id;
  std::string correlation_id;
  std::string idempotency_key;
  std::string body;
  std::string hash;
  std::string work_id;
};

struct Options {
  std::string db_path;
  bool synchronous_full = true;
  int64_t docs = 200000;
  int batch = 1000;
  int body_size = 1024;
  bool accept_mode = false;
  std::vector<std::string> pragmas;  // experiments only: run before the hub's pragmas
};

void Usage(FILE* f) {
  std::fprintf(f,
               "usage: bench_sqlite_ceiling --db PATH [options]\n"
               "  --synchronous full|normal  (default full, as the hub's default)\n"
               "  --docs N                   documents to insert (default 200000)\n"
               "  --batch N                  documents per transaction (default 1000)\n"
               "  --body-size BYTES          payload size (default 1024)\n"
               "  --mode inserts|accept      see the file comment (default inserts)\n"
               "  --pragma 'PRAGMA ...'      extra statement run before the hub's pragmas, for\n"
               "                             experiments (repeatable; not used by run.sh)\n"
               "The database file must not exist yet.\n");
}

std::string MakeBody(int size, int64_t n) {
  // Same shape as the load generator's documents: valid JSON, unique per document.
  char head[96];
  std::snprintf(head, sizeof(head), "{\"run\":\"ceiling\",\"seq\":\"%012" PRId64 "\",\"pad\":\"",
                n);
  std::string b = head;
  const size_t want = static_cast<size_t>(size);
  while (b.size() + 2 < want) b.push_back(static_cast<char>('a' + b.size() % 26));
  b += "\"}";
  return b;
}

int Fail(const char* what, const Status& st) {
  std::fprintf(stderr, "bench_sqlite_ceiling: %s: %s\n", what, st.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_sqlite_ceiling: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--db") {
      o.db_path = next();
    } else if (a == "--synchronous") {
      const std::string v = next();
      if (v != "full" && v != "normal") {
        std::fprintf(stderr, "bench_sqlite_ceiling: --synchronous is full or normal\n");
        return 2;
      }
      o.synchronous_full = v == "full";
    } else if (a == "--docs") {
      o.docs = std::atoll(next().c_str());
    } else if (a == "--batch") {
      o.batch = std::atoi(next().c_str());
    } else if (a == "--body-size") {
      o.body_size = std::atoi(next().c_str());
    } else if (a == "--mode") {
      const std::string v = next();
      if (v != "inserts" && v != "accept") {
        std::fprintf(stderr, "bench_sqlite_ceiling: --mode is inserts or accept\n");
        return 2;
      }
      o.accept_mode = v == "accept";
    } else if (a == "--pragma") {
      o.pragmas.push_back(next());
    } else if (a == "-h" || a == "--help") {
      Usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "bench_sqlite_ceiling: unknown argument '%s'\n", a.c_str());
      Usage(stderr);
      return 2;
    }
  }
  if (o.db_path.empty() || o.docs < 1 || o.batch < 1 || o.body_size < 16) {
    Usage(stderr);
    return 2;
  }

  Db db;
  if (auto st = db.Open(o.db_path, false); !st.ok()) return Fail("open", st);
  for (const auto& p : o.pragmas) {
    if (auto st = db.Exec(p); !st.ok()) return Fail(p.c_str(), st);
  }
  // The hub's writer connection settings (SqliteStore::Open).
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL",
        o.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
        "PRAGMA foreign_keys=OFF", "PRAGMA temp_store=MEMORY", "PRAGMA cache_size=-65536",
        "PRAGMA wal_autocheckpoint=4000"}) {
    if (auto st = db.Exec(pragma); !st.ok()) return Fail(pragma, st);
  }
  if (auto st = crossdock::store::sqlite::Migrate(db); !st.ok()) return Fail("migrate", st);

  const std::string partner = "bench-partner";
  const std::string ordering_key = "in/" + partner;
  const int64_t window_key_ms = 7LL * 24 * 3600 * 1000;
  const int64_t window_hash_ms = 24LL * 3600 * 1000;

  std::vector<Doc> docs(static_cast<size_t>(o.batch));
  double sql_seconds = 0;
  int64_t done = 0;
  const auto wall0 = std::chrono::steady_clock::now();
  while (done < o.docs) {
    const int n = static_cast<int>(std::min<int64_t>(o.batch, o.docs - done));
    const auto now = crossdock::Clock::System().Now();
    for (int i = 0; i < n; ++i) {
      Doc& d = docs[static_cast<size_t>(i)];
      d.id = crossdock::NewIdAt(now);
      d.correlation_id = crossdock::NewIdAt(now);
      d.work_id = crossdock::NewIdAt(now);
      d.idempotency_key = "ceiling-" + std::to_string(done + i);
      d.body = MakeBody(o.body_size, done + i);
      d.hash = crossdock::Sha256Hex(d.body);
    }
    const int64_t now_ms = crossdock::ToUnixMillis(now);

    const auto t0 = std::chrono::steady_clock::now();
    if (auto st = db.Exec("BEGIN IMMEDIATE"); !st.ok()) return Fail("begin", st);
    for (int i = 0; i < n; ++i) {
      const Doc& d = docs[static_cast<size_t>(i)];
      if (o.accept_mode) {
        auto sp = db.Prepare("SAVEPOINT op");
        if (!sp.ok()) return Fail("savepoint", sp.error());
        if (auto st = (*sp)->Run(); !st.ok()) return Fail("savepoint", st);
        for (int k = 0; k < 2; ++k) {
          auto s = db.Prepare(kLookupDedupe);
          if (!s.ok()) return Fail("prepare lookup", s.error());
          (*s)->Bind(1, partner)
              .Bind(2, std::string_view(k == 0 ? "key" : "hash"))
              .Bind(3, k == 0 ? d.idempotency_key : d.hash);
          auto row = (*s)->Step();
          if (!row.ok()) return Fail("lookup", row.error());
          if (*row) {
            std::fprintf(stderr, "bench_sqlite_ceiling: unexpected duplicate\n");
            return 1;
          }
        }
      }
      {
        auto s = db.Prepare(kInsertMessage);
        if (!s.ok()) return Fail("prepare messages", s.error());
        (*s)->Bind(1, d.id)
            .Bind(2, partner)
            .Bind(3, std::string_view("in"))
            .Bind(4, std::string_view("raw"))
            .Bind(5, std::string_view("application/json"))
            .BindBlob(6, d.body)
            .Bind(7, static_cast<int64_t>(d.body.size()))
            .Bind(8, d.hash)
            .BindOpt(9, d.idempotency_key)
            .Bind(10, d.correlation_id)
            .BindNull(11)
            .Bind(12, now_ms)
            .BindNull(13);
        if (auto st = (*s)->Run(); !st.ok()) return Fail("insert messages", st);
      }
      for (int k = 0; k < 2; ++k) {
        auto s = db.Prepare(kInsertDedupe);
        if (!s.ok()) return Fail("prepare dedupe", s.error());
        (*s)->Bind(1, partner)
            .Bind(2, std::string_view(k == 0 ? "key" : "hash"))
            .Bind(3, k == 0 ? d.idempotency_key : d.hash)
            .Bind(4, d.id)
            .Bind(5, d.correlation_id)
            .Bind(6, now_ms)
            .Bind(7, now_ms + (k == 0 ? window_key_ms : window_hash_ms));
        if (auto st = (*s)->Run(); !st.ok()) return Fail("insert dedupe", st);
      }
      {
        auto s = db.Prepare(kInsertWork);
        if (!s.ok()) return Fail("prepare work_items", s.error());
        (*s)->Bind(1, d.work_id)
            .Bind(2, std::string_view("route"))
            .Bind(3, ordering_key)
            .BindOpt(4, d.id)
            .BindOpt(5, partner)
            .BindOpt(6, d.correlation_id)
            .BindNull(7)
            .BindBlob(8, std::string_view())
            .BindNull(9)
            .BindNull(10)
            .BindNull(11)
            .Bind(12, int64_t{0})
            .Bind(13, now_ms)
            .BindNull(14);
        if (auto st = (*s)->Run(); !st.ok()) return Fail("insert work_items", st);
      }
      if (o.accept_mode) {
        auto rel = db.Prepare("RELEASE op");
        if (!rel.ok()) return Fail("release", rel.error());
        if (auto st = (*rel)->Run(); !st.ok()) return Fail("release", st);
      }
    }
    if (auto st = db.Exec("COMMIT"); !st.ok()) return Fail("commit", st);
    sql_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    done += n;
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  const double dps = static_cast<double>(done) / sql_seconds;
  const int64_t txns = (done + o.batch - 1) / o.batch;
  std::fprintf(stderr,
               "sqlite ceiling (%s, synchronous=%s): %" PRId64 " documents in %" PRId64
               " transactions of %d: %.0f documents/s (%.2fs in SQL, %.2fs wall)\n",
               o.accept_mode ? "accept" : "inserts", o.synchronous_full ? "full" : "normal", done,
               txns, o.batch, dps, sql_seconds, wall);
  std::printf(
      "{\"tool\":\"bench_sqlite_ceiling\",\"mode\":\"%s\",\"synchronous\":\"%s\",\"documents\":"
      "%" PRId64
      ",\"batch\":%d,\"body_size\":%d,\"sql_seconds\":%.3f,\"wall_seconds\":%.3f,"
      "\"docs_per_s\":%.1f}\n",
      o.accept_mode ? "accept" : "inserts", o.synchronous_full ? "full" : "normal", done, o.batch,
      o.body_size, sql_seconds, wall, dps);
  return 0;
}
