#include "tests/support/deployment_conditions.hpp"

#include "tests/support/k8s_util.hpp"

namespace rg::testing {

using nlohmann::json;

bool setCondition(json& conditions, json condition, const char* timeField) {
  if (!conditions.is_array()) conditions = json::array();
  const std::string now = nowRfc3339();
  for (auto& existing : conditions) {
    if (existing.value("type", "") != condition.value("type", "")) continue;
    if (existing.value("status", "") == condition.value("status", "") &&
        existing.value("reason", "") == condition.value("reason", "") &&
        existing.value("message", "") == condition.value("message", ""))
      return false;
    const bool flipped = existing.value("status", "") != condition.value("status", "");
    condition[timeField] = flipped ? json(now) : existing.value(timeField, json(now));
    if (condition.contains("lastUpdateTime")) condition["lastUpdateTime"] = now;
    existing = std::move(condition);
    return true;
  }
  condition[timeField] = now;
  if (condition.contains("lastUpdateTime")) condition["lastUpdateTime"] = now;
  conditions.push_back(std::move(condition));
  return true;
}

json progressingCondition(const json& previous, const json& oldStatus, const json& newStatus,
                          int64_t replicas, bool paused, bool created, bool found,
                          const std::string& rsName, std::optional<int64_t> deadlineSeconds,
                          std::chrono::system_clock::time_point now) {
  const std::string nowText = formatRfc3339(now);
  auto make = [&](const char* status, const char* reason, const std::string& message) {
    return json{{"type", "Progressing"},         {"status", status}, {"lastUpdateTime", nowText},
                {"lastTransitionTime", nowText}, {"reason", reason}, {"message", message}};
  };
  json current = previous;
  // SetDeploymentCondition: same status and reason is no change; a new reason keeps the
  // transition time while the status holds.
  auto set = [&](json next) {
    if (current.is_null()) return next;
    if (current.value("status", "") == next.value("status", "") &&
        current.value("reason", "") == next.value("reason", ""))
      return current;
    if (current.value("status", "") == next.value("status", ""))
      next["lastTransitionTime"] = current.value("lastTransitionTime", nowText);
    return next;
  };
  const std::string reason = previous.is_null() ? "" : previous.value("reason", "");
  const std::string rs = "ReplicaSet \"" + rsName + "\"";
  if (paused) {
    if (reason == "ProgressDeadlineExceeded") return previous;  // not overwritten by a pause
    return set(make("Unknown", "DeploymentPaused", "Deployment is paused"));
  }
  if (created)
    return set(make("True", "NewReplicaSetCreated", "Created new replica set \"" + rsName + "\""));
  if (found && previous.is_null())
    return set(make("True", "FoundNewReplicaSet", "Found new replica set \"" + rsName + "\""));
  if (reason == "DeploymentPaused")
    current = set(make("Unknown", "DeploymentResumed", "Deployment is resumed"));
  if (!deadlineSeconds) return current;

  auto count = [](const json& status, const char* key) { return status.value(key, int64_t{0}); };
  const std::string currentReason = current.is_null() ? "" : current.value("reason", "");
  if (count(newStatus, "replicas") == count(newStatus, "updatedReplicas") &&
      currentReason == "NewReplicaSetAvailable")
    return current;  // a finished rollout: nothing to estimate
  const bool complete = count(newStatus, "updatedReplicas") == replicas &&
                        count(newStatus, "replicas") == replicas &&
                        count(newStatus, "availableReplicas") == replicas;
  if (complete)
    return set(make("True", "NewReplicaSetAvailable", rs + " has successfully progressed."));
  const bool progressed =
      count(newStatus, "updatedReplicas") > count(oldStatus, "updatedReplicas") ||
      count(newStatus, "replicas") - count(newStatus, "updatedReplicas") <
          count(oldStatus, "replicas") - count(oldStatus, "updatedReplicas") ||
      count(newStatus, "readyReplicas") > count(oldStatus, "readyReplicas") ||
      count(newStatus, "availableReplicas") > count(oldStatus, "availableReplicas");
  if (progressed) {
    // Progress moves lastUpdateTime even with the same reason: the deadline counts from here.
    json next = make("True", "ReplicaSetUpdated", rs + " is progressing.");
    if (!current.is_null() && current.value("status", "") == "True")
      next["lastTransitionTime"] = current.value("lastTransitionTime", nowText);
    return next;
  }
  if (current.is_null() || currentReason == "ProgressDeadlineExceeded") return current;
  const auto from = parseRfc3339(current.value("lastUpdateTime", std::string()));
  if (from && *from + std::chrono::seconds(*deadlineSeconds) < now)
    return set(make("False", "ProgressDeadlineExceeded", rs + " has timed out progressing."));
  return current;
}

std::optional<std::chrono::system_clock::time_point> deadlineOf(const json& c,
                                                                std::optional<int64_t> seconds) {
  if (!seconds || c.is_null()) return std::nullopt;
  const std::string reason = c.value("reason", "");
  if (reason == "NewReplicaSetAvailable" || reason == "ProgressDeadlineExceeded" ||
      reason == "DeploymentPaused")
    return std::nullopt;
  const auto from = parseRfc3339(c.value("lastUpdateTime", std::string()));
  if (!from) return std::nullopt;
  return *from + std::chrono::seconds(*seconds) + std::chrono::milliseconds(1);
}

}  // namespace rg::testing
