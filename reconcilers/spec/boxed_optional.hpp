#pragma once
// An optional value kept on the heap: as small as a pointer when absent, for rarely set parts of
// a spec that every parsed check would otherwise carry inline (a check's body is a variant, as
// large as its largest kind). Copies are deep; it reads and assigns as std::optional does.
#include <memory>
#include <optional>
#include <utility>

namespace rg {

template <class T>
class BoxedOptional {
 public:
  BoxedOptional() = default;
  BoxedOptional(std::nullopt_t) {}  // NOLINT: reads as an optional
  BoxedOptional(T value) : value_(std::make_unique<T>(std::move(value))) {}  // NOLINT
  BoxedOptional(std::optional<T> value) {                                    // NOLINT
    if (value) value_ = std::make_unique<T>(std::move(*value));
  }
  BoxedOptional(const BoxedOptional& other)
      : value_(other.value_ ? std::make_unique<T>(*other.value_) : nullptr) {}
  BoxedOptional(BoxedOptional&&) noexcept = default;
  BoxedOptional& operator=(BoxedOptional other) noexcept {
    value_ = std::move(other.value_);
    return *this;
  }

  explicit operator bool() const { return value_ != nullptr; }
  bool has_value() const { return value_ != nullptr; }
  const T& operator*() const { return *value_; }
  T& operator*() { return *value_; }
  const T* operator->() const { return value_.get(); }
  T* operator->() { return value_.get(); }
  T value_or(T fallback) const { return value_ ? *value_ : std::move(fallback); }
  void reset() { value_.reset(); }

 private:
  std::unique_ptr<T> value_;
};

}  // namespace rg
