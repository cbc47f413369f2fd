#pragma once
// The `resources` check: containers set requests and limits, within the cpu and memory ranges.
#include <optional>

#include "kube/quantity.hpp"
#include "reconcilers/checks/check_kind.hpp"
#include "reconcilers/spec/boxed_optional.hpp"

namespace rg {

struct QuantityRange {
  std::optional<kube::Quantity> min;
  std::optional<kube::Quantity> max;
};

struct ResourcesCheck {
  bool requireRequests = true;
  bool requireLimits = true;
  // Boxed: four quantities inline would make every check's body 320 bytes.
  BoxedOptional<QuantityRange> cpu;
  BoxedOptional<QuantityRange> memory;
  bool includeInitContainers = false;
};

extern const CheckKind<ResourcesCheck> kResourcesKind;

namespace checks {
CheckResult checkResources(const ResourcesCheck& spec, const Workload& workload);
}  // namespace checks

}  // namespace rg
