#pragma once
// Safe reading of a Deployment's pod template. Manifests come from users and
// CI pipelines, so every accessor treats a missing or wrong-typed field as
// absent instead of throwing.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reconcilers/checks/check_result.hpp"

namespace rg::checks {

// `object[key]` when `object` is an object holding `key`, else nullptr.
const nlohmann::json* member(const nlohmann::json& object, std::string_view key);
// Like member(), but only when the value has the named type.
const nlohmann::json* objectAt(const nlohmann::json& object, std::string_view key);
const nlohmann::json* arrayAt(const nlohmann::json& object, std::string_view key);
std::optional<std::string> stringAt(const nlohmann::json& object, std::string_view key);
std::optional<bool> boolAt(const nlohmann::json& object, std::string_view key);
// Integers only: floats and numeric strings count as absent.
std::optional<int64_t> intAt(const nlohmann::json& object, std::string_view key);
// True only for a JSON `true`.
bool isTrue(const nlohmann::json& object, std::string_view key);
// Follows nested objects; nullptr as soon as a step is missing or not an object.
const nlohmann::json* objectPath(const nlohmann::json& root,
                                 std::initializer_list<std::string_view> path);
// The object elements of the array at `key`; other elements are skipped.
std::vector<const nlohmann::json*> objectsIn(const nlohmann::json& object, std::string_view key);

// spec.template.spec of a Deployment, or nullptr.
const nlohmann::json* podSpec(const nlohmann::json& deployment);

struct Container {
  const nlohmann::json* spec = nullptr;
  std::string name;  // "[<index>]" when the manifest gives none
  bool init = false;
  std::string label() const { return (init ? "init container " : "container ") + name; }
};

// Init containers (when asked) first, in the order the kubelet starts them, then containers.
std::vector<Container> templateContainers(const nlohmann::json& deployment, bool includeInit);
// A pod needs at least one regular container; init containers alone do not count.
bool hasRegularContainers(const std::vector<Container>& containers);
CheckResult noContainersResult();

std::string join(const std::vector<std::string>& parts, std::string_view separator = "; ");
// "<compliant>/<total>"
std::string ratio(size_t compliant, size_t total);
// "1 container" / "2 containers"
std::string countOf(size_t count, std::string_view noun);
// A JSON-quoted string, safe for any bytes.
std::string quotedText(const std::string& text);

}  // namespace rg::checks
