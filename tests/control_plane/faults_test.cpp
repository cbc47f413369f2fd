// Faults only a real control plane has, with the operator running as the chart's
// ServiceAccount: kube-apiserver restarted mid-run; etcd compacted, so that watches resuming
// from their last resourceVersion get 410 and must relist; kube-controller-manager stopped
// while the operator rolls back. In each the operator keeps working (its watches come back)
// and acts exactly once, as counted in the API server's audit log.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/rest_client.hpp"
#include "tests/control_plane/ops_support.hpp"
#include "tests/control_plane/stand_in_kubelet.hpp"
#include "tests/e2e/support/operator_process.hpp"

namespace rg::controlplane {
namespace {

using namespace ops;
using rg::e2e::eventually;

constexpr const char* kApps = "shop";
const json::json_pointer kRevision("/metadata/annotations/deployment.kubernetes.io~1revision");

class ControlPlaneFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cp_ = std::make_unique<ControlPlane>();
    kubelet_ = std::make_unique<StandInKubelet>(cp_->clientConfig("stand-in-kubelet"));
    createNamespace(*cp_, kApps);
  }
  void TearDown() override {
    if (HasFailure()) {
      if (operator_) std::cerr << "---- operator log (end):\n" << operator_->logTail(8000) << "\n";
      std::cerr << cp_->logTails();
    }
    operator_.reset();
    kubelet_.reset();
    cp_.reset();
  }

  void startOperator() {
    operator_ = std::make_unique<rg::e2e::OperatorProcess>(rg::e2e::OperatorOptions{
        RG_OPERATOR_BINARY, cp_->operatorKubeconfig(), cp_->dir(), {"--log-level", "debug"}});
    operator_->start(60s);
  }

  // A Rollback gate on a good Deployment, evaluated Passing.
  void passingRollbackGate() {
    cp_->create(deploymentManifest(kApps, "web", kGoodImage));
    cp_->create(gateManifest(kApps, "web", "Rollback"));
    startOperator();
    ASSERT_TRUE(waitForGate(securityPassed, 30s, "passed"));
  }

  json gate() {
    auto g = cp_->get("gates.readiness.dev/v1alpha1", "ReadinessGate", kApps, "web");
    return g ? *g : json();
  }
  json deployment() {
    auto d = cp_->get("apps/v1", "Deployment", kApps, "web");
    return d ? *d : json();
  }
  std::string image() {
    return deployment().value("/spec/template/spec/containers/0/image"_json_pointer, std::string());
  }
  template <class Predicate>
  ::testing::AssertionResult waitForGate(Predicate predicate, std::chrono::milliseconds timeout,
                                         const std::string& what) {
    if (eventually([&] { return predicate(gate()); }, timeout, 200ms))
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "gate never " << what << ": " << gate().dump();
  }
  size_t rollbacks() {
    return deploymentPatchesBy(*cp_, ControlPlane::operatorUser(), kApps, "web", true);
  }
  size_t patches() { return deploymentPatchesBy(*cp_, ControlPlane::operatorUser(), kApps, "web"); }
  std::string operatorLog() const { return cp_->dir() + "/operator-1.log"; }

  // The bad revision is rolled back once; a few more rounds change nothing.
  void rolledBackExactlyOnce() {
    ASSERT_TRUE(waitForGate([](const json& g) { return gatePhase(g) == "RolledBack"; }, 40s,
                            "rolled back"));
    EXPECT_EQ(image(), kGoodImage);
    std::this_thread::sleep_for(5s);
    EXPECT_EQ(rollbacks(), 1u);
    EXPECT_EQ(patches(), 1u);
    EXPECT_TRUE(operator_->running()) << operator_->logTail();
  }

  // etcd's current revision, through its HTTP/JSON gateway.
  std::int64_t etcdRevision(rg::kube::RestClient& etcd) {
    rg::kube::RestRequest range;
    range.method = "POST";
    range.path = "/v3/kv/range";
    range.body = json({{"key", "AA=="}}).dump();  // any key: the header carries the revision
    const json answer = etcd.call(range);
    return std::stoll(answer.value("/header/revision"_json_pointer, std::string("0")));
  }

  std::unique_ptr<ControlPlane> cp_;
  std::unique_ptr<StandInKubelet> kubelet_;
  std::unique_ptr<rg::e2e::OperatorProcess> operator_;
};

TEST_F(ControlPlaneFaultTest, ApiServerRestartedMidRunWatchesComeBackAndItActsOnce) {
  passingRollbackGate();
  cp_->stopApiServer();
  std::this_thread::sleep_for(3s);  // the operator's watches and requests fail meanwhile
  cp_->startApiServer();
  EXPECT_TRUE(operator_->running()) << operator_->logTail();

  // Only re-established watches show the new revision to the operator's cache.
  setImage(*cp_, kApps, "web", kLatestImage);
  rolledBackExactlyOnce();
}

TEST_F(ControlPlaneFaultTest, EtcdCompactionMakesResumedWatchesExpireAndTheyRelist) {
  passingRollbackGate();
  // Writes the operator's watches see, so their last resourceVersion falls behind.
  for (int i = 0; i < 5; ++i)
    cp_->create({{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata", {{"name", "filler-" + std::to_string(i)}, {"namespace", kApps}}}});
  // With the API server down, compact etcd at its current revision: no resourceVersion the
  // operator holds can be served again, by the watch cache (refilled at start) or by etcd.
  cp_->stopApiServer();
  rg::kube::ClientConfig etcdConfig;
  etcdConfig.server = cp_->etcdUrl();
  etcdConfig.source = "etcd";
  rg::kube::RestClient etcd(etcdConfig);
  const std::int64_t revision = etcdRevision(etcd);
  rg::kube::RestRequest compact;
  compact.method = "POST";
  compact.path = "/v3/kv/compaction";
  compact.body = json({{"revision", std::to_string(revision)}, {"physical", true}}).dump();
  etcd.call(compact);
  // Compacted: a read at an older revision is refused by etcd itself.
  rg::kube::RestRequest old;
  old.method = "POST";
  old.path = "/v3/kv/range";
  old.body = json({{"key", "AA=="}, {"revision", std::to_string(revision - 1)}}).dump();
  const auto refused = etcd.send(old);
  EXPECT_NE(refused.status, 200);
  EXPECT_THAT(refused.body, ::testing::HasSubstr("compacted"));
  cp_->startApiServer();

  // The operator's watches resume from their old resourceVersions, are told 410 Expired, and
  // relist; after that a new revision is seen and rolled back once.
  EXPECT_TRUE(eventually(
      [&] { return !operatorLogLines(operatorLog(), "debug", "expired").empty(); }, 30s, 200ms))
      << operator_->logTail();
  setImage(*cp_, kApps, "web", kLatestImage);
  rolledBackExactlyOnce();
}

TEST_F(ControlPlaneFaultTest, ControllerManagerStoppedDuringARollbackCompletesItOnce) {
  passingRollbackGate();
  // The gate is suspended while the bad revision rolls out, so that the rollback happens only
  // once kube-controller-manager is down.
  auto& client = cp_->adminClient();
  const auto gates = resourceForKind("gates.readiness.dev/v1alpha1", "ReadinessGate");
  client.patch(gates, kApps, "web", rg::kube::PatchType::Merge, {{"spec", {{"suspend", true}}}});
  // The operator has seen the suspension once its status names the gate's new generation
  // (otherwise it could roll the new revision back before it sees it).
  ASSERT_TRUE(waitForGate(
      [](const json& g) {
        return g.value("/status/observedGeneration"_json_pointer, 0) ==
               g.value("/metadata/generation"_json_pointer, -1);
      },
      30s, "observed the suspension"));
  setImage(*cp_, kApps, "web", kLatestImage);
  // The controller has rolled revision 2 out and recorded it (the operator acts only on a
  // rollout the controller has observed).
  ASSERT_TRUE(eventually(
      [&] {
        const json d = deployment();
        return d.value(kRevision, std::string()) == "2" &&
               d.value("/status/observedGeneration"_json_pointer, 0) ==
                   d.value("/metadata/generation"_json_pointer, -1);
      },
      30s, 200ms));
  cp_->stopControllerManager();

  client.patch(gates, kApps, "web", rg::kube::PatchType::Merge, {{"spec", {{"suspend", false}}}});
  ASSERT_TRUE(eventually([&] { return rollbacks() == 1; }, 30s, 200ms)) << gate().dump();
  EXPECT_EQ(image(), kGoodImage);
  // Nobody rolls the template out meanwhile: the Deployment's status lags its generation. The
  // operator must not take that for a new bad revision.
  std::this_thread::sleep_for(5s);
  EXPECT_EQ(rollbacks(), 1u);
  const json stalled = deployment();
  EXPECT_LT(stalled.value("/status/observedGeneration"_json_pointer, 0),
            stalled.value("/metadata/generation"_json_pointer, 0));

  cp_->startControllerManager();
  // The real controller reuses the first ReplicaSet as revision 3.
  ASSERT_TRUE(
      eventually([&] { return deployment().value(kRevision, std::string()) == "3"; }, 30s, 200ms))
      << deployment().dump();
  rolledBackExactlyOnce();
}

}  // namespace
}  // namespace rg::controlplane
