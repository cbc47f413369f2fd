#include "tests/support/discovery.hpp"

#include <functional>

namespace rg::testing {
namespace {

using json = nlohmann::json;

const std::vector<std::string> kAllVerbs = {"create", "delete", "deletecollection", "get",
                                            "list",   "patch",  "update",           "watch"};

json groupVersionEntry(const std::string& group, const std::string& version) {
  return {{"groupVersion", group + "/" + version}, {"version", version}};
}

std::string gvPath(const std::string& group, const std::string& version) {
  return group.empty() ? "api/" + version : "apis/" + group + "/" + version;
}

// A stable short hash so clients can cache documents by URL.
std::string hashOf(const std::string& text) {
  const size_t h = std::hash<std::string>{}(text);
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016zX", h);
  return buf;
}

}  // namespace

json versionInfo() {
  return {{"major", "1"},
          {"minor", "32"},
          {"gitVersion", "v1.32.3"},
          {"gitCommit", "32cc146f75aad04beaaa245a7157eb35063a9f99"},
          {"gitTreeState", "clean"},
          {"buildDate", "2025-03-11T19:52:21Z"},
          {"goVersion", "go1.23.6"},
          {"compiler", "gc"},
          {"platform", "linux/amd64"}};
}

json coreApiVersions(const std::string& serverAddress) {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", serverAddress}}}}};
}

std::optional<json> apiGroup(const ResourceRegistry& registry, const std::string& group) {
  const auto versions = registry.versions(group);
  if (group.empty() || versions.empty()) return std::nullopt;
  json vs = json::array();
  for (const auto& v : versions) vs.push_back(groupVersionEntry(group, v));
  return json{{"kind", "APIGroup"},
              {"apiVersion", "v1"},
              {"name", group},
              {"versions", vs},
              {"preferredVersion", groupVersionEntry(group, versions.front())}};
}

json apiGroupList(const ResourceRegistry& registry) {
  json groups = json::array();
  for (const auto& g : registry.groups()) {
    if (auto entry = apiGroup(registry, g)) {
      entry->erase("kind");
      entry->erase("apiVersion");
      groups.push_back(*entry);
    }
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

std::optional<json> apiResourceList(const ResourceRegistry& registry, const std::string& group,
                                    const std::string& version) {
  json resources = json::array();
  for (const auto& r : registry.all()) {
    if (r.group != group || r.version != version) continue;
    json entry = {
        {"name", r.plural},           {"singularName", r.singular},
        {"namespaced", r.namespaced}, {"kind", r.kind},
        {"verbs", kAllVerbs},         {"storageVersionHash", hashOf(r.storageKey()).substr(0, 11)}};
    if (!r.shortNames.empty()) entry["shortNames"] = r.shortNames;
    if (!r.categories.empty()) entry["categories"] = r.categories;
    resources.push_back(std::move(entry));
    if (r.hasStatus) {
      resources.push_back({{"name", r.plural + "/status"},
                           {"singularName", ""},
                           {"namespaced", r.namespaced},
                           {"kind", r.kind},
                           {"verbs", {"get", "patch", "update"}}});
    }
  }
  if (resources.empty()) return std::nullopt;
  return json{{"kind", "APIResourceList"},
              {"apiVersion", "v1"},
              {"groupVersion", group.empty() ? version : group + "/" + version},
              {"resources", resources}};
}

json openApiV3Root(const ResourceRegistry& registry) {
  json paths = json::object();
  for (const auto& g : registry.groups()) {
    for (const auto& v : registry.versions(g)) {
      const auto doc = openApiV3Document(registry, g, v);
      if (!doc) continue;
      const std::string path = gvPath(g, v);
      paths[path] = {{"serverRelativeURL", "/openapi/v3/" + path + "?hash=" + hashOf(doc->dump())}};
    }
  }
  return {{"paths", paths}};
}

std::optional<json> openApiV3Document(const ResourceRegistry& registry, const std::string& group,
                                      const std::string& version) {
  json paths = json::object();
  for (const auto& r : registry.all()) {
    if (r.group != group || r.version != version) continue;
    const std::string prefix = "/" + gvPath(group, version);
    const std::string path = r.namespaced
                                 ? prefix + "/namespaces/{namespace}/" + r.plural + "/{name}"
                                 : prefix + "/" + r.plural + "/{name}";
    const json gvk = {{"group", group}, {"version", version}, {"kind", r.kind}};
    const json params = json::array(
        {{{"name", "dryRun"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
         {{"name", "fieldManager"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
         {{"name", "fieldValidation"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
         {{"name", "force"}, {"in", "query"}, {"schema", {{"type", "boolean"}}}}});
    paths[path] = {{"patch",
                    {{"operationId", "patch" + r.kind},
                     {"x-kubernetes-action", "patch"},
                     {"x-kubernetes-group-version-kind", gvk},
                     {"parameters", params},
                     {"responses", {{"200", {{"description", "OK"}}}}}}},
                   {"put",
                    {{"operationId", "replace" + r.kind},
                     {"x-kubernetes-action", "put"},
                     {"x-kubernetes-group-version-kind", gvk},
                     {"parameters", params},
                     {"responses", {{"200", {{"description", "OK"}}}}}}}};
  }
  if (paths.empty()) return std::nullopt;
  return json{{"openapi", "3.0.0"},
              {"info", {{"title", "Kubernetes"}, {"version", "v1.32.3"}}},
              {"paths", paths},
              {"components", {{"schemas", json::object()}}}};
}

}  // namespace rg::testing
