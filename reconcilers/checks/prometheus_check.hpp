#pragma once
// The `prometheus` check (runtime): a PromQL query whose value is compared with the check's
// threshold. providers::RuntimeEvaluator (reconcilers/providers/) queries; evaluatePrometheus
// judges the answer.
#include <chrono>
#include <optional>
#include <string>

#include "kube/duration.hpp"
#include "reconcilers/checks/check_kind.hpp"

namespace rg::providers {
struct PromQueryResult;
}  // namespace rg::providers

namespace rg {

struct Threshold;

struct PrometheusCheck {
  std::string address;
  std::string query;
  kube::Duration timeout{std::chrono::seconds(5)};
};

extern const CheckKind<PrometheusCheck> kPrometheusKind;

// Compact: up to 6 significant digits, no trailing zeros ("0.23", "1e+06", "+Inf", "NaN").
std::string formatValue(double value);

// NaN, +Inf and -Inf are Inconclusive, saying which: never compared, never a baseline.
// Otherwise compares the value with threshold min/max and, against `baseline`, maxIncreasePercent.
// Without a baseline the increase part passes ("no baseline yet"); with a zero baseline only a
// zero value passes (a change from zero has no percentage). Values within a relative 1e-9 of a
// limit count as equal to it, so float noise in a ratio does not fail "0.1 is above max 0.1".
CheckResult evaluatePrometheus(const PrometheusCheck& check, const Threshold& threshold,
                               const providers::PromQueryResult& query,
                               std::optional<double> baseline);

}  // namespace rg
