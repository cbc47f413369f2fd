#pragma once
// The `security` check: the security context and image tags of every container.
#include "reconcilers/checks/check_kind.hpp"

namespace rg {

struct SecurityCheck {
  bool runAsNonRoot = true;
  bool forbidPrivileged = true;
  bool forbidLatestTag = true;
  bool readOnlyRootFilesystem = false;
  bool includeInitContainers = false;
};

extern const CheckKind<SecurityCheck> kSecurityKind;

namespace checks {
CheckResult checkSecurity(const SecurityCheck& spec, const Workload& workload);
}  // namespace checks

}  // namespace rg
