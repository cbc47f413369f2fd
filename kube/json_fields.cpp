#include "kube/json_fields.hpp"

#include <limits>

namespace rg::kube {

using nlohmann::json;

const json* member(const json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(std::string(key));
  return it == object.end() ? nullptr : &*it;
}

const json* objectAt(const json& object, std::string_view key) {
  const json* value = member(object, key);
  return value && value->is_object() ? value : nullptr;
}

const json* arrayAt(const json& object, std::string_view key) {
  const json* value = member(object, key);
  return value && value->is_array() ? value : nullptr;
}

std::optional<std::string> stringAt(const json& object, std::string_view key) {
  const json* value = member(object, key);
  if (!value || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

std::string textAt(const json& object, std::string_view key) {
  return stringAt(object, key).value_or("");
}

std::string textAt(const json* object, std::string_view key) {
  return object ? textAt(*object, key) : "";
}

std::optional<bool> boolAt(const json& object, std::string_view key) {
  const json* value = member(object, key);
  if (!value || !value->is_boolean()) return std::nullopt;
  return value->get<bool>();
}

std::optional<int64_t> intAt(const json& object, std::string_view key) {
  const json* value = member(object, key);
  if (!value) return std::nullopt;
  if (value->is_number_unsigned()) {
    auto number = value->get<uint64_t>();
    if (number > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(number);
  }
  if (value->is_number_integer()) return value->get<int64_t>();
  return std::nullopt;
}

bool isTrue(const json& object, std::string_view key) {
  return boolAt(object, key) == true;
}

const json* objectPath(const json& root, std::initializer_list<std::string_view> path) {
  const json* current = root.is_object() ? &root : nullptr;
  for (auto key : path) {
    if (!current) return nullptr;
    current = objectAt(*current, key);
  }
  return current;
}

std::vector<const json*> objectsIn(const json& object, std::string_view key) {
  std::vector<const json*> out;
  if (const json* array = arrayAt(object, key)) {
    for (const auto& element : *array)
      if (element.is_object()) out.push_back(&element);
  }
  return out;
}

}  // namespace rg::kube
