// A Deployment deleted and created again under the same name is a new object (new uid): the
// gate follows it, and what it remembered about the old one (a rollback, its bad template)
// does not decide what it does to the new one.
#include "tests/e2e/support/fault_fixture.hpp"

namespace rg::e2e {
namespace {

class TargetRecreatedFaultTest : public FaultTest {
 protected:
  static std::string uidOf(const json& object) {
    return object.value("/metadata/uid"_json_pointer, std::string());
  }

  // What the garbage collector does after a Deployment's deletion: its ReplicaSets and their
  // Pods go too. The Deployment goes first and the simulated controller settles between steps,
  // so that it never syncs a Deployment whose objects are half gone.
  void deleteDeploymentWithDependents(const std::string& name) {
    cluster().api().waitForHooks();
    ASSERT_TRUE(cluster().api().remove("apps/v1", "Deployment", cluster().ns(), name));
    cluster().api().waitForHooks();
    for (const auto& rs : cluster().replicaSets())
      cluster().api().remove("apps/v1", "ReplicaSet", cluster().ns(),
                             rs.value("/metadata/name"_json_pointer, std::string()));
    cluster().api().waitForHooks();
    for (const auto& pod : cluster().pods())
      cluster().api().remove("v1", "Pod", cluster().ns(),
                             pod.value("/metadata/name"_json_pointer, std::string()));
    cluster().api().waitForHooks();
  }
};

TEST_F(TargetRecreatedFaultTest, RecreatedDeploymentIsJudgedOnItsOwnHistory) {
  cluster().apply(deploymentManifest("web", kGoodImage));
  cluster().apply(
      gateManifest("web", "web",
                   {{"interval", "1s"}, {"onFailure", "Rollback"}, {"checks", {securityCheck()}}}));
  startOperator();
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return passing(g, "security"); }, 10s, "passed"));

  // The first Deployment: a :latest revision is rolled back.
  cluster().setImage("web", kLatestImage);
  ASSERT_TRUE(waitForGate(
      "web",
      [](const json& g) { return gatePhase(g) == "RolledBack" && targetRevisionOf(g) == "3"; }, 10s,
      "rolled back the first Deployment"));
  ASSERT_EQ(cluster().deploymentPatches(kJsonPatch), 1u);
  const std::string firstUid = uidOf(deployment());

  // Deleted and created again at once: the new one starts at revision 1 with the good image.
  ASSERT_NO_FATAL_FAILURE(deleteDeploymentWithDependents("web"));
  cluster().apply(deploymentManifest("web", kGoodImage));
  cluster().api().waitForHooks();
  ASSERT_NE(uidOf(deployment()), firstUid);
  ASSERT_EQ(revisionOf(deployment()), "1");
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return targetRevisionOf(g) == "1" && passing(g, "security"); },
      10s, "passed on the new Deployment (it was never rolled back)"));
  EXPECT_TRUE(gateCondition(gate(), "RolledBack").is_null()) << gate()["status"].dump(2);

  // The new Deployment rolls out the template the first one rolled back. Nothing was rolled
  // back on this Deployment yet: it is rolled back, not paused.
  cluster().setImage("web", kLatestImage);
  ASSERT_TRUE(waitForGate(
      "web",
      [](const json& g) { return gatePhase(g) == "RolledBack" && targetRevisionOf(g) == "3"; }, 10s,
      "rolled back the new Deployment"));
  const json g = gate();
  EXPECT_TRUE(rolledBackFrom2To1(g));
  const json d = deployment();
  EXPECT_EQ(imageOf(d), kGoodImage);
  EXPECT_FALSE(d["spec"].value("paused", false));
  ASSERT_TRUE(waitForRounds("web", 2, 5s));
  EXPECT_EQ(cluster().deploymentPatches(kJsonPatch), 2u);
  EXPECT_EQ(cluster().deploymentPatches(), 2u);
  EXPECT_TRUE(healthy(*operator_));
}

}  // namespace
}  // namespace rg::e2e
