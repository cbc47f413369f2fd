#pragma once
// What a static check reads: the target Deployment, what it owns, and the
// namespace's Secrets and ConfigMaps (key names only: values are never kept).
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace rg {

// The key names of one Secret or ConfigMap.
struct ObjectKeys {
  std::string name;
  std::set<std::string> keys;
};

// Secrets (or ConfigMaps) of one namespace by name, keeping key names only.
class KeyCatalog {
 public:
  // Records the key names of `data`, `stringData` and `binaryData`; values are discarded.
  void add(const nlohmann::json& object);
  void add(ObjectKeys object);
  const ObjectKeys* find(const std::string& name) const;
  size_t size() const { return objects_.size(); }

 private:
  std::map<std::string, ObjectKeys> objects_;
};

struct Workload {
  nlohmann::json deployment;                // apps/v1 Deployment
  std::vector<nlohmann::json> replicaSets;  // the ReplicaSets it controls
  std::vector<nlohmann::json> pods;         // their Pods
  KeyCatalog secrets;                       // the namespace's Secrets
  KeyCatalog configMaps;                    // the namespace's ConfigMaps
  // When the objects were read: checks that judge ages (a pod's ready timeout) measure from it.
  std::chrono::system_clock::time_point now{};
};

}  // namespace rg
