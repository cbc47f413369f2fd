#pragma once
#include <chrono>
#include <optional>
#include <string>

namespace rg {

enum class CheckOutcome { Passed, Failed, Inconclusive, Skipped };

const char* toString(CheckOutcome outcome);

struct CheckResult {
  CheckOutcome outcome = CheckOutcome::Inconclusive;
  std::string value;    // the measured value, when there is one ("0.23", "3/3")
  std::string message;  // what was found and what was expected
  // When the result may change without any object changing (a pod's ready timeout expires):
  // the gate is evaluated again then, not only at its next interval.
  std::optional<std::chrono::system_clock::time_point> recheckAt{};

  static CheckResult passed(std::string message, std::string value = {}) {
    return {CheckOutcome::Passed, std::move(value), std::move(message)};
  }
  static CheckResult failed(std::string message, std::string value = {}) {
    return {CheckOutcome::Failed, std::move(value), std::move(message)};
  }
  static CheckResult inconclusive(std::string message, std::string value = {}) {
    return {CheckOutcome::Inconclusive, std::move(value), std::move(message)};
  }
};

}  // namespace rg
