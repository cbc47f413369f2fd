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

#include "kube/json_fields.hpp"
#include "reconcilers/checks/check_result.hpp"

namespace rg::checks {

// The field accessors of the Kubernetes layer, under the names the checks have always used.
using kube::arrayAt;
using kube::boolAt;
using kube::intAt;
using kube::isTrue;
using kube::member;
using kube::objectAt;
using kube::objectPath;
using kube::objectsIn;
using kube::stringAt;

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
