#pragma once
// The pod readiness gate condition (spec.podReadinessGate): pods that list
// gates.readiness.dev/<gate-name> in spec.readinessGates stay unready until the gate sets that
// condition to True. Pure: the reconciler sends the patches to pods/<name>/status as
// application/strategic-merge-patch+json (status.conditions merge by "type").
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace rg::actions {

inline constexpr std::string_view kConditionTypePrefix = "gates.readiness.dev/";

// "gates.readiness.dev/<gate-name>"
std::string conditionType(std::string_view gateName);

// The pod lists `type` in spec.readinessGates[].conditionType.
bool podWantsGate(const nlohmann::json& pod, std::string_view type);

// The pod's status.conditions entry of `type`, or nullptr.
const nlohmann::json* podCondition(const nlohmann::json& pod, std::string_view type);

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

// The patch to send, or none when the pod does not want the gate or already has `status`.
std::optional<nlohmann::json> planPodCondition(const nlohmann::json& pod, std::string_view type,
                                               bool status, std::string_view reason,
                                               std::string_view message, std::string_view now);

}  // namespace rg::actions
