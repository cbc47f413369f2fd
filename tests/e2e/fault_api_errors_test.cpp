// The API server answers 500, 429 (Retry-After) and 503 in bursts, to lists, watches, status
// writes and Deployment patches: the operator stays up, acts exactly once, and the gate's
// status ends where it would have without the errors.
#include "tests/e2e/support/fault_fixture.hpp"

namespace rg::e2e {
namespace {

class ApiErrorFaultTest : public FaultTest {
 protected:
  // A passing Rollback gate whose Deployment rolls out a bad image; the rollback patch is
  // answered 429 (Retry-After 1 s) once, and this returns while the client waits to retry.
  void rollbackWaitingOnA429() {
    cluster().apply(deploymentManifest("web", kGoodImage));
    cluster().apply(gateManifest(
        "web", "web",
        {{"interval", "1s"}, {"onFailure", "Rollback"}, {"checks", {securityCheck()}}}));
    startOperator();
    ASSERT_TRUE(waitForGate(
        "web", [](const json& g) { return passing(g, "security"); }, 10s, "passed"));
    cluster().api().failNext(1, 429, "PATCH", "/deployments/web", 1);
    cluster().setImage("web", kLatestImage);
    ASSERT_TRUE(eventually([&] { return requests("PATCH", "/deployments/web", 429) == 1; }, 10s));
  }
};

TEST_F(ApiErrorFaultTest, ErrorBurstsDuringARollbackActOnceAndRecordIt) {
  cluster().apply(deploymentManifest("web", kGoodImage));
  cluster().apply(
      gateManifest("web", "web",
                   {{"interval", "1s"}, {"onFailure", "Rollback"}, {"checks", {securityCheck()}}}));
  // The initial lists and watches meet every kind of error; the client retries them.
  cluster().api().failNext(2, 500, "GET", "deployments?limit");
  cluster().api().failNext(2, 429, "GET", "secrets?limit", 1);
  cluster().api().failNext(2, 503, "GET", "readinessgates?limit");
  cluster().api().failNext(3, 503, "GET", "watch=true");
  startOperator();
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return passing(g, "security"); }, 10s, "passed"));
  EXPECT_EQ(requests("GET", "?limit", 500) + requests("GET", "?limit", 429) +
                requests("GET", "?limit", 503),
            6u);

  // Watches break and their re-establishment fails; the rollback's patch meets 500s (not
  // retried by the client for a PATCH: the reconcile fails and is retried) and 429s (retried
  // after Retry-After); the status write meets 503s.
  cluster().api().failNext(3, 500, "GET", "watch=true");
  cluster().api().dropWatches();
  cluster().api().failNext(2, 500, "PATCH", "/deployments/web");
  cluster().api().failNext(2, 429, "PATCH", "/deployments/web", 1);
  cluster().api().failNext(3, 503, "PUT", "/readinessgates/web/status");
  cluster().setImage("web", kLatestImage);

  ASSERT_TRUE(waitForGate(
      "web",
      [](const json& g) { return gatePhase(g) == "RolledBack" && targetRevisionOf(g) == "3"; }, 20s,
      "rolled back and evaluated the restored revision"));
  const json g = gate();
  EXPECT_TRUE(rolledBackFrom2To1(g));
  EXPECT_EQ(conditionStatus(g, "RolledBack"), "True");
  EXPECT_TRUE(checkIs(g, "security", "Passed"));
  EXPECT_EQ(imageOf(deployment()), kGoodImage);
  // Every injected fault was met, and the rollback went through once.
  EXPECT_EQ(requests("PATCH", "/deployments/web", 500), 2u);
  EXPECT_EQ(requests("PATCH", "/deployments/web", 429), 2u);
  EXPECT_EQ(requests("PUT", "/readinessgates/web/status", 503), 3u);
  ASSERT_TRUE(waitForRounds("web", 3, 10s));
  EXPECT_EQ(cluster().deploymentPatches(), 1u);
  EXPECT_EQ(cluster().deploymentPatches(kJsonPatch), 1u);
  EXPECT_EQ(cluster().events("ReadinessGate", "web", "RolledBack").size(), 1u);
  EXPECT_TRUE(healthy(*operator_));
}

// The status write after a rollback fails longer than the client retries: the reconcile fails
// with the patch already applied. The retry must not roll back again, and the rollback must
// still reach the gate's status and Events.
TEST_F(ApiErrorFaultTest, StatusWriteFailingPastItsRetriesAfterARollbackIsRecordedLater) {
  // Revision 2 (:latest) is already out; the suspended gate reports it and does not act.
  cluster().apply(deploymentManifest("web", kGoodImage));
  cluster().api().waitForHooks();
  cluster().setImage("web", kLatestImage);
  cluster().api().waitForHooks();
  ASSERT_EQ(revisionOf(deployment()), "2");
  cluster().apply(gateManifest("web", "web",
                               {{"interval", "1s"},
                                {"onFailure", "Rollback"},
                                {"suspend", true},
                                {"checks", {securityCheck()}}}));
  startOperator();
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Failing"; }, 10s, "failed"));
  ASSERT_EQ(cluster().deploymentPatches(), 0u);

  // Resumed: the next reconcile rolls back, then the status write recording the rollback meets
  // one attempt and five retries, all refused.
  rg::testing::FaultRule refused;
  refused.count = 6;
  refused.code = 503;
  refused.method = "PUT";
  refused.pathContains = "/readinessgates/web/status";
  refused.bodyContains = "\"type\":\"Rollback\"";
  refused.retryAfterSeconds = 1;
  cluster().api().failNext(refused);
  cluster().api().mutate(kGateApiVersion, "ReadinessGate", cluster().ns(), "web",
                         [](json& g) { g["spec"]["suspend"] = false; });
  ASSERT_TRUE(eventually([&] { return cluster().deploymentPatches(kJsonPatch) == 1; }, 10s));
  ASSERT_TRUE(
      eventually([&] { return requests("PUT", "/readinessgates/web/status", 503) == 6; }, 10s));
  ASSERT_TRUE(waitForGate(
      "web",
      [](const json& g) { return targetRevisionOf(g) == "3" && checkIs(g, "security", "Passed"); },
      10s, "evaluated the restored revision"));
  ASSERT_TRUE(waitForRounds("web", 2, 10s));
  const json g = gate();
  EXPECT_EQ(gatePhase(g), "RolledBack");
  EXPECT_TRUE(rolledBackFrom2To1(g));
  EXPECT_EQ(conditionStatus(g, "RolledBack"), "True");
  ASSERT_TRUE(eventually(
      [&] { return cluster().events("ReadinessGate", "web", "RolledBack").size() == 1; }, 5s));
  EXPECT_EQ(cluster().deploymentPatches(), 1u);
  EXPECT_EQ(imageOf(deployment()), kGoodImage);
  EXPECT_TRUE(healthy(*operator_));
}

// The rollback patch is answered 429 once; while the client waits to retry, the Deployment
// watch breaks and its resumption is refused for two seconds. The rollback lands and its status
// is written while the operator's copy of the Deployment still shows the bad revision: acting
// on that copy again (a pause, a second rollback) would be a duplicate action.
TEST_F(ApiErrorFaultTest, DeploymentWatchBehindARollbackDoesNotActAgain) {
  ASSERT_NO_FATAL_FAILURE(rollbackWaitingOnA429());
  cluster().api().failNext(2, 503, "GET", "/deployments?allowWatchBookmarks", 1);
  cluster().api().dropWatches();

  ASSERT_TRUE(waitForGate(
      "web",
      [](const json& g) { return gatePhase(g) == "RolledBack" && targetRevisionOf(g) == "3"; }, 15s,
      "rolled back and evaluated the restored revision"));
  ASSERT_TRUE(waitForRounds("web", 2, 10s));
  EXPECT_EQ(requests("GET", "/deployments?allowWatchBookmarks", 503), 2u);
  EXPECT_EQ(cluster().deploymentPatches(), 1u);
  EXPECT_EQ(cluster().deploymentPatches(kJsonPatch), 1u);
  EXPECT_FALSE(deployment()["spec"].value("paused", false));
  EXPECT_EQ(imageOf(deployment()), kGoodImage);
  EXPECT_EQ(lastActionOf(gate(), "type"), "Rollback");
  EXPECT_TRUE(healthy(*operator_));
}

// The same with the gates' watch behind: the next reconciles read the gate as it was before
// the rollback's status write. Their status, computed from that older status, must not replace
// the one recording the rollback.
TEST_F(ApiErrorFaultTest, GateWatchBehindARollbackKeepsItsRecord) {
  ASSERT_NO_FATAL_FAILURE(rollbackWaitingOnA429());
  cluster().api().failNext(2, 503, "GET", "/readinessgates?allowWatchBookmarks", 1);
  cluster().api().dropWatches();

  ASSERT_TRUE(eventually([&] { return cluster().deploymentPatches() == 1; }, 10s));
  ASSERT_TRUE(eventually(
      [&] { return requests("GET", "/readinessgates?allowWatchBookmarks", 503) == 2; }, 10s));
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return targetRevisionOf(g) == "3"; }, 10s,
      "evaluated the restored revision"));
  ASSERT_TRUE(waitForRounds("web", 2, 10s));
  const json g = gate();
  EXPECT_EQ(gatePhase(g), "RolledBack");
  EXPECT_EQ(lastActionOf(g, "type"), "Rollback");
  EXPECT_EQ(conditionStatus(g, "RolledBack"), "True");
  EXPECT_EQ(cluster().deploymentPatches(), 1u);
  EXPECT_TRUE(healthy(*operator_));
}

TEST_F(ApiErrorFaultTest, FailingGoesPassingThroughErrorBursts) {
  cluster().apply(deploymentManifest("web", kGoodImage));
  cluster().apply(
      gateManifest("web", "web",
                   {{"interval", "1s"}, {"onFailure", "Pause"}, {"checks", {secretsCheck("db")}}}));
  startOperator();
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return gatePhase(g) == "Paused"; }, 10s, "paused"));
  ASSERT_EQ(cluster().deploymentPatches(), 1u);

  // The Secret arrives while the Secret watch is broken and refused, the resume patch meets a
  // 500 and a 429, and status writes meet 500s and 503s.
  cluster().api().failNext(3, 503, "GET", "/secrets?allowWatchBookmarks");
  cluster().api().dropWatches();
  cluster().api().failNext(1, 500, "PATCH", "/deployments/web");
  cluster().api().failNext(1, 429, "PATCH", "/deployments/web", 1);
  cluster().api().failNext(2, 500, "PUT", "/readinessgates/web/status");
  cluster().api().failNext(2, 503, "PUT", "/readinessgates/web/status", 1);
  cluster().apply(secretManifest("db"));

  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return passing(g, "secrets"); }, 20s, "passed"));
  const json g = gate();
  EXPECT_EQ(conditionStatus(g, "Ready"), "True");
  EXPECT_EQ(conditionStatus(g, "Paused"), "False");
  EXPECT_EQ(lastActionOf(g, "type"), "Resume");
  EXPECT_FALSE(deployment()["spec"].value("paused", true));
  EXPECT_EQ(requests("GET", "/secrets?allowWatchBookmarks", 503), 3u);
  EXPECT_EQ(requests("PATCH", "/deployments/web", 500), 1u);
  EXPECT_EQ(requests("PUT", "/readinessgates/web/status", 500) +
                requests("PUT", "/readinessgates/web/status", 503),
            4u);
  ASSERT_TRUE(waitForRounds("web", 2, 10s));
  // One pause, one resume.
  EXPECT_EQ(cluster().deploymentPatches(), 2u);
  EXPECT_EQ(cluster().events("ReadinessGate", "web", "RolloutResumed").size(), 1u);
  EXPECT_TRUE(healthy(*operator_));
}

}  // namespace
}  // namespace rg::e2e
