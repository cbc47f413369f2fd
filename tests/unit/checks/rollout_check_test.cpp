#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reconcilers/status/gate_status.hpp"
#include "tests/unit/checks/check_fixtures.hpp"
#include "tests/unit/checks/spec_fixtures.hpp"

namespace rg::checks {
namespace {

using namespace fixtures;
using namespace spec_fixtures;
using namespace std::chrono_literals;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

const Time kNow = std::chrono::system_clock::from_time_t(1'800'000'000);

json ownerRef(const std::string& kind, const std::string& name, const std::string& uid) {
  return json::array({{{"apiVersion", "apps/v1"},
                       {"kind", kind},
                       {"name", name},
                       {"uid", uid},
                       {"controller", true}}});
}

json replicaSet(const std::string& hash, int revision) {
  return {{"kind", "ReplicaSet"},
          {"metadata",
           {{"name", "api-" + hash},
            {"namespace", "shop"},
            {"uid", "rs-" + hash},
            {"labels", {{"pod-template-hash", hash}}},
            {"annotations", {{"deployment.kubernetes.io/revision", std::to_string(revision)}}},
            {"ownerReferences", ownerRef("Deployment", "api", "dep-uid")}}},
          {"spec",
           {{"replicas", 3},
            {"template", {{"metadata", {{"labels", {{"pod-template-hash", hash}}}}}}}}}};
}

json readyContainer(const std::string& name = "api") {
  return {{"name", name},
          {"ready", true},
          {"restartCount", 0},
          {"state", {{"running", json::object()}}}};
}

// A pod of ReplicaSet api-<hash>, created `age` before kNow, ready or not.
json pod(const std::string& name, const std::string& hash, std::chrono::seconds age, bool ready,
         json containers = nullptr) {
  if (containers.is_null()) {
    json c = readyContainer();
    c["ready"] = ready;
    if (!ready) c["state"] = {{"waiting", {{"reason", "ContainerCreating"}}}};
    containers = json::array({c});
  }
  return {{"kind", "Pod"},
          {"metadata",
           {{"name", name},
            {"namespace", "shop"},
            {"creationTimestamp", formatTime(kNow - age)},
            {"labels", {{"pod-template-hash", hash}}},
            {"ownerReferences", ownerRef("ReplicaSet", "api-" + hash, "rs-" + hash)}}},
          {"status",
           {{"phase", "Running"},
            {"conditions",
             json::array({{{"type", "ContainersReady"}, {"status", ready ? "True" : "False"}},
                          {{"type", "Ready"}, {"status", ready ? "True" : "False"}}})},
            {"containerStatuses", std::move(containers)}}}};
}

// Deployment api on revision 2 (ReplicaSets aaa = 1, bbb = 2), with a status.
Workload rollout(json deploymentSpec = json::object()) {
  Workload w;
  w.now = kNow;
  w.deployment = json{{"kind", "Deployment"},
                      {"metadata",
                       {{"name", "api"},
                        {"namespace", "shop"},
                        {"uid", "dep-uid"},
                        {"annotations", {{"deployment.kubernetes.io/revision", "2"}}}}},
                      {"spec", std::move(deploymentSpec)},
                      {"status", {{"replicas", 3}}}};
  w.replicaSets = {replicaSet("aaa", 1), replicaSet("bbb", 2)};
  return w;
}

json container(json fields) {
  json c = readyContainer();
  c["ready"] = false;
  c.update(fields);
  return c;
}

json waiting(const std::string& reason, int restarts, const std::string& message = "") {
  json state = {{"reason", reason}};
  if (!message.empty()) state["message"] = message;
  return container({{"restartCount", restarts}, {"state", {{"waiting", state}}}});
}

CheckResult check(const Workload& w, RolloutCheck spec = {}) {
  return checkRollout(spec, w);
}

TEST(RolloutCheck, AllPodsOfTheRevisionReady) {
  auto w = rollout();
  for (const char* name : {"api-bbb-1", "api-bbb-2", "api-bbb-3"})
    w.pods.push_back(pod(name, "bbb", 30s, true));
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.message, "revision 2: 3 of 3 pods ready");
  EXPECT_EQ(result.value, "3/3");
  EXPECT_FALSE(result.recheckAt);
}

TEST(RolloutCheck, StartingPodPassesAndAsksForARecheckAtItsDeadline) {
  auto w = rollout(R"({"progressDeadlineSeconds": 120})"_json);
  w.pods = {pod("api-bbb-1", "bbb", 100s, true), pod("api-bbb-2", "bbb", 100s, true),
            pod("api-bbb-3", "bbb", 30s, false), pod("api-bbb-4", "bbb", 60s, false)};
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.message, "revision 2: 2 of 4 pods ready, 2 starting");
  EXPECT_EQ(result.value, "2/4");
  // The earliest deadline: the pod created 60 s ago runs out of time in 60 s.
  ASSERT_TRUE(result.recheckAt);
  EXPECT_EQ(*result.recheckAt, kNow + 60s);
}

TEST(RolloutCheck, PodNotReadyAfterProgressDeadlineFails) {
  auto w = rollout(R"({"progressDeadlineSeconds": 120})"_json);
  w.pods = {pod("api-bbb-1", "bbb", 200s, true), pod("api-bbb-2", "bbb", 121s, false)};
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "revision 2: pod api-bbb-2: containers not ready 2m0s after creation");
  EXPECT_EQ(result.value, "1/2");
}

TEST(RolloutCheck, ReadyTimeoutDefaultsToSixHundredSeconds) {
  auto w = rollout();
  w.pods = {pod("api-bbb-1", "bbb", 599s, false)};
  auto starting = check(w);
  EXPECT_EQ(starting.outcome, CheckOutcome::Passed);
  ASSERT_TRUE(starting.recheckAt);
  EXPECT_EQ(*starting.recheckAt, kNow + 1s);

  w.pods = {pod("api-bbb-1", "bbb", 600s, false)};
  auto late = check(w);
  EXPECT_EQ(late.outcome, CheckOutcome::Failed);
  EXPECT_THAT(late.message, HasSubstr("not ready 10m0s after creation"));
}

TEST(RolloutCheck, ReadyTimeoutOverridesTheProgressDeadline) {
  auto w = rollout(R"({"progressDeadlineSeconds": 600})"_json);
  w.pods = {pod("api-bbb-1", "bbb", 45s, false)};
  RolloutCheck spec;
  spec.readyTimeout = kube::Duration(30s);
  auto result = check(w, spec);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_THAT(result.message, HasSubstr("pod api-bbb-1: containers not ready 30s after creation"));
}

// With podReadinessGate the gate holds Ready False until the revision passes: the check must
// read ContainersReady, or it would wait for itself.
TEST(RolloutCheck, ContainersReadyCountsNotTheReadyCondition) {
  auto w = rollout(R"({"progressDeadlineSeconds": 60})"_json);
  json held = pod("api-bbb-1", "bbb", 300s, true);
  held["status"]["conditions"][1] = {
      {"type", "Ready"}, {"status", "False"}, {"reason", "ReadinessGatesNotReady"}};
  w.pods = {held};
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.value, "1/1");

  // And the other way round: Ready True does not hide containers that are not ready.
  json notReady = pod("api-bbb-2", "bbb", 300s, false);
  notReady["status"]["conditions"][1]["status"] = "True";
  w.pods = {notReady};
  EXPECT_EQ(check(w).outcome, CheckOutcome::Failed);
}

TEST(RolloutCheck, WithoutContainersReadyEveryContainerMustBeReady) {
  auto w = rollout(R"({"progressDeadlineSeconds": 60})"_json);
  json p = pod("api-bbb-1", "bbb", 300s, true,
               json::array({readyContainer("api"), readyContainer("sidecar")}));
  p["status"].erase("conditions");
  w.pods = {p};
  EXPECT_EQ(check(w).outcome, CheckOutcome::Passed);
  p["status"]["containerStatuses"][1]["ready"] = false;
  w.pods = {p};
  EXPECT_EQ(check(w).outcome, CheckOutcome::Failed);
}

TEST(RolloutCheck, CrashLoopBackOffFails) {
  auto w = rollout();
  w.pods = {pod("api-bbb-1", "bbb", 30s, false, json::array({waiting("CrashLoopBackOff", 2)}))};
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "revision 2: pod api-bbb-1 container api: CrashLoopBackOff after 2 restarts");
  EXPECT_EQ(result.value, "0/1");
}

TEST(RolloutCheck, SingleRestartDoesNotFail) {
  auto w = rollout();
  // One crash, then the kubelet's first back-off: CrashLoopBackOff with one restart.
  w.pods = {pod("api-bbb-1", "bbb", 30s, false, json::array({waiting("CrashLoopBackOff", 1)})),
            pod("api-bbb-2", "bbb", 30s, true)};
  w.pods.edit(1)["status"]["containerStatuses"][0]["restartCount"] = 1;
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.message, "revision 2: 1 of 2 pods ready, 1 starting");
}

TEST(RolloutCheck, ImageAndConfigurationErrorsFailAtOnce) {
  for (const char* reason : {"ImagePullBackOff", "ErrImagePull", "InvalidImageName",
                             "CreateContainerConfigError", "CreateContainerError"}) {
    auto w = rollout();
    w.pods = {pod("api-bbb-1", "bbb", 1s, false,
                  json::array({waiting(reason, 0, "detail of " + std::string(reason))}))};
    auto result = check(w);
    EXPECT_EQ(result.outcome, CheckOutcome::Failed) << reason;
    EXPECT_EQ(result.message, "revision 2: pod api-bbb-1 container api: " + std::string(reason) +
                                  " (detail of " + reason + ")");
  }
}

TEST(RolloutCheck, LongKubeletMessagesAreShortened) {
  auto w = rollout();
  w.pods = {pod("api-bbb-1", "bbb", 1s, false,
                json::array({waiting("ErrImagePull", 0, std::string(5000, 'x'))}))};
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_LT(result.message.size(), 300u);
}

TEST(RolloutCheck, RestartsAboveMaxRestartsFail) {
  auto w = rollout();
  json running = readyContainer();
  running["restartCount"] = 4;
  w.pods = {pod("api-bbb-1", "bbb", 300s, true, json::array({running}))};
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "revision 2: pod api-bbb-1 container api: 4 restarts, at most 3 allowed");

  RolloutCheck lenient;
  lenient.maxRestarts = 4;
  EXPECT_EQ(check(w, lenient).outcome, CheckOutcome::Passed);
}

TEST(RolloutCheck, OomKilledLastTerminationFails) {
  auto w = rollout();
  json c = readyContainer();
  c["restartCount"] = 1;
  c["lastState"] = {{"terminated", {{"reason", "OOMKilled"}, {"exitCode", 137}}}};
  w.pods = {pod("api-bbb-1", "bbb", 300s, true, json::array({c}))};
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "revision 2: pod api-bbb-1 container api: OOMKilled");

  c["lastState"]["terminated"]["reason"] = "Error";
  w.pods = {pod("api-bbb-1", "bbb", 300s, true, json::array({c}))};
  EXPECT_EQ(check(w).outcome, CheckOutcome::Passed);
}

TEST(RolloutCheck, ProblemsOfOneContainerAreNamedTogether) {
  auto w = rollout();
  json c = waiting("CrashLoopBackOff", 5);
  c["lastState"] = {{"terminated", {{"reason", "OOMKilled"}}}};
  w.pods = {pod("api-bbb-1", "bbb", 300s, false, json::array({c}))};
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_THAT(result.message,
              HasSubstr("pod api-bbb-1 container api: CrashLoopBackOff after 5 restarts, "
                        "OOMKilled, 5 restarts, at most 3 allowed"));
}

TEST(RolloutCheck, InitContainersCount) {
  auto w = rollout();
  json p = pod("api-bbb-1", "bbb", 30s, false);
  json init = waiting("CrashLoopBackOff", 3);
  init["name"] = "migrate";
  p["status"]["initContainerStatuses"] = json::array({init});
  w.pods = {p};
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "revision 2: pod api-bbb-1 init container migrate: CrashLoopBackOff after 3 restarts");
}

TEST(RolloutCheck, ProgressDeadlineExceededFails) {
  auto w = rollout();
  w.deployment.edit()["status"]["conditions"] =
      json::array({{{"type", "Available"}, {"status", "True"}},
                   {{"type", "Progressing"},
                    {"status", "False"},
                    {"reason", "ProgressDeadlineExceeded"},
                    {"message", "ReplicaSet \"api-bbb\" has timed out progressing."}}});
  w.pods = {pod("api-bbb-1", "bbb", 30s, false)};
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "revision 2: Deployment: Progressing=False, ProgressDeadlineExceeded (ReplicaSet "
            "\"api-bbb\" has timed out progressing.)");

  // Progressing=True (NewReplicaSetAvailable, ReplicaSetUpdated) is no failure.
  w.deployment.edit()["status"]["conditions"][1] = {
      {"type", "Progressing"}, {"status", "True"}, {"reason", "ReplicaSetUpdated"}};
  EXPECT_EQ(check(w).outcome, CheckOutcome::Passed);
}

TEST(RolloutCheck, OldRevisionPodsNeverCount) {
  auto w = rollout();
  // Revision 1's pods crash-loop and are old; revision 2's single pod is fine.
  w.pods = {pod("api-aaa-1", "aaa", 900s, false, json::array({waiting("CrashLoopBackOff", 9)})),
            pod("api-aaa-2", "aaa", 900s, false, json::array({waiting("ErrImagePull", 0)})),
            pod("api-bbb-1", "bbb", 30s, true)};
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.message, "revision 2: 1 of 1 pod ready");
  EXPECT_THAT(result.message, Not(HasSubstr("aaa")));

  // And a failing new revision is not hidden by healthy old pods.
  w.pods = {pod("api-aaa-1", "aaa", 900s, true),
            pod("api-bbb-1", "bbb", 30s, false, json::array({waiting("CrashLoopBackOff", 2)}))};
  result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_THAT(result.message, AllOf(HasSubstr("api-bbb-1"), Not(HasSubstr("api-aaa-1"))));
  EXPECT_EQ(result.value, "0/1");
}

TEST(RolloutCheck, CurrentRevisionIsTheDeploymentsNotTheHighest) {
  // After a rollback the controller gives the restored ReplicaSet a new, higher revision; here
  // the Deployment is on revision 1 while a ReplicaSet with revision 2 still exists.
  auto w = rollout();
  w.deployment.edit()["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "1";
  w.pods = {pod("api-aaa-1", "aaa", 30s, true),
            pod("api-bbb-1", "bbb", 30s, false, json::array({waiting("CrashLoopBackOff", 4)}))};
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.message, "revision 1: 1 of 1 pod ready");
}

TEST(RolloutCheck, WithoutARevisionTheHighestReplicaSetIsCurrent) {
  auto w = rollout();
  w.deployment.edit()["metadata"].erase("annotations");
  w.pods = {pod("api-aaa-1", "aaa", 30s, true),
            pod("api-bbb-1", "bbb", 30s, false, json::array({waiting("CrashLoopBackOff", 4)}))};
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_THAT(result.message, HasSubstr("revision 2: pod api-bbb-1"));
}

TEST(RolloutCheck, PodsMatchByTemplateHashWithoutOwnerUids) {
  auto w = rollout();
  json p = pod("api-bbb-1", "bbb", 30s, false, json::array({waiting("ErrImagePull", 0)}));
  p["metadata"].erase("ownerReferences");
  json other = pod("api-aaa-1", "aaa", 30s, false, json::array({waiting("ErrImagePull", 0)}));
  other["metadata"].erase("ownerReferences");
  w.pods = {p, other};
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_THAT(result.message, AllOf(HasSubstr("api-bbb-1"), Not(HasSubstr("api-aaa-1"))));
}

TEST(RolloutCheck, TerminatingAndEvictedPodsAreNotJudged) {
  auto w = rollout();
  json terminating =
      pod("api-bbb-1", "bbb", 900s, false, json::array({waiting("CrashLoopBackOff", 9)}));
  terminating["metadata"]["deletionTimestamp"] = formatTime(kNow);
  json evicted = pod("api-bbb-2", "bbb", 900s, false);
  evicted["status"]["phase"] = "Failed";
  w.pods = {terminating, evicted, pod("api-bbb-3", "bbb", 30s, true)};
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.value, "1/1");
}

TEST(RolloutCheck, NoPodsYetIsInconclusive) {
  auto w = rollout();
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(result.message, "revision 2: no pods yet");

  w.replicaSets.edit(1)["spec"]["replicas"] = 0;
  EXPECT_EQ(check(w).outcome, CheckOutcome::Passed);
}

TEST(RolloutCheck, ReplicaSetNotSeenYetIsInconclusive) {
  auto w = rollout();
  w.deployment.edit()["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "3";
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(result.message, "revision 3: its ReplicaSet is not seen yet");
}

TEST(RolloutCheck, ManifestWithoutStatusIsSkipped) {
  auto w = rollout();
  w.deployment.edit().erase("status");
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Skipped);
  EXPECT_THAT(result.message, HasSubstr("no rollout to inspect offline"));
}

TEST(RolloutCheck, WrongTypedFieldsDoNotThrow) {
  auto w = rollout(R"({"progressDeadlineSeconds": "ten"})"_json);
  json p = pod("api-bbb-1", "bbb", 30s, false);
  p["status"]["containerStatuses"] = json::array({"x", 3, {{"restartCount", "many"}}});
  p["status"]["conditions"] = "none";
  p["metadata"]["creationTimestamp"] = 12;
  w.pods = {p, json("not a pod"), json::object()};
  w.deployment.edit()["status"]["conditions"] = json::array({"x", {{"type", 1}}});
  auto result = check(w);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.message, "revision 2: 0 of 1 pod ready, 1 starting");
}

TEST(RolloutCheck, EvaluateStaticDispatchesToIt) {
  auto w = rollout();
  w.pods = {pod("api-bbb-1", "bbb", 30s, false, json::array({waiting("ErrImagePull", 0)}))};
  CheckSpec spec;
  spec.name = "rollout";
  spec.body = RolloutCheck{};
  EXPECT_EQ(evaluateStatic(spec, w).outcome, CheckOutcome::Failed);
}

// Parsing of the rollout check body.

TEST(RolloutSpec, EmptyBodyTakesTheDefaults) {
  auto result = parseGate(withCheck("{name: rollout, rollout: {}}"));
  ASSERT_TRUE(result.gate) << result.errorSummary();
  const CheckSpec& check = result.gate->spec.checks[0];
  ASSERT_TRUE(std::holds_alternative<RolloutCheck>(check.body));
  EXPECT_STREQ(checkKindName(check.body), "rollout");
  EXPECT_FALSE(isRuntimeCheck(check.body));
  const auto& rollout = std::get<RolloutCheck>(check.body);
  EXPECT_EQ(rollout.maxRestarts, 3);
  EXPECT_FALSE(rollout.readyTimeout);
}

TEST(RolloutSpec, ReadsMaxRestartsAndReadyTimeout) {
  auto result =
      parseGate(withCheck("{name: rollout, rollout: {maxRestarts: 0, readyTimeout: 2m30s}}"));
  ASSERT_TRUE(result.gate) << result.errorSummary();
  const auto& rollout = std::get<RolloutCheck>(result.gate->spec.checks[0].body);
  EXPECT_EQ(rollout.maxRestarts, 0);
  ASSERT_TRUE(rollout.readyTimeout);
  EXPECT_EQ(rollout.readyTimeout->value(), 150s);
}

TEST(RolloutSpec, BadFieldsAreNamed) {
  EXPECT_EQ(errorsOf("{name: r, rollout: {maxRestart: 2}}"),
            "spec.checks[0].rollout.maxRestart: unknown field");
  EXPECT_EQ(errorsOf("{name: r, rollout: {maxRestarts: -1}}"),
            "spec.checks[0].rollout.maxRestarts: must not be negative");
  EXPECT_THAT(errorsOf("{name: r, rollout: {maxRestarts: many}}"),
              HasSubstr("spec.checks[0].rollout.maxRestarts: "));
  EXPECT_THAT(errorsOf("{name: r, rollout: {readyTimeout: 10}}"),
              HasSubstr("spec.checks[0].rollout.readyTimeout: 10 is not a duration"));
  EXPECT_THAT(errorsOf("{name: r, rollout: {readyTimeout: ten minutes}}"),
              HasSubstr("spec.checks[0].rollout.readyTimeout: \"ten minutes\" is not a duration"));
  EXPECT_EQ(errorsOf("{name: r, rollout: {readyTimeout: 0s}}"),
            "spec.checks[0].rollout.readyTimeout: must be greater than 0");
  EXPECT_THAT(errorsOf("{name: r, rollout: 3}"), HasSubstr("spec.checks[0].rollout: "));
}

TEST(RolloutSpec, ThresholdIsNotAllowed) {
  EXPECT_EQ(errorsOf("{name: r, rollout: {}, threshold: {max: 1}}"),
            "spec.checks[0].threshold: is only allowed on prometheus checks, not on rollout");
}

TEST(RolloutSpec, OneBodyOnly) {
  EXPECT_THAT(errorsOf("{name: r, rollout: {}, probes: {}}"), HasSubstr("has 2 check bodies"));
}

}  // namespace
}  // namespace rg::checks
