// The simulated deployment controller: ReplicaSets, revisions, rollbacks, pause, pods and status,
// driven through the API server as the operator and kubectl drive it.
#include "tests/support/deployment_controller.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/tests/fixture.hpp"

namespace rg::testing {
namespace {

using nlohmann::json;

class DeploymentControllerTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    controller_ = std::make_unique<DeploymentController>(server());
  }
  void TearDown() override {
    EXPECT_EQ(controller_->lastError(), "");
    controller_.reset();
    ApiServerTest::TearDown();
  }

  json deployment(const std::string& name = "web") {
    server().waitForHooks();
    return *server().get("apps/v1", "Deployment", "default", name);
  }
  std::vector<json> replicaSets() {
    server().waitForHooks();
    auto all = server().list("apps/v1", "ReplicaSet", "default");
    std::sort(all.begin(), all.end(), [](const json& a, const json& b) {
      return a["metadata"]["annotations"]["deployment.kubernetes.io/revision"].get<std::string>() <
             b["metadata"]["annotations"]["deployment.kubernetes.io/revision"].get<std::string>();
    });
    return all;
  }
  std::vector<json> pods() {
    server().waitForHooks();
    return server().list("v1", "Pod", "default");
  }
  void setImage(const std::string& image) {
    server().mutate("apps/v1", "Deployment", "default", "web", [&](json& d) {
      d["spec"]["template"]["spec"]["containers"][0]["image"] = image;
    });
  }
  static std::string revision(const json& object) {
    return object["metadata"]["annotations"].value("deployment.kubernetes.io/revision", "");
  }

  std::unique_ptr<DeploymentController> controller_;
};

TEST_F(DeploymentControllerTest, NewDeploymentGetsReplicaSetPodsAndStatus) {
  json d = makeDeployment("web");
  d["metadata"]["annotations"] = {{"team", "shop"},
                                  {"kubectl.kubernetes.io/last-applied-configuration", "{}"}};
  ASSERT_EQ(client().post(kDeployments, d).code, 201);

  auto rs = replicaSets();
  ASSERT_EQ(rs.size(), 1u);
  const std::string hash = DeploymentController::templateHash(d["spec"]["template"]);
  EXPECT_EQ(rs[0]["metadata"]["name"], "web-" + hash);
  EXPECT_EQ(rs[0]["metadata"]["labels"]["pod-template-hash"], hash);
  EXPECT_EQ(rs[0]["spec"]["selector"]["matchLabels"]["pod-template-hash"], hash);
  EXPECT_EQ(rs[0]["spec"]["template"]["metadata"]["labels"]["pod-template-hash"], hash);
  EXPECT_EQ(rs[0]["spec"]["replicas"], 2);
  const json& owner = rs[0]["metadata"]["ownerReferences"][0];
  EXPECT_EQ(owner["kind"], "Deployment");
  EXPECT_EQ(owner["uid"], deployment()["metadata"]["uid"]);
  EXPECT_EQ(owner["controller"], true);
  const json& annotations = rs[0]["metadata"]["annotations"];
  EXPECT_EQ(annotations["deployment.kubernetes.io/revision"], "1");
  EXPECT_EQ(annotations["deployment.kubernetes.io/desired-replicas"], "2");
  EXPECT_EQ(annotations["deployment.kubernetes.io/max-replicas"], "3");  // 2 + 25% rounded up
  EXPECT_EQ(annotations["team"], "shop");
  EXPECT_FALSE(annotations.contains("kubectl.kubernetes.io/last-applied-configuration"));

  auto all = pods();
  ASSERT_EQ(all.size(), 2u);
  for (const auto& pod : all) {
    EXPECT_THAT(pod["metadata"]["name"].get<std::string>(), ::testing::StartsWith("web-" + hash));
    EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["name"], "web-" + hash);
    EXPECT_EQ(pod["metadata"]["labels"]["pod-template-hash"], hash);
    EXPECT_EQ(pod["spec"]["containers"][0]["image"], "nginx:1.25");
    EXPECT_EQ(pod["status"]["phase"], "Running");
  }

  json status = deployment()["status"];
  EXPECT_EQ(revision(deployment()), "1");
  EXPECT_EQ(status["observedGeneration"], 1);
  EXPECT_EQ(status["replicas"], 2);
  EXPECT_EQ(status["updatedReplicas"], 2);
  EXPECT_EQ(status["readyReplicas"], 2);
  EXPECT_EQ(status["availableReplicas"], 2);
  EXPECT_FALSE(status.contains("unavailableReplicas"));
  ASSERT_EQ(status["conditions"].size(), 2u);
  EXPECT_EQ(status["conditions"][0]["type"], "Available");
  EXPECT_EQ(status["conditions"][0]["status"], "True");
  EXPECT_EQ(status["conditions"][1]["reason"], "NewReplicaSetAvailable");
  EXPECT_EQ(replicaSets()[0]["status"]["readyReplicas"], 2);
}

TEST_F(DeploymentControllerTest, TemplateChangeRollsOutNextRevision) {
  server().create(makeDeployment("web"));
  const std::string first = replicaSets()[0]["metadata"]["name"];
  setImage("nginx:1.26");

  auto rs = replicaSets();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0]["metadata"]["name"], first);
  EXPECT_EQ(rs[0]["spec"]["replicas"], 0);
  EXPECT_EQ(revision(rs[1]), "2");
  EXPECT_EQ(rs[1]["spec"]["replicas"], 2);
  EXPECT_EQ(rs[1]["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.26");
  EXPECT_EQ(revision(deployment()), "2");
  auto all = pods();
  ASSERT_EQ(all.size(), 2u);
  for (const auto& pod : all)
    EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["name"], rs[1]["metadata"]["name"]);
  EXPECT_EQ(deployment()["status"]["observedGeneration"], 2);
  EXPECT_EQ(deployment()["status"]["updatedReplicas"], 2);
}

TEST_F(DeploymentControllerTest, RollbackReusesOldReplicaSetAtNextRevision) {
  server().create(makeDeployment("web"));
  const json firstTemplate = deployment()["spec"]["template"];
  setImage("nginx:bad");
  auto before = replicaSets();
  ASSERT_EQ(before.size(), 2u);

  // What kubectl rollout undo sends: the old template (no hash label) and annotations.
  json old = before[0]["spec"]["template"];
  old["metadata"]["labels"].erase("pod-template-hash");
  json patch = json::array({{{"op", "replace"}, {"path", "/spec/template"}, {"value", old}},
                            {{"op", "replace"},
                             {"path", "/metadata/annotations"},
                             {"value", {{"deployment.kubernetes.io/revision", "2"}}}}});
  ASSERT_EQ(
      client()
          .patch(std::string(kDeployments) + "/web", "application/json-patch+json", patch.dump())
          .code,
      200);

  auto after = replicaSets();
  ASSERT_EQ(after.size(), 2u) << "no new ReplicaSet for a template seen before";
  EXPECT_EQ(after[1]["metadata"]["name"], before[0]["metadata"]["name"]);
  EXPECT_EQ(revision(after[1]), "3");
  EXPECT_EQ(after[1]["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"], "1");
  EXPECT_EQ(after[1]["spec"]["replicas"], 2);
  EXPECT_EQ(after[0]["spec"]["replicas"], 0);
  EXPECT_EQ(revision(deployment()), "3");
  EXPECT_EQ(deployment()["spec"]["template"], firstTemplate);
  for (const auto& pod : pods()) EXPECT_EQ(pod["spec"]["containers"][0]["image"], "nginx:1.25");
}

// Kubernetes compares templates by semantic equality of the stored objects, where an empty
// affinity (a non-nil pointer) differs from none: the controller rolls out a new ReplicaSet.
TEST_F(DeploymentControllerTest, AnEmptyAffinityIsATemplateChange) {
  server().create(makeDeployment("web"));
  const std::string first = replicaSets()[0]["metadata"]["name"];
  server().mutate("apps/v1", "Deployment", "default", "web",
                  [](json& d) { d["spec"]["template"]["spec"]["affinity"] = json::object(); });

  auto rs = replicaSets();
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0]["metadata"]["name"], first);
  EXPECT_NE(rs[1]["metadata"]["name"], first);
  EXPECT_EQ(rs[1]["spec"]["template"]["spec"]["affinity"], json::object());
  EXPECT_EQ(revision(deployment()), "2");
}

// Removing the hash label can leave an empty labels map, which Go's semantic equality holds equal
// to none: a template without labels still matches its ReplicaSet on the next sync.
TEST_F(DeploymentControllerTest, ATemplateWithoutLabelsKeepsItsReplicaSet) {
  json d = makeDeployment("web");
  d["spec"]["template"]["metadata"].erase("labels");
  server().create(d);
  ASSERT_EQ(replicaSets().size(), 1u);
  server().mutate("apps/v1", "Deployment", "default", "web",
                  [](json& d) { d["spec"]["replicas"] = 3; });

  auto rs = replicaSets();
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0]["spec"]["replicas"], 3);
  EXPECT_EQ(revision(deployment()), "1");
}

TEST_F(DeploymentControllerTest, PausedDeploymentGetsNoNewReplicaSetUntilResumed) {
  server().create(makeDeployment("web"));
  // The first revision rolls out before the pause (hooks run asynchronously).
  ASSERT_EQ(replicaSets().size(), 1u);
  server().mutate("apps/v1", "Deployment", "default", "web",
                  [](json& d) { d["spec"]["paused"] = true; });
  setImage("nginx:1.26");

  EXPECT_EQ(replicaSets().size(), 1u);
  EXPECT_EQ(revision(deployment()), "1");
  json status = deployment()["status"];
  EXPECT_EQ(status["observedGeneration"], deployment()["metadata"]["generation"]);
  EXPECT_EQ(status["conditions"][1]["reason"], "DeploymentPaused");
  for (const auto& pod : pods()) EXPECT_EQ(pod["spec"]["containers"][0]["image"], "nginx:1.25");

  server().mutate("apps/v1", "Deployment", "default", "web",
                  [](json& d) { d["spec"]["paused"] = false; });
  EXPECT_EQ(replicaSets().size(), 2u);
  EXPECT_EQ(revision(deployment()), "2");
  for (const auto& pod : pods()) EXPECT_EQ(pod["spec"]["containers"][0]["image"], "nginx:1.26");
}

TEST_F(DeploymentControllerTest, PodsWithReadinessGatesAreReadyOnlyWhenTheConditionIsTrue) {
  json d = makeDeployment("web");
  d["spec"]["template"]["spec"]["readinessGates"] = {{{"conditionType", "example.dev/gate"}}};
  server().create(d);
  auto all = pods();
  ASSERT_EQ(all.size(), 2u);
  for (const auto& pod : all) {
    const json& conditions = pod["status"]["conditions"];
    auto ready = std::find_if(conditions.begin(), conditions.end(),
                              [](const json& c) { return c["type"] == "Ready"; });
    ASSERT_NE(ready, conditions.end());
    EXPECT_EQ((*ready)["status"], "False");
    EXPECT_EQ((*ready)["reason"], "ReadinessGatesNotReady");
  }
  EXPECT_FALSE(deployment()["status"].contains("readyReplicas"));
  EXPECT_EQ(deployment()["status"]["unavailableReplicas"], 2);

  // As the operator does: a strategic merge patch on pods/status.
  const std::string name = all[0]["metadata"]["name"];
  json patch = {{"status",
                 {{"conditions",
                   {{{"type", "example.dev/gate"},
                     {"status", "True"},
                     {"lastTransitionTime", "2026-01-01T00:00:00Z"}}}}}}};
  ASSERT_EQ(client()
                .patch("/api/v1/namespaces/default/pods/" + name + "/status",
                       "application/strategic-merge-patch+json", patch.dump())
                .code,
            200);
  server().waitForHooks();
  auto pod = *server().get("v1", "Pod", "default", name);
  bool readyTrue = false;
  for (const auto& c : pod["status"]["conditions"])
    if (c["type"] == "Ready") readyTrue = c["status"] == "True";
  EXPECT_TRUE(readyTrue);
  EXPECT_EQ(deployment()["status"]["readyReplicas"], 1);
  EXPECT_EQ(replicaSets()[0]["status"]["readyReplicas"], 1);
  // maxUnavailable 25% of 2 rounds down to 0: one ready pod of two is not minimum availability.
  EXPECT_EQ(deployment()["status"]["conditions"][0]["status"], "False");
}

TEST_F(DeploymentControllerTest, ScalingCreatesAndDeletesPods) {
  server().create(makeDeployment("web"));
  server().mutate("apps/v1", "Deployment", "default", "web",
                  [](json& d) { d["spec"]["replicas"] = 4; });
  EXPECT_EQ(pods().size(), 4u);
  EXPECT_EQ(deployment()["status"]["availableReplicas"], 4);
  server().mutate("apps/v1", "Deployment", "default", "web",
                  [](json& d) { d["spec"]["replicas"] = 1; });
  EXPECT_EQ(pods().size(), 1u);
  EXPECT_EQ(replicaSets()[0]["status"]["replicas"], 1);
  EXPECT_EQ(
      replicaSets()[0]["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"],
      "1");
}

TEST_F(DeploymentControllerTest, TemplateHashIsStableAndIgnoresTheHashLabel) {
  json t = makeDeployment("web")["spec"]["template"];
  const std::string hash = DeploymentController::templateHash(t);
  EXPECT_EQ(hash, DeploymentController::templateHash(json::parse(t.dump())));
  json labelled = t;
  labelled["metadata"]["labels"]["pod-template-hash"] = hash;
  EXPECT_EQ(DeploymentController::templateHash(labelled), hash);
  json other = t;
  other["spec"]["containers"][0]["image"] = "nginx:1.26";
  EXPECT_NE(DeploymentController::templateHash(other), hash);
  EXPECT_THAT(hash, ::testing::MatchesRegex("[bcdfghjklmnpqrstvwxz2456789]+"));
}

TEST_F(DeploymentControllerTest, DeletingTheDeploymentRemovesItsReplicaSetsAndPods) {
  server().create(makeDeployment("web"));
  ASSERT_EQ(pods().size(), 2u);
  ASSERT_EQ(client().del(std::string(kDeployments) + "/web").code, 200);
  EXPECT_TRUE(replicaSets().empty());
  EXPECT_TRUE(pods().empty());
}

}  // namespace
}  // namespace rg::testing
