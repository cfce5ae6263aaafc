#include "engine/retry.hpp"

#include <gtest/gtest.h>

namespace crossdock::engine {
namespace {

TEST(Backoff, GrowsExponentiallyWithJitterAndCap) {
  config::RetryPolicy p{10, Millis(100), Millis(1000), 2.0};
  std::mt19937_64 rng(42);
  for (int trial = 0; trial < 200; ++trial) {
    const Millis d1 = BackoffDelay(p, 1, std::nullopt, rng);
    EXPECT_GE(d1.count(), 50);
    EXPECT_LE(d1.count(), 100);
    const Millis d3 = BackoffDelay(p, 3, std::nullopt, rng);
    EXPECT_GE(d3.count(), 200);
    EXPECT_LE(d3.count(), 400);
    const Millis d9 = BackoffDelay(p, 9, std::nullopt, rng);  // capped at max
    EXPECT_GE(d9.count(), 500);
    EXPECT_LE(d9.count(), 1000);
  }
}

TEST(Backoff, JitterSpreadsRetries) {
  config::RetryPolicy p{10, Millis(1000), Millis(60000), 2.0};
  std::mt19937_64 rng(7);
  std::set<int64_t> seen;
  for (int i = 0; i < 50; ++i) seen.insert(BackoffDelay(p, 2, std::nullopt, rng).count());
  EXPECT_GT(seen.size(), 40u);
}

TEST(Backoff, RetryAfterWinsWhenLonger) {
  config::RetryPolicy p{10, Millis(100), Millis(1000), 2.0};
  std::mt19937_64 rng(1);
  EXPECT_EQ(BackoffDelay(p, 1, Millis(5000), rng).count(), 5000);
  EXPECT_LE(BackoffDelay(p, 1, Millis(1), rng).count(), 100);
  EXPECT_EQ(BackoffDelay(p, 1, Millis(86'400'000), rng).count(), 3'600'000);
}

TEST(Backoff, AttemptsLeft) {
  config::RetryPolicy p{3, Millis(1), Millis(1), 2.0};
  EXPECT_TRUE(AttemptsLeft(p, 2));
  EXPECT_FALSE(AttemptsLeft(p, 3));
}

TEST(TokenBucket, RefillsAtRateUpToBurst) {
  TimePoint t = FromUnixMillis(1'000'000);
  TokenBucket b(10, 5, t);
  EXPECT_EQ(b.Available(t), 5);
  EXPECT_EQ(b.Take(8, t), 5);
  EXPECT_EQ(b.Available(t), 0);
  EXPECT_EQ(b.Wait(t).count(), 100);
  t += Millis(300);
  EXPECT_EQ(b.Available(t), 3);
  t += Millis(10'000);
  EXPECT_EQ(b.Available(t), 5);  // never above burst
  b.ForceTake(7, t);             // debt: -2
  EXPECT_EQ(b.Available(t), 0);
  EXPECT_EQ(b.Wait(t).count(), 300);
}

TEST(TokenBucket, ZeroRateIsUnlimited) {
  TimePoint t = FromUnixMillis(0);
  TokenBucket b(0, 0, t);
  EXPECT_TRUE(b.unlimited());
  EXPECT_EQ(b.Take(1000, t), 1000);
  EXPECT_EQ(b.Wait(t).count(), 0);
}

}  // namespace
}  // namespace crossdock::engine
