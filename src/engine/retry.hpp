// Retry timing: exponential backoff with jitter, and token buckets for rate limits.
#pragma once

#include <mutex>
#include <optional>
#include <random>

#include "config/config.hpp"
#include "core/clock.hpp"

namespace crossdock::engine {

// Delay before the next attempt after `attempts` failed ones (1 = the first failure):
// initial * multiplier^(attempts-1), capped at max_backoff, then "equal jitter" (uniformly in
// [d/2, d]) so a crowd of failures does not retry in lockstep. A server's Retry-After wins when
// it asks for longer (capped at one hour).
Millis BackoffDelay(const config::RetryPolicy& p, int attempts, std::optional<Millis> retry_after,
                    std::mt19937_64& rng);

// Whether another attempt is allowed after `attempts` attempts.
inline bool AttemptsLeft(const config::RetryPolicy& p, int attempts) {
  return attempts < p.max_attempts;
}

// A token bucket: `rate` tokens per second up to `burst`. rate <= 0 means unlimited.
class TokenBucket {
 public:
  TokenBucket(double rate, double burst, TimePoint now);
  // Takes up to `want` tokens; returns how many were taken.
  int Take(int want, TimePoint now);
  // Whole tokens available now, without taking them.
  int Available(TimePoint now);
  // Takes n tokens even if that goes below zero (the debt is paid back before the next one).
  void ForceTake(int n, TimePoint now);
  // Time until one token is available (0 if one is).
  Millis Wait(TimePoint now);
  bool unlimited() const { return rate_ <= 0; }

 private:
  void Refill(TimePoint now);
  std::mutex mu_;
  double rate_;
  double burst_;
  double tokens_;
  TimePoint last_;
};

}  // namespace crossdock::engine
