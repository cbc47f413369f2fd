#pragma once
// The `rollout` check: health of the target's current revision, its ReplicaSet's pods and the
// Deployment's progress.
#include <cstdint>
#include <optional>

#include "kube/duration.hpp"
#include "reconcilers/checks/check_kind.hpp"

namespace rg {

struct RolloutCheck {
  int64_t maxRestarts = 3;
  // Unset: the Deployment's spec.progressDeadlineSeconds (600 s when unset there too).
  std::optional<kube::Duration> readyTimeout;
};

extern const CheckKind<RolloutCheck> kRolloutKind;

namespace checks {
// Reads the pods of the current revision and the Deployment's status; sets recheckAt to the
// earliest moment a starting pod runs out of time.
CheckResult checkRollout(const RolloutCheck& spec, const Workload& workload);
}  // namespace checks

}  // namespace rg
