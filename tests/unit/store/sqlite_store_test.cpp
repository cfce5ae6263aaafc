#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "store/store.hpp"

namespace crossdock::store {
namespace {

namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cd-store-" + NewId());
    fs::create_directories(dir_);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    SqliteOptions o;
    o.path = (dir_ / "hub.db").string();
    o.clock = &clock_;
    auto s = OpenSqlite(o);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    store_ = std::move(*s);
  }
  NewMessage Msg(const std::string& body, const std::string& key = {},
                 const std::string& partner = "acme") {
    NewMessage m;
    m.partner_id = partner;
    m.content_type = "application/json";
    m.payload = body;
    m.content_hash = Sha256Hex(body);
    m.idempotency_key = key;
    m.correlation_id = "corr-" + body;
    return m;
  }
  std::vector<WorkSpec> Step(const std::string& key = {}) {
    WorkSpec w;
    w.step = "route";
    w.ordering_key = key;
    return {w};
  }
  std::vector<QueueItem> ClaimAll(Queue q = Queue::kWork, int limit = 100) {
    ClaimRequest r;
    r.queue = q;
    r.owner = "w-" + NewId();
    r.limit = limit;
    r.max_per_key = max_per_key_;
    r.now = clock_.Now();
    auto items = store_->Claim(r);
    EXPECT_TRUE(items.ok()) << items.error().ToString();
    return items.ok() ? *items : std::vector<QueueItem>{};
  }
  Status Complete(const QueueItem& it, Completion c = {}) {
    Store::ItemResult r;
    r.kind = Store::ItemResult::Kind::kComplete;
    r.item = it;
    r.completion = std::move(c);
    return store_->Finish({r})[0];
  }

  int max_per_key_ = 100;
  ManualClock clock_{FromUnixMillis(1'800'000'000'000)};
  fs::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, AcceptStoresMessageAndFirstStep) {
  auto r = store_->AcceptSync(Msg("{\"a\":1}", "k1"), Step(), {});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_FALSE(r->duplicate);
  EXPECT_TRUE(IsValidId(r->message_id));
  auto v = store_->GetMessage(r->message_id);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->message.partner_id, "acme");
  EXPECT_EQ(v->message.size, 7);
  EXPECT_EQ(v->message.idempotency_key, "k1");
  EXPECT_EQ(v->status, "processing");
  ASSERT_EQ(v->pending.size(), 1u);
  EXPECT_EQ(v->pending[0].name, "route");
  std::string ct;
  EXPECT_EQ(store_->GetPayload(r->message_id, &ct).value(), "{\"a\":1}");
  EXPECT_EQ(ct, "application/json");
}

TEST_F(StoreTest, DuplicateByKeyReturnsOriginalAndStoresNothing) {
  auto a = store_->AcceptSync(Msg("one", "k"), Step(), {});
  auto b = store_->AcceptSync(Msg("two", "k"), Step(), {});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(b->duplicate);
  EXPECT_EQ(b->matched_by, "idempotency_key");
  EXPECT_EQ(b->message_id, a->message_id);
  EXPECT_EQ(b->correlation_id, a->correlation_id);
  EXPECT_EQ(ClaimAll().size(), 1u);
  // Same key from another partner is a different document.
  auto c = store_->AcceptSync(Msg("one", "k", "other"), Step(), {});
  EXPECT_FALSE(c->duplicate);
}

TEST_F(StoreTest, DuplicateByContentHashWithinWindowOnly) {
  DedupePolicy p;
  p.content_hash_window = Millis(60'000);
  auto a = store_->AcceptSync(Msg("same"), Step(), p);
  auto b = store_->AcceptSync(Msg("same"), Step(), p);
  EXPECT_TRUE(b->duplicate);
  EXPECT_EQ(b->matched_by, "content_hash");
  clock_.Advance(Millis(61'000));
  auto c = store_->AcceptSync(Msg("same"), Step(), p);
  EXPECT_FALSE(c->duplicate);
  EXPECT_NE(c->message_id, a->message_id);
  // Disabled window: identical content is accepted again.
  p.content_hash_window = Millis(0);
  auto d = store_->AcceptSync(Msg("same"), Step(), p);
  EXPECT_FALSE(d->duplicate);
}

TEST_F(StoreTest, ConcurrentDuplicatesOnlyOneWins) {
  std::atomic<int> fresh{0}, dup{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t) {
    ts.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto r = store_->AcceptSync(
            Msg("body-" + std::to_string(i) + "-" + std::to_string(t), "key-" + std::to_string(i)),
            Step(), {});
        ASSERT_TRUE(r.ok());
        (r->duplicate ? dup : fresh)++;
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(fresh.load(), 50);
  EXPECT_EQ(dup.load(), 350);
  // Group commit: 400 accepts took fewer transactions than operations.
  auto cs = store_->GetCommitStats();
  EXPECT_LT(cs.transactions, cs.operations);
}

TEST_F(StoreTest, ClaimKeepsPerKeyOrderAndRunsKeysInParallel) {
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(store_->AcceptSync(Msg("a" + std::to_string(i)), Step("A"), {}).ok());
  for (int i = 0; i < 2; ++i)
    ASSERT_TRUE(store_->AcceptSync(Msg("b" + std::to_string(i)), Step("B"), {}).ok());
  // One claimer may take a run of consecutive items per key.
  auto first = ClaimAll();
  ASSERT_EQ(first.size(), 5u);
  // Items of key A come in insertion order.
  std::vector<int64_t> a_seqs;
  for (auto& it : first)
    if (it.ordering_key == "A") a_seqs.push_back(it.seq);
  ASSERT_EQ(a_seqs.size(), 3u);
  EXPECT_TRUE(std::is_sorted(a_seqs.begin(), a_seqs.end()));
  // A second claimer sees nothing while they are leased.
  EXPECT_TRUE(ClaimAll().empty());
}

TEST_F(StoreTest, HeadsOnlyClaimTakesOnePerKey) {
  max_per_key_ = 1;
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(store_->AcceptSync(Msg("h" + std::to_string(i)), Step("H"), {}).ok());
  ASSERT_TRUE(store_->AcceptSync(Msg("g0"), Step("G"), {}).ok());
  auto first = ClaimAll();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_NE(first[0].ordering_key, first[1].ordering_key);
}

TEST_F(StoreTest, HeadInBackoffBlocksItsKeyOnly) {
  ASSERT_TRUE(store_->AcceptSync(Msg("a0"), Step("A"), {}).ok());
  ASSERT_TRUE(store_->AcceptSync(Msg("a1"), Step("A"), {}).ok());
  ASSERT_TRUE(store_->AcceptSync(Msg("b0"), Step("B"), {}).ok());
  auto items = ClaimAll(Queue::kWork, 1);  // only the head of A
  ASSERT_EQ(items.size(), 1u);
  Store::ItemResult r;
  r.kind = Store::ItemResult::Kind::kRetry;
  r.item = items[0];
  r.error.code = "unavailable";
  r.error.message = "ERP down";
  r.retry_at = clock_.Now() + Millis(10'000);
  ASSERT_TRUE(store_->Finish({r})[0].ok());
  auto next = ClaimAll();
  ASSERT_EQ(next.size(), 1u);  // a1 waits behind a0; b0 is free
  EXPECT_EQ(next[0].ordering_key, "B");
  clock_.Advance(Millis(10'001));
  auto later = ClaimAll();
  ASSERT_EQ(later.size(), 2u);  // a0 (retry) then a1, in order
  EXPECT_EQ(later[0].id, items[0].id);
  EXPECT_EQ(later[0].attempts, 2);
  EXPECT_NE(later[0].errors_json.find("ERP down"), std::string::npos);
}

TEST_F(StoreTest, CompletionIsAtomicAndFenced) {
  auto acc = store_->AcceptSync(Msg("x"), Step(), {});
  auto items = ClaimAll();
  ASSERT_EQ(items.size(), 1u);
  Completion c;
  DeliverySpec d;
  d.destination_id = "hook";
  d.message_id = acc->message_id;
  d.event_type = "message.received.v1";
  d.idempotency_key = "msg_fixed";
  d.body = "{}";
  c.deliveries.push_back(d);
  QueueItem stale = items[0];
  stale.lease_owner = "someone-else";
  EXPECT_EQ(Complete(stale, c).code(), Code::kConflict);
  EXPECT_TRUE(ClaimAll(Queue::kDelivery).empty());  // nothing of the fenced-out result landed
  ASSERT_TRUE(Complete(items[0], c).ok());
  auto ds = ClaimAll(Queue::kDelivery);
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].idempotency_key, "msg_fixed");
  EXPECT_EQ(ds[0].name, "hook");
  auto v = store_->GetMessage(acc->message_id);
  ASSERT_TRUE(v.ok());
  bool saw = false;
  for (auto& e : v->events) saw |= e.type == "step.succeeded" && e.subject == "route";
  EXPECT_TRUE(saw);
}

TEST_F(StoreTest, DeadLetterKeepsEveryErrorAndReplayHasLineage) {
  auto acc = store_->AcceptSync(Msg("poison"), Step("P"), {});
  ASSERT_TRUE(store_->AcceptSync(Msg("after"), Step("P"), {}).ok());
  auto items = ClaimAll(Queue::kWork, 1);
  Store::ItemResult r;
  r.item = items[0];
  r.kind = Store::ItemResult::Kind::kRetry;
  r.error.code = "e1";
  r.error.message = "first failure";
  r.retry_at = clock_.Now();
  ASSERT_TRUE(store_->Finish({r})[0].ok());
  items = ClaimAll(Queue::kWork, 1);
  r.item = items[0];
  r.kind = Store::ItemResult::Kind::kDeadLetter;
  r.error.code = "e2";
  r.error.message = "second failure";
  r.reason = "attempts exhausted";
  ASSERT_TRUE(store_->Finish({r})[0].ok());
  // The dead letter no longer blocks the key.
  auto rest = ClaimAll();
  ASSERT_EQ(rest.size(), 1u);
  ASSERT_TRUE(Complete(rest[0]).ok());
  auto dls = store_->ListDeadLetters({});
  ASSERT_TRUE(dls.ok());
  ASSERT_EQ(dls->size(), 1u);
  const auto& dl = (*dls)[0];
  EXPECT_EQ(dl.reason, "attempts exhausted");
  EXPECT_NE(dl.errors_json.find("first failure"), std::string::npos);
  EXPECT_NE(dl.errors_json.find("second failure"), std::string::npos);
  EXPECT_EQ(store_->GetMessage(acc->message_id)->status, "failed");

  auto rep = store_->ReplayDeadLetter(dl.id, "alice");
  ASSERT_TRUE(rep.ok()) << rep.error().ToString();
  EXPECT_EQ(store_->ReplayDeadLetter(dl.id, "alice").error().code(), Code::kFailedPrecondition);
  auto again = ClaimAll();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, rep->new_item_id);
  EXPECT_EQ(again[0].replay_of, dl.id);
  EXPECT_EQ(again[0].attempts, 1);
  auto v = store_->GetMessage(acc->message_id);
  EXPECT_EQ(v->status, "processing");
  ASSERT_TRUE(Complete(again[0]).ok());
  EXPECT_EQ(store_->GetMessage(acc->message_id)->status, "done");
  EXPECT_TRUE(store_->ListDeadLetters({})->empty());
}

TEST_F(StoreTest, ReplayMessageCreatesLinkedCopy) {
  auto acc = store_->AcceptSync(Msg("doc", "key-r"), Step(), {});
  auto rep = store_->ReplayMessage(acc->message_id, Step(), "bob");
  ASSERT_TRUE(rep.ok());
  auto v = store_->GetMessage(rep->new_message_id);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->message.replay_of, acc->message_id);
  ASSERT_EQ(v->parents.size(), 1u);
  EXPECT_EQ(v->parents[0].id, acc->message_id);
  EXPECT_EQ(v->parents[0].relation, "replay");
  EXPECT_EQ(v->parents[0].kind, "message");
  auto orig = store_->GetMessage(acc->message_id);
  ASSERT_EQ(orig->children.size(), 1u);
  EXPECT_EQ(orig->children[0].id, rep->new_message_id);
  EXPECT_EQ(ClaimAll().size(), 2u);
  EXPECT_EQ(store_->ReplayMessage("nope", Step(), "bob").error().code(), Code::kNotFound);
}

TEST_F(StoreTest, RestartRecoversLeasesAndRecordsTheInterruptedAttempt) {
  auto acc = store_->AcceptSync(Msg("crash"), Step(), {});
  auto items = ClaimAll();
  ASSERT_EQ(items.size(), 1u);
  Reopen();  // like a process restart: the old lease is void
  auto again = ClaimAll();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempts, 2);
  EXPECT_NE(again[0].errors_json.find("interrupted"), std::string::npos);
}

TEST_F(StoreTest, SecondProcessIsRefused) {
  SqliteOptions o;
  o.path = (dir_ / "hub.db").string();
  auto s = OpenSqlite(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("in use"), std::string::npos);
}

TEST_F(StoreTest, SequencesArePerPartnerAndPersist) {
  EXPECT_EQ(store_->NextSequence("acme", "isa").value(), 1);
  EXPECT_EQ(store_->NextSequence("acme", "isa").value(), 2);
  EXPECT_EQ(store_->NextSequence("acme", "gs").value(), 1);
  EXPECT_EQ(store_->NextSequence("zeta", "isa").value(), 1);
  Reopen();
  EXPECT_EQ(store_->NextSequence("acme", "isa").value(), 3);
}

TEST_F(StoreTest, ReleaseGivesTheAttemptBack) {
  ASSERT_TRUE(store_->AcceptSync(Msg("r"), Step(), {}).ok());
  auto items = ClaimAll();
  Store::ItemResult r;
  r.kind = Store::ItemResult::Kind::kRelease;
  r.item = items[0];
  ASSERT_TRUE(store_->Finish({r})[0].ok());
  auto again = ClaimAll();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempts, 1);
}

TEST_F(StoreTest, PerNameLimitsCapClaims) {
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(store_->AcceptSync(Msg("n" + std::to_string(i)), Step(), {}).ok());
  ClaimRequest r;
  r.owner = "o";
  r.now = clock_.Now();
  r.name_limits = {{"route", 2}};
  auto items = store_->Claim(r);
  ASSERT_TRUE(items.ok());
  EXPECT_EQ(items->size(), 2u);
  r.name_limits = {{"other", 5}};
  EXPECT_TRUE(store_->Claim(r)->empty());
}

TEST_F(StoreTest, ListMessagesByCorrelationAndPage) {
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(
        store_->AcceptSync(Msg("p" + std::to_string(i), "pk" + std::to_string(i)), Step(), {})
            .ok());
  MessageFilter f;
  f.limit = 2;
  auto page1 = store_->ListMessages(f);
  ASSERT_EQ(page1->size(), 2u);
  f.before_id = page1->back().id;
  auto page2 = store_->ListMessages(f);
  ASSERT_EQ(page2->size(), 2u);
  EXPECT_LT(page2->front().id, page1->back().id);
  MessageFilter byc;
  byc.correlation_id = "corr-p3";
  auto c = store_->ListMessages(byc);
  ASSERT_EQ(c->size(), 1u);
  MessageFilter byk;
  byk.idempotency_key = "pk4";
  EXPECT_EQ(store_->ListMessages(byk)->size(), 1u);
}

TEST_F(StoreTest, ExceptionsAreStoredWithTheCompletionAndHaveALifeCycle) {
  auto acc = store_->AcceptSync(Msg("855"), Step(), {});
  auto items = ClaimAll();
  Completion c;
  ExceptionRecord e;
  e.type = "unknown_item";
  e.document_type = "purchase_order_ack";
  e.document_id = "PO-1";
  e.line = "2";
  e.field = "lines[1].item.partner_item_id";
  e.value = "XYZ";
  e.rule = "every partner item must have a cross-reference";
  e.message = "ACME item XYZ has no SKU";
  c.exceptions.push_back(e);
  ASSERT_TRUE(Complete(items[0], c).ok());
  auto v = store_->GetMessage(acc->message_id);
  ASSERT_EQ(v->exceptions.size(), 1u);
  const std::string id = v->exceptions[0].id;
  EXPECT_EQ(v->exceptions[0].partner_id, "acme");
  ExceptionFilter f;
  f.status = "open";
  f.partner_id = "acme";
  EXPECT_EQ(store_->ListExceptions(f)->size(), 1u);
  f.type = "price_out_of_tolerance";
  EXPECT_TRUE(store_->ListExceptions(f)->empty());
  EXPECT_EQ(store_->UpdateException(id, "resolve", "", "alice", "").error().code(),
            Code::kInvalidArgument);
  ASSERT_TRUE(store_->UpdateException(id, "acknowledge", "", "alice", "").ok());
  ASSERT_TRUE(store_->UpdateException(id, "assign", "", "alice", "bob").ok());
  auto r = store_->UpdateException(id, "resolve", "xref added for XYZ", "bob", "");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, "resolved");
  EXPECT_EQ(r->assigned_to, "bob");
  EXPECT_NE(r->history_json.find("xref added for XYZ"), std::string::npos);
  EXPECT_NE(r->history_json.find("\"by\":\"alice\""), std::string::npos);
  EXPECT_EQ(store_->UpdateException(id, "resolve", "again", "bob", "").error().code(),
            Code::kFailedPrecondition);
  EXPECT_EQ(store_->UpdateException("nope", "resolve", "x", "bob", "").error().code(),
            Code::kNotFound);
}

TEST_F(StoreTest, ClaimsRecogniseARepeatedBusinessKey) {
  auto a = store_->AcceptSync(Msg("isa-1"), Step(), {});
  auto b = store_->AcceptSync(Msg("isa-2"), Step(), {});
  auto items = ClaimAll();
  ASSERT_EQ(items.size(), 2u);
  Completion c1;
  c1.claims.push_back({"acme", "isa", "ZZ/ACME/000000905", items[0].message_id, Millis(60000)});
  ASSERT_TRUE(Complete(items[0], c1).ok());
  auto hit = store_->FindDedupe("acme", "isa", "ZZ/ACME/000000905");
  ASSERT_TRUE(hit.ok());
  ASSERT_TRUE(hit->has_value());
  EXPECT_EQ((*hit)->message_id, items[0].message_id);
  Completion c2;
  c2.claims.push_back({"acme", "isa", "ZZ/ACME/000000905", items[1].message_id, Millis(60000)});
  EXPECT_EQ(Complete(items[1], c2).code(), Code::kAlreadyExists);
  EXPECT_FALSE(store_->FindDedupe("acme", "isa", "other")->has_value());
}

TEST_F(StoreTest, ProfileVersionsRecordOnlyChanges) {
  EXPECT_EQ(store_->RecordProfileVersion("acme", "v: 1", "file", "{}").value(), 1);
  EXPECT_EQ(store_->RecordProfileVersion("acme", "v: 1", "file", "{}").value(), 0);
  EXPECT_EQ(store_->RecordProfileVersion("acme", "v: 2", "ops", "{\"changed\":1}").value(), 2);
  auto vs = store_->ListProfileVersions("acme");
  ASSERT_EQ(vs->size(), 2u);
  EXPECT_EQ((*vs)[0].version, 2);
  EXPECT_EQ((*vs)[0].changed_by, "ops");
  EXPECT_EQ((*vs)[1].content, "v: 1");
}

TEST_F(StoreTest, InventoryChangesPersistAndReachTheListenerAfterCommit) {
  std::vector<InventoryChange> seen;
  std::mutex mu;
  store_->SetInventoryListener([&](const std::vector<InventoryChange>& cs) {
    std::lock_guard<std::mutex> lock(mu);
    seen.insert(seen.end(), cs.begin(), cs.end());
  });
  ASSERT_TRUE(store_->AcceptSync(Msg("inv"), Step(), {}).ok());
  auto items = ClaimAll();
  Completion c;
  InventoryChange on;
  on.op = InventoryChange::Op::kSetOnHand;
  on.sku = "SKU-1";
  on.warehouse = "WH";
  on.uom = "EA";
  on.quantity = Decimal::FromInt(100);
  on.source = "erp";
  c.inventory.push_back(on);
  InventoryChange adj = on;
  adj.op = InventoryChange::Op::kAdjustOnHand;
  adj.quantity = Decimal::FromInt(-30);
  c.inventory.push_back(adj);
  InventoryChange sup;
  sup.op = InventoryChange::Op::kSetSupply;
  sup.kind = "on_order";
  sup.ref = "po/PO-1/1";
  sup.sku = "SKU-1";
  sup.warehouse = "WH";
  sup.parts = {{Decimal::FromInt(50), "2026-12-01"}, {Decimal::FromInt(20), "2026-12-15"}};
  c.inventory.push_back(sup);
  // A failing item in the same Finish must not leak its changes.
  QueueItem stale = items[0];
  stale.lease_owner = "nobody";
  stale.ordering_key = "another-key";
  Store::ItemResult bad;
  bad.item = stale;
  bad.completion.inventory.push_back(on);
  Store::ItemResult good;
  good.item = items[0];
  good.completion = c;
  auto st = store_->Finish({bad, good});
  EXPECT_FALSE(st[0].ok());
  ASSERT_TRUE(st[1].ok());
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[1].op, InventoryChange::Op::kAdjustOnHand);
  }
  auto inv = store_->LoadInventory();
  ASSERT_TRUE(inv.ok());
  bool on_hand_70 = false, supply_2 = false;
  for (const auto& x : *inv) {
    if (x.op == InventoryChange::Op::kSetOnHand) on_hand_70 = x.quantity.ToString() == "70";
    if (x.op == InventoryChange::Op::kSetSupply) supply_2 = x.parts.size() == 2;
  }
  EXPECT_TRUE(on_hand_70);
  EXPECT_TRUE(supply_2);
}

TEST_F(StoreTest, AggregatesAreVersionedAndKeepATimeline) {
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(store_->AcceptSync(Msg("agg" + std::to_string(i)), Step("A"), {}).ok());
  max_per_key_ = 1;
  auto write = [&](int64_t expected, int64_t next, const std::string& status) {
    auto items = ClaimAll();
    EXPECT_EQ(items.size(), 1u);
    Completion c;
    AggregateWrite a;
    a.type = "purchase_order";
    a.id = "PO-1";
    a.expected_version = expected;
    a.new_version = next;
    a.status = status;
    a.partner_id = "acme";
    a.state_json = "{\"state\":\"" + status + "\"}";
    a.events.push_back({"purchase_order." + status + ".v1", "{}"});
    c.aggregates.push_back(a);
    return Complete(items[0], c);
  };
  ASSERT_TRUE(write(0, 1, "released").ok());
  ASSERT_TRUE(write(1, 2, "sent").ok());
  EXPECT_EQ(write(1, 2, "stale").code(), Code::kConflict);
  auto a = store_->GetAggregate("purchase_order", "PO-1");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->version, 2);
  EXPECT_EQ((*a)->status, "sent");
  auto tl = store_->AggregateTimeline("purchase_order", "PO-1");
  ASSERT_EQ(tl->size(), 2u);
  EXPECT_EQ((*tl)[1].type, "purchase_order.sent.v1");
  AggregateFilter f;
  f.type = "purchase_order";
  f.status = "sent";
  EXPECT_EQ(store_->ListAggregates(f)->size(), 1u);
  EXPECT_FALSE(store_->GetAggregate("purchase_order", "nope")->has_value());
}

TEST_F(StoreTest, AnItemThatCannotCommitIsNotOvertakenByItsKey) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(store_->AcceptSync(Msg("o" + std::to_string(i)), Step("K"), {}).ok());
  }
  auto items = ClaimAll();
  ASSERT_EQ(items.size(), 3u);
  Store::ItemResult a, b, c;
  a.item = items[0];
  a.item.lease_owner = "stolen";  // fenced out: cannot commit
  b.item = items[1];
  c.item = items[2];
  auto st = store_->Finish({a, b, c});
  EXPECT_EQ(st[0].code(), Code::kConflict);
  EXPECT_EQ(st[1].code(), Code::kConflict);
  EXPECT_EQ(st[2].code(), Code::kConflict);
  EXPECT_NE(st[1].error().message().find("did not commit"), std::string::npos);
  // b and c were given back; a is still leased, so nothing of K can be claimed yet.
  EXPECT_TRUE(ClaimAll().empty());
}

TEST_F(StoreTest, HeadsAreClaimedInOrderAcrossManyKeysAndABacklog) {
  // One key with a deep backlog does not slow the others, and order holds within a key.
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(store_->AcceptSync(Msg("deep" + std::to_string(i)), Step("DEEP"), {}).ok());
  }
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        store_->AcceptSync(Msg("k" + std::to_string(i)), Step("K" + std::to_string(i)), {}).ok());
  }
  max_per_key_ = 1;
  auto items = ClaimAll(Queue::kWork, 100);
  ASSERT_EQ(items.size(), 6u);  // the head of DEEP and the five others
  int64_t deep_seq = 0;
  for (auto& it : items) {
    if (it.ordering_key == "DEEP") deep_seq = it.seq;
  }
  for (auto& it : items) ASSERT_TRUE(Complete(it).ok());
  auto next = ClaimAll(Queue::kWork, 100);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_GT(next[0].seq, deep_seq);
  EXPECT_EQ(next[0].ordering_key, "DEEP");
}

TEST_F(StoreTest, GuardedReservationsNeverExceedOnHandAndCountersAdd) {
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(
        store_->AcceptSync(Msg("g" + std::to_string(i)), Step("G" + std::to_string(i)), {}).ok());
  auto items = ClaimAll();
  ASSERT_EQ(items.size(), 3u);
  auto reserve = [](const char* q) {
    InventoryChange c;
    c.op = InventoryChange::Op::kAdjustReserved;
    c.sku = "LAST";
    c.warehouse = "WH";
    c.quantity = Decimal::Parse(q).value();
    c.guard_available = true;
    return c;
  };
  Store::ItemResult stock, first, second;
  stock.item = items[0];
  InventoryChange on;
  on.op = InventoryChange::Op::kSetOnHand;
  on.sku = "LAST";
  on.warehouse = "WH";
  on.quantity = Decimal::FromInt(5);
  stock.completion.inventory.push_back(on);
  first.item = items[1];
  first.completion.inventory.push_back(reserve("3"));
  first.completion.counters.push_back({"open_orders", "acme", Decimal::Parse("30.00").value()});
  second.item = items[2];
  second.completion.inventory.push_back(reserve("3"));  // only 2 left
  second.completion.counters.push_back({"open_orders", "acme", Decimal::Parse("99.00").value()});
  auto st = store_->Finish({stock, first, second});
  EXPECT_TRUE(st[0].ok());
  EXPECT_TRUE(st[1].ok());
  ASSERT_EQ(st[2].code(), Code::kConflict);
  EXPECT_NE(st[2].error().message().find("not enough LAST at WH"), std::string::npos);
  EXPECT_EQ(store_->GetCounter("open_orders", "acme").value().ToString(), "30.00");
  EXPECT_TRUE(store_->GetCounter("open_orders", "nobody").value().is_zero());
}

TEST_F(StoreTest, EnqueueAddsWorkOutsideIntake) {
  WorkSpec w;
  w.step = "timer";
  w.ordering_key = "po/PO-9";
  w.payload = "{}";
  w.not_before = clock_.Now() + Millis(5000);
  ASSERT_TRUE(store_->Enqueue({w}).ok());
  EXPECT_TRUE(ClaimAll().empty());
  clock_.Advance(Millis(5001));
  auto items = ClaimAll();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].name, "timer");
}

}  // namespace
}  // namespace crossdock::store
