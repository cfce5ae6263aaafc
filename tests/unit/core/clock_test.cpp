#include "core/clock.hpp"

#include <gtest/gtest.h>

namespace crossdock {
namespace {

TEST(Clock, FormatsUtcIso8601) {
  EXPECT_EQ(FormatIso8601(FromUnixMillis(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601(FromUnixMillis(1795426346123)), "2026-11-23T09:32:26.123Z");
}

TEST(Clock, ParsesIso8601WithOffsetsAndDates) {
  EXPECT_EQ(ToUnixMillis(*ParseIso8601("2026-11-23T09:32:26.123Z")), 1795426346123);
  EXPECT_EQ(ToUnixMillis(*ParseIso8601("2026-11-23T10:32:26.123+01:00")), 1795426346123);
  EXPECT_EQ(ToUnixMillis(*ParseIso8601("1970-01-02")), 86400000);
  EXPECT_FALSE(ParseIso8601("2026-13-01").has_value());
  EXPECT_FALSE(ParseIso8601("yesterday").has_value());
  EXPECT_FALSE(ParseIso8601("2026-11-23T09:32").has_value());
}

TEST(Clock, ManualClockMovesOnlyWhenTold) {
  ManualClock c(FromUnixMillis(1000));
  EXPECT_EQ(ToUnixMillis(c.Now()), 1000);
  c.Advance(Millis(500));
  EXPECT_EQ(ToUnixMillis(c.Now()), 1500);
}

}  // namespace
}  // namespace crossdock
