// The rollout check inside a gate evaluation: its failure acts like any Critical check, and its
// recheck time reaches the Evaluation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reconcilers/evaluation/gate_evaluation.hpp"
#include "reconcilers/evaluation/recheck.hpp"
#include "tests/unit/evaluation/evaluation_fixtures.hpp"

namespace rg {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using namespace evaluation_fixtures;  // its builders, and nlohmann::json as json

const Time kNow = kStart;

Gate rolloutGate(const std::string& onFailure) {
  return parseTestGate({.interval = "30s",
                        .onFailure = onFailure,
                        .checks = R"(  - {name: rollout, rollout: {readyTimeout: 2m}}
  - {name: probes, severity: Warning, probes: {}}
)"});
}

// ReplicaSet api-<hash>, uid rs-<hash> (its pods' owner), running api:<revision>.
json replicaSetOf(const std::string& hash, int revision) {
  return replicaSet({.hash = hash,
                     .revision = revision,
                     .image = "api:" + std::to_string(revision),
                     .uid = "rs-" + hash,
                     .replicas = 1});
}

json pod(const std::string& hash, std::chrono::seconds age, json containerStatus) {
  return {{"kind", "Pod"},
          {"metadata",
           {{"name", "api-" + hash + "-x1"},
            {"namespace", "shop"},
            {"creationTimestamp", formatTime(kNow - age)},
            {"labels", {{"pod-template-hash", hash}}},
            {"ownerReferences", json::array({{{"kind", "ReplicaSet"},
                                              {"name", "api-" + hash},
                                              {"uid", "rs-" + hash},
                                              {"controller", true}}})}}},
          {"status",
           {{"phase", "Running"},
            {"conditions", json::array({{{"type", "ContainersReady"}, {"status", "False"}}})},
            {"containerStatuses", json::array({containerStatus})}}}};
}

// Deployment api on revision 2, one pod of revision 2 in the given container state.
Workload workload(std::chrono::seconds podAge, json containerStatus) {
  Workload w;
  w.now = kNow;
  w.deployment = deployment({.revision = 2,
                             .image = "api:2",
                             .replicas = 1,
                             .generation = 2,
                             .status = {{"observedGeneration", 2}, {"replicas", 2}}});
  w.replicaSets = {replicaSetOf("aaa", 1), replicaSetOf("bbb", 2)};
  w.pods = {pod("bbb", podAge, std::move(containerStatus))};
  return w;
}

json crashLooping() {
  return {{"name", "api"},
          {"ready", false},
          {"restartCount", 3},
          {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}}};
}

json starting() {
  return {{"name", "api"},
          {"ready", false},
          {"restartCount", 0},
          {"state", {{"waiting", {{"reason", "ContainerCreating"}}}}}};
}

// One evaluation of the rollout gate acting by `onFailure`, at `now` after `previous`.
Evaluation evaluate(const std::string& onFailure, const Workload& w,
                    const GateStatus& previous = {}, Time now = kNow) {
  const Gate gate = rolloutGate(onFailure);
  return evaluateGate({&gate, &w, &previous, now, nullptr});
}

TEST(GateEvaluationRollout, CrashLoopingRevisionIsRolledBack) {
  Evaluation out = evaluate("Rollback", workload(30s, crashLooping()));
  EXPECT_TRUE(out.criticalFailing);
  EXPECT_EQ(out.status.phase, Phase::RolledBack);
  ASSERT_EQ(out.action.kind, ActionKind::Rollback);
  EXPECT_THAT(out.action.message, HasSubstr("rolled back from revision 2 to 1"));
  const CheckStatus* rollout = out.status.check("rollout");
  ASSERT_NE(rollout, nullptr);
  EXPECT_EQ(rollout->result, CheckOutcome::Failed);
  EXPECT_THAT(rollout->message, HasSubstr("pod api-bbb-x1 container api: CrashLoopBackOff"));
}

TEST(GateEvaluationRollout, CrashLoopingRevisionIsPaused) {
  Evaluation out = evaluate("Pause", workload(30s, crashLooping()));
  EXPECT_EQ(out.action.kind, ActionKind::Pause);
  EXPECT_EQ(out.status.phase, Phase::Paused);
}

TEST(GateEvaluationRollout, StartingPodSurfacesItsDeadline) {
  Workload w = workload(30s, starting());
  Evaluation out = evaluate("Rollback", w);
  EXPECT_FALSE(out.criticalFailing);
  EXPECT_EQ(out.action.kind, ActionKind::None);
  ASSERT_TRUE(out.recheckAt);
  // readyTimeout 2m, pod created 30 s ago.
  EXPECT_EQ(*out.recheckAt, kNow + 90s);

  // Once the deadline passed, the same pod fails the revision.
  w.now = kNow + 91s;
  Evaluation late = evaluate("Rollback", w, out.status, kNow + 91s);
  EXPECT_TRUE(late.criticalFailing);
  EXPECT_EQ(late.action.kind, ActionKind::Rollback);
  EXPECT_FALSE(late.recheckAt);
}

TEST(GateEvaluationRollout, NoRecheckWhenNothingWaits) {
  json ready = starting();
  ready["ready"] = true;
  ready["state"] = {{"running", json::object()}};
  Workload w = workload(30s, ready);
  w.pods.edit(0)["status"]["conditions"][0]["status"] = "True";
  Evaluation out = evaluate("Report", w);
  EXPECT_EQ(out.status.check("rollout")->result, CheckOutcome::Passed);
  EXPECT_FALSE(out.recheckAt);
}

TEST(GateEvaluationRollout, RequeueComesAtTheRecheckWhenItIsEarlier) {
  // No recheck: the next round.
  EXPECT_EQ(requeueAfter(30s, std::nullopt, kNow), 30s);
  // A pod runs out of time before the next round: the gate is looked at then.
  EXPECT_EQ(requeueAfter(30s, kNow + 12s, kNow), 12s);
  // After the next round: the round comes first.
  EXPECT_EQ(requeueAfter(30s, kNow + 90s, kNow), 30s);
  // Already due (the clock moved on during the evaluation): at once, never a negative delay.
  EXPECT_EQ(requeueAfter(30s, kNow - 5s, kNow), 1ms);
}

}  // namespace
}  // namespace rg
