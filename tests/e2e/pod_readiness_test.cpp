// podReadinessGate: pods that list the gate's condition type get it True while every Critical
// check passes and False when one fails; the pods' readiness (and the Deployment's) follows.
#include "tests/e2e/e2e_fixture.hpp"

namespace rg::e2e {
namespace {

constexpr const char* kConditionType = "gates.readiness.dev/web";

class PodReadinessTest : public E2eTest {
 protected:
  // "True"/"False" of `type` on every pod of the Deployment, "" for a pod without it.
  std::vector<std::string> podConditions(const std::string& type) {
    std::vector<std::string> out;
    for (const auto& pod : cluster().pods()) {
      std::string status;
      for (const auto& c : pod.value("/status/conditions"_json_pointer, json::array()))
        if (c.value("type", "") == type) status = c.value("status", "");
      out.push_back(status);
    }
    return out;
  }
  bool allPods(const std::string& type, const std::string& status) {
    auto all = podConditions(type);
    return all.size() == 2 &&
           std::all_of(all.begin(), all.end(), [&](const auto& s) { return s == status; });
  }
};

TEST_F(PodReadinessTest, GateConditionFollowsTheCriticalChecks) {
  json manifest = deploymentManifest("web", kGoodImage);
  manifest["spec"]["template"]["spec"]["readinessGates"] = {{{"conditionType", kConditionType}}};
  cluster().apply(manifest);
  startApp();
  cluster().apply(
      gateManifest("web", "web",
                   {{"interval", "1s"},
                    {"podReadinessGate", true},
                    {"checks",
                     {{{"name", "probes"}, {"probes", json::object()}},
                      {{"name", "health"}, {"http", {{"url", app_->url("/health")}}}}}}}));
  cluster().api().waitForHooks();
  // Before the operator runs, the pods wait for the gate's condition.
  EXPECT_TRUE(allPods("Ready", "False"));
  EXPECT_FALSE(deployment()["status"].contains("readyReplicas"));

  startOperator();
  ASSERT_TRUE(eventually([&] { return allPods(kConditionType, "True"); }, 10s))
      << ::testing::PrintToString(podConditions(kConditionType));
  ASSERT_TRUE(eventually([&] { return allPods("Ready", "True"); }, 5s));
  ASSERT_TRUE(
      eventually([&] { return deployment()["status"].value("readyReplicas", 0) == 2; }, 5s));
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Passing"; }, 5s, "passed"));

  app_->setHealthy(false);
  ASSERT_TRUE(eventually([&] { return allPods(kConditionType, "False"); }, 10s)) << gate().dump(2);
  ASSERT_TRUE(eventually([&] { return allPods("Ready", "False"); }, 5s));
  ASSERT_TRUE(eventually([&] { return !deployment()["status"].contains("readyReplicas"); }, 5s));
  // Pod conditions are written before the gate's status: wait for it too.
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Failing"; }, 5s, "failed"));
  for (const auto& pod : cluster().pods())
    for (const auto& c : pod["status"]["conditions"])
      if (c["type"] == kConditionType) {
        EXPECT_EQ(c.value("reason", ""), "ChecksFailing");
        EXPECT_THAT(c.value("message", ""), ::testing::HasSubstr("health"));
      }

  app_->setHealthy(true);
  ASSERT_TRUE(eventually([&] { return allPods(kConditionType, "True"); }, 10s));
  ASSERT_TRUE(eventually([&] { return allPods("Ready", "True"); }, 5s));
  // Pod conditions go through pods/status; the Deployment itself is never touched.
  EXPECT_EQ(cluster().deploymentPatches(), 0u);
  EXPECT_GE(cluster().api().requestCount("patch", "pods/status"), 6u);
}

}  // namespace
}  // namespace rg::e2e
