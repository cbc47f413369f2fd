#include "reconcilers/evaluation/gate_evaluation.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reconcilers/actions/pause.hpp"
#include "reconcilers/actions/rollback.hpp"
#include "reconcilers/spec/packed_text.hpp"
#include "tests/unit/evaluation/evaluation_fixtures.hpp"

namespace rg {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using namespace evaluation_fixtures;  // its builders, and nlohmann::json as json

Gate makeGate(const std::string& onFailure, const std::string& extraSpec = "") {
  return parseTestGate(
      {.onFailure = onFailure,
       .more = extraSpec,
       .checks = replicasErrorRateLatency("    failureLimit: 2\n", "{maxIncreasePercent: 50}")});
}

// A Deployment on revision `revision` whose ReplicaSets are v1 (hash aaa) .. v<revision>.
Workload workloadAt(int revision) {
  static const char* kHashes[] = {"", "aaa", "bbb", "ccc", "ddd"};
  Workload w;
  w.deployment = deployment({.revision = revision,
                             .image = "api:" + std::to_string(revision),
                             .status = {{"replicas", 2}, {"availableReplicas", 2}}});
  for (int r = 1; r <= revision; ++r)
    w.replicaSets.push_back(
        replicaSet({.hash = kHashes[r], .revision = r, .image = "api:" + std::to_string(r)}));
  return w;
}

// Runtime results by query; counts calls.
struct FakeRuntime {
  std::map<std::string, RuntimeOutcome> byQuery;
  std::vector<std::optional<double>> baselines;
  std::vector<std::string> called;  // check names, in call order
  int calls = 0;

  void set(const std::string& query, CheckOutcome outcome, double value) {
    byQuery[query] = {
        {outcome, std::to_string(value).substr(0, 4), query + " is " + std::to_string(value)},
        value};
  }
  RuntimeCheckRunner runner() {
    return [this](const CheckSpec& check, std::optional<double> baseline) {
      ++calls;
      called.push_back(check.name);
      baselines.push_back(baseline);
      return byQuery.at(std::get<PrometheusCheck>(check.body).query);
    };
  }
};

struct Harness {
  Gate gate;
  Workload workload;
  GateStatus status;
  FakeRuntime runtime;
  Time now = kStart;
  std::chrono::nanoseconds heartbeat{0};  // lastEvaluationTime on every round
  std::optional<Time> lastRound;
  bool written = false;  // the last step changed the status (the reconciler would write it)

  explicit Harness(const std::string& onFailure, int revision = 2, const std::string& extra = "")
      : gate(makeGate(onFailure, extra)), workload(workloadAt(revision)) {
    runtime.set("errors", CheckOutcome::Passed, 0.01);
    runtime.set("latency", CheckOutcome::Passed, 0.2);
  }
  Evaluation step(std::chrono::seconds advance = 0s, bool targetExists = true) {
    now += advance;
    EvaluationInput in{&gate, targetExists ? &workload : nullptr, &status, now, runtime.runner()};
    in.lastRound = lastRound;
    in.statusHeartbeat = heartbeat;
    // The checks a caller is told to start calls for are exactly those evaluated with calls.
    std::vector<std::string> predicted;
    for (const CheckSpec* check : runtimeChecksToCall(in)) predicted.push_back(check->name);
    const size_t callsBefore = runtime.called.size();
    Evaluation out = evaluateGate(in);
    EXPECT_EQ(predicted,
              std::vector<std::string>(runtime.called.begin() + callsBefore, runtime.called.end()));
    if (out.round) lastRound = now;  // as the reconciler remembers it
    written = toJson(out.status) != toJson(status);
    status = out.status;
    return out;
  }
  // A rollout to a new revision (what the Deployment controller does after a template change).
  void rollTo(int revision) { workload = workloadAt(revision); }
  const CheckStatus& check(const std::string& name) const { return *status.check(name); }
};

// Revision 3 (ccc) on record as rolled back, the Deployment at generation 6 of which its
// controller observed `observedGeneration`, and error-rate still failing (metrics lag behind).
Harness rolledBackFrom3(int observedGeneration) {
  Harness h("Rollback", 3);
  h.status.badTemplateHashes = {"ccc"};
  h.workload.deployment.edit()["metadata"]["generation"] = 6;
  h.workload.deployment.edit()["status"]["observedGeneration"] = observedGeneration;
  h.runtime.set("errors", CheckOutcome::Failed, 0.3);
  return h;
}

std::vector<std::string> reasons(const Evaluation& e) {
  std::vector<std::string> out;
  for (const auto& event : e.events) out.push_back(event.reason);
  return out;
}

TEST(GateEvaluation, FirstEvaluationPassesAndRecordsEverything) {
  Harness h("Report");
  auto e = h.step();
  EXPECT_TRUE(e.round);
  EXPECT_EQ(h.runtime.calls, 2);
  EXPECT_EQ(h.status.phase, Phase::Passing);
  EXPECT_EQ(h.status.observedGeneration, 1);
  EXPECT_EQ(h.status.targetRevision, "2");
  EXPECT_EQ(h.status.lastEvaluationTime, formatTimeMillis(h.now));
  ASSERT_EQ(h.status.checks.size(), 3u);
  EXPECT_EQ(h.check("replicas").result, CheckOutcome::Passed);
  EXPECT_EQ(h.check("error-rate").result, CheckOutcome::Passed);
  const Condition* ready = h.status.condition("Ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, "True");
  EXPECT_EQ(ready->message, "3 of 3 checks passing");
  EXPECT_EQ(e.action.kind, ActionKind::None);
}

TEST(GateEvaluation, RuntimeChecksRunOncePerIntervalNotOnEveryWatchEvent) {
  Harness h("Report");
  h.step();
  auto between = h.step(3s);
  EXPECT_FALSE(between.round);
  EXPECT_EQ(h.runtime.calls, 2) << "a pod update between rounds reuses runtime results";
  auto firstEvaluation = h.status.lastEvaluationTime;
  h.step(7s);
  EXPECT_EQ(h.runtime.calls, 4);
  EXPECT_NE(h.status.lastEvaluationTime, firstEvaluation);
}

TEST(GateEvaluation, RoundsWhoseOnlyNewsIsARuntimeValueWriteNothingUntilTheHeartbeat) {
  Harness h("Report");
  h.heartbeat = 5min;
  h.step();
  ASSERT_TRUE(h.written);
  const std::string first = h.status.lastEvaluationTime;
  EXPECT_EQ(h.check("error-rate").value, "0.01");
  for (int round = 1; round <= 5; ++round) {
    h.runtime.set("errors", CheckOutcome::Passed, 0.01 + round * 0.001);  // drifts, still passes
    auto e = h.step(10s);
    EXPECT_TRUE(e.round) << "round " << round << " still runs the checks";
    EXPECT_FALSE(h.written) << "round " << round << " changed nothing a user acts on";
  }
  EXPECT_EQ(h.runtime.calls, 12);
  EXPECT_EQ(h.status.lastEvaluationTime, first);
  EXPECT_EQ(h.check("error-rate").value, "0.01") << "held until the heartbeat";
  // The round after the heartbeat's period writes the current values and time.
  h.step(250s);
  EXPECT_TRUE(h.written);
  EXPECT_EQ(h.status.lastEvaluationTime, formatTimeMillis(h.now));
  EXPECT_EQ(h.check("error-rate").value, "0.01");  // FakeRuntime keeps 4 characters: "0.0150"
  EXPECT_THAT(h.check("error-rate").message, HasSubstr("0.015"));
}

TEST(GateEvaluation, ARoundThatChangesAResultIsWrittenAtOnceWithItsTime) {
  Harness h("Report");
  h.heartbeat = 5min;
  h.step();
  h.step(10s);
  ASSERT_FALSE(h.written);
  h.runtime.set("errors", CheckOutcome::Failed, 0.5);
  h.step(10s);
  EXPECT_TRUE(h.written);
  EXPECT_EQ(h.check("error-rate").result, CheckOutcome::Failed);
  EXPECT_EQ(h.check("error-rate").value, "0.50");
  EXPECT_EQ(h.status.lastEvaluationTime, formatTimeMillis(h.now));
  // The failure streak is news on every round: consecutiveFailures counts toward failureLimit.
  h.step(10s);
  EXPECT_TRUE(h.written);
  EXPECT_EQ(h.check("error-rate").consecutiveFailures, 2);
  EXPECT_EQ(h.status.phase, Phase::Failing);
}

TEST(GateEvaluation, RoundsFollowTheRememberedRoundNotTheHeldLastEvaluationTime) {
  Harness h("Report");
  h.heartbeat = 5min;
  h.step();
  h.step(10s);
  ASSERT_FALSE(h.written);
  // 3 s after the last round: not a round, although lastEvaluationTime is 13 s old.
  auto between = h.step(3s);
  EXPECT_FALSE(between.round);
  EXPECT_EQ(h.runtime.calls, 4);
}

TEST(GateEvaluation, StaticCheckMessagesAreWrittenWhenTheyChange) {
  Harness h("Report");
  h.heartbeat = 5min;
  h.step();
  h.workload.deployment.edit()["spec"]["replicas"] = 3;
  h.workload.deployment.edit()["status"]["availableReplicas"] = 3;
  h.step(10s);
  EXPECT_TRUE(h.written) << "the replicas check's message names the new count";
}

TEST(GateEvaluation, StaticChecksAreReevaluatedOnEveryEvent) {
  Harness h("Report");
  h.step();
  h.workload.deployment.edit()["spec"]["replicas"] = 1;
  h.step(1s);
  EXPECT_EQ(h.check("replicas").result, CheckOutcome::Failed);
  EXPECT_EQ(h.check("replicas").consecutiveFailures, 1);
  EXPECT_EQ(h.status.phase, Phase::Failing);
  h.step(1s);
  EXPECT_EQ(h.check("replicas").consecutiveFailures, 1) << "counters advance only on rounds";
  h.workload.deployment.edit()["spec"]["replicas"] = 3;
  auto recovered = h.step(1s);
  EXPECT_EQ(h.status.phase, Phase::Passing);
  EXPECT_THAT(reasons(recovered), ::testing::Contains("CheckRecovered"));
}

TEST(GateEvaluation, FailureLimitCountsConsecutiveRounds) {
  Harness h("Report");
  h.runtime.set("errors", CheckOutcome::Failed, 0.3);
  auto first = h.step();
  EXPECT_EQ(h.check("error-rate").consecutiveFailures, 1);
  EXPECT_FALSE(first.criticalFailing) << "failureLimit 2 not reached";
  EXPECT_EQ(h.status.phase, Phase::Passing);
  EXPECT_THAT(reasons(first), ::testing::Not(::testing::Contains("CheckFailed")));
  auto second = h.step(10s);
  EXPECT_EQ(h.check("error-rate").consecutiveFailures, 2);
  EXPECT_TRUE(second.criticalFailing);
  EXPECT_EQ(h.status.phase, Phase::Failing);
  EXPECT_THAT(reasons(second), ::testing::ElementsAre("CheckFailed"));
  EXPECT_TRUE(second.events[0].alsoOnTarget);
  EXPECT_EQ(h.status.condition("Ready")->message, "1 of 3 checks failing: error-rate");
  EXPECT_EQ(h.status.condition("Ready")->reason, "ChecksFailing");
  auto third = h.step(10s);
  EXPECT_TRUE(third.events.empty()) << "no Event per evaluation, only on transitions";
}

TEST(GateEvaluation, InconclusiveNeitherCountsNorResets) {
  Harness h("Rollback");
  h.runtime.set("errors", CheckOutcome::Failed, 0.3);
  h.step();
  h.runtime.byQuery["errors"] = {CheckResult::inconclusive("prometheus did not answer"),
                                 std::nullopt};
  auto e = h.step(10s);
  EXPECT_EQ(h.check("error-rate").result, CheckOutcome::Inconclusive);
  EXPECT_EQ(h.check("error-rate").consecutiveFailures, 1);
  EXPECT_EQ(e.action.kind, ActionKind::None);
  // Not Passing either: a Critical check that cannot be evaluated has not passed.
  EXPECT_EQ(h.status.condition("Ready")->status, "Unknown");
  EXPECT_EQ(h.status.phase, Phase::Inconclusive);
  EXPECT_THAT(h.status.condition("Ready")->message, HasSubstr("inconclusive: error-rate"));
  EXPECT_THAT(reasons(e), ::testing::Contains("CheckInconclusive"));
}

TEST(GateEvaluation, BaselineIsTheLastValueUnderThePreviousRevision) {
  Harness h("Report");
  h.step();
  EXPECT_EQ(h.runtime.baselines.back(), std::nullopt) << "no baseline before a rollout";
  h.rollTo(3);
  auto e = h.step(1s);
  EXPECT_TRUE(e.round) << "a new revision starts a round at once";
  EXPECT_EQ(h.status.baselines.at("latency"), h.check("latency").value);
  ASSERT_TRUE(h.runtime.baselines.back());
  EXPECT_NEAR(*h.runtime.baselines.back(), 0.2, 1e-9);
  h.runtime.set("latency", CheckOutcome::Passed, 0.25);
  h.step(10s);
  EXPECT_EQ(h.status.baselines.at("latency"), "0.20") << "frozen for the whole revision";
}

TEST(GateEvaluation, MissingTargetIsPending) {
  Harness h("Rollback");
  auto e = h.step(0s, false);
  EXPECT_EQ(h.status.phase, Phase::Pending);
  EXPECT_EQ(h.status.condition("Ready")->reason, "TargetNotFound");
  EXPECT_THAT(reasons(e), ::testing::ElementsAre("TargetNotFound"));
  EXPECT_TRUE(h.step(1s, false).events.empty());
}

TEST(GateEvaluation, InvalidSpec) {
  GateStatus previous;
  auto e = invalidGate(previous, 3, "spec.interval: \"x\" is not a duration",
                       std::chrono::system_clock::now());
  EXPECT_EQ(e.status.phase, Phase::Invalid);
  EXPECT_EQ(e.status.observedGeneration, 3);
  EXPECT_EQ(e.status.condition("Ready")->reason, "InvalidSpec");
  EXPECT_EQ(e.action.kind, ActionKind::None);
  EXPECT_THAT(reasons(e), ::testing::ElementsAre("InvalidSpec"));
  EXPECT_TRUE(invalidGate(e.status, 3, "spec.interval: \"x\" is not a duration",
                          std::chrono::system_clock::now())
                  .events.empty());
}

TEST(GateEvaluation, ReportNeverActs) {
  Harness h("Report");
  h.runtime.set("errors", CheckOutcome::Failed, 0.3);
  h.step();
  EXPECT_EQ(h.step(10s).action.kind, ActionKind::None);
  EXPECT_EQ(h.status.phase, Phase::Failing);
}

TEST(GateEvaluation, PauseThenResumeOnlyWhatTheGatePaused) {
  Harness h("Pause");
  h.runtime.set("errors", CheckOutcome::Failed, 0.3);
  h.step();
  auto paused = h.step(10s);
  ASSERT_EQ(paused.action.kind, ActionKind::Pause);
  EXPECT_EQ(paused.action.patch["spec"]["paused"], true);
  EXPECT_TRUE(h.status.pausedByGate);
  EXPECT_EQ(h.status.phase, Phase::Paused);
  EXPECT_EQ(h.status.lastAction->type, "Pause");
  EXPECT_EQ(h.status.condition("Paused")->status, "True");
  EXPECT_THAT(reasons(paused), ::testing::Contains("RolloutPaused"));
  // The Deployment is now paused (as the patch said).
  h.workload.deployment.edit()["spec"]["paused"] = true;
  h.workload.deployment
      .edit()["metadata"]["annotations"][std::string(actions::kPausedByAnnotation)] = "api";
  EXPECT_EQ(h.step(10s).action.kind, ActionKind::None) << "already paused: nothing to send";
  h.runtime.set("errors", CheckOutcome::Passed, 0.01);
  auto resumed = h.step(10s);
  ASSERT_EQ(resumed.action.kind, ActionKind::Resume);
  EXPECT_EQ(resumed.action.patch["spec"]["paused"], false);
  EXPECT_FALSE(h.status.pausedByGate);
  EXPECT_EQ(h.status.phase, Phase::Passing);
  EXPECT_EQ(h.status.condition("Paused")->status, "False");
}

TEST(GateEvaluation, NeverResumesADeploymentSomebodyElsePaused) {
  Harness h("Pause");
  h.workload.deployment.edit()["spec"]["paused"] = true;
  auto e = h.step();
  EXPECT_EQ(e.action.kind, ActionKind::None);
  EXPECT_FALSE(h.status.pausedByGate);
}

TEST(GateEvaluation, NeverResumesAPauseRepeatedByHand) {
  Harness h("Pause");
  h.status.pausedByGate = true;  // the gate paused it once; somebody resumed and paused again
  h.workload.deployment.edit()["spec"]["paused"] = true;
  auto e = h.step();
  EXPECT_EQ(e.action.kind, ActionKind::None);
  EXPECT_FALSE(h.status.pausedByGate);
}

TEST(GateEvaluation, PauseSurvivesALostStatusThroughTheAnnotation) {
  Harness h("Pause");
  h.workload.deployment.edit()["spec"]["paused"] = true;
  h.workload.deployment
      .edit()["metadata"]["annotations"][std::string(actions::kPausedByAnnotation)] = "api";
  auto e = h.step();  // a fresh status, as after the status was lost
  EXPECT_EQ(e.action.kind, ActionKind::Resume);
}

TEST(GateEvaluation, SuspendDisablesEveryAction) {
  Harness h("Rollback", 2, "  suspend: true\n");
  h.runtime.set("errors", CheckOutcome::Failed, 0.3);
  h.step();
  auto e = h.step(10s);
  EXPECT_EQ(e.action.kind, ActionKind::None);
  EXPECT_EQ(h.status.phase, Phase::Failing);
}

TEST(GateEvaluation, RollbackOncePerBadRevision) {
  Harness h("Rollback", 3);
  h.step();
  h.runtime.set("errors", CheckOutcome::Failed, 0.3);
  h.step(10s);
  auto e = h.step(10s);
  ASSERT_EQ(e.action.kind, ActionKind::Rollback);
  EXPECT_EQ(e.action.patch[0]["path"], "/spec/template");
  EXPECT_EQ(h.status.lastAction->type, "Rollback");
  EXPECT_EQ(h.status.lastAction->fromRevision, "3");
  EXPECT_EQ(h.status.lastAction->toRevision, "2");
  EXPECT_EQ(h.status.lastAction->badTemplateHash, "ccc");
  EXPECT_EQ(h.status.lastAction->toTemplateHash, "bbb");
  EXPECT_EQ(h.status.badTemplateHashes, std::vector<std::string>{"ccc"});
  EXPECT_EQ(h.status.phase, Phase::RolledBack);
  EXPECT_EQ(h.status.condition("RolledBack")->status, "True");
  EXPECT_THAT(reasons(e), ::testing::Contains("RolledBack"));

  // The Deployment controller reuses ReplicaSet bbb as revision 4.
  h.workload.deployment.edit()["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
      "4";
  h.workload.replicaSets.edit(1)["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
      "4";
  h.workload.deployment.edit()["spec"]["template"]["spec"]["containers"][0]["image"] = "api:2";
  // Metrics lag behind: the error rate still reads high for a while.
  auto after = h.step(1s);
  EXPECT_EQ(after.action.kind, ActionKind::None);
  EXPECT_EQ(h.step(10s).action.kind, ActionKind::None) << "never acts on the revision it chose";
  EXPECT_EQ(h.step(10s).action.kind, ActionKind::None);
  EXPECT_EQ(h.status.phase, Phase::RolledBack);
}

TEST(GateEvaluation, RestoredRevisionIsLeftAloneAfterALostStatus) {
  // Rolled back from 3 (ccc) to 2 (bbb), now revision 4, and the status write was lost: only the
  // Deployment's annotation and the ReplicaSets say what happened.
  Harness h("Rollback", 3);
  h.workload.deployment.edit()["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
      "4";
  h.workload.deployment
      .edit()["metadata"]["annotations"][std::string(actions::kBadTemplateHashesAnnotation)] =
      "ccc";
  auto& restored = h.workload.replicaSets.edit(1)["metadata"]["annotations"];
  restored["deployment.kubernetes.io/revision"] = "4";
  restored["deployment.kubernetes.io/revision-history"] = "2";
  h.workload.deployment.edit()["spec"]["template"]["spec"]["containers"][0]["image"] = "api:2";
  h.runtime.set("errors", CheckOutcome::Failed, 0.3);  // metrics still lag behind
  h.step();
  EXPECT_EQ(h.step(10s).action.kind, ActionKind::None);
  EXPECT_EQ(h.step(10s).action.kind, ActionKind::None);

  // Without the re-activation record it is an ordinary failing revision: paused (its previous
  // revision is the bad one).
  Harness fresh("Rollback", 3);
  fresh.workload = h.workload;
  fresh.workload.replicaSets.edit(1)["metadata"]["annotations"].erase(
      "deployment.kubernetes.io/revision-history");
  fresh.runtime.set("errors", CheckOutcome::Failed, 0.3);
  fresh.step();
  EXPECT_EQ(fresh.step(10s).action.kind, ActionKind::Pause);
}

TEST(GateEvaluation, NoActionUntilTheControllerObservedTheSpec) {
  // Just after a rollback from 3 to 2: the template is already revision 2's, the revision
  // annotation still says 3 until the deployment controller observes generation 6.
  Harness h = rolledBackFrom3(5);
  h.step();
  EXPECT_EQ(h.step(10s).action.kind, ActionKind::None);
  EXPECT_FALSE(h.status.pausedByGate);

  h.workload.deployment.edit()["status"]["observedGeneration"] = 6;  // caught up, still failing
  EXPECT_EQ(h.step(10s).action.kind, ActionKind::Pause);
}

TEST(GateEvaluation, NoActionWhileTheCurrentReplicaSetDoesNotCarryTheTemplate) {
  // The Deployment and its ReplicaSets come from two watches. Here the cached Deployment already
  // runs revision 2's template (a rollback from 3) and its status says observed, but the
  // revision annotation still names 3, whose ReplicaSet carries another template: acting now
  // would judge revision 3 again and pause the rollback just sent.
  Harness h = rolledBackFrom3(6);
  h.workload.deployment.edit()["spec"]["template"]["spec"]["containers"][0]["image"] = "api:2";
  h.step();
  EXPECT_EQ(h.step(10s).action.kind, ActionKind::None);
  EXPECT_FALSE(h.status.pausedByGate);

  // Once the ReplicaSet of the Deployment's revision carries its template, the gate acts again.
  h.workload.deployment.edit()["spec"]["template"]["spec"]["containers"][0]["image"] = "api:3";
  EXPECT_EQ(h.step(10s).action.kind, ActionKind::Pause);
}

TEST(GateEvaluation, ARolledBackTemplateComingBackIsPausedNotRolledBackAgain) {
  Harness h("Rollback", 3);
  h.status.badTemplateHashes = {"ccc"};
  h.runtime.set("errors", CheckOutcome::Failed, 0.3);
  h.step();
  auto e = h.step(10s);
  ASSERT_EQ(e.action.kind, ActionKind::Pause);
  EXPECT_THAT(e.action.message, HasSubstr("revision 3 was already rolled back once"));
}

TEST(GateEvaluation, ARecreatedTargetStartsItsHistoryOver) {
  // The first Deployment: rolled back from revision 3 (ccc) to 2 (bbb).
  Harness h("Rollback", 3);
  h.step();
  h.runtime.set("errors", CheckOutcome::Failed, 0.3);
  h.step(10s);
  ASSERT_EQ(h.step(10s).action.kind, ActionKind::Rollback);
  EXPECT_EQ(h.status.targetUID, "dep-uid");

  // Deleted and created again under the same name, it rolls out the same templates up to
  // revision 3 (ccc), which fails too.
  h.workload = workloadAt(3);
  h.workload.deployment.edit()["metadata"]["uid"] = "new-uid";
  for (size_t i = 0; i < h.workload.replicaSets.size(); ++i)
    h.workload.replicaSets.edit(i)["metadata"]["ownerReferences"][0]["uid"] = "new-uid";
  auto first = h.step(1s);
  EXPECT_EQ(first.action.kind, ActionKind::None) << "a new failure streak: 1 of failureLimit 2";
  EXPECT_EQ(h.check("error-rate").consecutiveFailures, 1);
  EXPECT_EQ(h.status.targetUID, "new-uid");
  EXPECT_FALSE(h.status.lastAction);
  EXPECT_TRUE(h.status.badTemplateHashes.empty());
  EXPECT_EQ(h.status.condition("RolledBack"), nullptr);
  EXPECT_EQ(h.status.phase, Phase::Passing);
  // Nothing was rolled back on this Deployment: its failing revision is rolled back, not paused.
  auto second = h.step(10s);
  ASSERT_EQ(second.action.kind, ActionKind::Rollback) << second.action.message;
  EXPECT_EQ(h.status.lastAction->fromRevision, "3");
  EXPECT_EQ(h.status.lastAction->toRevision, "2");
}

TEST(GateEvaluation, NoPreviousRevisionPausesInsteadAndSaysSo) {
  Harness h("Rollback", 1);
  h.runtime.set("errors", CheckOutcome::Failed, 0.3);
  h.step();
  auto e = h.step(10s);
  ASSERT_EQ(e.action.kind, ActionKind::Pause);
  EXPECT_THAT(e.action.message, HasSubstr("no rollback: "));
  EXPECT_THAT(e.action.message, HasSubstr("no previous revision"));
  EXPECT_TRUE(h.status.pausedByGate);
}

TEST(GateEvaluation, WarningChecksNeverAct) {
  Harness h("Rollback", 3);
  h.step();
  h.rollTo(3);
  h.runtime.set("latency", CheckOutcome::Failed, 0.9);
  auto e = h.step(10s);
  EXPECT_EQ(e.action.kind, ActionKind::None);
  EXPECT_THAT(h.status.condition("Ready")->message, HasSubstr("warnings failing: latency"));
  EXPECT_EQ(h.status.phase, Phase::Passing);
}

TEST(GateStatus, JsonRoundTrip) {
  Harness h("Rollback", 3);
  h.runtime.set("errors", CheckOutcome::Failed, 0.3);
  h.step();
  h.step(10s);
  EXPECT_EQ(statusFromJson(toJson(h.status)), h.status);
  EXPECT_EQ(toJson(h.status)["phase"], "RolledBack");
  EXPECT_EQ(toJson(h.status)["lastAction"]["fromRevision"], "3");
}

TEST(GateStatus, AStatusKeptAsTextReadsAsTheStatusItWas) {
  Harness h("Rollback", 3);
  h.runtime.set("errors", CheckOutcome::Failed, 0.3);
  h.step();
  h.step(10s);
  json gate = {{"metadata", {{"name", "web"}}}, {"spec", {{"interval", "10s"}}}};
  gate["status"] = toJson(h.status);
  const json asObject = gate;
  compactStoredStatus(gate);
  ASSERT_TRUE(isPackedText(gate["status"]));
  EXPECT_EQ(json::parse(unpackText(gate["status"]).value()), asObject["status"]);
  EXPECT_EQ(gate["spec"], asObject["spec"]);
  EXPECT_EQ(storedStatus(gate), h.status);
  EXPECT_EQ(storedStatus(asObject), h.status);
  compactStoredStatus(gate);  // already packed: unchanged
  EXPECT_EQ(storedStatus(gate), h.status);
}

TEST(GateStatus, AGateWithoutAReadableStatusHasAnEmptyOne) {
  EXPECT_EQ(storedStatus(json::object()), GateStatus{});
  EXPECT_EQ(storedStatus(json{{"status", "not json {"}}), GateStatus{});
  EXPECT_EQ(storedStatus(json{{"status", packText("not json {")}}), GateStatus{});
  // A status that is a string is one of the wrong type, not text to read.
  GateStatus passing;
  passing.phase = Phase::Passing;
  EXPECT_EQ(storedStatus(json{{"status", toJson(passing)}}), passing);
  EXPECT_EQ(storedStatus(json{{"status", toJson(passing).dump()}}), GateStatus{});
  EXPECT_EQ(storedStatus(json{{"status", 3}}), GateStatus{});
  EXPECT_EQ(storedStatus(json::array()), GateStatus{});
  json gate = {{"status", nullptr}};
  compactStoredStatus(gate);
  EXPECT_TRUE(gate["status"].is_null());
}

TEST(GateStatus, TimesParseWithAndWithoutFractions) {
  auto t = std::chrono::system_clock::from_time_t(1'800'000'000) + 250ms;
  EXPECT_EQ(formatTime(t), "2027-01-15T08:00:00Z");
  EXPECT_EQ(formatTimeMillis(t), "2027-01-15T08:00:00.250Z");
  EXPECT_EQ(*parseTime("2027-01-15T08:00:00.250Z"), t);
  EXPECT_EQ(*parseTime("2027-01-15T08:00:00Z"), t - 250ms);
  EXPECT_FALSE(parseTime("yesterday"));
}

TEST(GateStatus, LenientWithHandEditedStatus) {
  auto status = statusFromJson(json::parse(
      R"({"phase": "Bogus", "checks": [{"name": 3}, "x", {"name": "a", "result": "Failed"}],
          "baselines": {"a": 1}, "conditions": "no"})"));
  EXPECT_FALSE(status.phase);
  ASSERT_EQ(status.checks.size(), 1u);
  EXPECT_EQ(status.checks[0].result, CheckOutcome::Failed);
  EXPECT_TRUE(status.baselines.empty());
}

}  // namespace
}  // namespace rg
