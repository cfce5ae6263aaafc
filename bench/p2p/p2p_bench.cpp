// bench_p2p: purchase-order acknowledgments (855) per second through the real pipeline.
//
//   1. Prepares N purchase orders in state "sent", as the workflow stores them: each is built by
//      workflows::Apply (PoCreated, then PoSent), serialised with workflows::ToJson and written
//      into `aggregates` (version 2) with its on-order supply rows, by direct SQL into a store
//      created and migrated by store::OpenSqlite.
//   2. Builds one X12 855 per PO from the supplier's profile (ISA/GS ids, item cross-references,
//      contract prices): a few lines each; a mix of full confirmations, partial confirmations
//      (60% now, 40% backordered later) and moved dates.
//   3. Intake (timed separately): every 855 goes through Store::Accept with the partner's first
//      steps, exactly as the HTTP or file-drop intake would hand it over (durable on return).
//   4. Drain (the measured part): an engine::Engine with the hub's steps (route, decode with the
//      procure hook, po.event, replenish; see src/app/main.cpp) runs until the work queue is
//      empty: decode = X12 parse + validate + map + rules + 997 + canonical message + events;
//      po.event = load the aggregate, apply the 855, commit state, supply, exceptions, events.
//      Committed inventory changes feed an inventory::Index, as in the hub.
//   5. Checks the outcome (every PO acknowledged / partially confirmed / date changed, no dead
//      letters) and prints a summary on stderr and one JSON line on stdout.
//
// Per step, the engine-side run time (wall and thread CPU, excluding claim and commit) is
// measured by wrapping each step's run function.
#include <sqlite3.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "core/clock.hpp"
#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "core/strings.hpp"
#include "engine/engine.hpp"
#include "engine/routing.hpp"
#include "inventory/positions.hpp"
#include "obs/log.hpp"
#include "obs/metrics.hpp"
#include "pipeline/fulfil.hpp"
#include "pipeline/inbound.hpp"
#include "pipeline/procure.hpp"
#include "pipeline/publish.hpp"
#include "store/store.hpp"
#include "workflows/purchase_order.hpp"

namespace cd = crossdock;
namespace fs = std::filesystem;

namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double ThreadCpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double ProcessCpu() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// CPU seconds of one thread of this process, from /proc.
double TaskCpu(long tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = s.rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> f;
  size_t p = close + 2;
  while (p < s.size()) {
    const size_t sp = s.find(' ', p);
    f.push_back(s.substr(p, sp - p));
    if (sp == std::string::npos) break;
    p = sp + 1;
  }
  if (f.size() < 13) return 0;  // fields 14 and 15 (utime, stime) are f[11], f[12]
  return static_cast<double>(std::stoll(f[11]) + std::stoll(f[12])) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Busy and total CPU ticks of the whole machine (/proc/stat), to show how much of it other
// processes took during a run.
std::pair<double, double> MachineTicks() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, sys = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> sys >> idle >> iowait >> irq >> softirq >> steal;
  const double busy = user + nice + sys + irq + softirq + steal;
  return {busy, busy + idle + iowait};
}

std::vector<long> Tasks() {
  std::vector<long> out;
  for (const auto& e : fs::directory_iterator("/proc/self/task")) {
    out.push_back(std::stol(e.path().filename().string()));
  }
  return out;
}

std::string Pad(const std::string& s, size_t n) {
  std::string r = s.substr(0, n);
  r.resize(n, ' ');
  return r;
}

std::string Digits(int64_t v, int width) {
  char b[32];
  std::snprintf(b, sizeof(b), "%0*" PRId64, width, v);
  return b;
}

struct StepStats {
  std::mutex mu;
  int64_t runs = 0;
  double wall = 0;
  double cpu = 0;
};

struct LineSpec {
  std::string sku;
  std::string partner_item_id;
  std::string uom;
  std::string price;
};

struct Options {
  std::string config = "examples/demo";
  std::string data;
  std::string supplier = "demo-supplier";
  int64_t pos = 20000;
  int lines = 3;
  std::string synchronous;  // empty: the config's
  int workers = 0;          // 0: the config's
  bool no_destinations = false;
  double timeout_s = 600;
};

void Usage(FILE* f) {
  std::fprintf(
      f,
      "usage: bench_p2p --data DIR [options]\n"
      "  --config PATH         hub configuration (default examples/demo)\n"
      "  --supplier ID         X12 supplier partner (default demo-supplier)\n"
      "  --pos N               purchase orders / 855s (default 20000)\n"
      "  --lines N             lines per PO, cycling over the supplier's items (default 3)\n"
      "  --synchronous full|normal   override store.synchronous\n"
      "  --workers N           override engine.workers\n"
      "  --no-destinations     drop the configured webhook destinations (no fan-out)\n"
      "  --timeout SEC         give up draining after this long (default 600)\n");
}

bool Exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "bench_p2p: %s: %s\n", sql.substr(0, 80).c_str(), err ? err : "?");
    sqlite3_free(err);
    return false;
  }
  return true;
}

// Writes the N "sent" purchase orders and their on-order supply. Returns false on error.
bool SeedPurchaseOrders(const Options& o, const std::string& db_path,
                        const std::vector<cd::workflows::PurchaseOrderState>& pos) {
  sqlite3* db = nullptr;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) return false;
  bool ok = Exec(db, "PRAGMA synchronous=OFF") && Exec(db, "BEGIN");
  sqlite3_stmt* agg = nullptr;
  sqlite3_stmt* ev = nullptr;
  sqlite3_stmt* pos_row = nullptr;
  sqlite3_stmt* sup = nullptr;
  ok =
      ok &&
      sqlite3_prepare_v2(db,
                         "INSERT INTO aggregates (type, id, seq, version, status, partner_id, "
                         "state, created_at, updated_at) VALUES ('purchase_order',?,?,?,?,?,?,?,?)",
                         -1, &agg, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db,
                         "INSERT INTO aggregate_events (type, id, version, event, detail, "
                         "message_id, correlation_id, at) VALUES "
                         "('purchase_order',?,?,?,?,NULL,NULL,?)",
                         -1, &ev, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db,
                         "INSERT INTO positions (sku, warehouse, uom, on_hand, on_hand_as_of, "
                         "on_hand_source) VALUES (?,?,?,'100',?,'snapshot bench-p2p') "
                         "ON CONFLICT (sku, warehouse) DO NOTHING",
                         -1, &pos_row, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db,
                         "INSERT INTO supply (kind, ref, sku, warehouse, part, quantity, uom, "
                         "date, as_of) VALUES ('on_order',?,?,?,0,?,?,?,?)",
                         -1, &sup, nullptr) == SQLITE_OK;
  if (!ok) {
    std::fprintf(stderr, "bench_p2p: cannot prepare seed statements: %s\n", sqlite3_errmsg(db));
    sqlite3_close(db);
    return false;
  }
  const int64_t now = cd::ToUnixMillis(cd::Clock::System().Now());
  auto step = [&](sqlite3_stmt* s) {
    const int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
      std::fprintf(stderr, "bench_p2p: seed insert: %s\n", sqlite3_errmsg(db));
      return false;
    }
    return true;
  };
  int64_t seq = 0;
  for (const auto& s : pos) {
    const std::string state = cd::workflows::ToJson(s);
    sqlite3_bind_text(agg, 1, s.po_number.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(agg, 2, ++seq);
    sqlite3_bind_int64(agg, 3, s.version);
    sqlite3_bind_text(agg, 4, s.state.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(agg, 5, s.supplier.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(agg, 6, state.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(agg, 7, now);
    sqlite3_bind_int64(agg, 8, now);
    if (!step(agg)) return false;
    int64_t version = 0;
    for (const char* e :
         {"purchase_order.created.v1", "purchase_order.released.v1", "purchase_order.sent.v1"}) {
      sqlite3_bind_text(ev, 1, s.po_number.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(ev, 2, version == 0 ? 1 : 2);
      sqlite3_bind_text(ev, 3, e, -1, SQLITE_STATIC);
      sqlite3_bind_text(ev, 4, "{\"state\":\"sent\"}", -1, SQLITE_STATIC);
      sqlite3_bind_int64(ev, 5, now);
      ++version;
      if (!step(ev)) return false;
    }
    for (const auto& l : s.lines) {
      sqlite3_bind_text(pos_row, 1, l.sku.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(pos_row, 2, s.warehouse.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(pos_row, 3, l.uom.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(pos_row, 4, now);
      if (!step(pos_row)) return false;
      const std::string ref = "po/" + s.po_number + "/" + l.line_number;
      const std::string qty = l.ordered.ToString();
      sqlite3_bind_text(sup, 1, ref.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(sup, 2, l.sku.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(sup, 3, s.warehouse.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(sup, 4, qty.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(sup, 5, l.uom.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(sup, 6, l.requested_date.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(sup, 7, now);
      if (!step(sup)) return false;
    }
  }
  (void)o;
  sqlite3_finalize(agg);
  sqlite3_finalize(ev);
  sqlite3_finalize(pos_row);
  sqlite3_finalize(sup);
  ok = Exec(db, "COMMIT") && Exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  sqlite3_close(db);
  return ok;
}

// Rows of `SELECT key, COUNT(*) ... GROUP BY key` on a read-only connection.
std::map<std::string, int64_t> Counts(const std::string& db_path, const std::string& sql) {
  std::map<std::string, int64_t> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    return out;
  }
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK) {
    while (sqlite3_step(s) == SQLITE_ROW) {
      const auto* k = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      out[k ? k : ""] = sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return out;
}

std::string JsonMap(const std::map<std::string, int64_t>& m) {
  std::string out = "{";
  for (const auto& [k, v] : m) {
    if (out.size() > 1) out += ",";
    out += cd::JsonString(k) + ":" + std::to_string(v);
  }
  return out + "}";
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_p2p: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--config") {
      o.config = next();
    } else if (a == "--data") {
      o.data = next();
    } else if (a == "--supplier") {
      o.supplier = next();
    } else if (a == "--pos") {
      o.pos = std::atoll(next().c_str());
    } else if (a == "--lines") {
      o.lines = std::atoi(next().c_str());
    } else if (a == "--synchronous") {
      o.synchronous = next();
    } else if (a == "--workers") {
      o.workers = std::atoi(next().c_str());
    } else if (a == "--no-destinations") {
      o.no_destinations = true;
    } else if (a == "--timeout") {
      o.timeout_s = std::atof(next().c_str());
    } else if (a == "-h" || a == "--help") {
      Usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "bench_p2p: unknown argument '%s'\n", a.c_str());
      Usage(stderr);
      return 2;
    }
  }
  if (o.data.empty() || o.pos < 1 || o.lines < 1 ||
      (!o.synchronous.empty() && o.synchronous != "full" && o.synchronous != "normal")) {
    Usage(stderr);
    return 2;
  }
  auto loaded = cd::config::Load(o.config);
  if (!loaded.ok()) {
    std::fprintf(stderr, "bench_p2p: %s\n", loaded.error().message().c_str());
    return 2;
  }
  cd::config::Config cfg = std::move(*loaded);
  if (!o.synchronous.empty()) cfg.store.synchronous = o.synchronous;
  if (o.workers > 0) cfg.engine.workers = o.workers;
  if (o.no_destinations) cfg.destinations.clear();
  cd::obs::InitLogging(cd::obs::Level::kWarn, "");
  std::error_code ec;
  fs::create_directories(o.data, ec);
  for (auto& p : cfg.partners) {
    for (std::string* dir :
         {&p.transport.inbound_dir, &p.transport.outbound_dir, &p.transport.archive_dir}) {
      if (!dir->empty() && fs::path(*dir).is_relative()) *dir = (fs::path(o.data) / *dir).string();
    }
  }
  const cd::config::Partner* supplier = cfg.FindPartner(o.supplier);
  if (!supplier || !supplier->FindRouteBySet("855", "in")) {
    std::fprintf(stderr, "bench_p2p: partner '%s' is not an X12 supplier with an inbound 855\n",
                 o.supplier.c_str());
    return 2;
  }

  // ---- what the POs contain, from the supplier's profile
  std::vector<LineSpec> items;
  for (const auto& t : supplier->items) {
    LineSpec l;
    l.sku = t.sku;
    l.price = t.contract_price.empty() ? "1.00" : t.contract_price;
    const cd::config::CatalogItem* cat = cfg.FindItem(t.sku);
    if (cat && !cat->active) continue;
    l.uom = !t.uom.empty() ? t.uom : (cat ? cat->base_uom : "EA");
    for (const auto& x : supplier->item_xref) {
      if (x.sku == t.sku) l.partner_item_id = x.partner_item_id;
    }
    items.push_back(l);
  }
  if (items.empty()) {
    std::fprintf(stderr, "bench_p2p: partner %s lists no items (items:)\n", o.supplier.c_str());
    return 2;
  }
  // Ship-to warehouses: the supplier's location cross-references (its codes in N104).
  struct Wh {
    std::string id, code, name;
  };
  std::vector<Wh> whs;
  for (const auto& x : supplier->location_xref) {
    const auto* loc = cfg.FindLocation(x.id);
    if (loc && loc->kind == "warehouse") whs.push_back({x.id, x.code, loc->name});
  }
  if (whs.empty()) {
    for (const auto& l : cfg.locations) {
      if (l.kind == "warehouse") whs.push_back({l.id, l.id, l.name});
    }
  }
  if (whs.empty()) whs.push_back({"WH-01", "WH-01", ""});

  const std::string today_iso = cd::FormatIso8601(cd::Clock::System().Now());
  auto day = [&](int d) {
    return cd::FormatIso8601(cd::Clock::System().Now() + cd::Millis(int64_t{d} * 86'400'000))
        .substr(0, 10);
  };
  const std::string order_date = day(-2), requested = day(14), later = day(28);
  auto x12date = [](const std::string& iso) {
    return iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2);
  };

  // ---- 1. the POs, through the workflow
  cd::workflows::PoPolicy policy;
  policy.ack_due_hours = supplier->sla.ack_due_hours;
  std::vector<cd::workflows::PurchaseOrderState> pos;
  pos.reserve(static_cast<size_t>(o.pos));
  const int64_t run_base = (cd::ToUnixMillis(cd::Clock::System().Now()) / 1000) % 100000;
  for (int64_t i = 0; i < o.pos; ++i) {
    cd::model::PurchaseOrder po;
    po.po_number = "BP" + Digits(run_base, 5) + Digits(i + 1, 7);
    po.order_date = order_date;
    po.currency = "USD";
    po.requested_delivery_date = requested;
    // POs spread over the supplier's items and the warehouses.
    const Wh& wh = whs[static_cast<size_t>(i) % whs.size()];
    for (int k = 0; k < o.lines; ++k) {
      const LineSpec& it = items[static_cast<size_t>(i * o.lines + k) % items.size()];
      cd::model::OrderLine l;
      l.line_number = std::to_string(k + 1);
      l.item.sku = it.sku;
      l.item.partner_item_id = it.partner_item_id;
      l.quantity = {cd::Decimal::FromInt(100 * (1 + (i + k) % 20)), it.uom};
      l.unit_price = cd::model::Money{cd::Decimal::Parse(it.price).value_or(cd::Decimal()), "USD"};
      po.lines.push_back(l);
    }
    auto created = cd::workflows::Apply(
        cd::workflows::PurchaseOrderState{},
        cd::workflows::PoCreated{po, supplier->id, wh.id, "bench", false}, policy);
    if (!created.ok()) {
      std::fprintf(stderr, "bench_p2p: PO create: %s\n", created.error().ToString().c_str());
      return 1;
    }
    auto sent = cd::workflows::Apply(created->state, cd::workflows::PoSent{"bench-850"}, policy);
    if (!sent.ok()) {
      std::fprintf(stderr, "bench_p2p: PO send: %s\n", sent.error().ToString().c_str());
      return 1;
    }
    pos.push_back(std::move(sent->state));
  }

  // ---- the store: created and migrated as the hub does; POs written in the workflow's shape
  fs::path db_path(cfg.store.path);
  if (db_path.is_relative()) db_path = fs::path(o.data) / db_path;
  cd::store::SqliteOptions so;
  so.path = db_path.string();
  so.synchronous_full = cfg.store.synchronous == "full";
  so.max_batch = cfg.store.group_commit_max_batch;
  so.linger_us = cfg.store.group_commit_linger_us;
  so.read_connections = cfg.store.read_connections;
  {
    auto st = cd::store::OpenSqlite(so);
    if (!st.ok()) {
      std::fprintf(stderr, "bench_p2p: cannot open store: %s\n", st.error().ToString().c_str());
      return 1;
    }
    (*st)->Close();
  }
  const double t_seed = Now();
  if (!SeedPurchaseOrders(o, so.path, pos)) return 1;
  const double seed_s = Now() - t_seed;

  // ---- 2. the 855s
  const std::string sender = Pad(supplier->x12.isa_id, 15);
  const std::string sender_q =
      supplier->x12.isa_qualifier.empty() ? "ZZ" : supplier->x12.isa_qualifier;
  const std::string gs_sender =
      supplier->x12.gs_id.empty() ? supplier->x12.isa_id : supplier->x12.gs_id;
  const std::string receiver = Pad(cfg.hub.isa_id, 15);
  const std::string yymmdd = x12date(today_iso).substr(2);
  std::vector<std::string> docs;
  docs.reserve(pos.size());
  std::map<std::string, int64_t> expected;
  size_t bytes = 0;
  for (size_t i = 0; i < pos.size(); ++i) {
    const auto& s = pos[i];
    const int64_t ctl = run_base * 10000 % 900000000 + static_cast<int64_t>(i) + 1;
    const int kind = static_cast<int>(i % 4);  // 0, 1 full; 2 partial; 3 date moved
    expected[kind == 2 ? "partially_confirmed" : kind == 3 ? "date_changed" : "acknowledged"]++;
    std::string d;
    d.reserve(1024);
    int segs = 0;
    auto seg = [&](const std::string& x) {
      d += x;
      d += "~\n";
      ++segs;
    };
    d += "ISA*00*          *00*          *" + sender_q + "*" + sender + "*" +
         (cfg.hub.isa_qualifier.empty() ? "ZZ" : cfg.hub.isa_qualifier) + "*" + receiver + "*" +
         yymmdd + "*0930*U*00401*" + Digits(ctl, 9) + "*0*P*>~\n";
    d += "GS*PR*" + gs_sender + "*" + cfg.hub.gs_id + "*" + x12date(today_iso) + "*0930*" +
         std::to_string(ctl) + "*X*004010~\n";
    segs = 0;
    seg("ST*855*0001");
    seg(std::string("BAK*00*") + (kind < 2 ? "AD" : "AC") + "*" + s.po_number + "*" +
        x12date(s.order_date) + "****SO-" + s.po_number + "*" + x12date(today_iso));
    seg("CUR*SE*USD");
    const Wh& wh = whs[i % whs.size()];
    seg("N1*ST*" + (wh.name.empty() ? wh.id : wh.name) + "*92*" + wh.code);
    for (size_t k = 0; k < s.lines.size(); ++k) {
      const auto& l = s.lines[k];
      std::string po1 = "PO1*" + l.line_number + "*" + l.ordered.ToString() + "*" + l.uom + "*" +
                        l.unit_price.ToString() + "**BP*" + l.sku;
      if (!l.partner_item_id.empty()) po1 += "*VP*" + l.partner_item_id;
      seg(po1);
      if (kind == 2 && k == 0) {
        const cd::Decimal now_qty = l.ordered.Mul(cd::Decimal::Parse("0.6").value_or(cd::Decimal()))
                                        .value_or(l.ordered)
                                        .Normalized();
        const cd::Decimal rest = l.ordered.Sub(now_qty).value_or(cd::Decimal());
        seg("ACK*IA*" + now_qty.ToString() + "*" + l.uom + "*068*" + x12date(requested));
        seg("ACK*IB*" + rest.ToString() + "*" + l.uom + "*068*" + x12date(later));
      } else if (kind == 3 && k == 0) {
        seg("ACK*DR*" + l.ordered.ToString() + "*" + l.uom + "*068*" + x12date(later));
      } else {
        seg("ACK*IA*" + l.ordered.ToString() + "*" + l.uom + "*068*" + x12date(requested));
      }
    }
    seg("CTT*" + std::to_string(s.lines.size()));
    seg("SE*" + std::to_string(segs + 1) + "*0001");
    d += "GE*1*" + std::to_string(ctl) + "~\n";
    d += "IEA*1*" + Digits(ctl, 9) + "~\n";
    bytes += d.size();
    docs.push_back(std::move(d));
  }

  // ---- 3. intake: durable accepts (timed on their own)
  auto opened = cd::store::OpenSqlite(so);
  if (!opened.ok()) {
    std::fprintf(stderr, "bench_p2p: cannot open store: %s\n", opened.error().ToString().c_str());
    return 1;
  }
  std::unique_ptr<cd::store::Store> st = std::move(*opened);
  // As src/app/main.cpp wires them: the inventory index and the availability publisher see
  // every committed inventory change.
  cd::inventory::Index index;
  {
    auto inv = st->LoadInventory();
    if (!inv.ok()) {
      std::fprintf(stderr, "bench_p2p: LoadInventory: %s\n", inv.error().ToString().c_str());
      return 1;
    }
    index.Apply(*inv);
  }
  cd::pipeline::AvailabilityPublisher publisher(*st, cfg, index, cd::Clock::System());
  st->SetInventoryListener([&index, &publisher](const std::vector<cd::store::InventoryChange>& cs) {
    index.Apply(cs);
    publisher.OnChanges(cs);
  });
  cd::store::DedupePolicy dp;
  dp.idempotency_window =
      cd::Millis(static_cast<int64_t>(cfg.store.idempotency_window_hours) * 3600 * 1000);
  dp.content_hash_window =
      cd::Millis(static_cast<int64_t>(cfg.store.content_hash_window_hours) * 3600 * 1000);
  std::mutex mu;
  std::condition_variable cv;
  int64_t answered = 0, accept_errors = 0, duplicates = 0;
  const double t_in = Now();
  for (size_t i = 0; i < docs.size(); ++i) {
    cd::store::NewMessage m;
    m.partner_id = supplier->id;
    m.content_type = "application/edi-x12";
    m.payload = docs[i];
    m.content_hash = cd::Sha256Hex(docs[i]);
    m.idempotency_key = "855-" + pos[i].po_number;
    m.correlation_id = cd::NewId();
    m.received_at = cd::Clock::System().Now();
    st->Accept(std::move(m), cd::pipeline::InboundSteps(supplier->id), dp,
               [&](cd::Result<cd::store::AcceptOutcome> r) {
                 std::lock_guard<std::mutex> lock(mu);
                 if (!r.ok()) {
                   ++accept_errors;
                 } else if (r->duplicate) {
                   ++duplicates;
                 }
                 if (++answered == static_cast<int64_t>(docs.size())) cv.notify_all();
               });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return answered == static_cast<int64_t>(docs.size()); });
  }
  const double intake_s = Now() - t_in;
  if (accept_errors || duplicates) {
    std::fprintf(stderr, "bench_p2p: intake: %" PRId64 " errors, %" PRId64 " duplicates\n",
                 accept_errors, duplicates);
    return 1;
  }

  // ---- 4. drain through the hub's steps
  cd::obs::Registry metrics;
  cd::engine::Engine eng(*st, cfg.engine, metrics);
  std::map<std::string, StepStats> stats;
  std::mutex tids_mu;
  std::set<long> worker_tids;
  auto wrap = [&](cd::engine::StepDef def) {
    StepStats* ss = &stats[def.name];
    auto inner = def.run;
    def.run = [inner, ss, &tids_mu, &worker_tids](const cd::store::QueueItem& item) {
      const double w0 = Now(), c0 = ThreadCpu();
      auto r = inner(item);
      const double w1 = Now(), c1 = ThreadCpu();
      {
        std::lock_guard<std::mutex> lock(ss->mu);
        ++ss->runs;
        ss->wall += w1 - w0;
        ss->cpu += c1 - c0;
      }
      {
        std::lock_guard<std::mutex> lock(tids_mu);
        worker_tids.insert(static_cast<long>(gettid()));
      }
      return r;
    };
    eng.RegisterStep(std::move(def));
  };
  // The hub's steps, as src/app/main.cpp registers them.
  cd::pipeline::ProcureContext procure{st.get(), &cfg, &cd::Clock::System(), &index};
  cd::pipeline::FulfilContext fulfil{st.get(), &cfg, &cd::Clock::System(), &index};
  wrap(cd::engine::MakeRouteStep(*st, cfg, cd::Clock::System()));
  wrap(cd::pipeline::MakeDecodeStep(*st, cfg, cd::Clock::System(),
                                    cd::pipeline::Hooks({cd::pipeline::MakeProcureHook(procure),
                                                         cd::pipeline::MakeFulfilHook(fulfil)})));
  wrap(cd::pipeline::MakePoEventStep(procure));
  wrap(cd::pipeline::MakeReplenishStep(procure));
  wrap(cd::pipeline::MakeSoEventStep(fulfil));
  wrap(cd::pipeline::MakePromiseStep(fulfil));
  wrap(cd::pipeline::MakeRmaEventStep(fulfil));
  wrap(cd::pipeline::MakePublishStep(*st, cfg, cd::Clock::System()));
  st->SetQueueListener([&eng](cd::store::Queue q) { eng.Notify(q); });

  const auto commits0 = st->GetCommitStats();
  std::map<long, double> task_cpu0;
  for (long t : Tasks()) task_cpu0[t] = TaskCpu(t);
  const double cpu0 = ProcessCpu();
  const auto machine0 = MachineTicks();
  const double t0 = Now();
  eng.Start();
  publisher.Start();
  // Done when no decode or po.event item is left: every one committed (a completion removes its
  // item and adds the next ones in one transaction). Work the 855s cause only indirectly (the
  // availability publisher's batches, every publication.interval_ms) is not waited for. Polled
  // on a private read-only connection with a query that costs next to nothing (Store::Stats
  // counts whole tables).
  bool drained = false;
  {
    sqlite3* ro = nullptr;
    sqlite3_stmt* any = nullptr;
    if (sqlite3_open_v2(so.path.c_str(), &ro, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(
            ro, "SELECT EXISTS (SELECT 1 FROM work_items WHERE step IN ('decode', 'po.event'))", -1,
            &any, nullptr) != SQLITE_OK) {
      std::fprintf(stderr, "bench_p2p: cannot poll the work queue\n");
      return 1;
    }
    while (Now() - t0 < o.timeout_s) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      const bool row = sqlite3_step(any) == SQLITE_ROW;
      const bool empty = row && sqlite3_column_int(any, 0) == 0;
      sqlite3_reset(any);
      if (empty) {
        drained = true;
        break;
      }
    }
    sqlite3_finalize(any);
    sqlite3_close(ro);
  }
  const double drain_s = Now() - t0;
  const double cpu1 = ProcessCpu();
  const auto machine1 = MachineTicks();
  const double machine_busy =
      (machine1.first - machine0.first) / std::max(1.0, machine1.second - machine0.second) * 100;
  const auto commits1 = st->GetCommitStats();
  std::map<long, double> task_cpu1;
  for (long t : Tasks()) task_cpu1[t] = TaskCpu(t);
  publisher.Stop();
  eng.Shutdown(cd::Millis(5000));

  // Threads: the engine workers (they ran steps), this thread, and the rest (the store's writer
  // and the delivery dispatcher).
  double worker_cpu = 0, other_cpu = 0;
  for (const auto& [tid, c1] : task_cpu1) {
    const double d = c1 - (task_cpu0.count(tid) ? task_cpu0[tid] : 0.0);
    if (worker_tids.count(tid)) {
      worker_cpu += d;
    } else if (tid != static_cast<long>(getpid())) {
      other_cpu += d;
    }
  }
  st->Close();

  // ---- 5. outcome
  const auto states = Counts(so.path,
                             "SELECT status, COUNT(*) FROM aggregates WHERE type = "
                             "'purchase_order' GROUP BY status");
  const auto exceptions = Counts(so.path, "SELECT type, COUNT(*) FROM exceptions GROUP BY type");
  const auto dead = Counts(so.path, "SELECT name, COUNT(*) FROM dead_letters GROUP BY name");
  const auto msgs = Counts(so.path, "SELECT kind, COUNT(*) FROM messages GROUP BY kind");
  const auto outbox =
      Counts(so.path, "SELECT destination, COUNT(*) FROM outbox GROUP BY destination");
  const bool states_ok = states == expected;
  const bool ok = drained && states_ok && dead.empty();

  const double n = static_cast<double>(o.pos);
  auto per_doc_us = [&](const std::string& step, bool cpu) {
    auto it = stats.find(step);
    if (it == stats.end() || it->second.runs == 0) return 0.0;
    return (cpu ? it->second.cpu : it->second.wall) / static_cast<double>(it->second.runs) * 1e6;
  };
  auto runs = [&](const std::string& step) {
    auto it = stats.find(step);
    return it == stats.end() ? int64_t{0} : it->second.runs;
  };
  const uint64_t commits = commits1.transactions - commits0.transactions;
  const uint64_t ops = commits1.operations - commits0.operations;
  std::fprintf(stderr,
               "bench_p2p: %" PRId64
               " POs x %d lines, 855s %.0f bytes avg; config %s%s, "
               "synchronous=%s, workers %d\n"
               "  seed %.2fs; intake %.2fs (%.0f accepts/s, reported apart)\n"
               "  drain %.3fs: %.0f 855s/s through decode + po.event + commit %s\n"
               "  decode    %" PRId64
               " runs, %.0f us wall / %.0f us CPU each (step only)\n"
               "  po.event  %" PRId64
               " runs, %.0f us wall / %.0f us CPU each (step only)\n"
               "  CPU: process %.2fs (%.0f%% of one core), engine workers %.2fs, writer+other "
               "%.2fs; machine busy %.0f%%; %" PRIu64 " commits, %" PRIu64
               " operations\n"
               "  states %s; exceptions %s; dead letters %s\n",
               o.pos, o.lines, static_cast<double>(bytes) / n, o.config.c_str(),
               o.no_destinations ? " (destinations dropped)" : "", cfg.store.synchronous.c_str(),
               cfg.engine.workers, seed_s, intake_s, n / intake_s, drain_s, n / drain_s,
               ok ? "(all POs acknowledged)" : "(INCOMPLETE)", runs("decode"),
               per_doc_us("decode", false), per_doc_us("decode", true), runs("po.event"),
               per_doc_us("po.event", false), per_doc_us("po.event", true), cpu1 - cpu0,
               (cpu1 - cpu0) / drain_s * 100, worker_cpu, other_cpu, machine_busy, commits, ops,
               JsonMap(states).c_str(), JsonMap(exceptions).c_str(), JsonMap(dead).c_str());
  std::printf("{\"tool\":\"bench_p2p\",\"pos\":%" PRId64
              ",\"lines\":%d,\"avg_855_bytes\":%.0f,\"config\":%s,\"destinations\":%zu,"
              "\"synchronous\":\"%s\",\"workers\":%d,\"seed_s\":%.3f,\"intake_s\":%.3f,"
              "\"intake_per_s\":%.1f,\"drain_s\":%.3f,\"acks_per_s\":%.1f,\"ok\":%s,"
              "\"decode_runs\":%" PRId64
              ",\"decode_wall_us\":%.1f,\"decode_cpu_us\":%.1f,\"po_event_runs\":%" PRId64
              ",\"po_event_wall_us\":%.1f,\"po_event_cpu_us\":%.1f,\"process_cpu_s\":%.3f,"
              "\"worker_cpu_s\":%.3f,\"other_cpu_s\":%.3f,\"machine_busy\":%.1f,"
              "\"commits\":%" PRIu64 ",\"operations\":%" PRIu64
              ",\"states\":%s,\"expected_states\":%s,\"exceptions\":%s,\"dead_letters\":%s,"
              "\"messages\":%s,\"outbox\":%s}\n",
              o.pos, o.lines, static_cast<double>(bytes) / n, cd::JsonString(o.config).c_str(),
              cfg.destinations.size(), cfg.store.synchronous.c_str(), cfg.engine.workers, seed_s,
              intake_s, n / intake_s, drain_s, n / drain_s, ok ? "true" : "false", runs("decode"),
              per_doc_us("decode", false), per_doc_us("decode", true), runs("po.event"),
              per_doc_us("po.event", false), per_doc_us("po.event", true), cpu1 - cpu0, worker_cpu,
              other_cpu, machine_busy, commits, ops, JsonMap(states).c_str(),
              JsonMap(expected).c_str(), JsonMap(exceptions).c_str(), JsonMap(dead).c_str(),
              JsonMap(msgs).c_str(), JsonMap(outbox).c_str());
  return ok ? 0 : 1;
}
