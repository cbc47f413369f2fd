#pragma once
// What a kubelet would report for a pod, as a pure function of the pod, its current status and
// the time: the simulated deployment controller and the control plane's stand-in kubelet share
// it. Each container behaves as its image is told to (PodBehaviours); back-offs are compressed
// (PodTimings) so a crash loop shows within a second instead of kubelet's 10 s and more.
//
// Timeline of a container, from the pod's startTime (second precision, as the API shows it):
//   [0, startDelay)              waiting ContainerCreating (pod Pending)
//   Healthy                      running, ready
//   NeverReady                   running, never ready
//   CreateConfigError            waiting CreateContainerConfigError, never started (Pending)
//   ImagePullFailure             waiting ErrImagePull, after imagePullBackOff ImagePullBackOff
//   CrashLoop / OOMKilled        cycles of: running (not ready) for runBeforeCrash, then waiting
//                                CrashLoopBackOff for crashBackOff with restartCount + 1 and
//                                lastState terminated (Error exit 1 / OOMKilled exit 137)
//   RestartOnce                  one such cycle, then running and ready with restartCount 1
// A crashing container is never ready: it dies during start-up, before its readiness probe.
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace rg::testing {

enum class PodBehaviour {
  Healthy,
  CrashLoop,
  ImagePullFailure,
  CreateConfigError,
  OOMKilled,
  NeverReady,
  RestartOnce
};

const char* toString(PodBehaviour behaviour);

// Time compression of the kubelet's timeline (see the header comment).
struct PodTimings {
  std::chrono::milliseconds startDelay{0};
  std::chrono::milliseconds runBeforeCrash{500};
  std::chrono::milliseconds crashBackOff{500};
  std::chrono::milliseconds imagePullBackOff{500};
};

// Behaviour per container image; thread-safe (tests change it while controllers read it).
class PodBehaviours {
 public:
  void set(const std::string& image, PodBehaviour behaviour);
  // Healthy for an image never set.
  PodBehaviour behaviour(const std::string& image) const;
  void clear();

 private:
  mutable std::mutex mu_;
  std::map<std::string, PodBehaviour> byImage_;
};

struct KubeletStatus {
  nlohmann::json status;  // the pod's whole new status
  // When time alone changes the status next (a crash, a back-off ending); none when settled.
  std::optional<std::chrono::system_clock::time_point> nextChange;
};

// The status a kubelet would write for `pod` at `now`: phase; conditions PodScheduled,
// Initialized, ContainersReady and Ready (Ready also needs every spec.readinessGates condition
// True), keeping any other condition (a readiness gate's) as it is and each condition's
// lastTransitionTime while its status holds; containerStatuses (state, lastState, restartCount,
// ready, started, image); startTime (kept, else `now`); hostIP and podIP 127.0.0.1. Other
// status fields are kept.
KubeletStatus kubeletPodStatus(const nlohmann::json& pod, const PodBehaviours& behaviours,
                               const PodTimings& timings,
                               std::chrono::system_clock::time_point now);

}  // namespace rg::testing
