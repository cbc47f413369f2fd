// The rollout check offline: a manifest has no rollout to inspect (Skipped, exit code unchanged);
// objects dumped from a cluster (status, ReplicaSets, pods) are judged as online.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "offline_fixture.hpp"
#include "reconcilers/offline/offline_check.hpp"
#include "reconcilers/offline/report_format.hpp"

namespace rg::offline {
namespace {

using ::testing::HasSubstr;
using testing::kDeployment;
using testing::ManifestDir;

constexpr const char* kRolloutGate = R"(apiVersion: gates.readiness.dev/v1alpha1
kind: ReadinessGate
metadata: {name: api, namespace: shop}
spec:
  targetRef: {name: api}
  checks:
  - {name: replicas, replicas: {min: 2}}
  - {name: rollout, rollout: {}}
)";

TEST(OfflineRollout, ManifestWithoutStatusIsSkippedAndDoesNotFail) {
  ManifestDir dir;
  auto file = dir.write("all.yaml", std::string(kDeployment) + "---\n" + kRolloutGate);
  auto report = checkPaths({file});
  ASSERT_EQ(report.gates.size(), 1u);
  ASSERT_FALSE(report.gates[0].error);
  ASSERT_EQ(report.gates[0].checks.size(), 2u);
  const auto& rollout = report.gates[0].checks[1];
  EXPECT_EQ(rollout.kind, "rollout");
  EXPECT_EQ(rollout.result.outcome, CheckOutcome::Skipped);
  EXPECT_EQ(report.exitCode(), 0);
  const std::string text = formatText(report);
  EXPECT_THAT(text, HasSubstr("[-] rollout \xe2\x80\x94 skipped: no rollout to inspect offline"));
  // A skipped check is not counted as evaluated.
  EXPECT_THAT(text, HasSubstr("Result: PASSED (1 critical checks evaluated, none failing)"));
}

TEST(OfflineRollout, DumpedClusterStateIsJudged) {
  ManifestDir dir;
  const std::string deployment = std::string(kDeployment) +
                                 "status: {replicas: 2}\n"
                                 "---\n";
  std::string text = deployment;
  // metadata.annotations of the Deployment: the kDeployment fixture has none, so patch it in.
  text.replace(text.find("metadata: {name: api, namespace: shop}"),
               std::string("metadata: {name: api, namespace: shop}").size(),
               "metadata: {name: api, namespace: shop, annotations: "
               "{deployment.kubernetes.io/revision: \"1\"}}");
  text += R"(apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: api-aaa
  namespace: shop
  labels: {pod-template-hash: aaa}
  annotations: {deployment.kubernetes.io/revision: "1"}
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, controller: true}]
spec: {replicas: 2}
---
apiVersion: v1
kind: Pod
metadata:
  name: api-aaa-1
  namespace: shop
  labels: {pod-template-hash: aaa}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-aaa, controller: true}]
status:
  phase: Running
  containerStatuses:
  - name: api
    ready: false
    restartCount: 0
    state: {waiting: {reason: ImagePullBackOff}}
---
)";
  text += kRolloutGate;
  auto file = dir.write("dump.yaml", text);
  auto report = checkPaths({file});
  ASSERT_EQ(report.gates.size(), 1u);
  ASSERT_FALSE(report.gates[0].error) << *report.gates[0].error;
  const auto& rollout = report.gates[0].checks[1];
  EXPECT_EQ(rollout.result.outcome, CheckOutcome::Failed) << rollout.result.message;
  EXPECT_EQ(rollout.result.message, "revision 1: pod api-aaa-1 container api: ImagePullBackOff");
  EXPECT_EQ(report.exitCode(), 1);
}

}  // namespace
}  // namespace rg::offline
