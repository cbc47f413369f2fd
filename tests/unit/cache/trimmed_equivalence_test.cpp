// Nothing a reader uses is trimmed away: every check, the rollback, pause and pod-condition
// planning, the revision variables, a whole gate evaluation and the mapping from objects to
// gates give the same answer on the full objects and on what the cache keeps of them, in
// several states of the same rollout.
#include <gtest/gtest.h>

#include <functional>

#include "kube/object_views.hpp"
#include "operator/cache_transforms.hpp"
#include "reconcilers/actions/pause.hpp"
#include "reconcilers/actions/pod_readiness.hpp"
#include "reconcilers/actions/rollback.hpp"
#include "reconcilers/checks/static_checks.hpp"
#include "reconcilers/evaluation/gate_evaluation.hpp"
#include "reconcilers/gate_dependencies.hpp"
#include "reconcilers/offline/yaml_documents.hpp"
#include "reconcilers/providers/revision_variables.hpp"
#include "reconcilers/spec/spec_parser.hpp"
#include "tests/unit/cache/cache_fixture.hpp"

namespace rg::cache {
namespace {

using fixture::Objects;
using nlohmann::json;

// Two minutes after the new revision's pod was created.
const Time kNow = *parseTime("2026-11-20T10:00:00Z");
constexpr const char* kGateName = "checkout-gate";
constexpr const char* kRevision = "deployment.kubernetes.io/revision";

Objects trimmed(Objects objects) {
  trimDeployment(objects.deployment);
  for (auto& rs : objects.replicaSets) trimReplicaSet(rs);
  for (auto& pod : objects.pods) trimPod(pod);
  for (auto& secret : objects.secrets) trimSecret(secret);
  for (auto& configMap : objects.configMaps) trimConfigMap(configMap);
  return objects;
}

Workload workloadOf(const Objects& objects, Time now) {
  Workload w;
  w.now = now;
  w.deployment = objects.deployment;
  w.replicaSets = objects.replicaSets;
  w.pods = objects.pods;
  for (const auto& secret : objects.secrets) w.secrets.add(secret);
  for (const auto& configMap : objects.configMaps) w.configMaps.add(configMap);
  return w;
}

Gate gateWith(const std::string& onFailure, const std::string& checks) {
  auto parsed = parseGate(offline::yamlToJson(R"(
apiVersion: gates.readiness.dev/v1alpha1
kind: ReadinessGate
metadata: {name: checkout-gate, namespace: shop, generation: 2, uid: gate-uid}
spec:
  targetRef: {name: checkout-api}
  interval: 30s
  podReadinessGate: true
  onFailure: )" + onFailure + "\n  checks:\n" +
                                              checks));
  EXPECT_TRUE(parsed.gate) << parsed.errorSummary();
  return parsed.gate ? *parsed.gate : Gate{};
}

// Every static check kind, each with what reads the most of the objects.
const char* kStaticChecks = R"(
  - {name: probes, probes: {readiness: true, liveness: true, startup: true}}
  - name: resources
    resources: {requireRequests: true, requireLimits: true, cpu: {min: 100m, max: "2"}, memory: {min: 128Mi, max: 1Gi}}
  - {name: security, security: {runAsNonRoot: true, forbidPrivileged: true, forbidLatestTag: true, readOnlyRootFilesystem: true}}
  - {name: replicas, replicas: {min: 2, minAvailablePercent: 100}}
  - name: secrets
    secrets:
      required: [{name: checkout-db, keys: [password, username, missing]}, {name: checkout-tls, keys: [tls.key]}]
      referenced: true
  - name: env
    env: {required: [POD_NAME, DB_HOST, NEW_CART, ABSENT], equals: {LOG_LEVEL: info}, forbidden: [DEBUG], rejectLiteralSecrets: true}
  - {name: rollout, rollout: {readyTimeout: 5m, maxRestarts: 2}}
)";

json resultJson(const CheckResult& r) {
  json out = {{"outcome", toString(r.outcome)}, {"value", r.value}, {"message", r.message}};
  if (r.recheckAt) out["recheckAt"] = formatTime(*r.recheckAt);
  return out;
}

json planJson(const actions::RollbackPlan& p) {
  return {{"possible", p.possible},
          {"refusal", actions::toString(p.refusal)},
          {"reason", p.reason},
          {"from", p.fromRevision},
          {"to", p.toRevision},
          {"toReplicaSet", p.toReplicaSet},
          {"toTemplateHash", p.toTemplateHash},
          {"badTemplateHash", p.badTemplateHash},
          {"patch", p.jsonPatch}};
}

json evaluationJson(const Evaluation& e) {
  json events = json::array();
  for (const auto& event : e.events)
    events.push_back({event.type, event.reason, event.message, event.alsoOnTarget});
  return {{"status", toJson(e.status)},
          {"events", events},
          {"action", {static_cast<int>(e.action.kind), e.action.patch, e.action.message}},
          {"criticalFailing", e.criticalFailing},
          {"criticalInconclusive", e.criticalInconclusive},
          {"currentTemplateHash", e.currentTemplateHash},
          {"blockingChecks", e.blockingChecks},
          {"recheckAt", e.recheckAt ? formatTime(*e.recheckAt) : ""}};
}

json revisionJson(const providers::RevisionVariables& v) {
  return {v.namespace_, v.name, v.revision, v.podTemplateHash, v.gate};
}

// Everything the operator derives from the objects of one target, as one document.
json answers(const Objects& objects, Time now) {
  const Workload w = workloadOf(objects, now);
  json out;

  const Gate all = gateWith("Report", kStaticChecks);
  for (const auto& check : all.spec.checks)
    out["checks"][check.name] = resultJson(checks::evaluateStatic(check, w));

  const auto bad = actions::recordedBadHashes(w.deployment);
  out["badHashes"] = bad;
  // As the action plan calls it (action_plan.cpp).
  out["rollback"] = planJson(actions::planRollback(w.deploymentWithTemplate(), w.replicaSets));
  auto plan = actions::planRollback(w.deploymentWithTemplate(), w.replicaSets, bad);
  actions::recordBadHash(plan, bad);
  out["rollbackAvoidingBad"] = planJson(plan);
  out["currentRevision"] = kube::DeploymentView(w.deployment).revision().value_or(-1);
  for (const json& rs : actions::controlledReplicaSets(w.deployment, w.replicaSets)) {
    out["controlled"].push_back({kube::ReplicaSetView(rs).podTemplateHash(),
                                 kube::ReplicaSetView(rs).revision().value_or(-1),
                                 actions::isBadRevision(rs, bad)});
  }

  for (bool failing : {true, false}) {
    auto decision = actions::decidePauseFor(failing, w.deployment, kGateName);
    out["pause"].push_back(
        {actions::toString(decision),
         actions::pauseDecisionPatch(decision, w.deployment, kGateName).value_or(json())});
  }
  out["stalePauseMarker"] = actions::hasStalePauseMarker(w.deployment, kGateName);

  const std::string type = actions::conditionType(kGateName);
  for (const json& pod : w.pods) {
    json podOut = {kube::PodView(pod).podTemplateHash(), actions::podWantsGate(pod, type)};
    for (const auto& passed :
         {std::vector<std::string>{"5f6d7c8b9a"}, std::vector<std::string>{"7d9f8c6b5d"}}) {
      auto decision = actions::decidePodGate(pod, type, passed, "7d9f8c6b5d", {"rollout"});
      if (!decision) {
        podOut.push_back(nullptr);
        continue;
      }
      podOut.push_back({decision->status, decision->reason, decision->message,
                        actions::planPodCondition(pod, type, decision->status, decision->reason,
                                                  decision->message, "2026-11-20T10:00:00Z")
                            .value_or(json())});
    }
    // The same status again keeps the condition's lastTransitionTime.
    const bool current = actions::podConditionTrue(pod, type);
    podOut.push_back(
        actions::podConditionPatch(pod, type, current, "Same", "", "2026-11-20T10:00:00Z"));
    podOut.push_back(controllerName(pod, "ReplicaSet"));
    out["pods"].push_back(podOut);
  }
  for (const json& rs : w.replicaSets) out["rsOwners"].push_back(controllerName(rs, "Deployment"));
  // As ClusterCache maps Secret and ConfigMap changes to gates: from the template parsed again.
  out["secretNames"] = templateSecretNames(w.deploymentWithTemplate());
  out["configMapNames"] = templateConfigMapNames(w.deploymentWithTemplate());

  const Gate rollback = gateWith("Rollback", kStaticChecks);
  out["variables"] = revisionJson(providers::revisionVariables(rollback, w));
  auto previous = providers::previousRevisionVariables(rollback, w, {bad.begin(), bad.end()});
  out["previousVariables"] = previous ? revisionJson(*previous) : json();

  // Whole evaluations: the rollout check is the only Critical one, so each onFailure acts.
  const char* rolloutOnly = "  - {name: rollout, rollout: {readyTimeout: 5m}}\n";
  GateStatus none;
  GateStatus rolledBackBefore;
  rolledBackBefore.badTemplateHashes = {"7d9f8c6b5d"};
  rolledBackBefore.lastAction = LastAction{};
  rolledBackBefore.lastAction->type = "Rollback";
  rolledBackBefore.lastAction->fromRevision = "3";
  rolledBackBefore.lastAction->badTemplateHash = "7d9f8c6b5d";
  for (const char* onFailure : {"Rollback", "Pause", "Report"}) {
    const Gate gate = gateWith(onFailure, rolloutOnly);
    for (const GateStatus* before : {&none, &rolledBackBefore})
      out["evaluations"].push_back(evaluationJson(evaluateGate({&gate, &w, before, now, nullptr})));
  }
  return out;
}

void expectSameAnswers(const Objects& full, Time now = kNow) {
  const json fromFull = answers(full, now);
  const json fromTrimmed = answers(trimmed(full), now);
  EXPECT_EQ(fromTrimmed, fromFull) << "full:\n"
                                   << fromFull.dump(1) << "\ntrimmed:\n"
                                   << fromTrimmed.dump(1);
}

json& annotations(json& object) {
  return object["metadata"]["annotations"];
}

TEST(TrimmedEquivalence, CrashLoopingRevisionWithARecordedBadHash) {
  const Objects objects = fixture::load();
  // The scenario is one where the answers say something: the rollout check fails and a
  // rollback to revision 2 is planned.
  const json answer = answers(objects, kNow);
  EXPECT_EQ(answer["checks"]["rollout"]["outcome"], "Failed");
  EXPECT_EQ(answer["rollback"]["possible"], true);
  EXPECT_EQ(answer["rollback"]["to"], 2);
  expectSameAnswers(objects);
}

TEST(TrimmedEquivalence, RollbackPatchKeepsTheDeploymentsLastAppliedConfiguration) {
  const Objects full = fixture::load();
  const json patch = answers(trimmed(full), kNow)["rollback"]["patch"];
  ASSERT_TRUE(patch.is_array());
  const json& written = patch[1]["value"];
  EXPECT_EQ(written["kubectl.kubernetes.io/last-applied-configuration"],
            full.deployment["metadata"]["annotations"]
                           ["kubectl.kubernetes.io/last-applied-configuration"]);
  EXPECT_EQ(written["meta.helm.sh/release-name"], "checkout");
}

TEST(TrimmedEquivalence, HealthyRevision) {
  Objects objects = fixture::load();
  json& pod = objects.pods[3];
  pod["status"]["containerStatuses"][0]["ready"] = true;
  pod["status"]["containerStatuses"][0]["state"] = {{"running", {{"startedAt", "x"}}}};
  for (auto& condition : pod["status"]["conditions"])
    if (condition["type"] == "ContainersReady") condition["status"] = "True";
  expectSameAnswers(objects);
}

TEST(TrimmedEquivalence, PodsStillStarting) {
  Objects objects = fixture::load();
  json& pod = objects.pods[3];
  pod["status"]["conditions"] = json::array();
  pod["status"]["containerStatuses"][0] = {
      {"name", "api"},
      {"ready", false},
      {"restartCount", 0},
      {"state", {{"waiting", {{"reason", "ContainerCreating"}}}}}};
  // Created just before `now`: the rollout check asks to be evaluated again at the timeout.
  expectSameAnswers(objects, *parseTime("2026-11-20T09:59:00Z"));
}

TEST(TrimmedEquivalence, ImagePullFailureAndOomKilledInitContainer) {
  Objects objects = fixture::load();
  json& status = objects.pods[3]["status"];
  status["containerStatuses"][0]["state"] = {
      {"waiting", {{"reason", "ImagePullBackOff"}, {"message", "Back-off pulling image"}}}};
  status["initContainerStatuses"][0]["lastState"] = {
      {"terminated", {{"reason", "OOMKilled"}, {"exitCode", 137}}}};
  status["initContainerStatuses"][0]["restartCount"] = 3;
  expectSameAnswers(objects);
}

TEST(TrimmedEquivalence, PausedByTheGate) {
  Objects objects = fixture::load();
  objects.deployment["spec"]["paused"] = true;
  annotations(objects.deployment)["gates.readiness.dev/paused-by"] = kGateName;
  expectSameAnswers(objects);
}

TEST(TrimmedEquivalence, StalePauseMarker) {
  Objects objects = fixture::load();
  annotations(objects.deployment)["gates.readiness.dev/paused-by"] = kGateName;
  expectSameAnswers(objects);
}

TEST(TrimmedEquivalence, ProgressDeadlineExceeded) {
  Objects objects = fixture::load();
  objects.deployment["status"]["conditions"][1] = {
      {"type", "Progressing"},
      {"status", "False"},
      {"lastUpdateTime", "2026-11-20T10:08:12Z"},
      {"reason", "ProgressDeadlineExceeded"},
      {"message", "ReplicaSet \"checkout-api-7d9f8c6b5d\" has timed out progressing."}};
  expectSameAnswers(objects);
}

TEST(TrimmedEquivalence, NewGenerationNotObservedYet) {
  Objects objects = fixture::load();
  objects.deployment["metadata"]["generation"] = 6;
  expectSameAnswers(objects);
}

TEST(TrimmedEquivalence, TemplateChangedBeforeItsReplicaSetIsSeen) {
  Objects objects = fixture::load();
  objects.deployment["spec"]["template"]["spec"]["containers"][0]["image"] = "api:1.9.0";
  expectSameAnswers(objects);
}

TEST(TrimmedEquivalence, RevisionRestoredByAnEarlierRollback) {
  // Revision 4 re-activated the ReplicaSet of revision 2 (revision-history "2"); revision 3's
  // hash is recorded as rolled back.
  Objects objects = fixture::load();
  json& restored = objects.replicaSets[1];
  annotations(restored)[kRevision] = "4";
  annotations(restored)["deployment.kubernetes.io/revision-history"] = "2";
  annotations(objects.deployment)[kRevision] = "4";
  annotations(objects.deployment)["gates.readiness.dev/bad-template-hashes"] =
      "64f7d8c9b1,7d9f8c6b5d";
  json podTemplate = restored["spec"]["template"];
  podTemplate["metadata"]["labels"].erase("pod-template-hash");
  objects.deployment["spec"]["template"] = podTemplate;
  objects.pods.pop_back();
  const json answer = answers(objects, kNow);
  EXPECT_EQ(answer["variables"][2], "4");
  EXPECT_EQ(answer["variables"][3], "5f6d7c8b9a");
  expectSameAnswers(objects);
}

TEST(TrimmedEquivalence, DeploymentWithoutARevision) {
  // kubectl's fallback: the highest and second-highest revisions among the ReplicaSets.
  Objects objects = fixture::load();
  annotations(objects.deployment).erase(kRevision);
  expectSameAnswers(objects);
}

TEST(TrimmedEquivalence, MissingSecretAndConfigMap) {
  Objects objects = fixture::load();
  objects.secrets.erase(objects.secrets.begin());
  objects.configMaps.pop_back();
  expectSameAnswers(objects);
}

}  // namespace
}  // namespace rg::cache
