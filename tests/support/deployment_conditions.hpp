#pragma once
// The Deployment status conditions of the simulated deployment controller, set as the real
// controller sets them (pkg/controller/deployment: syncRolloutStatus, checkPausedConditions,
// SetDeploymentCondition).
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace rg::testing {

// Sets a condition, keeping lastTransitionTime unless the status flips. True when it changed.
bool setCondition(nlohmann::json& conditions, nlohmann::json condition,
                  const char* timeField = "lastTransitionTime");

// The Deployment's Progressing condition after a sync, as the real controller's
// syncRolloutStatus and checkPausedConditions set it. `created`/`found`: this sync made a new
// ReplicaSet / moved an existing one to the next revision. A timed-out condition is kept until
// the rollout progresses or a new one starts.
nlohmann::json progressingCondition(const nlohmann::json& previous, const nlohmann::json& oldStatus,
                                    const nlohmann::json& newStatus, int64_t replicas, bool paused,
                                    bool created, bool found, const std::string& rsName,
                                    std::optional<int64_t> deadlineSeconds,
                                    std::chrono::system_clock::time_point now);

// When the Progressing condition `c` times out if nothing progresses (none when it cannot).
std::optional<std::chrono::system_clock::time_point> deadlineOf(const nlohmann::json& c,
                                                                std::optional<int64_t> seconds);

}  // namespace rg::testing
