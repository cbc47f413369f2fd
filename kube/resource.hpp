#pragma once
// Identifies a Kubernetes resource type (group/version/plural) and builds its REST paths.
#include <stdexcept>
#include <string>
#include <string_view>

namespace rg::kube {

struct ResourceRef {
  std::string group;     // "" for the core group
  std::string version;   // "v1"
  std::string resource;  // plural, lower case: "deployments"
  bool namespaced = true;

  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }

  // "/api/v1" for the core group, "/apis/<group>/<version>" otherwise.
  std::string groupVersionPath() const {
    return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  }

  // The collection: an empty namespace on a namespaced resource means all namespaces;
  // the namespace is ignored for cluster-scoped resources.
  std::string collectionPath(std::string_view ns = {}) const {
    std::string path = groupVersionPath();
    if (namespaced && !ns.empty()) {
      path += "/namespaces/";
      path += ns;
    }
    path += "/";
    path += resource;
    return path;
  }

  // One object, optionally a subresource of it ("status", "scale").
  std::string itemPath(std::string_view ns, std::string_view name,
                       std::string_view subresource = {}) const {
    if (name.empty()) throw std::invalid_argument("ResourceRef: empty name for " + resource);
    if (namespaced && ns.empty()) {
      throw std::invalid_argument("ResourceRef: " + resource + " is namespaced; namespace missing");
    }
    std::string path = collectionPath(ns);
    path += "/";
    path += name;
    if (!subresource.empty()) {
      path += "/";
      path += subresource;
    }
    return path;
  }

  bool operator==(const ResourceRef&) const = default;
};

// Resources the operator touches.
namespace resources {
inline const ResourceRef kPods{"", "v1", "pods", true};
inline const ResourceRef kSecrets{"", "v1", "secrets", true};
inline const ResourceRef kConfigMaps{"", "v1", "configmaps", true};
inline const ResourceRef kEvents{"", "v1", "events", true};
inline const ResourceRef kNamespaces{"", "v1", "namespaces", false};
inline const ResourceRef kNodes{"", "v1", "nodes", false};
inline const ResourceRef kDeployments{"apps", "v1", "deployments", true};
inline const ResourceRef kReplicaSets{"apps", "v1", "replicasets", true};
inline const ResourceRef kLeases{"coordination.k8s.io", "v1", "leases", true};
inline const ResourceRef kEventsV1{"events.k8s.io", "v1", "events", true};
inline const ResourceRef kCustomResourceDefinitions{"apiextensions.k8s.io", "v1",
                                                    "customresourcedefinitions", false};
}  // namespace resources

}  // namespace rg::kube
