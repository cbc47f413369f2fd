#pragma once
// The arithmetic of kube-controller-manager's RollingUpdate (pkg/controller/deployment/rolling.go
// and util): how far the new ReplicaSet may scale up and how many old pods may go, given
// maxSurge, maxUnavailable and the pods that are available. Pure, for the simulated controller.
#include <cstdint>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace rg::testing {

// intstr.GetScaledValueFromIntOrPercent: an integer, or a percent of `total` rounded up or down.
int64_t scaledIntOrPercent(const nlohmann::json& value, int64_t total, bool roundUp);

// MaxSurge and MaxUnavailable of a Deployment spec with `replicas` (Recreate: 0 and replicas;
// both 0 resolves to maxUnavailable 1, as the real controller does).
std::pair<int64_t, int64_t> surgeAndUnavailable(const nlohmann::json& spec, int64_t replicas);

struct ReplicaSetCounts {
  int64_t replicas = 0;   // spec.replicas
  int64_t available = 0;  // pods Ready (minReadySeconds is not simulated)
};

// NewRSNewReplicas: the new ReplicaSet's replicas, never more than replicas + maxSurge pods in
// all (counted by spec.replicas of every ReplicaSet), never more than `replicas`.
int64_t newReplicaSetReplicas(int64_t replicas, int64_t maxSurge, const ReplicaSetCounts& newRs,
                              const std::vector<ReplicaSetCounts>& oldRs);

// reconcileOldReplicaSets: the old ReplicaSets' replicas (given oldest first) after scaling down
// as far as the pods available allow: unhealthy old pods go first, then available old pods
// while more than replicas - maxUnavailable stay available.
std::vector<int64_t> oldReplicaSetReplicas(int64_t replicas, int64_t maxUnavailable,
                                           const ReplicaSetCounts& newRs,
                                           const std::vector<ReplicaSetCounts>& oldRs);

}  // namespace rg::testing
