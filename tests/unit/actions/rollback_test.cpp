#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "reconcilers/actions/rollback.hpp"
#include "tests/unit/actions/rollback_fixtures.hpp"

namespace rg::actions {
namespace {

using nlohmann::json;
using namespace nlohmann::literals;
using namespace fixtures;

std::vector<std::string> names(const std::vector<std::reference_wrapper<const json>>& list) {
  std::vector<std::string> out;
  for (const json& rs : list) out.push_back(rs["metadata"]["name"].get<std::string>());
  return out;
}

TEST(RollbackControlled, MatchesTheFirstControllerReferenceByUid) {
  auto notController = replicaSet("n01", "1", "v1", ownerRef(kUid, "checkout-api", false));
  auto otherUid = replicaSet("o01", "1", "v1", ownerRef("another-uid"));
  auto orphan = replicaSet("p01", "1", "v1");
  orphan["metadata"].erase("ownerReferences");
  // metav1.GetControllerOf reads only the first controller reference.
  auto secondController = replicaSet("s01", "1", "v1", ownerRef("another-uid"));
  secondController["metadata"]["ownerReferences"].push_back(ownerRef(kUid));
  auto afterNonController = replicaSet("t01", "1", "v1", ownerRef("x", "x", false));
  afterNonController["metadata"]["ownerReferences"].push_back(ownerRef(kUid));
  std::vector<json> all = {replicaSet("abc", "1", "v1"),
                           notController,
                           otherUid,
                           orphan,
                           secondController,
                           afterNonController};
  EXPECT_EQ(names(controlledReplicaSets(deployment("1", "v1"), all)),
            (std::vector<std::string>{"checkout-api-abc", "checkout-api-t01"}));
}

TEST(RollbackControlled, UidDecidesEvenWhenTheNameMatches) {
  // A Deployment deleted and recreated under the same name: the old ReplicaSets are not its own.
  std::vector<json> all = {replicaSet("old", "1", "v1", ownerRef("uid-of-the-deleted-one")),
                           replicaSet("new", "1", "v1")};
  EXPECT_EQ(names(controlledReplicaSets(deployment("1", "v1"), all)),
            (std::vector<std::string>{"checkout-api-new"}));
}

TEST(RollbackControlled, WithoutUidFallsBackToKindAndName) {
  auto offline = deployment("2", "v2");
  offline["metadata"].erase("uid");
  auto otherName = replicaSet("b02", "1", "v1", ownerRef("", "payments-api"));
  auto otherKind = replicaSet("c03", "1", "v1", ownerRef("", "checkout-api", true, "StatefulSet"));
  auto otherNamespace = replicaSet("d04", "1", "v1", ownerRef(""));
  otherNamespace["metadata"]["namespace"] = "staging";
  auto notController = replicaSet("e05", "1", "v1", ownerRef("", "checkout-api", false));
  std::vector<json> all = {replicaSet("a01", "1", "v1", ownerRef("")), otherName, otherKind,
                           otherNamespace, notController};
  EXPECT_EQ(names(controlledReplicaSets(offline, all)),
            (std::vector<std::string>{"checkout-api-a01"}));
}

TEST(RollbackPlan, RollsBackToThePreviousRevision) {
  auto plan = planRollback(deployment("3", "v3"), history());
  ASSERT_TRUE(plan.possible) << plan.reason;
  EXPECT_EQ(plan.refusal, RollbackRefusal::None);
  EXPECT_EQ(plan.reason, "");
  EXPECT_EQ(plan.fromRevision, 3);
  EXPECT_EQ(plan.toRevision, 2);
  EXPECT_EQ(plan.toReplicaSet, "checkout-api-7f6d5c4b3");
  EXPECT_EQ(plan.toTemplateHash, "7f6d5c4b3");
  EXPECT_EQ(plan.badTemplateHash, "5d9c8f7b6");
}

TEST(RollbackPlan, ExactKubectlPatch) {
  auto current = deployment("3", "v3");
  auto previous = replicaSet("7f6d5c4b3", "2", "v2");
  // What else the controller and tools leave on a ReplicaSet; none of it is copied back.
  auto& rsAnnotations = previous["metadata"]["annotations"];
  rsAnnotations["deployment.kubernetes.io/revision-history"] = "1,2";
  rsAnnotations["kubectl.kubernetes.io/last-applied-configuration"] = "{\"stale\":true}";
  rsAnnotations["deprecated.deployment.rollback.to"] = "1";
  rsAnnotations["release.example.com/ticket"] = "OPS-42";
  std::vector<json> replicaSets = {replicaSet("6b5a4c3d2", "1", "v1"), previous,
                                   replicaSet("5d9c8f7b6", "3", "v3")};

  auto plan = planRollback(current, replicaSets);
  ASSERT_TRUE(plan.possible) << plan.reason;
  auto expected = R"([
    {"op": "replace", "path": "/spec/template", "value": {
      "metadata": {
        "creationTimestamp": null,
        "labels": {"app": "checkout-api", "tier": "backend"},
        "annotations": {"prometheus.io/scrape": "true"}
      },
      "spec": {
        "containers": [{
          "name": "api",
          "image": "registry.example.com/checkout-api:v2",
          "ports": [{"containerPort": 8080, "protocol": "TCP"}],
          "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
          "terminationMessagePath": "/dev/termination-log",
          "imagePullPolicy": "IfNotPresent"
        }],
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "securityContext": {},
        "schedulerName": "default-scheduler"
      }
    }},
    {"op": "replace", "path": "/metadata/annotations", "value": {
      "deployment.kubernetes.io/revision": "3",
      "kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"checkout-api\"}}",
      "kubernetes.io/change-cause": "release v2",
      "release.example.com/ticket": "OPS-42",
      "team": "payments"
    }}
  ])"_json;
  EXPECT_EQ(plan.jsonPatch, expected) << plan.jsonPatch.dump(2);
  // Operation members in the order encoding/json writes a Go map: sorted keys.
  EXPECT_TRUE(plan.jsonPatch.dump().starts_with(R"([{"op":"replace","path":"/spec/template",)"));
}

TEST(RollbackPlan, PatchApplyRestoresThePreviousTemplate) {
  auto current = deployment("3", "v3");
  auto plan = planRollback(current, history());
  ASSERT_TRUE(plan.possible) << plan.reason;
  auto rolledBack = current.patch(plan.jsonPatch);
  EXPECT_EQ(rolledBack["spec"]["template"], podTemplate("v2"));
  EXPECT_FALSE(rolledBack["spec"]["template"]["metadata"]["labels"].contains("pod-template-hash"));
  EXPECT_EQ(rolledBack["spec"]["replicas"], 3);
  EXPECT_EQ(rolledBack["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "3");
  EXPECT_EQ(rolledBack["metadata"]["annotations"]["kubernetes.io/change-cause"], "release v2");
}

TEST(RollbackPlan, KeepsOnlyTheDeploymentsOwnValuesOfSkippedAnnotations) {
  auto current = deployment("3", "v3");
  auto& own = current["metadata"]["annotations"];
  own.erase("kubectl.kubernetes.io/last-applied-configuration");  // created with `kubectl create`
  own["deployment.kubernetes.io/revision-history"] = "1";
  own["deployment.kubernetes.io/desired-replicas"] = "5";
  own["deployment.kubernetes.io/max-replicas"] = "6";
  own["deprecated.deployment.rollback.to"] = "0";
  own["only-on-the-deployment"] = "dropped, as kubectl replaces the whole map";
  auto previous = replicaSet("7f6d5c4b3", "2", "v2");
  previous["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = "{}";
  std::vector<json> replicaSets = {previous, replicaSet("5d9c8f7b6", "3", "v3")};

  auto plan = planRollback(current, replicaSets);
  ASSERT_TRUE(plan.possible) << plan.reason;
  EXPECT_EQ(plan.jsonPatch[1]["value"], R"({
    "deployment.kubernetes.io/desired-replicas": "5",
    "deployment.kubernetes.io/max-replicas": "6",
    "deployment.kubernetes.io/revision": "3",
    "deployment.kubernetes.io/revision-history": "1",
    "deprecated.deployment.rollback.to": "0",
    "kubernetes.io/change-cause": "release v2",
    "team": "payments"
  })"_json);
}

TEST(RollbackPlan, AnnotationsAreAnEmptyObjectWhenThereAreNone) {
  auto current = deployment("3", "v3");
  current["metadata"]["annotations"] = {{"deployment.kubernetes.io/revision", "3"}};
  auto previous = replicaSet("7f6d5c4b3", "2", "v2");
  previous["metadata"]["annotations"] = {{"deployment.kubernetes.io/revision", "2"}};
  auto plan = planRollback(current, {previous, replicaSet("5d9c8f7b6", "3", "v3")});
  ASSERT_TRUE(plan.possible) << plan.reason;
  EXPECT_EQ(plan.jsonPatch[1]["value"], R"({"deployment.kubernetes.io/revision": "3"})"_json);

  current["metadata"].erase("annotations");
  plan = planRollback(current, {previous, replicaSet("5d9c8f7b6", "3", "v3")});
  // Without a Deployment revision, kubectl's rule applies; the map is still written, empty.
  ASSERT_TRUE(plan.possible) << plan.reason;
  EXPECT_EQ(plan.jsonPatch[1]["value"], json::object());
  EXPECT_EQ(plan.jsonPatch[1].dump(),
            R"({"op":"replace","path":"/metadata/annotations","value":{}})");
}

TEST(RollbackPlan, GateAnnotationsFollowTheDeployment) {
  auto current = deployment("3", "v3");
  current["metadata"]["annotations"]["gates.readiness.dev/bad-template-hashes"] = "1a2b3c4d5";
  auto previous = replicaSet("7f6d5c4b3", "2", "v2");
  // Copied onto the ReplicaSet by the deployment controller while it was the new one.
  previous["metadata"]["annotations"]["gates.readiness.dev/paused-by"] = "checkout-api";
  previous["metadata"]["annotations"]["gates.readiness.dev/bad-template-hashes"] = "";
  auto plan = planRollback(current, {previous, replicaSet("5d9c8f7b6", "3", "v3")});
  ASSERT_TRUE(plan.possible) << plan.reason;
  const auto& annotations = plan.jsonPatch[1]["value"];
  EXPECT_FALSE(annotations.contains("gates.readiness.dev/paused-by"));
  EXPECT_EQ(annotations["gates.readiness.dev/bad-template-hashes"], "1a2b3c4d5");
}

TEST(RollbackPlan, RemovesOnlyThePodTemplateHashLabel) {
  auto previous = replicaSet("7f6d5c4b3", "2", "v2");
  auto plan = planRollback(deployment("3", "v3"), {previous, replicaSet("5d9c8f7b6", "3", "v3")});
  ASSERT_TRUE(plan.possible) << plan.reason;
  EXPECT_EQ(plan.jsonPatch[0]["value"]["metadata"]["labels"],
            R"({"app": "checkout-api", "tier": "backend"})"_json);
  // The ReplicaSet passed in is not modified.
  EXPECT_EQ(previous["spec"]["template"]["metadata"]["labels"]["pod-template-hash"], "7f6d5c4b3");

  // Labels left empty are omitted, as Go's omitempty does for an empty map.
  previous["spec"]["template"]["metadata"]["labels"] = {{"pod-template-hash", "7f6d5c4b3"}};
  plan = planRollback(deployment("3", "v3"), {previous, replicaSet("5d9c8f7b6", "3", "v3")});
  ASSERT_TRUE(plan.possible) << plan.reason;
  EXPECT_FALSE(plan.jsonPatch[0]["value"]["metadata"].contains("labels"));
}

TEST(RollbackPlan, SkipsGapsInRevisions) {
  std::vector<json> replicaSets = {replicaSet("aaa", "1", "v1"), replicaSet("bbb", "4", "v4"),
                                   replicaSet("ccc", "9", "v9")};
  auto plan = planRollback(deployment("9", "v9"), replicaSets);
  ASSERT_TRUE(plan.possible) << plan.reason;
  EXPECT_EQ(plan.fromRevision, 9);
  EXPECT_EQ(plan.toRevision, 4);
  EXPECT_EQ(plan.toReplicaSet, "checkout-api-bbb");
  EXPECT_EQ(plan.badTemplateHash, "ccc");
}

TEST(RollbackPlan, IgnoresReplicaSetsNotControlledByTheDeployment) {
  auto history3 = history();
  history3.push_back(replicaSet("zzz", "2", "v-other", ownerRef("another-uid")));
  auto foreign = replicaSet("yyy", "2", "v-foreign", ownerRef(kUid, "checkout-api", false));
  history3.push_back(foreign);
  auto plan = planRollback(deployment("3", "v3"), history3);
  ASSERT_TRUE(plan.possible) << plan.reason;
  EXPECT_EQ(plan.toReplicaSet, "checkout-api-7f6d5c4b3");

  // Only foreign ReplicaSets below the current revision: nothing to roll back to.
  std::vector<json> onlyForeign = {replicaSet("5d9c8f7b6", "3", "v3"),
                                   replicaSet("zzz", "2", "v-other", ownerRef("another-uid"))};
  plan = planRollback(deployment("3", "v3"), onlyForeign);
  EXPECT_FALSE(plan.possible);
  EXPECT_EQ(plan.refusal, RollbackRefusal::NoPreviousRevision);
}

TEST(RollbackPlan, IgnoresReplicaSetsAboveTheCurrentRevision) {
  // A newer ReplicaSet the Deployment's annotation does not name (yet): not a rollback target.
  auto replicaSets = history();
  replicaSets.push_back(replicaSet("eee", "4", "v4"));
  auto plan = planRollback(deployment("3", "v3"), replicaSets);
  ASSERT_TRUE(plan.possible) << plan.reason;
  EXPECT_EQ(plan.fromRevision, 3);
  EXPECT_EQ(plan.toRevision, 2);
}

TEST(RollbackPlan, WithoutDeploymentRevisionTakesTheSecondHighestLikeKubectl) {
  auto current = deployment("", "v3");
  std::vector<json> replicaSets = {replicaSet("ccc", "7", "v7"), replicaSet("aaa", "3", "v3"),
                                   replicaSet("bbb", "5", "v5")};
  auto plan = planRollback(current, replicaSets);
  ASSERT_TRUE(plan.possible) << plan.reason;
  EXPECT_EQ(plan.fromRevision, 7);
  EXPECT_EQ(plan.toRevision, 5);
  EXPECT_EQ(plan.toReplicaSet, "checkout-api-bbb");
  EXPECT_EQ(plan.badTemplateHash, "ccc");
}

TEST(RollbackPlan, ReplicaSetWithoutRevisionAnnotationCountsAsRevisionZero) {
  std::vector<json> replicaSets = {replicaSet("aaa", "", "v0"), replicaSet("bbb", "2", "v2")};
  auto plan = planRollback(deployment("2", "v2"), replicaSets);
  ASSERT_TRUE(plan.possible) << plan.reason;
  EXPECT_EQ(plan.toRevision, 0);
  EXPECT_EQ(plan.toReplicaSet, "checkout-api-aaa");
}

TEST(RollbackPlan, UnparsableRevisionsAreSkipped) {
  std::vector<json> replicaSets = {replicaSet("aaa", "1", "v1"), replicaSet("bbb", "two", "v2"),
                                   replicaSet("ccc", "3", "v3")};
  auto plan = planRollback(deployment("3", "v3"), replicaSets);
  ASSERT_TRUE(plan.possible) << plan.reason;
  EXPECT_EQ(plan.toReplicaSet, "checkout-api-aaa");
}

TEST(RollbackPlan, EqualRevisionsAreDecidedByNameAsListed) {
  std::vector<json> replicaSets = {replicaSet("ccc", "3", "v3"), replicaSet("bbb", "2", "v2b"),
                                   replicaSet("aaa", "2", "v2a")};
  auto plan = planRollback(deployment("3", "v3"), replicaSets);
  ASSERT_TRUE(plan.possible) << plan.reason;
  EXPECT_EQ(plan.toReplicaSet, "checkout-api-aaa");
}

TEST(RollbackPlan, NoPreviousRevision) {
  auto plan = planRollback(deployment("1", "v1"), {replicaSet("6b5a4c3d2", "1", "v1")});
  EXPECT_FALSE(plan.possible);
  EXPECT_EQ(plan.refusal, RollbackRefusal::NoPreviousRevision);
  EXPECT_EQ(plan.reason, "no previous revision to roll back to");
  EXPECT_EQ(plan.fromRevision, 1);
  EXPECT_EQ(plan.toRevision, 0);
  EXPECT_EQ(plan.toReplicaSet, "");
  EXPECT_EQ(plan.badTemplateHash, "6b5a4c3d2");
  EXPECT_TRUE(plan.jsonPatch.is_null());

  plan = planRollback(deployment("1", "v1"), {});
  EXPECT_FALSE(plan.possible);
  EXPECT_EQ(plan.reason, "no previous revision to roll back to");
  EXPECT_EQ(plan.badTemplateHash, "");
}

TEST(RollbackPlan, RefusesAPausedDeploymentLikeKubectl) {
  auto current = deployment("3", "v3");
  current["spec"]["paused"] = true;
  auto plan = planRollback(current, history());
  EXPECT_FALSE(plan.possible);
  EXPECT_EQ(plan.refusal, RollbackRefusal::Paused);
  EXPECT_EQ(plan.reason,
            "you cannot rollback a paused deployment; resume it first with 'kubectl rollout "
            "resume deployment/checkout-api' and try again");
  EXPECT_EQ(plan.toRevision, 2);
  EXPECT_TRUE(plan.jsonPatch.is_null());

  current["spec"]["paused"] = false;
  EXPECT_TRUE(planRollback(current, history()).possible);
}

TEST(RollbackPlan, SkipsWhenTheCurrentTemplateAlreadyMatches) {
  // Revision 3 was rolled out with the v2 template again by hand, before the controller reused
  // the revision-2 ReplicaSet: rolling back would change nothing.
  std::vector<json> replicaSets = {replicaSet("7f6d5c4b3", "2", "v2"),
                                   replicaSet("5d9c8f7b6", "3", "v2-copy")};
  auto plan = planRollback(deployment("3", "v2"), replicaSets);
  EXPECT_FALSE(plan.possible);
  EXPECT_EQ(plan.refusal, RollbackRefusal::TemplateAlreadyMatches);
  EXPECT_EQ(plan.reason, "skipped rollback (current template already matches revision 2)");
  EXPECT_TRUE(plan.jsonPatch.is_null());
}

TEST(RollbackPlan, WaitsUntilTheControllerObservedTheSpec) {
  auto current = deployment("3", "v3");
  current["metadata"]["generation"] = 5;
  auto plan = planRollback(current, history());
  EXPECT_FALSE(plan.possible);
  EXPECT_EQ(plan.refusal, RollbackRefusal::RolloutNotObserved);
  EXPECT_EQ(plan.reason,
            "the deployment controller has not observed generation 5 yet (observed 4)");

  // Objects without the generation fields (manifests, minimal test servers) are not held back.
  current["status"].erase("observedGeneration");
  EXPECT_TRUE(planRollback(current, history()).possible);
}

TEST(RollbackPlan, TargetWithoutTemplateIsRefused) {
  auto previous = replicaSet("7f6d5c4b3", "2", "v2");
  previous["spec"].erase("template");
  auto plan = planRollback(deployment("3", "v3"), {previous, replicaSet("5d9c8f7b6", "3", "v3")});
  EXPECT_FALSE(plan.possible);
  EXPECT_EQ(plan.refusal, RollbackRefusal::NoTemplate);
  EXPECT_EQ(plan.reason, "ReplicaSet checkout-api-7f6d5c4b3 of revision 2 has no pod template");
}

TEST(RollbackPlan, BadTemplateHashFallsBackToTheDeploymentTemplate) {
  // No ReplicaSet carries revision 3 (yet): the template's own label is all there is.
  auto current = deployment("3", "v3");
  current["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] = "5d9c8f7b6";
  auto plan = planRollback(current, {replicaSet("7f6d5c4b3", "2", "v2")});
  ASSERT_TRUE(plan.possible) << plan.reason;
  EXPECT_EQ(plan.badTemplateHash, "5d9c8f7b6");

  plan = planRollback(deployment("3", "v3"), {replicaSet("7f6d5c4b3", "2", "v2")});
  ASSERT_TRUE(plan.possible) << plan.reason;
  EXPECT_EQ(plan.badTemplateHash, "");
}

TEST(RollbackPlan, RefusalNamesAreStable) {
  EXPECT_STREQ(toString(RollbackRefusal::None), "None");
  EXPECT_STREQ(toString(RollbackRefusal::NoPreviousRevision), "NoPreviousRevision");
  EXPECT_STREQ(toString(RollbackRefusal::Paused), "Paused");
  EXPECT_STREQ(toString(RollbackRefusal::TemplateAlreadyMatches), "TemplateAlreadyMatches");
  EXPECT_STREQ(toString(RollbackRefusal::TargetIsBad), "TargetIsBad");
  EXPECT_STREQ(toString(RollbackRefusal::RolloutNotObserved), "RolloutNotObserved");
  EXPECT_STREQ(toString(RollbackRefusal::NoTemplate), "NoTemplate");
}

}  // namespace
}  // namespace rg::actions
