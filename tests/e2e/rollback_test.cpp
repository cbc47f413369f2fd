// onFailure: Rollback against a real Prometheus: a bad image is rolled back exactly once, the
// same way `kubectl rollout undo` would, a latency regression against the previous revision's
// baseline is acted on, and a restart right after a rollback does not roll back again.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "tests/e2e/e2e_fixture.hpp"
#include "tests/support/subprocess.hpp"

namespace rg::e2e {
namespace {

constexpr const char* kJsonPatch = "application/json-patch+json";
constexpr const char* kBadHashesAnnotation = "gates.readiness.dev/bad-template-hashes";

class RollbackTest : public E2eTest {
 protected:
  // Deployment on kGoodImage, app, Prometheus, and a passing Rollback gate on the error ratio.
  void startPassing() {
    cluster().apply(deploymentManifest("web", kGoodImage));
    startApp();
    startPrometheus();
    const json checks = json::array({errorRateCheck(1)});
    cluster().apply(gateManifest(
        "web", "web", {{"interval", "1s"}, {"onFailure", "Rollback"}, {"checks", checks}}));
    startOperator();
    ASSERT_TRUE(waitForGate(
        "web",
        [&](const json& g) {
          if (gatePhase(g) != "Passing") return false;
          for (const auto& c : checks)
            if (!checkIs(g, c["name"], "Passed")) return false;
          return true;
        },
        20s, "passed every check"));
  }

  json replicaSetOfRevision(const std::string& revision) {
    for (const auto& rs : cluster().replicaSets())
      if (annotationOf(rs, "deployment.kubernetes.io/revision") == revision) return rs;
    return nullptr;
  }

  static std::string imageOf(const json& d) {
    return d.value("/spec/template/spec/containers/0/image"_json_pointer, std::string());
  }

  // Without null members: kubectl sends the template's zero metav1.Time as "creationTimestamp":
  // null; a typed API server decodes that and an absent field to the same value, while the test
  // API server keeps the JSON as sent.
  static json withoutNulls(const json& value) {
    if (!value.is_object()) return value;
    json out = json::object();
    for (const auto& [key, member] : value.items())
      if (!member.is_null()) out[key] = withoutNulls(member);
    return out;
  }

  // Annotations without the gates' own bookkeeping (docs/api.md: kept from the Deployment).
  static json withoutGateAnnotations(json annotations) {
    for (auto it = annotations.begin(); it != annotations.end();) {
      if (it.key().rfind("gates.readiness.dev/", 0) == 0)
        it = annotations.erase(it);
      else
        ++it;
    }
    return annotations;
  }
};

TEST_F(RollbackTest, BadImageIsRolledBackOnceAsKubectlRolloutUndoWould) {
  ASSERT_NO_FATAL_FAILURE(startPassing());
  cluster().setImage("web", kBadImage);
  cluster().api().waitForHooks();

  // The state the rollback starts from, copied before the operator acts on it.
  const json before = deployment();
  const std::vector<json> replicaSetsBefore = cluster().replicaSets();
  ASSERT_EQ(cluster().deploymentPatches(), 0u) << "the snapshot must precede the rollback";
  ASSERT_EQ(annotationOf(before, "deployment.kubernetes.io/revision"), "2");
  ASSERT_EQ(before["status"]["observedGeneration"], before["metadata"]["generation"]);
  ASSERT_EQ(replicaSetsBefore.size(), 2u);
  const std::string badHash =
      replicaSetOfRevision("2").value("/metadata/labels/pod-template-hash"_json_pointer, "");
  const std::string goodHash =
      replicaSetOfRevision("1").value("/metadata/labels/pod-template-hash"_json_pointer, "");

  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "RolledBack"; }, 20s, "rolled back"));
  ASSERT_TRUE(eventually(
      [&] {
        const json d = deployment();
        return imageOf(d) == kGoodImage &&
               annotationOf(d, "deployment.kubernetes.io/revision") == "3" &&
               d["status"].value("updatedReplicas", 0) == 2;
      },
      10s))
      << deployment().dump(2);

  const json g = gate();
  const json lastAction = g["status"]["lastAction"];
  EXPECT_EQ(lastAction.value("type", ""), "Rollback");
  EXPECT_EQ(lastAction.value("fromRevision", ""), "2");
  EXPECT_EQ(lastAction.value("toRevision", ""), "1");
  EXPECT_EQ(lastAction.value("badTemplateHash", ""), badHash);
  EXPECT_THAT(lastAction.value("message", ""), ::testing::HasSubstr("error-rate"));
  EXPECT_EQ(gateCondition(g, "RolledBack").value("status", ""), "True");
  EXPECT_EQ(gateCondition(g, "RolledBack").value("reason", ""), "ThresholdExceeded");
  ASSERT_TRUE(
      eventually([&] { return !cluster().events("Deployment", "web", "RolledBack").empty(); }, 5s));
  ASSERT_EQ(cluster().events("ReadinessGate", "web", "RolledBack").size(), 1u);
  EXPECT_THAT(cluster().events("ReadinessGate", "web", "RolledBack")[0].value("message", ""),
              ::testing::HasSubstr("rolled back from revision 2 to 1"));

  // The old ReplicaSet came back as revision 3 and runs the pods; the bad one is scaled down.
  EXPECT_EQ(replicaSetOfRevision("3").value("/metadata/labels/pod-template-hash"_json_pointer, ""),
            goodHash);
  // The bad pods go once the controller's next sync scales their ReplicaSet down, which can
  // follow the new one's updatedReplicas by a moment.
  EXPECT_TRUE(eventually(
      [&] {
        const auto pods = cluster().pods();
        return std::all_of(pods.begin(), pods.end(), [](const json& pod) {
          return pod.value("/spec/containers/0/image"_json_pointer, std::string()) == kGoodImage;
        });
      },
      10s))
      << "pods of the bad revision remain";

  // Exactly once, however many rounds follow while the error ratio's window still holds the bad
  // revision's errors.
  ASSERT_TRUE(waitForRounds("web", 5, 10s));
  EXPECT_EQ(cluster().deploymentPatches(), 1u);
  EXPECT_EQ(cluster().deploymentPatches(kJsonPatch), 1u);
  EXPECT_EQ(cluster().events("ReadinessGate", "web", "RolledBack").size(), 1u);

  // The same pre-rollback state in a second API server, rolled back by the real kubectl.
  ASSERT_EQ(::access(RG_KUBECTL_BINARY, X_OK), 0)
      << RG_KUBECTL_BINARY << " is missing: run scripts/fetch-tools.sh";
  TestCluster mirror(std::string(RG_SOURCE_DIR) + "/crds/readinessgates.gates.readiness.dev.yaml");
  for (const auto& rs : replicaSetsBefore) mirror.api().create(rs);  // before their owner
  mirror.api().create(before);
  mirror.api().waitForHooks();
  rg::testing::ProcessOptions options;
  options.env["HOME"] = mirror.dir();
  auto undo = rg::testing::runProcess(
      {RG_KUBECTL_BINARY, "--kubeconfig", mirror.kubeconfig(), "--cache-dir",
       mirror.dir() + "/kube-cache", "-n", mirror.ns(), "rollout", "undo", "deployment/web"},
      60s, options);
  ASSERT_EQ(undo.exitCode, 0) << undo.out << undo.err;
  EXPECT_THAT(undo.out, ::testing::HasSubstr("rolled back"));
  mirror.api().waitForHooks();
  const json byKubectl = *mirror.deployment("web");
  const json byOperator = deployment();
  EXPECT_EQ(withoutNulls(byOperator["spec"]["template"]),
            withoutNulls(byKubectl["spec"]["template"]));
  EXPECT_EQ(withoutGateAnnotations(byOperator["metadata"]["annotations"]),
            byKubectl["metadata"]["annotations"]);
  // What the operator adds to kubectl's patch: the record of the bad template.
  EXPECT_EQ(annotationOf(byOperator, kBadHashesAnnotation), badHash);
  EXPECT_EQ(mirror.controller().lastError(), "");
}

TEST_F(RollbackTest, LatencyRegressionAgainstThePreviousRevisionIsRolledBack) {
  const json latency = {{"name", "latency"},
                        {"prometheus", {{"address", ""}, {"query", kLatencyQuery}}},
                        {"threshold", {{"maxIncreasePercent", 50}}}};
  cluster().apply(deploymentManifest("web", kGoodImage));
  startApp();
  startPrometheus();
  json check = latency;
  check["prometheus"]["address"] = prometheus_->address();
  ASSERT_TRUE(prometheus_->waitForValue(kLatencyQuery, 20s));
  cluster().apply(gateManifest(
      "web", "web", {{"interval", "1s"}, {"onFailure", "Rollback"}, {"checks", {check}}}));
  startOperator();
  ASSERT_TRUE(waitForGate(
      "web",
      [](const json& g) { return gatePhase(g) == "Passing" && checkIs(g, "latency", "Passed"); },
      20s, "passed"));
  // Revision 1 has no baseline: the increase part passes.
  const double healthy = std::stod(gateCheck(gate(), "latency").value("value", "0"));
  EXPECT_GT(healthy, 0.05);
  EXPECT_LT(healthy, 0.1 + 1e-9);

  cluster().setImage("web", kSlowImage);
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "RolledBack"; }, 20s, "rolled back"));
  const json g = gate();
  // The baseline is the last value measured under revision 1.
  const std::string baseline = g.value("/status/baselines/latency"_json_pointer, std::string());
  ASSERT_FALSE(baseline.empty()) << g["status"].dump(2);
  EXPECT_LT(std::stod(baseline), 0.1 + 1e-9);
  EXPECT_EQ(g["status"]["lastAction"].value("type", ""), "Rollback");
  EXPECT_EQ(g["status"]["lastAction"].value("fromRevision", ""), "2");
  EXPECT_EQ(g["status"]["lastAction"].value("toRevision", ""), "1");
  ASSERT_TRUE(eventually([&] { return imageOf(deployment()) == kGoodImage; }, 10s));
  EXPECT_EQ(cluster().deploymentPatches(kJsonPatch), 1u);
  ASSERT_TRUE(eventually(
      [&] { return !cluster().events("ReadinessGate", "web", "CheckFailed").empty(); }, 5s));
  EXPECT_THAT(cluster().events("ReadinessGate", "web", "CheckFailed")[0].value("message", ""),
              ::testing::HasSubstr("latency"));
}

TEST_F(RollbackTest, OperatorKilledRightAfterARollbackDoesNotRollBackAgain) {
  ASSERT_NO_FATAL_FAILURE(startPassing());
  // SIGKILL the moment the rollback lands, before the operator can write the gate's status.
  std::atomic<pid_t> victim{operator_->pid()};
  std::atomic<bool> killed{false};
  const int hook = cluster().api().onChange([&](const rg::testing::StoreEvent& e) {
    if (e.storageKey != "apps/deployments" || !e.object || !e.previous) return;
    if (annotationOf(*e.object, kBadHashesAnnotation).empty() ||
        !annotationOf(*e.previous, kBadHashesAnnotation).empty())
      return;
    if (pid_t pid = victim.exchange(-1); pid > 0) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
  });
  cluster().setImage("web", kBadImage);
  ASSERT_TRUE(eventually([&] { return killed.load(); }, 20s)) << "no rollback happened";
  cluster().api().removeHook(hook);
  ASSERT_TRUE(eventually([&] { return !operator_->running(); }, 5s));
  ASSERT_EQ(cluster().deploymentPatches(kJsonPatch), 1u);
  cluster().api().waitForHooks();
  ASSERT_EQ(imageOf(deployment()), kGoodImage);

  startOperator();
  // The restarted operator evaluates the rolled-back revision for several rounds, while
  // Prometheus still reports the bad revision's errors, and does not roll back again.
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return g["status"].value("targetRevision", "") == "3"; }, 10s,
      "evaluated revision 3"));
  ASSERT_TRUE(waitForRounds("web", 6, 10s));
  EXPECT_EQ(cluster().deploymentPatches(kJsonPatch), 1u);
  EXPECT_EQ(imageOf(deployment()), kGoodImage);
  EXPECT_EQ(annotationOf(deployment(), "deployment.kubernetes.io/revision"), "3");
  EXPECT_EQ(cluster().replicaSets().size(), 2u);
  // Nor does it take any other action on the revision the rollback restored.
  EXPECT_EQ(cluster().deploymentPatches(), 1u);
  EXPECT_FALSE(deployment()["spec"].value("paused", false));
}

}  // namespace
}  // namespace rg::e2e
