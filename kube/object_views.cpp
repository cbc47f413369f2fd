#include "kube/object_views.hpp"

#include <limits>

#include "kube/json_fields.hpp"

namespace rg::kube {

using nlohmann::json;

std::optional<int64_t> parseRevision(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  // Accumulate as a negative number so that INT64_MIN parses, as strconv.ParseInt allows.
  int64_t value = 0;
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (value < (kMin + digit) / 10) return std::nullopt;
    value = value * 10 - digit;
  }
  if (negative) return value;
  if (value == kMin) return std::nullopt;
  return -value;
}

std::string ObjectMetaView::metaString(std::string_view key) const {
  const json* metadata = objectAt(*object_, "metadata");
  return metadata ? stringAt(*metadata, key).value_or("") : "";
}

std::string ObjectMetaView::name() const {
  return metaString("name");
}
std::string ObjectMetaView::namespaceName() const {
  return metaString("namespace");
}
std::string ObjectMetaView::uid() const {
  return metaString("uid");
}
std::string ObjectMetaView::creationTimestamp() const {
  return metaString("creationTimestamp");
}

std::optional<int64_t> ObjectMetaView::generation() const {
  const json* metadata = objectAt(*object_, "metadata");
  return metadata ? intAt(*metadata, "generation") : std::nullopt;
}

const json* ObjectMetaView::annotations() const {
  return objectPath(*object_, {"metadata", "annotations"});
}

std::optional<std::string> ObjectMetaView::annotation(std::string_view key) const {
  const json* all = annotations();
  return all ? stringAt(*all, key) : std::nullopt;
}

std::optional<std::string> ObjectMetaView::label(std::string_view key) const {
  const json* labels = objectPath(*object_, {"metadata", "labels"});
  return labels ? stringAt(*labels, key) : std::nullopt;
}

std::string ObjectMetaView::controllerUid() const {
  const json* ref = controllerRef();
  return ref ? stringAt(*ref, "uid").value_or("") : "";
}

const json* ObjectMetaView::controllerRef() const {
  const json* metadata = objectAt(*object_, "metadata");
  for (const json* ref :
       metadata ? objectsIn(*metadata, "ownerReferences") : std::vector<const json*>{})
    if (isTrue(*ref, "controller")) return ref;
  return nullptr;
}

std::string DeploymentView::revisionText() const {
  return annotation(kRevisionAnnotation).value_or("");
}

std::optional<int64_t> DeploymentView::revision() const {
  auto text = annotation(kRevisionAnnotation);
  return text ? parseRevision(*text) : std::nullopt;
}

std::optional<int64_t> DeploymentView::observedGeneration() const {
  const json* status = objectAt(object(), "status");
  return status ? intAt(*status, "observedGeneration") : std::nullopt;
}

namespace {

int64_t statusCount(const json& object, std::string_view field) {
  const json* status = objectAt(object, "status");
  return status ? intAt(*status, field).value_or(0) : 0;
}

// A list of objects under .status.
template <class View>
std::vector<View> statusEntries(const json& object, std::string_view list) {
  std::vector<View> out;
  const json* status = objectAt(object, "status");
  if (!status) return out;
  for (const json* entry : objectsIn(*status, list)) out.emplace_back(*entry);
  return out;
}

int64_t specReplicas(const json& object) {
  const json* spec = objectAt(object, "spec");
  return spec ? intAt(*spec, "replicas").value_or(1) : 1;
}

}  // namespace

std::string ConditionView::type() const {
  return stringAt(*condition_, "type").value_or("");
}
std::string ConditionView::status() const {
  return stringAt(*condition_, "status").value_or("");
}
std::string ConditionView::reason() const {
  return stringAt(*condition_, "reason").value_or("");
}
std::string ConditionView::message() const {
  return stringAt(*condition_, "message").value_or("");
}
std::string ConditionView::lastTransitionTime() const {
  return stringAt(*condition_, "lastTransitionTime").value_or("");
}

bool DeploymentView::paused() const {
  const json* spec = objectAt(object(), "spec");
  return spec && isTrue(*spec, "paused");
}

int64_t DeploymentView::desiredReplicas() const {
  return specReplicas(object());
}

std::optional<int64_t> DeploymentView::progressDeadlineSeconds() const {
  const json* spec = objectAt(object(), "spec");
  return spec ? intAt(*spec, "progressDeadlineSeconds") : std::nullopt;
}

bool DeploymentView::hasStatus() const {
  return objectAt(object(), "status") != nullptr;
}

int64_t DeploymentView::statusReplicas() const {
  return statusCount(object(), "replicas");
}
int64_t DeploymentView::updatedReplicas() const {
  return statusCount(object(), "updatedReplicas");
}
int64_t DeploymentView::availableReplicas() const {
  return statusCount(object(), "availableReplicas");
}

std::vector<ConditionView> DeploymentView::conditions() const {
  return statusEntries<ConditionView>(object(), "conditions");
}

const json* DeploymentView::podTemplate() const {
  return objectPath(object(), {"spec", "template"});
}

std::string ReplicaSetView::revisionText() const {
  return annotation(kRevisionAnnotation).value_or("");
}

std::optional<int64_t> ReplicaSetView::revision() const {
  const json* all = annotations();
  const json* value = all ? member(*all, kRevisionAnnotation) : nullptr;
  if (!value) return 0;
  if (!value->is_string()) return std::nullopt;
  return parseRevision(value->get_ref<const std::string&>());
}

std::string ReplicaSetView::revisionHistory() const {
  return annotation(kRevisionHistoryAnnotation).value_or("");
}

std::string ReplicaSetView::podTemplateHash() const {
  std::string hash = podTemplateView().podTemplateHash();
  return hash.empty() ? label(kPodTemplateHashLabel).value_or("") : hash;
}

const json* ReplicaSetView::podTemplate() const {
  return objectPath(object(), {"spec", "template"});
}

std::string PodView::podTemplateHash() const {
  return label(kPodTemplateHashLabel).value_or("");
}

int64_t ReplicaSetView::desiredReplicas() const {
  return specReplicas(object());
}

std::string ContainerStatusView::name() const {
  return stringAt(*status_, "name").value_or("");
}
bool ContainerStatusView::ready() const {
  return isTrue(*status_, "ready");
}
int64_t ContainerStatusView::restartCount() const {
  return intAt(*status_, "restartCount").value_or(0);
}

namespace {

std::string reasonAt(const json& status, std::initializer_list<std::string_view> path,
                     std::string_view field) {
  const json* state = objectPath(status, path);
  return state ? stringAt(*state, field).value_or("") : "";
}

}  // namespace

std::string ContainerStatusView::waitingReason() const {
  return reasonAt(*status_, {"state", "waiting"}, "reason");
}
std::string ContainerStatusView::waitingMessage() const {
  return reasonAt(*status_, {"state", "waiting"}, "message");
}
std::string ContainerStatusView::terminatedReason() const {
  return reasonAt(*status_, {"state", "terminated"}, "reason");
}
std::string ContainerStatusView::lastTerminatedReason() const {
  return reasonAt(*status_, {"lastState", "terminated"}, "reason");
}

bool PodView::terminating() const {
  const json* metadata = objectAt(object(), "metadata");
  const json* value = metadata ? member(*metadata, "deletionTimestamp") : nullptr;
  return value && !value->is_null();
}

std::string PodView::phase() const {
  const json* status = objectAt(object(), "status");
  return status ? stringAt(*status, "phase").value_or("") : "";
}

std::vector<ConditionView> PodView::conditions() const {
  return statusEntries<ConditionView>(object(), "conditions");
}

std::optional<ConditionView> PodView::condition(std::string_view type) const {
  for (const ConditionView& condition : conditions())
    if (condition.type() == type) return condition;
  return std::nullopt;
}

bool PodView::hasReadinessGate(std::string_view conditionType) const {
  const json* spec = objectAt(object(), "spec");
  if (!spec) return false;
  for (const json* gate : objectsIn(*spec, "readinessGates"))
    if (stringAt(*gate, "conditionType") == conditionType) return true;
  return false;
}

std::vector<ContainerStatusView> PodView::containerStatuses(bool init) const {
  return statusEntries<ContainerStatusView>(object(),
                                            init ? "initContainerStatuses" : "containerStatuses");
}

}  // namespace rg::kube
