#pragma once
// Static checks: pure functions of (check spec, workload) -> result.
#include "reconcilers/checks/check_result.hpp"
#include "reconcilers/checks/workload.hpp"
#include "reconcilers/gate_spec.hpp"

namespace rg::checks {

CheckResult checkProbes(const ProbesCheck& spec, const Workload& workload);
CheckResult checkResources(const ResourcesCheck& spec, const Workload& workload);
CheckResult checkSecrets(const SecretsCheck& spec, const Workload& workload);
CheckResult checkEnv(const EnvCheck& spec, const Workload& workload);
CheckResult checkReplicas(const ReplicasCheck& spec, const Workload& workload);
CheckResult checkSecurity(const SecurityCheck& spec, const Workload& workload);
// Reads the pods of the current revision and the Deployment's status; sets recheckAt to the
// earliest moment a starting pod runs out of time.
CheckResult checkRollout(const RolloutCheck& spec, const Workload& workload);

// Runs the static check the body names; runtime bodies give Skipped.
CheckResult evaluateStatic(const CheckSpec& check, const Workload& workload);

}  // namespace rg::checks
