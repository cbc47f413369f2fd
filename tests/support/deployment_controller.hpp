#pragma once
// A simulated kube-controller-manager deployment controller for the test API server: what the
// operator relies on from a real cluster. Installed as an ApiServer::onChange hook, it writes back
// through the server's direct-state API:
//   - a Deployment whose pod template matches no owned ReplicaSet (ignoring pod-template-hash)
//     gets ReplicaSet <name>-<hash> with the next revision; a template equal to an old
//     ReplicaSet's (a rollback) reuses it and moves it to the next revision (revision-history);
//   - the Deployment's deployment.kubernetes.io/revision follows its current ReplicaSet;
//   - the rollout is immediate: current ReplicaSet at spec.replicas, the others at 0;
//     a paused Deployment gets no new ReplicaSet and no scaling;
//   - Pods per ReplicaSet, Ready when every spec.readinessGates condition is True;
//   - ReplicaSet and Deployment status (counts, observedGeneration, Available/Progressing).
#include <atomic>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/api_server.hpp"

namespace rg::testing {

class DeploymentController {
 public:
  // Starts reacting to changes at once; Deployments already stored are synced too.
  explicit DeploymentController(ApiServer& server);
  ~DeploymentController();  // removes the hook
  DeploymentController(const DeploymentController&) = delete;
  DeploymentController& operator=(const DeploymentController&) = delete;

  // Brings one Deployment's ReplicaSets, Pods and status up to date (what the hook does).
  void sync(const std::string& ns, const std::string& name);

  // The last error a sync hit ("" when none): a hook cannot throw to the test.
  std::string lastError() const;
  // How many syncs ran (for tests that wait for the controller to settle).
  size_t syncCount() const { return syncs_.load(); }

  // The pod-template-hash of a pod template: a stable hash of the template without its
  // pod-template-hash label, encoded like the controller's (rand.SafeEncodeString).
  static std::string templateHash(const nlohmann::json& podTemplate);

 private:
  void onEvent(const StoreEvent& event);

  ApiServer& server_;
  int hookId_ = -1;
  std::atomic<size_t> syncs_{0};
  std::atomic<unsigned> podCounter_{0};
  mutable std::mutex mu_;
  std::string lastError_;
};

}  // namespace rg::testing
