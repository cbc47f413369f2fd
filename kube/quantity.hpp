#pragma once
// Kubernetes resource quantities (resource.Quantity), parsed exactly.
#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace rg::kube {

// A quantity held as an integer count of nano-units, so comparisons are exact.
// Like Kubernetes, values finer than 1n are rounded up to the next nano-unit.
class Quantity {
 public:
  Quantity() = default;
  // Returns nullopt when `text` is not a valid quantity (or out of range).
  static std::optional<Quantity> parse(std::string_view text);
  static Quantity fromMilli(long long milli);

  __int128 nano() const { return nano_; }
  // Millis rounded up, as Kubernetes' MilliValue does.
  long long milliValue() const;
  double toDouble() const;
  const std::string& text() const { return text_; }
  bool isZero() const { return nano_ == 0; }

  auto operator<=>(const Quantity& other) const { return nano_ <=> other.nano_; }
  bool operator==(const Quantity& other) const { return nano_ == other.nano_; }

 private:
  __int128 nano_ = 0;
  std::string text_;
};

}  // namespace rg::kube
