// Watch streams that break: dropped again and again, refused while the cluster changes, or
// answered "410 Gone" on resumption. Changes made while no stream was open must still reach the
// gates: by resuming from the last resourceVersion, or by relisting after a 410.
#include "tests/e2e/support/fault_fixture.hpp"

namespace rg::e2e {
namespace {

// The operator's informers: gates, Deployments, ReplicaSets, Pods, Secrets, ConfigMaps.
constexpr size_t kInformers = 6;
constexpr const char* kSecretList = "/secrets?limit";
constexpr const char* kSecretWatch = "/secrets?allowWatchBookmarks";

class WatchFaultTest : public FaultTest {
 protected:
  void startWithSecretGate() {
    cluster().apply(deploymentManifest("web", kGoodImage));
    cluster().apply(
        gateManifest("web", "web", {{"interval", "1s"}, {"checks", {secretsCheck("db")}}}));
    startOperator();
    ASSERT_TRUE(allWatching());
  }

  bool allWatching() {
    return eventually([&] { return cluster().api().openWatchCount() >= kInformers; }, 10s);
  }

  // Drops every watch stream and refuses the Secret informer's next two attempts to resume (the
  // client retries after Retry-After: 1 s), then runs `change` once a refusal was answered: no
  // Secret watch is open while it runs.
  template <class Change>
  void inSecretWatchGap(Change change) {
    const size_t refused = requests("GET", kSecretWatch, 503);
    cluster().api().failNext(2, 503, "GET", kSecretWatch, 1);
    cluster().api().dropWatches();
    ASSERT_TRUE(eventually([&] { return requests("GET", kSecretWatch, 503) > refused; }, 10s));
    change();
  }
};

TEST_F(WatchFaultTest, ChangesMadeWhileWatchesAreDownAreSeenByResuming) {
  ASSERT_NO_FATAL_FAILURE(startWithSecretGate());
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return checkIs(g, "secrets", "Failed"); }, 10s, "failed"));
  const size_t watchesBefore = requests("GET", kSecretWatch);

  for (int drop = 0; drop < 4; ++drop) {
    ASSERT_TRUE(allWatching()) << "after drop " << drop;
    cluster().api().dropWatches();
  }
  ASSERT_TRUE(allWatching());
  ASSERT_NO_FATAL_FAILURE(inSecretWatchGap([&] { cluster().apply(secretManifest("db")); }));

  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return passing(g, "secrets"); }, 10s, "passed"));
  EXPECT_EQ(conditionStatus(gate(), "Ready"), "True");
  EXPECT_GE(requests("GET", kSecretWatch) - watchesBefore, 5u);
  // Resumed from the last resourceVersion each time: the one list is the initial one.
  EXPECT_EQ(requests("GET", kSecretList), 1u);
  EXPECT_EQ(requests("GET", kSecretList, 410), 0u);
  EXPECT_TRUE(allWatching());
  EXPECT_EQ(cluster().deploymentPatches(), 0u);
  EXPECT_TRUE(healthy(*operator_));
}

TEST_F(WatchFaultTest, GoneOnResumptionRelistsAndSeesDeletionsAndCreations) {
  cluster().apply(secretManifest("db"));
  ASSERT_NO_FATAL_FAILURE(startWithSecretGate());
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return passing(g, "secrets"); }, 10s, "passed"));
  ASSERT_EQ(requests("GET", kSecretList), 1u);

  // 410 as an ERROR event in the resumed stream (what an API server does): the Secret deleted
  // in the gap is only known from the relist.
  cluster().api().expireNextWatch(/*asHttpStatus=*/false, "/secrets");
  ASSERT_NO_FATAL_FAILURE(
      inSecretWatchGap([&] { ASSERT_TRUE(cluster().api().remove("v1", "Secret", "e2e", "db")); }));
  ASSERT_TRUE(waitForGate(
      "web",
      [](const json& g) { return gatePhase(g) == "Failing" && checkIs(g, "secrets", "Failed"); },
      10s, "noticed the deleted Secret"));
  EXPECT_THAT(gateCheck(gate(), "secrets").value("message", ""), ::testing::HasSubstr("db"));
  EXPECT_EQ(requests("GET", kSecretList), 2u);

  // 410 as the HTTP status of the resumed watch: the Secret created in the gap comes with the
  // relist.
  ASSERT_TRUE(allWatching());
  cluster().api().expireNextWatch(/*asHttpStatus=*/true, "/secrets");
  ASSERT_NO_FATAL_FAILURE(inSecretWatchGap([&] { cluster().apply(secretManifest("db")); }));
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return passing(g, "secrets"); }, 10s, "saw the Secret again"));
  EXPECT_EQ(requests("GET", kSecretWatch, 410), 1u);
  EXPECT_EQ(requests("GET", kSecretList), 3u);

  // One relist per 410, no relist loop; watching again afterwards.
  ASSERT_TRUE(waitForRounds("web", 2, 10s));
  EXPECT_EQ(requests("GET", kSecretList), 3u);
  EXPECT_TRUE(allWatching());
  EXPECT_EQ(cluster().deploymentPatches(), 0u);
  EXPECT_TRUE(healthy(*operator_));
}

}  // namespace
}  // namespace rg::e2e
