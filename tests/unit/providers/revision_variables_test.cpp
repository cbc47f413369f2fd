#include "reconcilers/providers/revision_variables.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rg::providers {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;

RevisionVariables values() {
  return {"shop", "web", "4", "5d9c8f7b6", "web-gate"};
}

TEST(RevisionVariables, KnownVariablesAreAllowedWithOrWithoutSpaces) {
  EXPECT_EQ(
      variablesError(
          R"(sum(rate(x{namespace="{{namespace}}",pod=~"{{ name }}-{{podTemplateHash}}-.*"}[1m])))"),
      "");
  EXPECT_EQ(variablesError("http://{{name}}.{{namespace}}.svc/health?rev={{revision}}&g={{gate}}"),
            "");
  EXPECT_EQ(variablesError("no variables at all {a=\"b\"}"), "");
  EXPECT_TRUE(unknownVariables("{{name}} {{ podTemplateHash }}").empty());
}

TEST(RevisionVariables, UnknownVariablesAreNamed) {
  EXPECT_THAT(unknownVariables("{{pod}} {{name}} {{ Name }} {{pod}}"),
              ElementsAre("{{pod}}", "{{ Name }}"));
  EXPECT_EQ(variablesError("x{pod=\"{{pod}}\"}"),
            "unknown variable {{pod}}; known: namespace, name, revision, podTemplateHash, gate");
  EXPECT_EQ(variablesError("{{pod}}{{.Name}}"),
            "unknown variables {{pod}}, {{.Name}}; known: namespace, name, revision, "
            "podTemplateHash, gate");
  EXPECT_EQ(variablesError("{{}}"),
            "unknown variable {{}}; known: namespace, name, revision, podTemplateHash, gate");
}

TEST(RevisionVariables, UnclosedBracesAreAnError) {
  EXPECT_EQ(variablesError("x{pod=~\"{{name\"}"),
            "unclosed {{ at character 9; known variables: namespace, name, revision, "
            "podTemplateHash, gate");
  EXPECT_EQ(variablesError("{{name}} and {{"),
            "unclosed {{ at character 14; known variables: namespace, name, revision, "
            "podTemplateHash, gate");
  // A lone closing pair is ordinary text.
  EXPECT_EQ(variablesError("a}}b"), "");
}

TEST(RevisionVariables, Expansion) {
  EXPECT_EQ(
      expandVariables(R"(x{namespace="{{namespace}}",pod=~"{{ name }}-{{podTemplateHash}}-.*"})",
                      values()),
      R"(x{namespace="shop",pod=~"web-5d9c8f7b6-.*"})");
  EXPECT_EQ(expandVariables("r{{revision}}/{{gate}}/{{revision}}", values()), "r4/web-gate/4");
  EXPECT_EQ(expandVariables("{{unknown}} {{name", values()), "{{unknown}} {{name");
  EXPECT_EQ(expandVariables("plain", values()), "plain");
  EXPECT_TRUE(usesVariables("a{{ gate }}"));
  EXPECT_FALSE(usesVariables("a{{pod}}"));
  EXPECT_FALSE(usesVariables("plain"));
  EXPECT_EQ(expansionProblem("{{name}}-{{podTemplateHash}}", values()), "");
}

TEST(RevisionVariables, MissingValuesStopTheCheck) {
  RevisionVariables v = values();
  v.podTemplateHash.clear();
  EXPECT_EQ(expansionProblem("pod=~\"{{name}}-{{podTemplateHash}}-.*\"", v),
            "{{podTemplateHash}} has no value yet: no ReplicaSet of the current revision yet");
  EXPECT_EQ(expansionProblem("{{name}} only", v), "") << "unused variables may be empty";
  v.revision.clear();
  EXPECT_EQ(expansionProblem("{{ revision }}", v),
            "{{revision}} has no value yet: the Deployment has no "
            "deployment.kubernetes.io/revision yet");
}

TEST(RevisionVariables, UnsafeValuesAreNeverSpliced) {
  for (const std::string bad : {"a\"}) or vector(1", "a b", "a{b}", "x\ny", "web/x", "é"}) {
    RevisionVariables v = values();
    v.podTemplateHash = bad;
    EXPECT_EQ(expansionProblem("pod=~\"web-{{podTemplateHash}}-.*\"", v),
              "{{podTemplateHash}} has a value with characters outside [A-Za-z0-9._-]; not run")
        << bad;
  }
  RevisionVariables v = values();
  v.name = "web.v1_a-Z9";
  EXPECT_EQ(expansionProblem("{{name}}", v), "");
}

json deployment(const std::string& revision, const std::string& uid = "dep-uid") {
  json d = {{"metadata", {{"name", "web"}, {"namespace", "shop"}, {"uid", uid}}}};
  if (!revision.empty())
    d["metadata"]["annotations"] = {{"deployment.kubernetes.io/revision", revision}};
  return d;
}

json replicaSet(const std::string& hash, const std::string& revision,
                const std::string& owner = "web", const std::string& uid = "dep-uid") {
  return {
      {"metadata",
       {{"name", "web-" + hash},
        {"labels", {{"pod-template-hash", hash}}},
        {"annotations", {{"deployment.kubernetes.io/revision", revision}}},
        {"ownerReferences",
         json::array(
             {{{"kind", "Deployment"}, {"name", owner}, {"uid", uid}, {"controller", true}}})}}}};
}

Gate gate() {
  Gate g;
  g.name = "web-gate";
  g.namespace_ = "shop";
  g.spec.targetRef.name = "web";
  return g;
}

TEST(RevisionVariables, FromTheCurrentReplicaSet) {
  Workload w;
  w.deployment = deployment("10");
  // Numeric order: revision 10 is newer than 9 (not a string comparison).
  w.replicaSets = {replicaSet("aaa", "9"), replicaSet("ccc", "10"), replicaSet("bbb", "2")};
  auto v = revisionVariables(gate(), w);
  EXPECT_EQ(v.namespace_, "shop");
  EXPECT_EQ(v.name, "web");
  EXPECT_EQ(v.gate, "web-gate");
  EXPECT_EQ(v.revision, "10");
  EXPECT_EQ(v.podTemplateHash, "ccc");

  auto previous = previousRevisionVariables(gate(), w);
  ASSERT_TRUE(previous);
  EXPECT_EQ(previous->revision, "9");
  EXPECT_EQ(previous->podTemplateHash, "aaa");
  EXPECT_EQ(previous->name, "web");

  // A revision the gate rolled back is never a baseline.
  auto skipping = previousRevisionVariables(gate(), w, {"aaa"});
  ASSERT_TRUE(skipping);
  EXPECT_EQ(skipping->revision, "2");
  EXPECT_FALSE(previousRevisionVariables(gate(), w, {"aaa", "bbb"}));
}

TEST(RevisionVariables, NoCurrentReplicaSetLeavesTheHashEmpty) {
  Workload w;
  w.deployment = deployment("3");
  w.replicaSets = {replicaSet("aaa", "2")};
  auto v = revisionVariables(gate(), w);
  EXPECT_EQ(v.revision, "3");
  EXPECT_EQ(v.podTemplateHash, "");
  EXPECT_THAT(expansionProblem("{{podTemplateHash}}", v), ::testing::HasSubstr("no value yet"));

  Workload fresh;
  fresh.deployment = deployment("");
  auto none = revisionVariables(gate(), fresh);
  EXPECT_EQ(none.revision, "");
  EXPECT_EQ(none.podTemplateHash, "");
  EXPECT_FALSE(previousRevisionVariables(gate(), fresh));
}

TEST(RevisionVariables, ReplicaSetsOfOtherControllersDoNotCount) {
  Workload w;
  w.deployment = deployment("2");
  w.replicaSets = {replicaSet("xxx", "2", "other"), replicaSet("yyy", "2", "web", "old-uid"),
                   replicaSet("aaa", "1", "other")};
  auto v = revisionVariables(gate(), w);
  EXPECT_EQ(v.podTemplateHash, "");
  EXPECT_FALSE(previousRevisionVariables(gate(), w));

  w.replicaSets.push_back(replicaSet("zzz", "2"));
  EXPECT_EQ(revisionVariables(gate(), w).podTemplateHash, "zzz");
}

}  // namespace
}  // namespace rg::providers
