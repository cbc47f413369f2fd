#pragma once
// A simulated kube-controller-manager deployment controller, ReplicaSet controller and kubelet
// for the test API server: what the operator relies on from a real cluster. Installed as an
// ApiServer::onChange hook, it writes back through the server's direct-state API:
//   - a Deployment whose pod template matches no owned ReplicaSet (ignoring pod-template-hash)
//     gets ReplicaSet <name>-<hash> with the next revision; a template equal to an old
//     ReplicaSet's (a rollback) reuses it and moves it to the next revision (revision-history);
//   - the Deployment's deployment.kubernetes.io/revision follows its current ReplicaSet;
//   - RollingUpdate as the real controller (rolling_update.hpp): the new ReplicaSet scales up
//     within maxSurge, old ones scale down only as pods become available (Ready) within
//     maxUnavailable, so with maxUnavailable 0 a new revision whose pods never become Ready
//     leaves every old pod running; Recreate scales the old ReplicaSets to 0 and the new one
//     up at once; a paused Deployment gets no new ReplicaSet and no scaling;
//   - Pods per ReplicaSet, their status written as a kubelet would (pod_lifecycle.hpp) by the
//     behaviour of their images (podBehaviours(), default Healthy: running and Ready at once,
//     Ready only when every spec.readinessGates condition is True);
//   - ReplicaSet and Deployment status (counts, observedGeneration, Available, Progressing with
//     NewReplicaSetCreated / FoundNewReplicaSet / ReplicaSetUpdated / NewReplicaSetAvailable /
//     DeploymentPaused / DeploymentResumed, and False ProgressDeadlineExceeded when the rollout
//     made no progress for progressDeadlineSeconds since the condition's lastUpdateTime).
// A thread ticks every tickInterval to move time-driven states on (crash loops, back-offs,
// progress deadlines); it only syncs Deployments that have such a change due.
// With Healthy images every step follows from the previous one's change event, so a rollout
// is complete once ApiServer::waitForHooks() returns.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "tests/support/api_server.hpp"
#include "tests/support/pod_lifecycle.hpp"

namespace rg::testing {

struct DeploymentControllerOptions {
  PodTimings podTimings;  // compressed kubelet back-offs
  std::chrono::milliseconds tickInterval{50};
};

class DeploymentController {
 public:
  // Starts reacting to changes at once; Deployments already stored are synced too.
  explicit DeploymentController(ApiServer& server, DeploymentControllerOptions options = {});
  ~DeploymentController();  // stops the tick thread, removes the hook
  DeploymentController(const DeploymentController&) = delete;
  DeploymentController& operator=(const DeploymentController&) = delete;

  // What each image's containers do; read at every status computation, so a change applies to
  // running pods too.
  PodBehaviours& podBehaviours() { return behaviours_; }

  // Brings one Deployment's ReplicaSets, Pods and status up to date (what the hook does).
  void sync(const std::string& ns, const std::string& name);

  // The last error a sync hit ("" when none): a hook cannot throw to the test.
  std::string lastError() const;
  // How many syncs ran (for tests that wait for the controller to settle).
  size_t syncCount() const { return syncs_.load(); }

  // When this controller first wrote a pod status with a container waiting for `reason`
  // ("CrashLoopBackOff", "ImagePullBackOff", ...); none if it never did.
  std::optional<std::chrono::system_clock::time_point> firstWaiting(
      const std::string& reason) const;

  // The pod-template-hash of a pod template: a stable hash of the template without its
  // pod-template-hash label, encoded like the controller's (rand.SafeEncodeString).
  static std::string templateHash(const nlohmann::json& podTemplate);

 private:
  void onEvent(const StoreEvent& event);
  void tickLoop();
  // Writes the kubelet's status of one pod if it changed; returns the pod as stored.
  nlohmann::json updatePodStatus(const nlohmann::json& pod,
                                 std::optional<std::chrono::system_clock::time_point>& wake);
  void noteWaiting(const nlohmann::json& status);

  ApiServer& server_;
  DeploymentControllerOptions options_;
  PodBehaviours behaviours_;
  int hookId_ = -1;
  std::atomic<size_t> syncs_{0};
  std::atomic<unsigned> podCounter_{0};
  mutable std::mutex mu_;  // one sync at a time; guards lastError_ and wakeAt_
  std::string lastError_;
  // Deployments (namespace, name) with a time-driven change due at the given time.
  std::map<std::pair<std::string, std::string>, std::chrono::system_clock::time_point> wakeAt_;
  mutable std::mutex seenMu_;
  std::map<std::string, std::chrono::system_clock::time_point> firstWaiting_;
  std::mutex tickMu_;
  std::condition_variable tickCv_;
  bool stopping_ = false;
  std::thread ticker_;
};

}  // namespace rg::testing
