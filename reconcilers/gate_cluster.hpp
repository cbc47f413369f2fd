#pragma once
// What the gate reconciler reads from and writes to the cluster. The operator implements both
// with the informer cache and the REST client (operator/); the reconciler's unit tests with
// maps in memory, so that its decisions are tested without a server.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/event_recorder.hpp"
#include "kube/object_store.hpp"
#include "kube/rest_client.hpp"
#include "reconcilers/checks/workload.hpp"

namespace rg {

// Reads from the informer cache: never a request to the API server.
class GateCacheReader {
 public:
  virtual ~GateCacheReader() = default;
  // "namespace/name"; nullptr when absent.
  virtual kube::ObjectPtr gate(const std::string& key) const = 0;
  virtual kube::ObjectPtr deployment(const std::string& ns, const std::string& name) const = 0;
  // The target Deployment and what it owns, with the namespace's Secrets and ConfigMaps
  // (key names only); nullopt when the Deployment is not in the cache.
  virtual std::optional<Workload> workload(const std::string& ns,
                                           const std::string& deployment) const = 0;
  virtual std::vector<kube::ObjectPtr> podsOf(const std::string& ns,
                                              const std::string& deployment) const = 0;
};

// Writes to the API server. Errors are thrown as the kube:: API errors (NotFoundError,
// ConflictError, ...).
class GateClusterWriter {
 public:
  virtual ~GateClusterWriter() = default;
  // Returns the Deployment as patched.
  virtual nlohmann::json patchDeployment(const std::string& ns, const std::string& name,
                                         kube::PatchType type, const nlohmann::json& patch) = 0;
  // A strategic merge patch of a pod's status (its readiness-gate condition).
  virtual void patchPodStatus(const std::string& ns, const std::string& name,
                              const nlohmann::json& patch) = 0;
  // PUT of the gate's status subresource; `gate` carries the resourceVersion it was read at.
  // Returns the gate as written (with its new resourceVersion).
  virtual nlohmann::json updateGateStatus(const nlohmann::json& gate) = 0;
  virtual void recordEvent(const kube::ObjectReference& object, kube::EventType type,
                           const std::string& reason, const std::string& message) = 0;
};

}  // namespace rg
