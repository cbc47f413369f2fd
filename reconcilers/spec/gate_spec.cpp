#include "reconcilers/spec/gate_spec.hpp"

#include "reconcilers/checks/check_result.hpp"

namespace rg {

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
