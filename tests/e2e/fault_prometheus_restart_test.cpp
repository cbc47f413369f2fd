// Prometheus killed while a bad revision rolls out, then restarted on the same port: its check
// is Inconclusive while nobody can measure (never Failed, no action), and once Prometheus
// answers again the real result comes back and is acted on, once.
#include "tests/e2e/support/fault_fixture.hpp"

namespace rg::e2e {
namespace {

class PrometheusRestartFaultTest : public FaultTest {};

TEST_F(PrometheusRestartFaultTest, KilledPrometheusIsInconclusiveThenItsRealResultIsActedOn) {
  cluster().apply(deploymentManifest("web", kGoodImage));
  startApp();
  startPrometheus();
  cluster().apply(gateManifest(
      "web", "web",
      {{"interval", "1s"}, {"onFailure", "Rollback"}, {"checks", {errorRateCheck(1)}}}));
  startOperator();
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return passing(g, "error-rate"); }, 20s, "passed"));
  GateHistory history(cluster().api(), "web");

  prometheus_->kill();
  ASSERT_FALSE(prometheus_->running());
  cluster().setImage("web", kBadImage);
  ASSERT_TRUE(waitForGate(
      "web",
      [](const json& g) {
        return targetRevisionOf(g) == "2" && checkIs(g, "error-rate", "Inconclusive");
      },
      10s, "reported error-rate as Inconclusive under revision 2"));
  ASSERT_TRUE(waitForRounds("web", 3, 10s));
  // Nothing measured, nothing acted on, and nothing claimed to pass either.
  EXPECT_EQ(gatePhase(gate()), "Inconclusive");
  EXPECT_EQ(cluster().deploymentPatches(), 0u);
  const size_t beforeRestart = history.statuses().size();

  prometheus_->restart();
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "RolledBack"; }, 30s,
      "rolled back on the measured error rate"));
  const json g = gate();
  EXPECT_TRUE(rolledBackFrom2To1(g));
  EXPECT_THAT(lastActionOf(g, "message"), ::testing::HasSubstr("error-rate"));
  EXPECT_EQ(imageOf(deployment()), kGoodImage);

  // While Prometheus was down the check was never Failed; after the restart it was.
  const auto statuses = history.statuses();
  for (size_t i = 0; i < beforeRestart; ++i) {
    for (const auto& c : statuses[i].value("checks", json::array())) {
      EXPECT_NE(c.value("result", ""), "Failed") << statuses[i].dump(2);
    }
  }
  EXPECT_GE(history.count("error-rate", "Failed"), 1u);
  // The restored revision is measured as healthy again, with no second action.
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return checkIs(g, "error-rate", "Passed"); }, 15s,
      "measured the restored revision"));
  EXPECT_EQ(cluster().deploymentPatches(), 1u);
  EXPECT_EQ(cluster().deploymentPatches(kJsonPatch), 1u);
  EXPECT_TRUE(healthy(*operator_));
}

}  // namespace
}  // namespace rg::e2e
