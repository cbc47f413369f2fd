#pragma once
// Durations as Go's time.ParseDuration reads them ("1h2m3.5s", "500ms", "0").
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace rg::kube {

class Duration {
 public:
  Duration() = default;
  explicit Duration(std::chrono::nanoseconds value) : value_(value) {}
  static std::optional<Duration> parse(std::string_view text);

  std::chrono::nanoseconds value() const { return value_; }
  double seconds() const { return static_cast<double>(value_.count()) / 1e9; }
  // Go's Duration.String(): "1h2m3.5s", "500ms", "0s".
  std::string toString() const;

  auto operator<=>(const Duration&) const = default;

 private:
  std::chrono::nanoseconds value_{0};
};

}  // namespace rg::kube
