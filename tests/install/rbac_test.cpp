// The chart's RBAC is exactly what `readiness-gate run` calls, for every namespace (a
// ClusterRole) and for a list of watched namespaces (a Role per namespace); the Lease
// permissions exist only with leader election.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/install/chart_render.hpp"

namespace rg::install {
namespace {

using nlohmann::json;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

std::string joined(const json& list) {
  std::vector<std::string> items;
  for (const auto& item : list) items.push_back(item.get<std::string>());
  std::sort(items.begin(), items.end());
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// One line per (group, resource, resourceNames) with its verbs, sorted: the rule list
// compared independently of how the chart groups resources into rules.
std::vector<std::string> ruleLines(const json& role) {
  std::vector<std::string> lines;
  for (const auto& rule : role.at("rules")) {
    const std::string names = rule.contains("resourceNames") ? joined(rule["resourceNames"]) : "";
    for (const auto& group : rule.at("apiGroups")) {
      for (const auto& resource : rule.at("resources")) {
        std::string groupName = group.get<std::string>();
        lines.push_back((groupName.empty() ? "core" : groupName) + " " +
                        resource.get<std::string>() + (names.empty() ? "" : " [" + names + "]") +
                        ": " + joined(rule.at("verbs")));
      }
    }
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

// What the code calls: informers (cluster_cache.cpp) list and watch six kinds; the reconciler
// updates gate status (and re-reads a gate on 409), patches Deployments (pause, rollback) and
// pods/status (pod readiness condition); the event recorder creates and patches Events.
const std::vector<std::string> kWatchRules = {
    "apps deployments: list,patch,watch",
    "apps replicasets: list,watch",
    "core configmaps: list,watch",
    "core events: create,patch",
    "core pods/status: patch",
    "core pods: list,watch",
    "core secrets: list,watch",
    "gates.readiness.dev readinessgates/status: update",
    "gates.readiness.dev readinessgates: get,list,watch",
};

// leader_election.cpp: get, create when missing, update to acquire and renew.
const std::vector<std::string> kLeaseRules = {
    "coordination.k8s.io leases [readiness-gate-leader]: get,update",
    "coordination.k8s.io leases: create",
};

void expectNoWildcards(const std::vector<json>& objects) {
  for (const char* kind : {"ClusterRole", "Role"}) {
    for (const auto& role : ofKind(objects, kind)) {
      for (const auto& rule : role.at("rules")) {
        for (const char* field : {"apiGroups", "resources", "verbs", "resourceNames"}) {
          if (!rule.contains(field)) continue;
          for (const auto& value : rule[field])
            EXPECT_NE(value.get<std::string>(), "*")
                << kind << " " << role["metadata"]["name"] << " " << field;
        }
      }
    }
  }
}

void expectBindsServiceAccount(const json& binding, const std::string& roleKind,
                               const std::string& roleName) {
  EXPECT_EQ(
      binding["roleRef"],
      (json{{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", roleKind}, {"name", roleName}}));
  EXPECT_EQ(
      binding["subjects"],
      (json::array(
          {{{"kind", "ServiceAccount"}, {"name", "readiness-gate"}, {"namespace", kNamespace}}})));
}

TEST(ChartRbac, EveryNamespaceGetsAClusterRoleWithExactlyTheVerbsTheCodeUses) {
  auto objects = render();
  auto role = theObject(objects, "ClusterRole", "readiness-gate");
  EXPECT_THAT(ruleLines(role), ElementsAreArray(kWatchRules));
  expectBindsServiceAccount(theObject(objects, "ClusterRoleBinding", "readiness-gate"),
                            "ClusterRole", "readiness-gate");
  EXPECT_EQ(ofKind(objects, "ClusterRole").size(), 1u);
  // One replica: no leader election, so no Lease permissions at all.
  EXPECT_THAT(ofKind(objects, "Role"), IsEmpty());
  EXPECT_THAT(ofKind(objects, "RoleBinding"), IsEmpty());
  theObject(objects, "ServiceAccount", "readiness-gate", kNamespace);
  expectNoWildcards(objects);
}

TEST(ChartRbac, WatchedNamespacesGetARoleEachAndNothingClusterWide) {
  auto objects = render({"--set", "watchNamespaces={a,b}", "--set", "replicas=3"});
  EXPECT_THAT(ofKind(objects, "ClusterRole"), IsEmpty());
  EXPECT_THAT(ofKind(objects, "ClusterRoleBinding"), IsEmpty());
  for (const std::string ns : {"a", "b"}) {
    SCOPED_TRACE("namespace " + ns);
    EXPECT_THAT(ruleLines(theObject(objects, "Role", "readiness-gate", ns)),
                ElementsAreArray(kWatchRules));
    expectBindsServiceAccount(theObject(objects, "RoleBinding", "readiness-gate", ns), "Role",
                              "readiness-gate");
  }
  // Three replicas elect a leader: a Lease Role in the release namespace, and nothing else.
  auto lease = theObject(objects, "Role", "readiness-gate-leader-election", kNamespace);
  EXPECT_THAT(ruleLines(lease), ElementsAreArray(kLeaseRules));
  expectBindsServiceAccount(
      theObject(objects, "RoleBinding", "readiness-gate-leader-election", kNamespace), "Role",
      "readiness-gate-leader-election");
  EXPECT_EQ(ofKind(objects, "Role").size(), 3u);
  EXPECT_EQ(ofKind(objects, "RoleBinding").size(), 3u);
  expectNoWildcards(objects);
}

TEST(ChartRbac, LeaseRuleNamesTheLeaseTheOperatorIsToldToUse) {
  auto objects = render({"--set", "replicas=2"});
  auto deployment = theObject(objects, "Deployment", "readiness-gate", kNamespace);
  auto args = deployment["spec"]["template"]["spec"]["containers"][0]["args"];
  EXPECT_NE(std::find(args.begin(), args.end(), "--leader-election-id=readiness-gate-leader"),
            args.end())
      << args.dump();
  EXPECT_NE(
      std::find(args.begin(), args.end(), std::string("--leader-election-namespace=") + kNamespace),
      args.end())
      << args.dump();
  EXPECT_THAT(ruleLines(theObject(objects, "Role", "readiness-gate-leader-election", kNamespace)),
              ElementsAreArray(kLeaseRules));
  // Watching every namespace still uses the ClusterRole.
  EXPECT_THAT(ruleLines(theObject(objects, "ClusterRole", "readiness-gate")),
              ElementsAreArray(kWatchRules));
}

TEST(ChartRbac, AnExistingServiceAccountIsBoundInsteadOfCreated) {
  auto objects = render(
      {"--set", "serviceAccount.create=false", "--set", "serviceAccount.name=platform-operator"});
  EXPECT_THAT(ofKind(objects, "ServiceAccount"), IsEmpty());
  auto binding = theObject(objects, "ClusterRoleBinding", "readiness-gate");
  EXPECT_EQ(binding["subjects"][0]["name"], "platform-operator");
  auto deployment = theObject(objects, "Deployment", "readiness-gate", kNamespace);
  EXPECT_EQ(deployment["spec"]["template"]["spec"]["serviceAccountName"], "platform-operator");
}

}  // namespace
}  // namespace rg::install
