#pragma once
// Static checks: pure functions of (check spec, workload) -> result. Each kind's evaluation is in
// its file (reconcilers/checks/<kind>_check.cpp), declared in its header.
#include "reconcilers/checks/check_result.hpp"
#include "reconcilers/checks/workload.hpp"
#include "reconcilers/spec/gate_spec.hpp"

namespace rg::checks {

// Runs the static check the body names; runtime bodies give Skipped.
CheckResult evaluateStatic(const CheckSpec& check, const Workload& workload);

}  // namespace rg::checks
