// Two replicas with --leader-elect on one Lease; the leader is SIGKILLed (no release of the
// Lease) just as a rollback becomes due. The standby takes over once the Lease expires
// (leaseDuration 15 s, checked every retryPeriod 2 s with jitter) and rolls back exactly once;
// it does nothing while it is standby.
#include <signal.h>

#include <filesystem>

#include "tests/e2e/support/fault_fixture.hpp"

namespace rg::e2e {
namespace {

// client-go's defaults, which the operator uses: lease 15 s, retry 2 s with jitter 1.2.
constexpr auto kLeaseDuration = 15s;
constexpr auto kRetryWithJitter = 4400ms;

class LeaderFailoverFaultTest : public FaultTest {
 protected:
  void TearDown() override {
    standby_.reset();
    FaultTest::TearDown();
  }

  // Each replica logs into its own directory.
  OperatorOptions electingOptions(const std::string& replica) {
    const std::string dir = cluster().dir() + "/" + replica;
    std::filesystem::create_directories(dir);
    return {RG_OPERATOR_BINARY,
            cluster().kubeconfig(),
            dir,
            {"--leader-elect", "--leader-election-namespace", cluster().ns(),
             "--leader-election-id", "rg-e2e"}};
  }

  std::unique_ptr<OperatorProcess> standby_;
};

TEST_F(LeaderFailoverFaultTest, StandbyTakesOverAfterTheLeaseAndActsOnce) {
  cluster().apply(deploymentManifest("web", kGoodImage));
  cluster().apply(
      gateManifest("web", "web",
                   {{"interval", "1s"}, {"onFailure", "Rollback"}, {"checks", {securityCheck()}}}));
  operator_ = std::make_unique<OperatorProcess>(electingOptions("first"));
  operator_->start();
  ASSERT_TRUE(eventually([&] { return readyz(*operator_) == "ok: leader\n"; }, 10s));
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return passing(g, "security"); }, 10s, "passed"));
  standby_ = std::make_unique<OperatorProcess>(electingOptions("second"));
  standby_->start();
  EXPECT_EQ(readyz(*standby_), "ok: standby\n");

  operator_->kill(SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_FALSE(operator_->running());
  cluster().setImage("web", kLatestImage);

  // Patches counted before reading "standby": a patch seen then was made by a standby.
  bool patchedAsStandby = false;
  ASSERT_TRUE(eventually(
      [&] {
        const size_t patches = cluster().deploymentPatches();
        const std::string state = readyz(*standby_);
        if (state == "ok: standby\n" && patches > 0) patchedAsStandby = true;
        return state == "ok: leader\n";
      },
      kLeaseDuration + kRetryWithJitter + 5s))
      << standby_->logTail();
  const auto takeover = std::chrono::steady_clock::now() - killed;
  EXPECT_FALSE(patchedAsStandby);
  EXPECT_LE(takeover, kLeaseDuration + kRetryWithJitter + 1s);

  ASSERT_TRUE(waitForGate(
      "web",
      [](const json& g) { return gatePhase(g) == "RolledBack" && targetRevisionOf(g) == "3"; }, 10s,
      "rolled back by the new leader"));
  const json g = gate();
  EXPECT_EQ(lastActionOf(g, "type"), "Rollback");
  EXPECT_EQ(lastActionOf(g, "fromRevision"), "2");
  EXPECT_EQ(imageOf(deployment()), kGoodImage);
  ASSERT_TRUE(waitForRounds("web", 3, 10s, standby_.get()));
  EXPECT_EQ(cluster().deploymentPatches(), 1u);
  EXPECT_EQ(cluster().deploymentPatches(kJsonPatch), 1u);
  EXPECT_EQ(cluster().events("ReadinessGate", "web", "RolledBack").size(), 1u);
  EXPECT_TRUE(healthy(*standby_));
  std::cerr << "takeover after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(takeover).count() << " ms\n";
}

}  // namespace
}  // namespace rg::e2e
