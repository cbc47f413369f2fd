#include "reconcilers/checks/pod_template.hpp"

#include <algorithm>
#include <limits>

namespace rg::checks {

using nlohmann::json;

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
