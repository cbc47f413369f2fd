// The kubelet's view of a pod in tests: container states, restarts and pod conditions over time,
// per image behaviour.
#include "tests/support/pod_lifecycle.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/k8s_util.hpp"

namespace rg::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

constexpr const char* kStart = "2026-01-01T00:00:00Z";

json podWithImages(std::vector<std::string> images) {
  json containers = json::array();
  for (size_t i = 0; i < images.size(); ++i)
    containers.push_back({{"name", "c" + std::to_string(i)}, {"image", images[i]}});
  return {{"metadata", {{"name", "web-abc-x1"}, {"namespace", "shop"}}},
          {"spec", {{"containers", containers}}},
          {"status", {{"startTime", kStart}}}};
}

class PodLifecycleTest : public ::testing::Test {
 protected:
  Clock::time_point at(std::chrono::milliseconds offset) const {
    return *parseRfc3339(kStart) + offset;
  }
  KubeletStatus statusAt(const json& pod, std::chrono::milliseconds offset) const {
    return kubeletPodStatus(pod, behaviours_, timings_, at(offset));
  }
  static json condition(const json& status, const std::string& type) {
    for (const auto& c : status["conditions"])
      if (c["type"] == type) return c;
    return nullptr;
  }
  static std::string waitingReason(const json& status, size_t i = 0) {
    return status["containerStatuses"][i]["state"].value("/waiting/reason"_json_pointer,
                                                         std::string());
  }

  PodBehaviours behaviours_;
  PodTimings timings_;  // 500 ms runs and back-offs
};

TEST_F(PodLifecycleTest, RegistryDefaultsToHealthy) {
  EXPECT_EQ(behaviours_.behaviour("shop/web:1"), PodBehaviour::Healthy);
  behaviours_.set("shop/web:2", PodBehaviour::CrashLoop);
  EXPECT_EQ(behaviours_.behaviour("shop/web:2"), PodBehaviour::CrashLoop);
  EXPECT_EQ(behaviours_.behaviour("shop/web:1"), PodBehaviour::Healthy);
  behaviours_.clear();
  EXPECT_EQ(behaviours_.behaviour("shop/web:2"), PodBehaviour::Healthy);
  EXPECT_STREQ(toString(PodBehaviour::ImagePullFailure), "ImagePullFailure");
}

TEST_F(PodLifecycleTest, HealthyPodRunsReadyAndSettles) {
  json pod = podWithImages({"shop/web:1"});
  pod["status"].erase("startTime");
  const auto now = at(1500ms);
  auto s = kubeletPodStatus(pod, behaviours_, timings_, now);
  EXPECT_EQ(s.status["phase"], "Running");
  EXPECT_EQ(s.status["startTime"], formatRfc3339(now)) << "startTime is set when absent";
  EXPECT_EQ(s.status["podIP"], "127.0.0.1");
  EXPECT_EQ(s.status["hostIP"], "127.0.0.1");
  const json& c = s.status["containerStatuses"][0];
  EXPECT_EQ(c["name"], "c0");
  EXPECT_EQ(c["image"], "shop/web:1");
  EXPECT_EQ(c["ready"], true);
  EXPECT_EQ(c["started"], true);
  EXPECT_EQ(c["restartCount"], 0);
  EXPECT_TRUE(c["state"].contains("running"));
  for (const char* type : {"PodScheduled", "Initialized", "ContainersReady", "Ready"})
    EXPECT_EQ(condition(s.status, type)["status"], "True") << type;
  EXPECT_FALSE(s.nextChange);
}

TEST_F(PodLifecycleTest, CrashLoopRaisesRestartsWithBackOffBetweenCrashes) {
  behaviours_.set("shop/web:2", PodBehaviour::CrashLoop);
  const json pod = podWithImages({"shop/web:2"});

  auto first = statusAt(pod, 200ms).status;
  EXPECT_TRUE(first["containerStatuses"][0]["state"].contains("running"));
  EXPECT_EQ(first["containerStatuses"][0]["restartCount"], 0);
  EXPECT_EQ(first["containerStatuses"][0]["ready"], false);
  EXPECT_EQ(condition(first, "ContainersReady")["status"], "False");
  EXPECT_EQ(condition(first, "Ready")["reason"], "ContainersNotReady");
  EXPECT_EQ(condition(first, "Ready")["message"], "containers with unready status: [c0]");

  auto backOff = statusAt(pod, 700ms);
  EXPECT_EQ(waitingReason(backOff.status), "CrashLoopBackOff");
  EXPECT_EQ(backOff.status["phase"], "Running") << "restartPolicy Always keeps it Running";
  const json& c = backOff.status["containerStatuses"][0];
  EXPECT_EQ(c["restartCount"], 1);
  EXPECT_EQ(c["started"], false);
  EXPECT_EQ(c["lastState"]["terminated"]["reason"], "Error");
  EXPECT_EQ(c["lastState"]["terminated"]["exitCode"], 1);
  ASSERT_TRUE(backOff.nextChange);
  EXPECT_EQ(*backOff.nextChange, at(1000ms)) << "the next start ends the back-off";

  auto rerun = statusAt(pod, 1200ms).status;
  EXPECT_TRUE(rerun["containerStatuses"][0]["state"].contains("running"));
  EXPECT_EQ(rerun["containerStatuses"][0]["restartCount"], 1);
  EXPECT_EQ(rerun["containerStatuses"][0]["lastState"]["terminated"]["reason"], "Error");

  // The count keeps rising: never lower than before, CrashLoopBackOff between crashes.
  int64_t last = 0;
  for (auto t = 0ms; t < 10s; t += 100ms) {
    auto s = statusAt(pod, t);
    const int64_t restarts = s.status["containerStatuses"][0]["restartCount"];
    EXPECT_GE(restarts, last) << t.count();
    last = restarts;
    EXPECT_TRUE(s.nextChange) << "a crash loop never settles";
  }
  EXPECT_EQ(last, 10);
  EXPECT_EQ(waitingReason(statusAt(pod, 2700ms).status), "CrashLoopBackOff");
  EXPECT_EQ(statusAt(pod, 2700ms).status["containerStatuses"][0]["restartCount"], 3);
}

TEST_F(PodLifecycleTest, OomKilledContainerRestartsWithOomKilledLastState) {
  behaviours_.set("shop/web:oom", PodBehaviour::OOMKilled);
  const json pod = podWithImages({"shop/web:oom"});
  auto s = statusAt(pod, 1700ms).status;
  const json& c = s["containerStatuses"][0];
  EXPECT_EQ(c["restartCount"], 2);
  EXPECT_EQ(c["lastState"]["terminated"]["reason"], "OOMKilled");
  EXPECT_EQ(c["lastState"]["terminated"]["exitCode"], 137);
}

TEST_F(PodLifecycleTest, ImagePullFailureNeverStarts) {
  behaviours_.set("shop/web:missing", PodBehaviour::ImagePullFailure);
  const json pod = podWithImages({"shop/web:missing"});
  auto early = statusAt(pod, 100ms);
  EXPECT_EQ(waitingReason(early.status), "ErrImagePull");
  EXPECT_EQ(early.status["phase"], "Pending");
  EXPECT_TRUE(early.nextChange);
  auto later = statusAt(pod, 5s);
  EXPECT_EQ(waitingReason(later.status), "ImagePullBackOff");
  EXPECT_THAT(
      later.status["containerStatuses"][0]["state"]["waiting"]["message"].get<std::string>(),
      ::testing::HasSubstr("shop/web:missing"));
  EXPECT_EQ(later.status["phase"], "Pending");
  EXPECT_EQ(later.status["containerStatuses"][0]["restartCount"], 0);
  EXPECT_EQ(later.status["containerStatuses"][0]["lastState"], json::object());
  EXPECT_EQ(condition(later.status, "Ready")["status"], "False");
  EXPECT_FALSE(later.nextChange);
}

TEST_F(PodLifecycleTest, CreateConfigErrorIsPendingAndWaiting) {
  behaviours_.set("shop/web:cfg", PodBehaviour::CreateConfigError);
  auto s = statusAt(podWithImages({"shop/web:cfg"}), 3s);
  EXPECT_EQ(waitingReason(s.status), "CreateContainerConfigError");
  EXPECT_EQ(s.status["phase"], "Pending");
  EXPECT_EQ(s.status["containerStatuses"][0]["started"], false);
  EXPECT_FALSE(s.nextChange);
}

TEST_F(PodLifecycleTest, NeverReadyRunsWithoutBecomingReady) {
  behaviours_.set("shop/web:slow", PodBehaviour::NeverReady);
  auto s = statusAt(podWithImages({"shop/web:slow"}), 60s);
  EXPECT_EQ(s.status["phase"], "Running");
  EXPECT_TRUE(s.status["containerStatuses"][0]["state"].contains("running"));
  EXPECT_EQ(s.status["containerStatuses"][0]["ready"], false);
  EXPECT_EQ(s.status["containerStatuses"][0]["restartCount"], 0);
  EXPECT_EQ(condition(s.status, "ContainersReady")["status"], "False");
  EXPECT_EQ(condition(s.status, "Ready")["status"], "False");
  EXPECT_FALSE(s.nextChange);
}

TEST_F(PodLifecycleTest, RestartOnceRestartsOnceThenIsHealthy) {
  behaviours_.set("shop/web:flaky", PodBehaviour::RestartOnce);
  const json pod = podWithImages({"shop/web:flaky"});
  EXPECT_EQ(waitingReason(statusAt(pod, 700ms).status), "CrashLoopBackOff");
  EXPECT_EQ(statusAt(pod, 700ms).status["containerStatuses"][0]["restartCount"], 1);
  for (auto t : {1100ms, 5000ms, 60000ms}) {
    auto s = statusAt(pod, t);
    const json& c = s.status["containerStatuses"][0];
    EXPECT_EQ(c["restartCount"], 1) << t.count();
    EXPECT_EQ(c["ready"], true);
    EXPECT_TRUE(c["state"].contains("running"));
    EXPECT_EQ(c["lastState"]["terminated"]["reason"], "Error");
    EXPECT_EQ(condition(s.status, "Ready")["status"], "True");
    EXPECT_FALSE(s.nextChange);
  }
}

TEST_F(PodLifecycleTest, StartDelayShowsContainerCreating) {
  timings_.startDelay = 2s;
  auto s = statusAt(podWithImages({"shop/web:1"}), 1s);
  EXPECT_EQ(waitingReason(s.status), "ContainerCreating");
  EXPECT_EQ(s.status["phase"], "Pending");
  ASSERT_TRUE(s.nextChange);
  EXPECT_EQ(*s.nextChange, at(2s));
  EXPECT_EQ(statusAt(podWithImages({"shop/web:1"}), 2s).status["phase"], "Running");
}

TEST_F(PodLifecycleTest, ReadyNeedsEveryReadinessGateAndKeepsTheirConditions) {
  json pod = podWithImages({"shop/web:1"});
  pod["spec"]["readinessGates"] = {{{"conditionType", "gates.readiness.dev/web"}}};
  auto s = statusAt(pod, 1s).status;
  EXPECT_EQ(condition(s, "ContainersReady")["status"], "True");
  EXPECT_EQ(condition(s, "Ready")["status"], "False");
  EXPECT_EQ(condition(s, "Ready")["reason"], "ReadinessGatesNotReady");

  // The gate's condition, as an operator patches it, is kept and makes the pod Ready.
  pod["status"] = s;
  pod["status"]["conditions"].push_back({{"type", "gates.readiness.dev/web"},
                                         {"status", "True"},
                                         {"reason", "ChecksPassing"},
                                         {"lastTransitionTime", kStart}});
  auto ready = statusAt(pod, 2s).status;
  EXPECT_EQ(condition(ready, "Ready")["status"], "True");
  EXPECT_EQ(condition(ready, "gates.readiness.dev/web")["reason"], "ChecksPassing");
  EXPECT_EQ(ready["conditions"].size(), 5u);
}

TEST_F(PodLifecycleTest, SameMomentGivesSameStatusAndTransitionsKeepTheirTime) {
  behaviours_.set("shop/web:2", PodBehaviour::CrashLoop);
  json pod = podWithImages({"shop/web:2"});
  pod["status"] = statusAt(pod, 100ms).status;
  // Nothing changed between two calls: the same status (no write needed).
  EXPECT_EQ(statusAt(pod, 100ms).status, pod["status"]);
  const std::string readySince = condition(pod["status"], "PodScheduled")["lastTransitionTime"];
  // Later moments keep each unchanged condition's lastTransitionTime.
  auto later = statusAt(pod, 3100ms).status;
  EXPECT_EQ(condition(later, "PodScheduled")["lastTransitionTime"], readySince);
  EXPECT_EQ(condition(later, "ContainersReady")["lastTransitionTime"],
            condition(pod["status"], "ContainersReady")["lastTransitionTime"]);
}

TEST_F(PodLifecycleTest, OneFailingContainerMakesThePodUnready) {
  behaviours_.set("shop/sidecar:bad", PodBehaviour::CrashLoop);
  auto s = statusAt(podWithImages({"shop/web:1", "shop/sidecar:bad"}), 800ms).status;
  EXPECT_EQ(s["containerStatuses"][0]["ready"], true);
  EXPECT_EQ(waitingReason(s, 1), "CrashLoopBackOff");
  EXPECT_EQ(condition(s, "Ready")["message"], "containers with unready status: [c1]");
  EXPECT_EQ(s["phase"], "Running");
}

}  // namespace
}  // namespace rg::testing
