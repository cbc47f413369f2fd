#include "kube/object_views.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

namespace rg::kube {
namespace {

using nlohmann::json;

json withAnnotations(json annotations) {
  return {{"metadata", {{"annotations", annotations}}}};
}

TEST(ParseRevision, ParsesLikeStrconvParseInt) {
  EXPECT_EQ(parseRevision("7"), 7);
  EXPECT_EQ(parseRevision("+7"), 7);
  EXPECT_EQ(parseRevision("-3"), -3);
  EXPECT_EQ(parseRevision("007"), 7);
  EXPECT_EQ(parseRevision("0"), 0);
  EXPECT_EQ(parseRevision("9223372036854775807"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(parseRevision("-9223372036854775808"), std::numeric_limits<int64_t>::min());
  for (const char* bad : {"", "+", "-", "7a", " 7", "7 ", "1e3", "0x10", "1_000", "3.0",
                          "9223372036854775808", "-9223372036854775809"}) {
    EXPECT_EQ(parseRevision(bad), std::nullopt) << bad;
  }
}

TEST(ObjectMetaView, ReadsMetadataAndTreatsWrongTypesAsAbsent) {
  const json pod = R"({"metadata": {"name": "web-1", "namespace": "shop", "uid": "u1",
    "generation": 4, "creationTimestamp": "2026-12-01T10:00:00Z",
    "labels": {"app": "web", "tier": 3}, "annotations": {"note": "x", "count": 2},
    "ownerReferences": [{"kind": "ReplicaSet", "name": "a", "uid": "ra"}, "junk",
                        {"kind": "ReplicaSet", "name": "b", "uid": "rb", "controller": true}]}})"_json;
  const ObjectMetaView view(pod);
  EXPECT_EQ(view.name(), "web-1");
  EXPECT_EQ(view.namespaceName(), "shop");
  EXPECT_EQ(view.uid(), "u1");
  EXPECT_EQ(view.generation(), 4);
  EXPECT_EQ(view.creationTimestamp(), "2026-12-01T10:00:00Z");
  EXPECT_EQ(view.label("app"), "web");
  EXPECT_EQ(view.label("tier"), std::nullopt);
  EXPECT_EQ(view.annotation("note"), "x");
  EXPECT_EQ(view.annotation("count"), std::nullopt);
  ASSERT_NE(view.controllerRef(), nullptr);
  EXPECT_EQ(view.controllerRef()->at("uid"), "rb");

  for (const json& broken : {json(), json::array(), json::object(), json{{"metadata", "x"}},
                             json{{"metadata", {{"labels", "x"}, {"ownerReferences", 3}}}}}) {
    const ObjectMetaView empty(broken);
    EXPECT_EQ(empty.name(), "") << broken;
    EXPECT_EQ(empty.generation(), std::nullopt) << broken;
    EXPECT_EQ(empty.label("app"), std::nullopt) << broken;
    EXPECT_EQ(empty.annotations(), nullptr) << broken;
    EXPECT_EQ(empty.controllerRef(), nullptr) << broken;
  }
}

TEST(DeploymentView, RevisionFromTheAnnotation) {
  EXPECT_EQ(DeploymentView(withAnnotations({{kRevisionAnnotation, "12"}})).revision(), 12);
  EXPECT_EQ(DeploymentView(withAnnotations({{kRevisionAnnotation, "12"}})).revisionText(), "12");
  EXPECT_EQ(DeploymentView(withAnnotations({{kRevisionAnnotation, 12}})).revision(), std::nullopt);
  EXPECT_EQ(DeploymentView(withAnnotations({{kRevisionAnnotation, 12}})).revisionText(), "");
  EXPECT_EQ(DeploymentView(withAnnotations({{kRevisionAnnotation, "twelve"}})).revision(),
            std::nullopt);
  EXPECT_EQ(DeploymentView(json::object()).revision(), std::nullopt);
  EXPECT_EQ(DeploymentView(R"({"metadata": {"annotations": "x"}})"_json).revision(), std::nullopt);
}

TEST(DeploymentView, GenerationsAndTemplate) {
  const json deployment = R"({"metadata": {"generation": 5}, "status": {"observedGeneration": 4},
    "spec": {"template": {"metadata": {"labels": {"app": "web"}}}}})"_json;
  const DeploymentView view(deployment);
  EXPECT_EQ(view.generation(), 5);
  EXPECT_EQ(view.observedGeneration(), 4);
  ASSERT_NE(view.podTemplate(), nullptr);
  EXPECT_EQ(view.podTemplate()->at("metadata").at("labels").at("app"), "web");
  const json floats = R"({"status": {"observedGeneration": 4.0}, "spec": {"template": 1}})"_json;
  EXPECT_EQ(DeploymentView(floats).observedGeneration(), std::nullopt);
  EXPECT_EQ(DeploymentView(floats).podTemplate(), nullptr);
}

TEST(ReplicaSetView, WithoutARevisionAnnotationItIsRevisionZeroAsInKubectl) {
  EXPECT_EQ(ReplicaSetView(withAnnotations({{kRevisionAnnotation, "5"}})).revision(), 5);
  EXPECT_EQ(ReplicaSetView(withAnnotations(json::object())).revision(), 0);
  EXPECT_EQ(ReplicaSetView(json::object()).revision(), 0);
  EXPECT_EQ(ReplicaSetView(withAnnotations({{kRevisionAnnotation, "x5"}})).revision(),
            std::nullopt);
  EXPECT_EQ(ReplicaSetView(withAnnotations({{kRevisionAnnotation, 5}})).revision(), std::nullopt);
  EXPECT_EQ(
      ReplicaSetView(withAnnotations({{kRevisionHistoryAnnotation, "1,3"}})).revisionHistory(),
      "1,3");
  EXPECT_EQ(ReplicaSetView(json::object()).revisionHistory(), "");
}

TEST(ReplicaSetView, TemplateHashFromTheTemplateThenItsOwnLabels) {
  json rs = {
      {"metadata", {{"labels", {{kPodTemplateHashLabel, "own"}}}}},
      {"spec", {{"template", {{"metadata", {{"labels", {{kPodTemplateHashLabel, "tpl"}}}}}}}}}};
  EXPECT_EQ(ReplicaSetView(rs).podTemplateHash(), "tpl");
  rs["spec"]["template"]["metadata"]["labels"].erase(std::string(kPodTemplateHashLabel));
  EXPECT_EQ(ReplicaSetView(rs).podTemplateHash(), "own");
  EXPECT_EQ(ReplicaSetView(json::object()).podTemplateHash(), "");
}

TEST(PodView, TemplateHashIsTheLabel) {
  EXPECT_EQ(PodView(R"({"metadata": {"labels": {"pod-template-hash": "5d9c8f7b6"}}})"_json)
                .podTemplateHash(),
            "5d9c8f7b6");
  EXPECT_EQ(PodView(json::object()).podTemplateHash(), "");
  EXPECT_EQ(PodView(R"({"metadata": {"labels": {"pod-template-hash": 7}}})"_json).podTemplateHash(),
            "");
}

TEST(DeploymentView, ReplicaCountsWithTheDefaultsOfTheApiServerAndTheController) {
  const json live = {
      {"spec", {{"replicas", 3}, {"progressDeadlineSeconds", 120}}},
      {"status", {{"replicas", 4}, {"updatedReplicas", 2}, {"availableReplicas", 3}}}};
  const DeploymentView view(live);
  EXPECT_EQ(view.desiredReplicas(), 3);
  EXPECT_EQ(view.progressDeadlineSeconds(), 120);
  EXPECT_TRUE(view.hasStatus());
  EXPECT_EQ(view.statusReplicas(), 4);
  EXPECT_EQ(view.updatedReplicas(), 2);
  EXPECT_EQ(view.availableReplicas(), 3);

  // A manifest: no replicas (1, as defaulted), no deadline, no status.
  const json manifest = {{"spec", json::object()}};
  EXPECT_EQ(DeploymentView(manifest).desiredReplicas(), 1);
  EXPECT_EQ(DeploymentView(manifest).progressDeadlineSeconds(), std::nullopt);
  EXPECT_FALSE(DeploymentView(manifest).hasStatus());
  EXPECT_EQ(DeploymentView(manifest).availableReplicas(), 0);

  // Wrong types read as absent; an empty status is a live Deployment's before its first sync.
  const json odd = {{"spec", {{"replicas", "3"}, {"progressDeadlineSeconds", "120"}}},
                    {"status", {{"replicas", "4"}, {"updatedReplicas", 1.5}}}};
  EXPECT_EQ(DeploymentView(odd).desiredReplicas(), 1);
  EXPECT_EQ(DeploymentView(odd).progressDeadlineSeconds(), std::nullopt);
  EXPECT_EQ(DeploymentView(odd).statusReplicas(), 0);
  EXPECT_EQ(DeploymentView(odd).updatedReplicas(), 0);
  EXPECT_TRUE(DeploymentView(json{{"status", json::object()}}).hasStatus());
  EXPECT_FALSE(DeploymentView(json{{"status", "Ready"}}).hasStatus());
  EXPECT_EQ(DeploymentView(json{{"spec", 3}}).desiredReplicas(), 1);
}

TEST(DeploymentView, ConditionsInOrderWithoutEntriesThatAreNotObjects) {
  const json deployment = {
      {"status",
       {{"conditions",
         json::array({{{"type", "Available"}, {"status", "True"}},
                      "Progressing",
                      {{"type", "Progressing"},
                       {"status", "False"},
                       {"reason", "ProgressDeadlineExceeded"},
                       {"message", "ReplicaSet \"web-1\" has timed out progressing."}},
                      {{"type", 3}}})}}}};
  const auto conditions = DeploymentView(deployment).conditions();
  ASSERT_EQ(conditions.size(), 3u);
  EXPECT_EQ(conditions[0].type(), "Available");
  EXPECT_EQ(conditions[0].status(), "True");
  EXPECT_EQ(conditions[0].reason(), "");
  EXPECT_EQ(conditions[1].type(), "Progressing");
  EXPECT_EQ(conditions[1].status(), "False");
  EXPECT_EQ(conditions[1].reason(), "ProgressDeadlineExceeded");
  EXPECT_EQ(conditions[1].message(), "ReplicaSet \"web-1\" has timed out progressing.");
  EXPECT_EQ(conditions[2].type(), "");
  EXPECT_TRUE(DeploymentView(json{{"status", {{"conditions", "none"}}}}).conditions().empty());
  EXPECT_TRUE(DeploymentView(json::object()).conditions().empty());
}

TEST(PodView, StatusPhaseConditionsAndContainersWithWrongTypesAsAbsent) {
  const json pod = {
      {"metadata",
       {{"name", "web-1"},
        {"ownerReferences",
         json::array({{{"uid", "other"}}, {{"uid", "rs-uid"}, {"controller", true}}})}}},
      {"status",
       {{"phase", "Running"},
        {"conditions", json::array({{{"type", "Ready"}, {"status", "False"}},
                                    {{"type", "ContainersReady"}, {"status", "True"}},
                                    {{"type", "ContainersReady"}, {"status", "False"}}})},
        {"initContainerStatuses", json::array({{{"name", "init"}, {"ready", true}}})},
        {"containerStatuses",
         json::array(
             {{{"name", "app"},
               {"ready", true},
               {"restartCount", 3},
               {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}, {"message", "back-off"}}}}},
               {"lastState", {{"terminated", {{"reason", "OOMKilled"}}}}}},
              "sidecar",
              {{"name", 7}, {"ready", "true"}, {"restartCount", "3"}, {"state", "waiting"}}})}}}};
  const PodView view(pod);
  EXPECT_EQ(view.controllerUid(), "rs-uid");
  EXPECT_FALSE(view.terminating());
  EXPECT_EQ(view.phase(), "Running");
  EXPECT_EQ(view.conditions().size(), 3u);
  ASSERT_TRUE(view.condition("ContainersReady").has_value());
  EXPECT_EQ(view.condition("ContainersReady")->status(), "True");  // the first of its type
  EXPECT_FALSE(view.condition("PodScheduled").has_value());
  const auto init = view.containerStatuses(true);
  ASSERT_EQ(init.size(), 1u);
  EXPECT_EQ(init[0].name(), "init");
  const auto containers = view.containerStatuses();
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_TRUE(containers[0].ready());
  EXPECT_EQ(containers[0].restartCount(), 3);
  EXPECT_EQ(containers[0].waitingReason(), "CrashLoopBackOff");
  EXPECT_EQ(containers[0].waitingMessage(), "back-off");
  EXPECT_EQ(containers[0].terminatedReason(), "");
  EXPECT_EQ(containers[0].lastTerminatedReason(), "OOMKilled");
  EXPECT_EQ(containers[1].name(), "");
  EXPECT_FALSE(containers[1].ready());
  EXPECT_EQ(containers[1].restartCount(), 0);
  EXPECT_EQ(containers[1].waitingReason(), "");

  EXPECT_TRUE(
      PodView(json{{"metadata", {{"deletionTimestamp", "2026-12-08T01:00:00Z"}}}}).terminating());
  EXPECT_FALSE(PodView(json{{"metadata", {{"deletionTimestamp", nullptr}}}}).terminating());
  const json bare = json::object();
  EXPECT_EQ(PodView(bare).phase(), "");
  EXPECT_EQ(PodView(bare).controllerUid(), "");
  EXPECT_TRUE(PodView(bare).containerStatuses().empty());
  EXPECT_TRUE(
      PodView(json{{"status", {{"containerStatuses", "none"}}}}).containerStatuses().empty());
}

TEST(PodView, ReadinessGatesByConditionTypeAndTheConditionsTransitionTime) {
  const json pod = {
      {"spec",
       {{"readinessGates", json::array({7, {{"conditionType", "gates.readiness.dev/web"}}})}}},
      {"status",
       {{"conditions", json::array({{{"type", "gates.readiness.dev/web"},
                                     {"status", "True"},
                                     {"lastTransitionTime", "2026-12-08T01:00:00Z"}}})}}}};
  EXPECT_TRUE(PodView(pod).hasReadinessGate("gates.readiness.dev/web"));
  EXPECT_FALSE(PodView(pod).hasReadinessGate("gates.readiness.dev/api"));
  EXPECT_FALSE(PodView(json{{"spec", {{"readinessGates", "x"}}}}).hasReadinessGate("x"));
  EXPECT_EQ(PodView(pod).condition("gates.readiness.dev/web")->lastTransitionTime(),
            "2026-12-08T01:00:00Z");
}

TEST(DeploymentView, PausedOnlyWhenTrue) {
  EXPECT_TRUE(DeploymentView(json{{"spec", {{"paused", true}}}}).paused());
  EXPECT_FALSE(DeploymentView(json{{"spec", {{"paused", false}}}}).paused());
  EXPECT_FALSE(DeploymentView(json{{"spec", {{"paused", "true"}}}}).paused());
  EXPECT_FALSE(DeploymentView(json::object()).paused());
}

TEST(ReplicaSetView, DesiredReplicasDefaultToOne) {
  EXPECT_EQ(ReplicaSetView(json{{"spec", {{"replicas", 0}}}}).desiredReplicas(), 0);
  EXPECT_EQ(ReplicaSetView(json{{"spec", json::object()}}).desiredReplicas(), 1);
  EXPECT_EQ(ReplicaSetView(json{{"spec", {{"replicas", "0"}}}}).desiredReplicas(), 1);
  EXPECT_EQ(ReplicaSetView(json::object()).desiredReplicas(), 1);
}

}  // namespace
}  // namespace rg::kube
