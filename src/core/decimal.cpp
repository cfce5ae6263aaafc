#include "core/decimal.hpp"

#include <limits>

namespace crossdock {
namespace {

using i128 = __int128;

constexpr int64_t kPow10[19] = {1LL,
                                10LL,
                                100LL,
                                1000LL,
                                10000LL,
                                100000LL,
                                1000000LL,
                                10000000LL,
                                100000000LL,
                                1000000000LL,
                                10000000000LL,
                                100000000000LL,
                                1000000000000LL,
                                10000000000000LL,
                                100000000000000LL,
                                1000000000000000LL,
                                10000000000000000LL,
                                100000000000000000LL,
                                1000000000000000000LL};

i128 Pow10(int n) {
  i128 r = 1;
  for (int i = 0; i < n; ++i) r *= 10;
  return r;
}

bool Fits(i128 v) {
  return v >= std::numeric_limits<int64_t>::min() && v <= std::numeric_limits<int64_t>::max();
}

Error Overflow(std::string_view op) {
  return Error(Code::kInvalidArgument, std::string("decimal overflow in ") + std::string(op));
}

// Divides num by den (den > 0) rounding by mode. Returns false when rounding is kUnnecessary and
// there is a remainder.
bool DivRound(i128 num, i128 den, Rounding mode, i128* out) {
  i128 q = num / den;
  i128 r = num % den;
  if (r == 0) {
    *out = q;
    return true;
  }
  const bool neg = num < 0;
  const i128 abs_r2 = (r < 0 ? -r : r) * 2;
  bool away = false;  // round away from zero
  switch (mode) {
    case Rounding::kUnnecessary:
      return false;
    case Rounding::kDown:
      away = false;
      break;
    case Rounding::kUp:
      away = true;
      break;
    case Rounding::kFloor:
      away = neg;
      break;
    case Rounding::kCeiling:
      away = !neg;
      break;
    case Rounding::kHalfUp:
      away = abs_r2 >= den;
      break;
    case Rounding::kHalfEven:
      away = abs_r2 > den || (abs_r2 == den && (q % 2 != 0));
      break;
  }
  if (away) q += neg ? -1 : 1;
  *out = q;
  return true;
}

}  // namespace

Result<Decimal> Decimal::FromParts(int64_t coefficient, int scale) {
  if (scale < 0 || scale > kMaxScale) {
    return Error(Code::kInvalidArgument,
                 "decimal scale out of range 0..18: " + std::to_string(scale));
  }
  return Decimal(coefficient, scale);
}

Result<Decimal> Decimal::Parse(std::string_view text) {
  if (text.empty()) return Error(Code::kInvalidArgument, "empty decimal");
  size_t i = 0;
  bool neg = false;
  if (text[0] == '-' || text[0] == '+') {
    neg = text[0] == '-';
    i = 1;
  }
  i128 coef = 0;
  int scale = 0;
  bool seen_point = false;
  int digits = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (seen_point) {
        return Error(Code::kInvalidArgument,
                     "not a decimal (two points): '" + std::string(text) + "'");
      }
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') {
      return Error(Code::kInvalidArgument, "not a decimal: '" + std::string(text) + "'");
    }
    coef = coef * 10 + (c - '0');
    ++digits;
    if (seen_point) ++scale;
    if (!Fits(coef) || scale > kMaxScale) {
      return Error(Code::kInvalidArgument,
                   "decimal out of range (18 digits after the point, 64-bit coefficient): '" +
                       std::string(text) + "'");
    }
  }
  if (digits == 0) {
    return Error(Code::kInvalidArgument, "not a decimal (no digits): '" + std::string(text) + "'");
  }
  return Decimal(static_cast<int64_t>(neg ? -coef : coef), scale);
}

Result<Decimal> Decimal::ParseImplied(std::string_view digits, int implied_scale) {
  if (implied_scale < 0 || implied_scale > kMaxScale) {
    return Error(Code::kInvalidArgument, "implied decimal scale out of range");
  }
  if (digits.find('.') != std::string_view::npos) {
    return Error(Code::kInvalidArgument,
                 "implied-decimal number must not contain a point: '" + std::string(digits) + "'");
  }
  CD_ASSIGN_OR_RETURN(Decimal d, Parse(digits));
  return Decimal(d.coef_, implied_scale);
}

std::string Decimal::ToString() const {
  // Work on the magnitude as unsigned to cope with INT64_MIN.
  const bool neg = coef_ < 0;
  unsigned long long mag =
      neg ? 0ULL - static_cast<unsigned long long>(coef_) : static_cast<unsigned long long>(coef_);
  std::string digits = std::to_string(mag);
  if (scale_ > 0) {
    if (static_cast<int>(digits.size()) <= scale_) {
      digits.insert(0, static_cast<size_t>(scale_ - static_cast<int>(digits.size()) + 1), '0');
    }
    digits.insert(digits.size() - static_cast<size_t>(scale_), ".");
  }
  if (neg) digits.insert(0, "-");
  return digits;
}

Decimal Decimal::Normalized() const {
  int64_t c = coef_;
  int s = scale_;
  while (s > 0 && c % 10 == 0) {
    c /= 10;
    --s;
  }
  return Decimal(c, s);
}

Result<Decimal> Decimal::Rescale(int new_scale, Rounding mode) const {
  if (new_scale < 0 || new_scale > kMaxScale) {
    return Error(Code::kInvalidArgument, "decimal scale out of range 0..18");
  }
  if (new_scale == scale_) return *this;
  if (new_scale > scale_) {
    const i128 v = static_cast<i128>(coef_) * kPow10[new_scale - scale_];
    if (!Fits(v)) return Overflow("rescale");
    return Decimal(static_cast<int64_t>(v), new_scale);
  }
  i128 q;
  if (!DivRound(coef_, kPow10[scale_ - new_scale], mode, &q)) {
    return Error(Code::kInvalidArgument, "rounding " + ToString() + " to " +
                                             std::to_string(new_scale) +
                                             " decimal places would lose digits");
  }
  return Decimal(static_cast<int64_t>(q), new_scale);
}

Result<Decimal> Decimal::Add(const Decimal& other) const {
  const int s = scale_ > other.scale_ ? scale_ : other.scale_;
  const i128 a = static_cast<i128>(coef_) * kPow10[s - scale_];
  const i128 b = static_cast<i128>(other.coef_) * kPow10[s - other.scale_];
  const i128 r = a + b;
  if (!Fits(r)) return Overflow("add");
  return Decimal(static_cast<int64_t>(r), s);
}

Result<Decimal> Decimal::Sub(const Decimal& other) const { return Add(other.Negate()); }

Result<Decimal> Decimal::Mul(const Decimal& other) const {
  i128 r = static_cast<i128>(coef_) * other.coef_;
  int s = scale_ + other.scale_;
  while (s > kMaxScale || (!Fits(r) && s > 0 && r % 10 == 0)) {
    if (r % 10 != 0) return Overflow("multiply (precision)");
    r /= 10;
    --s;
  }
  if (!Fits(r)) return Overflow("multiply");
  return Decimal(static_cast<int64_t>(r), s);
}

Result<Decimal> Decimal::Div(const Decimal& other, int scale, Rounding mode) const {
  if (other.coef_ == 0) return Error(Code::kInvalidArgument, "decimal division by zero");
  if (scale < 0 || scale > kMaxScale) return Error(Code::kInvalidArgument, "scale out of range");
  // result = (a / 10^sa) / (b / 10^sb) = a * 10^(sb - sa) / b; scaled by 10^scale.
  const int shift = scale + other.scale_ - scale_;
  i128 num = coef_;
  i128 den = other.coef_;
  if (shift >= 0) {
    if (shift > 36) return Overflow("divide");
    num *= Pow10(shift);
  } else {
    den *= Pow10(-shift);
  }
  if (den < 0) {
    den = -den;
    num = -num;
  }
  i128 q;
  if (!DivRound(num, den, mode, &q)) {
    return Error(Code::kInvalidArgument, "inexact division with rounding 'unnecessary'");
  }
  if (!Fits(q)) return Overflow("divide");
  return Decimal(static_cast<int64_t>(q), scale);
}

int Decimal::Compare(const Decimal& other) const {
  const int s = scale_ > other.scale_ ? scale_ : other.scale_;
  const i128 a = static_cast<i128>(coef_) * kPow10[s - scale_];
  const i128 b = static_cast<i128>(other.coef_) * kPow10[s - other.scale_];
  return a < b ? -1 : (a > b ? 1 : 0);
}

}  // namespace crossdock
