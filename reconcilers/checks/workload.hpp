#pragma once
// What a static check reads: the target Deployment, what it owns, and the
// namespace's Secrets and ConfigMaps (key names only: values are never kept).
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "kube/shared_objects.hpp"

namespace rg {

// The key names of one Secret or ConfigMap.
struct ObjectKeys {
  std::string name;
  std::set<std::string> keys;
};

// Secrets (or ConfigMaps) of one namespace by name, keeping key names only. Either filled with
// add() (the offline check's manifests), or reading a cache by name on demand: a reconcile then
// looks at the few objects its checks name, not at every object of the namespace.
class KeyCatalog {
 public:
  // The object of that name, or nullptr (it holds key names, not values).
  using Lookup = std::function<std::shared_ptr<const nlohmann::json>(const std::string& name)>;

  KeyCatalog() = default;
  explicit KeyCatalog(Lookup lookup) : lookup_(std::move(lookup)) {}

  // Records the key names of `data`, `stringData` and `binaryData`; values are discarded.
  void add(const nlohmann::json& object);
  void add(ObjectKeys object);
  // Valid as long as the catalog.
  const ObjectKeys* find(const std::string& name) const;
  // Objects recorded (with a lookup: those found so far).
  size_t size() const { return objects_.size(); }

 private:
  static ObjectKeys keysOf(std::string name, const nlohmann::json& object);

  Lookup lookup_;
  // With a lookup, what it found so far (one reconcile's view of the cache).
  mutable std::map<std::string, ObjectKeys> objects_;
};

struct Workload {
  // Shares of the cache's snapshots, not copies.
  kube::SharedObject deployment;    // apps/v1 Deployment
  kube::SharedObjects replicaSets;  // the ReplicaSets it controls
  kube::SharedObjects pods;         // their Pods
  KeyCatalog secrets;               // the namespace's Secrets
  KeyCatalog configMaps;            // the namespace's ConfigMaps
  // When the objects were read: checks that judge ages (a pod's ready timeout) measure from it.
  std::chrono::system_clock::time_point now{};
};

}  // namespace rg
