// Gates that only evaluate: healthy, statically failing, flipped by a Secret, invalid.
#include "tests/e2e/e2e_fixture.hpp"

namespace rg::e2e {
namespace {

class EvaluationTest : public E2eTest {};

TEST_F(EvaluationTest, HealthyGatePassesAndTakesNoAction) {
  cluster().apply(deploymentManifest("web", kGoodImage));
  startApp();
  startPrometheus();
  cluster().apply(
      gateManifest("web", "web",
                   {{"interval", "1s"},
                    {"onFailure", "Rollback"},
                    {"checks",
                     {{{"name", "probes"}, {"probes", json::object()}},
                      {{"name", "resources"}, {"resources", {{"memory", {{"max", "1Gi"}}}}}},
                      {{"name", "security"}, {"security", json::object()}},
                      {{"name", "health"}, {"http", {{"url", app_->url("/health")}}}},
                      errorRateCheck()}}}));
  startOperator();

  ASSERT_TRUE(waitForGate(
      "web",
      [](const json& g) { return gatePhase(g) == "Passing" && checkIs(g, "error-rate", "Passed"); },
      20s, "passed every check"));
  // Several more rounds: it stays healthy and nothing is done to the Deployment, nor written to
  // the gate (lastEvaluationTime waits for the 5-minute heartbeat).
  ASSERT_TRUE(waitForRounds("web", 1, 10s));
  const size_t statusWrites = cluster().api().requestCount("update", "readinessgates");
  const std::string lastEvaluationTime = gate()["status"].value("lastEvaluationTime", "");
  ASSERT_TRUE(waitForRounds("web", 3, 10s));
  EXPECT_EQ(cluster().api().requestCount("update", "readinessgates"), statusWrites);
  const json g = gate();
  EXPECT_EQ(g["status"].value("lastEvaluationTime", ""), lastEvaluationTime);
  EXPECT_EQ(gatePhase(g), "Passing");
  EXPECT_EQ(gateCondition(g, "Ready").value("status", ""), "True");
  EXPECT_EQ(gateCondition(g, "Ready").value("message", ""), "5 of 5 checks passing");
  for (const char* check : {"probes", "resources", "security", "health", "error-rate"})
    EXPECT_TRUE(checkIs(g, check, "Passed")) << check << ": " << gateCheck(g, check).dump();
  EXPECT_EQ(gateCheck(g, "error-rate").value("value", ""), "0");
  EXPECT_EQ(g["status"].value("targetRevision", ""), "1");
  EXPECT_EQ(g["status"]["observedGeneration"], 1);
  EXPECT_FALSE(g["status"].contains("lastAction"));

  EXPECT_EQ(cluster().deploymentPatches(), 0u);
  EXPECT_EQ(cluster().api().requestCount("update", "deployments"), 0u);
  EXPECT_FALSE(deployment()["spec"].value("paused", false));
  EXPECT_TRUE(cluster().events("ReadinessGate", "web", "CheckFailed").empty());
  EXPECT_TRUE(cluster().events("Deployment", "web").empty());
  // The operator reads from its informer cache: after the initial lists, no GETs of the target.
  EXPECT_EQ(cluster().api().requestCount("get", "deployments"), 0u);
}

TEST_F(EvaluationTest, StaticFailureIsReportedWithTheCheckMessageAndNoAction) {
  json d = deploymentManifest("web", kGoodImage);
  d["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"].erase("memory");
  cluster().apply(d);
  cluster().apply(
      gateManifest("web", "web",
                   {{"interval", "1s"},
                    {"checks",
                     {{{"name", "probes"}, {"probes", json::object()}},
                      {{"name", "resources"}, {"resources", {{"requireLimits", true}}}}}}}));
  startOperator();

  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Failing"; }, 10s, "failed"));
  const json g = gate();
  const json resources = gateCheck(g, "resources");
  EXPECT_EQ(resources.value("result", ""), "Failed");
  EXPECT_THAT(resources.value("message", ""), ::testing::HasSubstr("memory limit"));
  EXPECT_THAT(resources.value("message", ""), ::testing::HasSubstr("app"));
  EXPECT_TRUE(checkIs(g, "probes", "Passed"));
  const json ready = gateCondition(g, "Ready");
  EXPECT_EQ(ready.value("status", ""), "False");
  EXPECT_EQ(ready.value("reason", ""), "ChecksFailing");
  EXPECT_EQ(ready.value("message", ""), "1 of 2 checks failing: resources");

  // The Event carries the check's message, on the gate and on the Deployment.
  ASSERT_TRUE(eventually(
      [&] { return !cluster().events("Deployment", "web", "CheckFailed").empty(); }, 5s));
  auto events = cluster().events("ReadinessGate", "web", "CheckFailed");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "Warning");
  EXPECT_THAT(events[0].value("message", ""), ::testing::HasSubstr("memory limit"));

  // onFailure defaults to Report: rounds go by, the Deployment is left alone.
  ASSERT_TRUE(waitForRounds("web", 2, 10s));
  EXPECT_EQ(gatePhase(gate()), "Failing");
  EXPECT_EQ(cluster().deploymentPatches(), 0u);
  EXPECT_FALSE(deployment()["spec"].value("paused", false));
  EXPECT_FALSE(gate()["status"].contains("lastAction"));
}

TEST_F(EvaluationTest, SecretCreatedLaterFlipsTheGateWithinASecond) {
  json d = deploymentManifest("web", kGoodImage);
  d["spec"]["template"]["spec"]["containers"][0]["env"] = {
      {{"name", "DATABASE_URL"},
       {"valueFrom", {{"secretKeyRef", {{"name", "web-db"}, {"key", "DATABASE_URL"}}}}}}};
  cluster().apply(d);
  // A long interval: only the Secret's watch event can make the gate pass in time.
  cluster().apply(gateManifest(
      "web", "web",
      {{"interval", "5m"},
       {"checks",
        {{{"name", "secrets"},
          {"secrets", {{"required", {{{"name", "web-db"}, {"keys", {"DATABASE_URL"}}}}}}}}}}}));
  startOperator();
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Failing"; }, 10s, "failed"));
  EXPECT_THAT(gateCheck(gate(), "secrets").value("message", ""),
              ::testing::HasSubstr("web-db not found"));

  const auto created = std::chrono::steady_clock::now();
  cluster().apply({{"apiVersion", "v1"},
                   {"kind", "Secret"},
                   {"metadata", {{"name", "web-db"}}},
                   {"data", {{"DATABASE_URL", "cG9zdGdyZXM6Ly9kYg=="}}}});
  const bool passed =
      eventually([&] { return gatePhase(gate()) == "Passing"; }, 5s, std::chrono::milliseconds(2));
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - created);
  ASSERT_TRUE(passed) << gate().dump(2);
  EXPECT_LT(elapsed, 1s) << "the gate passed " << elapsed.count() << " ms after the Secret";
  EXPECT_TRUE(checkIs(gate(), "secrets", "Passed"));
  EXPECT_EQ(gateCondition(gate(), "Ready").value("status", ""), "True");
  ASSERT_TRUE(eventually(
      [&] { return !cluster().events("ReadinessGate", "web", "CheckRecovered").empty(); }, 5s));
  // The Secret's value never leaves the cluster's Secret: not in status, not in Events.
  EXPECT_EQ(gate().dump().find("cG9zdGdyZXM6Ly9kYg=="), std::string::npos);
  for (const auto& e : cluster().api().list("v1", "Event", cluster().ns()))
    EXPECT_EQ(e.dump().find("cG9zdGdyZXM6Ly9kYg=="), std::string::npos);
  EXPECT_EQ(cluster().deploymentPatches(), 0u);
}

TEST_F(EvaluationTest, InvalidGateIsMarkedInvalidAndTheValidOneIsEvaluated) {
  cluster().apply(deploymentManifest("web", kGoodImage));
  cluster().apply(gateManifest(
      "broken", "web",
      {{"interval", "1s"},
       {"onFailure", "Pause"},
       {"checks",
        {{{"name", "probes"}, {"probes", json::object()}},
         {{"name", "two-bodies"}, {"probes", json::object()}, {"security", json::object()}}}}}));
  cluster().apply(gateManifest("web", "web",
                               {{"interval", "1s"},
                                {"checks",
                                 {{{"name", "probes"}, {"probes", json::object()}},
                                  {{"name", "security"}, {"security", json::object()}}}}}));
  startOperator();

  ASSERT_TRUE(waitForGate(
      "broken", [](const json& g) { return gatePhase(g) == "Invalid"; }, 10s, "became Invalid"));
  const json ready = gateCondition(gate("broken"), "Ready");
  EXPECT_EQ(ready.value("status", ""), "False");
  EXPECT_EQ(ready.value("reason", ""), "InvalidSpec");
  EXPECT_THAT(ready.value("message", ""), ::testing::HasSubstr("spec.checks[1]"));
  EXPECT_THAT(ready.value("message", ""), ::testing::HasSubstr("exactly one"));
  // Nothing of it was evaluated.
  EXPECT_TRUE(gate("broken")["status"].value("checks", json::array()).empty());

  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Passing"; }, 10s, "passed"));
  EXPECT_TRUE(checkIs(gate("web"), "probes", "Passed"));
  EXPECT_TRUE(checkIs(gate("web"), "security", "Passed"));
  ASSERT_TRUE(eventually(
      [&] { return !cluster().events("ReadinessGate", "broken", "InvalidSpec").empty(); }, 5s));
  EXPECT_THAT(cluster().events("ReadinessGate", "broken", "InvalidSpec")[0].value("message", ""),
              ::testing::HasSubstr("spec.checks[1]"));
  // The valid gate keeps being evaluated; the invalid one never acts (its onFailure is Pause).
  ASSERT_TRUE(waitForRounds("web", 2, 10s));
  EXPECT_EQ(gatePhase(gate("broken")), "Invalid");
  EXPECT_EQ(cluster().deploymentPatches(), 0u);
}

}  // namespace
}  // namespace rg::e2e
