// The rollout check: health of the Deployment's current revision, read from its ReplicaSet's pods
// and the Deployment's Progressing condition. Old revisions' pods never count: they keep serving
// while the new one crash-loops, which is exactly what the check must not be fooled by.
#include "reconcilers/checks/rollout_check.hpp"

#include <algorithm>
#include <array>

#include "kube/object_views.hpp"
#include "reconcilers/actions/rollback.hpp"
#include "reconcilers/checks/check_text.hpp"
#include "reconcilers/checks/spec_rules.hpp"
#include "reconcilers/checks/workload.hpp"
#include "reconcilers/spec/spec_reader.hpp"
#include "reconcilers/status/gate_status.hpp"

namespace rg {
namespace {

using nlohmann::json;

constexpr const char* kRolloutFields[] = {"maxRestarts", "readyTimeout"};

RolloutCheck parseRollout(SpecReader& r, const json& body, const FieldPath& path) {
  RolloutCheck out;
  if (auto restarts = r.integer(body, path, "maxRestarts")) {
    if (*restarts < 0) r.error(path.child("maxRestarts"), "must not be negative");
    out.maxRestarts = *restarts;
  }
  out.readyTimeout = positiveDuration(r, body, path, "readyTimeout");
  return out;
}

}  // namespace
}  // namespace rg

namespace rg::checks {
namespace {

using nlohmann::json;
using TimePoint = std::chrono::system_clock::time_point;

// Kubernetes' default spec.progressDeadlineSeconds.
constexpr int64_t kDefaultProgressDeadlineSeconds = 600;
// Kubelet messages can be long (a registry's full answer); the reason is what matters.
constexpr size_t kMaxMessage = 160;

// Waiting reasons that never resolve by waiting: the image or the container's configuration is
// wrong, so they fail at once.
constexpr std::array<std::string_view, 5> kBrokenWaitingReasons = {
    "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError",
    "CreateContainerError"};

std::string shortened(std::string text) {
  if (text.size() > kMaxMessage) text = text.substr(0, kMaxMessage) + "...";
  return text;
}

// The ReplicaSet carrying the Deployment's revision; without a readable revision on the
// Deployment, the highest revision among the ReplicaSets it controls.
const json* currentReplicaSet(const Workload& workload) {
  const auto revision = kube::DeploymentView(workload.deployment).revision();
  const json* highest = nullptr;
  int64_t highestRevision = -1;
  for (const json& rs : actions::controlledReplicaSets(workload.deployment, workload.replicaSets)) {
    auto rsRevision = kube::ReplicaSetView(rs).revision();
    if (!rsRevision) continue;
    if (revision) {
      if (*rsRevision == *revision) return &rs;
      continue;
    }
    if (*rsRevision > highestRevision) {
      highest = &rs;
      highestRevision = *rsRevision;
    }
  }
  return highest;
}

// The pod's controller is the ReplicaSet (by uid), or, when either uid is missing (manifests),
// the pod carries the ReplicaSet's pod-template-hash.
bool belongsTo(const json& pod, const std::string& rsUid, const std::string& rsHash) {
  const kube::PodView view(pod);
  const std::string controllerUid = view.controllerUid();
  if (!rsUid.empty() && !controllerUid.empty()) return controllerUid == rsUid;
  return !rsHash.empty() && view.podTemplateHash() == rsHash;
}

// Terminating pods and pods that ran to an end (evicted) are being replaced: their successors
// are judged instead.
bool isActive(const kube::PodView& pod) {
  if (pod.terminating()) return false;
  const std::string phase = pod.phase();
  return phase != "Succeeded" && phase != "Failed";
}

// ContainersReady, not Ready: with spec.podReadinessGate the gate itself holds Ready False until
// the revision passes, so waiting for Ready would wait for ever.
bool containersReady(const kube::PodView& pod) {
  if (auto condition = pod.condition("ContainersReady")) return condition->status() == "True";
  const auto containers = pod.containerStatuses();
  return !containers.empty() &&
         std::all_of(containers.begin(), containers.end(),
                     [](const kube::ContainerStatusView& c) { return c.ready(); });
}

// What is wrong with one container, or "" when nothing is.
std::string containerProblems(const kube::ContainerStatusView& container,
                              const RolloutCheck& spec) {
  std::vector<std::string> problems;
  const int64_t restarts = container.restartCount();
  {
    const std::string reason = container.waitingReason();
    const std::string message = container.waitingMessage();
    if (std::find(kBrokenWaitingReasons.begin(), kBrokenWaitingReasons.end(), reason) !=
        kBrokenWaitingReasons.end()) {
      problems.push_back(reason + (message.empty() ? "" : " (" + shortened(message) + ")"));
    } else if (reason == "CrashLoopBackOff" && restarts >= 2) {
      // One crash followed by one back-off is a single restart: not yet a loop.
      problems.push_back("CrashLoopBackOff after " + countOf(restarts, "restart"));
    }
  }
  if (container.terminatedReason() == "OOMKilled" ||
      container.lastTerminatedReason() == "OOMKilled")
    problems.push_back("OOMKilled");
  if (restarts > spec.maxRestarts)
    problems.push_back(countOf(restarts, "restart") + ", at most " +
                       std::to_string(spec.maxRestarts) + " allowed");
  return join(problems, ", ");
}

std::chrono::seconds readyTimeoutOf(const RolloutCheck& spec, const json& deployment) {
  if (spec.readyTimeout)
    return std::chrono::duration_cast<std::chrono::seconds>(spec.readyTimeout->value());
  int64_t seconds = kube::DeploymentView(deployment)
                        .progressDeadlineSeconds()
                        .value_or(kDefaultProgressDeadlineSeconds);
  if (seconds <= 0) seconds = kDefaultProgressDeadlineSeconds;
  return std::chrono::seconds(seconds);
}

std::string durationText(std::chrono::seconds seconds) {
  return kube::Duration(seconds).toString();
}

// The Deployment's own verdict on the rollout: Progressing=False/ProgressDeadlineExceeded.
std::optional<std::string> deadlineExceeded(const json& deployment) {
  for (const kube::ConditionView& condition : kube::DeploymentView(deployment).conditions()) {
    if (condition.type() != "Progressing" || condition.status() != "False" ||
        condition.reason() != "ProgressDeadlineExceeded")
      continue;
    const std::string message = condition.message();
    return "Deployment: Progressing=False, ProgressDeadlineExceeded" +
           (message.empty() ? std::string() : " (" + shortened(message) + ")");
  }
  return std::nullopt;
}

}  // namespace

CheckResult checkRollout(const RolloutCheck& spec, const Workload& workload) {
  const json& deployment = workload.deployment;
  // A live Deployment always has a status (possibly empty); a manifest has none.
  if (!kube::DeploymentView(deployment).hasStatus())
    return {CheckOutcome::Skipped, "",
            "no rollout to inspect offline (the Deployment has no status)"};

  std::vector<std::string> failures;
  if (auto deadline = deadlineExceeded(deployment)) failures.push_back(*deadline);

  const json* replicaSet = currentReplicaSet(workload);
  const auto revision = kube::DeploymentView(deployment).revision();
  if (!replicaSet) {
    if (!failures.empty()) return CheckResult::failed(join(failures));
    return CheckResult::inconclusive(revision ? "revision " + std::to_string(*revision) +
                                                    ": its ReplicaSet is not seen yet"
                                              : "no ReplicaSet of the Deployment yet");
  }
  const kube::ReplicaSetView rsView(*replicaSet);
  const std::string revisionText = "revision " + std::to_string(rsView.revision().value_or(0));
  const std::string rsUid = rsView.uid();
  const std::string rsHash = rsView.podTemplateHash();
  const auto timeout = readyTimeoutOf(spec, deployment);

  size_t total = 0, ready = 0, starting = 0;
  std::optional<TimePoint> recheckAt;
  for (const json& podObject : workload.pods) {
    const kube::PodView pod(podObject);
    if (!belongsTo(podObject, rsUid, rsHash) || !isActive(pod)) continue;
    ++total;
    const std::string podName = "pod " + pod.name();
    for (const bool init : {true, false}) {
      for (const auto& container : pod.containerStatuses(init)) {
        std::string problems = containerProblems(container, spec);
        if (problems.empty()) continue;
        const std::string name = container.name();
        failures.push_back(podName + (init ? " init container " : " container ") +
                           (name.empty() ? "?" : name) + ": " + problems);
      }
    }
    if (containersReady(pod)) {
      ++ready;
      continue;
    }
    auto created = parseTime(pod.creationTimestamp());
    if (!created) {
      ++starting;  // no age to judge by
      continue;
    }
    const TimePoint deadline = *created + timeout;
    if (workload.now >= deadline) {
      failures.push_back(podName + ": containers not ready " + durationText(timeout) +
                         " after creation");
    } else {
      ++starting;
      if (!recheckAt || deadline < *recheckAt) recheckAt = deadline;
    }
  }

  const std::string value = ratio(ready, total);
  CheckResult result;
  if (!failures.empty()) {
    result = CheckResult::failed(revisionText + ": " + join(failures), value);
  } else if (total == 0) {
    // Nothing to judge yet: the ReplicaSet has not created its pods (or is scaled to zero).
    if (rsView.desiredReplicas() == 0)
      return CheckResult::passed(revisionText + ": scaled to 0 pods", value);
    return CheckResult::inconclusive(revisionText + ": no pods yet", value);
  } else {
    std::string message =
        revisionText + ": " + std::to_string(ready) + " of " + countOf(total, "pod") + " ready";
    if (starting > 0) message += ", " + std::to_string(starting) + " starting";
    result = CheckResult::passed(std::move(message), value);
  }
  result.recheckAt = recheckAt;
  return result;
}

}  // namespace rg::checks

namespace rg {

constinit const CheckKind<RolloutCheck> kRolloutKind{
    .info = {.name = "rollout", .fields = kRolloutFields, .readsPodsOrClock = true},
    .parse = parseRollout,
    .evaluate = checks::checkRollout,
};

}  // namespace rg
