#include "reconcilers/gate_spec.hpp"

#include <type_traits>

#include "reconcilers/checks/check_result.hpp"

namespace rg {

const char* checkKindName(const CheckBody& body) {
  static constexpr const char* kNames[] = {"probes", "resources",  "secrets",
                                           "env",    "replicas",   "security",
                                           "http",   "prometheus", "rollout"};
  static_assert(std::size(kNames) == std::variant_size_v<CheckBody>);
  return kNames[body.index()];
}

bool isRuntimeCheck(const CheckBody& body) {
  return std::holds_alternative<HttpCheck>(body) || std::holds_alternative<PrometheusCheck>(body);
}

const char* toString(Severity severity) {
  return severity == Severity::Critical ? "Critical" : "Warning";
}

const char* toString(FailureAction action) {
  switch (action) {
    case FailureAction::Report:
      return "Report";
    case FailureAction::Pause:
      return "Pause";
    case FailureAction::Rollback:
      return "Rollback";
  }
  return "Report";
}

const char* toString(CheckOutcome outcome) {
  switch (outcome) {
    case CheckOutcome::Passed:
      return "Passed";
    case CheckOutcome::Failed:
      return "Failed";
    case CheckOutcome::Inconclusive:
      return "Inconclusive";
    case CheckOutcome::Skipped:
      return "Skipped";
  }
  return "Inconclusive";
}

}  // namespace rg
