#pragma once
// The typed ReadinessGate (gates.readiness.dev/v1alpha1), defaults applied.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kube/duration.hpp"
#include "reconcilers/checks/check_kinds.hpp"
#include "reconcilers/spec/boxed_optional.hpp"

namespace rg {

enum class Severity { Critical, Warning };
enum class FailureAction { Report, Pause, Rollback };

struct TargetRef {
  std::string apiVersion = "apps/v1";
  std::string kind = "Deployment";
  std::string name;
};

struct Threshold {
  std::optional<double> min;
  std::optional<double> max;
  std::optional<double> maxIncreasePercent;
  // How far back the baseline of maxIncreasePercent averages the previous revision.
  kube::Duration baselineWindow{std::chrono::minutes(10)};
};

struct CheckSpec {
  std::string name;
  Severity severity = Severity::Critical;
  int64_t failureLimit = 1;
  CheckBody body;
  BoxedOptional<Threshold> threshold;  // boxed: static checks have none
  // Runtime checks only: this many Inconclusive rounds in a row of one revision count as Failed.
  // None: no limit, an outage alone never acts.
  std::optional<int64_t> inconclusiveLimit;
};

struct GateSpec {
  TargetRef targetRef;
  kube::Duration interval{std::chrono::seconds(30)};
  FailureAction onFailure = FailureAction::Report;
  bool suspend = false;
  bool podReadinessGate = false;
  std::vector<CheckSpec> checks;
};

struct Gate {
  std::string name;
  std::string namespace_ = "default";
  int64_t generation = 0;
  std::string uid;
  GateSpec spec;
};

const char* toString(Severity severity);
const char* toString(FailureAction action);

}  // namespace rg
