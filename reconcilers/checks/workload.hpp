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
#include <utility>
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

  // With a lookup: every name find() looked up, with the snapshot it found (nullptr: none). What
  // was judged from this catalog still holds while current() gives the same snapshots.
  using Snapshots = std::vector<std::pair<std::string, std::shared_ptr<const nlohmann::json>>>;
  Snapshots lookedUp() const { return {seen_.begin(), seen_.end()}; }
  // The object of that name now, without recording it; nullptr without a lookup.
  std::shared_ptr<const nlohmann::json> current(const std::string& name) const;

 private:
  static ObjectKeys keysOf(std::string name, const nlohmann::json& object);

  Lookup lookup_;
  // With a lookup, what it found so far (one reconcile's view of the cache).
  mutable std::map<std::string, ObjectKeys> objects_;
  mutable std::map<std::string, std::shared_ptr<const nlohmann::json>> seen_;
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

  // The Deployment with its pod template as a tree. The cache keeps the template as its text
  // (actions::compactTemplate): it is parsed here, on first use in a reconcile, by the readers
  // of the template (the checks that read it, a rollback plan), and not at all in a round whose
  // static results are kept (GateReconciler).
  const nlohmann::json& deploymentWithTemplate() const;
  // Whether deploymentWithTemplate() was read (the template parsed, when kept as text).
  bool templateRead() const { return withTemplate_ != nullptr; }

 private:
  mutable kube::ObjectPtr withTemplate_;
  mutable const nlohmann::json* withTemplateOf_ = nullptr;
  mutable std::uint64_t withTemplateEdits_ = 0;
};

}  // namespace rg
