#pragma once
// Which gates an object change concerns: the mapping from Deployments,
// ReplicaSets, Pods, Secrets and ConfigMaps back to ReadinessGates.
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace rg {

// Index values of a ReadinessGate object: "namespace/targetName" (empty when it names no target).
std::vector<std::string> gateTargetIndex(const nlohmann::json& gate);
inline constexpr const char* kGateTargetIndex = "target";

// Secret names a gate's checks require (spec.checks[].secrets.required[].name); lenient.
std::set<std::string> gateRequiredSecrets(const nlohmann::json& gate);

// Secret and ConfigMap names a Deployment's pod template refers to (env, envFrom, volumes,
// projected volumes; init containers included).
std::set<std::string> templateSecretNames(const nlohmann::json& deployment);
std::set<std::string> templateConfigMapNames(const nlohmann::json& deployment);

// The name of the controller ownerReference of the given kind, or "".
std::string controllerName(const nlohmann::json& object, const std::string& kind);

}  // namespace rg
