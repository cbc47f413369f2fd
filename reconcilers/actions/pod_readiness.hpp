#pragma once
// The pod readiness gate condition (spec.podReadinessGate): pods that list
// gates.readiness.dev/<gate-name> in spec.readinessGates stay unready until the gate sets that
// condition to True. Pure: the reconciler sends the patches to pods/<name>/status as
// application/strategic-merge-patch+json (status.conditions merge by "type").
//
// The rule: True on the pods of every revision that passed (its pod-template-hash is in the
// gate's status.passedTemplateHashes), False on the pods of revisions that have not, and a pod
// that is True is never set False: the gate holds back new revisions, it never takes serving
// pods out of their Service (a failure later is the job of onFailure).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rg::actions {

inline constexpr std::string_view kConditionTypePrefix = "gates.readiness.dev/";

// "gates.readiness.dev/<gate-name>"
std::string conditionType(std::string_view gateName);

// The pod lists `type` in spec.readinessGates[].conditionType.
bool podWantsGate(const nlohmann::json& pod, std::string_view type);

// The pod's condition of `type` has status "True".
bool podConditionTrue(const nlohmann::json& pod, std::string_view type);

// True when a write would change the condition's status: the pod wants the gate and the condition
// is absent or has another status ("Unknown" included). Reason or message changes alone are not
// written, so steady evaluations cost no pod writes.
bool needsUpdate(const nlohmann::json& pod, std::string_view type, bool status);

// {"status":{"conditions":[{"type":..,"status":"True"|"False","reason":..,"message":..,
// "lastTransitionTime":..}]}}. lastTransitionTime is `now` when the status flips (or the condition
// is new) and the condition's present value otherwise. `now` is RFC 3339 ("2026-11-22T10:00:00Z").
nlohmann::json podConditionPatch(const nlohmann::json& pod, std::string_view type, bool status,
                                 std::string_view reason, std::string_view message,
                                 std::string_view now);

struct PodGateDecision {
  bool status = false;
  std::string reason;  // RevisionPassed | RevisionNotPassed
  std::string message;
};

// The condition `pod` should get, or none to leave it alone: the pod does not list the gate, or
// it is True and its revision is not (or no longer) recorded as passed. `currentHash` and
// `blockingChecks` (the Critical checks not Passed) describe the target's current revision, for
// the message.
std::optional<PodGateDecision> decidePodGate(const nlohmann::json& pod, std::string_view type,
                                             const std::vector<std::string>& passedHashes,
                                             std::string_view currentHash,
                                             const std::vector<std::string>& blockingChecks);

// The patch to send, or none when the pod does not want the gate or already has `status`.
std::optional<nlohmann::json> planPodCondition(const nlohmann::json& pod, std::string_view type,
                                               bool status, std::string_view reason,
                                               std::string_view message, std::string_view now);

}  // namespace rg::actions
