#pragma once
// The `replicas` check: how many replicas the Deployment asks for, and how many are available.
#include <cstdint>
#include <optional>

#include "reconcilers/checks/check_kind.hpp"

namespace rg {

struct ReplicasCheck {
  std::optional<int64_t> min;
  std::optional<int64_t> minAvailablePercent;
};

extern const CheckKind<ReplicasCheck> kReplicasKind;

namespace checks {
CheckResult checkReplicas(const ReplicasCheck& spec, const Workload& workload);
}  // namespace checks

}  // namespace rg
