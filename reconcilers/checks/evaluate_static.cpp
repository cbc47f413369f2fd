#include <exception>
#include <type_traits>
#include <variant>

#include "reconcilers/checks/static_checks.hpp"

namespace rg::checks {

CheckResult evaluateStatic(const CheckSpec& check, const Workload& workload) {
  try {
    return std::visit(
        [&](const auto& body) {
          const auto& kind = checkKindOf<std::decay_t<decltype(body)>>();
          if (!kind.evaluate)
            return CheckResult{CheckOutcome::Skipped, "", "runtime check: not evaluated offline"};
          return kind.evaluate(body, workload);
        },
        check.body);
  } catch (const std::exception& error) {
    // The checks read untrusted objects without throwing; this keeps one bad object
    // from taking down the evaluation of every other check if that ever fails.
    return CheckResult::inconclusive(std::string("check could not be evaluated: ") + error.what());
  }
}

}  // namespace rg::checks
