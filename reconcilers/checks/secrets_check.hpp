#pragma once
// The `secrets` check: the Secrets (and keys) required or referenced by the pod template exist.
#include <string>
#include <vector>

#include "reconcilers/checks/check_kind.hpp"

namespace rg {

struct RequiredSecret {
  std::string name;
  std::vector<std::string> keys;
};

struct SecretsCheck {
  std::vector<RequiredSecret> required;
  bool referenced = true;
};

extern const CheckKind<SecretsCheck> kSecretsKind;

namespace checks {
CheckResult checkSecrets(const SecretsCheck& spec, const Workload& workload);
}  // namespace checks

}  // namespace rg
