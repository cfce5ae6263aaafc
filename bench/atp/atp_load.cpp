// bench_atp_load: fills a hub data directory's SQLite store with inventory positions for the
// available-to-promise benchmark (bench/atp/run.sh).
//
// The store is opened once through crossdock::store::OpenSqlite (creating it and running the
// migrations, exactly as the hub does), closed, and then written with direct SQL in large
// transactions: SKUs x warehouses `positions` rows (on hand, reserved, as-of, source) and, for
// a deterministic share of the cells, `supply` rows (open purchase-order quantity by confirmed
// date, ship-notice quantity in transit) so answers have future buckets and promise dates.
//
// SKU ids are <prefix><n zero-padded to --sku-width>, n = 1..--skus; warehouses WH-01..WH-NN.
// On hand and reserved are pseudo-random (0..499, 0..39) unless --on-hand fixes on hand for every
// cell with nothing reserved; --short-every K --short-on-hand Q then gives every K-th SKU only Q
// per warehouse (the order benchmark, bench/orders, makes demand exceed stock on those).
// Prints one JSON line (counts, seconds) on stdout.
#include <sqlite3.h>

#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "store/store.hpp"

namespace {

uint64_t Mix(uint64_t x) {  // splitmix64 finaliser: a cheap, deterministic hash
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::string IsoDate(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  tm tm_utc{};
  gmtime_r(&t, &tm_utc);
  char b[16];
  std::strftime(b, sizeof(b), "%Y-%m-%d", &tm_utc);
  return b;
}

bool Check(int rc, sqlite3* db, const char* what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return true;
  std::fprintf(stderr, "bench_atp_load: %s: %s\n", what, sqlite3_errmsg(db));
  return false;
}

bool Exec(sqlite3* db, const char* sql) {
  return Check(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), db, sql);
}

void Usage(FILE* f) {
  std::fprintf(f,
               "usage: bench_atp_load --db PATH [options]\n"
               "  --skus N          SKUs (default 100000)\n"
               "  --warehouses N    warehouses per SKU (default 10)\n"
               "  --sku-prefix P    SKU id prefix (default SKU-)\n"
               "  --sku-width W     zero-pad the SKU number to W digits (default 6)\n"
               "  --on-order-pct P  cells with open PO supply, percent (default 25)\n"
               "  --in-transit-pct P cells with in-transit supply, percent (default 10)\n"
               "  --batch N         rows per transaction (default 200000)\n"
               "  --on-hand Q       every cell has Q on hand and nothing reserved (default:\n"
               "                    pseudo-random on hand and reservations)\n"
               "  --short-every K   with --on-hand: SKUs whose number is a multiple of K ...\n"
               "  --short-on-hand Q ... have Q on hand per warehouse instead\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::string db_path, prefix = "SKU-";
  int64_t skus = 100000, warehouses = 10, batch = 200000;
  int width = 6, on_order_pct = 25, in_transit_pct = 10;
  int64_t fixed_on_hand = -1, short_every = 0, short_on_hand = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_atp_load: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--db") {
      db_path = next();
    } else if (a == "--skus") {
      skus = std::atoll(next());
    } else if (a == "--warehouses") {
      warehouses = std::atoll(next());
    } else if (a == "--sku-prefix") {
      prefix = next();
    } else if (a == "--sku-width") {
      width = std::atoi(next());
    } else if (a == "--on-order-pct") {
      on_order_pct = std::atoi(next());
    } else if (a == "--in-transit-pct") {
      in_transit_pct = std::atoi(next());
    } else if (a == "--batch") {
      batch = std::atoll(next());
    } else if (a == "--on-hand") {
      fixed_on_hand = std::atoll(next());
    } else if (a == "--short-every") {
      short_every = std::atoll(next());
    } else if (a == "--short-on-hand") {
      short_on_hand = std::atoll(next());
    } else if (a == "-h" || a == "--help") {
      Usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "bench_atp_load: unknown argument '%s'\n", a.c_str());
      Usage(stderr);
      return 2;
    }
  }
  if (db_path.empty() || skus < 1 || warehouses < 1 || warehouses > 99 || batch < 1 ||
      short_every < 0 || short_on_hand < 0 || (short_every > 0 && fixed_on_hand < 0)) {
    Usage(stderr);
    return 2;
  }
  const auto t0 = std::chrono::steady_clock::now();

  // 1. Create and migrate the store exactly as the hub does, then let go of it.
  {
    crossdock::store::SqliteOptions so;
    so.path = db_path;
    so.read_connections = 1;
    auto st = crossdock::store::OpenSqlite(so);
    if (!st.ok()) {
      std::fprintf(stderr, "bench_atp_load: cannot open store %s: %s\n", db_path.c_str(),
                   st.error().ToString().c_str());
      return 1;
    }
    (*st)->Close();
  }

  // 2. Bulk rows with direct SQL.
  sqlite3* db = nullptr;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) {
    std::fprintf(stderr, "bench_atp_load: cannot open %s\n", db_path.c_str());
    return 1;
  }
  if (!Exec(db, "PRAGMA synchronous=OFF") || !Exec(db, "PRAGMA cache_size=-262144")) return 1;
  sqlite3_stmt* pos = nullptr;
  sqlite3_stmt* sup = nullptr;
  if (!Check(sqlite3_prepare_v2(
                 db,
                 "INSERT INTO positions (sku, warehouse, uom, on_hand, on_hand_as_of, "
                 "on_hand_source, reserved, reserved_as_of) VALUES (?,?,'EA',?,?,?,?,?)",
                 -1, &pos, nullptr),
             db, "prepare positions") ||
      !Check(
          sqlite3_prepare_v2(db,
                             "INSERT INTO supply (kind, ref, sku, warehouse, part, quantity, uom, "
                             "date, as_of) VALUES (?,?,?,?,?,?,'EA',?,?)",
                             -1, &sup, nullptr),
          db, "prepare supply")) {
    return 1;
  }
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const int64_t today_s = now_ms / 1000;
  std::string dates[121];  // today + 0..120 days
  for (int d = 0; d <= 120; ++d) dates[d] = IsoDate(today_s + int64_t{d} * 86400);
  const std::string source = "snapshot bench-atp";

  int64_t rows = 0, position_rows = 0, supply_rows = 0;
  char sku[64], wh[32], ref[64], qty[32];
  if (!Exec(db, "BEGIN")) return 1;
  auto step = [&](sqlite3_stmt* s) -> bool {
    const int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (!Check(rc, db, "insert")) return false;
    if (++rows % batch == 0) {
      if (!Exec(db, "COMMIT") || !Exec(db, "BEGIN")) return false;
    }
    return true;
  };
  for (int64_t n = 1; n <= skus; ++n) {
    std::snprintf(sku, sizeof(sku), "%s%0*" PRId64, prefix.c_str(), width, n);
    for (int64_t w = 1; w <= warehouses; ++w) {
      std::snprintf(wh, sizeof(wh), "WH-%02" PRId64, w);
      const uint64_t h = Mix(static_cast<uint64_t>(n) * 131 + static_cast<uint64_t>(w));
      if (fixed_on_hand >= 0) {
        const bool is_short = short_every > 0 && n % short_every == 0;
        std::snprintf(qty, sizeof(qty), "%" PRId64, is_short ? short_on_hand : fixed_on_hand);
      } else {
        std::snprintf(qty, sizeof(qty), "%" PRIu64, h % 500);
      }
      sqlite3_bind_text(pos, 1, sku, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(pos, 2, wh, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(pos, 3, qty, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(pos, 4, now_ms - static_cast<int64_t>((h >> 8) % 3'600'000));
      sqlite3_bind_text(pos, 5, source.c_str(), -1, SQLITE_STATIC);
      if (fixed_on_hand >= 0) {
        std::snprintf(qty, sizeof(qty), "0");
      } else {
        std::snprintf(qty, sizeof(qty), "%" PRIu64, (h >> 16) % 40);
      }
      sqlite3_bind_text(pos, 6, qty, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(pos, 7, now_ms - static_cast<int64_t>((h >> 24) % 3'600'000));
      if (!step(pos)) return 1;
      ++position_rows;
      // Open purchase orders: one or two confirmed deliveries in the next 60 days.
      if (static_cast<int>((h >> 32) % 100) < on_order_pct) {
        std::snprintf(ref, sizeof(ref), "po/PO%07" PRIu64 "/1", (h >> 20) % 10'000'000);
        const int parts = 1 + static_cast<int>((h >> 40) & 1);
        for (int p = 0; p < parts; ++p) {
          const uint64_t hp = Mix(h + static_cast<uint64_t>(p));
          std::snprintf(qty, sizeof(qty), "%" PRIu64, 50 + hp % 450);
          sqlite3_bind_text(sup, 1, "on_order", -1, SQLITE_STATIC);
          sqlite3_bind_text(sup, 2, ref, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text(sup, 3, sku, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text(sup, 4, wh, -1, SQLITE_TRANSIENT);
          sqlite3_bind_int(sup, 5, p);
          sqlite3_bind_text(sup, 6, qty, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text(sup, 7, dates[7 + p * 21 + (hp >> 8) % 30].c_str(), -1, SQLITE_STATIC);
          sqlite3_bind_int64(sup, 8, now_ms - static_cast<int64_t>((hp >> 16) % 86'400'000));
          if (!step(sup)) return 1;
          ++supply_rows;
        }
      }
      // Ship notices: one quantity in transit, arriving within ten days.
      if (static_cast<int>((h >> 48) % 100) < in_transit_pct) {
        std::snprintf(ref, sizeof(ref), "asn/SH%07" PRIu64 "/1", (h >> 12) % 10'000'000);
        std::snprintf(qty, sizeof(qty), "%" PRIu64, 10 + (h >> 4) % 200);
        sqlite3_bind_text(sup, 1, "in_transit", -1, SQLITE_STATIC);
        sqlite3_bind_text(sup, 2, ref, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(sup, 3, sku, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(sup, 4, wh, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(sup, 5, 0);
        sqlite3_bind_text(sup, 6, qty, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(sup, 7, dates[1 + (h >> 56) % 10].c_str(), -1, SQLITE_STATIC);
        sqlite3_bind_int64(sup, 8, now_ms - static_cast<int64_t>((h >> 2) % 86'400'000));
        if (!step(sup)) return 1;
        ++supply_rows;
      }
    }
  }
  if (!Exec(db, "COMMIT")) return 1;
  sqlite3_finalize(pos);
  sqlite3_finalize(sup);
  if (!Exec(db, "PRAGMA wal_checkpoint(TRUNCATE)")) return 1;
  sqlite3_close(db);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "bench_atp_load: %" PRId64 " positions, %" PRId64 " supply rows in %.1fs\n",
               position_rows, supply_rows, secs);
  std::printf("{\"tool\":\"bench_atp_load\",\"skus\":%" PRId64 ",\"warehouses\":%" PRId64
              ",\"positions\":%" PRId64 ",\"supply_rows\":%" PRId64 ",\"seconds\":%.2f}\n",
              skus, warehouses, position_rows, supply_rows, secs);
  return 0;
}
