#include <gtest/gtest.h>

#include "tests/unit/checks/check_fixtures.hpp"

namespace rg::checks {
namespace {

using namespace fixtures;

CheckSpec checkWith(CheckBody body) {
  CheckSpec spec;
  spec.name = "check";
  spec.body = std::move(body);
  return spec;
}

Workload sample() {
  auto workload = workloadWith(R"({"containers": [{"name": "api", "image": "app:latest",
      "readinessProbe": {"exec": {"command": ["true"]}},
      "securityContext": {"runAsNonRoot": true}}]})"_json);
  workload.deployment.edit()["spec"]["replicas"] = 2;
  return workload;
}

TEST(EvaluateStatic, DispatchesEachStaticKind) {
  auto workload = sample();
  EXPECT_EQ(evaluateStatic(checkWith(ProbesCheck{true, false, false}), workload).message,
            "1 container defines readinessProbe");
  EXPECT_EQ(evaluateStatic(checkWith(ResourcesCheck{}), workload).message,
            "container api: no cpu request; container api: no cpu limit; container api: no memory "
            "request; container api: no memory limit");
  EXPECT_EQ(evaluateStatic(checkWith(SecretsCheck{}), workload).message,
            "no secret references in the pod template");
  EXPECT_EQ(
      evaluateStatic(checkWith(EnvCheck{{"NODE_ENV"}, {}, {}, false, false}), workload).message,
      "container api: NODE_ENV is not set");
  EXPECT_EQ(evaluateStatic(checkWith(ReplicasCheck{2, std::nullopt}), workload).message,
            "2 replicas, at least 2");
  EXPECT_EQ(evaluateStatic(checkWith(SecurityCheck{}), workload).message,
            "container api: image app:latest uses the latest tag");
}

TEST(EvaluateStatic, OutcomeAndValueComeFromTheCheck) {
  auto result = evaluateStatic(checkWith(ProbesCheck{}), sample());
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.value, "0/1");
  EXPECT_EQ(result.message, "container api: no livenessProbe");
}

TEST(EvaluateStatic, RuntimeChecksAreSkipped) {
  HttpCheck http;
  http.url = "http://api:8080/health";
  PrometheusCheck prometheus;
  prometheus.address = "http://prometheus:9090";
  prometheus.query = "up";
  for (const CheckBody& body : {CheckBody{http}, CheckBody{prometheus}}) {
    auto result = evaluateStatic(checkWith(body), sample());
    EXPECT_EQ(result.outcome, CheckOutcome::Skipped);
    EXPECT_EQ(result.message, "runtime check: not evaluated offline");
    EXPECT_EQ(result.value, "");
  }
}

TEST(EvaluateStatic, MalformedDeploymentNeverThrows) {
  for (const auto& deployment : {json(), json::array(), json("Deployment"),
                                 R"({"spec": {"template": {"spec": []}}})"_json}) {
    Workload workload;
    workload.deployment = deployment;
    for (const CheckBody& body :
         {CheckBody{ProbesCheck{}}, CheckBody{ResourcesCheck{}}, CheckBody{SecretsCheck{}},
          CheckBody{EnvCheck{}}, CheckBody{SecurityCheck{}}}) {
      CheckResult result;
      EXPECT_NO_THROW(result = evaluateStatic(checkWith(body), workload));
      EXPECT_EQ(result.outcome, CheckOutcome::Failed) << deployment.dump();
      EXPECT_EQ(result.message, "pod template has no containers");
    }
    CheckResult replicas;
    EXPECT_NO_THROW(replicas = evaluateStatic(checkWith(ReplicasCheck{1, 100}), workload));
    EXPECT_EQ(replicas.outcome, CheckOutcome::Passed) << deployment.dump();
    EXPECT_EQ(replicas.message, "1 replica, at least 1; availability not observed (no status)");
  }
}

}  // namespace
}  // namespace rg::checks
