#include "core/clock.hpp"

#include <cstdio>
#include <ctime>

namespace crossdock {

TimePoint SystemClock::Now() const {
  return std::chrono::time_point_cast<Millis>(std::chrono::system_clock::now());
}

const Clock& Clock::System() {
  static const SystemClock clock;
  return clock;
}

namespace {

// Days since 1970-01-01 for a civil date (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string FormatIso8601(TimePoint t) {
  const int64_t ms = ToUnixMillis(t);
  int64_t secs = ms / 1000;
  int64_t rem = ms % 1000;
  if (rem < 0) {
    rem += 1000;
    secs -= 1;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(rem));
  return buf;
}

std::optional<TimePoint> ParseIso8601(std::string_view s) {
  int y, mo, d, h = 0, mi = 0, se = 0, ms = 0;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  size_t p = 10;
  int offset_min = 0;
  if (p < s.size()) {
    if (s[p] != 'T' && s[p] != 't' && s[p] != ' ') return std::nullopt;
    if (!Digits(s, p + 1, 2, &h) || s.size() < p + 9 || s[p + 3] != ':' ||
        !Digits(s, p + 4, 2, &mi) || s[p + 6] != ':' || !Digits(s, p + 7, 2, &se)) {
      return std::nullopt;
    }
    if (h > 23 || mi > 59 || se > 60) return std::nullopt;
    p += 9;
    if (p < s.size() && s[p] == '.') {
      ++p;
      int n = 0;
      int frac = 0;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
        if (n < 3) frac = frac * 10 + (s[p] - '0');
        ++n;
        ++p;
      }
      if (n == 0) return std::nullopt;
      for (int k = n; k < 3; ++k) frac *= 10;
      ms = frac;
    }
    if (p < s.size()) {
      if (s[p] == 'Z' || s[p] == 'z') {
        ++p;
      } else if (s[p] == '+' || s[p] == '-') {
        int oh, om;
        if (!Digits(s, p + 1, 2, &oh) || s.size() < p + 6 || s[p + 3] != ':' ||
            !Digits(s, p + 4, 2, &om)) {
          return std::nullopt;
        }
        offset_min = (oh * 60 + om) * (s[p] == '-' ? -1 : 1);
        p += 6;
      }
    }
    if (p != s.size()) return std::nullopt;
  }
  const int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset_min * 60;
  return FromUnixMillis(secs * 1000 + ms);
}

}  // namespace crossdock
