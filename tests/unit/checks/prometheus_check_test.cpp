// Parsing of the prometheus check body. Its evaluation (it calls out) is tested with the providers:
// tests/providers/runtime_checks_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/checks/spec_fixtures.hpp"

namespace rg {
namespace {

using namespace spec_fixtures;

TEST(PrometheusSpec, DefaultTimeout) {
  auto result = parseGate(withCheck(
      "{name: e, prometheus: {address: \"http://p:9090\", query: up}, threshold: {max: 1}}"));
  ASSERT_TRUE(result.gate) << result.errorSummary();
  const auto& prometheus = std::get<PrometheusCheck>(result.gate->spec.checks[0].body);
  EXPECT_EQ(prometheus.query, "up");
  EXPECT_EQ(prometheus.timeout.value(), std::chrono::seconds(5));
  EXPECT_EQ(onlyError(withCheck("{name: e, prometheus: {address: \"http://p:9090\", query: up, "
                                "timeout: 0s}, threshold: {max: 1}}")),
            "spec.checks[0].prometheus.timeout: must be greater than 0");
}

TEST(PrometheusSpec, NeedsAThresholdWithAKey) {
  const std::string prom = "prometheus: {address: \"http://p:9090\", query: up}";
  EXPECT_EQ(onlyError(withChecks("  - {name: e, " + prom + "}\n")),
            "spec.checks[0].threshold: is required for a prometheus check");
  EXPECT_EQ(onlyError(withChecks("  - {name: e, " + prom + ", threshold: {}}\n")),
            "spec.checks[0].threshold: needs at least one of min, max, maxIncreasePercent");
  EXPECT_EQ(
      onlyError(withChecks("  - {name: e, " + prom + ", threshold: {maxIncreasePercent: -5}}\n")),
      "spec.checks[0].threshold.maxIncreasePercent: must not be negative");
  EXPECT_EQ(onlyError(withChecks("  - {name: e, " + prom + ", threshold: {max: ten}}\n")),
            "spec.checks[0].threshold.max: must be a number, got \"ten\"");
  EXPECT_EQ(onlyError(withChecks(
                "  - {name: e, prometheus: {address: \"http://p:9090\"}, threshold: {max: 1}}\n")),
            "spec.checks[0].prometheus.query: is required");
  EXPECT_EQ(
      onlyError(withChecks(
          "  - {name: e, prometheus: {address: \"p:9090\", query: up}, threshold: {max: 1}}\n")),
      "spec.checks[0].prometheus.address: \"p:9090\" is not an http:// or https:// URL");
}

}  // namespace
}  // namespace rg
