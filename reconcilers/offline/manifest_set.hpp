#pragma once
// The Kubernetes objects read from files, indexed for pairing gates with targets.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reconcilers/checks/workload.hpp"
#include "reconcilers/offline/offline_check.hpp"

namespace rg::offline {

struct SourcedObject {
  Source source;
  nlohmann::json object;
};

class ManifestSet {
 public:
  explicit ManifestSet(std::string defaultNamespace = "default")
      : defaultNamespace_(std::move(defaultNamespace)) {}

  // Reads a file or a folder (recursively: *.yaml, *.yml, *.json, in name order).
  void addPath(const std::string& path);
  // Adds the documents of `text` as if read from `file`.
  void addText(const std::string& text, const std::string& file);

  const std::vector<SourcedObject>& gates() const { return gates_; }
  const std::vector<InputError>& errors() const { return errors_; }
  const std::string& defaultNamespace() const { return defaultNamespace_; }
  std::string namespaceOf(const nlohmann::json& object) const;

  // The Deployment `name` in `ns` with what it owns and the namespace's Secrets
  // and ConfigMaps; nullopt when the Deployment is not among the inputs.
  std::optional<Workload> workload(const std::string& ns, const std::string& name) const;

 private:
  void addObject(nlohmann::json object, const Source& source);

  std::string defaultNamespace_;
  std::vector<SourcedObject> gates_;
  std::map<std::string, nlohmann::json> deployments_;               // "ns/name"
  std::map<std::string, std::vector<nlohmann::json>> replicaSets_;  // by namespace
  std::map<std::string, std::vector<nlohmann::json>> pods_;         // by namespace
  std::map<std::string, KeyCatalog> secrets_;                       // by namespace
  std::map<std::string, KeyCatalog> configMaps_;                    // by namespace
  std::vector<InputError> errors_;
};

}  // namespace rg::offline
