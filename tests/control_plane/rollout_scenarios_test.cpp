// The `rollout` check on both back ends, against pods that fail as real ones do (the simulated
// controller's or the stand-in kubelet's pod behaviours): a crash-looping revision is rolled
// back exactly once; a revision that never becomes ready is rolled back at its progress
// deadline (on the real back end, the real kube-controller-manager's ProgressDeadlineExceeded);
// an image that cannot be pulled is paused.
#include <algorithm>
#include <iostream>

#include "tests/control_plane/scenario_fixture.hpp"

namespace rg::controlplane {
namespace {

using rg::testing::PodBehaviour;
using Clock = std::chrono::system_clock;
using Ms = std::chrono::milliseconds;

constexpr const char* kCrashImage = "shop/web:3.0-crash";
constexpr const char* kMissingImage = "shop/web:3.0-missing";
constexpr const char* kNeverReadyImage = "shop/web:3.0-stuck";

class RolloutScenario : public ScenarioTest {
 protected:
  // A Deployment on kGoodImage whose rolling update never takes a ready pod away (one new pod
  // at a time), and a gate whose only check is `rollout`, passing.
  void startPassing(const std::string& onFailure, json rolloutOptions,
                    int progressDeadlineSeconds = 0) {
    json d = deploymentManifest("web", kGoodImage);
    d["spec"]["strategy"] = {{"type", "RollingUpdate"},
                             {"rollingUpdate", {{"maxSurge", 1}, {"maxUnavailable", 0}}}};
    if (progressDeadlineSeconds > 0) d["spec"]["progressDeadlineSeconds"] = progressDeadlineSeconds;
    cluster().apply(d);
    cluster().apply(gateManifest(
        "web", "web",
        {{"interval", "1s"},
         {"onFailure", onFailure},
         {"checks", {{{"name", "rollout"}, {"rollout", std::move(rolloutOptions)}}}}}));
    startOperator();
    ASSERT_TRUE(waitForGate(
        "web",
        [](const json& g) { return gatePhase(g) == "Passing" && checkIs(g, "rollout", "Passed"); },
        60s, "passed"));
  }

  std::vector<json> podsWithImage(const std::string& image) {
    std::vector<json> out;
    for (auto& pod : cluster().pods())
      if (pod.value("/spec/containers/0/image"_json_pointer, std::string()) == image)
        out.push_back(std::move(pod));
    return out;
  }

  // The restartCount of the first container waiting for `reason`; none when none waits.
  static std::optional<int> waitingFor(const json& pod, const std::string& reason) {
    for (const auto& c : pod.value("/status/containerStatuses"_json_pointer, json::array()))
      if (c.value("/state/waiting/reason"_json_pointer, std::string()) == reason)
        return c.value("restartCount", 0);
    return std::nullopt;
  }

  static bool podReady(const json& pod) {
    for (const auto& c : pod.value("/status/conditions"_json_pointer, json::array()))
      if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
    return false;
  }

  static bool hasCondition(const json& d, const std::string& type, const std::string& reason) {
    for (const auto& c : d.value("/status/conditions"_json_pointer, json::array()))
      if (c.value("type", "") == type && c.value("reason", "") == reason) return true;
    return false;
  }

  // Reads the gate and keeps the messages the `rollout` check failed with.
  json noteFailures() {
    json g = gate();
    const json c = gateCheck(g, "rollout");
    if (!c.is_null() && c.value("result", "") == "Failed") {
      const std::string m = c.value("message", "");
      if (std::find(failures_.begin(), failures_.end(), m) == failures_.end())
        failures_.push_back(m);
    }
    return g;
  }
  std::string failureWith(const std::string& needle) const {
    for (const auto& m : failures_)
      if (m.find(needle) != std::string::npos) return m;
    return "";
  }

  std::vector<std::string> failures_;
};

TEST_P(RolloutScenario, CrashLoopingImageIsRolledBackExactlyOnce) {
  cluster().setPodBehaviour(kCrashImage, PodBehaviour::CrashLoop);
  ASSERT_NO_FATAL_FAILURE(startPassing("Rollback", {{"maxRestarts", 3}, {"readyTimeout", "5m"}}));
  cluster().setImage("web", kCrashImage, cluster().ns());

  // Polls the pods and the Deployment: the first CrashLoopBackOff any pod reports, and when the
  // template went back to kGoodImage (nothing but the operator's rollback PATCH does that).
  // Both instants are seen through polling, so each is late by up to one poll.
  std::optional<Clock::time_point> firstBackOff, rolledBack;
  int restartsAtFirstBackOff = 0;  // above 1: polling missed the first back-off
  const bool done = eventually(
      [&] {
        if (!firstBackOff)
          for (const auto& pod : podsWithImage(kCrashImage))
            if (auto restarts = waitingFor(pod, "CrashLoopBackOff")) {
              firstBackOff = Clock::now();
              restartsAtFirstBackOff = *restarts;
            }
        if (firstBackOff && imageOf(deployment()) == kGoodImage) rolledBack = Clock::now();
        return rolledBack.has_value();
      },
      90s, 20ms);
  ASSERT_TRUE(done) << "first CrashLoopBackOff seen: " << firstBackOff.has_value()
                    << "; deployment: " << deployment().dump(2);
  const auto reaction = std::chrono::duration_cast<Ms>(*rolledBack - *firstBackOff);
  std::cout << "[ measured ] " << backendName(GetParam())
            << ": first CrashLoopBackOff seen to rollback seen: " << reaction.count()
            << " ms (restartCount when seen: " << restartsAtFirstBackOff
            << (restartsAtFirstBackOff > 1 ? ", the first back-off was missed by polling" : "")
            << ")\n";
  RecordProperty("crashloop_to_rollback_ms", static_cast<int>(reaction.count()));

  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "RolledBack"; }, 30s, "rolled back"));
  const json lastAction = gate()["status"]["lastAction"];
  EXPECT_EQ(lastAction.value("type", ""), "Rollback");
  EXPECT_EQ(lastAction.value("fromRevision", ""), "2");
  EXPECT_EQ(lastAction.value("toRevision", ""), "1");
  EXPECT_THAT(lastAction.value("message", ""), ::testing::HasSubstr("rollout"));
  // Which state the check named is not asserted here: the Failed status lives only until the
  // rolled-back revision is evaluated, on the next Deployment event, too briefly to poll (the
  // e2e version records every status write). The pods showed CrashLoopBackOff before the
  // rollback (the loop above), and nothing else of this image can fail the check.

  // Settled: the crash-looping pod is gone, the good pods run revision 3, one JSON patch.
  ASSERT_TRUE(eventually(
      [&] {
        const json d = deployment();
        return podsWithImage(kCrashImage).empty() && podsWithImage(kGoodImage).size() == 2 &&
               annotationOf(d, "deployment.kubernetes.io/revision") == "3" &&
               d["status"].value("updatedReplicas", 0) == 2;
      },
      60s))
      << deployment().dump(2);
  ASSERT_TRUE(waitForRounds("web", 4, 20s));
  cluster().settle();
  EXPECT_EQ(imageOf(deployment()), kGoodImage);
  EXPECT_EQ(cluster().operatorDeploymentPatches(kJsonPatch), 1u);
  EXPECT_EQ(cluster().operatorDeploymentPatches(), 1u);
  EXPECT_EQ(cluster().events("ReadinessGate", "web", "RolledBack").size(), 1u);
}

TEST_P(RolloutScenario, RevisionThatNeverBecomesReadyIsRolledBackAtItsProgressDeadline) {
  cluster().setPodBehaviour(kNeverReadyImage, PodBehaviour::NeverReady);
  // readyTimeout far away: the Deployment's own progress deadline, set by its controller (the
  // real kube-controller-manager on the real back end), is what fails the revision.
  ASSERT_NO_FATAL_FAILURE(
      startPassing("Rollback", {{"maxRestarts", 3}, {"readyTimeout", "10m"}}, 5));
  const auto rolledOut = Clock::now();
  cluster().setImage("web", kNeverReadyImage, cluster().ns());

  // What the Deployment said last before the template went back.
  bool deadlineSeen = false;
  std::optional<Clock::time_point> rolledBack;
  ASSERT_TRUE(eventually(
      [&] {
        const json d = deployment();
        if (imageOf(d) == kGoodImage) {
          rolledBack = Clock::now();
          return true;
        }
        if (hasCondition(d, "Progressing", "ProgressDeadlineExceeded")) deadlineSeen = true;
        return false;
      },
      90s, 20ms))
      << deployment().dump(2);
  const auto after = std::chrono::duration_cast<Ms>(*rolledBack - rolledOut);
  std::cout << "[ measured ] " << backendName(GetParam())
            << ": rollout to rollback with progressDeadlineSeconds 5: " << after.count() << " ms\n";
  std::cout << "[ measured ] ProgressDeadlineExceeded seen by polling before the rollback: "
            << (deadlineSeen ? "yes" : "no (the rollback followed within one poll)") << "\n";
  // The pods neither crash nor restart and readyTimeout is 10 minutes away, so only the
  // Deployment's ProgressDeadlineExceeded can fail the check; it counts from the Progressing
  // condition's lastUpdateTime (whole seconds), so not before 4 s.
  EXPECT_GE(after, 4s);

  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "RolledBack"; }, 30s, "rolled back"));
  const json lastAction = gate()["status"]["lastAction"];
  EXPECT_EQ(lastAction.value("type", ""), "Rollback");
  ASSERT_TRUE(eventually([&] { return podsWithImage(kNeverReadyImage).empty(); }, 60s));
  ASSERT_TRUE(waitForRounds("web", 3, 20s));
  EXPECT_EQ(cluster().operatorDeploymentPatches(kJsonPatch), 1u);
  EXPECT_EQ(cluster().operatorDeploymentPatches(), 1u);
}

TEST_P(RolloutScenario, ImageThatCannotBePulledIsPaused) {
  cluster().setPodBehaviour(kMissingImage, PodBehaviour::ImagePullFailure);
  ASSERT_NO_FATAL_FAILURE(startPassing("Pause", {{"maxRestarts", 3}, {"readyTimeout", "5m"}}));
  cluster().setImage("web", kMissingImage, cluster().ns());

  ASSERT_TRUE(eventually([&] { return gatePhase(noteFailures()) == "Paused"; }, 60s, 50ms))
      << gate().dump(2);
  noteFailures();
  EXPECT_TRUE(deployment()["spec"].value("paused", false));
  EXPECT_EQ(imageOf(deployment()), kMissingImage);
  const json lastAction = gate()["status"]["lastAction"];
  EXPECT_EQ(lastAction.value("type", ""), "Pause");
  EXPECT_EQ(lastAction.value("fromRevision", ""), "2");
  std::string message = failureWith("ImagePullBackOff");
  if (message.empty()) message = failureWith("ErrImagePull");
  EXPECT_NE(message, "") << ::testing::PrintToString(failures_);
  // The pod that cannot start is named; it is Pending and the old pods keep serving.
  const auto stuck = podsWithImage(kMissingImage);
  ASSERT_EQ(stuck.size(), 1u);
  EXPECT_THAT(message, ::testing::HasSubstr(stuck[0]["metadata"]["name"].get<std::string>()));
  EXPECT_EQ(stuck[0]["status"].value("phase", ""), "Pending");
  ASSERT_TRUE(waitForRounds("web", 3, 20s));
  cluster().settle();
  const auto old = podsWithImage(kGoodImage);
  EXPECT_EQ(old.size(), 2u);
  for (const auto& pod : old) EXPECT_TRUE(podReady(pod)) << pod.dump(2);
  // Paused, not rolled back: one merge PATCH.
  EXPECT_EQ(cluster().operatorDeploymentPatches(), 1u);
  EXPECT_EQ(cluster().operatorDeploymentPatches(kJsonPatch), 0u);
}

RG_INSTANTIATE_SCENARIOS(RolloutScenario);

}  // namespace
}  // namespace rg::controlplane
