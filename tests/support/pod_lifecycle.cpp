#include "tests/support/pod_lifecycle.hpp"

#include <algorithm>
#include <vector>

#include "tests/support/k8s_util.hpp"

namespace rg::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;
using std::chrono::milliseconds;

// One container's state at a moment.
struct ContainerView {
  json status;
  bool started = false;  // ran at least once (a pod with a never-started container is Pending)
  bool ready = false;
  std::optional<Clock::time_point> nextChange;
};

json terminated(PodBehaviour behaviour, Clock::time_point startedAt, Clock::time_point finishedAt) {
  const bool oom = behaviour == PodBehaviour::OOMKilled;
  return {{"terminated",
           {{"exitCode", oom ? 137 : 1},
            {"reason", oom ? "OOMKilled" : "Error"},
            {"startedAt", formatRfc3339(startedAt)},
            {"finishedAt", formatRfc3339(finishedAt)}}}};
}

json waiting(const std::string& reason, const std::string& message) {
  json w = {{"reason", reason}};
  if (!message.empty()) w["message"] = message;
  return {{"waiting", w}};
}

ContainerView containerView(const json& pod, const json& container, PodBehaviour behaviour,
                            const PodTimings& t, Clock::time_point origin, Clock::time_point now) {
  const std::string name = container.value("name", "");
  const std::string image = container.value("image", "");
  ContainerView v;
  int64_t restarts = 0;
  json state, lastState = json::object();

  const auto elapsed =
      std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(now - origin));
  const Clock::time_point firstStart = origin + t.startDelay;
  const auto cycle = t.runBeforeCrash + t.crashBackOff;
  auto sinceStart = elapsed - t.startDelay;

  if (elapsed < t.startDelay) {
    state = waiting("ContainerCreating", "");
    v.nextChange = firstStart;
  } else {
    switch (behaviour) {
      case PodBehaviour::Healthy:
      case PodBehaviour::NeverReady:
        state = {{"running", {{"startedAt", formatRfc3339(firstStart)}}}};
        v.started = true;
        v.ready = behaviour == PodBehaviour::Healthy;
        break;
      case PodBehaviour::CreateConfigError:
        state = waiting(
            "CreateContainerConfigError",
            "couldn't prepare the configuration of container \"" + name + "\": secret not found");
        break;
      case PodBehaviour::ImagePullFailure:
        if (sinceStart < t.imagePullBackOff) {
          state = waiting("ErrImagePull", "failed to pull image \"" + image + "\": not found");
          v.nextChange = firstStart + t.imagePullBackOff;
        } else {
          state = waiting("ImagePullBackOff", "Back-off pulling image \"" + image + "\"");
        }
        break;
      case PodBehaviour::CrashLoop:
      case PodBehaviour::OOMKilled:
      case PodBehaviour::RestartOnce: {
        const bool once = behaviour == PodBehaviour::RestartOnce;
        // Run k starts at k * cycle; a zero cycle would loop for ever: count it as 1 ms.
        const auto period = std::max(cycle, milliseconds(1));
        int64_t k = sinceStart / period;
        if (once && k >= 1) {
          // The second run lasts: healthy from then on.
          const Clock::time_point crashedAt = firstStart + t.runBeforeCrash;
          state = {{"running", {{"startedAt", formatRfc3339(firstStart + period)}}}};
          lastState = terminated(behaviour, firstStart, crashedAt);
          restarts = 1;
          v.started = true;
          v.ready = true;
          break;
        }
        const Clock::time_point runStart = firstStart + k * period;
        const auto intoCycle = sinceStart - k * period;
        v.started = true;
        if (intoCycle < t.runBeforeCrash) {
          state = {{"running", {{"startedAt", formatRfc3339(runStart)}}}};
          restarts = k;
          if (k > 0)
            lastState = terminated(behaviour, runStart - period, runStart - t.crashBackOff);
          v.nextChange = runStart + t.runBeforeCrash;
        } else {
          const std::string podRef = pod.value("/metadata/name"_json_pointer, std::string()) + "_" +
                                     pod.value("/metadata/namespace"_json_pointer, std::string());
          state = waiting("CrashLoopBackOff",
                          "back-off restarting failed container=" + name + " pod=" + podRef);
          restarts = k + 1;
          lastState = terminated(behaviour, runStart, runStart + t.runBeforeCrash);
          v.nextChange = runStart + period;
        }
        break;
      }
    }
  }
  v.status = {{"name", name},
              {"image", image},
              {"ready", v.ready},
              {"started", v.started && state.contains("running")},
              {"restartCount", restarts},
              {"state", state},
              {"lastState", lastState}};
  return v;
}

bool conditionTrue(const json& conditions, const std::string& type) {
  const json* c = findCondition(conditions, type);
  return c && c->value("status", "") == "True";
}

// Sets condition `type`, keeping lastTransitionTime while the status is unchanged.
void putCondition(json& conditions, const std::string& type, bool status, const std::string& reason,
                  const std::string& message, const std::string& now) {
  json c = {{"type", type}, {"status", status ? "True" : "False"}};
  if (!reason.empty()) c["reason"] = reason;
  if (!message.empty()) c["message"] = message;
  for (auto& existing : conditions) {
    if (!existing.is_object() || existing.value("type", "") != type) continue;
    const bool same = existing.value("status", "") == c["status"].get<std::string>();
    c["lastTransitionTime"] = same ? existing.value("lastTransitionTime", json(now)) : json(now);
    existing = std::move(c);
    return;
  }
  c["lastTransitionTime"] = now;
  conditions.push_back(std::move(c));
}

}  // namespace

const char* toString(PodBehaviour behaviour) {
  switch (behaviour) {
    case PodBehaviour::Healthy:
      return "Healthy";
    case PodBehaviour::CrashLoop:
      return "CrashLoop";
    case PodBehaviour::ImagePullFailure:
      return "ImagePullFailure";
    case PodBehaviour::CreateConfigError:
      return "CreateConfigError";
    case PodBehaviour::OOMKilled:
      return "OOMKilled";
    case PodBehaviour::NeverReady:
      return "NeverReady";
    case PodBehaviour::RestartOnce:
      return "RestartOnce";
  }
  return "?";
}

void PodBehaviours::set(const std::string& image, PodBehaviour behaviour) {
  std::lock_guard lock(mu_);
  byImage_[image] = behaviour;
}

PodBehaviour PodBehaviours::behaviour(const std::string& image) const {
  std::lock_guard lock(mu_);
  auto it = byImage_.find(image);
  return it == byImage_.end() ? PodBehaviour::Healthy : it->second;
}

void PodBehaviours::clear() {
  std::lock_guard lock(mu_);
  byImage_.clear();
}

KubeletStatus kubeletPodStatus(const json& pod, const PodBehaviours& behaviours,
                               const PodTimings& timings, Clock::time_point now) {
  json status = pod.value("status", json::object());
  if (!status.is_object()) status = json::object();
  const std::string nowText = formatRfc3339(now);

  // The timeline starts at startTime as stored: second precision, so every caller (and every
  // tick) derives the same states from it.
  std::optional<Clock::time_point> origin;
  if (status.contains("startTime") && status["startTime"].is_string())
    origin = parseRfc3339(status["startTime"].get<std::string>());
  if (!origin) {
    origin = parseRfc3339(nowText);
    status["startTime"] = nowText;
  }

  const json spec = pod.value("spec", json::object());
  KubeletStatus out;
  json containerStatuses = json::array();
  bool allStarted = true, allReady = true;
  std::vector<std::string> unready;
  for (const auto& container : spec.value("containers", json::array())) {
    if (!container.is_object()) continue;
    ContainerView v = containerView(
        pod, container, behaviours.behaviour(container.value("image", "")), timings, *origin, now);
    allStarted = allStarted && v.started;
    allReady = allReady && v.ready;
    if (!v.ready) unready.push_back(container.value("name", ""));
    if (v.nextChange && (!out.nextChange || *v.nextChange < *out.nextChange))
      out.nextChange = v.nextChange;
    containerStatuses.push_back(std::move(v.status));
  }

  std::string unreadyMessage;
  if (!unready.empty()) {
    unreadyMessage = "containers with unready status: [";
    for (size_t i = 0; i < unready.size(); ++i) unreadyMessage += (i ? " " : "") + unready[i];
    unreadyMessage += "]";
  }

  json conditions = status.value("conditions", json::array());
  if (!conditions.is_array()) conditions = json::array();
  putCondition(conditions, "PodScheduled", true, "", "", nowText);
  putCondition(conditions, "Initialized", true, "", "", nowText);
  putCondition(conditions, "ContainersReady", allReady, allReady ? "" : "ContainersNotReady",
               unreadyMessage, nowText);
  // kubelet's rule: Ready needs ready containers and every readiness gate's condition True.
  std::string gateMessage;
  for (const auto& gate : spec.value("readinessGates", json::array())) {
    const std::string type = gate.is_object() ? gate.value("conditionType", "") : "";
    if (!conditionTrue(conditions, type)) {
      gateMessage = "corresponding condition of pod readiness gate \"" + type +
                    "\" does not exist or is not True.";
      break;
    }
  }
  if (!allReady)
    putCondition(conditions, "Ready", false, "ContainersNotReady", unreadyMessage, nowText);
  else if (!gateMessage.empty())
    putCondition(conditions, "Ready", false, "ReadinessGatesNotReady", gateMessage, nowText);
  else
    putCondition(conditions, "Ready", true, "", "", nowText);

  status["phase"] = allStarted ? "Running" : "Pending";
  status["conditions"] = std::move(conditions);
  status["containerStatuses"] = std::move(containerStatuses);
  status["hostIP"] = "127.0.0.1";
  status["podIP"] = "127.0.0.1";
  status["podIPs"] = json::array({{{"ip", "127.0.0.1"}}});
  out.status = std::move(status);
  return out;
}

}  // namespace rg::testing
