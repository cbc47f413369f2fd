// Install for real: `helm install` of charts/readiness-gate and `kubectl apply -f
// manifests/install.yaml` (kubectl 1.32) against kube-apiserver 1.20 with RBAC enforced. The
// operator then runs outside the cluster with exactly the ServiceAccount token the install
// created (from the token Secret 1.20 makes for it) and the args of the installed Deployment,
// evaluates a gate and acts on its Deployment. Every API request it makes must be allowed: a
// refusal is logged at error level ("API request refused: ..."), and any such line fails the
// test, so a permission the operator needs and the install lacks fails here. With the chart's
// leader election (replicas 2), two operators elect one leader; SIGKILL of the leader hands
// over to the other within the lease duration, and the rollback is done exactly once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>

#include "tests/control_plane/ops_support.hpp"
#include "tests/control_plane/stand_in_kubelet.hpp"
#include "tests/e2e/support/http_get.hpp"
#include "tests/e2e/support/operator_process.hpp"

namespace rg::controlplane {
namespace {

using namespace ops;
using rg::e2e::eventually;
using rg::e2e::httpGet;

constexpr const char* kNs = "readiness-gate-system";
constexpr const char* kRelease = "readiness-gate";  // names the chart's objects readiness-gate
constexpr const char* kApps = "shop";

class InstallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ControlPlaneOptions options;
    options.installOperatorIdentity = false;  // the install under test creates it
    cp_ = std::make_unique<ControlPlane>(options);
    kubelet_ = std::make_unique<StandInKubelet>(cp_->clientConfig("stand-in-kubelet"));
    createNamespace(*cp_, kApps);
  }
  void TearDown() override {
    if (HasFailure()) {
      for (auto& op : operators_)
        if (op) std::cerr << "---- operator log (end):\n" << op->logTail(8000) << "\n";
      std::cerr << cp_->logTails();
    }
    operators_.clear();
    kubelet_.reset();
    cp_.reset();
  }

  rg::testing::ProcessResult helm(std::vector<std::string> args) {
    std::vector<std::string> argv = {std::string(RG_SOURCE_DIR) + "/.tools/bin/helm",
                                     "--kubeconfig", cp_->adminKubeconfig()};
    argv.insert(argv.end(), args.begin(), args.end());
    rg::testing::ProcessOptions options;
    options.env["HOME"] = cp_->dir();
    options.env["HELM_CACHE_HOME"] = cp_->dir() + "/helm/cache";
    options.env["HELM_CONFIG_HOME"] = cp_->dir() + "/helm/config";
    options.env["HELM_DATA_HOME"] = cp_->dir() + "/helm/data";
    return rg::testing::runProcess(argv, 120s, options);
  }

  // An operator process as the installed ServiceAccount, with the installed Deployment's args.
  rg::e2e::OperatorProcess& startOperator(const std::string& replica, bool waitReady = true) {
    const std::string dir = cp_->dir() + "/" + replica;
    std::filesystem::create_directories(dir);
    const std::string kubeconfig =
        tokenKubeconfig(*cp_, serviceAccountToken(*cp_, kNs, kRelease), dir + "/sa.kubeconfig");
    operators_.push_back(std::make_unique<rg::e2e::OperatorProcess>(rg::e2e::OperatorOptions{
        RG_OPERATOR_BINARY, kubeconfig, dir, installedOperatorArgs(*cp_, kNs, kRelease)}));
    auto& op = *operators_.back();
    if (waitReady) {
      op.start(60s);
    } else {
      op.launch();
    }
    logs_.push_back(dir + "/operator-1.log");
    return op;
  }

  static std::string readyz(rg::e2e::OperatorProcess& op) {
    auto reply = httpGet("http://127.0.0.1:" + std::to_string(op.healthPort()) + "/readyz");
    return reply.status == 200 ? reply.body : "";
  }

  json gate() {
    auto g = cp_->get("gates.readiness.dev/v1alpha1", "ReadinessGate", kApps, "web");
    return g ? *g : json();
  }
  json deployment() {
    auto d = cp_->get("apps/v1", "Deployment", kApps, "web");
    return d ? *d : json();
  }
  template <class Predicate>
  ::testing::AssertionResult waitForGate(Predicate predicate, std::chrono::milliseconds timeout,
                                         const std::string& what) {
    if (eventually([&] { return predicate(gate()); }, timeout, 200ms))
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "gate never " << what << ": " << gate().dump();
  }

  // No request of any operator was refused.
  ::testing::AssertionResult nothingRefused() {
    std::string refused;
    for (const auto& log : logs_)
      refused += joined(operatorLogLines(log, "error", "API request refused"));
    if (refused.empty()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "the install lacks permissions:\n" << refused;
  }

  // The chart's operator pauses a Deployment whose new revision fails the security check.
  void gatePausesABadRollout() {
    cp_->create(deploymentManifest(kApps, "web", kGoodImage));
    cp_->create(gateManifest(kApps, "web", "Pause"));
    ASSERT_TRUE(waitForGate(securityPassed, 30s, "passed"));
    setImage(*cp_, kApps, "web", kLatestImage);
    ASSERT_TRUE(waitForGate([](const json& g) { return gatePhase(g) == "Paused"; }, 30s, "paused"));
    EXPECT_TRUE(deployment().value("/spec/paused"_json_pointer, false));
    EXPECT_EQ(deploymentPatchesBy(*cp_, ControlPlane::operatorUser(), kApps, "web"), 1u);
    // Events were written (a refused Event would show in the log).
    EXPECT_TRUE(eventually(
        [&] {
          for (const auto& e : cp_->list("v1", "Event", kApps))
            if (e.value("reason", "") == "RolloutPaused") return true;
          return false;
        },
        10s, 200ms));
    EXPECT_TRUE(nothingRefused());
  }

  std::unique_ptr<ControlPlane> cp_;
  std::unique_ptr<StandInKubelet> kubelet_;
  std::vector<std::unique_ptr<rg::e2e::OperatorProcess>> operators_;
  std::vector<std::string> logs_;
};

TEST_F(InstallTest, HelmInstallGivesTheOperatorEveryPermissionItUses) {
  auto installed = helm({"install", kRelease, std::string(RG_SOURCE_DIR) + "/charts/readiness-gate",
                         "--namespace", kNs, "--create-namespace"});
  ASSERT_EQ(installed.exitCode, 0) << installed.out << installed.err;
  auto& op = startOperator("helm");
  EXPECT_EQ(readyz(op), "ok: leader\n");  // one replica: no election, it leads
  gatePausesABadRollout();
}

TEST_F(InstallTest, InstallYamlAppliesWithValidateFalseOn120AndGivesEveryPermission) {
  const std::string manifest = std::string(RG_SOURCE_DIR) + "/manifests/install.yaml";
  // 1.20 has no x-kubernetes-validations: kubectl's client-side validation refuses the CRD
  // (the README says to apply with --validate=false below 1.25).
  auto strict = cp_->kubectl({"apply", "-f", manifest});
  EXPECT_NE(strict.exitCode, 0);
  EXPECT_THAT(strict.err, ::testing::HasSubstr("x-kubernetes-validations"));
  auto applied = cp_->kubectl({"apply", "--validate=false", "-f", manifest});
  ASSERT_EQ(applied.exitCode, 0) << applied.out << applied.err;
  ASSERT_TRUE(eventually(
      [&] {
        auto crd = cp_->get("apiextensions.k8s.io/v1", "CustomResourceDefinition", "",
                            "readinessgates.gates.readiness.dev");
        if (!crd) return false;
        for (const auto& c : crd->value("/status/conditions"_json_pointer, json::array()))
          if (c.value("type", "") == "Established") return c.value("status", "") == "True";
        return false;
      },
      30s, 100ms));
  startOperator("manifest");
  gatePausesABadRollout();
}

TEST_F(InstallTest, ChartLeaderElectionFailsOverAfterSigkillAndRollsBackOnce) {
  auto installed = helm({"install", kRelease, std::string(RG_SOURCE_DIR) + "/charts/readiness-gate",
                         "--namespace", kNs, "--create-namespace", "--set", "replicas=2"});
  ASSERT_EQ(installed.exitCode, 0) << installed.out << installed.err;
  const auto args = installedOperatorArgs(*cp_, kNs, kRelease);
  ASSERT_THAT(args, ::testing::Contains("--leader-elect"));

  auto& first = startOperator("first");
  ASSERT_TRUE(eventually([&] { return readyz(first) == "ok: leader\n"; }, 30s));
  auto& second = startOperator("second");
  EXPECT_EQ(readyz(second), "ok: standby\n");
  cp_->create(deploymentManifest(kApps, "web", kGoodImage));
  cp_->create(gateManifest(kApps, "web", "Rollback"));
  ASSERT_TRUE(waitForGate(securityPassed, 30s, "passed"));

  first.kill(SIGKILL);  // no release: the standby waits for the lease to expire
  const auto killed = std::chrono::steady_clock::now();
  setImage(*cp_, kApps, "web", kLatestImage);
  // client-go's defaults, which the operator uses: lease 15 s, retries every 2 s to 4.4 s.
  ASSERT_TRUE(eventually([&] { return readyz(second) == "ok: leader\n"; }, 30s));
  const auto takeover = std::chrono::steady_clock::now() - killed;
  EXPECT_LE(takeover, 15s + 4400ms + 2s);
  std::cerr << "takeover after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(takeover).count() << " ms\n";

  ASSERT_TRUE(
      waitForGate([](const json& g) { return gatePhase(g) == "RolledBack"; }, 30s, "rolled back"));
  EXPECT_EQ(
      deployment().value("/spec/template/spec/containers/0/image"_json_pointer, std::string()),
      kGoodImage);
  // A few more rounds: still one rollback, by the one leader.
  std::this_thread::sleep_for(5s);
  EXPECT_EQ(deploymentPatchesBy(*cp_, ControlPlane::operatorUser(), kApps, "web"), 1u);
  EXPECT_EQ(deploymentPatchesBy(*cp_, ControlPlane::operatorUser(), kApps, "web", true), 1u);
  const auto lease = cp_->get("coordination.k8s.io/v1", "Lease", kNs, "readiness-gate-leader");
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->value("/spec/leaseTransitions"_json_pointer, 0), 1) << lease->dump();
  EXPECT_TRUE(nothingRefused());
}

}  // namespace
}  // namespace rg::controlplane
