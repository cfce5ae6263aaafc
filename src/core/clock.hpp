// Clock: the one source of "now" in crossdock, injectable so tests control time.
// All times inside the hub are UTC; they are formatted as ISO 8601 only at the edges.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crossdock {

using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds>;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // Process-wide real clock.
  static const Clock& System();
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override;
};

// A clock that moves only when told to; for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : ms_(start.time_since_epoch().count()) {}
  TimePoint Now() const override { return TimePoint(Millis(ms_.load())); }
  void Advance(Millis d) { ms_ += d.count(); }
  void Set(TimePoint t) { ms_ = t.time_since_epoch().count(); }

 private:
  std::atomic<int64_t> ms_;
};

inline int64_t ToUnixMillis(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint FromUnixMillis(int64_t ms) { return TimePoint(Millis(ms)); }

// "2026-11-23T09:32:26.123Z"
std::string FormatIso8601(TimePoint t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff][Z|+hh:mm|-hh:mm]" and "YYYY-MM-DD" (midnight UTC).
std::optional<TimePoint> ParseIso8601(std::string_view text);

}  // namespace crossdock
