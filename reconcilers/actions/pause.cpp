#include "reconcilers/actions/pause.hpp"

#include "kube/json_fields.hpp"
#include "kube/object_views.hpp"

namespace rg::actions {

using kube::objectAt;
using kube::stringAt;
using nlohmann::json;

const char* toString(PauseDecision decision) {
  switch (decision) {
    case PauseDecision::None:
      return "None";
    case PauseDecision::Pause:
      return "Pause";
    case PauseDecision::Resume:
      return "Resume";
  }
  return "Unknown";
}

json pausePatch(bool paused) {
  return {{"spec", {{"paused", paused}}}};
}

json pausePatch(bool paused, std::string_view gateName) {
  return paused ? pauseByGatePatch(gateName) : resumeByGatePatch();
}

bool isPaused(const json& deployment) {
  return kube::DeploymentView(deployment).paused();
}

std::optional<std::string> pausedBy(const json& deployment) {
  return kube::DeploymentView(deployment).annotation(kPausedByAnnotation);
}

bool pausedByGate(const json& deployment, std::string_view gateName) {
  return isPaused(deployment) && !gateName.empty() && pausedBy(deployment) == gateName;
}

PauseDecision decidePause(bool criticalFailing, bool pausedNow, bool pausedByThisGate) {
  if (criticalFailing) return pausedNow ? PauseDecision::None : PauseDecision::Pause;
  return pausedNow && pausedByThisGate ? PauseDecision::Resume : PauseDecision::None;
}

PauseDecision decidePauseFor(bool criticalFailing, const json& deployment,
                             std::string_view gateName) {
  return decidePause(criticalFailing, isPaused(deployment), pausedByGate(deployment, gateName));
}

json pauseByGatePatch(std::string_view gateName) {
  return {{"metadata", {{"annotations", {{std::string(kPausedByAnnotation), gateName}}}}},
          {"spec", {{"paused", true}}}};
}

json resumeByGatePatch() {
  // null deletes the key in a JSON merge patch (RFC 7386).
  return {{"metadata", {{"annotations", {{std::string(kPausedByAnnotation), nullptr}}}}},
          {"spec", {{"paused", false}}}};
}

json resumeByGatePatch(const json& deployment) {
  json patch = resumeByGatePatch();
  const json* metadata = objectAt(deployment, "metadata");
  auto resourceVersion = metadata ? stringAt(*metadata, "resourceVersion") : std::nullopt;
  if (resourceVersion && !resourceVersion->empty())
    patch["metadata"]["resourceVersion"] = *resourceVersion;
  return patch;
}

std::optional<json> pauseDecisionPatch(PauseDecision decision, const json& deployment,
                                       std::string_view gateName) {
  switch (decision) {
    case PauseDecision::Pause:
      return pauseByGatePatch(gateName);
    case PauseDecision::Resume:
      return resumeByGatePatch(deployment);
    case PauseDecision::None:
      break;
  }
  return std::nullopt;
}

bool hasStalePauseMarker(const json& deployment, std::string_view gateName) {
  return !isPaused(deployment) && !gateName.empty() && pausedBy(deployment) == gateName;
}

json clearPauseMarkerPatch() {
  return {{"metadata", {{"annotations", {{std::string(kPausedByAnnotation), nullptr}}}}}};
}

}  // namespace rg::actions
