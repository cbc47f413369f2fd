#include <exception>
#include <variant>

#include "reconcilers/checks/static_checks.hpp"

namespace rg::checks {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

CheckResult skippedRuntime() {
  return {CheckOutcome::Skipped, "", "runtime check: not evaluated offline"};
}

}  // namespace

CheckResult evaluateStatic(const CheckSpec& check, const Workload& workload) {
  try {
    return std::visit(
        Overloaded{
            [&](const ProbesCheck& body) { return checkProbes(body, workload); },
            [&](const ResourcesCheck& body) { return checkResources(body, workload); },
            [&](const SecretsCheck& body) { return checkSecrets(body, workload); },
            [&](const EnvCheck& body) { return checkEnv(body, workload); },
            [&](const ReplicasCheck& body) { return checkReplicas(body, workload); },
            [&](const SecurityCheck& body) { return checkSecurity(body, workload); },
            [](const HttpCheck&) { return skippedRuntime(); },
            [](const PrometheusCheck&) { return skippedRuntime(); },
            [&](const RolloutCheck& body) { return checkRollout(body, workload); },
        },
        check.body);
  } catch (const std::exception& error) {
    // The checks read untrusted objects without throwing; this keeps one bad object
    // from taking down the evaluation of every other check if that ever fails.
    return CheckResult::inconclusive(std::string("check could not be evaluated: ") + error.what());
  }
}

}  // namespace rg::checks
