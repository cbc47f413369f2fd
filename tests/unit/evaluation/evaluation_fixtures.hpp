#pragma once
// Builders shared by the gate evaluation tests: the ReadinessGate api in namespace shop, the
// Deployment api it targets and that Deployment's ReplicaSets. Each test file names the few
// fields its cases turn on; an optional field it leaves unset is absent from the object.
//
// Every field of the *Yaml and *Fields structs has an initialiser: g++ 12 warns
// (-Wmissing-field-initializers, an error here) when a designated initialiser leaves out a field
// that has none.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "reconcilers/offline/yaml_documents.hpp"
#include "reconcilers/spec/spec_parser.hpp"
#include "reconcilers/status/gate_status.hpp"

namespace rg::evaluation_fixtures {

using nlohmann::json;

// Where the tests' clocks start.
inline const Time kStart = std::chrono::system_clock::from_time_t(1'800'000'000);

// A gate's spec besides its targetRef, as YAML.
struct GateYaml {
  std::string interval = "10s";
  std::string onFailure = "";  // empty: not set
  std::string more = "";       // further fields of spec, each line indented two spaces
  std::string checks = "";     // the items of spec.checks, each line indented two spaces
};

// The ReadinessGate api (generation 1) on Deployment api, parsed. A spec that does not parse
// fails the test.
inline Gate parseTestGate(const GateYaml& gate) {
  std::string yaml =
      "apiVersion: gates.readiness.dev/v1alpha1\n"
      "kind: ReadinessGate\n"
      "metadata: {name: api, namespace: shop, generation: 1}\n"
      "spec:\n"
      "  targetRef: {name: api}\n"
      "  interval: " +
      gate.interval + "\n";
  if (!gate.onFailure.empty()) yaml += "  onFailure: " + gate.onFailure + "\n";
  yaml += gate.more + "  checks:\n" + gate.checks;
  auto parsed = parseGate(offline::yamlToJson(yaml));
  EXPECT_TRUE(parsed.gate) << parsed.errorSummary();
  return parsed.gate.value();
}

// The checks most evaluation tests run: a static replicas check (min 2), the Critical error-rate
// check (query "errors", max 0.1) and the Warning latency check (query "latency") judged by
// `latencyThreshold`. `errorRateFields` adds lines, indented four spaces, to error-rate.
inline std::string replicasErrorRateLatency(const std::string& errorRateFields,
                                            const std::string& latencyThreshold) {
  return R"(  - {name: replicas, replicas: {min: 2}}
  - name: error-rate
    prometheus: {address: "http://prom:9090", query: "errors"}
    threshold: {max: 0.1}
)" + errorRateFields +
         R"(  - name: latency
    severity: Warning
    prometheus: {address: "http://prom:9090", query: "latency"}
    threshold: )" +
         latencyThreshold + "\n";
}

// Deployment api's metadata at `revision` (the deployment.kubernetes.io/revision annotation).
inline json deploymentMetadata(int revision, const std::string& uid = "dep-uid") {
  return {{"name", "api"},
          {"namespace", "shop"},
          {"uid", uid},
          {"annotations", {{"deployment.kubernetes.io/revision", std::to_string(revision)}}}};
}

struct DeploymentFields {
  int revision = 1;        // the deployment.kubernetes.io/revision annotation
  std::string image = "";  // of the template's one container, api
  std::string uid = "dep-uid";
  int replicas = 2;
  std::optional<int> generation = std::nullopt;  // metadata.generation
  json status = nullptr;                         // null: none
};

// Deployment api at `revision`, its pod template labelled app=api.
inline json deployment(const DeploymentFields& d) {
  json out = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", deploymentMetadata(d.revision, d.uid)},
      {"spec",
       {{"replicas", d.replicas},
        {"template",
         {{"metadata", {{"labels", {{"app", "api"}}}}},
          {"spec", {{"containers", json::array({{{"name", "api"}, {"image", d.image}}})}}}}}}}};
  if (d.generation) out["metadata"]["generation"] = *d.generation;
  if (!d.status.is_null()) out["status"] = d.status;
  return out;
}

struct ReplicaSetFields {
  std::string hash = "";   // pod-template-hash; the ReplicaSet is api-<hash>
  int revision = 1;        // the deployment.kubernetes.io/revision annotation
  std::string image = "";  // of the template's one container, api
  std::string ownerUid = "dep-uid";
  std::optional<std::string> uid = std::nullopt;  // metadata.uid
  std::optional<int> replicas = std::nullopt;     // spec.replicas
};

// A ReplicaSet controlled by Deployment api, as the deployment controller labels it.
inline json replicaSet(const ReplicaSetFields& r) {
  const json labels = {{"app", "api"}, {"pod-template-hash", r.hash}};
  json out = {
      {"apiVersion", "apps/v1"},
      {"kind", "ReplicaSet"},
      {"metadata",
       {{"name", "api-" + r.hash},
        {"namespace", "shop"},
        {"labels", labels},
        {"annotations", {{"deployment.kubernetes.io/revision", std::to_string(r.revision)}}},
        {"ownerReferences", json::array({{{"apiVersion", "apps/v1"},
                                          {"kind", "Deployment"},
                                          {"name", "api"},
                                          {"uid", r.ownerUid},
                                          {"controller", true}}})}}},
      {"spec",
       {{"template",
         {{"metadata", {{"labels", labels}}},
          {"spec", {{"containers", json::array({{{"name", "api"}, {"image", r.image}}})}}}}}}}};
  if (r.uid) out["metadata"]["uid"] = *r.uid;
  if (r.replicas) out["spec"]["replicas"] = *r.replicas;
  return out;
}

}  // namespace rg::evaluation_fixtures
