#include "core/decimal.hpp"

#include <gtest/gtest.h>

namespace crossdock {
namespace {

Decimal D(const char* s) { return Decimal::Parse(s).value(); }

TEST(Decimal, ParseKeepsScaleAndPrintsBack) {
  EXPECT_EQ(D("12.50").ToString(), "12.50");
  EXPECT_EQ(D("12.50").scale(), 2);
  EXPECT_EQ(D("-0.5").ToString(), "-0.5");
  EXPECT_EQ(D(".5").ToString(), "0.5");
  EXPECT_EQ(D("7.").ToString(), "7");
  EXPECT_EQ(D("+3").ToString(), "3");
  EXPECT_EQ(D("0.001").ToString(), "0.001");
}

TEST(Decimal, ParseRejectsGarbage) {
  EXPECT_FALSE(Decimal::Parse("").ok());
  EXPECT_FALSE(Decimal::Parse("1.2.3").ok());
  EXPECT_FALSE(Decimal::Parse("1e5").ok());
  EXPECT_FALSE(Decimal::Parse("-").ok());
  EXPECT_FALSE(Decimal::Parse("99999999999999999999").ok());
  EXPECT_EQ(Decimal::Parse("abc").error().code(), Code::kInvalidArgument);
}

TEST(Decimal, ImpliedDecimal) {
  EXPECT_EQ(Decimal::ParseImplied("1250", 2).value().ToString(), "12.50");
  EXPECT_EQ(Decimal::ParseImplied("-5", 2).value().ToString(), "-0.05");
  EXPECT_FALSE(Decimal::ParseImplied("12.5", 2).ok());
}

TEST(Decimal, CompareByValue) {
  EXPECT_EQ(D("1.5"), D("1.50"));
  EXPECT_LT(D("-2"), D("1.99"));
  EXPECT_GT(D("0.0001"), D("0"));
}

TEST(Decimal, ArithmeticIsExact) {
  EXPECT_EQ(D("0.1").Add(D("0.2")).value().ToString(), "0.3");
  EXPECT_EQ(D("10").Sub(D("0.01")).value().ToString(), "9.99");
  EXPECT_EQ(D("12.50").Mul(D("3")).value().ToString(), "37.50");
  EXPECT_EQ(D("1.5").Mul(D("1.5")).value().ToString(), "2.25");
}

TEST(Decimal, OverflowIsAnError) {
  auto big = Decimal::FromInt(INT64_MAX);
  EXPECT_FALSE(big.Add(Decimal::FromInt(1)).ok());
  EXPECT_FALSE(big.Mul(Decimal::FromInt(2)).ok());
}

TEST(Decimal, DivisionRounds) {
  EXPECT_EQ(D("10").Div(D("3"), 4).value().ToString(), "3.3333");
  EXPECT_EQ(D("2").Div(D("3"), 2, Rounding::kHalfUp).value().ToString(), "0.67");
  EXPECT_EQ(D("1").Div(D("8"), 2, Rounding::kHalfEven).value().ToString(), "0.12");
  EXPECT_EQ(D("3").Div(D("8"), 2, Rounding::kHalfEven).value().ToString(), "0.38");
  EXPECT_EQ(D("-1").Div(D("3"), 2, Rounding::kFloor).value().ToString(), "-0.34");
  EXPECT_FALSE(D("1").Div(D("0"), 2).ok());
  EXPECT_FALSE(D("1").Div(D("3"), 2, Rounding::kUnnecessary).ok());
}

TEST(Decimal, RescaleAndNormalize) {
  EXPECT_EQ(D("1.5").Rescale(3).value().ToString(), "1.500");
  EXPECT_FALSE(D("1.55").Rescale(1).ok());
  EXPECT_EQ(D("1.55").Rescale(1, Rounding::kHalfEven).value().ToString(), "1.6");
  EXPECT_EQ(D("1.45").Rescale(1, Rounding::kHalfEven).value().ToString(), "1.4");
  EXPECT_EQ(D("12.500").Normalized().ToString(), "12.5");
  EXPECT_EQ(D("3.00").Normalized().ToString(), "3");
}

}  // namespace
}  // namespace crossdock
