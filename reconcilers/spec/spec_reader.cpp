#include "reconcilers/spec/spec_reader.hpp"

#include <cmath>

#include "reconcilers/spec/spec_fields.hpp"

namespace rg {

using nlohmann::json;

std::string describe(const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "a list";
    case json::value_t::null:
      return "null";
    default:
      // Offline input need not be UTF-8; a message with invalid bytes could not be written as JSON.
      return value.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

void SpecReader::error(const FieldPath& path, std::string message) {
  errors_.push_back({path.concrete, std::move(message)});
}

const json* SpecReader::field(const json& parent, const std::string& key) const {
  if (!parent.is_object()) return nullptr;
  auto it = parent.find(key);
  if (it == parent.end() || it->is_null()) return nullptr;
  return &*it;
}

void SpecReader::rejectUnknownKeys(const json& object, const FieldPath& path) {
  const auto& allowed = allowedKeys(path.pattern);
  for (const auto& [key, value] : object.items()) {
    if (!allowed.contains(key)) error(path.child(key), "unknown field");
  }
}

const json* SpecReader::object(const json& parent, const FieldPath& parentPath,
                               const std::string& key, bool required) {
  const json* value = field(parent, key);
  FieldPath path = parentPath.child(key);
  if (!value) {
    if (required) error(path, "is required");
    return nullptr;
  }
  if (!value->is_object()) {
    error(path, "must be an object, got " + describe(*value));
    return nullptr;
  }
  rejectUnknownKeys(*value, path);
  return value;
}

const json* SpecReader::list(const json& parent, const FieldPath& parentPath,
                             const std::string& key, bool required) {
  const json* value = field(parent, key);
  FieldPath path = parentPath.child(key);
  if (!value) {
    if (required) error(path, "is required");
    return nullptr;
  }
  if (!value->is_array()) {
    error(path, "must be a list, got " + describe(*value));
    return nullptr;
  }
  return value;
}

std::optional<bool> SpecReader::boolean(const json& parent, const FieldPath& parentPath,
                                        const std::string& key) {
  const json* value = field(parent, key);
  if (!value) return std::nullopt;
  if (!value->is_boolean()) {
    error(parentPath.child(key), "must be true or false, got " + describe(*value));
    return std::nullopt;
  }
  return value->get<bool>();
}

std::optional<std::string> SpecReader::string(const json& parent, const FieldPath& parentPath,
                                              const std::string& key, bool required) {
  const json* value = field(parent, key);
  FieldPath path = parentPath.child(key);
  if (!value) {
    if (required) error(path, "is required");
    return std::nullopt;
  }
  if (!value->is_string()) {
    error(path, "must be a string, got " + describe(*value));
    return std::nullopt;
  }
  if (required && value->get_ref<const std::string&>().empty()) {
    error(path, "must not be empty");
    return std::nullopt;
  }
  return value->get<std::string>();
}

std::optional<int64_t> SpecReader::integer(const json& parent, const FieldPath& parentPath,
                                           const std::string& key) {
  const json* value = field(parent, key);
  if (!value) return std::nullopt;
  if (value->is_number_integer()) return value->get<int64_t>();
  if (value->is_number_float()) {
    double d = value->get<double>();
    if (std::trunc(d) == d && std::abs(d) < 9e15) return static_cast<int64_t>(d);
  }
  error(parentPath.child(key), "must be an integer, got " + describe(*value));
  return std::nullopt;
}

std::optional<double> SpecReader::number(const json& parent, const FieldPath& parentPath,
                                         const std::string& key) {
  const json* value = field(parent, key);
  if (!value) return std::nullopt;
  if (value->is_number() && std::isfinite(value->get<double>())) return value->get<double>();
  error(parentPath.child(key), "must be a number, got " + describe(*value));
  return std::nullopt;
}

std::optional<kube::Quantity> SpecReader::quantity(const json& parent, const FieldPath& parentPath,
                                                   const std::string& key) {
  const json* value = field(parent, key);
  if (!value) return std::nullopt;
  FieldPath path = parentPath.child(key);
  std::string text;
  if (value->is_string()) {
    text = value->get<std::string>();
  } else if (value->is_number_integer()) {
    text = value->dump();
  } else if (value->is_number_float()) {
    // YAML `cpu: 0.5` arrives as a number; its shortest decimal form is the quantity.
    text = value->dump();
  } else {
    error(path, describe(*value) + " is not a quantity");
    return std::nullopt;
  }
  auto parsed = kube::Quantity::parse(text);
  if (!parsed) {
    error(path, "\"" + text + "\" is not a quantity");
    return std::nullopt;
  }
  if (parsed->nano() < 0) {
    error(path, "\"" + text + "\" must not be negative");
    return std::nullopt;
  }
  return parsed;
}

std::optional<kube::Duration> SpecReader::duration(const json& parent, const FieldPath& parentPath,
                                                   const std::string& key) {
  const json* value = field(parent, key);
  if (!value) return std::nullopt;
  FieldPath path = parentPath.child(key);
  if (!value->is_string()) {
    error(path, describe(*value) + " is not a duration (write it with a unit, e.g. \"30s\")");
    return std::nullopt;
  }
  auto parsed = kube::Duration::parse(value->get<std::string>());
  if (!parsed) {
    error(path, describe(*value) + " is not a duration (e.g. \"30s\", \"1m30s\", \"500ms\")");
    return std::nullopt;
  }
  return parsed;
}

std::optional<std::vector<std::string>> SpecReader::stringList(const json& parent,
                                                               const FieldPath& parentPath,
                                                               const std::string& key) {
  const json* value = list(parent, parentPath, key);
  if (!value) return std::nullopt;
  std::vector<std::string> out;
  FieldPath path = parentPath.child(key);
  for (size_t i = 0; i < value->size(); ++i) {
    const json& item = (*value)[i];
    if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
      error(path.item(i), "must be a non-empty string, got " + describe(item));
      continue;
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace rg
