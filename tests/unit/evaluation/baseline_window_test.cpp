// The baseline of a maxIncreasePercent check: taken once per revision change, from the
// previous revision's window average when there is one, else from its last passed sample.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reconcilers/evaluation/gate_evaluation.hpp"
#include "tests/unit/evaluation/evaluation_fixtures.hpp"

namespace rg {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using namespace evaluation_fixtures;  // its builders, and nlohmann::json as json

Gate latencyGate() {
  return parseTestGate({.checks = R"(  - name: latency
    prometheus: {address: "http://prom:9090", query: "latency"}
    threshold: {maxIncreasePercent: 50, baselineWindow: 5m}
)"});
}

// Deployment api at `revision`, without template or ReplicaSets: the baseline reads the revision.
Workload workloadAt(int revision) {
  Workload w;
  w.deployment = json{{"metadata", deploymentMetadata(revision)}, {"spec", {{"replicas", 2}}}};
  return w;
}

struct Harness {
  Gate gate = latencyGate();
  Workload workload = workloadAt(1);
  GateStatus status;
  Time now = kStart;
  // What the runtime check measures, and what it was compared with.
  CheckOutcome outcome = CheckOutcome::Passed;
  std::string value = "0.2";
  std::vector<std::optional<double>> baselines;
  // What the window measurement answers, and how often it was asked.
  BaselineMeasurement window{0.15, "average over 5m0s of revision 1"};
  std::vector<std::string> measured;

  void step(std::chrono::seconds advance = 10s) {
    now += advance;
    EvaluationInput in{
        &gate, &workload, &status, now, [this](const CheckSpec&, std::optional<double> baseline) {
          baselines.push_back(baseline);
          return RuntimeOutcome{{outcome, value, "latency is " + value}, std::stod(value)};
        }};
    in.measureBaseline = [this](const CheckSpec& check) {
      measured.push_back(check.name);
      return window;
    };
    status = evaluateGate(in).status;
  }
  // The one round of revision 1, whose check ends `result`; later rounds pass again.
  void revision1Round(CheckOutcome result = CheckOutcome::Passed) {
    outcome = result;
    step(0s);
    outcome = CheckOutcome::Passed;
  }
  // Revision `revision` rolls out and is evaluated a second later.
  void rollOut(int revision) {
    workload = workloadAt(revision);
    step(1s);
  }
  const CheckStatus& latency() const { return *status.check("latency"); }
};

TEST(BaselineWindow, ANewRevisionTakesTheWindowAverageOfThePreviousOne) {
  Harness h;
  h.revision1Round();
  EXPECT_TRUE(h.measured.empty()) << "the first revision the gate sees has nothing before it";
  EXPECT_EQ(h.baselines.back(), std::nullopt);

  h.rollOut(2);
  ASSERT_EQ(h.measured.size(), 1u);
  EXPECT_EQ(h.status.baselines.at("latency"), "0.15");
  ASSERT_TRUE(h.baselines.back());
  EXPECT_DOUBLE_EQ(*h.baselines.back(), 0.15) << "compared with the average, not the last 0.2";
  EXPECT_EQ(h.latency().message, "latency is 0.2 [baseline 0.15: average over 5m0s of revision 1]");

  // Later rounds of the same revision keep it and do not measure again.
  h.window.value = 9.0;
  h.step();
  h.step();
  EXPECT_EQ(h.measured.size(), 1u);
  EXPECT_EQ(h.status.baselines.at("latency"), "0.15");
  EXPECT_DOUBLE_EQ(*h.baselines.back(), 0.15);
  EXPECT_EQ(h.latency().message, "latency is 0.2");
}

TEST(BaselineWindow, WithoutAWindowValueTheLastPassedSampleIsTheBaseline) {
  Harness h;
  h.revision1Round();
  h.window = {std::nullopt, "no data over 5m0s of revision 1"};
  h.rollOut(2);
  EXPECT_EQ(h.status.baselines.at("latency"), "0.2");
  EXPECT_EQ(h.latency().message,
            "latency is 0.2 [baseline 0.2: last sample of revision 1 (no data over 5m0s of "
            "revision 1)]");
}

TEST(BaselineWindow, ARevisionFailingTheCheckGivesNoBaseline) {
  Harness h;
  h.revision1Round(CheckOutcome::Failed);
  h.rollOut(2);
  EXPECT_TRUE(h.measured.empty());
  EXPECT_FALSE(h.status.baselines.contains("latency"));
  EXPECT_EQ(h.baselines.back(), std::nullopt);
}

TEST(BaselineWindow, AnInconclusivePreviousRevisionStillHasAWindow) {
  // No traffic at the last round of revision 1 says nothing against its last 5 minutes.
  Harness h;
  h.revision1Round(CheckOutcome::Inconclusive);
  h.rollOut(2);
  EXPECT_EQ(h.measured.size(), 1u);
  EXPECT_EQ(h.status.baselines.at("latency"), "0.15");

  // ... but without a window value there is no sample to fall back on.
  Harness none;
  none.revision1Round(CheckOutcome::Inconclusive);
  none.window = {std::nullopt, "no data"};
  none.rollOut(2);
  EXPECT_FALSE(none.status.baselines.contains("latency"));
}

TEST(BaselineWindow, ThresholdsWithoutIncreaseNeverMeasure) {
  Harness h;
  h.gate.spec.checks[0].threshold->maxIncreasePercent.reset();
  h.gate.spec.checks[0].threshold->max = 1;
  h.revision1Round();
  h.rollOut(2);
  EXPECT_TRUE(h.measured.empty());
  EXPECT_TRUE(h.status.baselines.empty());
}

}  // namespace
}  // namespace rg
