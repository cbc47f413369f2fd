// A Prometheus that stops answering makes its checks Inconclusive: reported, never acted on,
// even while the application is in fact failing.
#include "tests/e2e/e2e_fixture.hpp"

namespace rg::e2e {
namespace {

class PrometheusOutageTest : public E2eTest {};

TEST_F(PrometheusOutageTest, StoppedPrometheusMakesChecksInconclusiveAndTakesNoAction) {
  cluster().apply(deploymentManifest("web", kGoodImage));
  startApp();
  startPrometheus();
  cluster().apply(gateManifest(
      "web", "web",
      {{"interval", "1s"},
       {"onFailure", "Rollback"},
       {"checks", {{{"name", "probes"}, {"probes", json::object()}}, errorRateCheck(1)}}}));
  startOperator();
  ASSERT_TRUE(waitForGate(
      "web",
      [](const json& g) { return gatePhase(g) == "Passing" && checkIs(g, "error-rate", "Passed"); },
      20s, "passed"));

  prometheus_->stop();
  ASSERT_FALSE(prometheus_->running());
  cluster().setImage("web", kBadImage);  // would fail the check if anyone could measure it
  ASSERT_TRUE(waitForGate(
      "web",
      [](const json& g) {
        return g["status"].value("targetRevision", "") == "2" &&
               checkIs(g, "error-rate", "Inconclusive");
      },
      10s, "reported error-rate as Inconclusive under revision 2"));
  ASSERT_TRUE(waitForRounds("web", 4, 10s));

  const json g = gate();
  EXPECT_TRUE(checkIs(g, "error-rate", "Inconclusive"));
  EXPECT_EQ(gateCheck(g, "error-rate").value("consecutiveFailures", -1), 0);
  EXPECT_FALSE(gateCheck(g, "error-rate").value("message", "").empty());
  EXPECT_TRUE(checkIs(g, "probes", "Passed"));
  // No Critical check failed, but error-rate could not be evaluated: not Passing, Ready Unknown.
  EXPECT_EQ(gatePhase(g), "Inconclusive");
  const json ready = gateCondition(g, "Ready");
  EXPECT_EQ(ready.value("status", ""), "Unknown");
  EXPECT_EQ(ready.value("reason", ""), "ChecksInconclusive");
  EXPECT_THAT(ready.value("message", ""), ::testing::HasSubstr("inconclusive: error-rate"));
  EXPECT_FALSE(g["status"].contains("lastAction"));
  ASSERT_TRUE(eventually(
      [&] { return !cluster().events("ReadinessGate", "web", "CheckInconclusive").empty(); }, 5s));
  EXPECT_EQ(cluster().deploymentPatches(), 0u);
  EXPECT_EQ(
      deployment().value("/spec/template/spec/containers/0/image"_json_pointer, std::string()),
      kBadImage);
  EXPECT_FALSE(deployment()["spec"].value("paused", false));
}

}  // namespace
}  // namespace rg::e2e
