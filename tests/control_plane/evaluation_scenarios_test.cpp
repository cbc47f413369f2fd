// Gates that only evaluate, on both back ends: healthy, statically failing, flipped by a
// Secret created later, invalid.
#include "tests/control_plane/scenario_fixture.hpp"

namespace rg::controlplane {
namespace {

class EvaluationScenario : public ScenarioTest {};

TEST_P(EvaluationScenario, HealthyGatePassesAndTakesNoAction) {
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
      30s, "passed every check"));
  ASSERT_TRUE(waitForRounds("web", 3, 10s));
  const json g = gate();
  EXPECT_EQ(gatePhase(g), "Passing");
  EXPECT_EQ(gateCondition(g, "Ready").value("status", ""), "True");
  EXPECT_EQ(gateCondition(g, "Ready").value("message", ""), "5 of 5 checks passing");
  for (const char* check : {"probes", "resources", "security", "health", "error-rate"})
    EXPECT_TRUE(checkIs(g, check, "Passed")) << check << ": " << gateCheck(g, check).dump();
  EXPECT_EQ(g["status"].value("targetRevision", ""), "1");
  EXPECT_EQ(g["status"]["observedGeneration"], 1);
  EXPECT_FALSE(g["status"].contains("lastAction"));

  EXPECT_EQ(cluster().operatorDeploymentPatches(), 0u);
  EXPECT_FALSE(deployment()["spec"].value("paused", false));
  EXPECT_TRUE(cluster().events("ReadinessGate", "web", "CheckFailed").empty());
  EXPECT_TRUE(cluster().events("Deployment", "web").empty());
}

TEST_P(EvaluationScenario, StaticFailureIsReportedWithTheCheckMessageAndNoAction) {
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
      "web", [](const json& g) { return gatePhase(g) == "Failing"; }, 20s, "failed"));
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

  ASSERT_TRUE(eventually(
      [&] { return !cluster().events("Deployment", "web", "CheckFailed").empty(); }, 10s));
  auto events = cluster().events("ReadinessGate", "web", "CheckFailed");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "Warning");
  EXPECT_THAT(events[0].value("message", ""), ::testing::HasSubstr("memory limit"));

  // onFailure defaults to Report: rounds go by, the Deployment is left alone.
  ASSERT_TRUE(waitForRounds("web", 2, 10s));
  EXPECT_EQ(gatePhase(gate()), "Failing");
  EXPECT_EQ(cluster().operatorDeploymentPatches(), 0u);
  EXPECT_FALSE(deployment()["spec"].value("paused", false));
  EXPECT_FALSE(gate()["status"].contains("lastAction"));
}

TEST_P(EvaluationScenario, SecretCreatedLaterFlipsTheGate) {
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
      "web", [](const json& g) { return gatePhase(g) == "Failing"; }, 20s, "failed"));
  EXPECT_THAT(gateCheck(gate(), "secrets").value("message", ""),
              ::testing::HasSubstr("web-db not found"));

  cluster().apply({{"apiVersion", "v1"},
                   {"kind", "Secret"},
                   {"metadata", {{"name", "web-db"}}},
                   {"data", {{"DATABASE_URL", "cG9zdGdyZXM6Ly9kYg=="}}}});
  // Far below the 5 m interval: the watch event, not a timer, re-evaluated it.
  ASSERT_TRUE(eventually([&] { return gatePhase(gate()) == "Passing"; }, 10s)) << gate().dump(2);
  EXPECT_TRUE(checkIs(gate(), "secrets", "Passed"));
  EXPECT_EQ(gateCondition(gate(), "Ready").value("status", ""), "True");
  ASSERT_TRUE(eventually(
      [&] { return !cluster().events("ReadinessGate", "web", "CheckRecovered").empty(); }, 10s));
  // The Secret's value never leaves the Secret: not in status, not in Events.
  EXPECT_EQ(gate().dump().find("cG9zdGdyZXM6Ly9kYg=="), std::string::npos);
  for (const auto& e : cluster().list("v1", "Event", cluster().ns()))
    EXPECT_EQ(e.dump().find("cG9zdGdyZXM6Ly9kYg=="), std::string::npos);
  EXPECT_EQ(cluster().operatorDeploymentPatches(), 0u);
}

TEST_P(EvaluationScenario, InvalidGateIsMarkedInvalidAndTheValidOneIsEvaluated) {
  cluster().apply(deploymentManifest("web", kGoodImage));
  // Accepted by both API servers: the rule that a check has exactly one body is a CEL rule,
  // which 1.20 does not know, so the operator's own validation must catch it.
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
      "broken", [](const json& g) { return gatePhase(g) == "Invalid"; }, 20s, "became Invalid"));
  const json ready = gateCondition(gate("broken"), "Ready");
  EXPECT_EQ(ready.value("status", ""), "False");
  EXPECT_EQ(ready.value("reason", ""), "InvalidSpec");
  EXPECT_THAT(ready.value("message", ""), ::testing::HasSubstr("spec.checks[1]"));
  EXPECT_THAT(ready.value("message", ""), ::testing::HasSubstr("exactly one"));
  EXPECT_TRUE(gate("broken")["status"].value("checks", json::array()).empty());

  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Passing"; }, 20s, "passed"));
  ASSERT_TRUE(eventually(
      [&] { return !cluster().events("ReadinessGate", "broken", "InvalidSpec").empty(); }, 10s));
  EXPECT_THAT(cluster().events("ReadinessGate", "broken", "InvalidSpec")[0].value("message", ""),
              ::testing::HasSubstr("spec.checks[1]"));
  ASSERT_TRUE(waitForRounds("web", 2, 10s));
  EXPECT_EQ(gatePhase(gate("broken")), "Invalid");
  EXPECT_EQ(cluster().operatorDeploymentPatches(), 0u);
}

RG_INSTANTIATE_SCENARIOS(EvaluationScenario);

}  // namespace
}  // namespace rg::controlplane
