// The prometheus check: parsing its body and judging a query's answer. The query itself is
// tested with the providers: tests/providers/.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/checks/runtime_check_fixtures.hpp"
#include "tests/unit/checks/spec_fixtures.hpp"

namespace rg {
namespace {

using namespace spec_fixtures;
using namespace runtime_check_fixtures;

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

TEST(EvaluatePrometheus, NoDataAndErrorsAreInconclusive) {
  auto none = evaluatePrometheus(promCheck(), maxOf(0.1),
                                 PromQueryResult::noData("query returned no data"), std::nullopt);
  EXPECT_EQ(none.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(none.message, "query returned no data");
  EXPECT_EQ(none.value, "");

  auto nan =
      evaluatePrometheus(promCheck(), maxOf(0.1),
                         PromQueryResult::noData("query returned NaN (no traffic: 0/0?)"), 0.5);
  EXPECT_EQ(nan.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(nan.message, "query returned NaN (no traffic: 0/0?)");

  auto failed = evaluatePrometheus(
      promCheck(), maxOf(0.1), PromQueryResult::failure("query returned 2 series; expected one"),
      std::nullopt);
  EXPECT_EQ(failed.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(failed.message, "query failed: query returned 2 series; expected one");
}

TEST(EvaluatePrometheus, AboveMaxFails) {
  auto r = evaluatePrometheus(promCheck(), maxOf(0.1), PromQueryResult::of(0.23), std::nullopt);
  EXPECT_EQ(r.outcome, CheckOutcome::Failed);
  EXPECT_EQ(r.message, "value 0.23 is above max 0.1");
  EXPECT_EQ(r.value, "0.23");
}

TEST(EvaluatePrometheus, BelowMinFails) {
  auto r = evaluatePrometheus(promCheck(), minOf(2), PromQueryResult::of(1), std::nullopt);
  EXPECT_EQ(r.outcome, CheckOutcome::Failed);
  EXPECT_EQ(r.message, "value 1 is below min 2");
  EXPECT_EQ(r.value, "1");
}

TEST(EvaluatePrometheus, WithinBoundsPasses) {
  Threshold both;
  both.min = 0.01;
  both.max = 0.1;
  auto r = evaluatePrometheus(promCheck(), both, PromQueryResult::of(0.05), std::nullopt);
  EXPECT_EQ(r.outcome, CheckOutcome::Passed);
  EXPECT_EQ(r.message, "value 0.05 is within threshold (min 0.01; max 0.1)");
  EXPECT_EQ(r.value, "0.05");
}

TEST(EvaluatePrometheus, LimitsAreInclusiveAndIgnoreFloatNoise) {
  EXPECT_EQ(
      evaluatePrometheus(promCheck(), maxOf(0.1), PromQueryResult::of(0.1), std::nullopt).outcome,
      CheckOutcome::Passed);
  EXPECT_EQ(evaluatePrometheus(promCheck(), maxOf(0.1), PromQueryResult::of(0.10000000000000002),
                               std::nullopt)
                .outcome,
            CheckOutcome::Passed);
  EXPECT_EQ(evaluatePrometheus(promCheck(), minOf(0.3), PromQueryResult::of(0.29999999999999993),
                               std::nullopt)
                .outcome,
            CheckOutcome::Passed);
  EXPECT_EQ(evaluatePrometheus(promCheck(), maxOf(0.1), PromQueryResult::of(0.1001), std::nullopt)
                .outcome,
            CheckOutcome::Failed);
}

TEST(EvaluatePrometheus, NaNAndInfinitiesAreInconclusiveWhateverTheThreshold) {
  // 1/sum(rate(...)) over no traffic is +Inf: it says nothing about the revision.
  auto high = evaluatePrometheus(promCheck(), maxOf(0.1), PromQueryResult::of(kInf), std::nullopt);
  EXPECT_EQ(high.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(high.message, "query returned +Inf");
  EXPECT_EQ(high.value, "");
  auto low = evaluatePrometheus(promCheck(), minOf(0), PromQueryResult::of(-kInf), std::nullopt);
  EXPECT_EQ(low.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(low.message, "query returned -Inf");
  auto fine = evaluatePrometheus(promCheck(), minOf(0), PromQueryResult::of(kInf), std::nullopt);
  EXPECT_EQ(fine.outcome, CheckOutcome::Inconclusive) << "not even a limit it would meet";
  // A NaN value (a provider that passes it through) is never compared either.
  auto nan = evaluatePrometheus(promCheck(), maxOf(0.1),
                                PromQueryResult::of(std::numeric_limits<double>::quiet_NaN()), 0.1);
  EXPECT_EQ(nan.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(nan.message, "query returned NaN (no traffic: 0/0?)");
}

TEST(EvaluatePrometheus, IncreaseAboveLimitFails) {
  auto r = evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(0.30), 0.18);
  EXPECT_EQ(r.outcome, CheckOutcome::Failed);
  EXPECT_EQ(r.message, "value 0.3 is 66.7% above baseline 0.18; max increase 50%");
  EXPECT_EQ(r.value, "0.3");
}

TEST(EvaluatePrometheus, IncreaseWithinLimitPasses) {
  auto r = evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(0.2), 0.18);
  EXPECT_EQ(r.outcome, CheckOutcome::Passed);
  EXPECT_EQ(r.message,
            "value 0.2 is within threshold (11.1% above baseline 0.18, max increase 50%)");

  // Exactly the limit passes, despite (0.27 - 0.18) / 0.18 being 50.000000000000014 in doubles.
  EXPECT_EQ(
      evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(0.27), 0.18).outcome,
      CheckOutcome::Passed);

  auto lower = evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(0.09), 0.18);
  EXPECT_EQ(lower.outcome, CheckOutcome::Passed);
  EXPECT_EQ(lower.message, "value 0.09 is within threshold (50% below baseline 0.18)");

  auto same = evaluatePrometheus(promCheck(), increaseOf(0), PromQueryResult::of(0.18), 0.18);
  EXPECT_EQ(same.outcome, CheckOutcome::Passed);
  EXPECT_EQ(same.message,
            "value 0.18 is within threshold (0% above baseline 0.18, max increase 0%)");
}

TEST(EvaluatePrometheus, NoBaselineYetPassesTheIncreasePart) {
  auto r = evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(0.3), std::nullopt);
  EXPECT_EQ(r.outcome, CheckOutcome::Passed);
  EXPECT_EQ(r.message, "value 0.3 is within threshold (no baseline yet)");
  EXPECT_EQ(r.value, "0.3");

  // The other limits still apply.
  Threshold t = increaseOf(50);
  t.max = 0.2;
  auto capped = evaluatePrometheus(promCheck(), t, PromQueryResult::of(0.3), std::nullopt);
  EXPECT_EQ(capped.outcome, CheckOutcome::Failed);
  EXPECT_EQ(capped.message, "value 0.3 is above max 0.2");
}

TEST(EvaluatePrometheus, ZeroBaselineOnlyLetsZeroPass) {
  auto zero = evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(0), 0.0);
  EXPECT_EQ(zero.outcome, CheckOutcome::Passed);
  EXPECT_EQ(zero.message, "value 0 is within threshold (equal to baseline 0)");

  auto more = evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(0.01), 0.0);
  EXPECT_EQ(more.outcome, CheckOutcome::Failed);
  EXPECT_EQ(more.message,
            "value 0.01 differs from baseline 0; a change from a zero baseline has no "
            "percentage, so only 0 passes (max increase 50%)");

  auto less = evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(-1), 0.0);
  EXPECT_EQ(less.outcome, CheckOutcome::Failed);
}

TEST(EvaluatePrometheus, NegativeBaselineMeasuresIncreaseUpwards) {
  // From -2 to -1 is a rise of 50% of the baseline's size.
  auto r = evaluatePrometheus(promCheck(), increaseOf(40), PromQueryResult::of(-1), -2.0);
  EXPECT_EQ(r.outcome, CheckOutcome::Failed);
  EXPECT_EQ(r.message, "value -1 is 50% above baseline -2; max increase 40%");
  auto down = evaluatePrometheus(promCheck(), increaseOf(40), PromQueryResult::of(-3), -2.0);
  EXPECT_EQ(down.outcome, CheckOutcome::Passed);
  EXPECT_EQ(down.message, "value -3 is within threshold (50% below baseline -2)");
}

TEST(EvaluatePrometheus, InfiniteValueOrBaseline) {
  auto r = evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(kInf), 0.18);
  EXPECT_EQ(r.outcome, CheckOutcome::Inconclusive) << "never fails against any baseline";
  EXPECT_EQ(r.message, "query returned +Inf");

  auto baseline = evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(1), kInf);
  EXPECT_EQ(baseline.outcome, CheckOutcome::Passed);
  EXPECT_EQ(baseline.message,
            "value 1 is within threshold (baseline +Inf cannot be compared; max increase 50% "
            "not checked)");
}

TEST(EvaluatePrometheus, ReportsEveryBrokenLimit) {
  Threshold t;
  t.max = 0.1;
  t.maxIncreasePercent = 50;
  auto r = evaluatePrometheus(promCheck(), t, PromQueryResult::of(0.3), 0.18);
  EXPECT_EQ(r.outcome, CheckOutcome::Failed);
  EXPECT_EQ(r.message,
            "value 0.3 is above max 0.1; value 0.3 is 66.7% above baseline 0.18; max increase 50%");
}

TEST(EvaluatePrometheus, NoThresholdPasses) {
  auto r = evaluatePrometheus(promCheck(), Threshold{}, PromQueryResult::of(3), std::nullopt);
  EXPECT_EQ(r.outcome, CheckOutcome::Passed);
  EXPECT_EQ(r.message, "value 3 (no threshold)");
}

}  // namespace
}  // namespace rg
