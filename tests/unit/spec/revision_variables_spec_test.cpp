// Validation of `{{...}}` variables in prometheus.query and http.url, and of
// threshold.baselineWindow.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reconcilers/offline/yaml_documents.hpp"
#include "reconcilers/spec/spec_parser.hpp"

namespace rg {
namespace {

using nlohmann::json;

json withChecks(const std::string& checks) {
  return offline::yamlToJson(
      "apiVersion: gates.readiness.dev/v1alpha1\n"
      "kind: ReadinessGate\n"
      "metadata: {name: web, namespace: shop}\n"
      "spec:\n"
      "  targetRef: {name: web}\n"
      "  checks:\n" +
      checks);
}

std::string onlyError(const json& object) {
  auto result = parseGate(object);
  EXPECT_FALSE(result.gate.has_value());
  EXPECT_EQ(result.errors.size(), 1u) << result.errorSummary();
  return result.errorSummary();
}

std::string promCheck(const std::string& query, const std::string& threshold = "{max: 1}") {
  return "  - {name: p, prometheus: {address: \"http://p:9090\", query: '" + query +
         "'}, threshold: " + threshold + "}\n";
}

TEST(SpecVariables, KnownVariablesParse) {
  auto result = parseGate(withChecks(
      promCheck(
          R"(sum(rate(x{namespace="{{namespace}}",pod=~"{{ name }}-{{podTemplateHash}}-.*"}[1m])) + {{revision}} * 0)") +
      "  - {name: h, http: {url: "
      "\"http://{{name}}.{{namespace}}.svc:8080/health?gate={{gate}}\"}}\n"));
  ASSERT_TRUE(result.gate) << result.errorSummary();
  EXPECT_EQ(
      std::get<PrometheusCheck>(result.gate->spec.checks[0].body).query,
      R"(sum(rate(x{namespace="{{namespace}}",pod=~"{{ name }}-{{podTemplateHash}}-.*"}[1m])) + {{revision}} * 0)")
      << "kept as written; expanded at each evaluation";
  EXPECT_EQ(std::get<HttpCheck>(result.gate->spec.checks[1].body).url,
            "http://{{name}}.{{namespace}}.svc:8080/health?gate={{gate}}");
}

TEST(SpecVariables, UnknownVariableNamesTheField) {
  EXPECT_EQ(onlyError(withChecks("  - {name: a, probes: {}}\n  - {name: b, probes: {}}\n  - {name: "
                                 "c, probes: {}}\n" +
                                 promCheck(R"(up{pod="{{pod}}"})"))),
            "spec.checks[3].prometheus.query: unknown variable {{pod}}; known: namespace, name, "
            "revision, podTemplateHash, gate");
  EXPECT_EQ(onlyError(withChecks("  - {name: h, http: {url: \"http://{{service}}.svc/\"}}\n")),
            "spec.checks[0].http.url: unknown variable {{service}}; known: namespace, name, "
            "revision, podTemplateHash, gate");
}

TEST(SpecVariables, UnclosedBracesNameTheField) {
  EXPECT_EQ(onlyError(withChecks(promCheck(R"(up{pod=~"{{name-.*"})"))),
            "spec.checks[0].prometheus.query: unclosed {{ at character 10; known variables: "
            "namespace, name, revision, podTemplateHash, gate");
  EXPECT_EQ(onlyError(withChecks("  - {name: h, http: {url: \"http://{{name.svc/\"}}\n")),
            "spec.checks[0].http.url: unclosed {{ at character 8; known variables: namespace, "
            "name, revision, podTemplateHash, gate");
}

TEST(SpecVariables, AUrlMustStillBeAUrlOnceExpanded) {
  EXPECT_EQ(onlyError(withChecks("  - {name: h, http: {url: \"{{name}}.svc/health\"}}\n")),
            "spec.checks[0].http.url: \"{{name}}.svc/health\" is not an http:// or https:// URL");
}

TEST(SpecVariables, BaselineWindow) {
  auto result =
      parseGate(withChecks(promCheck("x", "{maxIncreasePercent: 20, baselineWindow: 30m}") +
                           "  - {name: q, prometheus: {address: \"http://p:9090\", "
                           "query: other}, threshold: {maxIncreasePercent: 20}}\n"));
  ASSERT_TRUE(result.gate) << result.errorSummary();
  EXPECT_EQ(result.gate->spec.checks[0].threshold->baselineWindow.value(),
            std::chrono::minutes(30));
  EXPECT_EQ(result.gate->spec.checks[1].threshold->baselineWindow.value(), std::chrono::minutes(10))
      << "default";

  EXPECT_EQ(
      onlyError(withChecks(promCheck("x", "{maxIncreasePercent: 20, baselineWindow: 500ms}"))),
      "spec.checks[0].threshold.baselineWindow: \"500ms\" is below the minimum 1s");
  EXPECT_EQ(onlyError(withChecks(promCheck("x", "{maxIncreasePercent: 20, baselineWindow: ten}"))),
            "spec.checks[0].threshold.baselineWindow: \"ten\" is not a duration (e.g. \"30s\", "
            "\"1m30s\", \"500ms\")");
  EXPECT_EQ(onlyError(withChecks(promCheck("x", "{max: 1, baselineWindow: 10m}"))),
            "spec.checks[0].threshold.baselineWindow: is only used with maxIncreasePercent");
}

}  // namespace
}  // namespace rg
