#pragma once
// The `probes` check: every container defines the probes asked for.
#include "reconcilers/checks/check_kind.hpp"

namespace rg {

struct ProbesCheck {
  bool readiness = true;
  bool liveness = true;
  bool startup = false;
};

extern const CheckKind<ProbesCheck> kProbesKind;

namespace checks {
CheckResult checkProbes(const ProbesCheck& spec, const Workload& workload);
}  // namespace checks

}  // namespace rg
