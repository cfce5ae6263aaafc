// SQLite engine of the Store: one writer thread owning the only read-write connection (WAL),
// group commit of everything queued to it, and a pool of read-only connections for queries.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "core/strings.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/store.hpp"

namespace crossdock::store {

std::string_view QueueName(Queue q) { return q == Queue::kWork ? "work" : "delivery"; }

Result<AcceptOutcome> Store::AcceptSync(NewMessage msg, std::vector<WorkSpec> first_steps,
                                        DedupePolicy policy) {
  std::promise<Result<AcceptOutcome>> p;
  auto f = p.get_future();
  Accept(std::move(msg), std::move(first_steps), policy,
         [&p](Result<AcceptOutcome> r) { p.set_value(std::move(r)); });
  return f.get();
}

namespace sqlite {
namespace {

struct TxCtx {
  Db& db;
  TimePoint now;
  bool touched_work = false;
  bool touched_delivery = false;
  std::vector<InventoryChange>* inventory = nullptr;  // committed changes of this batch
};

struct WriteOp {
  std::function<Status(TxCtx&)> fn;
  std::function<void(Status)> done;
};

// SQL for one queue table; both queues share the shape.
struct QueueSql {
  std::string table;
  std::string insert;
  std::string scan;
  std::string run;
  std::string promote;
  std::string lease;
  std::string del_fenced;
  std::string retry;
  std::string release;
  std::string select_fenced;
  std::string pending_for_message;

  QueueSql(const std::string& t, const std::string& name) : table(t) {
    const std::string cols =
        "seq, id, " + name +
        ", ordering_key, message_id, partner_id, correlation_id, traceparent, payload, event_type, "
        "idempotency_key, content_type, attempts, not_before, errors, created_at, replay_of, "
        "lease_owner";
    // An item is the head of its key when no earlier item of the key is unfinished; only heads
    // (and the runs behind them) can be claimed, so a claim reads heads, not the backlog.
    insert = "INSERT INTO " + t + " (id, " + name +
             ", ordering_key, message_id, partner_id, correlation_id, traceparent, payload, "
             "event_type, idempotency_key, content_type, attempts, not_before, errors, created_at, "
             "replay_of, head) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,0,?12,'[]',?13,?14, "
             "NOT EXISTS (SELECT 1 FROM " +
             t + " WHERE ordering_key = ?3))";
    scan = "SELECT seq, ordering_key, " + name + " FROM " + t +
           " WHERE head = 1 AND not_before <= ?1 AND lease_expires <= ?1 ORDER BY seq";
    run = "SELECT seq, " + name + ", not_before, lease_expires FROM " + t +
          " WHERE ordering_key = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";
    promote = "UPDATE " + t + " SET head = 1 WHERE seq = (SELECT MIN(seq) FROM " + t +
              " WHERE ordering_key = ?1) AND head = 0";
    lease = "UPDATE " + t +
            " SET lease_owner = ?1, lease_expires = ?2, attempts = attempts + 1 WHERE seq = ?3 "
            "RETURNING " +
            cols;
    del_fenced = "DELETE FROM " + t + " WHERE seq = ?1 AND lease_owner = ?2";
    retry = "UPDATE " + t +
            " SET lease_owner = NULL, lease_expires = 0, not_before = ?3, errors = "
            "json_insert(errors, '$[#]', json(?4)) WHERE seq = ?1 AND lease_owner = ?2";
    release = "UPDATE " + t +
              " SET lease_owner = NULL, lease_expires = 0, attempts = MAX(attempts - 1, 0) "
              "WHERE seq = ?1 AND lease_owner = ?2";
    select_fenced = "SELECT " + cols + " FROM " + t + " WHERE seq = ?1 AND lease_owner = ?2";
    pending_for_message = "SELECT id, " + name +
                          ", event_type, idempotency_key, errors, attempts, created_at, "
                          "not_before, lease_expires FROM " +
                          t + " WHERE message_id = ?1 ORDER BY seq";
  }
};

QueueItem ReadItem(Stmt& s, Queue q) {
  QueueItem it;
  it.queue = q;
  it.seq = s.Int(0);
  it.id = s.Text(1);
  it.name = s.Text(2);
  it.ordering_key = s.Text(3);
  it.message_id = s.Text(4);
  it.partner_id = s.Text(5);
  it.correlation_id = s.Text(6);
  it.traceparent = s.Text(7);
  it.payload = s.Blob(8);
  it.event_type = s.Text(9);
  it.idempotency_key = s.Text(10);
  it.content_type = s.Text(11);
  it.attempts = static_cast<int>(s.Int(12));
  it.not_before = FromUnixMillis(s.Int(13));
  it.errors_json = s.Text(14);
  it.created_at = FromUnixMillis(s.Int(15));
  it.replay_of = s.Text(16);
  it.lease_owner = s.Text(17);
  return it;
}

std::string ErrorJson(const AttemptError& e, int attempt) {
  std::string out = "{\"at\":";
  AppendJsonString(&out, FormatIso8601(e.at));
  out += ",\"attempt\":" + std::to_string(attempt) + ",\"code\":";
  AppendJsonString(&out, e.code);
  out += ",\"message\":";
  AppendJsonString(&out, e.message);
  if (e.http_status) out += ",\"http_status\":" + std::to_string(e.http_status);
  out += ",\"duration_ms\":" + std::to_string(e.duration_ms) + "}";
  return out;
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const SqliteOptions& o)
      : opts_(o),
        clock_(o.clock ? o.clock : &Clock::System()),
        work_sql_("work_items", "step"),
        outbox_sql_("outbox", "destination") {}

  ~SqliteStore() override {
    Close();
    if (lock_fd_ >= 0) ::close(lock_fd_);
  }

  Status Open() {
    // One process per database: an advisory lock on a file beside it.
    const std::string lock_path = opts_.path + ".lock";
    lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd_ < 0) {
      return Error(Code::kUnavailable, "cannot create lock file " + lock_path);
    }
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      return Error(Code::kFailedPrecondition,
                   "database " + opts_.path +
                       " is in use by another crossdock process (lock held on " + lock_path + ")");
    }
    CD_RETURN_IF_ERROR(writer_db_.Open(opts_.path, false));
    CD_RETURN_IF_ERROR(writer_db_.Exec("PRAGMA journal_mode=WAL"));
    CD_RETURN_IF_ERROR(writer_db_.Exec(opts_.synchronous_full ? "PRAGMA synchronous=FULL"
                                                              : "PRAGMA synchronous=NORMAL"));
    CD_RETURN_IF_ERROR(writer_db_.Exec("PRAGMA foreign_keys=OFF"));
    CD_RETURN_IF_ERROR(writer_db_.Exec("PRAGMA temp_store=MEMORY"));
    CD_RETURN_IF_ERROR(writer_db_.Exec("PRAGMA cache_size=-65536"));
    CD_RETURN_IF_ERROR(writer_db_.Exec("PRAGMA wal_autocheckpoint=4000"));
    CD_RETURN_IF_ERROR(Migrate(writer_db_));
    CD_RETURN_IF_ERROR(RecoverLeases());
    for (int i = 0; i < std::max(1, opts_.read_connections); ++i) {
      auto db = std::make_unique<Db>();
      CD_RETURN_IF_ERROR(db->Open(opts_.path, true));
      CD_RETURN_IF_ERROR(db->Exec("PRAGMA cache_size=-16384"));
      readers_.push_back(std::move(db));
      free_readers_.push_back(readers_.back().get());
    }
    writer_ = std::thread([this] { WriterLoop(); });
    return Status::Ok();
  }

  // ---------------------------------------------------------------- intake

  void Accept(NewMessage msg, std::vector<WorkSpec> first_steps, DedupePolicy policy,
              AcceptCallback done) override {
    auto out = std::make_shared<AcceptOutcome>();
    auto m = std::make_shared<NewMessage>(std::move(msg));
    auto steps = std::make_shared<std::vector<WorkSpec>>(std::move(first_steps));
    Submit(WriteOp{[this, m, steps, policy, out](TxCtx& tx) {
                     return DoAccept(tx, *m, *steps, policy, out.get());
                   },
                   [out, done = std::move(done)](Status st) {
                     if (st.ok()) {
                       done(std::move(*out));
                     } else {
                       done(st.error());
                     }
                   }});
  }

  // DoAccept's own statements run for every inbound document on the writer thread; they are
  // prepared once and kept here, which spares building and hashing the SQL text on every call
  // (Db::Prepare's cache lookup). Db owns and finalizes them.
  static constexpr std::string_view kAcceptLookupSql =
      "SELECT message_id, correlation_id, received_at, expires_at FROM dedupe WHERE partner_id = "
      "?1 AND kind = ?2 AND key = ?3";
  static constexpr std::string_view kAcceptPutSql =
      "INSERT INTO dedupe (partner_id, kind, key, message_id, correlation_id, received_at, "
      "expires_at) VALUES (?1,?2,?3,?4,?5,?6,?7) ON CONFLICT (partner_id, kind, key) DO UPDATE "
      "SET message_id = excluded.message_id, correlation_id = excluded.correlation_id, "
      "received_at = excluded.received_at, expires_at = excluded.expires_at";

  Result<ScopedStmt> AcceptStmt(Db& db, sqlite3_stmt** cached, std::string_view sql) {
    if (&db != &writer_db_) return db.Prepare(std::string(sql));
    if (*cached == nullptr) {
      CD_ASSIGN_OR_RETURN(auto st, db.Prepare(std::string(sql)));
      *cached = st->raw();
      return st;
    }
    return ScopedStmt(Stmt(*cached, db.raw()));
  }

  Status DoAccept(TxCtx& tx, NewMessage& m, std::vector<WorkSpec>& steps,
                  const DedupePolicy& policy, AcceptOutcome* out) {
    Db& db = tx.db;
    if (m.received_at == TimePoint{}) m.received_at = tx.now;
    const int64_t now = ToUnixMillis(tx.now);
    auto lookup = [&](const char* kind, const std::string& key, bool* found) -> Status {
      *found = false;
      CD_ASSIGN_OR_RETURN(auto st, AcceptStmt(db, &accept_lookup_, kAcceptLookupSql));
      // The bound strings outlive the step: no copies.
      st->BindStatic(1, m.partner_id).BindStatic(2, kind).BindStatic(3, key);
      CD_ASSIGN_OR_RETURN(bool row, st->Step());
      if (row && st->Int(3) > now) {
        *found = true;
        out->duplicate = true;
        out->matched_by = std::string(kind) == "key" ? "idempotency_key" : "content_hash";
        out->message_id = st->Text(0);
        out->correlation_id = st->Text(1);
        out->received_at = FromUnixMillis(st->Int(2));
      }
      return Status::Ok();
    };
    bool found = false;
    if (!m.idempotency_key.empty()) {
      CD_RETURN_IF_ERROR(lookup("key", m.idempotency_key, &found));
      if (found) return Status::Ok();
    }
    if (policy.content_hash_window.count() > 0 && !m.content_hash.empty()) {
      CD_RETURN_IF_ERROR(lookup("hash", m.content_hash, &found));
      if (found) return Status::Ok();
    }
    if (m.id.empty()) m.id = NewIdAt(m.received_at);
    CD_RETURN_IF_ERROR(InsertMessage(db, m));
    auto put = [&](const char* kind, const std::string& key, Millis window) -> Status {
      CD_ASSIGN_OR_RETURN(auto st, AcceptStmt(db, &accept_put_, kAcceptPutSql));
      st->BindStatic(1, m.partner_id)
          .BindStatic(2, kind)
          .BindStatic(3, key)
          .BindStatic(4, m.id)
          .BindStatic(5, m.correlation_id)
          .Bind(6, ToUnixMillis(m.received_at))
          .Bind(7, now + window.count());
      return st->Run();
    };
    if (!m.idempotency_key.empty()) {
      CD_RETURN_IF_ERROR(put("key", m.idempotency_key, policy.idempotency_window));
    }
    if (policy.content_hash_window.count() > 0 && !m.content_hash.empty()) {
      CD_RETURN_IF_ERROR(put("hash", m.content_hash, policy.content_hash_window));
    }
    for (auto& w : steps) {
      w.message_id = m.id;
      if (w.correlation_id.empty()) w.correlation_id = m.correlation_id;
      CD_RETURN_IF_ERROR(InsertWork(tx, w, m.partner_id, m.traceparent, {}));
    }
    out->duplicate = false;
    out->message_id = m.id;
    out->correlation_id = m.correlation_id;
    out->received_at = m.received_at;
    return Status::Ok();
  }

  Status InsertMessage(Db& db, const NewMessage& m) {
    CD_ASSIGN_OR_RETURN(
        auto st,
        db.Prepare("INSERT INTO messages (id, partner_id, direction, kind, content_type, payload, "
                   "size, content_hash, idempotency_key, correlation_id, traceparent, received_at, "
                   "replay_of) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    st->Bind(1, m.id)
        .Bind(2, m.partner_id)
        .Bind(3, m.direction)
        .Bind(4, m.kind)
        .Bind(5, m.content_type)
        .BindBlob(6, m.payload)
        .Bind(7, static_cast<int64_t>(m.payload.size()))
        .Bind(8, m.content_hash)
        .BindOpt(9, m.idempotency_key)
        .Bind(10, m.correlation_id)
        .BindOpt(11, m.traceparent)
        .Bind(12, ToUnixMillis(m.received_at == TimePoint{} ? clock_->Now() : m.received_at))
        .BindNull(13);
    return st->Run();
  }

  Status InsertWork(TxCtx& tx, const WorkSpec& w, const std::string& partner,
                    const std::string& traceparent, const std::string& replay_of) {
    CD_ASSIGN_OR_RETURN(auto st, tx.db.Prepare(work_sql_.insert));
    const int64_t nb = w.not_before == TimePoint{} ? 0 : ToUnixMillis(w.not_before);
    st->Bind(1, NewIdAt(tx.now))
        .Bind(2, w.step)
        .Bind(3, w.ordering_key.empty() ? w.message_id : w.ordering_key)
        .BindOpt(4, w.message_id)
        .BindOpt(5, partner)
        .BindOpt(6, w.correlation_id)
        .BindOpt(7, traceparent)
        .BindBlob(8, w.payload)
        .BindNull(9)
        .BindNull(10)
        .BindNull(11)
        .Bind(12, nb)
        .Bind(13, ToUnixMillis(tx.now))
        .BindOpt(14, replay_of);
    tx.touched_work = true;
    return st->Run();
  }

  Status InsertDelivery(TxCtx& tx, const DeliverySpec& d) {
    CD_ASSIGN_OR_RETURN(auto st, tx.db.Prepare(outbox_sql_.insert));
    const int64_t nb = d.not_before == TimePoint{} ? 0 : ToUnixMillis(d.not_before);
    st->Bind(1, NewIdAt(tx.now))
        .Bind(2, d.destination_id)
        .Bind(3, d.ordering_key.empty() ? d.destination_id + "/" + d.message_id : d.ordering_key)
        .BindOpt(4, d.message_id)
        .BindOpt(5, d.partner_id)
        .BindOpt(6, d.correlation_id)
        .BindOpt(7, d.traceparent)
        .BindBlob(8, d.body)
        .BindOpt(9, d.event_type)
        .Bind(10, d.idempotency_key.empty() ? NewIdAt(tx.now) : d.idempotency_key)
        .Bind(11, d.content_type)
        .Bind(12, nb)
        .Bind(13, ToUnixMillis(tx.now))
        .BindNull(14);
    tx.touched_delivery = true;
    return st->Run();
  }

  Status InsertEvent(Db& db, const EventRecord& e, TimePoint now) {
    CD_ASSIGN_OR_RETURN(auto st, db.Prepare("INSERT INTO events (id, at, type, message_id, "
                                            "correlation_id, subject, item_id, attempt, detail) "
                                            "VALUES (?,?,?,?,?,?,?,?,?)"));
    const TimePoint at = e.at == TimePoint{} ? now : e.at;
    st->Bind(1, NewIdAt(at))
        .Bind(2, ToUnixMillis(at))
        .Bind(3, e.type)
        .BindOpt(4, e.message_id)
        .BindOpt(5, e.correlation_id)
        .BindOpt(6, e.subject)
        .BindOpt(7, e.item_id)
        .Bind(8, e.attempt)
        .BindOpt(9, e.detail_json);
    return st->Run();
  }

  Status InsertKey(TxCtx& tx, const BusinessKey& k, const std::string& correlation_id) {
    if (k.key.empty()) return Status::Ok();
    CD_ASSIGN_OR_RETURN(
        auto st,
        tx.db.Prepare(
            "INSERT INTO business_keys (kind, key, ref_type, ref_id, message_id, correlation_id, "
            "partner_id, at) VALUES (?,?,?,?,?,?,?,?)"));
    st->Bind(1, k.kind)
        .Bind(2, k.key)
        .BindOpt(3, k.ref_type)
        .BindOpt(4, k.ref_id)
        .BindOpt(5, k.message_id)
        .BindOpt(6, correlation_id)
        .BindOpt(7, k.partner_id)
        .Bind(8, ToUnixMillis(tx.now));
    return st->Run();
  }

  Status WriteAggregate(TxCtx& tx, const AggregateWrite& a, const std::string& message_id,
                        const std::string& correlation_id) {
    const int64_t now = ToUnixMillis(tx.now);
    int64_t changed = 0;
    if (a.expected_version == 0) {
      CD_ASSIGN_OR_RETURN(auto st,
                          tx.db.Prepare("INSERT INTO aggregates (type, id, seq, version, status, "
                                        "partner_id, state, created_at, "
                                        "updated_at) VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) "
                                        "+ 1 FROM aggregates), ?3, ?4, "
                                        "?5, ?6, ?7, ?7) ON CONFLICT (type, id) DO NOTHING"));
      st->Bind(1, a.type)
          .Bind(2, a.id)
          .Bind(3, a.new_version)
          .Bind(4, a.status)
          .BindOpt(5, a.partner_id)
          .Bind(6, a.state_json)
          .Bind(7, now);
      CD_RETURN_IF_ERROR(st->Run());
      changed = tx.db.Changes();
      if (changed == 1) {
        CD_RETURN_IF_ERROR(
            InsertKey(tx, {a.type, a.id, a.type, a.id, message_id, a.partner_id}, correlation_id));
      }
    } else {
      CD_ASSIGN_OR_RETURN(
          auto st,
          tx.db.Prepare(
              "UPDATE aggregates SET version = ?3, status = ?4, state = ?5, updated_at = ?6, "
              "partner_id = COALESCE(?7, partner_id) WHERE type = ?1 AND id = ?2 AND version = "
              "?8"));
      st->Bind(1, a.type)
          .Bind(2, a.id)
          .Bind(3, a.new_version)
          .Bind(4, a.status)
          .Bind(5, a.state_json)
          .Bind(6, now)
          .BindOpt(7, a.partner_id)
          .Bind(8, a.expected_version);
      CD_RETURN_IF_ERROR(st->Run());
      changed = tx.db.Changes();
    }
    if (changed != 1) {
      return Error(Code::kConflict, a.type + " " + a.id +
                                        " changed since it was read (expected version " +
                                        std::to_string(a.expected_version) + ")");
    }
    for (const auto& e : a.events) {
      CD_ASSIGN_OR_RETURN(
          auto st,
          tx.db.Prepare(
              "INSERT INTO aggregate_events (type, id, version, event, detail, message_id, "
              "correlation_id, at) VALUES (?,?,?,?,?,?,?,?)"));
      st->Bind(1, a.type)
          .Bind(2, a.id)
          .Bind(3, a.new_version)
          .Bind(4, e.type)
          .BindOpt(5, e.detail_json)
          .BindOpt(6, message_id)
          .BindOpt(7, correlation_id)
          .Bind(8, now);
      CD_RETURN_IF_ERROR(st->Run());
    }
    return Status::Ok();
  }

  Status WriteInventory(TxCtx& tx, const InventoryChange& c) {
    const int64_t at = ToUnixMillis(c.as_of);
    using Op = InventoryChange::Op;
    auto ensure = [&]() -> Status {
      CD_ASSIGN_OR_RETURN(
          auto st, tx.db.Prepare("INSERT INTO positions (sku, warehouse, uom) VALUES (?1, ?2, ?3) "
                                 "ON CONFLICT (sku, warehouse) DO NOTHING"));
      st->Bind(1, c.sku).Bind(2, c.warehouse).Bind(3, c.uom.empty() ? std::string("EA") : c.uom);
      return st->Run();
    };
    auto read = [&](const char* col) -> Result<Decimal> {
      CD_ASSIGN_OR_RETURN(auto st,
                          tx.db.Prepare(std::string("SELECT ") + col +
                                        " FROM positions WHERE sku = ?1 AND warehouse = ?2"));
      st->Bind(1, c.sku).Bind(2, c.warehouse);
      CD_ASSIGN_OR_RETURN(bool row, st->Step());
      if (!row) return Decimal();
      return Decimal::Parse(st->Text(0)).value_or(Decimal());
    };
    switch (c.op) {
      case Op::kSetOnHand:
      case Op::kAdjustOnHand: {
        CD_RETURN_IF_ERROR(ensure());
        Decimal v = c.quantity;
        if (c.op == Op::kAdjustOnHand) {
          CD_ASSIGN_OR_RETURN(Decimal cur, read("on_hand"));
          v = cur.Add(c.quantity).value_or(cur);
        }
        CD_ASSIGN_OR_RETURN(
            auto st,
            tx.db.Prepare(
                "UPDATE positions SET on_hand = ?3, on_hand_as_of = MAX(on_hand_as_of, ?4), "
                "on_hand_source = ?5, uom = COALESCE(NULLIF(?6, ''), uom) WHERE sku = ?1 AND "
                "warehouse = ?2"));
        st->Bind(1, c.sku)
            .Bind(2, c.warehouse)
            .Bind(3, v.ToString())
            .Bind(4, at)
            .Bind(5, c.source)
            .Bind(6, c.uom);
        CD_RETURN_IF_ERROR(st->Run());
        break;
      }
      case Op::kAdjustBackordered: {
        CD_RETURN_IF_ERROR(ensure());
        CD_ASSIGN_OR_RETURN(Decimal cur, read("backordered"));
        Decimal v = cur.Add(c.quantity).value_or(cur);
        if (v.is_negative()) v = Decimal();
        CD_ASSIGN_OR_RETURN(
            auto st,
            tx.db.Prepare(
                "UPDATE positions SET backordered = ?3 WHERE sku = ?1 AND warehouse = ?2"));
        st->Bind(1, c.sku).Bind(2, c.warehouse).Bind(3, v.ToString());
        CD_RETURN_IF_ERROR(st->Run());
        break;
      }
      case Op::kSetReserved:
      case Op::kAdjustReserved: {
        CD_RETURN_IF_ERROR(ensure());
        Decimal v = c.quantity;
        if (c.op == Op::kAdjustReserved) {
          CD_ASSIGN_OR_RETURN(Decimal cur, read("reserved"));
          v = cur.Add(c.quantity).value_or(cur);
          if (c.guard_available && c.quantity.sign() > 0) {
            CD_ASSIGN_OR_RETURN(Decimal on_hand, read("on_hand"));
            if (v > on_hand) {
              return Error(Code::kConflict, "not enough " + c.sku + " at " + c.warehouse +
                                                ": on hand " + on_hand.ToString() + ", reserved " +
                                                cur.ToString() + ", asked for " +
                                                c.quantity.ToString() + " more");
            }
          }
        }
        CD_ASSIGN_OR_RETURN(auto st,
                            tx.db.Prepare("UPDATE positions SET reserved = ?3, reserved_as_of = ?4 "
                                          "WHERE sku = ?1 AND warehouse = ?2"));
        st->Bind(1, c.sku).Bind(2, c.warehouse).Bind(3, v.ToString()).Bind(4, at);
        CD_RETURN_IF_ERROR(st->Run());
        break;
      }
      case Op::kSetSupply: {
        CD_RETURN_IF_ERROR(ensure());
        {
          CD_ASSIGN_OR_RETURN(auto st, tx.db.Prepare("DELETE FROM supply WHERE kind = ?1 AND ref = "
                                                     "?2 AND sku = ?3 AND warehouse = ?4"));
          st->Bind(1, c.kind).Bind(2, c.ref).Bind(3, c.sku).Bind(4, c.warehouse);
          CD_RETURN_IF_ERROR(st->Run());
        }
        int part = 0;
        for (const auto& p : c.parts) {
          CD_ASSIGN_OR_RETURN(auto st, tx.db.Prepare("INSERT INTO supply (kind, ref, sku, "
                                                     "warehouse, part, quantity, uom, date, as_of) "
                                                     "VALUES (?,?,?,?,?,?,?,?,?)"));
          st->Bind(1, c.kind)
              .Bind(2, c.ref)
              .Bind(3, c.sku)
              .Bind(4, c.warehouse)
              .Bind(5, part++)
              .Bind(6, p.quantity.ToString())
              .Bind(7, c.uom.empty() ? std::string("EA") : c.uom)
              .BindOpt(8, p.date)
              .Bind(9, at);
          CD_RETURN_IF_ERROR(st->Run());
        }
        break;
      }
    }
    if (tx.inventory) tx.inventory->push_back(c);
    return Status::Ok();
  }

  Status InsertClaim(TxCtx& tx, const DedupeClaim& c) {
    const int64_t now = ToUnixMillis(tx.now);
    {
      CD_ASSIGN_OR_RETURN(auto st, tx.db.Prepare("SELECT message_id, expires_at FROM dedupe WHERE "
                                                 "partner_id = ?1 AND kind = ?2 AND key = ?3"));
      st->Bind(1, c.partner_id).Bind(2, c.kind).Bind(3, c.key);
      CD_ASSIGN_OR_RETURN(bool row, st->Step());
      if (row && st->Int(1) > now && st->Text(0) != c.message_id) {
        return Error(Code::kAlreadyExists, c.kind + " " + c.key + " of partner " + c.partner_id +
                                               " was already received in message " + st->Text(0));
      }
    }
    CD_ASSIGN_OR_RETURN(
        auto st,
        tx.db.Prepare("INSERT INTO dedupe (partner_id, kind, key, message_id, "
                      "correlation_id, received_at, expires_at) VALUES (?1,?2,?3,?4,'',?5,?6) "
                      "ON CONFLICT (partner_id, kind, key) DO UPDATE SET message_id = "
                      "excluded.message_id, received_at = excluded.received_at, "
                      "expires_at = excluded.expires_at"));
    st->Bind(1, c.partner_id)
        .Bind(2, c.kind)
        .Bind(3, c.key)
        .Bind(4, c.message_id)
        .Bind(5, now)
        .Bind(6, now + c.window.count());
    return st->Run();
  }

  Status InsertException(Db& db, ExceptionRecord& e, TimePoint now) {
    if (e.id.empty()) e.id = NewIdAt(now);
    CD_ASSIGN_OR_RETURN(
        auto st,
        db.Prepare("INSERT INTO exceptions (id, type, severity, partner_id, document_type, "
                   "document_id, message_id, correlation_id, line, field, value, rule, "
                   "message, status, assigned_to, history, created_at, updated_at) VALUES "
                   "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    st->Bind(1, e.id)
        .Bind(2, e.type)
        .Bind(3, e.severity)
        .BindOpt(4, e.partner_id)
        .BindOpt(5, e.document_type)
        .BindOpt(6, e.document_id)
        .BindOpt(7, e.message_id)
        .BindOpt(8, e.correlation_id)
        .BindOpt(9, e.line)
        .BindOpt(10, e.field)
        .BindOpt(11, e.value)
        .Bind(12, e.rule)
        .Bind(13, e.message)
        .Bind(14, e.status)
        .BindOpt(15, e.assigned_to)
        .Bind(16, e.history_json)
        .Bind(17, ToUnixMillis(now))
        .Bind(18, ToUnixMillis(now));
    return st->Run();
  }

  Status InsertLineage(Db& db, const LineageEdge& l, TimePoint now) {
    CD_ASSIGN_OR_RETURN(auto st, db.Prepare("INSERT OR IGNORE INTO lineage (parent_id, child_id, "
                                            "relation, at) VALUES (?,?,?,?)"));
    st->Bind(1, l.parent_id).Bind(2, l.child_id).Bind(3, l.relation).Bind(4, ToUnixMillis(now));
    return st->Run();
  }

  // ---------------------------------------------------------------- queues

  const QueueSql& Sql(Queue q) const { return q == Queue::kWork ? work_sql_ : outbox_sql_; }

  Result<std::vector<QueueItem>> Claim(const ClaimRequest& req) override {
    auto items = std::make_shared<std::vector<QueueItem>>();
    Status st =
        SubmitSync([this, &req, items](TxCtx& tx) { return DoClaim(tx, req, items.get()); });
    if (!st.ok()) return st.error();
    return std::move(*items);
  }

  Status DoClaim(TxCtx& tx, const ClaimRequest& req, std::vector<QueueItem>* out) {
    const QueueSql& q = Sql(req.queue);
    const int64_t now = ToUnixMillis(req.now == TimePoint{} ? tx.now : req.now);
    std::map<std::string, int> caps;
    for (const auto& [name, cap] : req.name_limits) caps[name] = cap;
    std::vector<int64_t> chosen;
    {
      CD_ASSIGN_OR_RETURN(auto scan, tx.db.Prepare(q.scan));
      scan->Bind(1, now);
      CD_ASSIGN_OR_RETURN(auto run, tx.db.Prepare(q.run));
      while (static_cast<int>(chosen.size()) < req.limit) {
        CD_ASSIGN_OR_RETURN(bool row, scan->Step());
        if (!row) break;
        const int64_t seq = scan->Int(0);
        const std::string name = scan->Text(2);
        int* cap = nullptr;
        if (!caps.empty()) {
          auto it = caps.find(name);
          if (it == caps.end() || it->second <= 0) continue;
          cap = &it->second;
        }
        chosen.push_back(seq);
        if (cap) --*cap;
        // A run: the due, unleased items right behind the head, for steps that allow it.
        const bool runs =
            req.max_per_key > 1 &&
            (req.run_names.empty() ||
             std::find(req.run_names.begin(), req.run_names.end(), name) != req.run_names.end());
        if (!runs) continue;
        run->Reset();
        run->Bind(1, scan->Text(1)).Bind(2, seq).Bind(3, static_cast<int64_t>(req.max_per_key - 1));
        while (static_cast<int>(chosen.size()) < req.limit) {
          CD_ASSIGN_OR_RETURN(bool rrow, run->Step());
          if (!rrow) break;
          if (run->Int(2) > now || run->Int(3) > now || run->Text(1) != name) break;
          if (cap) {
            if (*cap <= 0) break;
            --*cap;
          }
          chosen.push_back(run->Int(0));
        }
      }
    }
    const int64_t expires = now + req.lease.count();
    for (int64_t seq : chosen) {
      CD_ASSIGN_OR_RETURN(auto up, tx.db.Prepare(q.lease));
      up->Bind(1, req.owner).Bind(2, expires).Bind(3, seq);
      CD_ASSIGN_OR_RETURN(bool row, up->Step());
      if (row) out->push_back(ReadItem(*up, req.queue));
      CD_RETURN_IF_ERROR(up->Run());
    }
    return Status::Ok();
  }

  std::vector<Status> Finish(std::vector<ItemResult> results) override {
    std::promise<std::vector<Status>> p;
    auto f = p.get_future();
    FinishAsync(std::move(results), [&p](std::vector<Status> s) { p.set_value(std::move(s)); });
    return f.get();
  }

  void FinishAsync(std::vector<ItemResult> results, FinishCallback done) override {
    auto rs = std::make_shared<std::vector<ItemResult>>(std::move(results));
    auto statuses = std::make_shared<std::vector<Status>>(rs->size());
    Submit(WriteOp{
        [this, rs, statuses](TxCtx& tx) {
          // Usually every item commits: then all of them run inside one savepoint.
          // (A savepoint per item copies every page each item touches into the
          // statement journal again, item after item.) If one fails, the whole
          // attempt is rolled back and the items run one savepoint each, below.
          if (rs->size() > 1) {
            const size_t mark = tx.inventory ? tx.inventory->size() : 0;
            Status all = WithSavepoint(tx.db, "items", [&]() -> Status {
              for (auto& r : *rs) CD_RETURN_IF_ERROR(DoFinish(tx, r));
              return Status::Ok();
            });
            if (all.ok()) return Status::Ok();  // *statuses start out Ok
            if (tx.inventory) tx.inventory->resize(mark);
          }
          // An item that cannot commit must not be overtaken by a later item of
          // its key: those are given back instead.
          std::set<std::string> failed_keys;
          for (size_t i = 0; i < rs->size(); ++i) {
            ItemResult& r = (*rs)[i];
            if (failed_keys.count(r.item.ordering_key) && r.kind != ItemResult::Kind::kRelease) {
              r.kind = ItemResult::Kind::kRelease;
              WithSavepoint(tx.db, "item", [&] { return DoFinish(tx, r); }).IgnoreError();
              (*statuses)[i] =
                  Error(Code::kConflict, "given back: an earlier item of ordering key " +
                                             r.item.ordering_key + " did not commit");
              continue;
            }
            const size_t mark = tx.inventory ? tx.inventory->size() : 0;
            (*statuses)[i] = WithSavepoint(tx.db, "item", [&] { return DoFinish(tx, r); });
            if (!(*statuses)[i].ok()) {
              if (tx.inventory) tx.inventory->resize(mark);
              failed_keys.insert(r.item.ordering_key);
            }
          }
          return Status::Ok();
        },
        [statuses, done = std::move(done)](Status st) {
          if (!st.ok()) {
            for (auto& s : *statuses) s = st;
          }
          done(std::move(*statuses));
        }});
  }

  template <typename F>
  Status WithSavepoint(Db& db, const char* name, F&& fn) {
    const std::string n(name);
    auto run = [&db](const std::string& sql) -> Status {
      CD_ASSIGN_OR_RETURN(auto st, db.Prepare(sql));
      return st->Run();
    };
    CD_RETURN_IF_ERROR(run("SAVEPOINT " + n));
    Status st = fn();
    if (!st.ok()) {
      run("ROLLBACK TO " + n).IgnoreError();
    }
    run("RELEASE " + n).IgnoreError();
    return st;
  }

  // After the head of a key is finished, the next item of the key becomes its head.
  Status Promote(Db& db, const QueueSql& q, const std::string& key) {
    CD_ASSIGN_OR_RETURN(auto up, db.Prepare(q.promote));
    up->Bind(1, key);
    return up->Run();
  }

  static Error LeaseLost(const QueueItem& it) {
    return Error(Code::kConflict, "lease on " + std::string(QueueName(it.queue)) + " item " +
                                      it.id + " was lost (another worker owns it now)");
  }

  // What the measures need to attribute a step or delivery outcome: its partner and, for
  // deliveries, the event type (erp-invoice-..., x12.997, ...).
  static std::string ItemTags(const QueueItem& it) {
    std::string t;
    if (!it.partner_id.empty()) t += ",\"partner\":" + JsonString(it.partner_id);
    if (it.queue == Queue::kDelivery && !it.event_type.empty()) {
      t += ",\"event_type\":" + JsonString(it.event_type);
    }
    return t;
  }

  Status DoFinish(TxCtx& tx, ItemResult& r) {
    const QueueSql& q = Sql(r.item.queue);
    const std::string prefix = r.item.queue == Queue::kWork ? "step" : "delivery";
    Db& db = tx.db;
    switch (r.kind) {
      case ItemResult::Kind::kComplete: {
        {
          CD_ASSIGN_OR_RETURN(auto del, db.Prepare(q.del_fenced));
          del->Bind(1, r.item.seq).Bind(2, r.item.lease_owner);
          CD_RETURN_IF_ERROR(del->Run());
          if (db.Changes() != 1) return LeaseLost(r.item);
          CD_RETURN_IF_ERROR(Promote(db, q, r.item.ordering_key));
        }
        Completion& c = r.completion;
        for (auto& a : c.aggregates) {
          CD_RETURN_IF_ERROR(WriteAggregate(tx, a, r.item.message_id, r.item.correlation_id));
        }
        for (auto& ch : c.inventory) {
          if (ch.as_of == TimePoint{}) ch.as_of = tx.now;
          CD_RETURN_IF_ERROR(WriteInventory(tx, ch));
        }
        for (const auto& cd : c.counters) {
          CD_ASSIGN_OR_RETURN(
              auto st, db.Prepare("SELECT value FROM counters WHERE name = ?1 AND key = ?2"));
          st->Bind(1, cd.name).Bind(2, cd.key);
          CD_ASSIGN_OR_RETURN(bool row, st->Step());
          Decimal cur = row ? Decimal::Parse(st->Text(0)).value_or(Decimal()) : Decimal();
          Decimal v = cur.Add(cd.delta).value_or(cur);
          CD_ASSIGN_OR_RETURN(
              auto up,
              db.Prepare(
                  "INSERT INTO counters (name, key, value, updated_at) VALUES (?1, ?2, ?3, ?4) "
                  "ON CONFLICT (name, key) DO UPDATE SET value = excluded.value, updated_at = "
                  "excluded.updated_at"));
          up->Bind(1, cd.name).Bind(2, cd.key).Bind(3, v.ToString()).Bind(4, ToUnixMillis(tx.now));
          CD_RETURN_IF_ERROR(up->Run());
        }
        for (const auto& cl : c.claims) CD_RETURN_IF_ERROR(InsertClaim(tx, cl));
        for (auto& k : c.keys) {
          if (k.message_id.empty()) k.message_id = r.item.message_id;
          if (k.partner_id.empty()) k.partner_id = r.item.partner_id;
          CD_RETURN_IF_ERROR(InsertKey(tx, k, r.item.correlation_id));
        }
        for (auto& ex : c.exceptions) {
          if (ex.message_id.empty()) ex.message_id = r.item.message_id;
          if (ex.correlation_id.empty()) ex.correlation_id = r.item.correlation_id;
          if (ex.partner_id.empty()) ex.partner_id = r.item.partner_id;
          CD_RETURN_IF_ERROR(InsertException(db, ex, tx.now));
        }
        for (auto& m : c.messages) {
          if (m.id.empty()) m.id = NewIdAt(tx.now);
          if (m.received_at == TimePoint{}) m.received_at = tx.now;
          if (m.content_hash.empty()) m.content_hash = "";
          CD_RETURN_IF_ERROR(InsertMessage(db, m));
        }
        for (const auto& l : c.lineage) CD_RETURN_IF_ERROR(InsertLineage(db, l, tx.now));
        // Documents made in the same step as an aggregate's change belong to it (the 850 a PO
        // sends, the 855 an order answers with): indexed so its trace finds them.
        for (const auto& a : c.aggregates) {
          for (const auto& m : c.messages) {
            CD_RETURN_IF_ERROR(InsertKey(tx, {"message_of", a.id, a.type, a.id, m.id, m.partner_id},
                                         m.correlation_id));
          }
        }
        for (auto& w : c.next) {
          if (w.correlation_id.empty()) w.correlation_id = r.item.correlation_id;
          CD_RETURN_IF_ERROR(InsertWork(tx, w, r.item.partner_id, r.item.traceparent, {}));
        }
        for (auto& d : c.deliveries) {
          if (d.correlation_id.empty()) d.correlation_id = r.item.correlation_id;
          if (d.traceparent.empty()) d.traceparent = r.item.traceparent;
          if (d.partner_id.empty()) d.partner_id = r.item.partner_id;
          CD_RETURN_IF_ERROR(InsertDelivery(tx, d));
        }
        for (auto& e : c.events) {
          if (e.message_id.empty()) e.message_id = r.item.message_id;
          if (e.correlation_id.empty()) e.correlation_id = r.item.correlation_id;
          CD_RETURN_IF_ERROR(InsertEvent(db, e, tx.now));
        }
        EventRecord ok;
        ok.type = prefix + ".succeeded";
        ok.message_id = r.item.message_id;
        ok.correlation_id = r.item.correlation_id;
        ok.subject = r.item.name;
        ok.item_id = r.item.id;
        ok.attempt = r.item.attempts;
        ok.detail_json =
            "{\"duration_ms\":" + std::to_string(c.duration_ms) + ItemTags(r.item) + "}";
        return InsertEvent(db, ok, tx.now);
      }
      case ItemResult::Kind::kRetry: {
        if (r.error.at == TimePoint{}) r.error.at = tx.now;
        const std::string ej = ErrorJson(r.error, r.item.attempts);
        CD_ASSIGN_OR_RETURN(auto up, db.Prepare(q.retry));
        up->Bind(1, r.item.seq)
            .Bind(2, r.item.lease_owner)
            .Bind(3, ToUnixMillis(r.retry_at))
            .Bind(4, ej);
        CD_RETURN_IF_ERROR(up->Run());
        if (db.Changes() != 1) return LeaseLost(r.item);
        EventRecord ev;
        ev.type = prefix + ".retry_scheduled";
        ev.message_id = r.item.message_id;
        ev.correlation_id = r.item.correlation_id;
        ev.subject = r.item.name;
        ev.item_id = r.item.id;
        ev.attempt = r.item.attempts;
        ev.detail_json = ej.substr(0, ej.size() - 1) +
                         ",\"retry_at\":" + JsonString(FormatIso8601(r.retry_at)) +
                         ItemTags(r.item) + "}";
        return InsertEvent(db, ev, tx.now);
      }
      case ItemResult::Kind::kDeadLetter: {
        if (r.error.at == TimePoint{}) r.error.at = tx.now;
        CD_ASSIGN_OR_RETURN(auto sel, db.Prepare(q.select_fenced));
        sel->Bind(1, r.item.seq).Bind(2, r.item.lease_owner);
        CD_ASSIGN_OR_RETURN(bool row, sel->Step());
        if (!row) return LeaseLost(r.item);
        QueueItem cur = ReadItem(*sel, r.item.queue);
        const std::string ej = ErrorJson(r.error, r.item.attempts);
        const std::string dl_id = NewIdAt(tx.now);
        {
          CD_ASSIGN_OR_RETURN(
              auto ins,
              db.Prepare(
                  "INSERT INTO dead_letters (id, queue, item_id, name, ordering_key, "
                  "message_id, partner_id, correlation_id, traceparent, payload, event_type, "
                  "idempotency_key, content_type, reason, errors, attempts, created_at, "
                  "dead_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,json_insert(?, '$[#]', "
                  "json(?)),?,?,?)"));
          ins->Bind(1, dl_id)
              .Bind(2, QueueName(cur.queue))
              .Bind(3, cur.id)
              .Bind(4, cur.name)
              .Bind(5, cur.ordering_key)
              .BindOpt(6, cur.message_id)
              .BindOpt(7, cur.partner_id)
              .BindOpt(8, cur.correlation_id)
              .BindOpt(9, cur.traceparent)
              .BindBlob(10, cur.payload)
              .BindOpt(11, cur.event_type)
              .BindOpt(12, cur.idempotency_key)
              .BindOpt(13, cur.content_type)
              .Bind(14, r.reason)
              .Bind(15, cur.errors_json)
              .Bind(16, ej)
              .Bind(17, cur.attempts)
              .Bind(18, ToUnixMillis(cur.created_at))
              .Bind(19, ToUnixMillis(tx.now));
          CD_RETURN_IF_ERROR(ins->Run());
        }
        {
          CD_ASSIGN_OR_RETURN(auto del, db.Prepare(q.del_fenced));
          del->Bind(1, r.item.seq).Bind(2, r.item.lease_owner);
          CD_RETURN_IF_ERROR(del->Run());
          CD_RETURN_IF_ERROR(Promote(db, q, cur.ordering_key));
        }
        CD_RETURN_IF_ERROR(InsertLineage(db, {cur.id, dl_id, "dead_letter"}, tx.now));
        EventRecord ev;
        ev.type = prefix + ".dead_lettered";
        ev.message_id = r.item.message_id;
        ev.correlation_id = r.item.correlation_id;
        ev.subject = r.item.name;
        ev.item_id = r.item.id;
        ev.attempt = r.item.attempts;
        ev.detail_json = "{\"dead_letter_id\":" + JsonString(dl_id) +
                         ",\"reason\":" + JsonString(r.reason) + ",\"error\":" + ej +
                         ItemTags(r.item) + "}";
        // A new dead letter can unblock later items of its key.
        if (r.item.queue == Queue::kWork)
          tx.touched_work = true;
        else
          tx.touched_delivery = true;
        return InsertEvent(db, ev, tx.now);
      }
      case ItemResult::Kind::kRelease: {
        CD_ASSIGN_OR_RETURN(auto up, db.Prepare(q.release));
        up->Bind(1, r.item.seq).Bind(2, r.item.lease_owner);
        CD_RETURN_IF_ERROR(up->Run());
        if (r.item.queue == Queue::kWork)
          tx.touched_work = true;
        else
          tx.touched_delivery = true;
        return Status::Ok();
      }
    }
    return Status::Ok();
  }

  void SetQueueListener(std::function<void(Queue)> listener) override {
    std::lock_guard<std::mutex> lock(listener_mu_);
    listener_ = std::move(listener);
  }

  // Leases held by a previous process are void: this process owns the database exclusively.
  // The interrupted attempt stays counted (so a message that crashes the hub ends as a dead
  // letter instead of looping) and is recorded in the item's error history.
  Status RecoverLeases() {
    const int64_t now = ToUnixMillis(clock_->Now());
    AttemptError e;
    e.at = clock_->Now();
    e.code = "interrupted";
    e.message = "the hub stopped during this attempt; the item was recovered at restart";
    for (const QueueSql* q : {&work_sql_, &outbox_sql_}) {
      const std::string sql =
          "UPDATE " + q->table +
          " SET errors = json_insert(errors, '$[#]', json_set(json(?1), '$.attempt', attempts)), "
          "lease_owner = NULL, lease_expires = 0 WHERE lease_owner IS NOT NULL AND lease_expires > "
          "?2";
      CD_ASSIGN_OR_RETURN(auto st, writer_db_.Prepare(sql));
      st->Bind(1, ErrorJson(e, 0)).Bind(2, now - 1);
      CD_RETURN_IF_ERROR(st->Run());
    }
    return Status::Ok();
  }

  // ---------------------------------------------------------------- replay

  Result<ReplayOutcome> ReplayDeadLetter(const std::string& id,
                                         const std::string& requested_by) override {
    auto out = std::make_shared<ReplayOutcome>();
    Status st = SubmitSync([this, id, requested_by, out](TxCtx& tx) -> Status {
      Db& db = tx.db;
      CD_ASSIGN_OR_RETURN(
          auto sel,
          db.Prepare("SELECT queue, item_id, name, ordering_key, message_id, partner_id, "
                     "correlation_id, traceparent, payload, event_type, idempotency_key, "
                     "content_type, replayed_at, replay_item_id FROM dead_letters WHERE id = ?"));
      sel->Bind(1, id);
      CD_ASSIGN_OR_RETURN(bool row, sel->Step());
      if (!row) return Error(Code::kNotFound, "no dead letter with id " + id);
      if (!sel->IsNull(12)) {
        return Error(Code::kFailedPrecondition,
                     "dead letter " + id + " was already replayed as " + sel->Text(13));
      }
      const std::string queue = sel->Text(0);
      const std::string new_id = NewIdAt(tx.now);
      const QueueSql& q = queue == "work" ? work_sql_ : outbox_sql_;
      {
        CD_ASSIGN_OR_RETURN(auto ins, db.Prepare(q.insert));
        ins->Bind(1, new_id)
            .Bind(2, sel->Text(2))
            .Bind(3, sel->Text(3))
            .BindOpt(4, sel->Text(4))
            .BindOpt(5, sel->Text(5))
            .BindOpt(6, sel->Text(6))
            .BindOpt(7, sel->Text(7))
            .BindBlobCopy(8, sel->Blob(8))
            .BindOpt(9, sel->Text(9))
            .BindOpt(10, sel->Text(10))
            .BindOpt(11, sel->Text(11))
            .Bind(12, int64_t{0})
            .Bind(13, ToUnixMillis(tx.now))
            .Bind(14, id);
        CD_RETURN_IF_ERROR(ins->Run());
      }
      if (queue == "work")
        tx.touched_work = true;
      else
        tx.touched_delivery = true;
      const std::string message_id = sel->Text(4);
      const std::string correlation_id = sel->Text(6);
      const std::string name = sel->Text(2);
      {
        CD_ASSIGN_OR_RETURN(auto up,
                            db.Prepare("UPDATE dead_letters SET replayed_at = ?, "
                                       "replay_item_id = ?, replayed_by = ? WHERE id = ?"));
        up->Bind(1, ToUnixMillis(tx.now)).Bind(2, new_id).Bind(3, requested_by).Bind(4, id);
        CD_RETURN_IF_ERROR(up->Run());
      }
      CD_RETURN_IF_ERROR(InsertLineage(db, {id, new_id, "replay"}, tx.now));
      EventRecord ev;
      ev.type = "dead_letter.replayed";
      ev.message_id = message_id;
      ev.correlation_id = correlation_id;
      ev.subject = name;
      ev.item_id = new_id;
      ev.detail_json = "{\"dead_letter_id\":" + JsonString(id) +
                       ",\"new_item_id\":" + JsonString(new_id) +
                       ",\"requested_by\":" + JsonString(requested_by) + "}";
      CD_RETURN_IF_ERROR(InsertEvent(db, ev, tx.now));
      out->new_item_id = new_id;
      out->new_message_id = message_id;
      return Status::Ok();
    });
    if (!st.ok()) return st.error();
    return *out;
  }

  Result<ReplayOutcome> ReplayMessage(const std::string& message_id,
                                      std::vector<WorkSpec> first_steps,
                                      const std::string& requested_by) override {
    auto out = std::make_shared<ReplayOutcome>();
    auto steps = std::make_shared<std::vector<WorkSpec>>(std::move(first_steps));
    Status st = SubmitSync([this, message_id, requested_by, out, steps](TxCtx& tx) -> Status {
      Db& db = tx.db;
      CD_ASSIGN_OR_RETURN(auto sel, db.Prepare("SELECT partner_id, direction, kind, content_type, "
                                               "payload, content_hash, correlation_id, traceparent "
                                               "FROM messages WHERE id = ?"));
      sel->Bind(1, message_id);
      CD_ASSIGN_OR_RETURN(bool row, sel->Step());
      if (!row) return Error(Code::kNotFound, "no message with id " + message_id);
      NewMessage m;
      m.id = NewIdAt(tx.now);
      m.partner_id = sel->Text(0);
      m.direction = sel->Text(1);
      m.kind = sel->Text(2);
      m.content_type = sel->Text(3);
      m.payload = sel->Blob(4);
      m.content_hash = sel->Text(5);
      m.correlation_id = sel->Text(6);
      m.traceparent = sel->Text(7);
      m.received_at = tx.now;
      CD_RETURN_IF_ERROR(InsertMessage(db, m));
      {
        CD_ASSIGN_OR_RETURN(auto up, db.Prepare("UPDATE messages SET replay_of = ? WHERE id = ?"));
        up->Bind(1, message_id).Bind(2, m.id);
        CD_RETURN_IF_ERROR(up->Run());
      }
      for (auto& w : *steps) {
        w.message_id = m.id;
        if (w.correlation_id.empty()) w.correlation_id = m.correlation_id;
        CD_RETURN_IF_ERROR(InsertWork(tx, w, m.partner_id, m.traceparent, message_id));
      }
      CD_RETURN_IF_ERROR(InsertLineage(db, {message_id, m.id, "replay"}, tx.now));
      for (const std::string& mid : {message_id, m.id}) {
        EventRecord ev;
        ev.type = "message.replayed";
        ev.message_id = mid;
        ev.correlation_id = m.correlation_id;
        ev.detail_json = "{\"original_id\":" + JsonString(message_id) +
                         ",\"replay_id\":" + JsonString(m.id) +
                         ",\"requested_by\":" + JsonString(requested_by) + "}";
        CD_RETURN_IF_ERROR(InsertEvent(db, ev, tx.now));
      }
      out->new_message_id = m.id;
      return Status::Ok();
    });
    if (!st.ok()) return st.error();
    return *out;
  }

  // Sequences (X12 control numbers, PO numbers) are drawn several times per document; a writer
  // round trip for each (with an fsync at synchronous=FULL) would serialise decoding behind the
  // writer. Numbers are reserved kSequenceBlock at a time instead: the block's end is committed
  // before any number of the block is handed out, so no number is ever issued twice, even after
  // a crash (which skips what was left of the block). Close() gives the unused rest back, so
  // after a clean stop the next number is the one after the last issued, as without blocks.
  static constexpr int64_t kSequenceBlock = 1000;

  Result<int64_t> NextSequence(const std::string& partner_id, const std::string& kind) override {
    std::lock_guard<std::mutex> lock(seq_mu_);
    if (seq_closed_) return Error(Code::kCancelled, "store is closed");
    SequenceBlock& b = seq_blocks_[{partner_id, kind}];
    if (b.next > b.end) {
      auto end = std::make_shared<int64_t>(0);
      Status st = SubmitSync([partner_id, kind, end](TxCtx& tx) -> Status {
        CD_ASSIGN_OR_RETURN(
            auto s,
            tx.db.Prepare("INSERT INTO sequences (partner_id, kind, value) VALUES (?1, ?2, "
                          "?3) ON CONFLICT (partner_id, kind) DO UPDATE SET value = value + "
                          "?3 RETURNING value"));
        s->Bind(1, partner_id).Bind(2, kind).Bind(3, kSequenceBlock);
        CD_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) return Error(Code::kInternal, "sequence upsert returned no row");
        *end = s->Int(0);
        return s->Run();
      });
      if (!st.ok()) return st.error();
      b.end = *end;
      b.next = *end - kSequenceBlock + 1;
    }
    return b.next++;
  }

  // Stores the last number issued of every sequence whose block is not used up (Close).
  void ReturnUnusedSequences() {
    struct Unused {
      std::string partner_id, kind;
      int64_t last_issued, block_end;
    };
    auto unused = std::make_shared<std::vector<Unused>>();
    {
      std::lock_guard<std::mutex> lock(seq_mu_);
      if (seq_closed_) return;
      seq_closed_ = true;
      for (const auto& [key, b] : seq_blocks_) {
        if (b.next <= b.end) unused->push_back({key.first, key.second, b.next - 1, b.end});
      }
    }
    if (unused->empty()) return;
    SubmitSync([unused](TxCtx& tx) -> Status {
      for (const auto& u : *unused) {
        CD_ASSIGN_OR_RETURN(auto s, tx.db.Prepare("UPDATE sequences SET value = ?3 WHERE "
                                                  "partner_id = ?1 AND kind = ?2 AND value = ?4"));
        s->Bind(1, u.partner_id).Bind(2, u.kind).Bind(3, u.last_issued).Bind(4, u.block_end);
        CD_RETURN_IF_ERROR(s->Run());
      }
      return Status::Ok();
    }).IgnoreError();
  }

  // ---------------------------------------------------------------- reads

  template <typename F>
  auto WithReader(F&& fn) -> decltype(fn(std::declval<Db&>())) {
    Db* db;
    {
      std::unique_lock<std::mutex> lock(readers_mu_);
      readers_cv_.wait(lock, [this] { return !free_readers_.empty(); });
      db = free_readers_.back();
      free_readers_.pop_back();
    }
    // One read transaction: every query sees the same committed snapshot.
    db->Exec("BEGIN").IgnoreError();
    auto r = fn(*db);
    db->Exec("COMMIT").IgnoreError();
    {
      std::lock_guard<std::mutex> lock(readers_mu_);
      free_readers_.push_back(db);
    }
    readers_cv_.notify_one();
    return r;
  }

  static MessageSummary ReadSummary(Stmt& s) {
    MessageSummary m;
    m.id = s.Text(0);
    m.partner_id = s.Text(1);
    m.direction = s.Text(2);
    m.kind = s.Text(3);
    m.content_type = s.Text(4);
    m.size = s.Int(5);
    m.content_hash = s.Text(6);
    m.idempotency_key = s.Text(7);
    m.correlation_id = s.Text(8);
    m.traceparent = s.Text(9);
    m.received_at = FromUnixMillis(s.Int(10));
    m.replay_of = s.Text(11);
    return m;
  }
  static constexpr const char* kSummaryCols =
      "id, partner_id, direction, kind, content_type, size, content_hash, idempotency_key, "
      "correlation_id, traceparent, received_at, replay_of";

  static DeadLetterView ReadDeadLetter(Stmt& s) {
    DeadLetterView d;
    d.id = s.Text(0);
    d.queue = s.Text(1) == "work" ? Queue::kWork : Queue::kDelivery;
    d.item_id = s.Text(2);
    d.name = s.Text(3);
    d.ordering_key = s.Text(4);
    d.message_id = s.Text(5);
    d.partner_id = s.Text(6);
    d.correlation_id = s.Text(7);
    d.event_type = s.Text(8);
    d.idempotency_key = s.Text(9);
    d.reason = s.Text(10);
    d.errors_json = s.Text(11);
    d.attempts = static_cast<int>(s.Int(12));
    d.created_at = FromUnixMillis(s.Int(13));
    d.dead_at = FromUnixMillis(s.Int(14));
    if (!s.IsNull(15)) d.replayed_at = FromUnixMillis(s.Int(15));
    d.replay_item_id = s.Text(16);
    return d;
  }
  static constexpr const char* kDeadLetterCols =
      "id, queue, item_id, name, ordering_key, message_id, partner_id, correlation_id, event_type, "
      "idempotency_key, reason, errors, attempts, created_at, dead_at, replayed_at, replay_item_id";

  Result<MessageView> GetMessage(const std::string& id) override {
    const int64_t now = ToUnixMillis(clock_->Now());
    return WithReader([&](Db& db) -> Result<MessageView> {
      MessageView v;
      {
        CD_ASSIGN_OR_RETURN(auto s, db.Prepare(std::string("SELECT ") + kSummaryCols +
                                               " FROM messages WHERE id = ?"));
        s->Bind(1, id);
        CD_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) return Error(Code::kNotFound, "no message with id " + id);
        v.message = ReadSummary(*s);
      }
      {
        CD_ASSIGN_OR_RETURN(auto s, db.Prepare("SELECT seq, id, type, subject, item_id, detail, "
                                               "correlation_id, attempt, at FROM events WHERE "
                                               "message_id = ? ORDER BY seq"));
        s->Bind(1, id);
        while (true) {
          CD_ASSIGN_OR_RETURN(bool row, s->Step());
          if (!row) break;
          EventView e;
          e.seq = s->Int(0);
          e.id = s->Text(1);
          e.type = s->Text(2);
          e.subject = s->Text(3);
          e.item_id = s->Text(4);
          e.detail_json = s->Text(5);
          e.correlation_id = s->Text(6);
          e.attempt = static_cast<int>(s->Int(7));
          e.at = FromUnixMillis(s->Int(8));
          v.events.push_back(std::move(e));
        }
      }
      for (Queue qq : {Queue::kWork, Queue::kDelivery}) {
        CD_ASSIGN_OR_RETURN(auto s, db.Prepare(Sql(qq).pending_for_message));
        s->Bind(1, id);
        while (true) {
          CD_ASSIGN_OR_RETURN(bool row, s->Step());
          if (!row) break;
          PendingView p;
          p.queue = qq;
          p.id = s->Text(0);
          p.name = s->Text(1);
          p.event_type = s->Text(2);
          p.idempotency_key = s->Text(3);
          p.errors_json = s->Text(4);
          p.attempts = static_cast<int>(s->Int(5));
          p.created_at = FromUnixMillis(s->Int(6));
          p.not_before = FromUnixMillis(s->Int(7));
          p.leased = s->Int(8) > now;
          v.pending.push_back(std::move(p));
        }
      }
      {
        CD_ASSIGN_OR_RETURN(auto s,
                            db.Prepare(std::string("SELECT ") + kDeadLetterCols +
                                       " FROM dead_letters WHERE message_id = ? ORDER BY seq"));
        s->Bind(1, id);
        while (true) {
          CD_ASSIGN_OR_RETURN(bool row, s->Step());
          if (!row) break;
          v.dead_letters.push_back(ReadDeadLetter(*s));
        }
      }
      {
        CD_ASSIGN_OR_RETURN(auto s,
                            db.Prepare(std::string("SELECT ") + kExceptionCols +
                                       " FROM exceptions WHERE message_id = ? ORDER BY seq"));
        s->Bind(1, id);
        while (true) {
          CD_ASSIGN_OR_RETURN(bool row, s->Step());
          if (!row) break;
          v.exceptions.push_back(ReadException(*s));
        }
      }
      auto kind_of = [&](const std::string& x) -> Result<std::string> {
        CD_ASSIGN_OR_RETURN(
            auto s,
            db.Prepare(
                "SELECT CASE WHEN EXISTS (SELECT 1 FROM messages WHERE id = ?1) THEN 'message' "
                "WHEN EXISTS (SELECT 1 FROM dead_letters WHERE id = ?1) THEN 'dead_letter' "
                "WHEN EXISTS (SELECT 1 FROM dead_letters WHERE item_id = ?1) THEN 'item' "
                "WHEN EXISTS (SELECT 1 FROM work_items WHERE id = ?1) THEN 'work' "
                "WHEN EXISTS (SELECT 1 FROM outbox WHERE id = ?1) THEN 'delivery' "
                "ELSE 'item' END"));
        s->Bind(1, x);
        CD_ASSIGN_OR_RETURN(bool row, s->Step());
        return row ? s->Text(0) : std::string("item");
      };
      for (int dir = 0; dir < 2; ++dir) {
        CD_ASSIGN_OR_RETURN(
            auto s, db.Prepare(dir == 0 ? "SELECT parent_id, relation, at FROM lineage WHERE "
                                          "child_id = ? ORDER BY at"
                                        : "SELECT child_id, relation, at FROM lineage WHERE "
                                          "parent_id = ? ORDER BY at"));
        s->Bind(1, id);
        std::vector<LineageView> edges;
        while (true) {
          CD_ASSIGN_OR_RETURN(bool row, s->Step());
          if (!row) break;
          edges.push_back(LineageView{s->Text(0), s->Text(1), "", FromUnixMillis(s->Int(2))});
        }
        for (auto& e : edges) {
          CD_ASSIGN_OR_RETURN(e.kind, kind_of(e.id));
        }
        (dir == 0 ? v.parents : v.children) = std::move(edges);
      }
      bool open_dead = false;
      for (const auto& d : v.dead_letters) open_dead |= !d.replayed_at.has_value();
      v.status = open_dead ? "failed" : (v.pending.empty() ? "done" : "processing");
      return v;
    });
  }

  Result<std::string> GetPayload(const std::string& message_id,
                                 std::string* content_type) override {
    return WithReader([&](Db& db) -> Result<std::string> {
      CD_ASSIGN_OR_RETURN(auto s,
                          db.Prepare("SELECT payload, content_type FROM messages WHERE id = ?"));
      s->Bind(1, message_id);
      CD_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) return Error(Code::kNotFound, "no message with id " + message_id);
      if (content_type) *content_type = s->Text(1);
      return s->Blob(0);
    });
  }

  Result<std::vector<MessageSummary>> ListMessages(const MessageFilter& f) override {
    return WithReader([&](Db& db) -> Result<std::vector<MessageSummary>> {
      std::string sql = std::string("SELECT ") + kSummaryCols + " FROM messages WHERE 1=1";
      std::vector<std::string> binds;
      if (!f.correlation_id.empty()) {
        sql += " AND correlation_id = ?";
        binds.push_back(f.correlation_id);
      }
      if (!f.partner_id.empty()) {
        sql += " AND partner_id = ?";
        binds.push_back(f.partner_id);
      }
      if (!f.idempotency_key.empty()) {
        sql += " AND id IN (SELECT message_id FROM dedupe WHERE kind = 'key' AND key = ?)";
        binds.push_back(f.idempotency_key);
      }
      if (!f.before_id.empty()) {
        sql += " AND seq < COALESCE((SELECT seq FROM messages WHERE id = ?), 0)";
        binds.push_back(f.before_id);
      }
      sql += " ORDER BY seq DESC LIMIT " + std::to_string(std::clamp(f.limit, 1, 1000));
      CD_ASSIGN_OR_RETURN(auto s, db.Prepare(sql));
      for (size_t i = 0; i < binds.size(); ++i) s->Bind(static_cast<int>(i + 1), binds[i]);
      std::vector<MessageSummary> out;
      while (true) {
        CD_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        out.push_back(ReadSummary(*s));
      }
      return out;
    });
  }

  Result<std::vector<DeadLetterView>> ListDeadLetters(const DeadLetterFilter& f) override {
    return WithReader([&](Db& db) -> Result<std::vector<DeadLetterView>> {
      std::string sql = std::string("SELECT ") + kDeadLetterCols + " FROM dead_letters WHERE 1=1";
      std::vector<std::string> binds;
      if (!f.include_replayed) sql += " AND replayed_at IS NULL";
      if (!f.partner_id.empty()) {
        sql += " AND partner_id = ?";
        binds.push_back(f.partner_id);
      }
      if (!f.before_id.empty()) {
        sql += " AND seq < COALESCE((SELECT seq FROM dead_letters WHERE id = ?), 0)";
        binds.push_back(f.before_id);
      }
      sql += " ORDER BY seq DESC LIMIT " + std::to_string(std::clamp(f.limit, 1, 1000));
      CD_ASSIGN_OR_RETURN(auto s, db.Prepare(sql));
      for (size_t i = 0; i < binds.size(); ++i) s->Bind(static_cast<int>(i + 1), binds[i]);
      std::vector<DeadLetterView> out;
      while (true) {
        CD_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        out.push_back(ReadDeadLetter(*s));
      }
      return out;
    });
  }

  Result<DeadLetterView> GetDeadLetter(const std::string& id) override {
    return WithReader([&](Db& db) -> Result<DeadLetterView> {
      CD_ASSIGN_OR_RETURN(auto s, db.Prepare(std::string("SELECT ") + kDeadLetterCols +
                                             " FROM dead_letters WHERE id = ?"));
      s->Bind(1, id);
      CD_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) return Error(Code::kNotFound, "no dead letter with id " + id);
      return ReadDeadLetter(*s);
    });
  }

  static constexpr const char* kExceptionCols =
      "id, type, severity, partner_id, document_type, document_id, message_id, correlation_id, "
      "line, field, value, rule, message, status, assigned_to, history, created_at, updated_at";

  static ExceptionRecord ReadException(Stmt& s) {
    ExceptionRecord e;
    e.id = s.Text(0);
    e.type = s.Text(1);
    e.severity = s.Text(2);
    e.partner_id = s.Text(3);
    e.document_type = s.Text(4);
    e.document_id = s.Text(5);
    e.message_id = s.Text(6);
    e.correlation_id = s.Text(7);
    e.line = s.Text(8);
    e.field = s.Text(9);
    e.value = s.Text(10);
    e.rule = s.Text(11);
    e.message = s.Text(12);
    e.status = s.Text(13);
    e.assigned_to = s.Text(14);
    e.history_json = s.Text(15);
    e.created_at = FromUnixMillis(s.Int(16));
    e.updated_at = FromUnixMillis(s.Int(17));
    return e;
  }

  Result<std::vector<ExceptionRecord>> ListExceptions(const ExceptionFilter& f) override {
    return WithReader([&](Db& db) -> Result<std::vector<ExceptionRecord>> {
      std::string sql = std::string("SELECT ") + kExceptionCols + " FROM exceptions WHERE 1=1";
      std::vector<std::string> binds;
      auto eq = [&](const char* col, const std::string& v) {
        if (v.empty()) return;
        sql += std::string(" AND ") + col + " = ?";
        binds.push_back(v);
      };
      eq("type", f.type);
      eq("partner_id", f.partner_id);
      eq("status", f.status);
      eq("message_id", f.message_id);
      eq("document_id", f.document_id);
      if (!f.before_id.empty()) {
        sql += " AND seq < COALESCE((SELECT seq FROM exceptions WHERE id = ?), 0)";
        binds.push_back(f.before_id);
      }
      sql += " ORDER BY seq DESC LIMIT " + std::to_string(std::clamp(f.limit, 1, 1000));
      CD_ASSIGN_OR_RETURN(auto s, db.Prepare(sql));
      for (size_t i = 0; i < binds.size(); ++i) s->Bind(static_cast<int>(i + 1), binds[i]);
      std::vector<ExceptionRecord> out;
      while (true) {
        CD_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        out.push_back(ReadException(*s));
      }
      return out;
    });
  }

  Result<ExceptionRecord> GetException(const std::string& id) override {
    return WithReader([&](Db& db) -> Result<ExceptionRecord> {
      CD_ASSIGN_OR_RETURN(auto s, db.Prepare(std::string("SELECT ") + kExceptionCols +
                                             " FROM exceptions WHERE id = ?"));
      s->Bind(1, id);
      CD_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) return Error(Code::kNotFound, "no exception with id " + id);
      return ReadException(*s);
    });
  }

  Result<ExceptionRecord> UpdateException(const std::string& id, const std::string& action,
                                          const std::string& note, const std::string& actor,
                                          const std::string& assignee) override {
    auto out = std::make_shared<ExceptionRecord>();
    Status st = SubmitSync([&, out](TxCtx& tx) -> Status {
      CD_ASSIGN_OR_RETURN(auto s, tx.db.Prepare(std::string("SELECT ") + kExceptionCols +
                                                " FROM exceptions WHERE id = ?"));
      s->Bind(1, id);
      CD_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) return Error(Code::kNotFound, "no exception with id " + id);
      ExceptionRecord e = ReadException(*s);
      std::string status = e.status;
      std::string assigned = e.assigned_to;
      if (action == "acknowledge") {
        if (e.status != "open") {
          return Error(Code::kFailedPrecondition, "exception " + id + " is " + e.status +
                                                      "; only open exceptions can be acknowledged");
        }
        status = "acknowledged";
      } else if (action == "resolve") {
        if (e.status == "resolved") {
          return Error(Code::kFailedPrecondition, "exception " + id + " is already resolved");
        }
        if (note.empty()) {
          return Error(Code::kInvalidArgument, "resolving an exception needs a note saying how");
        }
        status = "resolved";
      } else if (action == "reopen") {
        if (e.status != "resolved") {
          return Error(Code::kFailedPrecondition, "exception " + id + " is not resolved");
        }
        status = "open";
      } else if (action == "assign") {
        if (assignee.empty()) return Error(Code::kInvalidArgument, "assign needs an assignee");
        assigned = assignee;
      } else if (action == "note") {
        if (note.empty()) return Error(Code::kInvalidArgument, "a note needs text");
      } else {
        return Error(Code::kInvalidArgument, "unknown action '" + action +
                                                 "' (acknowledge, resolve, reopen, assign, note)");
      }
      std::string h = "{\"at\":" + JsonString(FormatIso8601(tx.now)) +
                      ",\"by\":" + JsonString(actor) + ",\"action\":" + JsonString(action) +
                      ",\"from\":" + JsonString(e.status) + ",\"to\":" + JsonString(status);
      if (!note.empty()) h += ",\"note\":" + JsonString(note);
      if (action == "assign") h += ",\"assignee\":" + JsonString(assignee);
      h += "}";
      CD_ASSIGN_OR_RETURN(
          auto up,
          tx.db.Prepare("UPDATE exceptions SET status = ?1, assigned_to = ?2, history = "
                        "json_insert(history, '$[#]', json(?3)), updated_at = ?4 WHERE id = ?5 "
                        "RETURNING " +
                        std::string(kExceptionCols)));
      up->Bind(1, status).BindOpt(2, assigned).Bind(3, h).Bind(4, ToUnixMillis(tx.now)).Bind(5, id);
      CD_ASSIGN_OR_RETURN(bool urow, up->Step());
      if (!urow) return Error(Code::kInternal, "exception update returned no row");
      *out = ReadException(*up);
      CD_RETURN_IF_ERROR(up->Run());
      EventRecord ev;
      ev.type = "exception." + action;
      ev.message_id = e.message_id;
      ev.correlation_id = e.correlation_id;
      ev.subject = e.type;
      ev.item_id = id;
      ev.detail_json = h;
      return InsertEvent(tx.db, ev, tx.now);
    });
    if (!st.ok()) return st.error();
    return *out;
  }

  Result<int64_t> RecordProfileVersion(const std::string& partner_id, const std::string& content,
                                       const std::string& changed_by,
                                       const std::string& changes_json) override {
    auto v = std::make_shared<int64_t>(0);
    const std::string sha = Sha256Hex(content);
    Status st = SubmitSync([&, v](TxCtx& tx) -> Status {
      CD_ASSIGN_OR_RETURN(auto s,
                          tx.db.Prepare("SELECT version, sha256 FROM profile_versions WHERE "
                                        "partner_id = ? ORDER BY version DESC LIMIT 1"));
      s->Bind(1, partner_id);
      CD_ASSIGN_OR_RETURN(bool row, s->Step());
      int64_t next = 1;
      if (row) {
        if (s->Text(1) == sha) return Status::Ok();  // unchanged
        next = s->Int(0) + 1;
      }
      CD_ASSIGN_OR_RETURN(auto ins,
                          tx.db.Prepare("INSERT INTO profile_versions (partner_id, version, "
                                        "sha256, content, changed_by, changed_at, changes) "
                                        "VALUES (?,?,?,?,?,?,?)"));
      ins->Bind(1, partner_id)
          .Bind(2, next)
          .Bind(3, sha)
          .Bind(4, content)
          .Bind(5, changed_by)
          .Bind(6, ToUnixMillis(tx.now))
          .Bind(7, changes_json.empty() ? std::string("{}") : changes_json);
      CD_RETURN_IF_ERROR(ins->Run());
      *v = next;
      return Status::Ok();
    });
    if (!st.ok()) return st.error();
    return *v;
  }

  Result<std::vector<ProfileVersion>> ListProfileVersions(const std::string& partner_id) override {
    return WithReader([&](Db& db) -> Result<std::vector<ProfileVersion>> {
      CD_ASSIGN_OR_RETURN(auto s,
                          db.Prepare("SELECT partner_id, version, sha256, content, changed_by, "
                                     "changed_at, changes FROM profile_versions WHERE "
                                     "partner_id = ? ORDER BY version DESC"));
      s->Bind(1, partner_id);
      std::vector<ProfileVersion> out;
      while (true) {
        CD_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        ProfileVersion p;
        p.partner_id = s->Text(0);
        p.version = s->Int(1);
        p.sha256 = s->Text(2);
        p.content = s->Text(3);
        p.changed_by = s->Text(4);
        p.changed_at = FromUnixMillis(s->Int(5));
        p.changes_json = s->Text(6);
        out.push_back(std::move(p));
      }
      return out;
    });
  }

  Result<std::optional<DedupeHit>> FindDedupe(const std::string& partner_id,
                                              const std::string& kind,
                                              const std::string& key) override {
    const int64_t now = ToUnixMillis(clock_->Now());
    return WithReader([&](Db& db) -> Result<std::optional<DedupeHit>> {
      CD_ASSIGN_OR_RETURN(auto s, db.Prepare("SELECT message_id, correlation_id, received_at, "
                                             "expires_at FROM dedupe WHERE partner_id = ?1 AND "
                                             "kind = ?2 AND key = ?3"));
      s->Bind(1, partner_id).Bind(2, kind).Bind(3, key);
      CD_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row || s->Int(3) <= now) return std::optional<DedupeHit>();
      return std::optional<DedupeHit>(DedupeHit{s->Text(0), s->Text(1), FromUnixMillis(s->Int(2))});
    });
  }

  Status Enqueue(std::vector<WorkSpec> items) override {
    auto v = std::make_shared<std::vector<WorkSpec>>(std::move(items));
    return SubmitSync([this, v](TxCtx& tx) -> Status {
      for (const auto& w : *v) CD_RETURN_IF_ERROR(InsertWork(tx, w, "", "", {}));
      return Status::Ok();
    });
  }

  void SetInventoryListener(
      std::function<void(const std::vector<InventoryChange>&)> listener) override {
    std::lock_guard<std::mutex> lock(listener_mu_);
    inventory_listener_ = std::move(listener);
  }

  Result<std::vector<InventoryChange>> LoadInventory() override {
    return WithReader([&](Db& db) -> Result<std::vector<InventoryChange>> {
      std::vector<InventoryChange> out;
      {
        CD_ASSIGN_OR_RETURN(auto s,
                            db.Prepare("SELECT sku, warehouse, uom, on_hand, on_hand_as_of, "
                                       "on_hand_source, reserved, reserved_as_of, backordered "
                                       "FROM positions"));
        while (true) {
          CD_ASSIGN_OR_RETURN(bool row, s->Step());
          if (!row) break;
          InventoryChange a;
          a.op = InventoryChange::Op::kSetOnHand;
          a.sku = s->Text(0);
          a.warehouse = s->Text(1);
          a.uom = s->Text(2);
          a.quantity = Decimal::Parse(s->Text(3)).value_or(Decimal());
          a.as_of = FromUnixMillis(s->Int(4));
          a.source = s->Text(5);
          out.push_back(a);
          InventoryChange r = a;
          r.op = InventoryChange::Op::kSetReserved;
          r.quantity = Decimal::Parse(s->Text(6)).value_or(Decimal());
          r.as_of = FromUnixMillis(s->Int(7));
          out.push_back(std::move(r));
          InventoryChange b = a;
          b.op = InventoryChange::Op::kAdjustBackordered;
          b.quantity = Decimal::Parse(s->Text(8)).value_or(Decimal());
          if (!b.quantity.is_zero()) out.push_back(std::move(b));
        }
      }
      CD_ASSIGN_OR_RETURN(auto s,
                          db.Prepare("SELECT kind, ref, sku, warehouse, quantity, uom, date, "
                                     "as_of FROM supply ORDER BY kind, ref, sku, warehouse, part"));
      InventoryChange* cur = nullptr;
      while (true) {
        CD_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        const std::string kind = s->Text(0), ref = s->Text(1), sku = s->Text(2), wh = s->Text(3);
        if (!cur || cur->kind != kind || cur->ref != ref || cur->sku != sku ||
            cur->warehouse != wh) {
          InventoryChange c;
          c.op = InventoryChange::Op::kSetSupply;
          c.kind = kind;
          c.ref = ref;
          c.sku = sku;
          c.warehouse = wh;
          c.uom = s->Text(5);
          c.as_of = FromUnixMillis(s->Int(7));
          out.push_back(std::move(c));
          cur = &out.back();
        }
        cur->parts.push_back({Decimal::Parse(s->Text(4)).value_or(Decimal()), s->Text(6)});
      }
      return out;
    });
  }

  static AggregateRecord ReadAggregate(Stmt& s) {
    AggregateRecord a;
    a.type = s.Text(0);
    a.id = s.Text(1);
    a.version = s.Int(2);
    a.status = s.Text(3);
    a.partner_id = s.Text(4);
    a.state_json = s.Text(5);
    a.created_at = FromUnixMillis(s.Int(6));
    a.updated_at = FromUnixMillis(s.Int(7));
    return a;
  }
  static constexpr const char* kAggregateCols =
      "type, id, version, status, partner_id, state, created_at, updated_at";

  Result<std::optional<AggregateRecord>> GetAggregate(const std::string& type,
                                                      const std::string& id) override {
    return WithReader([&](Db& db) -> Result<std::optional<AggregateRecord>> {
      CD_ASSIGN_OR_RETURN(auto s, db.Prepare(std::string("SELECT ") + kAggregateCols +
                                             " FROM aggregates WHERE type = ? AND id = ?"));
      s->Bind(1, type).Bind(2, id);
      CD_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) return std::optional<AggregateRecord>();
      return std::optional<AggregateRecord>(ReadAggregate(*s));
    });
  }

  Result<std::vector<AggregateRecord>> ListAggregates(const AggregateFilter& f) override {
    return WithReader([&](Db& db) -> Result<std::vector<AggregateRecord>> {
      std::string sql = std::string("SELECT ") + kAggregateCols + " FROM aggregates WHERE type = ?";
      std::vector<std::string> binds{f.type};
      if (!f.status.empty()) {
        sql += " AND status = ?";
        binds.push_back(f.status);
      }
      if (!f.partner_id.empty()) {
        sql += " AND partner_id = ?";
        binds.push_back(f.partner_id);
      }
      if (!f.before_id.empty()) {
        sql += " AND seq < COALESCE((SELECT seq FROM aggregates WHERE type = ? AND id = ?), 0)";
        binds.push_back(f.type);
        binds.push_back(f.before_id);
      }
      sql += " ORDER BY seq DESC LIMIT " + std::to_string(std::clamp(f.limit, 1, 1000));
      CD_ASSIGN_OR_RETURN(auto s, db.Prepare(sql));
      for (size_t i = 0; i < binds.size(); ++i) s->Bind(static_cast<int>(i + 1), binds[i]);
      std::vector<AggregateRecord> out;
      while (true) {
        CD_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        out.push_back(ReadAggregate(*s));
      }
      return out;
    });
  }

  Result<std::vector<AggregateEventView>> AggregateTimeline(const std::string& type,
                                                            const std::string& id) override {
    return WithReader([&](Db& db) -> Result<std::vector<AggregateEventView>> {
      CD_ASSIGN_OR_RETURN(auto s,
                          db.Prepare("SELECT version, event, detail, message_id, "
                                     "correlation_id, at FROM aggregate_events WHERE type = ? "
                                     "AND id = ? ORDER BY seq"));
      s->Bind(1, type).Bind(2, id);
      std::vector<AggregateEventView> out;
      while (true) {
        CD_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        out.push_back(AggregateEventView{s->Int(0), s->Text(1), s->Text(2), s->Text(3), s->Text(4),
                                         FromUnixMillis(s->Int(5))});
      }
      return out;
    });
  }

  Result<Decimal> GetCounter(const std::string& name, const std::string& key) override {
    return WithReader([&](Db& db) -> Result<Decimal> {
      CD_ASSIGN_OR_RETURN(auto s,
                          db.Prepare("SELECT value FROM counters WHERE name = ?1 AND key = ?2"));
      s->Bind(1, name).Bind(2, key);
      CD_ASSIGN_OR_RETURN(bool row, s->Step());
      if (!row) return Decimal();
      return Decimal::Parse(s->Text(0)).value_or(Decimal());
    });
  }

  Result<std::vector<std::string>> OrdersWithBackorders(const std::string& sku) override {
    return WithReader([&](Db& db) -> Result<std::vector<std::string>> {
      CD_ASSIGN_OR_RETURN(
          auto s,
          db.Prepare(
              "SELECT a.id FROM aggregates a WHERE a.type = 'sales_order' AND a.status IN "
              "('accepted', 'released', 'partially_shipped') AND EXISTS (SELECT 1 FROM "
              "json_each(a.state, '$.lines') l WHERE json_extract(l.value, '$.sku') = ?1 AND "
              "json_extract(l.value, '$.backordered') != '0') ORDER BY a.seq"));
      s->Bind(1, sku);
      std::vector<std::string> out;
      while (true) {
        CD_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        out.push_back(s->Text(0));
      }
      return out;
    });
  }

  // ---------------------------------------------------------------- operations

  Result<std::vector<KeyHit>> FindKeys(const std::string& key, int limit) override {
    return WithReader([&](Db& db) -> Result<std::vector<KeyHit>> {
      CD_ASSIGN_OR_RETURN(
          auto s,
          db.Prepare(
              "SELECT kind, key, ref_type, ref_id, message_id, correlation_id, partner_id, at FROM "
              "business_keys WHERE key = ?1 ORDER BY seq DESC LIMIT ?2"));
      s->Bind(1, key).Bind(2, static_cast<int64_t>(std::clamp(limit, 1, 500)));
      std::vector<KeyHit> out;
      while (true) {
        CD_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        out.push_back(KeyHit{s->Text(0), s->Text(1), s->Text(2), s->Text(3), s->Text(4), s->Text(5),
                             s->Text(6), FromUnixMillis(s->Int(7))});
      }
      return out;
    });
  }

  Result<std::vector<std::pair<std::string, std::string>>> AggregatesForMessage(
      const std::string& message_id) override {
    using Out = std::vector<std::pair<std::string, std::string>>;
    return WithReader([&](Db& db) -> Result<Out> {
      CD_ASSIGN_OR_RETURN(auto s, db.Prepare("SELECT DISTINCT type, id FROM aggregate_events "
                                             "WHERE message_id = ?1 LIMIT 50"));
      s->Bind(1, message_id);
      Out out;
      while (true) {
        CD_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        out.emplace_back(s->Text(0), s->Text(1));
      }
      return out;
    });
  }

  static const char* LogTable(Log log) {
    switch (log) {
      case Log::kEvents:
        return "events";
      case Log::kAggregateEvents:
        return "aggregate_events";
      case Log::kMessages:
        return "messages";
      case Log::kExceptions:
        return "exceptions";
    }
    return "events";
  }
  static const char* LogTimeColumn(Log log) {
    return log == Log::kMessages ? "received_at" : log == Log::kExceptions ? "created_at" : "at";
  }

  Result<std::vector<LogRecord>> ReadLog(Log log, int64_t after_seq, int limit) override {
    return WithReader([&](Db& db) -> Result<std::vector<LogRecord>> {
      const char* sql = nullptr;
      switch (log) {
        case Log::kEvents:
          sql =
              "SELECT seq, at, type, subject, message_id, detail FROM events WHERE seq > ?1 "
              "ORDER BY seq LIMIT ?2";
          break;
        case Log::kAggregateEvents:
          sql =
              "SELECT e.seq, e.at, e.event, e.type, e.id, e.message_id, e.detail, a.partner_id "
              "FROM aggregate_events e LEFT JOIN aggregates a ON a.type = e.type AND a.id = e.id "
              "WHERE e.seq > ?1 ORDER BY e.seq LIMIT ?2";
          break;
        case Log::kMessages:
          sql =
              "SELECT seq, received_at, direction, kind, id, partner_id, size FROM messages "
              "WHERE seq > ?1 ORDER BY seq LIMIT ?2";
          break;
        case Log::kExceptions:
          sql =
              "SELECT seq, created_at, type, severity, message_id, partner_id, 0 FROM exceptions "
              "WHERE seq > ?1 ORDER BY seq LIMIT ?2";
          break;
      }
      CD_ASSIGN_OR_RETURN(auto s, db.Prepare(sql));
      s->Bind(1, after_seq).Bind(2, static_cast<int64_t>(std::clamp(limit, 1, 100'000)));
      std::vector<LogRecord> out;
      while (true) {
        CD_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        LogRecord r;
        r.seq = s->Int(0);
        r.at = FromUnixMillis(s->Int(1));
        r.type = s->Text(2);
        if (log == Log::kEvents) {
          r.subject = s->Text(3);
          r.message_id = s->Text(4);
          r.detail_json = s->Text(5);
        } else if (log == Log::kAggregateEvents) {
          r.aggregate_type = s->Text(3);
          r.aggregate_id = s->Text(4);
          r.message_id = s->Text(5);
          r.detail_json = s->Text(6);
          r.partner_id = s->Text(7);
        } else {  // messages, exceptions
          r.subject = s->Text(3);
          r.message_id = s->Text(4);
          r.partner_id = s->Text(5);
          r.size = s->Int(6);
        }
        out.push_back(std::move(r));
      }
      return out;
    });
  }

  Result<int64_t> LogSeqBefore(Log log, TimePoint at) override {
    const int64_t target = ToUnixMillis(at);
    return WithReader([&](Db& db) -> Result<int64_t> {
      const std::string table = LogTable(log);
      CD_ASSIGN_OR_RETURN(auto mm, db.Prepare("SELECT COALESCE(MIN(seq), 0), COALESCE(MAX(seq), 0) "
                                              "FROM " +
                                              table));
      CD_ASSIGN_OR_RETURN(bool row, mm->Step());
      if (!row) return int64_t{0};
      int64_t lo = mm->Int(0), hi = mm->Int(1);
      if (hi == 0) return int64_t{0};
      CD_ASSIGN_OR_RETURN(auto probe,
                          db.Prepare(std::string("SELECT seq, ") + LogTimeColumn(log) + " FROM " +
                                     table + " WHERE seq >= ?1 ORDER BY seq LIMIT 1"));
      // Smallest seq whose time is >= target (seq values may have gaps).
      int64_t answer = hi + 1;
      while (lo <= hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        probe->Reset();
        probe->Bind(1, mid);
        CD_ASSIGN_OR_RETURN(bool found, probe->Step());
        if (!found) {
          hi = mid - 1;
          continue;
        }
        const int64_t seq = probe->Int(0);
        if (probe->Int(1) >= target) {
          answer = std::min(answer, seq);
          hi = mid - 1;
        } else {
          lo = seq + 1;
        }
      }
      return answer - 1;
    });
  }

  Result<std::vector<ExceptionAging>> OpenExceptionsByAge(TimePoint now) override {
    const int64_t n = ToUnixMillis(now);
    return WithReader([&](Db& db) -> Result<std::vector<ExceptionAging>> {
      CD_ASSIGN_OR_RETURN(
          auto s,
          db.Prepare(
              "SELECT type, COALESCE(partner_id, ''), COUNT(*), SUM(created_at > ?1 - 3600000), "
              "SUM(created_at <= ?1 - 3600000 AND created_at > ?1 - 14400000), "
              "SUM(created_at <= ?1 - 14400000 AND created_at > ?1 - 86400000), "
              "SUM(created_at <= ?1 - 86400000), MIN(created_at) FROM exceptions "
              "WHERE status IN ('open', 'acknowledged') GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 500"));
      s->Bind(1, n);
      std::vector<ExceptionAging> out;
      while (true) {
        CD_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        ExceptionAging a;
        a.type = s->Text(0);
        a.partner_id = s->Text(1);
        a.count = s->Int(2);
        a.lt_1h = s->Int(3);
        a.h1_4 = s->Int(4);
        a.h4_24 = s->Int(5);
        a.gt_24h = s->Int(6);
        a.oldest = FromUnixMillis(s->Int(7));
        out.push_back(std::move(a));
      }
      return out;
    });
  }

  Result<std::vector<LatestDocument>> LatestDocuments(const std::string& document_type) override {
    return WithReader([&](Db& db) -> Result<std::vector<LatestDocument>> {
      // One index seek per partner: partners come from the index itself.
      CD_ASSIGN_OR_RETURN(
          auto s,
          db.Prepare("SELECT partner_id, key, MAX(at) FROM business_keys WHERE ref_type = ?1 "
                     "GROUP BY partner_id"));
      s->Bind(1, document_type);
      std::vector<LatestDocument> out;
      while (true) {
        CD_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        out.push_back(LatestDocument{s->Text(0), s->Text(1), FromUnixMillis(s->Int(2))});
      }
      return out;
    });
  }

  Result<std::vector<AggregateLogEntry>> RecentAggregateEvents(const std::string& type,
                                                               int64_t before_seq,
                                                               int limit) override {
    return WithReader([&](Db& db) -> Result<std::vector<AggregateLogEntry>> {
      CD_ASSIGN_OR_RETURN(
          auto s,
          db.Prepare("SELECT seq, id, version, event, detail, message_id, correlation_id, at FROM "
                     "aggregate_events WHERE type = ?1 AND (?2 = 0 OR seq < ?2) ORDER BY seq DESC "
                     "LIMIT ?3"));
      s->Bind(1, type)
          .Bind(2, before_seq)
          .Bind(3, static_cast<int64_t>(std::clamp(limit, 1, 1000)));
      std::vector<AggregateLogEntry> out;
      while (true) {
        CD_ASSIGN_OR_RETURN(bool row, s->Step());
        if (!row) break;
        out.push_back(
            AggregateLogEntry{s->Int(0), s->Text(1),
                              AggregateEventView{s->Int(2), s->Text(3), s->Text(4), s->Text(5),
                                                 s->Text(6), FromUnixMillis(s->Int(7))}});
      }
      return out;
    });
  }

  Result<QueueStats> Stats() override {
    const int64_t now = ToUnixMillis(clock_->Now());
    return WithReader([&](Db& db) -> Result<QueueStats> {
      QueueStats q;
      CD_ASSIGN_OR_RETURN(
          auto s,
          db.Prepare("SELECT (SELECT COUNT(*) FROM work_items), (SELECT COUNT(*) FROM work_items "
                     "WHERE lease_expires > ?1), (SELECT COUNT(*) FROM outbox), (SELECT COUNT(*) "
                     "FROM outbox WHERE lease_expires > ?1), (SELECT COUNT(*) FROM dead_letters "
                     "WHERE replayed_at IS NULL), (SELECT COALESCE(MAX(seq), 0) FROM messages)"));
      s->Bind(1, now);
      CD_ASSIGN_OR_RETURN(bool row, s->Step());
      if (row) {
        q.work_leased = s->Int(1);
        q.work_pending = s->Int(0) - q.work_leased;
        q.deliveries_leased = s->Int(3);
        q.deliveries_pending = s->Int(2) - q.deliveries_leased;
        q.dead_letters_open = s->Int(4);
        q.messages = s->Int(5);
      }
      return q;
    });
  }

  CommitStats GetCommitStats() const override { return CommitStats{commits_.load(), ops_.load()}; }

  // ---------------------------------------------------------------- writer

  void Submit(WriteOp op) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!closed_) {
        queue_.push_back(std::move(op));
        cv_.notify_one();
        return;
      }
    }
    op.done(Error(Code::kCancelled, "store is closed"));
  }

  Status SubmitSync(std::function<Status(TxCtx&)> fn) {
    std::promise<Status> p;
    auto f = p.get_future();
    Submit(WriteOp{std::move(fn), [&p](Status st) { p.set_value(std::move(st)); }});
    return f.get();
  }

  void WriterLoop() {
    std::vector<WriteOp> batch;
    std::vector<Status> results;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return !queue_.empty() || closed_; });
        if (queue_.empty() && closed_) break;
        if (opts_.linger_us > 0 && static_cast<int>(queue_.size()) < opts_.max_batch) {
          cv_.wait_for(lock, std::chrono::microseconds(opts_.linger_us), [this] {
            return static_cast<int>(queue_.size()) >= opts_.max_batch || closed_;
          });
        }
        const size_t n = std::min(queue_.size(), static_cast<size_t>(std::max(1, opts_.max_batch)));
        batch.clear();
        for (size_t i = 0; i < n; ++i) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      RunBatch(batch, &results);
    }
  }

  void RunBatch(std::vector<WriteOp>& batch, std::vector<Status>* results) {
    results->assign(batch.size(), Status::Ok());
    std::vector<InventoryChange> committed_inventory;
    std::vector<InventoryChange> op_inventory;
    TxCtx tx{writer_db_, clock_->Now()};
    tx.inventory = &op_inventory;
    Status begin = writer_db_.Exec("BEGIN IMMEDIATE");
    if (!begin.ok()) {
      for (auto& op : batch) op.done(begin);
      return;
    }
    const bool single = batch.size() == 1;
    for (size_t i = 0; i < batch.size(); ++i) {
      op_inventory.clear();
      if (single) {
        (*results)[i] = batch[i].fn(tx);
      } else {
        (*results)[i] = WithSavepoint(writer_db_, "op", [&] { return batch[i].fn(tx); });
      }
      // Item-level savepoints inside an op (Finish) drop their own failures.
      if ((*results)[i].ok()) {
        committed_inventory.insert(committed_inventory.end(), op_inventory.begin(),
                                   op_inventory.end());
      }
    }
    Status commit = Status::Ok();
    if (single && !(*results)[0].ok()) {
      writer_db_.Exec("ROLLBACK").IgnoreError();
      tx.touched_work = tx.touched_delivery = false;
    } else {
      commit = writer_db_.Exec("COMMIT");
      if (!commit.ok()) {
        writer_db_.Exec("ROLLBACK").IgnoreError();
        commit = Error(Code::kUnavailable, "commit failed: " + commit.error().message());
        tx.touched_work = tx.touched_delivery = false;
      }
    }
    commits_.fetch_add(1, std::memory_order_relaxed);
    ops_.fetch_add(batch.size(), std::memory_order_relaxed);
    if (commit.ok() && !committed_inventory.empty()) {
      std::function<void(const std::vector<InventoryChange>&)> il;
      {
        std::lock_guard<std::mutex> lock(listener_mu_);
        il = inventory_listener_;
      }
      if (il) il(committed_inventory);
    }
    if (tx.touched_work || tx.touched_delivery) {
      std::function<void(Queue)> l;
      {
        std::lock_guard<std::mutex> lock(listener_mu_);
        l = listener_;
      }
      if (l) {
        if (tx.touched_work) l(Queue::kWork);
        if (tx.touched_delivery) l(Queue::kDelivery);
      }
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      batch[i].done(commit.ok() ? (*results)[i] : commit);
    }
  }

  void Close() override {
    ReturnUnusedSequences();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_) return;
      closed_ = true;
    }
    cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    writer_db_.Exec("PRAGMA wal_checkpoint(PASSIVE)").IgnoreError();
  }

 private:
  SqliteOptions opts_;
  const Clock* clock_;
  QueueSql work_sql_;
  QueueSql outbox_sql_;
  int lock_fd_ = -1;
  Db writer_db_;
  std::thread writer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<WriteOp> queue_;
  bool closed_ = false;

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<Db>> readers_;
  std::vector<Db*> free_readers_;

  std::mutex listener_mu_;
  std::function<void(Queue)> listener_;
  std::function<void(const std::vector<InventoryChange>&)> inventory_listener_;

  // NextSequence: the reserved, not yet issued numbers next..end of each (partner, kind).
  struct SequenceBlock {
    int64_t next = 1;
    int64_t end = 0;
  };
  std::mutex seq_mu_;
  std::map<std::pair<std::string, std::string>, SequenceBlock> seq_blocks_;
  bool seq_closed_ = false;

  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> ops_{0};

  // Writer-thread only (see AcceptStmt).
  sqlite3_stmt* accept_lookup_ = nullptr;
  sqlite3_stmt* accept_put_ = nullptr;
};

}  // namespace
}  // namespace sqlite

Result<std::unique_ptr<Store>> OpenSqlite(const SqliteOptions& options) {
  auto s = std::make_unique<sqlite::SqliteStore>(options);
  CD_RETURN_IF_ERROR(s->Open());
  return std::unique_ptr<Store>(std::move(s));
}

}  // namespace crossdock::store
