#pragma once
// The `prometheus` check (runtime): a PromQL query whose value is compared with the check's
// threshold. Evaluated by providers::RuntimeEvaluator (reconcilers/providers/), which queries.
#include <chrono>
#include <string>

#include "operator/kube/duration.hpp"
#include "reconcilers/checks/check_kind.hpp"

namespace rg {

struct PrometheusCheck {
  std::string address;
  std::string query;
  kube::Duration timeout{std::chrono::seconds(5)};
};

extern const CheckKind<PrometheusCheck> kPrometheusKind;

}  // namespace rg
