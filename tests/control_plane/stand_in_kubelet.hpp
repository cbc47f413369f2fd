#pragma once
// A stand-in kubelet for the real control plane in tests: no container runtime runs here, so
// this plays the part of a node's kubelet (and of the scheduler, which does not run either).
//
// - registers Node `nodeName` with a Ready condition;
// - watches every pod (the project's own Informer over RestClient);
// - binds a pod without spec.nodeName to the Node (POST pods/<name>/binding);
// - writes the status a kubelet would, from tests/support/pod_lifecycle.hpp (the same function
//   the simulated deployment controller uses): phase, container statuses per image behaviour
//   (healthy, crash loop, image pull failure, OOMKilled, never ready...), and the conditions
//   PodScheduled, Initialized, ContainersReady and Ready (which also needs every
//   spec.readinessGates condition True). It PATCHes pods/status (strategic merge) with only
//   the conditions a kubelet owns, so the readiness gate conditions other writers (the
//   operator) set are never overwritten from a stale cache; and only when something changed;
// - confirms the deletion of a pod being deleted (DELETE with gracePeriodSeconds=0, as a
//   kubelet does once its containers stopped), or the pod would stay Terminating;
// - re-evaluates every pod every `resync` (and at once on a pod event), so restart counts and
//   time-based states move on.
//
// Its requests go through its own client: give it a user of its own
// (ControlPlane::clientConfig("stand-in-kubelet")) to tell its writes apart in the audit log.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "kube/kube_config.hpp"
#include "tests/support/pod_lifecycle.hpp"

namespace rg::kube {
class RestClient;
class Informer;
}  // namespace rg::kube

namespace rg::controlplane {

struct StandInKubeletOptions {
  std::string nodeName = "stand-in-node";
  std::chrono::milliseconds resync{200};
  // What each image's containers do; Healthy for images not set. Tests may change it while
  // the kubelet runs.
  std::shared_ptr<rg::testing::PodBehaviours> behaviours =
      std::make_shared<rg::testing::PodBehaviours>();
  rg::testing::PodTimings timings;
};

class StandInKubelet {
 public:
  // Registers the Node and starts watching; throws when the API server refuses.
  StandInKubelet(rg::kube::ClientConfig config, StandInKubeletOptions options = {});
  ~StandInKubelet();  // stops the watch and the worker
  StandInKubelet(const StandInKubelet&) = delete;
  StandInKubelet& operator=(const StandInKubelet&) = delete;

  // The last error a pod's binding or status write met ("" when none); tests assert on it.
  std::string lastError() const;
  // What each image does (the options' behaviours): set before or while pods run.
  rg::testing::PodBehaviours& behaviours() { return *options_.behaviours; }
  // Pod status writes so far.
  size_t statusWrites() const { return statusWrites_.load(); }

 private:
  void registerNode();
  void run();
  void syncPod(const nlohmann::json& pod);
  void recordError(const std::string& message);

  StandInKubeletOptions options_;
  std::unique_ptr<rg::kube::RestClient> client_;
  std::unique_ptr<rg::kube::Informer> informer_;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> statusWrites_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool dirty_ = false;
  std::string lastError_;
  std::thread worker_;
};

}  // namespace rg::controlplane
