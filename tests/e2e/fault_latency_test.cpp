// An API server that holds requests far longer than the operator's request timeout: the
// operator gives up on them (--request-timeout), keeps retrying, and once the server answers
// promptly again writes the status the cluster calls for, without a stale write landing later.
#include "tests/e2e/support/fault_fixture.hpp"

namespace rg::e2e {
namespace {

class LatencyFaultTest : public FaultTest {};

TEST_F(LatencyFaultTest, RequestsHeldPastTheTimeoutAreAbandonedAndTheOperatorRecovers) {
  cluster().apply(deploymentManifest("web", kGoodImage));
  cluster().apply(
      gateManifest("web", "web", {{"interval", "1s"}, {"checks", {secretsCheck("db")}}}));
  startOperatorWith({"--request-timeout", "1s"});
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return checkIs(g, "secrets", "Failed"); }, 10s, "failed"));
  GateHistory history(cluster().api(), "web");

  // Requests arriving from now on are held for 20 s. Open watches keep streaming, so the
  // operator sees the Secret; its status writes are held and abandoned after 1 s.
  cluster().api().setLatency(20s);
  cluster().apply(secretManifest("db"));
  // Two failed writes: each was given up on (a 20 s wait would have produced none yet).
  auto failedWrites = [&] {
    const std::string log = operator_->logTail(50000);
    size_t n = 0;
    for (auto at = log.find("gate e2e/web: PUT"); at != std::string::npos;
         at = log.find("gate e2e/web: PUT", at + 1))
      ++n;
    return n;
  };
  ASSERT_TRUE(eventually([&] { return failedWrites() >= 2; }, 10s)) << operator_->logTail();
  EXPECT_TRUE(checkIs(gate(), "secrets", "Failed")) << "a held write cannot have landed yet";
  EXPECT_TRUE(healthy(*operator_));

  // The server answers promptly again; requests already held stay held (past the test's end).
  cluster().api().setLatency(0ms);
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return passing(g, "secrets"); }, 5s,
      "passed once requests were answered again"));
  ASSERT_TRUE(waitForRounds("web", 2, 5s));
  const json g = gate();
  EXPECT_TRUE(passing(g, "secrets"));
  EXPECT_EQ(conditionStatus(g, "Ready"), "True");
  // No status went back to the failing state after the passing one.
  bool passed = false;
  for (const auto& status : history.statuses()) {
    if (status.value("phase", "") == "Passing") passed = true;
    if (passed) {
      EXPECT_EQ(status.value("phase", ""), "Passing") << status.dump(2);
    }
  }
  EXPECT_TRUE(passed);
  EXPECT_EQ(cluster().deploymentPatches(), 0u);
  EXPECT_TRUE(healthy(*operator_));
}

}  // namespace
}  // namespace rg::e2e
