// `{{...}}` variables offline: validated like online, and shown expanded where the manifests
// give values.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "offline_fixture.hpp"
#include "reconcilers/offline/offline_check.hpp"

namespace rg::offline {
namespace {

using testing::kDeployment;
using testing::ManifestDir;

const char* const kVariableGate = R"(apiVersion: gates.readiness.dev/v1alpha1
kind: ReadinessGate
metadata: {name: api-gate, namespace: shop}
spec:
  targetRef: {name: api}
  checks:
  - {name: probes, probes: {}}
  - name: errors
    prometheus:
      address: http://prometheus:9090
      query: 'sum(rate(x{namespace="{{namespace}}",pod=~"{{name}}-{{podTemplateHash}}-.*"}[1m]))'
    threshold: {max: 0.1}
  - {name: health, http: {url: "http://{{ name }}.{{namespace}}.svc:8080/health?g={{gate}}"}}
)";

TEST(OfflineVariables, UnknownVariableIsAnInvalidSpecNamingTheField) {
  ManifestDir dir;
  dir.write("deploy.yaml", kDeployment);
  std::string gate = kVariableGate;
  gate.replace(gate.find("{{podTemplateHash}}"), 19, "{{hash}}");
  dir.write("gate.yaml", gate);
  auto report = checkPaths({dir.path()});
  ASSERT_EQ(report.gates.size(), 1u);
  ASSERT_TRUE(report.gates[0].error);
  EXPECT_EQ(*report.gates[0].error,
            "invalid spec: spec.checks[1].prometheus.query: unknown variable {{hash}}; known: "
            "namespace, name, revision, podTemplateHash, gate");
  EXPECT_EQ(report.exitCode(), 2);
}

TEST(OfflineVariables, UnclosedBracesInAUrlAreAnInvalidSpec) {
  ManifestDir dir;
  dir.write("deploy.yaml", kDeployment);
  std::string gate = kVariableGate;
  gate.replace(gate.find("{{gate}}"), 8, "{{gate");
  dir.write("gate.yaml", gate);
  auto report = checkPaths({dir.path()});
  ASSERT_EQ(report.gates.size(), 1u);
  ASSERT_TRUE(report.gates[0].error);
  EXPECT_THAT(*report.gates[0].error,
              ::testing::StartsWith("invalid spec: spec.checks[2].http.url: unclosed {{ at"));
  EXPECT_EQ(report.exitCode(), 2);
}

TEST(OfflineVariables, SkippedRuntimeChecksShowWhatTheyWouldRun) {
  ManifestDir dir;
  dir.write("deploy.yaml", kDeployment);
  dir.write("gate.yaml", kVariableGate);
  auto report = checkPaths({dir.path()});
  ASSERT_EQ(report.gates.size(), 1u);
  ASSERT_FALSE(report.gates[0].error) << *report.gates[0].error;
  ASSERT_EQ(report.gates[0].checks.size(), 3u);
  const auto& errors = report.gates[0].checks[1];
  EXPECT_EQ(errors.result.outcome, CheckOutcome::Skipped);
  // A manifest has no ReplicaSet: the hash is only known in a cluster.
  EXPECT_EQ(errors.result.message,
            "runtime check: not evaluated offline (query: "
            R"(sum(rate(x{namespace="shop",pod=~"api-{{podTemplateHash}}-.*"}[1m]))))");
  EXPECT_EQ(report.gates[0].checks[2].result.message,
            "runtime check: not evaluated offline (url: "
            "http://api.shop.svc:8080/health?g=api-gate)");
  EXPECT_EQ(report.exitCode(), 0);
}

}  // namespace
}  // namespace rg::offline
