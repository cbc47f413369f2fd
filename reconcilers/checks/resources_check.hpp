#pragma once
// The `resources` check: containers set requests and limits, within the cpu and memory ranges.
#include <optional>

#include "kube/quantity.hpp"
#include "reconcilers/checks/check_kind.hpp"

namespace rg {

struct QuantityRange {
  std::optional<kube::Quantity> min;
  std::optional<kube::Quantity> max;
};

struct ResourcesCheck {
  bool requireRequests = true;
  bool requireLimits = true;
  std::optional<QuantityRange> cpu;
  std::optional<QuantityRange> memory;
  bool includeInitContainers = false;
};

extern const CheckKind<ResourcesCheck> kResourcesKind;

namespace checks {
CheckResult checkResources(const ResourcesCheck& spec, const Workload& workload);
}  // namespace checks

}  // namespace rg
