// What the cache keeps of each kind: a full object in, exactly the allow-listed fields out.
#include "operator/cache_transforms.hpp"

#include <gtest/gtest.h>

#include "kube/object_views.hpp"
#include "reconcilers/actions/rollback.hpp"
#include "reconcilers/spec/packed_text.hpp"
#include "tests/unit/cache/cache_fixture.hpp"

namespace rg::cache {
namespace {

using nlohmann::json;
using namespace nlohmann::literals;

constexpr const char* kLastApplied = "kubectl.kubernetes.io/last-applied-configuration";

TEST(CacheTransforms, DeploymentKeepsIdentityRollbackAnnotationsTemplateAndStatusCounters) {
  const json full = fixture::load().deployment;
  json trimmed = full;
  trimDeployment(trimmed);

  json expected = R"json({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "checkout-api", "namespace": "shop",
                 "uid": "6b1c3c1e-8a47-4f0e-9a57-2f3b1c9d0e11", "resourceVersion": "918274",
                 "generation": 5,
                 "annotations": {"deployment.kubernetes.io/revision": "3",
                                 "gates.readiness.dev/bad-template-hashes": "64f7d8c9b1"}},
    "spec": {"replicas": 3, "progressDeadlineSeconds": 600},
    "status": {"observedGeneration": 5, "replicas": 4, "updatedReplicas": 1,
               "availableReplicas": 3,
               "conditions": [
                 {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                  "message": "Deployment has minimum availability."},
                 {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                  "message": "ReplicaSet \"checkout-api-7d9f8c6b5d\" is progressing."}]}
  })json"_json;
  // A rollback replaces the annotations and keeps the Deployment's own last-applied-configuration
  // (kubectl's annotationsToSkip): dropping it here would drop it from the live object.
  expected["metadata"]["annotations"][kLastApplied] = full["metadata"]["annotations"][kLastApplied];
  // The template is read by the checks: whole, as its text, with the digest compared with the
  // ReplicaSets'.
  expected["spec"]["template"] = packText(full["spec"]["template"].dump());
  expected["spec"]["templateDigest"] = actions::canonicalTemplateDigest(full["spec"]["template"]);
  EXPECT_EQ(trimmed, expected) << trimmed.dump(1);
}

// What the cache hands a reconcile: the Deployment with its template a tree again, the rest as
// trimmed; one whose template is already a tree (a manifest, a test) is handed over as it is.
TEST(CacheTransforms, ADeploymentKeptAsTextReadsWithItsTemplateWhole) {
  const json full = fixture::load().deployment;
  json trimmed = full;
  trimDeployment(trimmed);
  const auto cached = std::make_shared<const json>(trimmed);
  const auto read = actions::withTemplateObject(cached);
  ASSERT_NE(read, cached);
  EXPECT_EQ((*read)["spec"]["template"], full["spec"]["template"]);
  json rest = *read;
  rest["spec"]["template"] = trimmed["spec"]["template"];
  EXPECT_EQ(rest, trimmed);
  const auto containers = kube::DeploymentView(*read).podTemplateView().containers(true);
  ASSERT_FALSE(containers.empty());
  EXPECT_EQ(containers[0].image(), full["spec"]["template"]["spec"]["containers"][0]["image"]);
  EXPECT_FALSE(kube::DeploymentView(trimmed).podTemplateView().hasContainers());

  const auto whole = std::make_shared<const json>(full);
  EXPECT_EQ(actions::withTemplateObject(whole), whole);
  json broken = trimmed;
  broken["spec"]["template"] = packText("{not json");
  const auto unreadable = actions::withTemplateObject(std::make_shared<const json>(broken));
  EXPECT_FALSE((*unreadable)["spec"].contains("template"));
  // A template that is a string is of the wrong type, not text to read: no template.
  json text = full;
  text["spec"]["template"] = full["spec"]["template"].dump();
  EXPECT_FALSE(actions::hasTemplate(text));
  EXPECT_FALSE(actions::templateObject(text).has_value());
  const auto asString = std::make_shared<const json>(text);
  EXPECT_EQ(actions::withTemplateObject(asString), asString);
  EXPECT_FALSE(kube::DeploymentView(text).podTemplateView().hasContainers());
  EXPECT_EQ(actions::withTemplateObject(nullptr), nullptr);
}

TEST(CacheTransforms, DeploymentKeepsPausedAndTheGatesAnnotations) {
  json deployment = fixture::load().deployment;
  deployment["spec"]["paused"] = true;
  deployment["metadata"]["annotations"]["gates.readiness.dev/paused-by"] = "checkout-gate";
  deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] = "1";
  trimDeployment(deployment);
  EXPECT_EQ(deployment["spec"]["paused"], true);
  const json& annotations = deployment["metadata"]["annotations"];
  EXPECT_EQ(annotations["gates.readiness.dev/paused-by"], "checkout-gate");
  EXPECT_EQ(annotations["deployment.kubernetes.io/revision-history"], "1");
  EXPECT_FALSE(annotations.contains("meta.helm.sh/release-name"));
}

TEST(CacheTransforms, DeploymentWithAnEmptyStatusKeepsIt) {
  // The checks tell a live Deployment (with a status, maybe empty) from a manifest (none).
  json live = {{"metadata", {{"name", "a"}, {"namespace", "b"}, {"resourceVersion", "1"}}},
               {"status", json::object()}};
  trimDeployment(live);
  EXPECT_EQ(live["status"], json::object());
  json manifest = {{"metadata", {{"name", "a"}}}};
  trimDeployment(manifest);
  EXPECT_FALSE(manifest.contains("status"));
  EXPECT_FALSE(manifest.contains("spec"));
}

TEST(CacheTransforms, ReplicaSetKeepsTemplateOwnerHashLabelAndCopiedAnnotations) {
  const json full = fixture::load().replicaSets[1];
  json trimmed = full;
  trimReplicaSet(trimmed);

  json expected = R"json({
    "apiVersion": "apps/v1", "kind": "ReplicaSet",
    "metadata": {"name": "checkout-api-5f6d7c8b9a", "namespace": "shop",
                 "uid": "rs-uid-5f6d7c8b9a", "resourceVersion": "900002",
                 "labels": {"pod-template-hash": "5f6d7c8b9a"},
                 "annotations": {"deployment.kubernetes.io/revision": "2",
                                 "meta.helm.sh/release-name": "checkout",
                                 "owner.example.com/oncall": "payments-oncall"},
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                                      "name": "checkout-api",
                                      "uid": "6b1c3c1e-8a47-4f0e-9a57-2f3b1c9d0e11",
                                      "controller": true}]},
    "spec": {"replicas": 3}
  })json"_json;
  // A rollback restores this template: whole, annotations and all, kept as its text, with the
  // digest that the Deployment's template is compared with.
  expected["spec"]["template"] = packText(full["spec"]["template"].dump());
  expected["spec"]["templateDigest"] = actions::canonicalTemplateDigest(full["spec"]["template"]);
  EXPECT_EQ(trimmed, expected) << trimmed.dump(1);
  EXPECT_EQ(actions::templateObject(trimmed), full["spec"]["template"]);
}

TEST(CacheTransforms, AReplicaSetKeptAsTextMatchesTheTemplatesItsFullFormMatches) {
  const auto set = fixture::load();
  for (const json& full : set.replicaSets) {
    json trimmed = full;
    trimReplicaSet(trimmed);
    ASSERT_TRUE(isPackedText(trimmed["spec"]["template"]));
    EXPECT_EQ(kube::ReplicaSetView(trimmed).podTemplateHash(),
              kube::ReplicaSetView(full).podTemplateHash());
    for (const json& other : set.replicaSets) {
      // Deployments with that template, as the cache keeps them (with a digest) and whole.
      json deployment = set.deployment;
      deployment["spec"]["template"] = other["spec"]["template"];
      json trimmedDeployment = deployment;
      trimDeployment(trimmedDeployment);
      const auto expected = actions::replicaSetTemplateMatches(full, deployment);
      ASSERT_TRUE(expected.has_value());
      EXPECT_EQ(actions::replicaSetTemplateMatches(trimmed, trimmedDeployment), expected);
      EXPECT_EQ(actions::replicaSetTemplateMatches(trimmed, deployment), expected);
    }
    json deployment = set.deployment;
    json& podTemplate = deployment["spec"]["template"];
    podTemplate = full["spec"]["template"];
    podTemplate["metadata"]["labels"].erase("pod-template-hash");
    podTemplate["spec"]["nodeSelector"] = json::object();
    podTemplate["spec"]["containers"][0]["args"] = json::array();
    EXPECT_EQ(actions::replicaSetTemplateMatches(trimmed, deployment), true);
    podTemplate["spec"]["containers"][0]["image"] = "other:1";
    EXPECT_EQ(actions::replicaSetTemplateMatches(trimmed, deployment), false);
    // Text without its digest is compared by parsing it.
    json undigested = trimmed;
    undigested["spec"].erase("templateDigest");
    EXPECT_EQ(actions::replicaSetTemplateMatches(undigested, deployment), false);
  }
  // A ReplicaSet without a template has none in either form.
  json bare = set.replicaSets[0];
  bare["spec"].erase("template");
  trimReplicaSet(bare);
  EXPECT_FALSE(actions::replicaSetTemplateMatches(bare, set.deployment).has_value());
  EXPECT_FALSE(actions::templateObject(bare).has_value());
}

TEST(CacheTransforms, ReplicaSetKeepsRevisionHistoryAndDropsTheGatesAnnotations) {
  json rs = fixture::load().replicaSets[1];
  rs["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] = "2,4";
  rs["metadata"]["annotations"]["gates.readiness.dev/paused-by"] = "checkout-gate";
  rs["metadata"]["annotations"][kLastApplied] = "{}";
  trimReplicaSet(rs);
  const json& annotations = rs["metadata"]["annotations"];
  EXPECT_EQ(annotations["deployment.kubernetes.io/revision-history"], "2,4");
  // Neither is copied by a rollback nor read from a ReplicaSet.
  EXPECT_FALSE(annotations.contains("gates.readiness.dev/paused-by"));
  EXPECT_FALSE(annotations.contains(kLastApplied));
}

TEST(CacheTransforms, PodKeepsWhatTheRolloutCheckAndReadinessConditionRead) {
  const json full = fixture::load().pods[3];
  json trimmed = full;
  trimPod(trimmed);

  const json expected = R"json({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "checkout-api-7d9f8c6b5d-w5n2c", "namespace": "shop",
                 "uid": "pod-uid-checkout-api-7d9f8c6b5d-w5n2c", "resourceVersion": "918329",
                 "creationTimestamp": "2026-11-20T09:58:12Z",
                 "labels": {"pod-template-hash": "7d9f8c6b5d"},
                 "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                      "name": "checkout-api-7d9f8c6b5d",
                                      "uid": "rs-uid-7d9f8c6b5d", "controller": true}]},
    "spec": {"readinessGates": [{"conditionType": "gates.readiness.dev/checkout-gate"}]},
    "status": {
      "phase": "Running",
      "conditions": [
        {"type": "gates.readiness.dev/checkout-gate", "status": "False",
         "lastTransitionTime": "2026-11-20T09:00:00Z"},
        {"type": "Initialized", "status": "True", "lastTransitionTime": "2026-11-20T09:58:12Z"},
        {"type": "Ready", "status": "False", "lastTransitionTime": "2026-11-20T09:58:12Z"},
        {"type": "ContainersReady", "status": "False",
         "lastTransitionTime": "2026-11-20T09:58:12Z"},
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-11-20T09:58:12Z"}],
      "initContainerStatuses": [
        {"name": "migrate", "ready": false, "restartCount": 0,
         "state": {"terminated": {"reason": "Completed"}}, "lastState": {}}],
      "containerStatuses": [
        {"name": "api", "ready": false, "restartCount": 4,
         "state": {"waiting": {"reason": "CrashLoopBackOff",
                               "message": "back-off 1m20s restarting failed container=api pod=checkout-api-7d9f8c6b5d-w5n2c_shop(pod-uid)"
}
}
, "lastState" : {
  "terminated" : {
    "reason" : "Error"
  }
}
}]
}
})json"_json;
  EXPECT_EQ(trimmed, expected) << trimmed.dump(1);
}

TEST(CacheTransforms, PodKeepsItsDeletionTimestampAndDropsARunningState) {
  json pod = fixture::load().pods[2];
  trimPod(pod);
  EXPECT_EQ(pod["metadata"]["deletionTimestamp"], "2026-11-20T09:59:00Z");
  EXPECT_FALSE(pod["metadata"].contains("deletionGracePeriodSeconds"));
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["state"], json::object());
}

TEST(CacheTransforms, PodWithoutReadinessGatesKeepsAnEmptySpec) {
  json pod = fixture::load().pods[0];
  pod["spec"].erase("readinessGates");
  trimPod(pod);
  EXPECT_EQ(pod["spec"], json::object());
}

TEST(CacheTransforms, SecretKeepsIdentityAndKeyNamesOnly) {
  json secret = fixture::load().secrets[0];
  trimSecret(secret);
  EXPECT_EQ(secret, R"json({
    "apiVersion": "v1", "kind": "Secret",
    "metadata": {"name": "checkout-db", "namespace": "shop", "uid": "sec-uid-1",
                 "resourceVersion": "7001"},
    "data": {"password": "", "username": "", "ca.crt": ""}
  })json"_json)
      << secret.dump(1);
  // No value survives anywhere, last-applied-configuration included.
  EXPECT_EQ(secret.dump().find("aHVudGVyMg"), std::string::npos);
}

TEST(CacheTransforms, SecretStringDataIsBlankedAndOddDataDropped) {
  json secret = {{"metadata", {{"name", "s"}, {"namespace", "n"}, {"resourceVersion", "1"}}},
                 {"stringData", {{"token", "plain"}}},
                 {"data", "not-a-map"}};
  trimSecret(secret);
  EXPECT_EQ(secret["stringData"], json({{"token", ""}}));
  EXPECT_FALSE(secret.contains("data"));
}

TEST(CacheTransforms, ConfigMapKeepsIdentityAndKeyNamesOnly) {
  json configMap = fixture::load().configMaps[0];
  trimConfigMap(configMap);
  EXPECT_EQ(configMap, R"json({
    "apiVersion": "v1", "kind": "ConfigMap",
    "metadata": {"name": "checkout-config", "namespace": "shop", "uid": "cm-uid-1",
                 "resourceVersion": "7003"},
    "data": {"db.host": "", "app.yaml": ""},
    "binaryData": {"logo.png": ""}
  })json"_json)
      << configMap.dump(1);
}

TEST(CacheTransforms, WrongTypedFieldsAreDroppedAndNonObjectsLeftAlone) {
  json deployment = {{"metadata", {{"name", "a"}, {"annotations", "x"}}},
                     {"spec", "x"},
                     {"status", {{"conditions", "x"}}}};
  trimDeployment(deployment);
  EXPECT_EQ(deployment, json({{"metadata", {{"name", "a"}}}, {"status", json::object()}}));

  json pod = {{"metadata", {{"name", "p"}, {"labels", json::array()}}},
              {"status", {{"containerStatuses", json::array({1, {{"name", "c"}}})}}}};
  trimPod(pod);
  EXPECT_EQ(pod, json({{"metadata", {{"name", "p"}}},
                       {"status", {{"containerStatuses", json::array({{{"name", "c"}}})}}}}));

  json notAnObject = json::array({1, 2});
  trimReplicaSet(notAnObject);
  trimSecret(notAnObject);
  EXPECT_EQ(notAnObject, json::array({1, 2}));
}

}  // namespace
}  // namespace rg::cache
