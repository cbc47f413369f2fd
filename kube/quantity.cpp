#include "kube/quantity.hpp"

#include <cctype>
#include <limits>

namespace rg::kube {
namespace {

using i128 = __int128;
// Far above any real quantity (Ei is ~1.15e18 units, 1.15e27 nano-units), far below overflow.
constexpr i128 kLimit = static_cast<i128>(1'000'000'000'000'000'000) * 1'000'000'000'000'000'000;

bool checkedMul(i128 a, i128 b, i128& out) {
  if (a != 0 && b > kLimit / a) return false;
  out = a * b;
  return out <= kLimit;
}

bool pow10(int exp, i128& out) {
  out = 1;
  for (int i = 0; i < exp; ++i)
    if (!checkedMul(out, 10, out)) return false;
  return true;
}

// value = mantissa * 10^exp10 * 2^exp2 in nano-units, rounded up when inexact.
std::optional<i128> scale(i128 mantissa, int exp10, int exp2) {
  i128 value = mantissa;
  for (int i = 0; i < exp2; ++i)
    if (!checkedMul(value, 2, value)) return std::nullopt;
  if (exp10 >= 0) {
    i128 factor;
    if (!pow10(exp10, factor) || !checkedMul(value, factor, value)) return std::nullopt;
    return value;
  }
  if (-exp10 > 36) return value == 0 ? 0 : 1;
  i128 divisor;
  pow10(-exp10, divisor);
  return value / divisor + (value % divisor != 0 ? 1 : 0);
}

struct Suffix {
  int exp10 = 0;
  int exp2 = 0;
};

std::optional<Suffix> parseSuffix(std::string_view s) {
  if (s.empty()) return Suffix{};
  if (s.size() == 2 && s[1] == 'i') {
    static constexpr std::string_view kBinary = "KMGTPE";
    auto pos = kBinary.find(s[0]);
    if (pos == std::string_view::npos) return std::nullopt;
    return Suffix{0, 10 * static_cast<int>(pos + 1)};
  }
  if (s.size() == 1) {
    switch (s[0]) {
      case 'n':
        return Suffix{-9, 0};
      case 'u':
        return Suffix{-6, 0};
      case 'm':
        return Suffix{-3, 0};
      case 'k':
        return Suffix{3, 0};
      case 'M':
        return Suffix{6, 0};
      case 'G':
        return Suffix{9, 0};
      case 'T':
        return Suffix{12, 0};
      case 'P':
        return Suffix{15, 0};
      case 'E':
        return Suffix{18, 0};
      default:
        return std::nullopt;
    }
  }
  // Decimal exponent: e or E followed by a signed integer.
  if (s[0] != 'e' && s[0] != 'E') return std::nullopt;
  std::string_view digits = s.substr(1);
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  int exponent = 0;
  for (char c : digits) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    exponent = exponent * 10 + (c - '0');
  }
  return Suffix{negative ? -exponent : exponent, 0};
}

}  // namespace

std::optional<Quantity> Quantity::parse(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  i128 mantissa = 0;
  int fractionDigits = 0;
  int digitCount = 0;
  bool seenDot = false;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.') {
      if (seenDot) return std::nullopt;
      seenDot = true;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    // Leading zeros do not count toward precision.
    if (mantissa == 0 && c == '0') {
      if (seenDot) ++fractionDigits;
      continue;
    }
    if (++digitCount > 30) return std::nullopt;
    mantissa = mantissa * 10 + (c - '0');
    if (seenDot) ++fractionDigits;
  }
  bool anyDigit = i > (seenDot ? 1u : 0u);
  if (!anyDigit) return std::nullopt;
  auto suffix = parseSuffix(s.substr(i));
  if (!suffix) return std::nullopt;
  auto nano = scale(mantissa, suffix->exp10 - fractionDigits + 9, suffix->exp2);
  if (!nano) return std::nullopt;
  Quantity q;
  q.nano_ = negative ? -*nano : *nano;
  q.text_ = std::string(text);
  return q;
}

Quantity Quantity::fromMilli(long long milli) {
  Quantity q;
  q.nano_ = static_cast<i128>(milli) * 1'000'000;
  q.text_ = std::to_string(milli) + "m";
  return q;
}

long long Quantity::milliValue() const {
  i128 milli = nano_ / 1'000'000 + (nano_ % 1'000'000 > 0 ? 1 : 0);
  if (milli > std::numeric_limits<long long>::max()) return std::numeric_limits<long long>::max();
  if (milli < std::numeric_limits<long long>::min()) return std::numeric_limits<long long>::min();
  return static_cast<long long>(milli);
}

double Quantity::toDouble() const {
  return static_cast<double>(nano_) / 1e9;
}

}  // namespace rg::kube
