#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <set>

namespace crossdock {
namespace {

TEST(Ids, UuidV7ShapeAndVersion) {
  const std::string id = NewId();
  ASSERT_TRUE(IsValidId(id)) << id;
  EXPECT_EQ(id[14], '7');
  EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
}

TEST(Ids, SortByCreationEvenWithinOneMillisecond) {
  const TimePoint t = FromUnixMillis(1'700'000'000'000);
  std::string prev = NewIdAt(t);
  std::set<std::string> seen{prev};
  for (int i = 0; i < 10000; ++i) {
    std::string next = NewIdAt(t);
    EXPECT_LT(prev, next);
    EXPECT_TRUE(seen.insert(next).second);
    prev = next;
  }
}

TEST(Ids, LaterTimeSortsLater) {
  const std::string a = NewIdAt(FromUnixMillis(1'800'000'000'000));
  const std::string b = NewIdAt(FromUnixMillis(1'800'000'000'001));
  EXPECT_LT(a, b);
  // A clock that steps back never produces an id sorting before one already handed out.
  const std::string c = NewIdAt(FromUnixMillis(1'799'000'000'000));
  EXPECT_LT(b, c);
}

TEST(Ids, Validation) {
  EXPECT_FALSE(IsValidId("not-an-id"));
  EXPECT_FALSE(IsValidId("0193A6B4-7C1E-7A3B-9F00-1C2D3E4F5A6B"));
}

}  // namespace
}  // namespace crossdock
