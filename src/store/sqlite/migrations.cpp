#include "store/sqlite/migrations.hpp"

#include "core/clock.hpp"

namespace crossdock::store::sqlite {
namespace {

// Both queues share one shape; `name` is the step (work_items) or destination (outbox).
std::string QueueTable(const char* table, const char* name_col) {
  const std::string t = table;
  return "CREATE TABLE " + t + R"( (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  )" + name_col +
         R"( TEXT NOT NULL,
  ordering_key TEXT NOT NULL,
  message_id TEXT,
  partner_id TEXT,
  correlation_id TEXT,
  traceparent TEXT,
  payload BLOB,
  event_type TEXT,
  idempotency_key TEXT,
  content_type TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER NOT NULL,
  lease_owner TEXT,
  lease_expires INTEGER NOT NULL DEFAULT 0,
  errors TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  replay_of TEXT
);
CREATE INDEX )" +
         t + "_key ON " + t + R"((ordering_key, seq);
CREATE INDEX )" +
         t + "_message ON " + t + "(message_id);\n";
}

const std::vector<Migration>& All() {
  static const std::vector<Migration> kMigrations = {
      {1, "core tables: messages, dedupe, queues, dead letters, events, lineage, sequences",
       R"(
CREATE TABLE messages (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  partner_id TEXT NOT NULL,
  direction TEXT NOT NULL,
  kind TEXT NOT NULL,
  content_type TEXT NOT NULL,
  payload BLOB NOT NULL,
  size INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  idempotency_key TEXT,
  correlation_id TEXT NOT NULL,
  traceparent TEXT,
  received_at INTEGER NOT NULL,
  replay_of TEXT
);
CREATE INDEX messages_correlation ON messages(correlation_id);
CREATE INDEX messages_partner ON messages(partner_id, seq);

-- Intake deduplication: kind 'key' (Idempotency-Key) or 'hash' (content SHA-256).
CREATE TABLE dedupe (
  partner_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  message_id TEXT NOT NULL,
  correlation_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (partner_id, kind, key)
) WITHOUT ROWID;
)" + QueueTable("work_items", "step") +
           QueueTable("outbox", "destination") + R"(
CREATE TABLE dead_letters (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  queue TEXT NOT NULL,
  item_id TEXT NOT NULL,
  name TEXT NOT NULL,
  ordering_key TEXT NOT NULL,
  message_id TEXT,
  partner_id TEXT,
  correlation_id TEXT,
  traceparent TEXT,
  payload BLOB,
  event_type TEXT,
  idempotency_key TEXT,
  content_type TEXT,
  reason TEXT NOT NULL,
  errors TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  dead_at INTEGER NOT NULL,
  replayed_at INTEGER,
  replay_item_id TEXT,
  replayed_by TEXT
);
CREATE INDEX dead_letters_message ON dead_letters(message_id);
CREATE INDEX dead_letters_partner ON dead_letters(partner_id, seq);

CREATE TABLE events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  message_id TEXT,
  correlation_id TEXT,
  subject TEXT,
  item_id TEXT,
  attempt INTEGER,
  detail TEXT
);
CREATE INDEX events_message ON events(message_id, seq);

CREATE TABLE lineage (
  parent_id TEXT NOT NULL,
  child_id TEXT NOT NULL,
  relation TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (parent_id, child_id)
) WITHOUT ROWID;
CREATE INDEX lineage_child ON lineage(child_id);

CREATE TABLE sequences (
  partner_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  value INTEGER NOT NULL,
  PRIMARY KEY (partner_id, kind)
) WITHOUT ROWID;
)"},
      {2, "business exceptions and partner profile versions", R"(
CREATE TABLE exceptions (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  severity TEXT NOT NULL,
  partner_id TEXT,
  document_type TEXT,
  document_id TEXT,
  message_id TEXT,
  correlation_id TEXT,
  line TEXT,
  field TEXT,
  value TEXT,
  rule TEXT NOT NULL,
  message TEXT NOT NULL,
  status TEXT NOT NULL,
  assigned_to TEXT,
  history TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX exceptions_status ON exceptions(status, seq);
CREATE INDEX exceptions_partner ON exceptions(partner_id, seq);
CREATE INDEX exceptions_message ON exceptions(message_id);
CREATE INDEX exceptions_document ON exceptions(document_id);

CREATE TABLE profile_versions (
  partner_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  content TEXT NOT NULL,
  changed_by TEXT NOT NULL,
  changed_at INTEGER NOT NULL,
  changes TEXT NOT NULL,
  PRIMARY KEY (partner_id, version)
) WITHOUT ROWID;
)"},
      {3, "inventory positions, supply, workflow aggregates", R"(
CREATE TABLE positions (
  sku TEXT NOT NULL,
  warehouse TEXT NOT NULL,
  uom TEXT NOT NULL,
  on_hand TEXT NOT NULL DEFAULT '0',
  on_hand_as_of INTEGER NOT NULL DEFAULT 0,
  on_hand_source TEXT,
  reserved TEXT NOT NULL DEFAULT '0',
  reserved_as_of INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (sku, warehouse)
) WITHOUT ROWID;

CREATE TABLE supply (
  kind TEXT NOT NULL,
  ref TEXT NOT NULL,
  sku TEXT NOT NULL,
  warehouse TEXT NOT NULL,
  part INTEGER NOT NULL,
  quantity TEXT NOT NULL,
  uom TEXT NOT NULL,
  date TEXT,
  as_of INTEGER NOT NULL,
  PRIMARY KEY (kind, ref, sku, warehouse, part)
) WITHOUT ROWID;

CREATE TABLE aggregates (
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  version INTEGER NOT NULL,
  status TEXT NOT NULL,
  partner_id TEXT,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (type, id)
) WITHOUT ROWID;
CREATE INDEX aggregates_status ON aggregates(type, status, seq);
CREATE INDEX aggregates_list ON aggregates(type, seq);

CREATE TABLE aggregate_events (
  seq INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  event TEXT NOT NULL,
  detail TEXT,
  message_id TEXT,
  correlation_id TEXT,
  at INTEGER NOT NULL
);
CREATE INDEX aggregate_events_id ON aggregate_events(type, id, seq);
)"},
      {4, "queue heads: claims read the first item of each ordering key only", R"(
ALTER TABLE work_items ADD COLUMN head INTEGER NOT NULL DEFAULT 0;
UPDATE work_items SET head = 1 WHERE seq IN (SELECT MIN(seq) FROM work_items GROUP BY ordering_key);
CREATE INDEX work_items_heads ON work_items(seq) WHERE head = 1;
ALTER TABLE outbox ADD COLUMN head INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET head = 1 WHERE seq IN (SELECT MIN(seq) FROM outbox GROUP BY ordering_key);
CREATE INDEX outbox_heads ON outbox(seq) WHERE head = 1;
)"},
      {5, "backorders per position, counters", R"(
ALTER TABLE positions ADD COLUMN backordered TEXT NOT NULL DEFAULT '0';
CREATE TABLE counters (
  name TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (name, key)
) WITHOUT ROWID;
)"},
      {6, "business keys for search; aggregate events by message", R"(
CREATE TABLE business_keys (
  seq INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  ref_type TEXT,
  ref_id TEXT,
  message_id TEXT,
  correlation_id TEXT,
  partner_id TEXT,
  at INTEGER NOT NULL
);
CREATE INDEX business_keys_key ON business_keys(key, seq);
CREATE INDEX business_keys_latest ON business_keys(ref_type, partner_id, at);
CREATE INDEX aggregate_events_message ON aggregate_events(message_id);
INSERT INTO business_keys (kind, key, ref_type, ref_id, partner_id, at)
  SELECT type, id, type, id, partner_id, created_at FROM aggregates ORDER BY seq;
)"},
      // A new aggregate takes MAX(seq) + 1: without this index that was a scan of every
      // aggregate per new order (87% of the writer's time at 50,000 orders, bench/orders).
      {7, "aggregates by sequence", R"(
CREATE INDEX aggregates_seq ON aggregates(seq);
)"},
  };
  return kMigrations;
}

}  // namespace

const std::vector<Migration>& Migrations() { return All(); }

Status Migrate(Db& db) {
  CD_RETURN_IF_ERROR(db.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT "
      "NULL, applied_at INTEGER NOT NULL)"));
  int64_t current = 0;
  {
    CD_ASSIGN_OR_RETURN(auto st,
                        db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    CD_ASSIGN_OR_RETURN(bool row, st->Step());
    if (row) current = st->Int(0);
  }
  const auto& all = All();
  if (!all.empty() && current > all.back().version) {
    return Error(Code::kFailedPrecondition, "database schema version " + std::to_string(current) +
                                                " is newer than this binary knows (" +
                                                std::to_string(all.back().version) +
                                                "); use a newer crossdock");
  }
  for (const auto& m : all) {
    if (m.version <= current) continue;
    CD_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    Status st = db.Exec(m.sql);
    if (st.ok()) {
      auto ins =
          db.Prepare("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?,?,?)");
      if (!ins.ok()) {
        st = ins.error();
      } else {
        (*ins)
            ->Bind(1, static_cast<int64_t>(m.version))
            .Bind(2, m.name)
            .Bind(3, ToUnixMillis(Clock::System().Now()));
        st = (*ins)->Run();
      }
    }
    if (!st.ok()) {
      db.Exec("ROLLBACK").IgnoreError();
      return Error(st.code(), "migration " + std::to_string(m.version) + " (" + m.name +
                                  ") failed: " + st.error().message());
    }
    CD_RETURN_IF_ERROR(db.Exec("COMMIT"));
  }
  return Status::Ok();
}

}  // namespace crossdock::store::sqlite
