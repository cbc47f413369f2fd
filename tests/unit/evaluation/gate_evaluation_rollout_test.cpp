// The rollout check inside a gate evaluation: its failure acts like any Critical check, and its
// recheck time reaches the Evaluation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reconcilers/evaluation/gate_evaluation.hpp"
#include "reconcilers/evaluation/recheck.hpp"
#include "reconcilers/offline/yaml_documents.hpp"
#include "reconcilers/spec/spec_parser.hpp"

namespace rg {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;

const Time kNow = std::chrono::system_clock::from_time_t(1'800'000'000);

Gate rolloutGate(const std::string& onFailure) {
  auto parsed = parseGate(offline::yamlToJson(R"(
apiVersion: gates.readiness.dev/v1alpha1
kind: ReadinessGate
metadata: {name: api, namespace: shop, generation: 1}
spec:
  targetRef: {name: api}
  interval: 30s
  onFailure: )" + onFailure + R"(
  checks:
  - {name: rollout, rollout: {readyTimeout: 2m}}
  - {name: probes, severity: Warning, probes: {}}
)"));
  EXPECT_TRUE(parsed.gate) << parsed.errorSummary();
  return *parsed.gate;
}

json replicaSet(const std::string& hash, int revision) {
  json labels = {{"app", "api"}, {"pod-template-hash", hash}};
  return {
      {"apiVersion", "apps/v1"},
      {"kind", "ReplicaSet"},
      {"metadata",
       {{"name", "api-" + hash},
        {"namespace", "shop"},
        {"uid", "rs-" + hash},
        {"labels", labels},
        {"annotations", {{"deployment.kubernetes.io/revision", std::to_string(revision)}}},
        {"ownerReferences", json::array({{{"apiVersion", "apps/v1"},
                                          {"kind", "Deployment"},
                                          {"name", "api"},
                                          {"uid", "dep-uid"},
                                          {"controller", true}}})}}},
      {"spec",
       {{"replicas", 1},
        {"template",
         {{"metadata", {{"labels", labels}}},
          {"spec",
           {{"containers",
             json::array({{{"name", "api"}, {"image", "api:" + std::to_string(revision)}}})}}}}}}}};
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
  w.deployment =
      json{{"apiVersion", "apps/v1"},
           {"kind", "Deployment"},
           {"metadata",
            {{"name", "api"},
             {"namespace", "shop"},
             {"uid", "dep-uid"},
             {"generation", 2},
             {"annotations", {{"deployment.kubernetes.io/revision", "2"}}}}},
           {"spec",
            {{"replicas", 1},
             {"template",
              {{"metadata", {{"labels", {{"app", "api"}}}}},
               {"spec", {{"containers", json::array({{{"name", "api"}, {"image", "api:2"}}})}}}}}}},
           {"status", {{"observedGeneration", 2}, {"replicas", 2}}}};
  w.replicaSets = {replicaSet("aaa", 1), replicaSet("bbb", 2)};
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

Evaluation evaluate(const Gate& gate, const Workload& w, const GateStatus& previous) {
  return evaluateGate({&gate, &w, &previous, kNow, nullptr});
}

TEST(GateEvaluationRollout, CrashLoopingRevisionIsRolledBack) {
  Gate gate = rolloutGate("Rollback");
  Workload w = workload(30s, crashLooping());
  GateStatus previous;
  Evaluation out = evaluate(gate, w, previous);
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
  Gate gate = rolloutGate("Pause");
  Workload w = workload(30s, crashLooping());
  GateStatus previous;
  Evaluation out = evaluate(gate, w, previous);
  EXPECT_EQ(out.action.kind, ActionKind::Pause);
  EXPECT_EQ(out.status.phase, Phase::Paused);
}

TEST(GateEvaluationRollout, StartingPodSurfacesItsDeadline) {
  Gate gate = rolloutGate("Rollback");
  Workload w = workload(30s, starting());
  GateStatus previous;
  Evaluation out = evaluate(gate, w, previous);
  EXPECT_FALSE(out.criticalFailing);
  EXPECT_EQ(out.action.kind, ActionKind::None);
  ASSERT_TRUE(out.recheckAt);
  // readyTimeout 2m, pod created 30 s ago.
  EXPECT_EQ(*out.recheckAt, kNow + 90s);

  // Once the deadline passed, the same pod fails the revision.
  w.now = kNow + 91s;
  Evaluation late = evaluateGate({&gate, &w, &out.status, kNow + 91s, nullptr});
  EXPECT_TRUE(late.criticalFailing);
  EXPECT_EQ(late.action.kind, ActionKind::Rollback);
  EXPECT_FALSE(late.recheckAt);
}

TEST(GateEvaluationRollout, NoRecheckWhenNothingWaits) {
  Gate gate = rolloutGate("Report");
  json ready = starting();
  ready["ready"] = true;
  ready["state"] = {{"running", json::object()}};
  Workload w = workload(30s, ready);
  w.pods.edit(0)["status"]["conditions"][0]["status"] = "True";
  GateStatus previous;
  Evaluation out = evaluate(gate, w, previous);
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
