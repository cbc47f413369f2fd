#pragma once
// Typed field access over JSON that records errors by field path instead of throwing.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "kube/duration.hpp"
#include "kube/quantity.hpp"
#include "reconcilers/spec/spec_parser.hpp"

namespace rg {

// A field path: the concrete one for messages ("spec.checks[2]") and the
// pattern used to look up allowed keys ("spec.checks[]").
struct FieldPath {
  std::string concrete;
  std::string pattern;

  FieldPath child(const std::string& key) const {
    return {concrete + "." + key, pattern + "." + key};
  }
  FieldPath item(size_t index) const {
    return {concrete + "[" + std::to_string(index) + "]", pattern + "[]"};
  }
};

class SpecReader {
 public:
  explicit SpecReader(std::vector<FieldError>& errors) : errors_(errors) {}

  void error(const FieldPath& path, std::string message);
  size_t errorCount() const { return errors_.size(); }

  // The object at `key`, or nullptr when absent (an error when required or not an object).
  // Unknown keys inside it are reported.
  const nlohmann::json* object(const nlohmann::json& parent, const FieldPath& parentPath,
                               const std::string& key, bool required = false);
  const nlohmann::json* list(const nlohmann::json& parent, const FieldPath& parentPath,
                             const std::string& key, bool required = false);
  void rejectUnknownKeys(const nlohmann::json& object, const FieldPath& path);

  std::optional<bool> boolean(const nlohmann::json& parent, const FieldPath& parentPath,
                              const std::string& key);
  std::optional<std::string> string(const nlohmann::json& parent, const FieldPath& parentPath,
                                    const std::string& key, bool required = false);
  std::optional<int64_t> integer(const nlohmann::json& parent, const FieldPath& parentPath,
                                 const std::string& key);
  std::optional<double> number(const nlohmann::json& parent, const FieldPath& parentPath,
                               const std::string& key);
  std::optional<kube::Quantity> quantity(const nlohmann::json& parent, const FieldPath& parentPath,
                                         const std::string& key);
  std::optional<kube::Duration> duration(const nlohmann::json& parent, const FieldPath& parentPath,
                                         const std::string& key);
  std::optional<std::vector<std::string>> stringList(const nlohmann::json& parent,
                                                     const FieldPath& parentPath,
                                                     const std::string& key);

  // Sets `target` from the field when present and valid.
  template <typename T>
  static void assign(T& target, std::optional<T> value) {
    if (value) target = std::move(*value);
  }

 private:
  const nlohmann::json* field(const nlohmann::json& parent, const std::string& key) const;
  std::vector<FieldError>& errors_;
};

// How a JSON value is described in messages: "\"1.5.0\"", "true", "an object".
std::string describe(const nlohmann::json& value);

}  // namespace rg
