// The operator with --leader-elect whose credentials may not read its Lease (403 on every Lease
// request, as RBAC answers a ServiceAccount without the leader-election Role): it logs the
// refusal at error level on every retry, naming the verb, resource, namespace and name; /readyz
// answers 503 with the reason instead of "ok: standby"; readinessgate_api_errors_total counts
// it; nothing is reconciled. Once the permission is granted it leads and evaluates the gate.
#include <fstream>
#include <sstream>

#include "tests/e2e/support/fault_fixture.hpp"
#include "tests/providers/loopback.hpp"

namespace rg::e2e {
namespace {

class LeaseRefusedFaultTest : public FaultTest {
 protected:
  // The operator's JSON log lines at `level` whose msg contains `part`.
  size_t logLines(const std::string& level, const std::string& part) {
    std::ifstream in(cluster().dir() + "/operator-1.log");
    size_t n = 0;
    for (std::string line; std::getline(in, line);) {
      const json record = json::parse(line, nullptr, false);
      if (!record.is_object()) continue;
      if (record.value("level", "") == level &&
          record.value("msg", "").find(part) != std::string::npos)
        ++n;
    }
    return n;
  }
  size_t refusedLeaseReads() {
    size_t n = 0;
    for (const auto& r : cluster().api().requests())
      if (r.resource == "leases" && r.verb == "get" && r.code == 403) ++n;
    return n;
  }
};

TEST_F(LeaseRefusedFaultTest, ACandidateThatCannotReadItsLeaseSaysSoAndIsNotReady) {
  cluster().apply(deploymentManifest("web", kGoodImage));
  cluster().apply(gateManifest("web", "web", {{"interval", "1s"}, {"checks", {securityCheck()}}}));
  rg::testing::FaultRule refused;
  refused.count = 1000000;
  refused.code = 403;
  refused.pathContains = "/leases/";
  refused.message =
      "leases.coordination.k8s.io \"rg-e2e\" is forbidden: User "
      "\"system:serviceaccount:ops:readiness-gate\" cannot get resource \"leases\"";
  cluster().api().failNext(refused);

  const int metricsPort = providers::testing::freeLoopbackPort();
  operator_ = std::make_unique<OperatorProcess>(OperatorOptions{
      RG_OPERATOR_BINARY,
      cluster().kubeconfig(),
      cluster().dir(),
      {"--leader-elect", "--leader-election-namespace", cluster().ns(), "--leader-election-id",
       "rg-e2e", "--metrics-bind-address", "127.0.0.1:" + std::to_string(metricsPort)}});
  operator_->launch();
  const std::string health = "http://127.0.0.1:" + std::to_string(operator_->healthPort());

  // Several retries (every 2 s to 4.4 s), each refused and each logged at error level.
  ASSERT_TRUE(eventually([&] { return refusedLeaseReads() >= 3; }, 30s)) << operator_->logTail();
  const std::string refusal =
      "API request refused: get leases.coordination.k8s.io \"rg-e2e\" in "
      "namespace \"" +
      cluster().ns() + "\": 403 Forbidden";
  ASSERT_TRUE(eventually([&] { return logLines("error", refusal) >= 3; }, 5s))
      << operator_->logTail();
  EXPECT_GE(
      logLines("error", "leader election " + cluster().ns() + "/rg-e2e: cannot get the Lease"), 3u)
      << operator_->logTail();

  const auto probe = httpGet(health + "/readyz");
  EXPECT_EQ(probe.status, 503) << probe.body;
  EXPECT_THAT(probe.body, ::testing::StartsWith("leader election: cannot get the Lease: "));
  EXPECT_THAT(probe.body, ::testing::HasSubstr("403 Forbidden"));
  EXPECT_TRUE(healthy(*operator_));

  const auto scrape = httpGet("http://127.0.0.1:" + std::to_string(metricsPort) + "/metrics");
  ASSERT_EQ(scrape.status, 200);
  EXPECT_THAT(scrape.body, ::testing::HasSubstr(
                               "readinessgate_api_errors_total{verb=\"get\",group=\"coordination."
                               "k8s.io\",resource=\"leases\",code=\"403\"} "));
  EXPECT_THAT(scrape.body,
              ::testing::HasSubstr("leader_election_master_status{name=\"rg-e2e\"} 0"));

  // Not leading: no status written, nothing acted on.
  EXPECT_EQ(requests("PUT", "/readinessgates/web/status"), 0u);
  EXPECT_EQ(cluster().deploymentPatches(), 0u);

  // The Role is fixed: it takes the Lease and evaluates the gate.
  cluster().api().clearFaults();
  ASSERT_TRUE(eventually([&] { return readyz(*operator_) == "ok: leader\n"; }, 15s))
      << operator_->logTail();
  ASSERT_TRUE(waitForGate(
      "web", [](const json& g) { return passing(g, "security"); }, 10s, "passed"));
  EXPECT_EQ(logLines("info", "the Lease is reachable again"), 1u) << operator_->logTail();
}

}  // namespace
}  // namespace rg::e2e
