#include "tests/support/deployment_controller.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <optional>
#include <vector>

#include "tests/support/api_errors.hpp"

namespace rg::testing {
namespace {

using nlohmann::json;

constexpr const char* kRevision = "deployment.kubernetes.io/revision";
constexpr const char* kRevisionHistory = "deployment.kubernetes.io/revision-history";
constexpr const char* kDesiredReplicas = "deployment.kubernetes.io/desired-replicas";
constexpr const char* kMaxReplicas = "deployment.kubernetes.io/max-replicas";
constexpr const char* kHashLabel = "pod-template-hash";

// The annotations the real controller never copies from a Deployment to its ReplicaSets
// (k8s.io/kubernetes pkg/controller/deployment/util annotationsToSkip).
bool skipCopyAnnotation(const std::string& key) {
  static const char* const kSkipped[] = {"kubectl.kubernetes.io/last-applied-configuration",
                                         kRevision,
                                         kRevisionHistory,
                                         kDesiredReplicas,
                                         kMaxReplicas,
                                         "deprecated.deployment.rollback.to"};
  return std::any_of(std::begin(kSkipped), std::end(kSkipped),
                     [&](const char* skipped) { return key == skipped; });
}

std::string nowRfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string meta(const json& object, const char* key) {
  auto m = object.find("metadata");
  if (m == object.end() || !m->is_object()) return "";
  auto it = m->find(key);
  return it != m->end() && it->is_string() ? it->get<std::string>() : "";
}

std::string annotation(const json& object, const char* key) {
  const json* a = nullptr;
  if (object.contains("metadata") && object["metadata"].contains("annotations"))
    a = &object["metadata"]["annotations"];
  if (!a || !a->is_object()) return "";
  auto it = a->find(key);
  return it != a->end() && it->is_string() ? it->get<std::string>() : "";
}

int64_t revisionOf(const json& rs) {
  try {
    const std::string text = annotation(rs, kRevision);
    return text.empty() ? 0 : std::stoll(text);
  } catch (const std::exception&) {
    return 0;
  }
}

// metav1.GetControllerOf: the uid of the first ownerReference with controller: true.
std::string controllerUid(const json& object, const std::string& kind) {
  if (!object.contains("metadata")) return "";
  const json& m = object["metadata"];
  if (!m.contains("ownerReferences") || !m["ownerReferences"].is_array()) return "";
  for (const auto& ref : m["ownerReferences"])
    if (ref.value("controller", false))
      return ref.value("kind", "") == kind ? ref.value("uid", "") : "";
  return "";
}

std::string controllerName(const json& object, const std::string& kind) {
  if (!object.contains("metadata")) return "";
  const json& m = object["metadata"];
  if (!m.contains("ownerReferences") || !m["ownerReferences"].is_array()) return "";
  for (const auto& ref : m["ownerReferences"])
    if (ref.value("controller", false))
      return ref.value("kind", "") == kind ? ref.value("name", "") : "";
  return "";
}

json ownerReference(const json& owner, const std::string& kind) {
  return {{"apiVersion", kind == "Deployment" || kind == "ReplicaSet" ? "apps/v1" : "v1"},
          {"kind", kind},
          {"name", meta(owner, "name")},
          {"uid", meta(owner, "uid")},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

// Drops nulls and empty objects/arrays: the API server omits them, so a template read back
// equals the one written (apimachinery's semantic equality does the same).
json canonical(const json& value) {
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : value.items()) {
      json c = canonical(v);
      if (!c.is_null()) out[k] = std::move(c);
    }
    return out.empty() ? json() : out;
  }
  if (value.is_array()) {
    if (value.empty()) return json();
    json out = json::array();
    for (const auto& v : value) out.push_back(canonical(v));
    return out;
  }
  return value;
}

json withoutHash(json podTemplate) {
  if (podTemplate.is_object() && podTemplate.contains("metadata") &&
      podTemplate["metadata"].is_object() && podTemplate["metadata"].contains("labels") &&
      podTemplate["metadata"]["labels"].is_object()) {
    podTemplate["metadata"]["labels"].erase(kHashLabel);
  }
  return canonical(podTemplate);
}

// deploymentutil.EqualIgnoreHash.
bool equalIgnoreHash(const json& a, const json& b) {
  return withoutHash(a) == withoutHash(b);
}

int64_t intOr(const json& object, const char* key, int64_t fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

// intstr.GetScaledValueFromIntOrPercent: an integer, or a percent of `total` rounded up or down.
int64_t scaled(const json& value, int64_t total, bool roundUp) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (!value.is_string()) return 0;
  std::string text = value.get<std::string>();
  if (text.empty() || text.back() != '%') return 0;
  double percent = std::strtod(text.c_str(), nullptr);
  double exact = percent * static_cast<double>(total) / 100.0;
  return static_cast<int64_t>(roundUp ? std::ceil(exact) : std::floor(exact));
}

// MaxSurge / MaxUnavailable of a RollingUpdate Deployment (Recreate: 0 and replicas).
std::pair<int64_t, int64_t> surgeAndUnavailable(const json& spec, int64_t replicas) {
  const json strategy = spec.value("strategy", json::object());
  if (strategy.value("type", "RollingUpdate") != "RollingUpdate") return {0, replicas};
  const json rolling = strategy.value("rollingUpdate", json::object());
  int64_t surge = scaled(rolling.value("maxSurge", json("25%")), replicas, true);
  int64_t unavailable = scaled(rolling.value("maxUnavailable", json("25%")), replicas, false);
  if (surge == 0 && unavailable == 0) unavailable = 1;  // as the real controller resolves it
  return {surge, std::min(unavailable, replicas)};
}

bool conditionTrue(const json& pod, const std::string& type) {
  const json status = pod.value("status", json::object());
  for (const auto& c : status.value("conditions", json::array()))
    if (c.value("type", "") == type) return c.value("status", "") == "True";
  return false;
}

// kubelet's rule: Ready when containers are ready and every readiness gate's condition is True.
std::pair<bool, std::string> podReadiness(const json& pod) {
  const json spec = pod.value("spec", json::object());
  for (const auto& gate : spec.value("readinessGates", json::array())) {
    const std::string type = gate.value("conditionType", "");
    if (!conditionTrue(pod, type))
      return {false, "corresponding condition of pod readiness gate \"" + type +
                         "\" does not exist or is not True."};
  }
  return {true, ""};
}

// Sets a condition, keeping lastTransitionTime unless the status flips. True when it changed.
bool setCondition(json& conditions, json condition, const char* timeField = "lastTransitionTime") {
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

// rand.SafeEncodeString: digits and vowels are avoided so no words are spelled.
std::string safeEncode(const std::string& text) {
  static const std::string kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (unsigned char c : text) out += kAlphabet[c % kAlphabet.size()];
  return out;
}

}  // namespace

std::string DeploymentController::templateHash(const json& podTemplate) {
  // FNV-1a 32 over a canonical dump (sorted keys), as the controller's ComputeHash uses FNV-32a.
  const std::string text = withoutHash(podTemplate).dump();
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  return safeEncode(std::to_string(hash));
}

DeploymentController::DeploymentController(ApiServer& server) : server_(server) {
  hookId_ = server_.onChange([this](const StoreEvent& event) { onEvent(event); });
  for (const auto& d : server_.list("apps/v1", "Deployment"))
    sync(meta(d, "namespace"), meta(d, "name"));
}

DeploymentController::~DeploymentController() {
  server_.removeHook(hookId_);
}

std::string DeploymentController::lastError() const {
  std::lock_guard lock(mu_);
  return lastError_;
}

void DeploymentController::onEvent(const StoreEvent& event) {
  if (!event.object) return;
  const json& object = *event.object;
  const std::string ns = meta(object, "namespace");
  try {
    if (event.storageKey == "apps/deployments") {
      if (event.type != EventType::Deleted) sync(ns, meta(object, "name"));
    } else if (event.storageKey == "apps/replicasets") {
      const std::string owner = controllerName(object, "Deployment");
      if (!owner.empty()) sync(ns, owner);
    } else if (event.storageKey == "/pods") {
      const std::string rsName = controllerName(object, "ReplicaSet");
      if (rsName.empty()) return;
      auto rs = server_.get("apps/v1", "ReplicaSet", ns, rsName);
      if (!rs) return;
      const std::string owner = controllerName(*rs, "Deployment");
      if (!owner.empty()) sync(ns, owner);
    }
  } catch (const std::exception& e) {
    std::lock_guard lock(mu_);
    lastError_ = e.what();
  }
}

void DeploymentController::sync(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  ++syncs_;
  auto found = server_.get("apps/v1", "Deployment", ns, name);
  if (!found || !meta(*found, "deletionTimestamp").empty()) return;
  json d = *found;
  const std::string uid = meta(d, "uid");
  const json spec = d.value("spec", json::object());
  const json podTemplate = spec.value("template", json::object());
  const int64_t replicas = intOr(spec, "replicas", 1);
  const bool paused = spec.value("paused", false);
  const auto [maxSurge, maxUnavailable] = surgeAndUnavailable(spec, replicas);

  auto owned = [&] {
    std::vector<json> out;
    for (auto& rs : server_.list("apps/v1", "ReplicaSet", ns))
      if (controllerUid(rs, "Deployment") == uid) out.push_back(std::move(rs));
    // Oldest first, as FindNewReplicaSet picks the oldest of equal templates.
    std::sort(out.begin(), out.end(), [](const json& a, const json& b) {
      return std::make_pair(meta(a, "creationTimestamp"), meta(a, "name")) <
             std::make_pair(meta(b, "creationTimestamp"), meta(b, "name"));
    });
    return out;
  };
  std::vector<json> replicaSets = owned();

  std::optional<json> current;
  int64_t maxOldRevision = 0;
  for (const auto& rs : replicaSets) {
    if (!current && equalIgnoreHash(rs["spec"].value("template", json::object()), podTemplate))
      current = rs;
  }
  for (const auto& rs : replicaSets)
    if (!current || meta(rs, "name") != meta(*current, "name"))
      maxOldRevision = std::max(maxOldRevision, revisionOf(rs));
  const std::string nextRevision = std::to_string(maxOldRevision + 1);

  if (current) {
    // SetNewReplicaSetAnnotations on an existing ReplicaSet: copy the Deployment's annotations,
    // move it to the next revision, and keep the revisions it had (a rollback).
    json updated =
        server_.mutate("apps/v1", "ReplicaSet", ns, meta(*current, "name"), [&](json& rs) {
          json& annotations = rs["metadata"]["annotations"];
          if (!annotations.is_object()) annotations = json::object();
          if (d["metadata"].contains("annotations") && d["metadata"]["annotations"].is_object())
            for (const auto& [key, value] : d["metadata"]["annotations"].items())
              if (!skipCopyAnnotation(key)) annotations[key] = value;
          const std::string old = annotations.value(kRevision, "");
          const int64_t oldRevision = revisionOf(rs);
          if (oldRevision < maxOldRevision + 1) {
            annotations[kRevision] = nextRevision;
            if (!old.empty()) {
              const std::string history = annotations.value(kRevisionHistory, "");
              annotations[kRevisionHistory] = history.empty() ? old : history + "," + old;
            }
          }
          annotations[kDesiredReplicas] = std::to_string(replicas);
          annotations[kMaxReplicas] = std::to_string(replicas + maxSurge);
        });
    current = updated;
  } else if (!paused) {
    const std::string hash = templateHash(podTemplate);
    json rsTemplate = podTemplate;
    rsTemplate["metadata"]["labels"][kHashLabel] = hash;
    json annotations = json::object();
    if (d["metadata"].contains("annotations") && d["metadata"]["annotations"].is_object())
      for (const auto& [key, value] : d["metadata"]["annotations"].items())
        if (!skipCopyAnnotation(key)) annotations[key] = value;
    annotations[kRevision] = nextRevision;
    annotations[kDesiredReplicas] = std::to_string(replicas);
    annotations[kMaxReplicas] = std::to_string(replicas + maxSurge);
    json selector = spec.value("selector", json::object());
    selector["matchLabels"][kHashLabel] = hash;
    json rs = {{"apiVersion", "apps/v1"},
               {"kind", "ReplicaSet"},
               {"metadata",
                {{"name", name + "-" + hash},
                 {"namespace", ns},
                 {"labels", rsTemplate["metadata"]["labels"]},
                 {"annotations", annotations},
                 {"ownerReferences", json::array({ownerReference(d, "Deployment")})}}},
               {"spec",
                {{"replicas", replicas},
                 {"minReadySeconds", spec.value("minReadySeconds", 0)},
                 {"selector", selector},
                 {"template", rsTemplate}}}};
    current = server_.create(rs);
  }

  // The Deployment's revision follows its current ReplicaSet.
  if (current) {
    const std::string revision = annotation(*current, kRevision);
    if (annotation(d, kRevision) != revision) {
      d = server_.mutate("apps/v1", "Deployment", ns, name,
                         [&](json& obj) { obj["metadata"]["annotations"][kRevision] = revision; });
    }
  }

  // Scale: immediate rollout. A paused Deployment keeps its ReplicaSets as they are.
  replicaSets = owned();
  if (!paused && current) {
    for (const auto& rs : replicaSets) {
      const int64_t want = meta(rs, "name") == meta(*current, "name") ? replicas : 0;
      if (intOr(rs["spec"], "replicas", 1) != want)
        server_.mutate("apps/v1", "ReplicaSet", ns, meta(rs, "name"),
                       [&](json& obj) { obj["spec"]["replicas"] = want; });
    }
    replicaSets = owned();
  }

  // Pods per ReplicaSet, their readiness, and the ReplicaSets' status.
  int64_t total = 0, ready = 0, updated = 0;
  for (const auto& rs : replicaSets) {
    const std::string rsName = meta(rs, "name");
    const std::string rsUid = meta(rs, "uid");
    std::vector<json> pods;
    for (auto& pod : server_.list("v1", "Pod", ns))
      if (controllerUid(pod, "ReplicaSet") == rsUid && meta(pod, "deletionTimestamp").empty())
        pods.push_back(std::move(pod));
    std::sort(pods.begin(), pods.end(),
              [](const json& a, const json& b) { return meta(a, "name") < meta(b, "name"); });
    const int64_t want = intOr(rs["spec"], "replicas", 1);
    while (static_cast<int64_t>(pods.size()) > want) {
      server_.remove("v1", "Pod", ns, meta(pods.back(), "name"));
      pods.pop_back();
    }
    const json rsTemplate = rs["spec"].value("template", json::object());
    while (static_cast<int64_t>(pods.size()) < want) {
      // Deterministic, unique names: <rs>-<suffix> as the ReplicaSet controller's generateName.
      std::string podName;
      do {
        podName = rsName + "-" + safeEncode(std::to_string(100000 + podCounter_++)).substr(1);
      } while (server_.get("v1", "Pod", ns, podName));
      json pod = {{"apiVersion", "v1"},
                  {"kind", "Pod"},
                  {"metadata",
                   {{"name", podName},
                    {"namespace", ns},
                    {"labels", rsTemplate.value("/metadata/labels"_json_pointer, json::object())},
                    {"ownerReferences", json::array({ownerReference(rs, "ReplicaSet")})}}},
                  {"spec", rsTemplate.value("spec", json::object())}};
      if (rsTemplate.contains("metadata") && rsTemplate["metadata"].contains("annotations"))
        pod["metadata"]["annotations"] = rsTemplate["metadata"]["annotations"];
      pod["spec"]["nodeName"] = "node-1";
      const std::string now = nowRfc3339();
      json containerStatuses = json::array();
      for (const auto& c : pod["spec"].value("containers", json::array()))
        containerStatuses.push_back({{"name", c.value("name", "")},
                                     {"image", c.value("image", "")},
                                     {"ready", true},
                                     {"started", true},
                                     {"restartCount", 0},
                                     {"state", {{"running", {{"startedAt", now}}}}}});
      pod["status"] = {
          {"phase", "Running"},
          {"podIP", "127.0.0.1"},
          {"startTime", now},
          {"containerStatuses", containerStatuses},
          {"conditions",
           json::array(
               {{{"type", "PodScheduled"}, {"status", "True"}, {"lastTransitionTime", now}},
                {{"type", "Initialized"}, {"status", "True"}, {"lastTransitionTime", now}},
                {{"type", "ContainersReady"}, {"status", "True"}, {"lastTransitionTime", now}}})}};
      pods.push_back(server_.create(pod));
    }
    int64_t rsReady = 0;
    for (auto& pod : pods) {
      auto [isReady, message] = podReadiness(pod);
      json condition = {{"type", "Ready"}, {"status", isReady ? "True" : "False"}};
      if (!isReady) {
        condition["reason"] = "ReadinessGatesNotReady";
        condition["message"] = message;
      }
      json conditions = pod["status"].value("conditions", json::array());
      if (setCondition(conditions, condition)) {
        server_.mutate("v1", "Pod", ns, meta(pod, "name"),
                       [&](json& obj) { obj["status"]["conditions"] = conditions; });
      }
      if (isReady) ++rsReady;
    }
    json rsStatus = {{"replicas", static_cast<int64_t>(pods.size())},
                     {"fullyLabeledReplicas", static_cast<int64_t>(pods.size())},
                     {"readyReplicas", rsReady},
                     {"availableReplicas", rsReady},
                     {"observedGeneration", rs["metadata"].value("generation", 1)}};
    if (rs.value("status", json::object()) != rsStatus)
      server_.mutate("apps/v1", "ReplicaSet", ns, rsName,
                     [&](json& obj) { obj["status"] = rsStatus; });
    total += static_cast<int64_t>(pods.size());
    ready += rsReady;
    if (current && rsName == meta(*current, "name")) updated = static_cast<int64_t>(pods.size());
  }

  // Deployment status.
  d = *server_.get("apps/v1", "Deployment", ns, name);
  json status = d.value("status", json::object());
  json next = status;
  next["observedGeneration"] = d["metadata"].value("generation", 1);
  next["replicas"] = total;
  next["updatedReplicas"] = updated;
  next["readyReplicas"] = ready;
  next["availableReplicas"] = ready;
  next["unavailableReplicas"] = std::max<int64_t>(0, replicas - ready);
  for (const char* zeroOmitted :
       {"replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas"})
    if (next[zeroOmitted] == 0) next.erase(zeroOmitted);  // omitempty, as the API server shows
  json conditions = next.value("conditions", json::array());
  const bool available = ready >= replicas - maxUnavailable;
  setCondition(conditions,
               {{"type", "Available"},
                {"status", available ? "True" : "False"},
                {"reason", available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable"},
                {"message", available ? "Deployment has minimum availability."
                                      : "Deployment does not have minimum availability."},
                {"lastUpdateTime", ""}});
  const std::string rsName = current ? meta(*current, "name") : "";
  json progressing = {{"type", "Progressing"}, {"lastUpdateTime", ""}};
  if (paused) {
    progressing.update({{"status", "Unknown"},
                        {"reason", "DeploymentPaused"},
                        {"message", "Deployment is paused"}});
  } else if (current && updated == replicas && total == replicas && ready == replicas) {
    progressing.update({{"status", "True"},
                        {"reason", "NewReplicaSetAvailable"},
                        {"message", "ReplicaSet \"" + rsName + "\" has successfully progressed."}});
  } else {
    progressing.update({{"status", "True"},
                        {"reason", "ReplicaSetUpdated"},
                        {"message", "ReplicaSet \"" + rsName + "\" is progressing."}});
  }
  setCondition(conditions, progressing);
  next["conditions"] = conditions;
  if (next != status)
    server_.mutate("apps/v1", "Deployment", ns, name, [&](json& obj) { obj["status"] = next; });
}

}  // namespace rg::testing
