#include "reconcilers/checks/pod_template.hpp"

#include <algorithm>
#include <limits>

namespace rg::checks {

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

const json* podSpec(const json& deployment) {
  return objectPath(deployment, {"spec", "template", "spec"});
}

namespace {

void appendContainers(const json& spec, std::string_view key, bool init,
                      std::vector<Container>& out) {
  const json* array = arrayAt(spec, key);
  if (!array) return;
  for (size_t i = 0; i < array->size(); ++i) {
    const json& element = (*array)[i];
    if (!element.is_object()) continue;
    auto name = stringAt(element, "name");
    out.push_back({&element, name && !name->empty() ? *name : "[" + std::to_string(i) + "]", init});
  }
}

}  // namespace

std::vector<Container> templateContainers(const json& deployment, bool includeInit) {
  std::vector<Container> out;
  const json* spec = podSpec(deployment);
  if (!spec) return out;
  if (includeInit) appendContainers(*spec, "initContainers", true, out);
  appendContainers(*spec, "containers", false, out);
  return out;
}

bool hasRegularContainers(const std::vector<Container>& containers) {
  return std::any_of(containers.begin(), containers.end(),
                     [](const Container& c) { return !c.init; });
}

CheckResult noContainersResult() {
  return CheckResult::failed("pod template has no containers", "0/0");
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

std::string ratio(size_t compliant, size_t total) {
  return std::to_string(compliant) + "/" + std::to_string(total);
}

std::string countOf(size_t count, std::string_view noun) {
  return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

std::string quotedText(const std::string& text) {
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace rg::checks
