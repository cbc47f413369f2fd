// The CRD's OpenAPI schema and the parser must accept exactly the same fields.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "reconcilers/offline/yaml_documents.hpp"
#include "reconcilers/spec/spec_fields.hpp"
#include "reconcilers/spec/spec_parser.hpp"
#include "reconcilers/status/gate_status.hpp"

namespace rg {
namespace {

using nlohmann::json;

json loadCrd() {
  std::ifstream in(std::string(RG_SOURCE_DIR) + "/crds/readinessgates.gates.readiness.dev.yaml");
  std::stringstream text;
  text << in.rdbuf();
  return offline::yamlToJson(text.str());
}

const json& versionSchema(const json& crd) {
  return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
}

// Collects every property path below `schema`; list items are written "[]".
// Maps (additionalProperties) are leaves, as in specFieldPaths().
void collect(const json& schema, const std::string& path, std::set<std::string>& out) {
  if (schema.contains("properties")) {
    for (const auto& [key, child] : schema["properties"].items()) {
      std::string childPath = path + "." + key;
      out.insert(childPath);
      collect(child, childPath, out);
    }
  }
  if (schema.value("type", "") == "array" && schema.contains("items"))
    collect(schema["items"], path + "[]", out);
}

TEST(CrdSchema, IdentifiesTheResource) {
  json crd = loadCrd();
  ASSERT_TRUE(crd.is_object()) << "crds/readinessgates.gates.readiness.dev.yaml is missing";
  EXPECT_EQ(crd["apiVersion"], "apiextensions.k8s.io/v1");
  EXPECT_EQ(crd["metadata"]["name"], "readinessgates.gates.readiness.dev");
  EXPECT_EQ(crd["spec"]["group"], "gates.readiness.dev");
  EXPECT_EQ(crd["spec"]["scope"], "Namespaced");
  EXPECT_EQ(crd["spec"]["names"]["kind"], kGateKind);
  EXPECT_EQ(crd["spec"]["names"]["plural"], "readinessgates");
  EXPECT_EQ(crd["spec"]["names"]["singular"], "readinessgate");
  EXPECT_EQ(crd["spec"]["names"]["shortNames"], json::array({"rgate"}));
  const json& version = crd["spec"]["versions"][0];
  EXPECT_EQ(std::string(crd["spec"]["group"]) + "/" + std::string(version["name"]),
            kGateApiVersion);
  EXPECT_TRUE(version["served"].get<bool>());
  EXPECT_TRUE(version["storage"].get<bool>());
  EXPECT_TRUE(version["subresources"].contains("status"));
}

TEST(CrdSchema, PrinterColumnsFollowTheContract) {
  const json crd = loadCrd();
  const json& columns = crd["spec"]["versions"][0]["additionalPrinterColumns"];
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& column : columns) got.emplace_back(column["name"], column["jsonPath"]);
  EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{
                     {"Target", ".spec.targetRef.name"},
                     {"Phase", ".status.phase"},
                     {"Revision", ".status.targetRevision"},
                     {"Age", ".metadata.creationTimestamp"}}));
}

TEST(CrdSchema, SpecFieldsMatchTheParserExactly) {
  std::set<std::string> schemaPaths;
  const json crd = loadCrd();
  collect(versionSchema(crd)["properties"]["spec"], "spec", schemaPaths);
  std::set<std::string> parserPaths(specFieldPaths().begin(), specFieldPaths().end());
  std::vector<std::string> onlyInSchema, onlyInParser;
  std::set_difference(schemaPaths.begin(), schemaPaths.end(), parserPaths.begin(),
                      parserPaths.end(), std::back_inserter(onlyInSchema));
  std::set_difference(parserPaths.begin(), parserPaths.end(), schemaPaths.begin(),
                      schemaPaths.end(), std::back_inserter(onlyInParser));
  EXPECT_THAT(onlyInSchema, ::testing::IsEmpty()) << "in the CRD, unknown to the parser";
  EXPECT_THAT(onlyInParser, ::testing::IsEmpty()) << "accepted by the parser, missing in the CRD";
}

// A real API server prunes status fields its schema does not declare: every field the status
// writer emits must be in the CRD, or state such as the rolled-back template hashes is lost.
void collectJson(const json& value, const std::string& path, std::set<std::string>& out) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) {
      // baselines is a map (additionalProperties): its keys are data, not fields.
      if (path == "status.baselines") continue;
      out.insert(path + "." + key);
      collectJson(child, path + "." + key, out);
    }
  } else if (value.is_array()) {
    for (const auto& item : value) collectJson(item, path + "[]", out);
  }
}

TEST(CrdSchema, EveryStatusFieldWrittenIsDeclared) {
  GateStatus status;
  status.observedGeneration = 3;
  status.phase = Phase::RolledBack;
  status.targetRevision = "4";
  status.targetUID = "uid";
  status.lastEvaluationTime = "2026-11-22T10:00:00Z";
  status.baselines["latency"] = "0.25";
  status.checks.push_back(
      {"latency", CheckOutcome::Failed, "0.9", "too slow", 2, "2026-11-22T10:00:00Z"});
  status.lastAction = LastAction{"Rollback", "4", "3", "bad", "good", "2026-11-22T10:00:00Z", "m"};
  status.pausedByGate = true;
  status.badTemplateHashes = {"bad"};
  status.passedTemplateHashes = {"good"};
  status.checks.back().consecutiveInconclusive = 1;
  status.setCondition({"Ready", "False", 3, "", "CheckFailed", "m"}, "2026-11-22T10:00:00Z");
  std::set<std::string> written;
  collectJson(toJson(status), "status", written);

  std::set<std::string> declared;
  const json crd = loadCrd();
  collect(versionSchema(crd)["properties"]["status"], "status", declared);
  std::vector<std::string> undeclared;
  std::set_difference(written.begin(), written.end(), declared.begin(), declared.end(),
                      std::back_inserter(undeclared));
  EXPECT_THAT(undeclared, ::testing::IsEmpty()) << "written to status, pruned by the API server";
  EXPECT_GE(written.size(), 20u);
}

TEST(CrdSchema, EveryFieldIsDescribedForKubectlExplain) {
  std::vector<std::string> undocumented;
  std::function<void(const json&, const std::string&)> walk = [&](const json& schema,
                                                                  const std::string& path) {
    if (!schema.contains("description")) undocumented.push_back(path);
    if (schema.contains("properties"))
      for (const auto& [key, child] : schema["properties"].items()) walk(child, path + "." + key);
    if (schema.contains("items")) walk(schema["items"], path + "[]");
  };
  const json crd = loadCrd();
  const json& root = versionSchema(crd);
  walk(root["properties"]["spec"], "spec");
  walk(root["properties"]["status"], "status");
  EXPECT_THAT(undocumented, ::testing::IsEmpty());
}

TEST(CrdSchema, DefaultsMatchTheParser) {
  const json crd = loadCrd();
  const json& spec = versionSchema(crd)["properties"]["spec"]["properties"];
  EXPECT_EQ(spec["interval"]["default"], "30s");
  EXPECT_EQ(spec["onFailure"]["default"], "Report");
  const json& check = spec["checks"]["items"]["properties"];
  EXPECT_EQ(check["severity"]["default"], "Critical");
  EXPECT_EQ(check["failureLimit"]["default"], 1);
  // The schema's defaults, applied by the API server, give what the parser assumes when absent.
  GateSpec defaults;
  EXPECT_EQ(defaults.interval.toString(), "30s");
  EXPECT_EQ(check["security"]["properties"]["runAsNonRoot"]["default"],
            SecurityCheck{}.runAsNonRoot);
  EXPECT_EQ(check["security"]["properties"]["readOnlyRootFilesystem"]["default"],
            SecurityCheck{}.readOnlyRootFilesystem);
  EXPECT_EQ(check["secrets"]["properties"]["referenced"]["default"], SecretsCheck{}.referenced);
  EXPECT_EQ(check["probes"]["properties"]["startup"]["default"], ProbesCheck{}.startup);
  EXPECT_EQ(check["http"]["properties"]["timeout"]["default"], HttpCheck{}.timeout.toString());
  EXPECT_EQ(check["prometheus"]["properties"]["timeout"]["default"],
            PrometheusCheck{}.timeout.toString());
  EXPECT_EQ(check["rollout"]["properties"]["maxRestarts"]["default"], RolloutCheck{}.maxRestarts);
  EXPECT_FALSE(check["rollout"]["properties"]["readyTimeout"].contains("default"));
}

TEST(CrdSchema, CrossFieldRulesAreDeclared) {
  const json crd = loadCrd();
  const json& item = versionSchema(crd)["properties"]["spec"]["properties"]["checks"]["items"];
  ASSERT_TRUE(item.contains("x-kubernetes-validations"));
  std::string rules;
  for (const auto& v : item["x-kubernetes-validations"])
    rules += v["rule"].get<std::string>() + "\n";
  EXPECT_THAT(rules, ::testing::HasSubstr("threshold"));
  EXPECT_THAT(rules, ::testing::HasSubstr("prometheus"));
  EXPECT_GE(item["x-kubernetes-validations"].size(), 2u);
}

// Collects every x-kubernetes-validations rule with the path of the schema node it sits on.
void collectRules(const json& schema, const std::string& path,
                  std::vector<std::pair<std::string, json>>& out) {
  if (schema.contains("x-kubernetes-validations"))
    for (const auto& rule : schema["x-kubernetes-validations"]) out.emplace_back(path, rule);
  if (schema.contains("properties"))
    for (const auto& [key, child] : schema["properties"].items())
      collectRules(child, path + "." + key, out);
  if (schema.value("type", "") == "array" && schema.contains("items"))
    collectRules(schema["items"], path + "[]", out);
}

// API servers before 1.25 drop the CEL rules (x-kubernetes-validations) of the CRD, so the
// operator's own validation must refuse every spec that a rule refuses. Each rule of the CRD,
// found by walking the schema, has here a spec that breaks it (and only it); the parser must
// refuse that spec with an error naming the field. A new rule without an entry fails.
TEST(CrdSchema, EveryCelRuleIsEnforcedByTheParser) {
  struct Violation {
    std::string spec;   // YAML of spec, with the check (when any) as checks[0]
    std::string field;  // expected in the error's path
  };
  const std::string probes = "{name: c, probes: {}}";
  const std::map<std::pair<std::string, std::string>, Violation> violations = {
      {{".spec.interval", "interval must be at least 1s"},
       {"interval: 500ms\nchecks: [" + probes + "]", "spec.interval"}},
      {{".spec.checks[]",
        "exactly one of probes, resources, secrets, env, replicas, security, http, prometheus, "
        "rollout must be set"},
       {"checks: [{name: c, probes: {}, security: {}}]", "spec.checks[0]"}},
      {{".spec.checks[]", "threshold is allowed only with prometheus"},
       {"checks: [{name: c, probes: {}, threshold: {max: 1}}]", "spec.checks[0].threshold"}},
      {{".spec.checks[]", "prometheus requires a threshold"},
       {"checks: [{name: c, prometheus: {address: 'http://p:9090', query: up}}]",
        "spec.checks[0].threshold"}},
      {{".spec.checks[]", "threshold needs at least one of min, max, maxIncreasePercent"},
       {"checks: [{name: c, prometheus: {address: 'http://p:9090', query: up}, threshold: {}}]",
        "spec.checks[0].threshold"}},
      {{".spec.checks[].probes", "set at least one of readiness, liveness, startup"},
       {"checks: [{name: c, probes: {readiness: false, liveness: false, startup: false}}]",
        "spec.checks[0].probes"}},
      {{".spec.checks[].resources.cpu", "needs at least one of min, max"},
       {"checks: [{name: c, resources: {cpu: {}}}]", "spec.checks[0].resources.cpu"}},
      {{".spec.checks[].resources.memory", "needs at least one of min, max"},
       {"checks: [{name: c, resources: {memory: {}}}]", "spec.checks[0].resources.memory"}},
      {{".spec.checks[].replicas", "needs at least one of min, minAvailablePercent"},
       {"checks: [{name: c, replicas: {}}]", "spec.checks[0].replicas"}},
      {{".spec.checks[].http.timeout", "timeout must be positive"},
       {"checks: [{name: c, http: {url: 'http://app:8080/health', timeout: 0s}}]",
        "spec.checks[0].http.timeout"}},
      {{".spec.checks[].prometheus.timeout", "timeout must be positive"},
       {"checks: [{name: c, prometheus: {address: 'http://p:9090', query: up, timeout: 0s}, "
        "threshold: {max: 1}}]",
        "spec.checks[0].prometheus.timeout"}},
      {{".spec.checks[].threshold", "threshold min must not be above max"},
       {"checks: [{name: c, prometheus: {address: 'http://p:9090', query: up}, "
        "threshold: {min: 2, max: 1}}]",
        "spec.checks[0].threshold"}},
      {{".spec.checks[]", "inconclusiveLimit is allowed only with http or prometheus"},
       {"checks: [{name: c, probes: {}, inconclusiveLimit: 3}]",
        "spec.checks[0].inconclusiveLimit"}},
      {{".spec.checks[].threshold", "baselineWindow is only used with maxIncreasePercent"},
       {"checks: [{name: c, prometheus: {address: 'http://p:9090', query: up}, "
        "threshold: {max: 1, baselineWindow: 5m}}]",
        "spec.checks[0].threshold.baselineWindow"}},
      {{".spec.checks[].threshold.baselineWindow", "baselineWindow must be at least 1s"},
       {"checks: [{name: c, prometheus: {address: 'http://p:9090', query: up}, "
        "threshold: {maxIncreasePercent: 50, baselineWindow: 500ms}}]",
        "spec.checks[0].threshold.baselineWindow"}},
      {{".spec.checks[].rollout.readyTimeout", "readyTimeout must be positive"},
       {"checks: [{name: c, rollout: {readyTimeout: 0s}}]", "spec.checks[0].rollout.readyTimeout"}},
  };

  std::vector<std::pair<std::string, json>> rules;
  collectRules(versionSchema(loadCrd()), "", rules);
  ASSERT_EQ(rules.size(), violations.size()) << "a CEL rule was added or removed: update the table";
  for (const auto& [path, rule] : rules) {
    const std::string message = rule.value("message", "");
    SCOPED_TRACE(path + ": " + rule.value("rule", ""));
    auto it = violations.find({path, message});
    ASSERT_NE(it, violations.end())
        << "no violating spec for the rule at " << path << " (" << message << ")";
    std::string spec = "targetRef: {name: web}\n" + it->second.spec;
    std::string indented;
    for (size_t start = 0; start < spec.size();) {
      size_t end = spec.find('\n', start);
      if (end == std::string::npos) end = spec.size();
      indented += "  " + spec.substr(start, end - start) + "\n";
      start = end + 1;
    }
    const json object = offline::yamlToJson(
        "apiVersion: gates.readiness.dev/v1alpha1\nkind: ReadinessGate\n"
        "metadata: {name: g, namespace: shop}\nspec:\n" +
        indented);
    const auto result = parseGate(object);
    EXPECT_FALSE(result.gate.has_value()) << indented;
    bool named = false;
    for (const auto& error : result.errors) named = named || error.path == it->second.field;
    EXPECT_TRUE(named) << "expected an error on " << it->second.field
                       << ", got: " << result.errorSummary();
  }
}

}  // namespace
}  // namespace rg
