// The `rollout` check against pods that fail as real ones do (the simulated kubelet): a
// crash-looping revision is rolled back once, within seconds of its first CrashLoopBackOff; an
// image that cannot be pulled is paused; a revision that never becomes Ready is rolled back at
// its progress deadline; a single restart does not act.
#include <iostream>

#include "tests/e2e/rollout_fixture.hpp"

namespace rg::e2e {
namespace {

using rg::testing::PodBehaviour;
using Ms = std::chrono::milliseconds;

class RolloutHealthTest : public RolloutTest {
 protected:
  // Deployment (maxUnavailable 0) and a gate whose only check is `rollout`, passing.
  void startPassing(const std::string& onFailure, json rolloutOptions = json::object(),
                    json deployment = strictDeployment()) {
    cluster().apply(std::move(deployment));
    cluster().apply(gateManifest("web", "web",
                                 {{"interval", "1s"},
                                  {"onFailure", onFailure},
                                  {"checks", {rolloutCheck(std::move(rolloutOptions))}}}));
    recordGate();
    startOperator();
    ASSERT_TRUE(waitForPassing("rollout"));
  }
};

TEST_F(RolloutHealthTest, CrashLoopingImageIsRolledBackOnceWithinSecondsOfItsFirstBackOff) {
  behaviours().set(kCrashImage, PodBehaviour::CrashLoop);
  ASSERT_NO_FATAL_FAILURE(startPassing("Rollback"));
  TemplateChangeClock rolledBack(cluster().api(), kCrashImage, kGoodImage);

  cluster().setImage("web", kCrashImage);
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "RolledBack"; }, 30s, "rolled back"));
  ASSERT_TRUE(eventually([&] { return rolledBack.at().has_value(); }, 5s));
  const auto firstBackOff = cluster().controller().firstWaiting("CrashLoopBackOff");
  ASSERT_TRUE(firstBackOff) << "the crash-looping pod never showed CrashLoopBackOff";

  // Time from the first CrashLoopBackOff the pods reported to the rollback PATCH. Detection
  // needs a second crash (restartCount 2 in CrashLoopBackOff): one run and one back-off later.
  const auto reaction = std::chrono::duration_cast<Ms>(*rolledBack.at() - *firstBackOff);
  const rg::testing::PodTimings timings;
  const Ms detectionWindow = timings.runBeforeCrash + timings.crashBackOff;
  std::cout << "[ measured ] first CrashLoopBackOff to rollback PATCH: " << reaction.count()
            << " ms (detection window " << detectionWindow.count() << " ms)\n";
  RecordProperty("crashloop_to_rollback_ms", static_cast<int>(reaction.count()));
  EXPECT_GT(reaction.count(), 0);
  EXPECT_LT(reaction, detectionWindow + 4s);

  const json g = gate();
  EXPECT_EQ(g["status"]["lastAction"].value("type", ""), "Rollback");
  EXPECT_EQ(g["status"]["lastAction"].value("fromRevision", ""), "2");
  EXPECT_EQ(g["status"]["lastAction"].value("toRevision", ""), "1");
  EXPECT_THAT(g["status"]["lastAction"].value("message", ""), ::testing::HasSubstr("rollout"));
  // The failure named the pod's state.
  EXPECT_NE(messageWith("rollout", "Failed", {"CrashLoopBackOff"}), "")
      << ::testing::PrintToString(messagesOf("rollout", "Failed"));

  // Exactly once; the old pods served throughout and run the rolled-back revision.
  ASSERT_TRUE(eventually([&] { return podsWithImage(kCrashImage).empty(); }, 10s));
  ASSERT_TRUE(waitForRounds("web", 4, 10s));
  EXPECT_EQ(cluster().deploymentPatches(), 1u);
  EXPECT_EQ(cluster().deploymentPatches(kJsonPatchType), 1u);
  EXPECT_EQ(podsWithImage(kGoodImage).size(), 2u);
  EXPECT_EQ(cluster().events("ReadinessGate", "web", "RolledBack").size(), 1u);
}

TEST_F(RolloutHealthTest, ImageThatCannotBePulledIsPaused) {
  behaviours().set(kMissingImage, PodBehaviour::ImagePullFailure);
  ASSERT_NO_FATAL_FAILURE(startPassing("Pause"));

  cluster().setImage("web", kMissingImage);
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Paused"; }, 20s, "paused the rollout"));
  EXPECT_TRUE(deployment()["spec"].value("paused", false));
  const json g = gate();
  EXPECT_EQ(g["status"]["lastAction"].value("type", ""), "Pause");
  const std::string message =
      messageWith("rollout", "Failed", {"ImagePullBackOff", "ErrImagePull"});
  EXPECT_NE(message, "") << ::testing::PrintToString(messagesOf("rollout", "Failed"));
  // The pod that cannot start is named in the message.
  const auto stuck = podsWithImage(kMissingImage);
  ASSERT_EQ(stuck.size(), 1u);
  EXPECT_THAT(message, ::testing::HasSubstr(stuck[0]["metadata"]["name"].get<std::string>()));
  EXPECT_EQ(stuck[0]["status"]["phase"], "Pending");
  // Paused, not rolled back: the old pods serve; one PATCH.
  ASSERT_TRUE(waitForRounds("web", 3, 10s));
  EXPECT_EQ(cluster().deploymentPatches(), 1u);
  EXPECT_EQ(cluster().deploymentPatches(kJsonPatchType), 0u);
  const auto old = podsWithImage(kGoodImage);
  EXPECT_EQ(old.size(), 2u);
  for (const auto& pod : old) EXPECT_TRUE(podReady(pod));
}

TEST_F(RolloutHealthTest, RevisionThatNeverBecomesReadyIsRolledBackAtItsProgressDeadline) {
  behaviours().set(kNeverReadyImage, PodBehaviour::NeverReady);
  json d = strictDeployment();
  d["spec"]["progressDeadlineSeconds"] = 3;
  // readyTimeout far away: the Deployment's own progress deadline is what fails the revision.
  ASSERT_NO_FATAL_FAILURE(startPassing("Rollback", {{"readyTimeout", "10m"}}, d));
  TemplateChangeClock rolledBack(cluster().api(), kNeverReadyImage, kGoodImage);
  // What the Deployment said when the rollback came.
  std::atomic<bool> deadlineExceeded{false};
  const int hook = cluster().api().onChange([&](const rg::testing::StoreEvent& e) {
    if (e.storageKey != "apps/deployments" || !e.object || rolledBack.at()) return;
    for (const auto& c : e.object->value("/status/conditions"_json_pointer, json::array()))
      if (c.value("reason", "") == "ProgressDeadlineExceeded") deadlineExceeded = true;
  });

  const auto rolledOut = std::chrono::system_clock::now();
  cluster().setImage("web", kNeverReadyImage);
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "RolledBack"; }, 30s, "rolled back"));
  ASSERT_TRUE(eventually([&] { return rolledBack.at().has_value(); }, 5s));
  cluster().api().removeHook(hook);
  const auto after = std::chrono::duration_cast<Ms>(*rolledBack.at() - rolledOut);
  std::cout << "[ measured ] rollout to rollback with progressDeadlineSeconds 3: " << after.count()
            << " ms\n";
  EXPECT_TRUE(deadlineExceeded.load()) << "rolled back before the progress deadline";
  // The deadline counts from the condition's lastUpdateTime (whole seconds): 2 s at least.
  EXPECT_GE(after, 2s);
  EXPECT_LT(after, 3s + 5s);
  EXPECT_NE(messageWith("rollout", "Failed", {"ProgressDeadlineExceeded"}), "")
      << ::testing::PrintToString(messagesOf("rollout", "Failed"));
  EXPECT_EQ(gate()["status"]["lastAction"].value("type", ""), "Rollback");
  ASSERT_TRUE(waitForRounds("web", 3, 10s));
  EXPECT_EQ(cluster().deploymentPatches(kJsonPatchType), 1u);
}

TEST_F(RolloutHealthTest, SingleRestartDoesNotAct) {
  behaviours().set(kFlakyImage, PodBehaviour::RestartOnce);
  ASSERT_NO_FATAL_FAILURE(startPassing("Rollback"));

  cluster().setImage("web", kFlakyImage);
  // The new pods restart once each, then become Ready and replace the old ones.
  ASSERT_TRUE(eventually(
      [&] {
        const json d = deployment();
        const auto pods = podsWithImage(kFlakyImage);
        if (pods.size() != 2 || d["status"].value("updatedReplicas", 0) != 2 ||
            d["status"].value("availableReplicas", 0) != 2)
          return false;
        for (const auto& pod : pods)
          if (pod.value("/status/containerStatuses/0/restartCount"_json_pointer, 0) != 1)
            return false;
        return true;
      },
      15s))
      << deployment()["status"].dump(2);
  ASSERT_TRUE(waitForRounds("web", 3, 10s));
  const json g = gate();
  EXPECT_EQ(gatePhase(g), "Passing") << g["status"].dump(2);
  EXPECT_TRUE(checkIs(g, "rollout", "Passed"));
  EXPECT_EQ(g["status"].value("targetRevision", ""), "2");
  EXPECT_EQ(cluster().deploymentPatches(), 0u);
  EXPECT_TRUE(cluster().events("ReadinessGate", "web", "RolledBack").empty());
  EXPECT_TRUE(messagesOf("rollout", "Failed").empty())
      << ::testing::PrintToString(messagesOf("rollout", "Failed"));
}

}  // namespace
}  // namespace rg::e2e
