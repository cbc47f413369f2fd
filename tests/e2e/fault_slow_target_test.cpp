// An http check whose target accepts the connection and never answers: the check ends at its
// timeout as Inconclusive (API.md: a provider that does not answer), it holds no reconcile
// worker meanwhile, and a gate deleted while such a check waits is not written back.
#include "tests/e2e/support/fault_fixture.hpp"
#include "tests/providers/loopback.hpp"

namespace rg::e2e {
namespace {

using providers::testing::SilentServer;

class SlowTargetFaultTest : public FaultTest {
 protected:
  static json silentCheck(const SilentServer& target, const std::string& timeout) {
    return {{"name", "health"}, {"http", {{"url", target.url("/health")}, {"timeout", timeout}}}};
  }
};

TEST_F(SlowTargetFaultTest, SilentTargetIsInconclusiveAtItsTimeoutAndTheOnlyWorkerMovesOn) {
  SilentServer silent;
  cluster().apply(deploymentManifest("web", kGoodImage));
  cluster().apply(gateManifest(
      "slow", "web",
      {{"interval", "1s"}, {"onFailure", "Rollback"}, {"checks", {silentCheck(silent, "1s")}}}));
  cluster().apply(
      gateManifest("fast", "web", {{"interval", "1s"}, {"checks", {secretsCheck("db")}}}));
  startOperatorWith({"--workers", "1"});

  ASSERT_TRUE(waitForGate(
      "slow", [](const json& g) { return checkIs(g, "health", "Inconclusive"); }, 5s,
      "reported the silent target"));
  const json slow = gate("slow");
  EXPECT_THAT(gateCheck(slow, "health").value("message", ""),
              ::testing::HasSubstr("did not answer within 1s"));
  EXPECT_EQ(gateCheck(slow, "health").value("consecutiveFailures", -1), 0);
  EXPECT_EQ(gatePhase(slow), "Inconclusive");
  EXPECT_EQ(gateCondition(slow, "Ready").value("status", ""), "Unknown");
  EXPECT_THAT(gateCondition(slow, "Ready").value("message", ""),
              ::testing::HasSubstr("inconclusive: health"));
  ASSERT_TRUE(waitForGate(
      "fast", [](const json& g) { return checkIs(g, "secrets", "Failed"); }, 5s, "failed"));

  // The probe of the silent target never holds the only worker (it runs on the runtime check
  // threads): the other gate follows a change at once.
  const auto created = std::chrono::steady_clock::now();
  cluster().apply(secretManifest("db"));
  ASSERT_TRUE(waitForGate(
      "fast", [](const json& g) { return passing(g, "secrets"); }, 5s, "passed"));
  EXPECT_LT(std::chrono::steady_clock::now() - created, 3s);

  // The silent gate goes on being evaluated, a probe per round, each ending at the timeout (the
  // first of these rounds may have connected already).
  const int accepted = silent.accepted();
  ASSERT_TRUE(waitForRounds("slow", 2, 6s));
  EXPECT_GE(silent.accepted(), accepted + 1);
  EXPECT_TRUE(checkIs(gate("slow"), "health", "Inconclusive"));
  EXPECT_EQ(lastActionOf(gate("slow"), "type"), "");
  EXPECT_EQ(cluster().deploymentPatches(), 0u);
  EXPECT_TRUE(healthy(*operator_));
}

TEST_F(SlowTargetFaultTest, GateDeletedWhileItsCheckWaitsIsNotWrittenBack) {
  SilentServer silent;
  cluster().apply(deploymentManifest("web", kGoodImage));
  cluster().apply(secretManifest("db"));
  cluster().apply(
      gateManifest("fast", "web", {{"interval", "1s"}, {"checks", {secretsCheck("db")}}}));
  startOperator();
  ASSERT_TRUE(waitForGate(
      "fast", [](const json& g) { return passing(g, "secrets"); }, 5s, "passed"));

  cluster().apply(gateManifest(
      "slow", "web",
      {{"interval", "1s"}, {"onFailure", "Rollback"}, {"checks", {silentCheck(silent, "2s")}}}));
  ASSERT_TRUE(eventually([&] { return silent.accepted() >= 1; }, 5s));
  ASSERT_TRUE(cluster().api().remove(kGateApiVersion, "ReadinessGate", cluster().ns(), "slow"));

  // Its round gave the worker back while the probe waits; the deletion forgets the round, and
  // the probe's answer at its timeout (2 s, within the three rounds of the other gate below) is
  // dropped. Nothing is ever written for the gate, nothing is retried, nothing probed again.
  const size_t slowRequests = requests("", "/readinessgates/slow");
  const int probes = silent.accepted();
  ASSERT_TRUE(waitForRounds("fast", 3, 6s));
  EXPECT_EQ(requests("PUT", "/readinessgates/slow/status"), 0u);
  EXPECT_EQ(requests("", "/readinessgates/slow"), slowRequests);
  EXPECT_EQ(silent.accepted(), probes);
  EXPECT_FALSE(cluster().gate("slow").has_value());

  ASSERT_TRUE(cluster().api().remove("v1", "Secret", cluster().ns(), "db"));
  ASSERT_TRUE(waitForGate(
      "fast", [](const json& g) { return checkIs(g, "secrets", "Failed"); }, 5s,
      "noticed the deleted Secret"));
  EXPECT_EQ(cluster().deploymentPatches(), 0u);
  EXPECT_TRUE(healthy(*operator_));
}

}  // namespace
}  // namespace rg::e2e
