#include "engine/retry.hpp"

#include <algorithm>
#include <cmath>

namespace crossdock::engine {

Millis BackoffDelay(const config::RetryPolicy& p, int attempts, std::optional<Millis> retry_after,
                    std::mt19937_64& rng) {
  const double base = static_cast<double>(p.initial_backoff.count()) *
                      std::pow(p.multiplier, std::max(0, attempts - 1));
  const double capped = std::min(base, static_cast<double>(p.max_backoff.count()));
  std::uniform_real_distribution<double> dist(capped / 2.0, capped);
  Millis d(static_cast<int64_t>(dist(rng)));
  if (retry_after && *retry_after > d) d = std::min(*retry_after, Millis(3'600'000));
  return std::max(d, Millis(1));
}

TokenBucket::TokenBucket(double rate, double burst, TimePoint now)
    : rate_(rate), burst_(burst > 0 ? burst : std::max(1.0, rate)), tokens_(burst_), last_(now) {}

void TokenBucket::Refill(TimePoint now) {
  const double secs = static_cast<double>((now - last_).count()) / 1000.0;
  if (secs > 0) {
    tokens_ = std::min(burst_, tokens_ + secs * rate_);
    last_ = now;
  }
}

int TokenBucket::Take(int want, TimePoint now) {
  if (rate_ <= 0) return want;
  std::lock_guard<std::mutex> lock(mu_);
  Refill(now);
  const int n = std::min(want, static_cast<int>(tokens_));
  tokens_ -= n;
  return n;
}

int TokenBucket::Available(TimePoint now) {
  if (rate_ <= 0) return 1 << 30;
  std::lock_guard<std::mutex> lock(mu_);
  Refill(now);
  return tokens_ < 0 ? 0 : static_cast<int>(tokens_);
}

void TokenBucket::ForceTake(int n, TimePoint now) {
  if (rate_ <= 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  Refill(now);
  tokens_ -= n;
}

Millis TokenBucket::Wait(TimePoint now) {
  if (rate_ <= 0) return Millis(0);
  std::lock_guard<std::mutex> lock(mu_);
  Refill(now);
  if (tokens_ >= 1) return Millis(0);
  return Millis(static_cast<int64_t>(std::ceil((1 - tokens_) / rate_ * 1000.0)));
}

}  // namespace crossdock::engine
