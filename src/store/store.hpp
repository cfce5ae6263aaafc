// Store: the durable core of crossdock. One interface, several engines (SQLite now,
// PostgreSQL later); nothing engine-specific leaks through it.
//
// Guarantees every engine must give (and the shared store tests check):
//  - Accept() answers only after the message and its first work items are durable, and the
//    answers of one group commit are given only after that group's commit. A duplicate (same
//    partner and idempotency key, or same partner and content hash, inside the configured window)
//    is answered with the original message's ids and stores nothing. Two concurrent duplicates
//    cannot both win; a failed accept leaves no trace, so it never poisons its key.
//  - Work items and outbox deliveries are queues ordered per ordering key: Claim() hands out an
//    item only when every earlier item of its key is finished (completed or dead-lettered), and
//    may hand out several consecutive items of one key in one batch, to be run in order.
//    Different keys are independent. A claim is a lease: an expired lease makes the item
//    claimable again (crash recovery); Complete/Retry/DeadLetter are fenced by the lease, so a
//    worker whose lease was taken over cannot commit.
//  - Complete() commits a step's whole result (derived messages, lineage, next work items,
//    outbox deliveries, events) together with the item's removal: all or nothing.
//  - Every attempt's outcome is an event row, so a message's history can always be shown.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/decimal.hpp"
#include "core/result.hpp"

namespace crossdock::store {

enum class Queue { kWork, kDelivery };
std::string_view QueueName(Queue q);

// An inbound document from a partner (or any message the hub records).
struct NewMessage {
  std::string id;  // filled by the store when empty
  std::string partner_id;
  std::string direction = "in";  // in | out | internal
  std::string kind = "raw";      // raw | canonical | ack | ...
  std::string content_type;
  std::string payload;
  std::string content_hash;     // lowercase hex SHA-256 of payload
  std::string idempotency_key;  // empty when the caller gave none
  std::string correlation_id;
  std::string traceparent;
  TimePoint received_at{};
};

struct DedupePolicy {
  Millis idempotency_window{Millis(7LL * 24 * 3600 * 1000)};
  Millis content_hash_window{Millis(24LL * 3600 * 1000)};  // 0: do not dedupe by content
};

struct AcceptOutcome {
  bool duplicate = false;
  std::string matched_by;  // "idempotency_key" or "content_hash" when duplicate
  std::string message_id;
  std::string correlation_id;
  TimePoint received_at{};
};

// A step to run later. `message_id` ties it to the message it works on.
struct WorkSpec {
  std::string step;
  std::string ordering_key;
  std::string message_id;
  std::string correlation_id;
  std::string payload;  // step input, usually JSON; may be empty
  TimePoint not_before{};
};

// A delivery to a destination. The idempotency key is fixed here and never changes on retry.
struct DeliverySpec {
  std::string destination_id;
  std::string ordering_key;
  std::string message_id;
  std::string partner_id;
  std::string correlation_id;
  std::string traceparent;
  std::string event_type;
  std::string idempotency_key;
  std::string content_type = "application/json";
  std::string body;
  TimePoint not_before{};
};

// A claimed work item or delivery.
struct QueueItem {
  Queue queue = Queue::kWork;
  int64_t seq = 0;
  std::string id;
  std::string name;  // step name, or destination id for deliveries
  std::string ordering_key;
  std::string message_id;
  std::string partner_id;
  std::string correlation_id;
  std::string traceparent;
  std::string payload;  // step input, or delivery body
  std::string event_type;
  std::string idempotency_key;
  std::string content_type;
  int attempts = 0;  // including the current one
  TimePoint created_at{};
  TimePoint not_before{};
  std::string lease_owner;
  std::string errors_json = "[]";  // every earlier attempt's error
  std::string replay_of;
};

struct AttemptError {
  TimePoint at{};
  std::string code;  // e.g. "unavailable", "http_503"
  std::string message;
  int http_status = 0;
  int64_t duration_ms = 0;
};

struct EventRecord {
  std::string type;  // e.g. "step.succeeded"
  std::string message_id;
  std::string correlation_id;
  std::string subject;  // step name, destination id
  std::string item_id;
  int attempt = 0;
  std::string detail_json;  // object or empty
  TimePoint at{};
};

struct LineageEdge {
  std::string parent_id;
  std::string child_id;
  std::string relation;  // derived, replay, ack, ...
};

// A business exception as stored (model::BusinessException plus its life cycle).
struct ExceptionRecord {
  std::string id;  // filled by the store when empty
  std::string type;
  std::string severity = "error";
  std::string partner_id;
  std::string document_type;
  std::string document_id;
  std::string message_id;
  std::string correlation_id;
  std::string line;
  std::string field;
  std::string value;
  std::string rule;
  std::string message;
  std::string status = "open";  // open, acknowledged, resolved
  std::string assigned_to;
  std::string history_json = "[]";  // every action: who, when, what, note
  TimePoint created_at{};
  TimePoint updated_at{};
};

// Claims a business key for a partner inside the completion's transaction (X12 interchange
// control numbers): fails the completion with kAlreadyExists if a live claim exists.
struct DedupeClaim {
  std::string partner_id;
  std::string kind;  // e.g. "isa"
  std::string key;
  std::string message_id;
  Millis window{Millis(30LL * 24 * 3600 * 1000)};
};

// A change to inventory positions, persisted with the completion and handed to the in-memory
// index after commit, in commit order.
struct InventoryChange {
  enum class Op {
    kSetOnHand,
    kAdjustOnHand,
    kSetSupply,
    kSetReserved,
    kAdjustReserved,
    kAdjustBackordered
  };
  Op op = Op::kSetOnHand;
  std::string sku;
  std::string warehouse;
  std::string uom;
  Decimal quantity;    // on hand / delta / reserved
  std::string source;  // snapshot source, adjustment reason
  TimePoint as_of{};
  // kAdjustReserved: refuse (the completion fails with kConflict) if reserved would exceed on
  // hand, so concurrent reservations can never promise the same units twice.
  bool guard_available = false;
  // kSetSupply
  std::string kind;  // on_order, in_transit
  std::string ref;
  struct Part {
    Decimal quantity;
    std::string date;
  };
  std::vector<Part> parts;
};

// A workflow aggregate's new state, written only if the stored version is still `expected`.
struct AggregateWrite {
  std::string type;  // purchase_order, sales_order, ...
  std::string id;
  int64_t expected_version = 0;  // 0: must not exist yet
  int64_t new_version = 0;
  std::string state_json;
  std::string status;  // the state machine's state, for listing
  std::string partner_id;
  struct Event {
    std::string type;
    std::string detail_json;
  };
  std::vector<Event> events;
};

// A named running total (credit exposure per customer, ...), adjusted inside the completion.
struct CounterDelta {
  std::string name;
  std::string key;
  Decimal delta;
};

// A business key (PO number, order id, interchange control number, SKU, document id) that
// points at a message and, when there is one, the workflow aggregate it belongs to. Indexed
// for search. The store also indexes every new aggregate under its own type and id, and every
// message a completion derives beside an aggregate write as kind "message_of" that aggregate.
struct BusinessKey {
  std::string kind;  // purchase_order, sales_order, return, interchange, document, sku
  std::string key;
  std::string ref_type;    // aggregate type or document type
  std::string ref_id;      // aggregate id or document key
  std::string message_id;  // the item's message when empty
  std::string partner_id;  // the item's partner when empty
};

// What a finished step commits, atomically with its item's removal.
struct Completion {
  std::vector<BusinessKey> keys;
  std::vector<CounterDelta> counters;
  std::vector<InventoryChange> inventory;
  std::vector<AggregateWrite> aggregates;
  std::vector<ExceptionRecord> exceptions;
  std::vector<DedupeClaim> claims;
  std::vector<NewMessage> messages;  // derived documents; give them ids and lineage edges
  std::vector<LineageEdge> lineage;
  std::vector<WorkSpec> next;
  std::vector<DeliverySpec> deliveries;
  std::vector<EventRecord> events;
  int64_t duration_ms = 0;
};

struct ClaimRequest {
  Queue queue = Queue::kWork;
  std::string owner;  // lease owner (unique per claim round)
  // Only these steps / destinations, each at most its number of items; empty: any, no cap.
  std::vector<std::pair<std::string, int>> name_limits;
  int limit = 64;
  // At most this many consecutive items of one ordering key per claim (a "run", to be processed
  // in order by one worker). 1 means only heads.
  int max_per_key = 1;
  // Runs are only for these steps / destinations (empty: all).
  std::vector<std::string> run_names;
  Millis lease{Millis(60'000)};
  TimePoint now{};
};

// ---- read models ----

struct EventView {
  int64_t seq = 0;
  std::string id, type, subject, item_id, detail_json, correlation_id;
  int attempt = 0;
  TimePoint at{};
};

struct PendingView {
  Queue queue = Queue::kWork;
  std::string id, name, event_type, idempotency_key, errors_json;
  int attempts = 0;
  TimePoint created_at{}, not_before{};
  bool leased = false;
};

struct DeadLetterView {
  std::string id;
  Queue queue = Queue::kWork;
  std::string item_id, name, ordering_key, message_id, partner_id, correlation_id, event_type,
      idempotency_key, reason, errors_json;
  int attempts = 0;
  TimePoint created_at{}, dead_at{};
  std::optional<TimePoint> replayed_at;
  std::string replay_item_id;
};

struct LineageView {
  std::string id, relation, kind;  // kind: message, work, delivery, dead_letter, unknown
  TimePoint at{};
};

struct MessageSummary {
  std::string id, partner_id, direction, kind, content_type, content_hash, idempotency_key,
      correlation_id, traceparent, replay_of;
  int64_t size = 0;
  TimePoint received_at{};
};

struct MessageView {
  MessageSummary message;
  std::string status;  // processing | done | failed
  std::vector<EventView> events;
  std::vector<PendingView> pending;
  std::vector<DeadLetterView> dead_letters;
  std::vector<ExceptionRecord> exceptions;
  std::vector<LineageView> parents;
  std::vector<LineageView> children;
};

struct MessageFilter {
  std::string correlation_id;
  std::string partner_id;
  std::string idempotency_key;
  std::string before_id;  // page: ids sorting before this one (newest first)
  int limit = 100;
};

struct DeadLetterFilter {
  std::string partner_id;
  bool include_replayed = false;
  std::string before_id;
  int limit = 100;
};

struct ExceptionFilter {
  std::string type;
  std::string partner_id;
  std::string status;  // empty: any
  std::string message_id;
  std::string document_id;
  std::string before_id;
  int limit = 100;
};

struct ProfileVersion {
  std::string partner_id;
  int64_t version = 0;
  std::string sha256;
  std::string content;
  std::string changed_by;
  std::string changes_json;  // what changed from the previous version
  TimePoint changed_at{};
};

struct DedupeHit {
  std::string message_id;
  std::string correlation_id;
  TimePoint received_at{};
};

struct AggregateRecord {
  std::string type;
  std::string id;
  int64_t version = 0;
  std::string status;
  std::string partner_id;
  std::string state_json;
  TimePoint created_at{};
  TimePoint updated_at{};
};

struct AggregateEventView {
  int64_t version = 0;
  std::string type;
  std::string detail_json;
  std::string message_id;
  std::string correlation_id;
  TimePoint at{};
};

struct AggregateFilter {
  std::string type;
  std::string status;
  std::string partner_id;
  std::string before_id;
  int limit = 100;
};

struct QueueStats {
  int64_t work_pending = 0;
  int64_t work_leased = 0;
  int64_t deliveries_pending = 0;
  int64_t deliveries_leased = 0;
  int64_t dead_letters_open = 0;
  int64_t messages = 0;
};

struct ReplayOutcome {
  std::string new_item_id;  // new work item / delivery, or new message for message replays
  std::string new_message_id;
};

struct KeyHit {
  std::string kind, key, ref_type, ref_id, message_id, correlation_id, partner_id;
  TimePoint at{};
};

// The append-only logs the operations measures are computed from, read in commit order.
enum class Log { kEvents, kAggregateEvents, kMessages, kExceptions };

// One row of a log. kEvents: type, subject (step, destination), message_id, detail.
// kAggregateEvents: type (the event), aggregate_type, aggregate_id, partner_id (the aggregate's),
// message_id, detail. kMessages: type (direction), subject (kind), partner_id, message_id (its
// id), size. kExceptions: type, subject (severity), partner_id, message_id, at (raised).
struct LogRecord {
  int64_t seq = 0;
  TimePoint at{};
  std::string type;
  std::string subject;
  std::string message_id;
  std::string partner_id;
  std::string aggregate_type;
  std::string aggregate_id;
  std::string detail_json;
  int64_t size = 0;
};

struct AggregateLogEntry {
  int64_t seq = 0;
  std::string id;
  AggregateEventView event;
};

// Open (not resolved) exceptions of one type and partner, by age.
struct ExceptionAging {
  std::string type;
  std::string partner_id;
  int64_t count = 0;
  int64_t lt_1h = 0, h1_4 = 0, h4_24 = 0, gt_24h = 0;
  TimePoint oldest{};
};

// The newest document of a type each partner sent (inventory snapshots: sync lag).
struct LatestDocument {
  std::string partner_id;
  std::string key;
  TimePoint at{};
};

struct CommitStats {
  uint64_t transactions = 0;
  uint64_t operations = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // ---- intake ----
  using AcceptCallback = std::function<void(Result<AcceptOutcome>)>;
  // Stores `msg` and enqueues `first_steps` (their message_id and correlation_id are filled in)
  // in one transaction shared with other concurrent accepts. `done` runs on a store thread once
  // the outcome is durable; it must be quick and must not call back into the store synchronously.
  virtual void Accept(NewMessage msg, std::vector<WorkSpec> first_steps, DedupePolicy policy,
                      AcceptCallback done) = 0;
  Result<AcceptOutcome> AcceptSync(NewMessage msg, std::vector<WorkSpec> first_steps,
                                   DedupePolicy policy);

  // ---- queues ----
  virtual Result<std::vector<QueueItem>> Claim(const ClaimRequest& req) = 0;
  // Results for several claimed items in one transaction; each is fenced separately. The
  // returned vector has one Status per item (kConflict when the lease was lost).
  struct ItemResult {
    enum class Kind { kComplete, kRetry, kDeadLetter, kRelease } kind = Kind::kComplete;
    QueueItem item;
    Completion completion;  // kComplete
    AttemptError error;     // kRetry, kDeadLetter
    TimePoint retry_at{};   // kRetry
    std::string reason;     // kDeadLetter
  };
  virtual std::vector<Status> Finish(std::vector<ItemResult> results) = 0;
  using FinishCallback = std::function<void(std::vector<Status>)>;
  virtual void FinishAsync(std::vector<ItemResult> results, FinishCallback done) = 0;

  // Called with a queue when new items for it were committed (to wake idle workers).
  virtual void SetQueueListener(std::function<void(Queue)> listener) = 0;

  // Re-enqueues a dead letter as a new item with lineage to it. kFailedPrecondition if it was
  // replayed already.
  virtual Result<ReplayOutcome> ReplayDeadLetter(const std::string& dead_letter_id,
                                                 const std::string& requested_by) = 0;
  // Records a new message with the same payload (lineage: original -> replay) and enqueues
  // `first_steps` for it.
  virtual Result<ReplayOutcome> ReplayMessage(const std::string& message_id,
                                              std::vector<WorkSpec> first_steps,
                                              const std::string& requested_by) = 0;

  // ---- business exceptions ----
  virtual Result<std::vector<ExceptionRecord>> ListExceptions(const ExceptionFilter& filter) = 0;
  virtual Result<ExceptionRecord> GetException(const std::string& id) = 0;
  // action: acknowledge, resolve, assign, reopen. Appends to the history; kFailedPrecondition
  // when the action does not fit the status (resolving a resolved exception).
  virtual Result<ExceptionRecord> UpdateException(const std::string& id, const std::string& action,
                                                  const std::string& note, const std::string& actor,
                                                  const std::string& assignee) = 0;

  // ---- partner profile history ----
  // Records `content` as the partner's next version unless it equals the latest (returns 0 then).
  virtual Result<int64_t> RecordProfileVersion(const std::string& partner_id,
                                               const std::string& content,
                                               const std::string& changed_by,
                                               const std::string& changes_json) = 0;
  virtual Result<std::vector<ProfileVersion>> ListProfileVersions(
      const std::string& partner_id) = 0;

  // A live dedupe entry (kind "key", "hash", "isa", ...) or nullopt.
  virtual Result<std::optional<DedupeHit>> FindDedupe(const std::string& partner_id,
                                                      const std::string& kind,
                                                      const std::string& key) = 0;

  // ---- work outside intake (operator actions, timers) ----
  virtual Status Enqueue(std::vector<WorkSpec> items) = 0;

  // ---- inventory ----
  // The whole committed inventory as changes that rebuild it (for the in-memory index at start).
  virtual Result<std::vector<InventoryChange>> LoadInventory() = 0;
  // Called on the store's thread after each commit with the inventory changes it made, in commit
  // order, before the commit's callers are answered.
  virtual void SetInventoryListener(
      std::function<void(const std::vector<InventoryChange>&)> listener) = 0;

  virtual Result<Decimal> GetCounter(const std::string& name, const std::string& key) = 0;

  // ---- workflow aggregates ----
  virtual Result<std::optional<AggregateRecord>> GetAggregate(const std::string& type,
                                                              const std::string& id) = 0;
  virtual Result<std::vector<AggregateRecord>> ListAggregates(const AggregateFilter& filter) = 0;
  virtual Result<std::vector<AggregateEventView>> AggregateTimeline(const std::string& type,
                                                                    const std::string& id) = 0;
  // Open sales orders with a backordered line for this SKU (ids), oldest first.
  virtual Result<std::vector<std::string>> OrdersWithBackorders(const std::string& sku) = 0;

  // Next value of a per-partner counter (X12 control numbers); starts at 1, persisted.
  virtual Result<int64_t> NextSequence(const std::string& partner_id, const std::string& kind) = 0;

  // ---- reads ----
  virtual Result<MessageView> GetMessage(const std::string& id) = 0;
  virtual Result<std::string> GetPayload(const std::string& message_id,
                                         std::string* content_type) = 0;
  virtual Result<std::vector<MessageSummary>> ListMessages(const MessageFilter& filter) = 0;
  virtual Result<std::vector<DeadLetterView>> ListDeadLetters(const DeadLetterFilter& filter) = 0;
  virtual Result<DeadLetterView> GetDeadLetter(const std::string& id) = 0;
  virtual Result<QueueStats> Stats() = 0;

  // ---- operations: search and measures ----
  // Business keys equal to `key` (exact), newest first.
  virtual Result<std::vector<KeyHit>> FindKeys(const std::string& key, int limit) = 0;
  // The workflow aggregates (type, id) whose events name `message_id`.
  virtual Result<std::vector<std::pair<std::string, std::string>>> AggregatesForMessage(
      const std::string& message_id) = 0;
  // Up to `limit` records of `log` with seq > after_seq, in seq order.
  virtual Result<std::vector<LogRecord>> ReadLog(Log log, int64_t after_seq, int limit) = 0;
  // The seq just before the first record at or after `at` (0 when none is older), found by a
  // binary search over seq (records are written in time order, give or take a commit).
  virtual Result<int64_t> LogSeqBefore(Log log, TimePoint at) = 0;
  virtual Result<std::vector<ExceptionAging>> OpenExceptionsByAge(TimePoint now) = 0;
  // Per partner, the newest indexed document of `document_type`.
  virtual Result<std::vector<LatestDocument>> LatestDocuments(const std::string& document_type) = 0;
  // Events of every aggregate of `type`, newest first (alert history); before_seq 0: newest.
  virtual Result<std::vector<AggregateLogEntry>> RecentAggregateEvents(const std::string& type,
                                                                       int64_t before_seq,
                                                                       int limit) = 0;
  virtual CommitStats GetCommitStats() const = 0;

  // Stops accepting writes after flushing everything queued. Idempotent.
  virtual void Close() = 0;
};

struct SqliteOptions {
  std::string path;              // database file
  bool synchronous_full = true;  // false: synchronous=NORMAL
  int max_batch = 2048;          // operations per group commit
  int linger_us = 0;             // wait this long for more operations before committing
  int read_connections = 4;
  const Clock* clock = nullptr;  // defaults to the system clock
};

// Opens (creating and migrating as needed) a SQLite store. Takes an exclusive lock file beside the
// database so two processes never share it, and releases leases left by a previous process.
Result<std::unique_ptr<Store>> OpenSqlite(const SqliteOptions& options);

}  // namespace crossdock::store
