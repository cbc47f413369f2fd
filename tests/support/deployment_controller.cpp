#include "tests/support/deployment_controller.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "tests/support/api_errors.hpp"
#include "tests/support/deployment_conditions.hpp"
#include "tests/support/k8s_util.hpp"
#include "tests/support/rolling_update.hpp"

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

// The pod template without the pod-template-hash label. An emptied labels map goes too: Go
// decodes an absent map as nil, and apimachinery's semantic equality holds a nil map equal to an
// empty one.
json withoutHash(json podTemplate) {
  if (!podTemplate.is_object()) return podTemplate;
  auto metadata = podTemplate.find("metadata");
  if (metadata == podTemplate.end() || !metadata->is_object()) return podTemplate;
  auto labels = metadata->find("labels");
  if (labels == metadata->end() || !labels->is_object()) return podTemplate;
  labels->erase(kHashLabel);
  if (labels->empty()) metadata->erase(labels);
  return podTemplate;
}

// deploymentutil.EqualIgnoreHash: apimachinery's semantic DeepEqual of the two templates without
// the hash label, taken here as equality of the stored JSON (an empty affinity, a non-nil
// pointer in Go, differs from none). Decided independently of the rollback planner's comparison,
// so that a flaw there is not shared by the cluster the planner is tested against.
bool equalIgnoreHash(const json& a, const json& b) {
  return withoutHash(a) == withoutHash(b);
}

int64_t intOr(const json& object, const char* key, int64_t fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

// rand.SafeEncodeString: digits and vowels are avoided so no words are spelled.
std::string safeEncode(const std::string& text) {
  static const std::string kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (unsigned char c : text) out += kAlphabet[c % kAlphabet.size()];
  return out;
}

bool podReady(const json& pod) {
  for (const auto& c : pod.value("/status/conditions"_json_pointer, json::array()))
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  return false;
}

int64_t podRestarts(const json& pod) {
  int64_t restarts = 0;
  for (const auto& c : pod.value("/status/containerStatuses"_json_pointer, json::array()))
    restarts += c.value("restartCount", int64_t{0});
  return restarts;
}

}  // namespace

std::string DeploymentController::templateHash(const json& podTemplate) {
  // FNV-1a 32 over the dump (keys sorted), as the controller's ComputeHash uses FNV-32a: equal
  // templates as equalIgnoreHash sees them hash alike.
  const std::string text = withoutHash(podTemplate).dump();
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  return safeEncode(std::to_string(hash));
}

DeploymentController::DeploymentController(ApiServer& server, DeploymentControllerOptions options)
    : server_(server), options_(options) {
  hookId_ = server_.onChange([this](const StoreEvent& event) { onEvent(event); });
  for (const auto& d : server_.list("apps/v1", "Deployment"))
    sync(meta(d, "namespace"), meta(d, "name"));
  ticker_ = std::thread([this] { tickLoop(); });
}

DeploymentController::~DeploymentController() {
  {
    std::lock_guard lock(tickMu_);
    stopping_ = true;
  }
  tickCv_.notify_all();
  ticker_.join();
  server_.removeHook(hookId_);
  // A hook already taken from the queue may still be running on this object.
  server_.waitForHooks();
}

std::string DeploymentController::lastError() const {
  std::lock_guard lock(mu_);
  return lastError_;
}

std::optional<std::chrono::system_clock::time_point> DeploymentController::firstWaiting(
    const std::string& reason) const {
  std::lock_guard lock(seenMu_);
  auto it = firstWaiting_.find(reason);
  if (it == firstWaiting_.end()) return std::nullopt;
  return it->second;
}

void DeploymentController::noteWaiting(const json& status) {
  const auto now = std::chrono::system_clock::now();
  std::lock_guard lock(seenMu_);
  for (const auto& c : status.value("containerStatuses", json::array())) {
    const std::string reason = c.value("/state/waiting/reason"_json_pointer, std::string());
    if (!reason.empty()) firstWaiting_.emplace(reason, now);
  }
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

void DeploymentController::tickLoop() {
  std::unique_lock lock(tickMu_);
  while (!tickCv_.wait_for(lock, options_.tickInterval, [&] { return stopping_; })) {
    lock.unlock();
    std::vector<std::pair<std::string, std::string>> due;
    {
      std::lock_guard state(mu_);
      const auto now = std::chrono::system_clock::now();
      for (const auto& [key, at] : wakeAt_)
        if (at <= now) due.push_back(key);
    }
    for (const auto& [ns, name] : due) {
      try {
        sync(ns, name);
      } catch (const std::exception& e) {
        std::lock_guard state(mu_);
        lastError_ = e.what();
      }
    }
    lock.lock();
  }
}

json DeploymentController::updatePodStatus(
    const json& pod, std::optional<std::chrono::system_clock::time_point>& wake) {
  const auto now = std::chrono::system_clock::now();
  KubeletStatus next = kubeletPodStatus(pod, behaviours_, options_.podTimings, now);
  if (next.nextChange && (!wake || *next.nextChange < *wake)) wake = next.nextChange;
  if (next.status == pod.value("status", json::object())) return pod;
  try {
    // Recomputed on the object as stored: an operator may have patched a condition meanwhile.
    json written =
        server_.mutate("v1", "Pod", meta(pod, "namespace"), meta(pod, "name"), [&](json& obj) {
          obj["status"] = kubeletPodStatus(obj, behaviours_, options_.podTimings, now).status;
        });
    noteWaiting(written["status"]);
    return written;
  } catch (const ApiError& e) {
    if (e.code() == 404) return pod;  // deleted meanwhile (a test, a namespace deletion)
    throw;
  }
}

void DeploymentController::sync(const std::string& ns, const std::string& name) {
  std::lock_guard lock(mu_);
  ++syncs_;
  const auto key = std::make_pair(ns, name);
  auto found = server_.get("apps/v1", "Deployment", ns, name);
  if (!found || !meta(*found, "deletionTimestamp").empty()) {
    wakeAt_.erase(key);
    return;
  }
  json d = *found;
  const std::string uid = meta(d, "uid");
  const json spec = d.value("spec", json::object());
  const json podTemplate = spec.value("template", json::object());
  const int64_t replicas = intOr(spec, "replicas", 1);
  const bool paused = spec.value("paused", false);
  const bool recreate =
      spec.value("/strategy/type"_json_pointer, std::string("RollingUpdate")) == "Recreate";
  const auto [maxSurge, maxUnavailable] = surgeAndUnavailable(spec, replicas);
  std::optional<int64_t> deadlineSeconds;
  if (spec.contains("progressDeadlineSeconds") &&
      spec["progressDeadlineSeconds"].is_number_integer() &&
      spec["progressDeadlineSeconds"].get<int64_t>() != 2147483647)
    deadlineSeconds = spec["progressDeadlineSeconds"].get<int64_t>();

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
  bool created = false, foundAgain = false;

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
            foundAgain = true;
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
    // Created empty: the scaling below sizes it as the strategy allows.
    json rs = {{"apiVersion", "apps/v1"},
               {"kind", "ReplicaSet"},
               {"metadata",
                {{"name", name + "-" + hash},
                 {"namespace", ns},
                 {"labels", rsTemplate["metadata"]["labels"]},
                 {"annotations", annotations},
                 {"ownerReferences", json::array({ownerReference(d, "Deployment")})}}},
               {"spec",
                {{"replicas", 0},
                 {"minReadySeconds", spec.value("minReadySeconds", 0)},
                 {"selector", selector},
                 {"template", rsTemplate}}}};
    current = server_.create(rs);
    created = true;
  }

  // The Deployment's revision follows its current ReplicaSet.
  if (current) {
    const std::string revision = annotation(*current, kRevision);
    if (annotation(d, kRevision) != revision) {
      d = server_.mutate("apps/v1", "Deployment", ns, name,
                         [&](json& obj) { obj["metadata"]["annotations"][kRevision] = revision; });
    }
  }
  const std::string currentName = current ? meta(*current, "name") : "";

  // The kubelet: every pod's status as its containers' behaviour has it now.
  std::optional<std::chrono::system_clock::time_point> wake;
  replicaSets = owned();
  std::map<std::string, std::vector<json>> podsByRs;  // by ReplicaSet name
  {
    std::map<std::string, std::string> rsNameByUid;
    for (const auto& rs : replicaSets) {
      rsNameByUid[meta(rs, "uid")] = meta(rs, "name");
      podsByRs[meta(rs, "name")];
    }
    for (auto& pod : server_.list("v1", "Pod", ns)) {
      auto owner = rsNameByUid.find(controllerUid(pod, "ReplicaSet"));
      if (owner != rsNameByUid.end() && meta(pod, "deletionTimestamp").empty())
        podsByRs[owner->second].push_back(updatePodStatus(pod, wake));
    }
  }
  auto counts = [&](const json& rs) {
    ReplicaSetCounts c;
    c.replicas = intOr(rs["spec"], "replicas", 1);
    for (const auto& pod : podsByRs[meta(rs, "name")])
      if (podReady(pod)) ++c.available;
    return c;
  };

  // Scaling by the strategy. A paused Deployment keeps its ReplicaSets as they are.
  if (!paused && current) {
    std::map<std::string, int64_t> want;
    std::vector<ReplicaSetCounts> old;
    std::vector<std::string> oldNames;
    ReplicaSetCounts fresh;
    for (const auto& rs : replicaSets) {
      if (meta(rs, "name") == currentName) {
        fresh = counts(rs);
      } else {
        old.push_back(counts(rs));
        oldNames.push_back(meta(rs, "name"));
      }
    }
    if (recreate) {
      // Old pods are deleted at once here, so the new ReplicaSet need not wait for them.
      for (const auto& oldName : oldNames) want[oldName] = 0;
      want[currentName] = replicas;
    } else {
      fresh.replicas = newReplicaSetReplicas(replicas, maxSurge, fresh, old);
      want[currentName] = fresh.replicas;
      const auto scaledOld = oldReplicaSetReplicas(replicas, maxUnavailable, fresh, old);
      for (size_t i = 0; i < oldNames.size(); ++i) want[oldNames[i]] = scaledOld[i];
    }
    for (const auto& rs : replicaSets) {
      const int64_t target = want[meta(rs, "name")];
      if (intOr(rs["spec"], "replicas", 1) != target)
        server_.mutate("apps/v1", "ReplicaSet", ns, meta(rs, "name"),
                       [&](json& obj) { obj["spec"]["replicas"] = target; });
    }
    replicaSets = owned();
  }

  // The ReplicaSet controller: pods per ReplicaSet, and the ReplicaSets' status.
  int64_t total = 0, ready = 0, updated = 0;
  for (const auto& rs : replicaSets) {
    const std::string rsName = meta(rs, "name");
    std::vector<json>& pods = podsByRs[rsName];
    const int64_t want = intOr(rs["spec"], "replicas", 1);
    if (static_cast<int64_t>(pods.size()) > want) {
      // As getPodsToDelete ranks them: not ready first, then more restarts, then newer.
      std::sort(pods.begin(), pods.end(), [](const json& a, const json& b) {
        return std::make_tuple(podReady(a), -podRestarts(a), meta(b, "creationTimestamp"),
                               meta(b, "name")) < std::make_tuple(podReady(b), -podRestarts(b),
                                                                  meta(a, "creationTimestamp"),
                                                                  meta(a, "name"));
      });
      while (static_cast<int64_t>(pods.size()) > want) {
        server_.remove("v1", "Pod", ns, meta(pods.front(), "name"));
        pods.erase(pods.begin());
      }
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
      // Scheduled and started at once: the kubelet's first status comes with the pod.
      KubeletStatus first =
          kubeletPodStatus(pod, behaviours_, options_.podTimings, std::chrono::system_clock::now());
      if (first.nextChange && (!wake || *first.nextChange < *wake)) wake = first.nextChange;
      pod["status"] = first.status;
      pods.push_back(server_.create(pod));
      noteWaiting(pods.back()["status"]);
    }
    int64_t rsReady = 0;
    for (const auto& pod : pods)
      if (podReady(pod)) ++rsReady;
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
    if (rsName == currentName) updated = static_cast<int64_t>(pods.size());
  }

  // Deployment status (calculateStatus, syncRolloutStatus).
  d = *server_.get("apps/v1", "Deployment", ns, name);
  int64_t totalSpec = 0;
  for (const auto& rs : replicaSets) totalSpec += intOr(rs["spec"], "replicas", 1);
  const json status = d.value("status", json::object());
  json next = status;
  next["observedGeneration"] = d["metadata"].value("generation", 1);
  next["replicas"] = total;
  next["updatedReplicas"] = updated;
  next["readyReplicas"] = ready;
  next["availableReplicas"] = ready;
  next["unavailableReplicas"] = std::max<int64_t>(0, totalSpec - ready);
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
  const json* previous = findCondition(conditions, "Progressing");
  json progressing = progressingCondition(previous ? *previous : json(), status, next, replicas,
                                          paused, created, foundAgain, currentName, deadlineSeconds,
                                          std::chrono::system_clock::now());
  if (!progressing.is_null()) {
    bool replaced = false;
    for (auto& c : conditions)
      if (c.value("type", "") == "Progressing") {
        c = progressing;
        replaced = true;
      }
    if (!replaced) conditions.push_back(progressing);
  }
  next["conditions"] = conditions;
  if (next != status)
    server_.mutate("apps/v1", "Deployment", ns, name, [&](json& obj) { obj["status"] = next; });

  // Wake up for the next time-driven change: a pod's, or the progress deadline's.
  if (!paused) {
    if (auto deadline = deadlineOf(progressing, deadlineSeconds);
        deadline && (!wake || *deadline < *wake))
      wake = deadline;
  }
  if (wake)
    wakeAt_[key] = *wake;
  else
    wakeAt_.erase(key);
}

}  // namespace rg::testing
