// Honest phase (Inconclusive), inconclusiveLimit and the record of passed revisions
// (passedTemplateHashes) that podReadinessGate acts on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <tuple>

#include "reconcilers/actions/pause.hpp"
#include "reconcilers/evaluation/gate_evaluation.hpp"
#include "tests/unit/evaluation/evaluation_fixtures.hpp"

namespace rg {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace evaluation_fixtures;  // its builders, and nlohmann::json as json

// A gate on Deployment api: a static replicas check, a Critical error-rate check and a Warning
// latency check; `errorRateExtra` adds fields to error-rate ("inconclusiveLimit: 3").
Gate makeGate(const std::string& onFailure, const std::string& errorRateExtra = "",
              const std::string& specExtra = "") {
  return parseTestGate({.onFailure = onFailure,
                        .more = specExtra,
                        .checks = replicasErrorRateLatency(errorRateExtra, "{max: 1}")});
}

std::string hashOf(int revision) {
  return "h" + std::to_string(revision);
}

// Deployment api on `revision`, owning ReplicaSets h1 .. h<revision>.
Workload workloadAt(int revision, const std::string& uid = "dep-uid") {
  Workload w;
  w.deployment = deployment(
      {.revision = revision,
       .image = "api:" + hashOf(revision),
       .uid = uid,
       .generation = revision,
       .status = {{"replicas", 2}, {"availableReplicas", 2}, {"observedGeneration", revision}}});
  for (int r = 1; r <= revision; ++r)
    w.replicaSets.push_back(replicaSet(
        {.hash = hashOf(r), .revision = r, .image = "api:" + hashOf(r), .ownerUid = uid}));
  return w;
}

struct Harness {
  Gate gate;
  Workload workload = workloadAt(2);
  GateStatus status;
  std::map<std::string, RuntimeOutcome> byQuery;
  Time now = kStart;

  explicit Harness(const std::string& onFailure = "Report", const std::string& errorRateExtra = "",
                   const std::string& specExtra = "")
      : gate(makeGate(onFailure, errorRateExtra, specExtra)) {
    set("errors", CheckOutcome::Passed);
    set("latency", CheckOutcome::Passed);
  }
  void set(const std::string& query, CheckOutcome outcome) {
    byQuery[query] = {{outcome, "0.05", query + " measured"}, 0.05};
  }
  void noData(const std::string& query) {
    byQuery[query] = {CheckResult::inconclusive("query returned no sample"), std::nullopt};
  }
  Evaluation step(std::chrono::seconds advance = 10s) {
    now += advance;
    EvaluationInput in{&gate, &workload, &status, now,
                       [this](const CheckSpec& check, std::optional<double>) {
                         return byQuery.at(std::get<PrometheusCheck>(check.body).query);
                       }};
    Evaluation out = evaluateGate(in);
    status = out.status;
    return out;
  }
  const CheckStatus& check(const std::string& name) const { return *status.check(name); }
  const Condition& ready() const { return *status.condition("Ready"); }
  // The phase and the Ready condition's status and reason: three views of one verdict.
  std::tuple<std::optional<Phase>, std::string, std::string> phaseAndReady() const {
    return {status.phase, ready().status, ready().reason};
  }
};

TEST(InconclusiveLimit, ConsecutiveInconclusiveRoundsBecomeAFailure) {
  Harness h("Report", "    inconclusiveLimit: 3\n");
  h.noData("errors");
  auto first = h.step();
  EXPECT_EQ(h.check("error-rate").result, CheckOutcome::Inconclusive);
  EXPECT_EQ(h.check("error-rate").consecutiveInconclusive, 1);
  EXPECT_FALSE(first.criticalFailing);
  h.step(3s);  // a watch event between rounds: runtime results are reused, nothing counts
  EXPECT_EQ(h.check("error-rate").consecutiveInconclusive, 1);
  h.step(7s);
  EXPECT_EQ(h.check("error-rate").consecutiveInconclusive, 2);
  EXPECT_EQ(h.check("error-rate").result, CheckOutcome::Inconclusive);
  EXPECT_EQ(h.status.phase, Phase::Inconclusive);

  auto third = h.step();
  EXPECT_EQ(h.check("error-rate").consecutiveInconclusive, 3);
  EXPECT_EQ(h.check("error-rate").result, CheckOutcome::Failed);
  EXPECT_EQ(h.check("error-rate").message,
            "inconclusive for 3 rounds in a row (inconclusiveLimit 3): query returned no sample");
  EXPECT_TRUE(third.criticalFailing) << "failureLimit 1: the failure counts at once";
  EXPECT_EQ(h.status.phase, Phase::Failing);
  EXPECT_EQ(h.ready().status, "False");
  EXPECT_THAT(h.ready().message, HasSubstr("failing: error-rate"));
  ASSERT_EQ(third.events.size(), 1u);
  EXPECT_EQ(third.events[0].reason, "CheckFailed");
  EXPECT_THAT(third.events[0].message, HasSubstr("inconclusiveLimit 3"));

  h.step();
  EXPECT_EQ(h.check("error-rate").consecutiveInconclusive, 4);
  EXPECT_EQ(h.check("error-rate").message,
            "inconclusive for 4 rounds in a row (inconclusiveLimit 3): query returned no sample");
}

TEST(InconclusiveLimit, FailureActsLikeAnyOther) {
  Harness h("Rollback", "    inconclusiveLimit: 2\n");
  h.workload = workloadAt(3);
  h.step();  // revision 3 passes once
  h.noData("errors");
  EXPECT_EQ(h.step().action.kind, ActionKind::None);
  auto e = h.step();
  ASSERT_EQ(e.action.kind, ActionKind::Rollback);
  EXPECT_THAT(e.action.message, HasSubstr("error-rate"));
}

TEST(InconclusiveLimit, TheFailureCountsTowardFailureLimit) {
  // inconclusiveLimit 2 and failureLimit 2: the 2nd round without data is the 1st failure, the
  // 3rd round the 2nd, which acts.
  Harness h("Pause", "    inconclusiveLimit: 2\n    failureLimit: 2\n");
  h.noData("errors");
  h.step();
  auto second = h.step();
  EXPECT_EQ(h.check("error-rate").result, CheckOutcome::Failed);
  EXPECT_EQ(h.check("error-rate").consecutiveFailures, 1);
  EXPECT_FALSE(second.criticalFailing);
  EXPECT_EQ(second.action.kind, ActionKind::None);
  auto third = h.step();
  EXPECT_EQ(h.check("error-rate").consecutiveFailures, 2);
  EXPECT_TRUE(third.criticalFailing);
  EXPECT_EQ(third.action.kind, ActionKind::Pause);
}

TEST(InconclusiveLimit, AConclusiveResultRestartsTheCount) {
  Harness h("Report", "    inconclusiveLimit: 3\n");
  h.noData("errors");
  h.step();
  h.step();
  EXPECT_EQ(h.check("error-rate").consecutiveInconclusive, 2);
  h.set("errors", CheckOutcome::Passed);
  h.step();
  EXPECT_EQ(h.check("error-rate").consecutiveInconclusive, 0);
  h.noData("errors");
  h.step();
  h.step();
  EXPECT_EQ(h.check("error-rate").consecutiveInconclusive, 2);
  EXPECT_EQ(h.check("error-rate").result, CheckOutcome::Inconclusive) << "not 3 in a row";

  h.set("errors", CheckOutcome::Failed);
  h.step();
  EXPECT_EQ(h.check("error-rate").consecutiveInconclusive, 0) << "a failure is conclusive too";
}

TEST(InconclusiveLimit, ANewRevisionRestartsTheCount) {
  Harness h("Report", "    inconclusiveLimit: 3\n");
  h.noData("errors");
  h.step();
  h.step();
  EXPECT_EQ(h.check("error-rate").consecutiveInconclusive, 2);
  h.workload = workloadAt(3);
  auto e = h.step(1s);
  EXPECT_TRUE(e.round);
  EXPECT_EQ(h.check("error-rate").consecutiveInconclusive, 1) << "only revision 3's rounds count";
  EXPECT_EQ(h.check("error-rate").result, CheckOutcome::Inconclusive);
  EXPECT_FALSE(e.criticalFailing);
}

TEST(InconclusiveLimit, ARevisionFailedByTheLimitStartsOverOnTheNextRevision) {
  Harness h("Report", "    inconclusiveLimit: 1\n");
  h.noData("errors");
  h.step();
  EXPECT_EQ(h.check("error-rate").result, CheckOutcome::Failed);
  h.workload = workloadAt(3);
  h.set("errors", CheckOutcome::Passed);
  h.step(1s);
  EXPECT_EQ(h.check("error-rate").result, CheckOutcome::Passed);
  EXPECT_EQ(h.check("error-rate").consecutiveFailures, 0);
  EXPECT_EQ(h.status.phase, Phase::Passing);
}

TEST(InconclusiveLimit, WithoutALimitNoDataNeverActs) {
  Harness h("Rollback");
  h.workload = workloadAt(3);
  h.noData("errors");
  for (int i = 0; i < 20; ++i) EXPECT_EQ(h.step().action.kind, ActionKind::None);
  EXPECT_EQ(h.check("error-rate").consecutiveInconclusive, 20);
  EXPECT_EQ(h.check("error-rate").result, CheckOutcome::Inconclusive);
  EXPECT_EQ(h.check("error-rate").consecutiveFailures, 0);
}

TEST(InconclusiveLimit, AFailureStreakSurvivesInconclusiveRounds) {
  // failureLimit 3: failed, no data, failed, failed. The outage neither counts nor resets.
  Harness h("Report", "    failureLimit: 3\n");
  h.set("errors", CheckOutcome::Failed);
  h.step();
  h.noData("errors");
  h.step();
  EXPECT_EQ(h.check("error-rate").consecutiveFailures, 1);
  h.set("errors", CheckOutcome::Failed);
  h.step();
  EXPECT_EQ(h.check("error-rate").consecutiveFailures, 2);
  EXPECT_TRUE(h.step().criticalFailing);
  EXPECT_EQ(h.check("error-rate").consecutiveFailures, 3);
}

TEST(GatePhase, ACriticalInconclusiveCheckIsNotPassing) {
  Harness h;
  h.noData("errors");
  auto e = h.step();
  EXPECT_EQ(h.phaseAndReady(), std::tuple(Phase::Inconclusive, "Unknown", "ChecksInconclusive"));
  EXPECT_TRUE(e.criticalInconclusive);
  EXPECT_FALSE(e.criticalFailing);
  EXPECT_EQ(h.ready().message, "critical checks inconclusive: error-rate; 2 of 3 checks passing");
  EXPECT_EQ(toJson(h.status)["phase"], "Inconclusive");

  h.set("errors", CheckOutcome::Passed);
  h.step();
  EXPECT_EQ(h.phaseAndReady(), std::tuple(Phase::Passing, "True", "ChecksPassing"));
}

TEST(GatePhase, EveryRuntimeCheckInconclusiveNeverSaysPassing) {
  Harness h;
  h.noData("errors");
  h.noData("latency");
  for (int i = 0; i < 3; ++i) {
    h.step();
    EXPECT_EQ(h.status.phase, Phase::Inconclusive);
    EXPECT_NE(h.ready().status, "True");
  }
  EXPECT_THAT(h.ready().message, HasSubstr("warnings inconclusive: latency"));
}

TEST(GatePhase, FailingWinsOverInconclusive) {
  Harness h;
  h.noData("errors");
  h.workload.deployment.edit()["spec"]["replicas"] = 1;  // the static replicas check fails
  h.step();
  EXPECT_EQ(h.phaseAndReady(), std::tuple(Phase::Failing, "False", "ChecksFailing"));
}

TEST(GatePhase, WarningInconclusiveChecksDoNotChangeThePhase) {
  Harness h;
  h.noData("latency");
  auto e = h.step();
  EXPECT_EQ(h.status.phase, Phase::Passing);
  EXPECT_FALSE(e.criticalInconclusive);
  EXPECT_EQ(h.ready().status, "True");
  EXPECT_EQ(h.ready().message, "2 of 3 checks passing; warnings inconclusive: latency");
}

TEST(GatePhase, PausedKeepsItsPrecedenceAndIsNotResumedBlind) {
  Harness h("Pause");
  h.set("errors", CheckOutcome::Failed);
  ASSERT_EQ(h.step().action.kind, ActionKind::Pause);
  h.workload.deployment.edit()["spec"]["paused"] = true;
  h.workload.deployment
      .edit()["metadata"]["annotations"][std::string(actions::kPausedByAnnotation)] = "api";
  h.noData("errors");
  auto e = h.step();
  EXPECT_EQ(e.action.kind, ActionKind::None) << "not resumed while error-rate cannot be seen";
  EXPECT_EQ(h.status.phase, Phase::Paused);
  EXPECT_EQ(h.ready().status, "Unknown");
  h.set("errors", CheckOutcome::Passed);
  EXPECT_EQ(h.step().action.kind, ActionKind::Resume);
  EXPECT_EQ(h.status.phase, Phase::Passing);
}

TEST(PassedRevisions, RecordedWhenEveryCriticalCheckPassed) {
  Harness h;
  auto e = h.step();
  EXPECT_EQ(e.currentTemplateHash, "h2");
  EXPECT_TRUE(e.blockingChecks.empty());
  EXPECT_THAT(h.status.passedTemplateHashes, ElementsAre("h2"));
  h.step();
  EXPECT_THAT(h.status.passedTemplateHashes, ElementsAre("h2")) << "recorded once";
  EXPECT_EQ(toJson(h.status)["passedTemplateHashes"], json::array({"h2"}));
}

TEST(PassedRevisions, NotRecordedWhileACriticalCheckIsInconclusiveOrFailing) {
  Harness h("Report", "    failureLimit: 3\n");
  h.noData("errors");
  auto e = h.step();
  EXPECT_EQ(e.blockingChecks, std::vector<std::string>{"error-rate"});
  EXPECT_TRUE(h.status.passedTemplateHashes.empty()) << "inconclusive has not passed";

  h.set("errors", CheckOutcome::Failed);
  e = h.step();
  EXPECT_FALSE(e.criticalFailing) << "failureLimit 3 not reached";
  EXPECT_TRUE(h.status.passedTemplateHashes.empty()) << "a failure below the limit is no pass";

  h.set("errors", CheckOutcome::Passed);
  h.set("latency", CheckOutcome::Failed);  // Warning: does not block
  h.step();
  EXPECT_THAT(h.status.passedTemplateHashes, ElementsAre("h2"));
  EXPECT_FALSE(toJson(GateStatus{}).contains("passedTemplateHashes"));
}

TEST(PassedRevisions, APassedRevisionStaysPassedWhenAChecksFailsLater) {
  Harness h;
  h.step();
  h.set("errors", CheckOutcome::Failed);
  auto e = h.step();
  EXPECT_TRUE(e.criticalFailing);
  EXPECT_THAT(h.status.passedTemplateHashes, ElementsAre("h2"));

  h.workload = workloadAt(3);  // the next revision fails from the start
  e = h.step(1s);
  EXPECT_EQ(e.currentTemplateHash, "h3");
  EXPECT_THAT(h.status.passedTemplateHashes, ElementsAre("h2"));
  h.set("errors", CheckOutcome::Passed);
  h.step();
  EXPECT_THAT(h.status.passedTemplateHashes, ElementsAre("h2", "h3"));
}

TEST(PassedRevisions, NotJudgedBeforeTheControllerObservedTheTemplate) {
  // A template change: the Deployment's generation moved on, its revision annotation still names
  // revision 2 until the controller catches up. The static checks already read the new template.
  Harness h;
  h.workload.deployment.edit()["metadata"]["generation"] = 3;
  h.step();
  EXPECT_TRUE(h.status.passedTemplateHashes.empty());
  h.workload.deployment.edit()["status"]["observedGeneration"] = 3;
  h.step();
  EXPECT_THAT(h.status.passedTemplateHashes, ElementsAre("h2"));
}

TEST(PassedRevisions, BoundedNewestLast) {
  Harness h;
  for (int revision = 1; revision <= 12; ++revision) {
    h.workload = workloadAt(revision);
    h.step(1s);
  }
  ASSERT_EQ(h.status.passedTemplateHashes.size(), 10u);
  EXPECT_EQ(h.status.passedTemplateHashes.front(), "h3");
  EXPECT_EQ(h.status.passedTemplateHashes.back(), "h12");

  // A rollback re-activates revision 5's ReplicaSet as revision 13: it moves to the end.
  h.workload = workloadAt(12);
  h.workload.deployment.edit()["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
      "13";
  h.workload.replicaSets.edit(4)["metadata"]["annotations"]["deployment.kubernetes.io/revision"] =
      "13";
  h.workload.deployment.edit()["spec"]["template"]["spec"]["containers"][0]["image"] =
      "api:" + hashOf(5);
  h.step(1s);
  ASSERT_EQ(h.status.passedTemplateHashes.size(), 10u);
  EXPECT_EQ(h.status.passedTemplateHashes.back(), "h5");
  EXPECT_EQ(
      std::count(h.status.passedTemplateHashes.begin(), h.status.passedTemplateHashes.end(), "h5"),
      1);
}

TEST(PassedRevisions, ForgottenWhenTheTargetIsReplaced) {
  Harness h;
  h.step();
  EXPECT_THAT(h.status.passedTemplateHashes, ElementsAre("h2"));
  // Deleted and created again: same templates, same hashes, but new pods of another object.
  h.workload = workloadAt(2, "new-uid");
  h.noData("errors");
  h.step(1s);
  EXPECT_TRUE(h.status.passedTemplateHashes.empty());
}

json podOf(const std::string& hash, const char* gateCondition) {
  json pod = {
      {"metadata", {{"name", "api-" + hash + "-x"}, {"labels", {{"pod-template-hash", hash}}}}},
      {"spec", {{"readinessGates", json::array({{{"conditionType", "gates.readiness.dev/api"}}})}}},
      {"status", {{"conditions", json::array()}}}};
  if (gateCondition)
    pod["status"]["conditions"].push_back(
        {{"type", "gates.readiness.dev/api"}, {"status", gateCondition}});
  return pod;
}

TEST(PassedRevisions, APodTheGateSetTrueProvesItsRevisionPassed) {
  // The status was lost (or written before passedTemplateHashes existed) while error-rate fails;
  // the current revision's pods still carry the True only this gate sets on passed revisions.
  Harness h("Report", "", "  podReadinessGate: true\n");
  h.set("errors", CheckOutcome::Failed);
  h.workload.pods = {podOf("h2", "True"), podOf("h2", nullptr)};
  auto e = h.step();
  EXPECT_TRUE(e.criticalFailing);
  EXPECT_THAT(h.status.passedTemplateHashes, ElementsAre("h2"));

  // False or absent conditions prove nothing; nor does a pod of another revision; nor pods
  // when the gate does not gate pods.
  Harness other("Report", "", "  podReadinessGate: true\n");
  other.set("errors", CheckOutcome::Failed);
  other.workload.pods = {podOf("h2", "False"), podOf("h1", "True")};
  other.step();
  EXPECT_TRUE(other.status.passedTemplateHashes.empty());
  Harness ungated;
  ungated.set("errors", CheckOutcome::Failed);
  ungated.workload.pods = {podOf("h2", "True")};
  ungated.step();
  EXPECT_TRUE(ungated.status.passedTemplateHashes.empty());
}

TEST(GateStatus, NewFieldsRoundTrip) {
  Harness h("Report", "    inconclusiveLimit: 5\n");
  h.step();
  h.noData("errors");
  h.step();
  EXPECT_EQ(toJson(h.status)["checks"][1]["consecutiveInconclusive"], 1);
  EXPECT_EQ(statusFromJson(toJson(h.status)), h.status);
}

}  // namespace
}  // namespace rg
