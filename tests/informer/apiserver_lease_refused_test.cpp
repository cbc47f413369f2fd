// A candidate whose ServiceAccount may not read its Lease (403, as RBAC answers) says so at
// error level on every attempt (so at least every retry period), naming the verb, resource,
// namespace and name refused; it reports the failure through leaseError() (which /readyz
// shows) and counts it; once the permission is granted it leads, and the error clears.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kube/leader_election.hpp"
#include "tests/informer/wire_support.hpp"
#include "tests/support/log_capture.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;
using rg::testing::eventually;

LeaderElectionConfig fastConfig(std::atomic<int>& started) {
  LeaderElectionConfig c;
  c.leaseNamespace = "ops";
  c.leaseName = "readiness-gate";
  c.identity = "pod-a_1";
  c.leaseDuration = 1000ms;
  c.renewDeadline = 600ms;
  c.retryPeriod = 200ms;
  c.onStartedLeading = [&started] { ++started; };
  return c;
}

class LeaseRefusedTest : public ::testing::Test {
 protected:
  void refuse(const std::string& method) {
    rg::testing::FaultRule rule;
    rule.count = 100000;
    rule.code = 403;
    rule.method = method;
    rule.pathContains = "/leases";
    rule.message = "User \"system:serviceaccount:ops:rg\" cannot " +
                   std::string(method == "GET" ? "get" : "create") + " resource \"leases\"";
    server_.failNext(rule);
  }
  size_t refusedAttempts(const std::string& verb) const {
    size_t n = 0;
    for (const auto& r : server_.requests())
      if (r.verb == verb && r.resource == "leases" && r.code == 403) ++n;
    return n;
  }

  rg::testing::LogCapture logs_;
  rg::testing::ApiServer server_;
  std::unique_ptr<RestClient> client_ = rg::testing::clientFor(server_);
  std::atomic<int> started_{0};
  std::unique_ptr<LeaderElector> elector_;
};

TEST_F(LeaseRefusedTest, EveryRefusedAttemptIsAnErrorUntilThePermissionIsGranted) {
  refuse("GET");
  elector_ = std::make_unique<LeaderElector>(*client_, fastConfig(started_));
  elector_->start();
  ASSERT_TRUE(eventually([&] { return refusedAttempts("get") >= 3; }, 5s));
  elector_->stop();  // a stable count to compare with
  const size_t attempts = refusedAttempts("get");

  // One line from the client naming what was refused, one from the elector saying what it
  // means, for every attempt.
  EXPECT_EQ(logs_.count(spdlog::level::err,
                        {"API request refused: get leases.coordination.k8s.io \"readiness-gate\" "
                         "in namespace \"ops\": 403 Forbidden",
                         "cannot get resource \"leases\""}),
            attempts)
      << logs_.dump();
  EXPECT_EQ(
      logs_.count(spdlog::level::err, {"leader election ops/readiness-gate: cannot get the Lease",
                                       "403", "not leading"}),
      attempts)
      << logs_.dump();
  EXPECT_THAT(elector_->leaseError(), ::testing::StartsWith("get the Lease: GET "));
  EXPECT_THAT(elector_->leaseError(), ::testing::HasSubstr("403 Forbidden"));
  EXPECT_EQ(client_->requestCounts().apiErrorCount("get", "coordination.k8s.io", "leases", "403"),
            attempts);
  EXPECT_FALSE(elector_->isLeader());
  EXPECT_EQ(started_.load(), 0);
  EXPECT_FALSE(server_.get("coordination.k8s.io/v1", "Lease", "ops", "readiness-gate"));
}

TEST_F(LeaseRefusedTest, ARefusedCreateIsReportedAndGrantingItLetsTheCandidateLead) {
  refuse("POST");  // may read (404: no Lease yet), may not create
  elector_ = std::make_unique<LeaderElector>(*client_, fastConfig(started_));
  elector_->start();
  // The server counts a request before the candidate has read the answer and logged it, so
  // wait for the candidate's side too (slow under sanitizers).
  const auto refusedCreates = [&] {
    return logs_.count(spdlog::level::err,
                       {"API request refused: create leases.coordination.k8s.io in namespace "
                        "\"ops\": 403 Forbidden"});
  };
  const auto electorErrors = [&] {
    return logs_.count(spdlog::level::err,
                       {"leader election ops/readiness-gate: cannot create the Lease"});
  };
  ASSERT_TRUE(eventually([&] { return refusedCreates() >= 2 && electorErrors() >= 2; }, 5s))
      << logs_.dump();
  EXPECT_GE(refusedAttempts("create"), 2u);
  EXPECT_THAT(elector_->leaseError(), ::testing::StartsWith("create the Lease: POST "));

  server_.clearFaults();  // the Role is fixed
  ASSERT_TRUE(eventually([&] { return elector_->isLeader(); }, 5s)) << logs_.dump();
  EXPECT_EQ(elector_->leaseError(), "");
  EXPECT_EQ(logs_.count(spdlog::level::info,
                        {"leader election ops/readiness-gate: the Lease is reachable again"}),
            1u)
      << logs_.dump();
  EXPECT_TRUE(eventually([&] { return started_.load() == 1; }));
}

}  // namespace
}  // namespace rg::kube
