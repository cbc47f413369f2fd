#include "reconcilers/actions/pod_readiness.hpp"

#include <algorithm>

#include "kube/object_views.hpp"

namespace rg::actions {

using nlohmann::json;

namespace {

const char* statusText(bool status) {
  return status ? "True" : "False";
}

}  // namespace

std::string conditionType(std::string_view gateName) {
  return std::string(kConditionTypePrefix) + std::string(gateName);
}

bool podWantsGate(const json& pod, std::string_view type) {
  return kube::PodView(pod).hasReadinessGate(type);
}

bool podConditionTrue(const json& pod, std::string_view type) {
  const auto condition = kube::PodView(pod).condition(type);
  return condition && condition->status() == statusText(true);
}

bool needsUpdate(const json& pod, std::string_view type, bool status) {
  if (!podWantsGate(pod, type)) return false;
  const auto condition = kube::PodView(pod).condition(type);
  return !condition || condition->status() != statusText(status);
}

json podConditionPatch(const json& pod, std::string_view type, bool status, std::string_view reason,
                       std::string_view message, std::string_view now) {
  std::string transition(now);
  if (const auto existing = kube::PodView(pod).condition(type)) {
    const std::string previous = existing->lastTransitionTime();
    // The transition time records the last flip of the status, not the last write.
    if (existing->status() == statusText(status) && !previous.empty()) transition = previous;
  }
  json condition = {{"type", type},
                    {"status", statusText(status)},
                    {"reason", reason},
                    {"message", message},
                    {"lastTransitionTime", transition}};
  return {{"status", {{"conditions", json::array({std::move(condition)})}}}};
}

std::optional<json> planPodCondition(const json& pod, std::string_view type, bool status,
                                     std::string_view reason, std::string_view message,
                                     std::string_view now) {
  if (!needsUpdate(pod, type, status)) return std::nullopt;
  return podConditionPatch(pod, type, status, reason, message, now);
}

std::optional<PodGateDecision> decidePodGate(const json& pod, std::string_view type,
                                             const std::vector<std::string>& passedHashes,
                                             std::string_view currentHash,
                                             const std::vector<std::string>& blockingChecks) {
  if (!podWantsGate(pod, type)) return std::nullopt;
  const std::string hash = kube::PodView(pod).podTemplateHash();
  const std::string revision = "revision " + (hash.empty() ? "(no pod-template-hash)" : hash);
  if (!hash.empty() &&
      std::find(passedHashes.begin(), passedHashes.end(), hash) != passedHashes.end())
    return PodGateDecision{true, "RevisionPassed", revision + " passed every critical check"};
  // Only this gate sets True, and only on a passed revision: a True pod serves and stays (its
  // record may be gone with a lost status, or a bound that dropped it).
  if (podConditionTrue(pod, type)) return std::nullopt;
  std::string message;
  // Not the current revision: an older one that never passed, or a new one the cache shows before
  // the Deployment moved to it. Either way, nothing to name.
  if (hash.empty() || hash != currentHash) {
    message = revision + " has not passed";
  } else if (blockingChecks.empty()) {
    message = revision + " has not passed yet";
  } else {
    message = revision + " has not passed; critical checks not passing: ";
    for (size_t i = 0; i < blockingChecks.size(); ++i)
      message += (i ? ", " : "") + blockingChecks[i];
  }
  return PodGateDecision{false, "RevisionNotPassed", std::move(message)};
}

}  // namespace rg::actions
