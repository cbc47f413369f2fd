// Leader election on a Lease in the in-process API server, with durations shrunk to about a
// second: creation and renewal, one leader among two candidates, handover after a release
// (about one retry period) and after a crash (about one lease duration), stepping down when
// another holder shows up or renewals fail, and 409 handling.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <regex>

#include "kube/leader_election.hpp"
#include "tests/informer/wire_support.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;
using rg::testing::ApiServer;
using rg::testing::eventually;

constexpr auto kLeaseDuration = 1000ms;
constexpr auto kRenewDeadline = 600ms;
constexpr auto kRetryPeriod = 200ms;

struct Counters {
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
};

LeaderElectionConfig fastConfig(const std::string& identity, Counters& counters,
                                bool releaseOnCancel = true,
                                std::chrono::milliseconds leaseDuration = kLeaseDuration,
                                std::chrono::milliseconds renewDeadline = kRenewDeadline,
                                std::chrono::milliseconds retryPeriod = kRetryPeriod) {
  LeaderElectionConfig c;
  c.leaseNamespace = "kube-system";
  c.leaseName = "readiness-gate";
  c.identity = identity;
  c.leaseDuration = leaseDuration;
  c.renewDeadline = renewDeadline;
  c.retryPeriod = retryPeriod;
  c.releaseOnCancel = releaseOnCancel;
  c.onStartedLeading = [&counters] { ++counters.started; };
  c.onStoppedLeading = [&counters] { ++counters.stopped; };
  return c;
}

bool isMicroTime(const nlohmann::json& value) {
  static const std::regex format(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$)");
  return value.is_string() && std::regex_match(value.get<std::string>(), format);
}

class LeaderElectionWireTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ApiServer>();
    clientA_ = rg::testing::clientFor(*server_);
    clientB_ = rg::testing::clientFor(*server_);
  }
  void TearDown() override {
    a_.reset();
    b_.reset();
    clientA_.reset();
    clientB_.reset();
    server_.reset();
  }
  nlohmann::json lease() const {
    auto l = server_->get("coordination.k8s.io/v1", "Lease", "kube-system", "readiness-gate");
    return l ? *l : nlohmann::json();
  }

  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<RestClient> clientA_;
  std::unique_ptr<RestClient> clientB_;
  Counters countersA_;
  Counters countersB_;
  std::unique_ptr<LeaderElector> a_;
  std::unique_ptr<LeaderElector> b_;
};

TEST_F(LeaderElectionWireTest, CreatesTheLeaseAndRenewsIt) {
  a_ = std::make_unique<LeaderElector>(*clientA_, fastConfig("pod-a_1", countersA_));
  EXPECT_FALSE(a_->isLeader());
  a_->start();
  ASSERT_TRUE(eventually([&] { return a_->isLeader(); }));
  // isLeader() turns true just before the callback runs.
  EXPECT_TRUE(eventually([&] { return countersA_.started.load() == 1; }));

  auto first = lease()["spec"];
  EXPECT_EQ(first["holderIdentity"], "pod-a_1");
  EXPECT_EQ(first["leaseDurationSeconds"], 1);
  EXPECT_EQ(first["leaseTransitions"], 0);
  EXPECT_TRUE(isMicroTime(first["acquireTime"])) << first.dump();
  EXPECT_TRUE(isMicroTime(first["renewTime"])) << first.dump();

  ASSERT_TRUE(eventually([&] { return lease()["spec"]["renewTime"] != first["renewTime"]; }));
  auto renewed = lease()["spec"];
  EXPECT_EQ(renewed["acquireTime"], first["acquireTime"]);
  EXPECT_EQ(renewed["leaseTransitions"], 0);
  EXPECT_EQ(a_->observedLeader(), "pod-a_1");

  a_->stop();
  EXPECT_FALSE(a_->isLeader());
  EXPECT_EQ(countersA_.stopped.load(), 1);
  EXPECT_TRUE(a_->finished());
  // Released: nobody holds it, and it expires a second after the release.
  EXPECT_EQ(lease()["spec"]["holderIdentity"], "");
  EXPECT_EQ(lease()["spec"]["leaseDurationSeconds"], 1);
}

TEST_F(LeaderElectionWireTest, OneOfTwoLeadsAndAReleaseHandsOverWithinARetryPeriod) {
  // A lease long enough that waiting for it to expire could not pass for a handover.
  constexpr auto kLongLease = 3000ms;
  a_ = std::make_unique<LeaderElector>(
      *clientA_, fastConfig("pod-a_1", countersA_, true, kLongLease, 2000ms, kRetryPeriod));
  b_ = std::make_unique<LeaderElector>(
      *clientB_, fastConfig("pod-b_2", countersB_, true, kLongLease, 2000ms, kRetryPeriod));
  a_->start();
  b_->start();
  ASSERT_TRUE(eventually([&] { return a_->isLeader() || b_->isLeader(); }));
  // Over a few renewals, never both and never neither.
  const auto until = std::chrono::steady_clock::now() + 3 * kRetryPeriod;
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_NE(a_->isLeader(), b_->isLeader());
    std::this_thread::sleep_for(5ms);
  }
  LeaderElector& leader = a_->isLeader() ? *a_ : *b_;
  LeaderElector& follower = a_->isLeader() ? *b_ : *a_;
  Counters& followerCounters = a_->isLeader() ? countersB_ : countersA_;
  EXPECT_TRUE(eventually([&] { return countersA_.started + countersB_.started == 1; }));
  EXPECT_EQ(follower.observedLeader(), leader.identity());

  const auto released = std::chrono::steady_clock::now();
  leader.stop();
  ASSERT_TRUE(eventually([&] { return follower.isLeader(); }));
  // The follower retries every retryPeriod * (1 + up to 1.2): well before the lease expires.
  EXPECT_LT(std::chrono::steady_clock::now() - released, kRetryPeriod * 22 / 10 + 1000ms);
  EXPECT_TRUE(eventually([&] { return followerCounters.started.load() == 1; }));
  auto spec = lease()["spec"];
  EXPECT_EQ(spec["holderIdentity"], follower.identity());
  EXPECT_EQ(spec["leaseTransitions"], 1);
}

TEST_F(LeaderElectionWireTest, ACrashedLeaderIsReplacedAfterTheLeaseDuration) {
  a_ = std::make_unique<LeaderElector>(*clientA_,
                                       fastConfig("pod-a_1", countersA_, /*release=*/false));
  a_->start();
  ASSERT_TRUE(eventually([&] { return a_->isLeader(); }));
  b_ = std::make_unique<LeaderElector>(*clientB_, fastConfig("pod-b_2", countersB_));
  b_->start();
  ASSERT_TRUE(eventually([&] { return b_->observedLeader() == "pod-a_1"; }));
  std::this_thread::sleep_for(2 * kRetryPeriod);  // b watches a few renewals
  EXPECT_FALSE(b_->isLeader());

  const auto crashed = std::chrono::steady_clock::now();
  a_->stop();  // without release: the lease still names a
  EXPECT_EQ(lease()["spec"]["holderIdentity"], "pod-a_1");
  ASSERT_TRUE(eventually([&] { return b_->isLeader(); }, 5s));
  const auto took = std::chrono::steady_clock::now() - crashed;
  // Not before the lease could have expired (a renewed at most one retry period before the
  // crash), and about one lease duration plus b's retry interval after it.
  EXPECT_GE(took, kLeaseDuration - kRetryPeriod - 50ms);
  EXPECT_LT(took, kLeaseDuration + 3 * kRetryPeriod * 22 / 10 + 1000ms);
  EXPECT_EQ(lease()["spec"]["holderIdentity"], "pod-b_2");
  EXPECT_EQ(lease()["spec"]["leaseTransitions"], 1);
}

TEST_F(LeaderElectionWireTest, StepsDownWhenAnotherHolderShowsUp) {
  a_ = std::make_unique<LeaderElector>(*clientA_, fastConfig("pod-a_1", countersA_));
  a_->start();
  ASSERT_TRUE(eventually([&] { return a_->isLeader(); }));
  server_->mutate("coordination.k8s.io/v1", "Lease", "kube-system", "readiness-gate",
                  [](nlohmann::json& l) {
                    l["spec"]["holderIdentity"] = "intruder";
                    l["spec"]["renewTime"] = formatMicroTime(std::chrono::system_clock::now());
                  });
  ASSERT_TRUE(eventually([&] { return a_->finished(); }, 3s));
  EXPECT_FALSE(a_->isLeader());
  EXPECT_EQ(countersA_.stopped.load(), 1);
  EXPECT_EQ(a_->observedLeader(), "intruder");
  a_->stop();
  EXPECT_EQ(lease()["spec"]["holderIdentity"], "intruder");  // not released: not ours
}

TEST_F(LeaderElectionWireTest, StepsDownWhenRenewalsFailPastTheRenewDeadline) {
  a_ = std::make_unique<LeaderElector>(*clientA_, fastConfig("pod-a_1", countersA_));
  a_->start();
  ASSERT_TRUE(eventually([&] { return a_->isLeader(); }));
  const auto failing = std::chrono::steady_clock::now();
  server_->failNext(100000, 500, "", "/leases");
  ASSERT_TRUE(eventually([&] { return a_->finished(); }, 5s));
  const auto took = std::chrono::steady_clock::now() - failing;
  EXPECT_GE(took, kRenewDeadline - kRetryPeriod);
  EXPECT_LT(took, kRenewDeadline + 2 * kRetryPeriod + 1000ms);
  EXPECT_FALSE(a_->isLeader());
  EXPECT_EQ(countersA_.stopped.load(), 1);
  server_->clearFaults();
}

TEST_F(LeaderElectionWireTest, ConflictOnUpdateIsAnsweredByReReading) {
  server_->create(
      {{"apiVersion", "coordination.k8s.io/v1"},
       {"kind", "Lease"},
       {"metadata", {{"name", "readiness-gate"}, {"namespace", "kube-system"}}},
       {"spec", {{"holderIdentity", ""}, {"leaseDurationSeconds", 1}, {"leaseTransitions", 4}}}});
  server_->failNext(1, 409, "PUT", "/leases");
  // A long retry period: leading well before it shows the conflict was retried at once.
  constexpr auto kSlowRetry = 3000ms;
  a_ = std::make_unique<LeaderElector>(
      *clientA_, fastConfig("pod-a_1", countersA_, true, 20000ms, 10000ms, kSlowRetry));
  const auto begin = std::chrono::steady_clock::now();
  a_->start();
  ASSERT_TRUE(eventually([&] { return a_->isLeader(); }));
  EXPECT_LT(std::chrono::steady_clock::now() - begin, kSlowRetry);
  std::vector<int> updates;
  for (const auto& r : server_->requests()) {
    if (r.verb == "update" && r.resource == "leases") updates.push_back(r.code);
  }
  ASSERT_GE(updates.size(), 2u);
  EXPECT_EQ(updates[0], 409);
  EXPECT_EQ(updates[1], 200);
  EXPECT_EQ(lease()["spec"]["leaseTransitions"], 5);
}

TEST(LeaderElectionConfigTest, RejectsIncoherentDurations) {
  ClientConfig unused;
  unused.server = "http://127.0.0.1:9";  // never contacted: the checks come first
  auto client = std::make_unique<RestClient>(unused);
  Counters counters;
  auto config = fastConfig("x", counters);
  config.renewDeadline = config.leaseDuration;
  EXPECT_THROW(LeaderElector(*client, config), std::invalid_argument);
  config = fastConfig("x", counters);
  config.retryPeriod = config.renewDeadline;  // renewDeadline <= 1.2 * retryPeriod
  EXPECT_THROW(LeaderElector(*client, config), std::invalid_argument);
  config = fastConfig("x", counters);
  config.leaseName.clear();
  EXPECT_THROW(LeaderElector(*client, config), std::invalid_argument);
  config = fastConfig("", counters);
  LeaderElector elector(*client, config);
  EXPECT_FALSE(elector.identity().empty());
}

TEST(LeaderElectionConfigTest, DefaultIdentityIsPodNameOrHostWithARandomSuffix) {
  const char* old = std::getenv("POD_NAME");
  const std::string saved = old ? old : "";
  ::setenv("POD_NAME", "readiness-gate-7d9f-abcde", 1);
  const std::string first = defaultLeaderIdentity();
  const std::string second = defaultLeaderIdentity();
  ::unsetenv("POD_NAME");
  const std::string hostBased = defaultLeaderIdentity();
  if (old) ::setenv("POD_NAME", saved.c_str(), 1);

  static const std::regex uuid(
      "_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  EXPECT_EQ(first.rfind("readiness-gate-7d9f-abcde_", 0), 0u) << first;
  EXPECT_TRUE(std::regex_search(first, uuid)) << first;
  EXPECT_NE(first, second);
  EXPECT_EQ(hostBased.find("readiness-gate-7d9f-abcde"), std::string::npos);
  EXPECT_TRUE(std::regex_search(hostBased, uuid)) << hostBased;
}

TEST(LeaderElectionConfigTest, MicroTimeFormat) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)) +
                 std::chrono::microseconds(123456);
  EXPECT_EQ(formatMicroTime(t), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(formatMicroTime(std::chrono::system_clock::time_point(std::chrono::seconds(0))),
            "1970-01-01T00:00:00.000000Z");
}

}  // namespace
}  // namespace rg::kube
