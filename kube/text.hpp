#pragma once
// Text helpers shared by the HTTP-facing code: header values, Prometheus sample values, variable
// references in queries.
#include <algorithm>
#include <string_view>

namespace rg::kube {

// Without leading and trailing spaces and tabs (HTTP's optional whitespace).
inline std::string_view trimBlanks(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

// Equal once ASCII letters are lowered (HTTP tokens such as "gzip", Prometheus' "+Inf", "NaN").
inline bool equalsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  const auto lower = [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  };
  return std::ranges::equal(a, b, [&](char x, char y) { return lower(x) == lower(y); });
}

}  // namespace rg::kube
