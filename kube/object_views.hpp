#pragma once
// Read-only typed views over cached Kubernetes objects (apps/v1 Deployment and ReplicaSet, v1
// Pod). A view holds a pointer to the object, which must outlive it. Every reader treats a
// missing field, or one of another JSON type, as absent: "" for text, none for numbers.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/pod_template_view.hpp"

namespace rg::kube {

// Keys the deployment controller and kubectl write, defined once.
inline constexpr std::string_view kRevisionAnnotation = "deployment.kubernetes.io/revision";
inline constexpr std::string_view kRevisionHistoryAnnotation =
    "deployment.kubernetes.io/revision-history";
inline constexpr std::string_view kDesiredReplicasAnnotation =
    "deployment.kubernetes.io/desired-replicas";
inline constexpr std::string_view kMaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
inline constexpr std::string_view kLastAppliedAnnotation =
    "kubectl.kubernetes.io/last-applied-configuration";
inline constexpr std::string_view kPodTemplateHashLabel = "pod-template-hash";

// strconv.ParseInt(text, 10, 64), as the controller and kubectl read revisions: optional sign,
// decimal digits, no spaces, no overflow.
std::optional<int64_t> parseRevision(std::string_view text);

class ObjectMetaView {
 public:
  explicit ObjectMetaView(const nlohmann::json& object) : object_(&object) {}

  const nlohmann::json& object() const { return *object_; }
  std::string name() const;
  std::string namespaceName() const;
  std::string uid() const;
  // metadata.creationTimestamp as written (RFC 3339); "" when absent.
  std::string creationTimestamp() const;
  std::optional<int64_t> generation() const;
  // metadata.annotations / metadata.labels; none when absent or not a string.
  std::optional<std::string> annotation(std::string_view key) const;
  std::optional<std::string> label(std::string_view key) const;
  // metadata.annotations as an object, or null.
  const nlohmann::json* annotations() const;
  // metav1.GetControllerOf: the first ownerReference with controller: true, or null.
  const nlohmann::json* controllerRef() const;
  // That reference's uid; "" when there is none.
  std::string controllerUid() const;

 private:
  std::string metaString(std::string_view key) const;
  const nlohmann::json* object_;
};

// One entry of a status.conditions list (a Deployment's, a Pod's); "" for what is absent.
class ConditionView {
 public:
  explicit ConditionView(const nlohmann::json& condition) : condition_(&condition) {}
  std::string type() const;
  std::string status() const;  // True | False | Unknown
  std::string reason() const;
  std::string message() const;
  std::string lastTransitionTime() const;

 private:
  const nlohmann::json* condition_;
};

class DeploymentView : public ObjectMetaView {
 public:
  using ObjectMetaView::ObjectMetaView;
  // deployment.kubernetes.io/revision as written; "" when absent.
  std::string revisionText() const;
  // The revision as a number; none when absent or not an integer.
  std::optional<int64_t> revision() const;
  std::optional<int64_t> observedGeneration() const;
  // spec.paused is true.
  bool paused() const;
  // spec.replicas; 1 when absent, as the API server defaults it.
  int64_t desiredReplicas() const;
  // spec.progressDeadlineSeconds; none when absent (the API server defaults it to 600).
  std::optional<int64_t> progressDeadlineSeconds() const;
  // Whether .status is an object. A live Deployment always has one (empty before the
  // controller's first sync); a manifest has none.
  bool hasStatus() const;
  // status.replicas (pods of every revision), updatedReplicas, availableReplicas; 0 when absent.
  int64_t statusReplicas() const;
  int64_t updatedReplicas() const;
  int64_t availableReplicas() const;
  // status.conditions, in order; entries that are not objects are left out.
  std::vector<ConditionView> conditions() const;
  // spec.template as written, for the documents built from it (patches, template equality); null
  // when absent.
  const nlohmann::json* podTemplate() const;
  PodTemplateView podTemplateView() const { return PodTemplateView(podTemplate()); }
};

class ReplicaSetView : public ObjectMetaView {
 public:
  using ObjectMetaView::ObjectMetaView;
  // deployment.kubernetes.io/revision as written; "" when absent.
  std::string revisionText() const;
  // As kubectl reads it (deploymentutil.Revision): an absent annotation is revision 0, one that
  // is not an integer is none (kubectl skips that ReplicaSet).
  std::optional<int64_t> revision() const;
  // deployment.kubernetes.io/revision-history ("" when absent): the revisions the controller
  // re-activated this ReplicaSet from.
  std::string revisionHistory() const;
  // pod-template-hash of the template's labels, else of the ReplicaSet's own; "" when absent.
  std::string podTemplateHash() const;
  // spec.template as written, for the documents built from it (patches, template equality); null
  // when absent.
  const nlohmann::json* podTemplate() const;
  PodTemplateView podTemplateView() const { return PodTemplateView(podTemplate()); }
  // spec.replicas; 1 when absent, as the API server defaults it.
  int64_t desiredReplicas() const;
};

// One entry of a pod's status.containerStatuses or initContainerStatuses.
class ContainerStatusView {
 public:
  explicit ContainerStatusView(const nlohmann::json& status) : status_(&status) {}
  std::string name() const;
  bool ready() const;            // false unless true
  int64_t restartCount() const;  // 0 when absent
  // state.waiting's reason and message, state.terminated's and lastState.terminated's reason;
  // "" when absent.
  std::string waitingReason() const;
  std::string waitingMessage() const;
  std::string terminatedReason() const;
  std::string lastTerminatedReason() const;

 private:
  const nlohmann::json* status_;
};

class PodView : public ObjectMetaView {
 public:
  using ObjectMetaView::ObjectMetaView;
  // The pod's pod-template-hash label; "" when absent.
  std::string podTemplateHash() const;
  // metadata.deletionTimestamp is set.
  bool terminating() const;
  // status.phase; "" when absent.
  std::string phase() const;
  // status.conditions, in order (entries that are not objects left out), and the first of a type.
  std::vector<ConditionView> conditions() const;
  std::optional<ConditionView> condition(std::string_view type) const;
  // status.containerStatuses, or initContainerStatuses with `init`; entries that are not objects
  // left out.
  std::vector<ContainerStatusView> containerStatuses(bool init = false) const;
  // Whether spec.readinessGates names this condition type.
  bool hasReadinessGate(std::string_view conditionType) const;
};

}  // namespace rg::kube
