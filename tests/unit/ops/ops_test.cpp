// Operations measures and alerts over a real SQLite store: the logs are written the way the
// pipeline writes them (completions with aggregate events, step events, exceptions, keys), the
// clock is manual, and the figures are checked against what was written.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "config/config.hpp"
#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "ops/alerts.hpp"
#include "ops/measures.hpp"
#include "store/store.hpp"

namespace crossdock::ops {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kConfig = R"(
partners:
  - id: sup
    name: Strategic Supplier
    kind: supplier
    strategic: true
    formats: [json]
    sla: {ack_due_hours: 1}
  - id: other-sup
    kind: supplier
    formats: [json]
    sla: {ack_due_hours: 48}
  - id: cust
    kind: customer
    formats: [json]
  - id: wh
    kind: 3pl
    formats: [json]
    documents:
      - {type: inventory_advice, direction: in, format: json}
  - id: erp
    kind: erp
    formats: [json]
    documents:
      - {type: inventory_advice, direction: in, format: json}
destinations:
  - id: ops-hook
    url: http://127.0.0.1:9/alerts
    secret: whsec_dGVzdC1zZWNyZXQtb3BzLTAxMjM0NTY3ODk=
    events: ["none"]
  - id: all-alerts
    url: http://127.0.0.1:9/all
    secret: whsec_dGVzdC1zZWNyZXQtb3BzLTAxMjM0NTY3ODk=
    events: ["crossdock.alert.firing.v1", "crossdock.alert.resolved.v1"]
alerts:
  - id: any-dead-letter
    measure: dead_letters
    threshold: 0
    window_minutes: 5
    severity: critical
    notify: [ops-hook]
  - id: strategic-ack-overdue
    measure: overdue_acks
    strategic_only: true
    threshold: 0
  - id: sync-lag
    measure: inventory_sync_lag_seconds
    op: ">"
    threshold: 900
)";

class OpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cd-ops-" + NewId());
    fs::create_directories(dir_);
    auto c = config::LoadFromString(kConfig, "ops.yaml");
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    cfg_ = std::move(*c);
    Open();
  }
  void TearDown() override {
    alerts_.reset();
    measures_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  void Open() {
    alerts_.reset();
    measures_.reset();
    store_.reset();
    store::SqliteOptions o;
    o.path = (dir_ / "hub.db").string();
    o.clock = &clock_;
    auto s = store::OpenSqlite(o);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    store_ = std::move(*s);
    measures_ = std::make_unique<Measures>(*store_, cfg_, clock_);
    alerts_ = std::make_unique<Alerts>(*store_, cfg_, clock_, *measures_);
  }

  // Accepts a message from `partner` and completes its first step with `c`: the way every
  // pipeline step commits. Returns the message id.
  std::string Commit(const std::string& partner, store::Completion c,
                     const std::string& direction = "in") {
    store::NewMessage m;
    m.partner_id = partner;
    m.direction = direction;
    m.content_type = "application/json";
    m.payload = "{\"n\":" + std::to_string(++n_) + "}";
    m.content_hash = Sha256Hex(m.payload);
    m.correlation_id = "corr-" + std::to_string(n_);
    store::WorkSpec w;
    w.step = "decode";
    w.ordering_key = "k-" + std::to_string(n_);
    auto a = store_->AcceptSync(m, {w}, {});
    EXPECT_TRUE(a.ok());
    store::ClaimRequest r;
    r.owner = "t-" + NewId();
    r.now = clock_.Now();
    auto items = store_->Claim(r);
    EXPECT_TRUE(items.ok());
    EXPECT_EQ(items->size(), 1u);
    store::Store::ItemResult res;
    res.kind = store::Store::ItemResult::Kind::kComplete;
    res.item = items->at(0);
    res.completion = std::move(c);
    auto st = store_->Finish({res});
    EXPECT_TRUE(st[0].ok()) << st[0].ToString();
    return a->message_id;
  }

  // A workflow aggregate event committed now (creates the aggregate at version 1).
  void AggregateEvent(const std::string& type, const std::string& id, const std::string& partner,
                      const std::string& event, const std::string& status,
                      const std::string& state = "{}") {
    auto cur = store_->GetAggregate(type, id);
    ASSERT_TRUE(cur.ok());
    const int64_t v = cur->has_value() ? (*cur)->version : 0;
    store::Completion c;
    store::AggregateWrite w;
    w.type = type;
    w.id = id;
    w.expected_version = v;
    w.new_version = v + 1;
    w.state_json = state;
    w.status = status;
    w.partner_id = partner;
    w.events.push_back({event, "{}"});
    c.aggregates.push_back(w);
    Commit(partner, std::move(c));
  }

  json Snapshot() {
    auto st = measures_->Refresh();
    EXPECT_TRUE(st.ok()) << st.ToString();
    return json::parse(measures_->SnapshotJson());
  }

  int n_ = 0;
  ManualClock clock_{FromUnixMillis(1'800'000'000'000)};
  fs::path dir_;
  config::Config cfg_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Measures> measures_;
  std::unique_ptr<Alerts> alerts_;
};

TEST_F(OpsTest, BusinessKeysFindDocumentsAggregatesAndInterchanges) {
  store::Completion c;
  c.keys.push_back({"document", "ASN-77", "shipment", "ASN-77", {}, {}});
  c.keys.push_back({"sku", "SKU-1", "shipment", "ASN-77", {}, {}});
  c.keys.push_back({"interchange", "000000905", "interchange", "ZZ/SUP/000000905", {}, {}});
  const std::string mid = Commit("sup", std::move(c));
  AggregateEvent("purchase_order", "PO-1", "sup", "purchase_order.created.v1", "draft");

  auto hits = store_->FindKeys("ASN-77", 10);
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ(hits->at(0).kind, "document");
  EXPECT_EQ(hits->at(0).message_id, mid);
  EXPECT_EQ(hits->at(0).partner_id, "sup");  // the item's partner when none given
  EXPECT_EQ(hits->at(0).correlation_id, "corr-1");
  EXPECT_EQ(store_->FindKeys("SKU-1", 10)->at(0).ref_id, "ASN-77");
  EXPECT_EQ(store_->FindKeys("000000905", 10)->size(), 1u);
  EXPECT_TRUE(store_->FindKeys("905", 10)->empty());  // exact match only
  // A new aggregate is indexed under its id, once (a later version adds no key).
  AggregateEvent("purchase_order", "PO-1", "sup", "purchase_order.sent.v1", "sent");
  auto po = store_->FindKeys("PO-1", 10);
  ASSERT_EQ(po->size(), 1u);
  EXPECT_EQ(po->at(0).kind, "purchase_order");
  EXPECT_EQ(po->at(0).ref_id, "PO-1");
  auto refs = store_->AggregatesForMessage(po->at(0).message_id);
  ASSERT_TRUE(refs.ok());
  ASSERT_EQ(refs->size(), 1u);
  EXPECT_EQ(refs->at(0), std::make_pair(std::string("purchase_order"), std::string("PO-1")));
}

TEST_F(OpsTest, LogsReadInOrderAndSeqBeforeFindsTheWindow) {
  const TimePoint t0 = clock_.Now();
  for (int i = 0; i < 10; ++i) {
    store::Completion c;
    store::EventRecord e;
    e.type = "test.event";
    e.subject = std::to_string(i);
    c.events.push_back(e);
    Commit("sup", std::move(c));
    clock_.Advance(Millis(60'000));
  }
  auto all = store_->ReadLog(store::Log::kEvents, 0, 1000);
  ASSERT_TRUE(all.ok());
  std::vector<store::LogRecord> mine;
  for (const auto& r : *all) {
    if (r.type == "test.event") mine.push_back(r);
  }
  ASSERT_EQ(mine.size(), 10u);
  for (size_t i = 1; i < all->size(); ++i) EXPECT_LT(all->at(i - 1).seq, all->at(i).seq);
  // Everything from minute 5 on: the seq before the first record at t0 + 5 min.
  auto before = store_->LogSeqBefore(store::Log::kEvents, t0 + Millis(5 * 60'000));
  ASSERT_TRUE(before.ok());
  auto tail = store_->ReadLog(store::Log::kEvents, *before, 1000);
  ASSERT_TRUE(tail.ok());
  ASSERT_FALSE(tail->empty());
  EXPECT_GE(ToUnixMillis(tail->front().at), ToUnixMillis(t0 + Millis(5 * 60'000)));
  int test_events = 0;
  for (const auto& r : *tail) test_events += r.type == "test.event";
  EXPECT_EQ(test_events, 5);
  // Before everything: 0; after everything: the last seq.
  EXPECT_EQ(store_->LogSeqBefore(store::Log::kEvents, t0 - Millis(1)).value(), 0);
  EXPECT_EQ(store_->LogSeqBefore(store::Log::kEvents, clock_.Now() + Millis(1)).value(),
            all->back().seq);
  auto msgs = store_->ReadLog(store::Log::kMessages, 0, 3);
  ASSERT_EQ(msgs->size(), 3u);
  EXPECT_EQ(msgs->at(0).type, "in");
  EXPECT_EQ(msgs->at(0).partner_id, "sup");
}

TEST_F(OpsTest, AckLatencySlaComplianceAndOverdue) {
  // PO-1 acknowledged after 30 min (on time, SLA 1 h); PO-2 after 2 h (late); PO-3 overdue.
  AggregateEvent("purchase_order", "PO-1", "sup", "purchase_order.sent.v1", "sent");
  AggregateEvent("purchase_order", "PO-2", "sup", "purchase_order.sent.v1", "sent");
  clock_.Advance(Millis(30 * 60'000));
  AggregateEvent("purchase_order", "PO-1", "sup", "purchase_order.acknowledged.v1", "acknowledged");
  AggregateEvent("purchase_order", "PO-3", "sup", "purchase_order.sent.v1", "sent");
  clock_.Advance(Millis(90 * 60'000));
  AggregateEvent("purchase_order", "PO-2", "sup", "purchase_order.partially_confirmed.v1",
                 "partially_confirmed");
  // A second acknowledgment of PO-2 does not count again.
  clock_.Advance(Millis(60'000));
  AggregateEvent("purchase_order", "PO-2", "sup", "purchase_order.date_changed.v1", "date_changed");
  AggregateEvent("purchase_order", "PO-3", "sup", "purchase_order.ack_overdue.v1", "sent",
                 R"({"ack_overdue": true, "supplier": "sup"})");

  json s = Snapshot();
  ASSERT_EQ(s["po_ack_latency"].size(), 1u);
  const json& lat = s["po_ack_latency"][0];
  EXPECT_EQ(lat["partner"], "sup");
  EXPECT_EQ(lat["count"], 2);
  EXPECT_DOUBLE_EQ(lat["p50_seconds"].get<double>(), 1800.0);
  EXPECT_DOUBLE_EQ(lat["p95_seconds"].get<double>(), 7200.0);
  ASSERT_EQ(s["overdue_acks"]["count"], 1);
  const json& od = s["overdue_acks"]["items"][0];
  EXPECT_EQ(od["po_number"], "PO-3");
  EXPECT_EQ(od["strategic"], true);
  // Sent at minute 30, due an hour later.
  EXPECT_EQ(od["due_at"], FormatIso8601(FromUnixMillis(1'800'000'000'000 + 90 * 60'000)));
  // Due: PO-1 (on time), PO-2 (late), PO-3 (overdue) -> 1 of 3.
  ASSERT_EQ(s["partner_sla"].size(), 1u);
  EXPECT_EQ(s["partner_sla"][0]["acks_due"], 3);
  EXPECT_EQ(s["partner_sla"][0]["acks_on_time"], 1);
  EXPECT_NEAR(s["partner_sla"][0]["compliance"].get<double>(), 1.0 / 3, 1e-9);

  // The same figures after a restart: they come from the logs, not from memory.
  Open();
  json again = Snapshot();
  EXPECT_EQ(again["po_ack_latency"], s["po_ack_latency"]);
  EXPECT_EQ(again["partner_sla"], s["partner_sla"]);

  // Scorecards carry the supplier's figures and a daily trend.
  json sc = json::parse(measures_->ScorecardsJson(7));
  json row;
  for (const auto& r : sc["items"]) {
    if (r["partner"] == "sup") row = r;
  }
  ASSERT_TRUE(row.is_object());
  EXPECT_EQ(row["acks"], 2);
  EXPECT_EQ(row["overdue_acks"], 1);
  EXPECT_EQ(row["strategic"], true);
  EXPECT_EQ(row["trend"].size(), 7u);
  EXPECT_EQ(row["trend"][6]["acks"], 2);
  EXPECT_GT(row["documents_in"].get<int>(), 0);

  // Prometheus gauges.
  std::string prom;
  measures_->RenderPrometheus(&prom);
  EXPECT_NE(
      prom.find("crossdock_measure_po_ack_latency_seconds{partner=\"sup\",quantile=\"0.5\"} 1800"),
      std::string::npos)
      << prom;
  EXPECT_NE(prom.find("crossdock_measure_po_ack_overdue{partner=\"sup\"} 1"), std::string::npos);
  EXPECT_NE(prom.find("crossdock_measure_po_ack_overdue{partner=\"other-sup\"} 0"),
            std::string::npos);
}

TEST_F(OpsTest, OrdersShipmentsInvoicesAndExceptions) {
  for (int i = 0; i < 4; ++i) {
    const std::string id = "cust/PO-" + std::to_string(i);
    AggregateEvent("sales_order", id, "cust", "sales_order.received.v1", "received");
    if (i < 3) AggregateEvent("sales_order", id, "cust", "sales_order.accepted.v1", "accepted");
  }
  AggregateEvent("sales_order", "cust/PO-3", "cust", "sales_order.on_hold.v1", "on_hold");
  // Two ship notices: one complete, one missing its tracking.
  for (const char* gaps : {"[]", R"(["tracking"])"}) {
    store::Completion c;
    store::EventRecord e;
    e.type = "document.decoded";
    e.subject = "shipment";
    e.detail_json = std::string(R"({"type":"shipment","partner":"wh","gaps":)") + gaps + "}";
    c.events.push_back(e);
    Commit("wh", std::move(c));
  }
  // Invoice postings: the step/delivery outcome events carry the event type.
  {
    store::Completion c;
    store::EventRecord ok;
    ok.type = "delivery.succeeded";
    ok.subject = "partner.erp";
    ok.detail_json = R"({"duration_ms":5,"partner":"erp","event_type":"erp-invoice-INV-1"})";
    store::EventRecord dead = ok;
    dead.type = "delivery.dead_lettered";
    dead.detail_json = R"({"reason":"x","partner":"erp","event_type":"erp-invoice-INV-2"})";
    store::EventRecord other = ok;
    other.detail_json = R"({"partner":"erp","event_type":"erp-purchase_order-PO-9"})";
    c.events = {ok, dead, other};
    Commit("erp", std::move(c));
  }
  // Exceptions: one two hours old, two fresh.
  {
    store::Completion c;
    store::ExceptionRecord x;
    x.type = "price_mismatch";
    x.rule = "r";
    x.message = "m";
    c.exceptions.push_back(x);
    Commit("sup", std::move(c));
  }
  clock_.Advance(Millis(2 * 3600'000));
  {
    store::Completion c;
    store::ExceptionRecord x;
    x.type = "price_mismatch";
    x.rule = "r";
    x.message = "m";
    c.exceptions = {x, x};
    Commit("sup", std::move(c));
  }

  json s = Snapshot();
  EXPECT_EQ(s["order_acceptance"]["received"], 4);
  EXPECT_EQ(s["order_acceptance"]["accepted"], 3);
  EXPECT_EQ(s["order_acceptance"]["held"], 1);
  EXPECT_DOUBLE_EQ(s["order_acceptance"]["rate"].get<double>(), 0.75);
  EXPECT_EQ(s["shipment_completeness"]["total"], 2);
  EXPECT_EQ(s["shipment_completeness"]["complete"], 1);
  EXPECT_EQ(s["shipment_completeness"]["by_partner"][0]["partner"], "wh");
  EXPECT_EQ(s["invoice_posting"]["succeeded"], 1);
  EXPECT_EQ(s["invoice_posting"]["failed"], 1);
  EXPECT_DOUBLE_EQ(s["invoice_posting"]["rate"].get<double>(), 0.5);
  EXPECT_EQ(s["exceptions"]["open"], 3);
  EXPECT_EQ(s["exceptions"]["by_age"]["lt_1h"], 2);
  EXPECT_EQ(s["exceptions"]["by_age"]["1h_4h"], 1);
  EXPECT_EQ(s["exceptions"]["by_type_partner"][0]["type"], "price_mismatch");
  EXPECT_EQ(s["exceptions"]["by_type_partner"][0]["partner"], "sup");
  EXPECT_EQ(s["queues"]["dead_letters_window"], 1);

  // Series: every bucket present, the received and exception counts land in their minutes.
  auto series = measures_->SeriesJson("6h");
  ASSERT_TRUE(series.ok());
  json j = json::parse(*series);
  EXPECT_EQ(j["step_seconds"], 300);
  ASSERT_EQ(j["points"].size(), 72u);
  int64_t received = 0, exceptions = 0;
  for (const auto& p : j["points"]) {
    received += p["received"].get<int64_t>();
    exceptions += p["exceptions"].get<int64_t>();
  }
  EXPECT_EQ(received, n_);  // every message committed by this test
  EXPECT_EQ(exceptions, 3);
  EXPECT_FALSE(measures_->SeriesJson("2d").ok());
}

TEST_F(OpsTest, InventorySyncLagPerSourceAndNeverSynced) {
  store::Completion c;
  c.keys.push_back({"document", "SNAP-1", "inventory_advice", "SNAP-1", {}, {}});
  Commit("wh", std::move(c));
  clock_.Advance(Millis(20 * 60'000));
  json s = Snapshot();
  std::map<std::string, json> by;
  for (const auto& x : s["inventory_sync_lag"]) by[x["source"]] = x;
  ASSERT_EQ(by.size(), 2u);
  EXPECT_DOUBLE_EQ(by["wh"]["lag_seconds"].get<double>(), 1200.0);
  EXPECT_EQ(by["wh"]["snapshot"], "SNAP-1");
  EXPECT_TRUE(by["erp"]["lag_seconds"].is_null());  // configured to send snapshots, never did

  const config::AlertRule* lag = nullptr;
  for (const auto& r : cfg_.alerts) {
    if (r.id == "sync-lag") lag = &r;
  }
  ASSERT_NE(lag, nullptr);
  auto v = measures_->Evaluate(*lag);
  ASSERT_EQ(v.size(), 2u);
  for (const auto& x : v) EXPECT_TRUE(Breaches(*lag, x.value)) << x.scope;
}

TEST_F(OpsTest, AlertFiresOnceNotifiesAndResolves) {
  // A dead letter in the window: the rule fires.
  {
    store::Completion c;
    store::EventRecord dead;
    dead.type = "step.dead_lettered";
    dead.subject = "decode";
    dead.detail_json = R"({"reason":"x","partner":"sup"})";
    c.events.push_back(dead);
    Commit("sup", std::move(c));
  }
  ASSERT_TRUE(measures_->Refresh().ok());
  ASSERT_TRUE(alerts_->Evaluate().ok());
  ASSERT_TRUE(alerts_->Evaluate().ok());  // still firing: no second notification

  auto run_alert_steps = [&]() {
    store::ClaimRequest r;
    r.owner = "alerts-" + NewId();
    r.now = clock_.Now();
    r.name_limits = {{kAlertStep, 100}};
    auto items = store_->Claim(r);
    EXPECT_TRUE(items.ok());
    auto step = MakeAlertStep(*store_, cfg_, clock_);
    std::vector<json> payloads;
    for (const auto& it : *items) {
      auto res = step.run(it);
      EXPECT_EQ(res.kind, engine::StepResult::Kind::kDone);
      payloads.push_back(json::parse(it.payload));
      store::Store::ItemResult ir;
      ir.kind = store::Store::ItemResult::Kind::kComplete;
      ir.item = it;
      ir.completion = std::move(res.completion);
      EXPECT_TRUE(store_->Finish({ir})[0].ok());
    }
    return payloads;
  };
  auto fired = run_alert_steps();
  // any-dead-letter fires; strategic-ack-overdue has no overdue PO; sync-lag fires for the two
  // sources that never sent a snapshot.
  std::map<std::string, json> by_rule;
  for (const auto& p : fired)
    by_rule[p["rule"].get<std::string>() + "/" + p["scope"].get<std::string>()] = p;
  ASSERT_TRUE(by_rule.count("any-dead-letter/all")) << json(fired).dump();
  EXPECT_EQ(by_rule["any-dead-letter/all"]["state"], "firing");
  EXPECT_EQ(by_rule["any-dead-letter/all"]["value"], 1.0);
  EXPECT_TRUE(by_rule.count("sync-lag/wh"));
  EXPECT_TRUE(by_rule.count("sync-lag/erp"));
  EXPECT_FALSE(by_rule.count("strategic-ack-overdue/sup"));
  EXPECT_EQ(fired.size(), 3u);

  // The firing alert is an aggregate with its event, and a signed-webhook delivery went to the
  // rule's destination (and only there: it names its notify list).
  auto a = store_->GetAggregate(kAlertAggregate, "any-dead-letter/all");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->status, "firing");
  store::ClaimRequest dr;
  dr.queue = store::Queue::kDelivery;
  dr.owner = "d-" + NewId();
  dr.now = clock_.Now();
  auto deliveries = store_->Claim(dr);
  ASSERT_TRUE(deliveries.ok());
  int to_hook = 0, to_all = 0;
  for (const auto& d : *deliveries) {
    if (d.name == "ops-hook") {
      ++to_hook;
      json ce = json::parse(d.payload);
      EXPECT_EQ(ce["type"], kAlertFiring);
      EXPECT_EQ(ce["data"]["rule"], "any-dead-letter");
      EXPECT_EQ(d.event_type, kAlertFiring);
    }
    if (d.name == "all-alerts") ++to_all;
  }
  EXPECT_EQ(to_hook, 1);
  EXPECT_EQ(to_all, 2);  // the two sync-lag instances (no notify list: subscribers)
  json status = json::parse(alerts_->StatusJson());
  EXPECT_EQ(status["items"][0]["id"], "any-dead-letter");
  EXPECT_EQ(status["items"][0]["state"], "firing");

  // A restart remembers what fires: nothing is announced again.
  Open();
  ASSERT_TRUE(alerts_->Load().ok());
  ASSERT_TRUE(measures_->Refresh().ok());
  ASSERT_TRUE(alerts_->Evaluate().ok());
  EXPECT_TRUE(run_alert_steps().empty());

  // Six minutes later the dead letter is out of the 5-minute window: resolved.
  clock_.Advance(Millis(6 * 60'000));
  ASSERT_TRUE(measures_->Refresh().ok());
  ASSERT_TRUE(alerts_->Evaluate().ok());
  auto resolved = run_alert_steps();
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_EQ(resolved[0]["rule"], "any-dead-letter");
  EXPECT_EQ(resolved[0]["state"], "resolved");
  a = store_->GetAggregate(kAlertAggregate, "any-dead-letter/all");
  EXPECT_EQ((*a)->status, "ok");
  EXPECT_EQ((*a)->version, 2);
  auto history = store_->RecentAggregateEvents(kAlertAggregate, 0, 10);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->at(0).event.type, kAlertResolved);
}

TEST(AlertRules, BreachesEveryOperator) {
  config::AlertRule r;
  r.threshold = 10;
  r.op = ">";
  EXPECT_TRUE(Breaches(r, 11));
  EXPECT_FALSE(Breaches(r, 10));
  r.op = ">=";
  EXPECT_TRUE(Breaches(r, 10));
  r.op = "<";
  EXPECT_TRUE(Breaches(r, 9.5));
  EXPECT_FALSE(Breaches(r, 10));
  r.op = "<=";
  EXPECT_TRUE(Breaches(r, 10));
  r.op = "==";
  EXPECT_TRUE(Breaches(r, 10));
  r.op = "!=";
  EXPECT_FALSE(Breaches(r, 10));
}

TEST(AlertRules, ConfigErrorsNameTheRule) {
  auto c = config::LoadFromString(R"(
alerts:
  - id: bad
    measure: nonsense
    threshold: 1
    notify: [nowhere]
    partners: [ghost]
)",
                                  "alerts.yaml");
  ASSERT_FALSE(c.ok());
  const std::string m = c.error().message();
  EXPECT_NE(m.find("alerts[0].measure: unknown measure 'nonsense'"), std::string::npos) << m;
  EXPECT_NE(m.find("alerts.bad.notify: unknown destination 'nowhere'"), std::string::npos) << m;
  EXPECT_NE(m.find("alerts.bad.partners: unknown partner 'ghost'"), std::string::npos) << m;
}

}  // namespace
}  // namespace crossdock::ops
