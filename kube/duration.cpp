#include "kube/duration.hpp"

#include <cctype>
#include <cstdint>
#include <limits>
#include <utility>

namespace rg::kube {
namespace {

using i128 = __int128;
constexpr i128 kMaxNanos = std::numeric_limits<int64_t>::max();

std::optional<int64_t> unitNanos(std::string_view unit) {
  static const std::pair<std::string_view, int64_t> kUnits[] = {
      {"ns", 1},
      {"us", 1'000},
      {"\xc2\xb5s", 1'000},  // U+00B5 micro sign
      {"\xce\xbcs", 1'000},  // U+03BC Greek mu
      {"ms", 1'000'000},
      {"s", 1'000'000'000},
      {"m", 60'000'000'000},
      {"h", 3'600'000'000'000},
  };
  for (const auto& [name, nanos] : kUnits)
    if (name == unit) return nanos;
  return std::nullopt;
}

bool isDigit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

// Go's fmtFrac: the fractional part of v / 10^prec without trailing zeros.
std::string fraction(uint64_t v, int prec) {
  std::string digits;
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    int digit = static_cast<int>(v % 10);
    print = print || digit != 0;
    if (print) digits.insert(digits.begin(), static_cast<char>('0' + digit));
    v /= 10;
  }
  return digits.empty() ? "" : "." + digits;
}

}  // namespace

std::optional<Duration> Duration::parse(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration{};
  if (s.empty()) return std::nullopt;
  i128 total = 0;
  while (!s.empty()) {
    i128 whole = 0;
    size_t i = 0;
    while (i < s.size() && isDigit(s[i])) {
      whole = whole * 10 + (s[i] - '0');
      if (whole > kMaxNanos) return std::nullopt;
      ++i;
    }
    bool hadWhole = i > 0;
    i128 frac = 0;
    i128 fracScale = 1;
    bool hadFrac = false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      size_t start = i;
      while (i < s.size() && isDigit(s[i])) {
        // Digits beyond nanosecond precision of the largest unit cannot matter.
        if (fracScale < static_cast<i128>(1'000'000'000'000'000'000)) {
          frac = frac * 10 + (s[i] - '0');
          fracScale *= 10;
        }
        ++i;
      }
      hadFrac = i > start;
    }
    if (!hadWhole && !hadFrac) return std::nullopt;
    size_t unitStart = i;
    while (i < s.size() && s[i] != '.' && !isDigit(s[i])) ++i;
    auto unit = unitNanos(s.substr(unitStart, i - unitStart));
    if (!unit) return std::nullopt;
    i128 part = whole * *unit + frac * *unit / fracScale;
    total += part;
    if (total > kMaxNanos) return std::nullopt;
    s.remove_prefix(i);
  }
  auto nanos = static_cast<int64_t>(total);
  return Duration{std::chrono::nanoseconds(negative ? -nanos : nanos)};
}

std::string Duration::toString() const {
  int64_t signedNanos = value_.count();
  if (signedNanos == 0) return "0s";
  bool negative = signedNanos < 0;
  uint64_t u = negative ? -static_cast<uint64_t>(signedNanos) : static_cast<uint64_t>(signedNanos);
  std::string out;
  if (u < 1'000'000'000) {
    // Below one second: ns, µs or ms with a fraction.
    if (u < 1'000) {
      out = std::to_string(u) + "ns";
    } else if (u < 1'000'000) {
      out = std::to_string(u / 1'000) + fraction(u % 1'000, 3) + "\xc2\xb5s";
    } else {
      out = std::to_string(u / 1'000'000) + fraction(u % 1'000'000, 6) + "ms";
    }
  } else {
    uint64_t seconds = u / 1'000'000'000;
    out = std::to_string(seconds % 60) + fraction(u % 1'000'000'000, 9) + "s";
    uint64_t minutes = seconds / 60;
    if (minutes > 0) {
      out = std::to_string(minutes % 60) + "m" + out;
      uint64_t hours = minutes / 60;
      if (hours > 0) out = std::to_string(hours) + "h" + out;
    }
  }
  return negative ? "-" + out : out;
}

}  // namespace rg::kube
