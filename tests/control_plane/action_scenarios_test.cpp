// Gates that act, on both back ends: a bad image rolled back exactly once and the same way
// `kubectl rollout undo` rolls back an identical Deployment; pause and resume; the pods'
// readiness gate condition; an operator restarted after a rollback does not roll back again.
#include <signal.h>

#include <algorithm>

#include "tests/control_plane/scenario_fixture.hpp"

namespace rg::controlplane {
namespace {

constexpr const char* kBadHashesAnnotation = "gates.readiness.dev/bad-template-hashes";
constexpr const char* kRevision = "deployment.kubernetes.io/revision";

class ActionScenario : public ScenarioTest {
 protected:
  // Deployment on kGoodImage, app, Prometheus, and a passing gate on the error ratio.
  void startPassing(const std::string& onFailure, int failureLimit) {
    cluster().apply(deploymentManifest("web", kGoodImage));
    startApp();
    startPrometheus();
    cluster().apply(gateManifest("web", "web",
                                 {{"interval", "1s"},
                                  {"onFailure", onFailure},
                                  {"checks", {errorRateCheck(failureLimit)}}}));
    startOperator();
    ASSERT_TRUE(waitForGate(
        "web",
        [](const json& g) {
          return gatePhase(g) == "Passing" && checkIs(g, "error-rate", "Passed");
        },
        30s, "passed"));
  }

  json replicaSetOfRevision(const std::string& revision) {
    for (const auto& rs : cluster().replicaSets())
      if (annotationOf(rs, kRevision) == revision) return rs;
    return nullptr;
  }

  // Without null members: kubectl sends the template's zero metav1.Time as
  // "creationTimestamp": null; a typed API server drops it, the test API server keeps it.
  static json withoutNulls(const json& value) {
    if (!value.is_object()) return value;
    json out = json::object();
    for (const auto& [key, member] : value.items())
      if (!member.is_null()) out[key] = withoutNulls(member);
    return out;
  }

  static json withoutGateAnnotations(json annotations) {
    for (auto it = annotations.begin(); it != annotations.end();) {
      if (it.key().rfind("gates.readiness.dev/", 0) == 0)
        it = annotations.erase(it);
      else
        ++it;
    }
    return annotations;
  }

  // Deployment `name` in `ns` has been seen by its controller at revision `revision`.
  ::testing::AssertionResult waitForRevision(const std::string& ns, const std::string& name,
                                             const std::string& revision) {
    json last;
    const bool ok = eventually(
        [&] {
          cluster().settle();
          auto d = cluster().get("apps/v1", "Deployment", name, ns);
          if (!d) return false;
          last = *d;
          return annotationOf(last, kRevision) == revision &&
                 last["status"].value("observedGeneration", -1) ==
                     last["metadata"].value("generation", -2);
        },
        60s, 50ms);
    if (ok) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << ns << "/" << name << " never reached revision " << revision << ": " << last.dump(2);
  }
};

TEST_P(ActionScenario, BadImageIsRolledBackOnceAsKubectlRolloutUndoWould) {
  ASSERT_NO_FATAL_FAILURE(startPassing("Rollback", 1));
  ASSERT_TRUE(waitForRevision(cluster().ns(), "web", "1"));
  const std::string goodHash =
      replicaSetOfRevision("1").value("/metadata/labels/pod-template-hash"_json_pointer, "");
  cluster().setImage("web", kBadImage, cluster().ns());

  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "RolledBack"; }, 30s, "rolled back"));
  ASSERT_TRUE(eventually(
      [&] {
        const json d = deployment();
        return imageOf(d) == kGoodImage && annotationOf(d, kRevision) == "3" &&
               d["status"].value("updatedReplicas", 0) == 2;
      },
      30s))
      << deployment().dump(2);

  const json g = gate();
  const json lastAction = g["status"]["lastAction"];
  EXPECT_EQ(lastAction.value("type", ""), "Rollback");
  EXPECT_EQ(lastAction.value("fromRevision", ""), "2");
  EXPECT_EQ(lastAction.value("toRevision", ""), "1");
  EXPECT_THAT(lastAction.value("message", ""), ::testing::HasSubstr("error-rate"));
  EXPECT_EQ(gateCondition(g, "RolledBack").value("status", ""), "True");
  ASSERT_TRUE(eventually(
      [&] { return !cluster().events("Deployment", "web", "RolledBack").empty(); }, 10s));
  EXPECT_EQ(cluster().events("ReadinessGate", "web", "RolledBack").size(), 1u);

  // The first ReplicaSet came back as revision 3 (both controllers reuse it by template hash)
  // and runs the pods once the bad ones are gone.
  EXPECT_EQ(replicaSetOfRevision("3").value("/metadata/labels/pod-template-hash"_json_pointer, ""),
            goodHash);
  EXPECT_EQ(lastAction.value("badTemplateHash", ""),
            replicaSetOfRevision("2").value("/metadata/labels/pod-template-hash"_json_pointer, ""));
  ASSERT_TRUE(eventually(
      [&] {
        auto pods = cluster().pods();
        return pods.size() == 2 && std::all_of(pods.begin(), pods.end(), [](const json& p) {
                 return p.value("/spec/containers/0/image"_json_pointer, std::string()) ==
                        kGoodImage;
               });
      },
      30s));

  // Exactly once, however many rounds follow while the error window still holds the bad
  // revision's errors.
  ASSERT_TRUE(waitForRounds("web", 5, 10s));
  EXPECT_EQ(cluster().operatorDeploymentPatches(), 1u);
  EXPECT_EQ(cluster().operatorDeploymentPatches(kJsonPatch), 1u);
  EXPECT_EQ(cluster().events("ReadinessGate", "web", "RolledBack").size(), 1u);
  const json byOperator = deployment();

  // An identical Deployment in another namespace of the same cluster, brought to the same
  // state (revision 2 on the bad image) and rolled back by kubectl 1.32.
  const std::string mirror = "mirror";
  cluster().apply({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", mirror}}}});
  json manifest = deploymentManifest("web", kGoodImage);
  manifest["metadata"]["namespace"] = mirror;
  cluster().apply(manifest);
  ASSERT_TRUE(waitForRevision(mirror, "web", "1"));
  cluster().setImage("web", kBadImage, mirror);
  ASSERT_TRUE(waitForRevision(mirror, "web", "2"));
  auto undo = cluster().kubectl({"-n", mirror, "rollout", "undo", "deployment/web"});
  ASSERT_EQ(undo.exitCode, 0) << undo.out << undo.err;
  EXPECT_THAT(undo.out, ::testing::HasSubstr("rolled back"));
  ASSERT_TRUE(waitForRevision(mirror, "web", "3"));
  const json byKubectl = *cluster().get("apps/v1", "Deployment", "web", mirror);
  EXPECT_EQ(withoutNulls(byOperator["spec"]["template"]),
            withoutNulls(byKubectl["spec"]["template"]));
  EXPECT_EQ(withoutGateAnnotations(byOperator["metadata"]["annotations"]),
            byKubectl["metadata"]["annotations"]);
  // What the operator adds to kubectl's patch: the record of the bad template.
  EXPECT_EQ(annotationOf(byOperator, kBadHashesAnnotation),
            lastAction.value("badTemplateHash", ""));
}

TEST_P(ActionScenario, FailingRevisionIsPausedAndResumedOnceTheAppIsFixed) {
  ASSERT_NO_FATAL_FAILURE(startPassing("Pause", 2));
  cluster().setImage("web", kBadImage, cluster().ns());
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Paused"; }, 30s, "paused the rollout"));
  json d = deployment();
  EXPECT_TRUE(d["spec"].value("paused", false));
  EXPECT_EQ(annotationOf(d, "gates.readiness.dev/paused-by"), "web");
  json g = gate();
  EXPECT_EQ(g["status"]["lastAction"].value("type", ""), "Pause");
  EXPECT_EQ(g["status"]["lastAction"].value("fromRevision", ""), "2");
  EXPECT_EQ(gateCondition(g, "Paused").value("status", ""), "True");
  ASSERT_TRUE(eventually(
      [&] { return !cluster().events("Deployment", "web", "RolloutPaused").empty(); }, 10s));
  EXPECT_EQ(cluster().operatorDeploymentPatches(), 1u);
  // The deployment controller saw the pause.
  ASSERT_TRUE(eventually(
      [&] {
        cluster().settle();
        for (const auto& c : deployment().value("/status/conditions"_json_pointer, json::array()))
          if (c.value("type", "") == "Progressing")
            return c.value("reason", "") == "DeploymentPaused";
        return false;
      },
      20s))
      << deployment()["status"].dump(2);

  // The application is fixed (same image, no more errors): the gate resumes the rollout.
  app_->setBehaviour(kBadImage, {0.0, 0.1});
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Passing"; }, 30s, "resumed"));
  d = deployment();
  EXPECT_FALSE(d["spec"].value("paused", false));
  EXPECT_EQ(annotationOf(d, "gates.readiness.dev/paused-by"), "");
  EXPECT_EQ(gate()["status"]["lastAction"].value("type", ""), "Resume");
  ASSERT_TRUE(eventually(
      [&] { return !cluster().events("ReadinessGate", "web", "RolloutResumed").empty(); }, 10s));
  ASSERT_TRUE(waitForRounds("web", 2, 10s));
  EXPECT_EQ(cluster().operatorDeploymentPatches(), 2u);
  EXPECT_EQ(cluster().operatorDeploymentPatches(kJsonPatch), 0u);
  EXPECT_EQ(annotationOf(deployment(), kRevision), "2");
}

TEST_P(ActionScenario, PodReadinessConditionFollowsTheCriticalChecks) {
  // The rule (docs/api.md): pods of a revision that passed get the condition True and keep it
  // when a check fails later; only pods of a revision that has not passed are held False.
  const std::string type = "gates.readiness.dev/web";
  const std::string nextImage = "shop/web:1.1";
  auto hashOf = [](const json& object) {
    return object.value("/metadata/labels/pod-template-hash"_json_pointer, std::string());
  };
  auto conditionOf = [](const json& pod, const std::string& t) {
    for (const auto& c : pod.value("/status/conditions"_json_pointer, json::array()))
      if (c.value("type", "") == t) return c;
    return json();
  };
  // "True"/"False" of `t` on every pod (of revision `hash` if given), "" for a pod without it.
  auto podConditions = [&](const std::string& t, const std::string& hash = "") {
    std::vector<std::string> out;
    for (const auto& pod : cluster().pods()) {
      if (!hash.empty() && hashOf(pod) != hash) continue;
      const json c = conditionOf(pod, t);
      out.push_back(c.is_null() ? "" : c.value("status", ""));
    }
    return out;
  };
  auto allPods = [&](const std::string& t, const std::string& status, size_t count = 2,
                     const std::string& hash = "") {
    auto all = podConditions(t, hash);
    return all.size() == count &&
           std::all_of(all.begin(), all.end(), [&](const auto& s) { return s == status; });
  };
  // The pod-template-hash of the Deployment's current revision.
  auto currentHash = [&] {
    return replicaSetOfRevision(annotationOf(deployment(), kRevision))
        .value("/metadata/labels/pod-template-hash"_json_pointer, std::string());
  };
  auto readyReplicas = [&] { return deployment()["status"].value("readyReplicas", 0); };

  json manifest = deploymentManifest("web", kGoodImage);
  manifest["spec"]["template"]["spec"]["readinessGates"] = {{{"conditionType", type}}};
  cluster().apply(manifest);
  startApp();
  cluster().apply(
      gateManifest("web", "web",
                   {{"interval", "1s"},
                    {"podReadinessGate", true},
                    {"checks",
                     {{{"name", "probes"}, {"probes", json::object()}},
                      {{"name", "health"}, {"http", {{"url", app_->url("/health")}}}}}}}));
  // Before the operator runs, the pods wait for the gate's condition.
  ASSERT_TRUE(eventually(
      [&] {
        cluster().settle();
        return allPods("Ready", "False");
      },
      30s))
      << ::testing::PrintToString(podConditions("Ready"));
  EXPECT_FALSE(deployment()["status"].contains("readyReplicas"));

  // Revision 1 passes: its pods get True and become Ready.
  startOperator();
  ASSERT_TRUE(eventually([&] { return allPods(type, "True"); }, 20s))
      << ::testing::PrintToString(podConditions(type));
  ASSERT_TRUE(eventually([&] { return allPods("Ready", "True"); }, 10s));
  ASSERT_TRUE(eventually([&] { return readyReplicas() == 2; }, 20s));
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Passing"; }, 10s, "passed"));
  const std::string first = currentHash();
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(gate()["status"]["passedTemplateHashes"], json::array({first}));
  for (const auto& pod : cluster().pods())
    EXPECT_EQ(conditionOf(pod, type).value("reason", ""), "RevisionPassed");

  // A check fails in steady state: the gate says so, the serving pods stay in.
  app_->setHealthy(false);
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Failing"; }, 20s, "failed"));
  ASSERT_TRUE(waitForRounds("web", 3, 20s));
  cluster().settle();
  EXPECT_TRUE(allPods(type, "True")) << ::testing::PrintToString(podConditions(type));
  EXPECT_TRUE(allPods("Ready", "True")) << ::testing::PrintToString(podConditions("Ready"));
  EXPECT_EQ(readyReplicas(), 2);

  // A new revision rolled out while health fails has not passed: its pod (one surge pod) is
  // held False and not Ready, the passed revision's pods keep serving.
  cluster().setImage("web", nextImage, cluster().ns());
  ASSERT_TRUE(eventually(
      [&] {
        cluster().settle();
        return currentHash() != first && !currentHash().empty();
      },
      30s));
  const std::string second = currentHash();
  ASSERT_TRUE(eventually([&] { return allPods(type, "False", 1, second); }, 20s))
      << ::testing::PrintToString(podConditions(type, second));
  ASSERT_TRUE(eventually([&] { return allPods("Ready", "False", 1, second); }, 10s));
  for (const auto& pod : cluster().pods())
    if (hashOf(pod) == second) {
      EXPECT_EQ(conditionOf(pod, type).value("reason", ""), "RevisionNotPassed");
    }
  ASSERT_TRUE(waitForGate(
      "web",
      [&](const json& g) {
        return g["status"].value("targetRevision", "") == "2" && gatePhase(g) == "Failing";
      },
      20s, "failed on revision 2"));
  ASSERT_TRUE(waitForRounds("web", 2, 20s));
  EXPECT_TRUE(allPods(type, "True", 2, first)) << ::testing::PrintToString(podConditions(type));
  EXPECT_TRUE(allPods("Ready", "True", 2, first));
  EXPECT_EQ(gate()["status"]["passedTemplateHashes"], json::array({first}));

  // Health comes back: revision 2 passes, its pods serve and the rollout completes.
  app_->setHealthy(true);
  ASSERT_TRUE(eventually(
      [&] {
        cluster().settle();
        return allPods(type, "True", 2, second) && allPods("Ready", "True", 2, second) &&
               podConditions(type).size() == 2;
      },
      60s))
      << ::testing::PrintToString(podConditions(type));
  ASSERT_TRUE(waitForGate(
      "web",
      [&](const json& g) {
        return g["status"].value("passedTemplateHashes", json()) == json::array({first, second});
      },
      20s, "recorded revision 2 as passed"));
  // Pod conditions go through pods/status; the Deployment itself is never touched.
  EXPECT_EQ(cluster().operatorDeploymentPatches(), 0u);
  EXPECT_GE(cluster().operatorPodStatusPatches(), 5u);
}

TEST_P(ActionScenario, OperatorKilledRightAfterARollbackDoesNotRollBackAgain) {
  ASSERT_NO_FATAL_FAILURE(startPassing("Rollback", 1));
  cluster().setImage("web", kBadImage, cluster().ns());
  // SIGKILL as soon as the rollback is visible, mostly before the operator wrote the gate's
  // status (a poll: the real API server has no hook to stop it in between).
  ASSERT_TRUE(eventually([&] { return !annotationOf(deployment(), kBadHashesAnnotation).empty(); },
                         30s, std::chrono::milliseconds(5)))
      << "no rollback happened";
  operator_->kill(SIGKILL);
  ASSERT_FALSE(operator_->running());
  ASSERT_TRUE(
      eventually([&] { return cluster().operatorDeploymentPatches(kJsonPatch) == 1; }, 10s));
  ASSERT_TRUE(eventually([&] { return annotationOf(deployment(), kRevision) == "3"; }, 30s));
  ASSERT_EQ(imageOf(deployment()), kGoodImage);

  startOperator();
  // The restarted operator evaluates the rolled-back revision for several rounds, while
  // Prometheus still reports the bad revision's errors, and does not roll back again.
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return g["status"].value("targetRevision", "") == "3"; }, 20s,
      "evaluated revision 3"));
  ASSERT_TRUE(waitForRounds("web", 6, 10s));
  EXPECT_EQ(cluster().operatorDeploymentPatches(kJsonPatch), 1u);
  EXPECT_EQ(cluster().operatorDeploymentPatches(), 1u);
  EXPECT_EQ(imageOf(deployment()), kGoodImage);
  EXPECT_EQ(annotationOf(deployment(), kRevision), "3");
  EXPECT_EQ(cluster().replicaSets().size(), 2u);
  EXPECT_FALSE(deployment()["spec"].value("paused", false));
}

RG_INSTANTIATE_SCENARIOS(ActionScenario);

}  // namespace
}  // namespace rg::controlplane
