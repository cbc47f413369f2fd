#include "reconcilers/spec/spec_parser.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reconcilers/offline/yaml_documents.hpp"

namespace rg {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json gateYaml(const std::string& specBody) {
  return offline::yamlToJson(
      "apiVersion: gates.readiness.dev/v1alpha1\n"
      "kind: ReadinessGate\n"
      "metadata: {name: checkout-api, namespace: shop}\n"
      "spec:\n" +
      specBody);
}

json withChecks(const std::string& checks) {
  return gateYaml("  targetRef: {name: checkout-api}\n  checks:\n" + checks);
}

// The single error message expected for an invalid gate.
std::string onlyError(const json& object) {
  auto result = parseGate(object);
  EXPECT_FALSE(result.gate.has_value());
  EXPECT_EQ(result.errors.size(), 1u) << result.errorSummary();
  return result.errorSummary();
}

TEST(SpecParser, AppliesDefaults) {
  auto result = parseGate(withChecks("  - {name: probes, probes: {}}\n"));
  ASSERT_TRUE(result.gate) << result.errorSummary();
  const Gate& gate = *result.gate;
  EXPECT_EQ(gate.name, "checkout-api");
  EXPECT_EQ(gate.namespace_, "shop");
  EXPECT_EQ(gate.spec.targetRef.apiVersion, "apps/v1");
  EXPECT_EQ(gate.spec.targetRef.kind, "Deployment");
  EXPECT_EQ(gate.spec.interval.value(), std::chrono::seconds(30));
  EXPECT_EQ(gate.spec.onFailure, FailureAction::Report);
  EXPECT_FALSE(gate.spec.suspend);
  ASSERT_EQ(gate.spec.checks.size(), 1u);
  const CheckSpec& check = gate.spec.checks[0];
  EXPECT_EQ(check.severity, Severity::Critical);
  EXPECT_EQ(check.failureLimit, 1);
  const auto& probes = std::get<ProbesCheck>(check.body);
  EXPECT_TRUE(probes.readiness);
  EXPECT_TRUE(probes.liveness);
  EXPECT_FALSE(probes.startup);
}

TEST(SpecParser, ParsesTheFullContractExample) {
  auto object = gateYaml(R"(  targetRef: {kind: Deployment, name: checkout-api}
  interval: 1m30s
  onFailure: Rollback
  suspend: false
  podReadinessGate: true
  checks:
  - name: probes
    severity: Critical
    failureLimit: 1
    probes: {readiness: true, liveness: true, startup: false}
  - name: resources
    resources:
      requireRequests: true
      requireLimits: true
      cpu:    {min: 500m,  max: "1"}
      memory: {min: 512Mi, max: 1Gi}
  - name: secrets
    secrets:
      required:
      - {name: checkout-db, keys: [DATABASE_URL, REDIS_URL]}
      referenced: true
  - name: env
    env:
      required: [NODE_ENV, LOG_LEVEL]
      equals: {NODE_ENV: production, DEBUG: "false"}
      forbidden: [YOUR_TEST_NUMBER]
      rejectLiteralSecrets: true
  - name: replicas
    replicas: {min: 2, minAvailablePercent: 100}
  - name: security
    security: {runAsNonRoot: true, forbidPrivileged: true, forbidLatestTag: true, readOnlyRootFilesystem: false}
  - name: health
    http:
      url: http://checkout-api.shop.svc:8080/health
      method: GET
      expectedStatus: [200]
      bodyContains: ""
      timeout: 2s
  - name: error-rate
    failureLimit: 2
    prometheus:
      address: http://prometheus.monitoring.svc:9090
      query: |
        sum(rate(http_requests_total{job="checkout",code=~"5.."}[1m]))
        / sum(rate(http_requests_total{job="checkout"}[1m]))
    threshold: {max: 0.10}
  - name: latency-regression
    prometheus:
      address: http://prometheus.monitoring.svc:9090
      query: histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[1m])))
    threshold: {maxIncreasePercent: 50}
)");
  auto result = parseGate(object);
  ASSERT_TRUE(result.gate) << result.errorSummary();
  const GateSpec& spec = result.gate->spec;
  EXPECT_EQ(spec.interval.value(), std::chrono::seconds(90));
  EXPECT_EQ(spec.onFailure, FailureAction::Rollback);
  EXPECT_TRUE(spec.podReadinessGate);
  ASSERT_EQ(spec.checks.size(), 9u);
  const auto& resources = std::get<ResourcesCheck>(spec.checks[1].body);
  EXPECT_EQ(*resources.cpu->min, *kube::Quantity::parse("0.5"));
  EXPECT_EQ(*resources.memory->max, *kube::Quantity::parse("1Gi"));
  const auto& secrets = std::get<SecretsCheck>(spec.checks[2].body);
  ASSERT_EQ(secrets.required.size(), 1u);
  EXPECT_EQ(secrets.required[0].keys, (std::vector<std::string>{"DATABASE_URL", "REDIS_URL"}));
  const auto& env = std::get<EnvCheck>(spec.checks[3].body);
  EXPECT_EQ(env.equals.at("DEBUG"), "false");
  EXPECT_TRUE(env.rejectLiteralSecrets);
  const auto& replicas = std::get<ReplicasCheck>(spec.checks[4].body);
  EXPECT_EQ(*replicas.min, 2);
  EXPECT_EQ(*replicas.minAvailablePercent, 100);
  const auto& http = std::get<HttpCheck>(spec.checks[6].body);
  EXPECT_EQ(http.expectedStatus, std::vector<int>{200});
  EXPECT_EQ(http.timeout.value(), std::chrono::seconds(2));
  EXPECT_EQ(spec.checks[7].failureLimit, 2);
  EXPECT_DOUBLE_EQ(*spec.checks[7].threshold->max, 0.10);
  EXPECT_DOUBLE_EQ(*spec.checks[8].threshold->maxIncreasePercent, 50);
  EXPECT_TRUE(isRuntimeCheck(spec.checks[8].body));
  EXPECT_STREQ(checkKindName(spec.checks[8].body), "prometheus");
}

TEST(SpecParser, UnknownCheckBody) {
  auto misspelt = parseGate(withChecks("  - {name: x, probez: {}}\n"));
  EXPECT_EQ(misspelt.errorSummary(),
            "spec.checks[0].probez: unknown field; spec.checks[0]: needs one check body: probes, "
            "resources, secrets, env, replicas, security, http, prometheus or rollout");
  auto result = parseGate(withChecks("  - {name: x, probes: {}, latency: {}}\n"));
  EXPECT_THAT(result.errorSummary(), HasSubstr("spec.checks[0].latency: unknown field"));
}

TEST(SpecParser, TwoBodiesInOneCheck) {
  EXPECT_EQ(onlyError(withChecks("  - {name: x, probes: {}, env: {required: [A]}}\n")),
            "spec.checks[0]: has 2 check bodies (probes, env); a check has exactly one");
}

TEST(SpecParser, DuplicateCheckNames) {
  EXPECT_EQ(onlyError(withChecks("  - {name: x, probes: {}}\n  - {name: x, replicas: {min: 1}}\n")),
            "spec.checks[1].name: duplicate check name \"x\"");
}

TEST(SpecParser, CheckNameMustBeDnsLabel) {
  EXPECT_THAT(onlyError(withChecks("  - {name: Error_Rate, probes: {}}\n")),
              HasSubstr("spec.checks[0].name: \"Error_Rate\" is not a DNS label"));
  EXPECT_EQ(onlyError(withChecks("  - {probes: {}}\n")), "spec.checks[0].name: is required");
}

TEST(SpecParser, BadDurations) {
  EXPECT_EQ(onlyError(gateYaml(
                "  targetRef: {name: a}\n  interval: 30\n  checks: [{name: p, probes: {}}]\n")),
            "spec.interval: 30 is not a duration (write it with a unit, e.g. \"30s\")");
  EXPECT_THAT(
      onlyError(gateYaml(
          "  targetRef: {name: a}\n  interval: 3 minutes\n  checks: [{name: p, probes: {}}]\n")),
      HasSubstr("spec.interval: \"3 minutes\" is not a duration"));
  EXPECT_EQ(onlyError(gateYaml(
                "  targetRef: {name: a}\n  interval: 500ms\n  checks: [{name: p, probes: {}}]\n")),
            "spec.interval: \"500ms\" is below the minimum 1s");
}

TEST(SpecParser, MissingTargetRef) {
  EXPECT_EQ(onlyError(gateYaml("  checks: [{name: p, probes: {}}]\n")),
            "spec.targetRef: is required");
  EXPECT_EQ(
      onlyError(gateYaml("  targetRef: {kind: Deployment}\n  checks: [{name: p, probes: {}}]\n")),
      "spec.targetRef.name: is required");
}

TEST(SpecParser, UnknownTargetKind) {
  EXPECT_EQ(onlyError(gateYaml(
                "  targetRef: {kind: StatefulSet, name: a}\n  checks: [{name: p, probes: {}}]\n")),
            "spec.targetRef.kind: unsupported target kind \"StatefulSet\" (supported: Deployment)");
  EXPECT_THAT(
      onlyError(gateYaml(
          "  targetRef: {apiVersion: apps/v1beta1, name: a}\n  checks: [{name: p, probes: {}}]\n")),
      HasSubstr("spec.targetRef.apiVersion: unsupported apiVersion"));
}

TEST(SpecParser, ThresholdOnAStaticCheck) {
  EXPECT_EQ(onlyError(withChecks("  - {name: r, replicas: {min: 2}, threshold: {max: 1}}\n")),
            "spec.checks[0].threshold: is only allowed on prometheus checks, not on replicas");
}

TEST(SpecParser, FailureLimitIsAtLeastOne) {
  EXPECT_EQ(onlyError(withChecks("  - {name: r, failureLimit: 0, probes: {}}\n")),
            "spec.checks[0].failureLimit: must be at least 1");
}

TEST(SpecParser, EnumsAreChecked) {
  EXPECT_EQ(
      onlyError(gateYaml(
          "  targetRef: {name: a}\n  onFailure: Delete\n  checks: [{name: p, probes: {}}]\n")),
      "spec.onFailure: \"Delete\" is not one of Report, Pause, Rollback");
  EXPECT_EQ(onlyError(withChecks("  - {name: p, severity: critical, probes: {}}\n")),
            "spec.checks[0].severity: \"critical\" is not one of Critical, Warning");
}

TEST(SpecParser, UnknownFieldsAreRejectedWhereverTheyAre) {
  EXPECT_EQ(onlyError(gateYaml(
                "  targetRef: {name: a}\n  intervall: 10s\n  checks: [{name: p, probes: {}}]\n")),
            "spec.intervall: unknown field");
  EXPECT_THAT(
      parseGate(withChecks("  - {name: r, resources: {cpu: {maximum: 1}, }}\n")).errorSummary(),
      ::testing::StartsWith("spec.checks[0].resources.cpu.maximum: unknown field"));
  EXPECT_EQ(onlyError(withChecks("  - {name: s, secrets: {required: [{name: a, key: [b]}]}}\n")),
            "spec.checks[0].secrets.required[0].key: unknown field");
}

TEST(SpecParser, WrongTypes) {
  EXPECT_EQ(onlyError(gateYaml(
                "  targetRef: {name: a}\n  suspend: maybe\n  checks: [{name: p, probes: {}}]\n")),
            "spec.suspend: must be true or false, got \"maybe\"");
  EXPECT_EQ(onlyError(gateYaml("  targetRef: {name: a}\n  checks: {name: p}\n")),
            "spec.checks: must be a list, got an object");
  EXPECT_EQ(onlyError(gateYaml("  targetRef: {name: a}\n  checks: []\n")),
            "spec.checks: must list at least one check");
  EXPECT_EQ(onlyError(withChecks("  - {name: e, env: {required: [A, 3]}}\n")),
            "spec.checks[0].env.required[1]: must be a non-empty string, got 3");
}

TEST(SpecParser, ObjectLevelErrors) {
  auto result = parseGate(json::array());
  EXPECT_FALSE(result.gate);
  auto noSpec = offline::yamlToJson(
      "apiVersion: gates.readiness.dev/v1alpha1\nkind: ReadinessGate\nmetadata: {name: a}\n");
  EXPECT_EQ(onlyError(noSpec), "spec: is required");
  auto wrongVersion = gateYaml("  targetRef: {name: a}\n  checks: [{name: p, probes: {}}]\n");
  wrongVersion["apiVersion"] = "gates.readiness.dev/v2";
  EXPECT_EQ(onlyError(wrongVersion), "apiVersion: must be gates.readiness.dev/v1alpha1");
}

TEST(SpecParser, ReportsEveryErrorNotJustTheFirst) {
  auto result =
      parseGate(gateYaml("  interval: soon\n  checks:\n  - {name: a, probes: {}, env: {}}\n  - "
                         "{name: b, replicas: {min: -2}}\n"));
  EXPECT_FALSE(result.gate);
  EXPECT_EQ(result.errors.size(), 4u) << result.errorSummary();
  EXPECT_THAT(result.errorSummary(), HasSubstr("spec.targetRef: is required"));
  EXPECT_THAT(result.errorSummary(), HasSubstr("spec.interval:"));
  EXPECT_THAT(result.errorSummary(), HasSubstr("spec.checks[0]: has 2 check bodies"));
  EXPECT_THAT(result.errorSummary(), HasSubstr("spec.checks[1].replicas.min"));
}

TEST(SpecParser, NamespaceDefaultsWhenAbsent) {
  auto object = withChecks("  - {name: p, probes: {}}\n");
  object["metadata"].erase("namespace");
  auto result = parseGate(object, "team-a");
  ASSERT_TRUE(result.gate);
  EXPECT_EQ(result.gate->namespace_, "team-a");
}

TEST(SpecParser, ReadsLiveObjectMetadataAndIgnoresStatus) {
  auto object = withChecks("  - {name: p, probes: {}}\n");
  object["metadata"]["generation"] = 4;
  object["metadata"]["uid"] = "1234";
  object["status"] = {{"phase", "Passing"}};
  auto result = parseGate(object);
  ASSERT_TRUE(result.gate) << result.errorSummary();
  EXPECT_EQ(result.gate->generation, 4);
  EXPECT_EQ(result.gate->uid, "1234");
}

TEST(SpecParser, InconclusiveLimitOnRuntimeChecksOnly) {
  auto result = parseGate(withChecks(
      "  - {name: h, inconclusiveLimit: 3, http: {url: \"http://a/\"}}\n"
      "  - {name: e, prometheus: {address: \"http://p:9090\", query: up}, threshold: {max: 1}}\n"));
  ASSERT_TRUE(result.gate) << result.errorSummary();
  EXPECT_EQ(result.gate->spec.checks[0].inconclusiveLimit, 3);
  EXPECT_EQ(result.gate->spec.checks[1].inconclusiveLimit, std::nullopt) << "default: no limit";

  EXPECT_EQ(onlyError(withChecks("  - {name: p, probes: {}}\n"
                                 "  - {name: r, inconclusiveLimit: 2, replicas: {min: 2}}\n")),
            "spec.checks[1].inconclusiveLimit: is only allowed on http and prometheus checks, not "
            "on replicas");
  EXPECT_EQ(
      onlyError(withChecks("  - {name: h, inconclusiveLimit: 0, http: {url: \"http://a/\"}}\n")),
      "spec.checks[0].inconclusiveLimit: must be at least 1");
  EXPECT_EQ(
      onlyError(withChecks("  - {name: h, inconclusiveLimit: two, http: {url: \"http://a/\"}}\n")),
      "spec.checks[0].inconclusiveLimit: must be an integer, got \"two\"");
}

}  // namespace
}  // namespace rg
