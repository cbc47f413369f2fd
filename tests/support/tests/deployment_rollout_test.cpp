// The simulated deployment controller's rollouts with pods that fail like real ones: rolling
// updates bounded by maxSurge/maxUnavailable, crash loops and image pull failures reported in
// container statuses, and the progress deadline.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/support/deployment_controller.hpp"
#include "tests/support/k8s_util.hpp"
#include "tests/support/tests/fixture.hpp"

namespace rg::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

template <class Condition>
bool eventually(Condition&& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class DeploymentRolloutTest : public ApiServerTest {
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

  json deployment() { return *server().get("apps/v1", "Deployment", "default", "web"); }
  json progressing() {
    const json d = deployment();
    for (const auto& c : d["status"]["conditions"])
      if (c["type"] == "Progressing") return c;
    return nullptr;
  }
  void setImage(const std::string& image) {
    server().mutate("apps/v1", "Deployment", "default", "web", [&](json& d) {
      d["spec"]["template"]["spec"]["containers"][0]["image"] = image;
    });
  }
  // Pods running `image`.
  std::vector<json> podsOf(const std::string& image) {
    std::vector<json> out;
    for (auto& pod : server().list("v1", "Pod", "default"))
      if (pod["spec"]["containers"][0]["image"] == image) out.push_back(std::move(pod));
    return out;
  }
  static bool ready(const json& pod) {
    for (const auto& c : pod["status"]["conditions"])
      if (c["type"] == "Ready") return c["status"] == "True";
    return false;
  }
  // A Deployment with `replicas`, maxSurge 1, maxUnavailable 0 and a short progress deadline.
  void createStrict(int deadlineSeconds = 600) {
    json d = makeDeployment("web");
    d["spec"]["strategy"] = {{"type", "RollingUpdate"},
                             {"rollingUpdate", {{"maxSurge", 1}, {"maxUnavailable", 0}}}};
    d["spec"]["progressDeadlineSeconds"] = deadlineSeconds;
    server().create(d);
    server().waitForHooks();
    ASSERT_EQ(podsOf("nginx:1.25").size(), 2u);
  }

  std::unique_ptr<DeploymentController> controller_;
};

TEST_F(DeploymentRolloutTest, HealthyRollingUpdateStaysWithinSurgeAndAvailability) {
  createStrict();
  // Every pod change, as the API server commits it: never more than replicas + maxSurge pods,
  // never fewer than replicas ready.
  std::atomic<int> maxPods{0}, minReady{100};
  const int hook = server().onChange([&](const StoreEvent& e) {
    if (e.storageKey != "/pods") return;
    auto pods = server().list("v1", "Pod", "default");
    int readyPods = 0;
    for (const auto& pod : pods) readyPods += ready(pod) ? 1 : 0;
    maxPods = std::max<int>(maxPods, static_cast<int>(pods.size()));
    minReady = std::min(minReady.load(), readyPods);
  });
  setImage("nginx:1.26");
  server().waitForHooks();
  server().removeHook(hook);
  EXPECT_EQ(podsOf("nginx:1.26").size(), 2u) << "healthy: complete once the hooks are done";
  EXPECT_TRUE(podsOf("nginx:1.25").empty());
  EXPECT_LE(maxPods.load(), 3);
  EXPECT_GE(minReady.load(), 2);
  EXPECT_EQ(progressing()["reason"], "NewReplicaSetAvailable");
  EXPECT_EQ(deployment()["status"]["updatedReplicas"], 2);
}

TEST_F(DeploymentRolloutTest, CrashLoopingRevisionKeepsEveryOldPodAndRaisesRestarts) {
  createStrict();
  controller_->podBehaviours().set("nginx:crash", PodBehaviour::CrashLoop);
  EXPECT_FALSE(controller_->firstWaiting("CrashLoopBackOff"));
  setImage("nginx:crash");
  ASSERT_TRUE(eventually(
      [&] {
        auto pods = podsOf("nginx:crash");
        return pods.size() == 1 &&
               pods[0]["status"]["containerStatuses"][0]["restartCount"].get<int>() >= 3;
      },
      10s))
      << ::testing::PrintToString(podsOf("nginx:crash"));
  ASSERT_TRUE(controller_->firstWaiting("CrashLoopBackOff"));
  EXPECT_LE(*controller_->firstWaiting("CrashLoopBackOff"), std::chrono::system_clock::now());
  const json bad = podsOf("nginx:crash")[0];
  EXPECT_EQ(bad["status"]["containerStatuses"][0]["lastState"]["terminated"]["reason"], "Error");
  EXPECT_FALSE(ready(bad));
  // maxUnavailable 0: no old pod goes while the new one is not available.
  auto old = podsOf("nginx:1.25");
  ASSERT_EQ(old.size(), 2u);
  for (const auto& pod : old) EXPECT_TRUE(ready(pod));
  json status = deployment()["status"];
  EXPECT_EQ(status["replicas"], 3);
  EXPECT_EQ(status["updatedReplicas"], 1);
  EXPECT_EQ(status["availableReplicas"], 2);
  EXPECT_EQ(status["unavailableReplicas"], 1);
  EXPECT_EQ(progressing()["status"], "True") << "within its 600 s deadline";
}

TEST_F(DeploymentRolloutTest, NoProgressPastTheDeadlineIsProgressDeadlineExceeded) {
  createStrict(2);
  controller_->podBehaviours().set("nginx:slow", PodBehaviour::NeverReady);
  setImage("nginx:slow");
  server().waitForHooks();
  EXPECT_EQ(progressing()["status"], "True");
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return progressing()["status"] == "False"; }, 10s))
      << deployment()["status"].dump(2);
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, 1s) << "lastUpdateTime has second precision: at least deadline - 1 s";
  const json c = progressing();
  EXPECT_EQ(c["reason"], "ProgressDeadlineExceeded");
  EXPECT_THAT(c["message"].get<std::string>(), ::testing::HasSubstr("has timed out progressing"));
  EXPECT_EQ(podsOf("nginx:1.25").size(), 2u);

  // Rolled back (the old template again): the old ReplicaSet is current, the stuck pod goes,
  // and the rollout is complete.
  setImage("nginx:1.25");
  server().waitForHooks();
  EXPECT_TRUE(podsOf("nginx:slow").empty());
  EXPECT_EQ(podsOf("nginx:1.25").size(), 2u);
  EXPECT_EQ(progressing()["reason"], "NewReplicaSetAvailable");
  EXPECT_EQ(progressing()["status"], "True");
}

TEST_F(DeploymentRolloutTest, ProgressMovesTheDeadline) {
  // Pods that take up to 3 s to start (from their startTime, a whole second): each one that
  // becomes ready is progress.
  controller_.reset();
  DeploymentControllerOptions options;
  options.podTimings.startDelay = 3s;
  controller_ = std::make_unique<DeploymentController>(server(), options);
  json d = makeDeployment("slow");
  d["spec"]["replicas"] = 3;
  d["spec"]["strategy"] = {{"type", "RollingUpdate"},
                           {"rollingUpdate", {{"maxSurge", 1}, {"maxUnavailable", 0}}}};
  d["spec"]["progressDeadlineSeconds"] = 5;
  server().create(d);
  auto reasonOf = [&] {
    for (const auto& c : server()
                             .get("apps/v1", "Deployment", "default", "slow")
                             ->value("/status/conditions"_json_pointer, json::array()))
      if (c["type"] == "Progressing") return c.value("reason", "");
    return std::string();
  };
  ASSERT_TRUE(eventually([&] { return reasonOf() == "NewReplicaSetAvailable"; }, 10s));
  server().mutate("apps/v1", "Deployment", "default", "slow", [](json& obj) {
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.26";
  });
  // One pod at a time, 2 to 3 s each: 6 s or more in all, longer than the 5 s deadline, but
  // every pod that becomes ready moves lastUpdateTime.
  std::atomic<bool> timedOut{false};
  const int hook = server().onChange([&](const StoreEvent& e) {
    if (e.storageKey == "apps/deployments" && e.object &&
        e.object->dump().find("ProgressDeadlineExceeded") != std::string::npos)
      timedOut = true;
  });
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually(
      [&] {
        size_t fresh = 0;
        for (const auto& pod : server().list("v1", "Pod", "default")) {
          if (pod["spec"]["containers"][0]["image"] != "nginx:1.26") return false;
          fresh += ready(pod) ? 1 : 0;
        }
        return fresh == 3 && reasonOf() == "NewReplicaSetAvailable";
      },
      20s));
  EXPECT_GT(std::chrono::steady_clock::now() - started, 5s)
      << "the rollout must outlast the deadline for this test to mean anything";
  server().removeHook(hook);
  EXPECT_FALSE(timedOut.load());
}

TEST_F(DeploymentRolloutTest, ImagePullFailureIsReportedAndKeepsThePodPending) {
  createStrict();
  controller_->podBehaviours().set("nginx:missing", PodBehaviour::ImagePullFailure);
  setImage("nginx:missing");
  ASSERT_TRUE(eventually(
      [&] {
        auto pods = podsOf("nginx:missing");
        return pods.size() == 1 &&
               pods[0].value("/status/containerStatuses/0/state/waiting/reason"_json_pointer,
                             std::string()) == "ImagePullBackOff";
      },
      5s));
  EXPECT_EQ(podsOf("nginx:missing")[0]["status"]["phase"], "Pending");
  // ErrImagePull shows for the first 500 ms only: on a loaded machine the first status written
  // may already be past it, so the recorder is checked on the back-off.
  EXPECT_TRUE(controller_->firstWaiting("ImagePullBackOff"));
  EXPECT_EQ(podsOf("nginx:1.25").size(), 2u);
}

TEST_F(DeploymentRolloutTest, RecreateReplacesEveryPodAtOnce) {
  json d = makeDeployment("web");
  d["spec"]["strategy"] = {{"type", "Recreate"}};
  server().create(d);
  server().waitForHooks();
  controller_->podBehaviours().set("nginx:crash", PodBehaviour::CrashLoop);
  setImage("nginx:crash");
  server().waitForHooks();
  EXPECT_TRUE(podsOf("nginx:1.25").empty());
  EXPECT_EQ(podsOf("nginx:crash").size(), 2u);
}

TEST_F(DeploymentRolloutTest, ABehaviourChangeAppliesToRunningPods) {
  createStrict();
  controller_->podBehaviours().set("nginx:1.25", PodBehaviour::CrashLoop);
  // Running pods are not re-examined until something happens to their Deployment.
  server().mutate("apps/v1", "Deployment", "default", "web",
                  [](json& obj) { obj["metadata"]["labels"]["touched"] = "yes"; });
  ASSERT_TRUE(eventually(
      [&] {
        for (const auto& pod : podsOf("nginx:1.25"))
          if (pod["status"]["containerStatuses"][0]["restartCount"].get<int>() < 1) return false;
        return true;
      },
      5s));
  EXPECT_EQ(deployment()["status"].value("availableReplicas", 0), 0);
}

}  // namespace
}  // namespace rg::testing
