#include "tests/support/resource_registry.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "tests/support/api_errors.hpp"
#include "tests/support/k8s_util.hpp"

namespace rg::testing {

ResourceRegistry::ResourceRegistry() {
  for (const auto& info : builtins()) add(info);
}

void ResourceRegistry::add(const ResourceInfo& info) {
  std::lock_guard lock(mu_);
  for (auto& existing : resources_) {
    if (existing.group == info.group && existing.version == info.version &&
        existing.plural == info.plural) {
      existing = info;
      return;
    }
  }
  resources_.push_back(info);
}

void ResourceRegistry::remove(const std::string& group, const std::string& plural) {
  std::lock_guard lock(mu_);
  std::erase_if(resources_,
                [&](const ResourceInfo& r) { return r.group == group && r.plural == plural; });
}

std::optional<ResourceInfo> ResourceRegistry::find(const std::string& group,
                                                   const std::string& version,
                                                   const std::string& plural) const {
  std::lock_guard lock(mu_);
  for (const auto& r : resources_) {
    if (r.group == group && r.version == version && r.plural == plural) return r;
  }
  return std::nullopt;
}

std::optional<ResourceInfo> ResourceRegistry::findByKind(const std::string& apiVersion,
                                                         const std::string& kind) const {
  std::lock_guard lock(mu_);
  for (const auto& r : resources_) {
    if (r.apiVersion() == apiVersion && r.kind == kind) return r;
  }
  return std::nullopt;
}

std::vector<ResourceInfo> ResourceRegistry::all() const {
  std::lock_guard lock(mu_);
  return resources_;
}

std::vector<std::string> ResourceRegistry::groups() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& r : resources_) {
    if (std::find(out.begin(), out.end(), r.group) == out.end()) out.push_back(r.group);
  }
  return out;
}

std::vector<std::string> ResourceRegistry::versions(const std::string& group) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& r : resources_) {
    if (r.group == group && std::find(out.begin(), out.end(), r.version) == out.end()) {
      out.push_back(r.version);
    }
  }
  return out;
}

std::vector<ResourceInfo> ResourceRegistry::builtins() {
  auto make = [](std::string group, std::string kind, std::string plural, std::string singular,
                 bool namespaced, bool hasStatus, std::vector<std::string> shortNames,
                 std::vector<std::string> categories = {}) {
    ResourceInfo r;
    r.group = std::move(group);
    r.version = "v1";
    r.kind = std::move(kind);
    r.plural = std::move(plural);
    r.singular = std::move(singular);
    r.namespaced = namespaced;
    r.hasStatus = hasStatus;
    r.shortNames = std::move(shortNames);
    r.categories = std::move(categories);
    return r;
  };
  return {
      make("", "Namespace", "namespaces", "namespace", false, true, {"ns"}),
      make("", "Pod", "pods", "pod", true, true, {"po"}, {"all"}),
      make("", "Secret", "secrets", "secret", true, false, {}),
      make("", "ConfigMap", "configmaps", "configmap", true, false, {"cm"}),
      make("", "Event", "events", "event", true, false, {"ev"}),
      make("", "Service", "services", "service", true, true, {"svc"}, {"all"}),
      make("", "ServiceAccount", "serviceaccounts", "serviceaccount", true, false, {"sa"}),
      make("apps", "Deployment", "deployments", "deployment", true, true, {"deploy"}, {"all"}),
      make("apps", "ReplicaSet", "replicasets", "replicaset", true, true, {"rs"}, {"all"}),
      make("coordination.k8s.io", "Lease", "leases", "lease", true, false, {}),
      make("apiextensions.k8s.io", "CustomResourceDefinition", "customresourcedefinitions",
           "customresourcedefinition", false, true, {"crd", "crds"}, {"api-extensions"}),
  };
}

std::vector<ResourceInfo> ResourceRegistry::fromCrd(const nlohmann::json& crd) {
  const std::string name = crd.value("/metadata/name"_json_pointer, "");
  const auto& spec = crd.value("spec", nlohmann::json::object());
  const auto& names = spec.value("names", nlohmann::json::object());
  const std::string group = spec.value("group", "");
  const std::string plural = names.value("plural", "");
  const std::string kind = names.value("kind", "");
  auto fail = [&](const std::string& why) {
    return invalid("apiextensions.k8s.io", "CustomResourceDefinition", name, why);
  };
  if (group.empty()) throw fail("spec.group: Required value");
  if (plural.empty()) throw fail("spec.names.plural: Required value");
  if (kind.empty()) throw fail("spec.names.kind: Required value");
  if (name != plural + "." + group) {
    throw fail("metadata.name: Invalid value: \"" + name + "\": must be spec.names.plural+\".\"+" +
               "spec.group");
  }
  const std::string scope = spec.value("scope", "");
  if (scope != "Namespaced" && scope != "Cluster") {
    throw fail("spec.scope: Unsupported value: \"" + scope +
               "\": supported values: \"Cluster\", \"Namespaced\"");
  }
  const auto versions = spec.value("versions", nlohmann::json::array());
  if (!versions.is_array() || versions.empty()) throw fail("spec.versions: Required value");
  int storage = 0;
  std::vector<ResourceInfo> out;
  for (const auto& v : versions) {
    if (v.value("storage", false)) ++storage;
    if (!v.value("served", false)) continue;
    ResourceInfo r;
    r.group = group;
    r.version = v.value("name", "");
    r.kind = kind;
    r.plural = plural;
    r.singular = names.value("singular", toLower(kind));
    r.listKind = names.value("listKind", kind + "List");
    r.namespaced = scope == "Namespaced";
    r.custom = true;
    r.shortNames = names.value("shortNames", std::vector<std::string>{});
    r.categories = names.value("categories", std::vector<std::string>{});
    r.hasStatus = v.contains("/subresources/status"_json_pointer);
    for (const auto& c : v.value("additionalPrinterColumns", nlohmann::json::array())) {
      PrinterColumn col;
      col.name = c.value("name", "");
      col.type = c.value("type", "string");
      col.format = c.value("format", "");
      col.description = c.value("description", "");
      col.jsonPath = c.value("jsonPath", "");
      col.priority = c.value("priority", 0);
      r.printerColumns.push_back(std::move(col));
    }
    out.push_back(std::move(r));
  }
  if (storage != 1)
    throw fail(
        "spec.versions: Invalid value: must have exactly one version marked as storage version");
  return out;
}

}  // namespace rg::testing
