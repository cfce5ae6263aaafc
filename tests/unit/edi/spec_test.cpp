#include <gtest/gtest.h>

#include "edi/x12/spec.hpp"

namespace crossdock::x12 {
namespace {

TEST(Specs, EmbeddedSpecsLoad) {
  auto reg = SpecRegistry::LoadEmbedded();
  ASSERT_TRUE(reg.ok()) << reg.error().ToString();
  EXPECT_GE(reg->size(), 19u);
}

}  // namespace
}  // namespace crossdock::x12
