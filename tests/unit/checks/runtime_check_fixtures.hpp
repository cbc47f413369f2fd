#pragma once
// Checks and provider answers shared by the runtime kinds' evaluation tests and the runtime
// evaluator's tests.
#include <limits>
#include <string>
#include <utility>

#include "reconcilers/providers/provider.hpp"
#include "reconcilers/spec/gate_spec.hpp"

namespace rg::runtime_check_fixtures {

using providers::HttpProbeResult;
using providers::kMaxBodySnippet;
using providers::PromQueryResult;

inline constexpr double kInf = std::numeric_limits<double>::infinity();

inline HttpCheck healthCheck() {
  HttpCheck check;
  check.url = "http://x/health";
  return check;
}

inline HttpProbeResult answer(int status, std::string body = {}) {
  return HttpProbeResult{true, status, std::move(body), {}};
}

inline PrometheusCheck promCheck() {
  PrometheusCheck check;
  check.address = "http://prometheus:9090";
  check.query = "error_ratio";
  return check;
}

inline Threshold maxOf(double max) {
  Threshold t;
  t.max = max;
  return t;
}

inline Threshold minOf(double min) {
  Threshold t;
  t.min = min;
  return t;
}

inline Threshold increaseOf(double percent) {
  Threshold t;
  t.maxIncreasePercent = percent;
  return t;
}

}  // namespace rg::runtime_check_fixtures
