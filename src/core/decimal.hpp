// Decimal: exact fixed-point numbers for quantities and money. Never a double.
//
// A Decimal is a signed 64-bit coefficient and a scale (digits after the point, 0..18):
// value = coefficient / 10^scale. "12.50" parses to {1250, 2} and prints back as "12.50"; the
// scale a number was written with is kept, so a round trip is byte-exact. Arithmetic is exact or
// fails: addition and multiplication report overflow instead of wrapping, division and rescaling
// take an explicit rounding mode. Comparison is by value (1.5 == 1.50).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace crossdock {

enum class Rounding { kHalfUp, kHalfEven, kDown, kUp, kFloor, kCeiling, kUnnecessary };

class Decimal {
 public:
  static constexpr int kMaxScale = 18;

  constexpr Decimal() = default;
  static constexpr Decimal FromInt(int64_t v) { return Decimal(v, 0); }
  // coefficient / 10^scale; scale must be within 0..kMaxScale.
  static Result<Decimal> FromParts(int64_t coefficient, int scale);

  // Accepts an optional sign, digits, an optional point and digits ("-12.50", ".5", "7.").
  // X12 "R" and "N" values go through the EDI layer; this is the canonical textual form.
  static Result<Decimal> Parse(std::string_view text);
  // Parses X12 implied-decimal numbers (type Nn): "1250" with n=2 is 12.50.
  static Result<Decimal> ParseImplied(std::string_view digits, int implied_scale);

  int64_t coefficient() const { return coef_; }
  int scale() const { return scale_; }
  bool is_zero() const { return coef_ == 0; }
  bool is_negative() const { return coef_ < 0; }
  int sign() const { return coef_ < 0 ? -1 : (coef_ > 0 ? 1 : 0); }

  // Canonical text: keeps the scale ("12.50"), leading "-" when negative, "0.5" not ".5".
  std::string ToString() const;
  // Same value, trailing fractional zeros removed ("12.50" -> "12.5", "3.00" -> "3").
  Decimal Normalized() const;

  Result<Decimal> Rescale(int new_scale, Rounding mode = Rounding::kUnnecessary) const;

  Result<Decimal> Add(const Decimal& other) const;
  Result<Decimal> Sub(const Decimal& other) const;
  // Exact product: scale is the sum of scales, reduced (trailing zeros dropped) if above 18.
  Result<Decimal> Mul(const Decimal& other) const;
  // Quotient rounded to `scale` digits.
  Result<Decimal> Div(const Decimal& other, int scale, Rounding mode = Rounding::kHalfEven) const;
  Decimal Negate() const { return Decimal(-coef_, scale_); }
  Decimal Abs() const { return coef_ < 0 ? Negate() : *this; }

  // -1, 0, 1 by value.
  int Compare(const Decimal& other) const;
  friend bool operator==(const Decimal& a, const Decimal& b) { return a.Compare(b) == 0; }
  friend bool operator!=(const Decimal& a, const Decimal& b) { return a.Compare(b) != 0; }
  friend bool operator<(const Decimal& a, const Decimal& b) { return a.Compare(b) < 0; }
  friend bool operator<=(const Decimal& a, const Decimal& b) { return a.Compare(b) <= 0; }
  friend bool operator>(const Decimal& a, const Decimal& b) { return a.Compare(b) > 0; }
  friend bool operator>=(const Decimal& a, const Decimal& b) { return a.Compare(b) >= 0; }

 private:
  constexpr Decimal(int64_t c, int s) : coef_(c), scale_(static_cast<int8_t>(s)) {}
  int64_t coef_ = 0;
  int8_t scale_ = 0;
};

}  // namespace crossdock
