// podReadinessGate: pods that list the gate's condition type get it True once their revision
// passed (every Critical check Passed while it was current) and False while it has not. A
// revision that passed keeps its pods True when a check fails later: the gate reports, it never
// takes serving pods out of their Service.
#include "tests/e2e/e2e_fixture.hpp"

namespace rg::e2e {
namespace {

constexpr const char* kConditionType = "gates.readiness.dev/web";

class PodReadinessTest : public E2eTest {
 protected:
  static json podConditionOf(const json& pod, const std::string& type) {
    for (const auto& c : pod.value("/status/conditions"_json_pointer, json::array()))
      if (c.value("type", "") == type) return c;
    return nullptr;
  }
  static std::string hashOf(const json& object) {
    return object.value("/metadata/labels/pod-template-hash"_json_pointer, std::string());
  }
  // "True"/"False" of `type` on every pod of the Deployment (of revision `hash` if given), ""
  // for a pod without it.
  std::vector<std::string> podConditions(const std::string& type, const std::string& hash = "") {
    std::vector<std::string> out;
    for (const auto& pod : cluster().pods()) {
      if (!hash.empty() && hashOf(pod) != hash) continue;
      const json c = podConditionOf(pod, type);
      out.push_back(c.is_null() ? "" : c.value("status", ""));
    }
    return out;
  }
  bool allPods(const std::string& type, const std::string& status, size_t count = 2,
               const std::string& hash = "") {
    auto all = podConditions(type, hash);
    return all.size() == count &&
           std::all_of(all.begin(), all.end(), [&](const auto& s) { return s == status; });
  }
  // At least one pod of revision `hash`, and every one has `type` at `status`.
  bool someAndAll(const std::string& type, const std::string& status, const std::string& hash) {
    auto all = podConditions(type, hash);
    return !all.empty() &&
           std::all_of(all.begin(), all.end(), [&](const auto& s) { return s == status; });
  }
  // The pod-template-hash of the Deployment's current revision.
  std::string currentHash() {
    const std::string revision = annotationOf(deployment(), "deployment.kubernetes.io/revision");
    for (const auto& rs : cluster().replicaSets())
      if (annotationOf(rs, "deployment.kubernetes.io/revision") == revision) return hashOf(rs);
    return "";
  }
  int readyReplicas() { return deployment()["status"].value("readyReplicas", 0); }
};

TEST_F(PodReadinessTest, PassedRevisionsServeAndKeepServingWhenAChecksFailsLater) {
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

  // Revision 1 passes: its pods get True and become Ready.
  startOperator();
  const std::string first = currentHash();
  ASSERT_FALSE(first.empty());
  ASSERT_TRUE(eventually([&] { return allPods(kConditionType, "True"); }, 10s))
      << ::testing::PrintToString(podConditions(kConditionType));
  ASSERT_TRUE(eventually([&] { return allPods("Ready", "True"); }, 5s));
  ASSERT_TRUE(eventually([&] { return readyReplicas() == 2; }, 5s));
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Passing"; }, 5s, "passed"));
  EXPECT_EQ(gate()["status"]["passedTemplateHashes"], json::array({first}));
  for (const auto& pod : cluster().pods()) {
    const json c = podConditionOf(pod, kConditionType);
    EXPECT_EQ(c.value("reason", ""), "RevisionPassed");
    EXPECT_THAT(c.value("message", ""), ::testing::HasSubstr(first));
  }

  // A check fails in steady state: the gate says so, the serving pods stay in.
  app_->setHealthy(false);
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Failing"; }, 10s, "failed"));
  ASSERT_TRUE(waitForRounds("web", 3, 10s));
  EXPECT_TRUE(allPods(kConditionType, "True"))
      << ::testing::PrintToString(podConditions(kConditionType));
  EXPECT_TRUE(allPods("Ready", "True"));
  EXPECT_EQ(readyReplicas(), 2);

  // Scaled up meanwhile, the passed revision's new pod serves too.
  cluster().api().mutate("apps/v1", "Deployment", cluster().ns(), "web",
                         [](json& d) { d["spec"]["replicas"] = 3; });
  ASSERT_TRUE(eventually([&] { return allPods(kConditionType, "True", 3); }, 10s))
      << ::testing::PrintToString(podConditions(kConditionType));
  ASSERT_TRUE(eventually([&] { return readyReplicas() == 3; }, 5s));

  // A new revision rolled out while health fails has not passed: its pods are held back.
  cluster().setImage("web", kSlowImage);
  ASSERT_TRUE(eventually([&] { return currentHash() != first && !currentHash().empty(); }, 5s));
  const std::string second = currentHash();
  // The rolling update surges one pod at a time and never scales the old revision down while the
  // new pods are not Ready: every new pod is held, every old pod keeps serving.
  ASSERT_TRUE(eventually([&] { return someAndAll(kConditionType, "False", second); }, 10s))
      << ::testing::PrintToString(podConditions(kConditionType, second));
  EXPECT_TRUE(someAndAll("Ready", "False", second));
  EXPECT_TRUE(allPods(kConditionType, "True", 3, first));
  EXPECT_TRUE(allPods("Ready", "True", 3, first));
  EXPECT_EQ(readyReplicas(), 3);
  for (const auto& pod : cluster().pods()) {
    if (hashOf(pod) != second) continue;
    const json c = podConditionOf(pod, kConditionType);
    EXPECT_EQ(c.value("reason", ""), "RevisionNotPassed");
    EXPECT_THAT(c.value("message", ""), ::testing::HasSubstr("revision " + second));
  }
  ASSERT_TRUE(waitForGate(
      "web",
      [&](const json& g) {
        return g["status"].value("targetRevision", "") == "2" && gatePhase(g) == "Failing";
      },
      5s, "failed on revision 2"));
  EXPECT_EQ(gate()["status"]["passedTemplateHashes"], json::array({first}));

  // Health comes back: revision 2 passes and its pods serve.
  app_->setHealthy(true);
  ASSERT_TRUE(eventually([&] { return allPods(kConditionType, "True", 3, second); }, 10s));
  ASSERT_TRUE(eventually([&] { return readyReplicas() == 3; }, 5s));
  ASSERT_TRUE(waitForGate(
      "web",
      [&](const json& g) {
        return g["status"].value("passedTemplateHashes", json()) == json::array({first, second});
      },
      5s, "recorded revision 2 as passed"));
  // Pod conditions go through pods/status; the Deployment itself is never touched.
  EXPECT_EQ(cluster().deploymentPatches(), 0u);
  // 2 first pods, 1 scaled up, the surge pod held then released, 2 more pods of revision 2.
  EXPECT_GE(cluster().api().requestCount("patch", "pods/status"), 7u);
}

}  // namespace
}  // namespace rg::e2e
