#include "operator/cache_transforms.hpp"

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

#include "kube/informer.hpp"
#include "kube/object_views.hpp"
#include "reconcilers/actions/rollback.hpp"
#include "reconcilers/spec/stored_gate.hpp"

namespace rg::cache {
namespace {

using nlohmann::json;
using Keys = std::initializer_list<std::string_view>;
using KeepKey = std::function<bool(const std::string&)>;

const Keys kIdentity = {"name", "namespace", "uid", "resourceVersion"};
// Fields of an ownerReference that the owner index, controlledReplicaSets and the rollout check's
// pod-to-ReplicaSet match read.
const Keys kOwnerReference = {"apiVersion", "kind", "name", "uid", "controller"};

// The members of `from` named in `keys`, moved into a new object.
json take(json& from, Keys keys) {
  json out = json::object();
  for (auto key : keys) {
    auto it = from.find(key);
    if (it != from.end()) out[std::string(key)] = std::move(*it);
  }
  return out;
}

// Replaces object[field] by its members named in `keys`; drops it when it is not an object.
// Returns the trimmed object, or nullptr when there is none.
json* keepIn(json& object, std::string_view field, Keys keys) {
  auto it = object.find(field);
  if (it == object.end()) return nullptr;
  if (!it->is_object()) {
    object.erase(it);
    return nullptr;
  }
  *it = take(*it, keys);
  return &*it;
}

// As keepIn, for a list of objects: each element keeps `keys`; other elements are dropped.
json* keepEach(json& object, std::string_view field, Keys keys) {
  auto it = object.find(field);
  if (it == object.end()) return nullptr;
  if (!it->is_array()) {
    object.erase(it);
    return nullptr;
  }
  json out = json::array();
  for (auto& element : *it)
    if (element.is_object()) out.push_back(take(element, keys));
  *it = std::move(out);
  return &*it;
}

// Keeps the members of object[field] (a string map: labels, annotations) whose key passes.
void filterMap(json& object, std::string_view field, const KeepKey& keep) {
  auto it = object.find(field);
  if (it == object.end()) return;
  if (!it->is_object()) {
    object.erase(it);
    return;
  }
  json out = json::object();
  for (auto& [key, value] : it->items())
    if (keep(key)) out[key] = std::move(value);
  if (out.empty())
    object.erase(it);
  else
    *it = std::move(out);
}

bool podTemplateHashOnly(const std::string& key) {
  return key == kube::kPodTemplateHashLabel;
}

// Rebuilds `object` from its members named in `keys`. A non-object is left alone: the informer
// cannot cache it anyway (it has no metadata).
bool rebuild(json& object, Keys keys) {
  if (!object.is_object()) return false;
  object = take(object, keys);
  return true;
}

// Secrets and ConfigMaps: identity and key names.
void keepKeyNames(json& object) {
  if (!rebuild(object, {"apiVersion", "kind", "metadata", "data", "stringData", "binaryData"}))
    return;
  keepIn(object, "metadata", kIdentity);
  for (const char* field : {"data", "stringData", "binaryData"}) {
    auto it = object.find(field);
    if (it == object.end()) continue;
    if (!it->is_object()) {
      // Not the shape of a Secret or ConfigMap: keep nothing rather than guess.
      object.erase(it);
      continue;
    }
    for (auto& [key, value] : it->items()) value = "";
  }
}

}  // namespace

void trimGate(json& gate) {
  kube::stripManagedFields(gate);
  compactStoredGate(gate);
}

void trimDeployment(json& deployment) {
  if (!rebuild(deployment, {"apiVersion", "kind", "metadata", "spec", "status"})) return;
  if (json* metadata =
          keepIn(deployment, "metadata",
                 {"name", "namespace", "uid", "resourceVersion", "generation", "annotations"})) {
    // What a rollback writes back (kubectl's annotationsToSkip and the gates' annotations): the
    // revision, the bad template hashes and the paused-by marker are among them.
    filterMap(*metadata, "annotations",
              [](const std::string& key) { return actions::keptFromDeployment(key); });
  }
  keepIn(deployment, "spec", {"replicas", "paused", "progressDeadlineSeconds", "template"});
  actions::compactTemplate(deployment);
  // An empty status stays: a Deployment with a status is a live one to the checks.
  if (json* status = keepIn(
          deployment, "status",
          {"observedGeneration", "replicas", "updatedReplicas", "availableReplicas", "conditions"}))
    keepEach(*status, "conditions", {"type", "status", "reason", "message"});
}

void trimReplicaSet(json& replicaSet) {
  if (!rebuild(replicaSet, {"apiVersion", "kind", "metadata", "spec"})) return;
  if (json* metadata = keepIn(replicaSet, "metadata",
                              {"name", "namespace", "uid", "resourceVersion", "labels",
                               "annotations", "ownerReferences"})) {
    filterMap(*metadata, "labels", podTemplateHashOnly);
    // A rollback copies every annotation it does not keep from the Deployment; the revision and
    // revision-history are read from the ReplicaSet itself.
    filterMap(*metadata, "annotations", [](const std::string& key) {
      return !actions::keptFromDeployment(key) || key == kube::kRevisionAnnotation ||
             key == kube::kRevisionHistoryAnnotation;
    });
    keepEach(*metadata, "ownerReferences", kOwnerReference);
  }
  keepIn(replicaSet, "spec", {"replicas", "template"});
  actions::compactReplicaSetTemplate(replicaSet);
}

void trimPod(json& pod) {
  if (!rebuild(pod, {"apiVersion", "kind", "metadata", "spec", "status"})) return;
  if (json* metadata = keepIn(pod, "metadata",
                              {"name", "namespace", "uid", "resourceVersion", "creationTimestamp",
                               "deletionTimestamp", "labels", "ownerReferences"})) {
    filterMap(*metadata, "labels", podTemplateHashOnly);
    keepEach(*metadata, "ownerReferences", kOwnerReference);
  }
  if (json* spec = keepIn(pod, "spec", {"readinessGates"}))
    keepEach(*spec, "readinessGates", {"conditionType"});
  json* status =
      keepIn(pod, "status", {"phase", "conditions", "containerStatuses", "initContainerStatuses"});
  if (!status) return;
  keepEach(*status, "conditions", {"type", "status", "lastTransitionTime"});
  for (const char* list : {"containerStatuses", "initContainerStatuses"}) {
    json* containers =
        keepEach(*status, list, {"name", "ready", "restartCount", "state", "lastState"});
    if (!containers) continue;
    for (auto& container : *containers) {
      if (json* state = keepIn(container, "state", {"waiting", "terminated"})) {
        keepIn(*state, "waiting", {"reason", "message"});
        keepIn(*state, "terminated", {"reason"});
      }
      if (json* last = keepIn(container, "lastState", {"terminated"}))
        keepIn(*last, "terminated", {"reason"});
    }
  }
}

void trimSecret(json& secret) {
  keepKeyNames(secret);
}

void trimConfigMap(json& configMap) {
  keepKeyNames(configMap);
}

}  // namespace rg::cache
