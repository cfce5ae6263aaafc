#include "engine/engine.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "core/crypto.hpp"
#include "core/ids.hpp"
#include "engine/routing.hpp"

namespace crossdock::engine {
namespace {

namespace fs = std::filesystem;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("cd-engine-" + NewId());
    fs::create_directories(dir_);
    store::SqliteOptions o;
    o.path = (dir_ / "hub.db").string();
    o.synchronous_full = false;
    store_ = std::move(store::OpenSqlite(o).value());
    cfg_.workers = 3;
    cfg_.poll_interval_ms = 20;
    cfg_.claim_batch = 16;
    engine_ = std::make_unique<Engine>(*store_, cfg_, metrics_);
    store_->SetQueueListener([this](store::Queue q) { engine_->Notify(q); });
  }
  void TearDown() override {
    engine_->Shutdown(Millis(1000));
    engine_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  std::string Accept(const std::string& body, const std::string& step, const std::string& key) {
    store::NewMessage m;
    m.partner_id = "acme";
    m.content_type = "application/json";
    m.payload = body;
    m.content_hash = Sha256Hex(body);
    m.correlation_id = "c-" + body;
    store::WorkSpec w;
    w.step = step;
    w.ordering_key = key;
    auto r = store_->AcceptSync(m, {w}, store::DedupePolicy{Millis(1000), Millis(0)});
    EXPECT_TRUE(r.ok());
    return r->message_id;
  }

  store::MessageView WaitStatus(const std::string& id, const std::string& status,
                                int timeout_ms = 10000) {
    store::MessageView v;
    for (int i = 0; i < timeout_ms / 10; ++i) {
      v = store_->GetMessage(id).value();
      if (v.status == status) return v;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "message " << id << " stayed " << v.status << ", wanted " << status;
    return v;
  }

  static config::RetryPolicy Fast(int attempts) {
    return config::RetryPolicy{attempts, Millis(5), Millis(20), 2.0};
  }

  fs::path dir_;
  config::EngineConfig cfg_;
  obs::Registry metrics_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, StepChainsCommitTogether) {
  std::atomic<int> second{0};
  engine_->RegisterStep({"first",
                         [](const store::QueueItem& it) {
                           store::Completion c;
                           store::WorkSpec w;
                           w.step = "second";
                           w.message_id = it.message_id;
                           w.ordering_key = it.ordering_key;
                           w.payload = "from first";
                           c.next.push_back(w);
                           return StepResult::Done(c);
                         },
                         Fast(3)});
  engine_->RegisterStep({"second",
                         [&](const store::QueueItem& it) {
                           EXPECT_EQ(it.payload, "from first");
                           second++;
                           return StepResult::Done();
                         },
                         Fast(3)});
  engine_->Start();
  const auto id = Accept("a", "first", "k");
  auto v = WaitStatus(id, "done");
  EXPECT_EQ(second.load(), 1);
  int succeeded = 0;
  for (const auto& e : v.events) succeeded += e.type == "step.succeeded";
  EXPECT_EQ(succeeded, 2);
}

TEST_F(EngineTest, RetryableErrorsAreRetriedThenSucceed) {
  std::atomic<int> calls{0};
  engine_->RegisterStep({"flaky",
                         [&](const store::QueueItem&) {
                           if (++calls < 3) {
                             return StepResult::FromError(Error(Code::kUnavailable, "ERP down"));
                           }
                           return StepResult::Done();
                         },
                         Fast(5)});
  engine_->Start();
  auto v = WaitStatus(Accept("b", "flaky", "k"), "done");
  EXPECT_EQ(calls.load(), 3);
  int retries = 0;
  for (const auto& e : v.events) retries += e.type == "step.retry_scheduled";
  EXPECT_EQ(retries, 2);
}

TEST_F(EngineTest, PermanentErrorGoesStraightToDeadLetter) {
  std::atomic<int> calls{0};
  engine_->RegisterStep({"strict",
                         [&](const store::QueueItem&) {
                           calls++;
                           return StepResult::FromError(
                               Error(Code::kInvalidArgument, "BEG03 is empty", "segment 3"));
                         },
                         Fast(5)});
  engine_->Start();
  auto v = WaitStatus(Accept("c", "strict", "k"), "failed");
  EXPECT_EQ(calls.load(), 1);
  ASSERT_EQ(v.dead_letters.size(), 1u);
  EXPECT_NE(v.dead_letters[0].reason.find("failed permanently"), std::string::npos);
  EXPECT_NE(v.dead_letters[0].errors_json.find("segment 3: BEG03 is empty"), std::string::npos);
}

TEST_F(EngineTest, ExhaustedRetriesDeadLetterWithEveryError) {
  engine_->RegisterStep({"down",
                         [](const store::QueueItem& it) {
                           return StepResult::FromError(
                               Error(Code::kUnavailable, "attempt " + std::to_string(it.attempts)));
                         },
                         Fast(3)});
  engine_->Start();
  auto v = WaitStatus(Accept("d", "down", "k"), "failed");
  ASSERT_EQ(v.dead_letters.size(), 1u);
  const auto& dl = v.dead_letters[0];
  EXPECT_EQ(dl.attempts, 3);
  for (int i = 1; i <= 3; ++i) {
    EXPECT_NE(dl.errors_json.find("attempt " + std::to_string(i)), std::string::npos) << i;
  }
  EXPECT_NE(dl.reason.find("gave up after 3 attempts"), std::string::npos);
}

TEST_F(EngineTest, AStepThatThrowsDeadLettersItsItemAndTheEngineGoesOn) {
  engine_->RegisterStep({"buggy",
                         [](const store::QueueItem& it) -> StepResult {
                           if (it.ordering_key == "bad")
                             throw std::runtime_error("invalid UTF-8 byte");
                           return StepResult::Done();
                         },
                         Fast(5)});
  engine_->Start();
  auto v = WaitStatus(Accept("t1", "buggy", "bad"), "failed");
  ASSERT_EQ(v.dead_letters.size(), 1u);
  EXPECT_EQ(v.dead_letters[0].attempts, 1);  // not retried: the same input throws again
  EXPECT_NE(v.dead_letters[0].errors_json.find("step buggy threw: invalid UTF-8 byte"),
            std::string::npos)
      << v.dead_letters[0].errors_json;
  WaitStatus(Accept("t2", "buggy", "good"), "done");  // the engine still runs
}

TEST_F(EngineTest, UnknownStepIsDeadLetteredNotLost) {
  engine_->Start();
  auto v = WaitStatus(Accept("e", "no-such-step", "k"), "failed");
  ASSERT_EQ(v.dead_letters.size(), 1u);
  EXPECT_NE(v.dead_letters[0].reason.find("no step named 'no-such-step'"), std::string::npos);
}

TEST_F(EngineTest, SameKeyRunsInOrderAcrossWorkers) {
  std::mutex mu;
  std::map<std::string, std::vector<int>> seen;
  std::atomic<int> done{0};
  engine_->RegisterStep({"ordered",
                         [&](const store::QueueItem& it) {
                           // Occasionally fail once, to prove a retry keeps its place.
                           const int n = std::stoi(it.payload);
                           if (n % 7 == 3 && it.attempts == 1) {
                             return StepResult::FromError(Error(Code::kUnavailable, "blip"));
                           }
                           {
                             std::lock_guard<std::mutex> lock(mu);
                             seen[it.ordering_key].push_back(n);
                           }
                           done++;
                           return StepResult::Done();
                         },
                         Fast(5)});
  engine_->Start();
  const int kPerKey = 40;
  for (int i = 0; i < kPerKey; ++i) {
    for (const char* key : {"po-1", "po-2", "po-3", "po-4"}) {
      store::NewMessage m;
      m.partner_id = "acme";
      m.content_type = "text/plain";
      m.payload = std::string(key) + "/" + std::to_string(i);
      m.correlation_id = "c";
      store::WorkSpec w;
      w.step = "ordered";
      w.ordering_key = key;
      w.payload = std::to_string(i);
      ASSERT_TRUE(store_->AcceptSync(m, {w}, store::DedupePolicy{Millis(1), Millis(0)}).ok());
    }
  }
  for (int i = 0; i < 1000 && done.load() < 4 * kPerKey; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(done.load(), 4 * kPerKey);
  for (const auto& [key, order] : seen) {
    ASSERT_EQ(order.size(), static_cast<size_t>(kPerKey)) << key;
    for (int i = 0; i < kPerKey; ++i) EXPECT_EQ(order[i], i) << key;
  }
}

class FakeDestination : public Destination {
 public:
  std::function<DeliveryOutcome(const store::QueueItem&)> decide;
  std::atomic<int> in_flight{0}, max_in_flight{0}, calls{0};
  void Deliver(const store::QueueItem& item, std::function<void(DeliveryOutcome)> done) override {
    const int now = ++in_flight;
    int prev = max_in_flight.load();
    while (now > prev && !max_in_flight.compare_exchange_weak(prev, now)) {
    }
    calls++;
    std::thread([this, item, done = std::move(done)] {
      std::this_thread::sleep_for(std::chrono::milliseconds(15));
      DeliveryOutcome out = decide(item);
      in_flight--;
      done(out);
    }).detach();
  }
};

TEST_F(EngineTest, DeliveriesRespectConcurrencyAndOutcomes) {
  config::Config cfg;
  config::Destination d;
  d.id = "fake";
  d.events = {"*"};
  d.max_in_flight = 2;
  d.retry = Fast(3);
  cfg.destinations.push_back(d);
  cfg.engine = cfg_;
  auto fake = std::make_unique<FakeDestination>();
  FakeDestination* f = fake.get();
  std::atomic<int> bounced{0};
  f->decide = [&](const store::QueueItem& it) {
    DeliveryOutcome o;
    if (it.payload.find("\"payload\":\"reject\"") != std::string::npos) {
      o.kind = DeliveryOutcome::Kind::kReject;
      o.http_status = 400;
      o.code = "http_400";
      o.message = "HTTP 400: unknown PO";
    } else if (it.payload.find("\"payload\":\"bounce\"") != std::string::npos && bounced++ == 0) {
      o.kind = DeliveryOutcome::Kind::kRetry;
      o.code = "http_503";
      o.message = "HTTP 503";
    } else {
      o.kind = DeliveryOutcome::Kind::kDelivered;
    }
    return o;
  };
  engine_->AddDestination(d, std::move(fake));
  engine_->RegisterStep(MakeRouteStep(*store_, cfg, Clock::System()));
  engine_->Start();
  std::vector<std::string> ok_ids;
  for (int i = 0; i < 10; ++i)
    ok_ids.push_back(Accept("ok-" + std::to_string(i), kRouteStep, "k" + std::to_string(i)));
  const auto bounce = Accept("bounce", kRouteStep, "kb");
  const auto reject = Accept("reject", kRouteStep, "kr");
  for (const auto& id : ok_ids) WaitStatus(id, "done");
  auto vb = WaitStatus(bounce, "done");
  auto vr = WaitStatus(reject, "failed");
  EXPECT_LE(f->max_in_flight.load(), 2);
  EXPECT_EQ(f->calls.load(), 13);
  ASSERT_EQ(vr.dead_letters.size(), 1u);
  EXPECT_EQ(vr.dead_letters[0].attempts, 1);
  EXPECT_NE(vr.dead_letters[0].reason.find("rejected"), std::string::npos);
  int retries = 0;
  for (const auto& e : vb.events) retries += e.type == "delivery.retry_scheduled";
  EXPECT_EQ(retries, 1);
}

TEST_F(EngineTest, ShutdownIsIdempotent) {
  engine_->Start();
  engine_->Shutdown(Millis(100));
  engine_->Shutdown(Millis(100));
  EXPECT_EQ(engine_->InFlight(), 0);
}

}  // namespace
}  // namespace crossdock::engine
