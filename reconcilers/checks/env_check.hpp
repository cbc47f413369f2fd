#pragma once
// The `env` check: environment variables required, equal to a value, or forbidden.
#include <map>
#include <string>
#include <vector>

#include "reconcilers/checks/check_kind.hpp"

namespace rg {

struct EnvCheck {
  std::vector<std::string> required;
  std::map<std::string, std::string> equals;
  std::vector<std::string> forbidden;
  bool rejectLiteralSecrets = false;
  bool includeInitContainers = false;
};

extern const CheckKind<EnvCheck> kEnvKind;

namespace checks {
CheckResult checkEnv(const EnvCheck& spec, const Workload& workload);
}  // namespace checks

}  // namespace rg
