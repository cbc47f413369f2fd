// onFailure: Pause: a failing revision is paused with the gate's annotation and resumed by the
// gate once every check passes again.
#include "tests/e2e/e2e_fixture.hpp"

namespace rg::e2e {
namespace {

constexpr const char* kPausedBy = "gates.readiness.dev/paused-by";

class PauseTest : public E2eTest {};

TEST_F(PauseTest, FailingRevisionIsPausedAndResumedOnceTheAppIsFixed) {
  cluster().apply(deploymentManifest("web", kGoodImage));
  startApp();
  startPrometheus();
  cluster().apply(gateManifest(
      "web", "web", {{"interval", "1s"}, {"onFailure", "Pause"}, {"checks", {errorRateCheck(2)}}}));
  startOperator();
  ASSERT_TRUE(waitForGate(
      "web",
      [](const json& g) { return gatePhase(g) == "Passing" && checkIs(g, "error-rate", "Passed"); },
      20s, "passed"));

  cluster().setImage("web", kBadImage);
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Paused"; }, 20s, "paused the rollout"));
  json d = deployment();
  EXPECT_TRUE(d["spec"].value("paused", false));
  EXPECT_EQ(annotationOf(d, kPausedBy), "web");
  json g = gate();
  EXPECT_EQ(g["status"]["lastAction"].value("type", ""), "Pause");
  EXPECT_EQ(g["status"]["lastAction"].value("fromRevision", ""), "2");
  EXPECT_EQ(gateCondition(g, "Paused").value("status", ""), "True");
  EXPECT_GE(gateCheck(g, "error-rate").value("consecutiveFailures", 0), 2);
  EXPECT_GT(std::stod(gateCheck(g, "error-rate").value("value", "0")), 0.1);
  ASSERT_TRUE(eventually(
      [&] { return !cluster().events("Deployment", "web", "RolloutPaused").empty(); }, 5s));
  EXPECT_EQ(cluster().deploymentPatches(), 1u);
  // The simulated controller saw the pause: no progress while paused.
  cluster().api().waitForHooks();
  EXPECT_EQ(deployment()["status"]["conditions"][1].value("reason", ""), "DeploymentPaused");

  // The application is fixed (same image, no more errors): the gate resumes the rollout itself.
  app_->setBehaviour(kBadImage, {0.0, 0.1});
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Passing"; }, 20s, "resumed"));
  d = deployment();
  EXPECT_FALSE(d["spec"].value("paused", false));
  EXPECT_EQ(annotationOf(d, kPausedBy), "");
  g = gate();
  EXPECT_EQ(g["status"]["lastAction"].value("type", ""), "Resume");
  EXPECT_EQ(gateCondition(g, "Paused").value("status", ""), "False");
  ASSERT_TRUE(eventually(
      [&] { return !cluster().events("ReadinessGate", "web", "RolloutResumed").empty(); }, 5s));
  ASSERT_TRUE(waitForRounds("web", 2, 10s));
  EXPECT_EQ(cluster().deploymentPatches(), 2u);
  EXPECT_EQ(cluster().deploymentPatches("application/json-patch+json"), 0u);
  EXPECT_EQ(annotationOf(deployment(), "deployment.kubernetes.io/revision"), "2");
}

TEST_F(PauseTest, DeploymentPausedByAPersonIsNotResumedByTheGate) {
  json manifest = deploymentManifest("web", kGoodImage);
  manifest["spec"]["paused"] = true;
  cluster().apply(manifest);
  cluster().apply(gateManifest("web", "web",
                               {{"interval", "1s"},
                                {"onFailure", "Pause"},
                                {"checks", {{{"name", "probes"}, {"probes", json::object()}}}}}));
  startOperator();
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return checkIs(g, "probes", "Passed"); }, 10s, "passed"));
  ASSERT_TRUE(waitForRounds("web", 2, 10s));
  EXPECT_TRUE(deployment()["spec"].value("paused", false));
  EXPECT_EQ(cluster().deploymentPatches(), 0u);
  EXPECT_EQ(gatePhase(gate()), "Passing");
}

}  // namespace
}  // namespace rg::e2e
