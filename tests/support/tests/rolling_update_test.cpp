// The RollingUpdate arithmetic of the simulated deployment controller, against the real
// controller's rules (maxSurge rounds up, maxUnavailable down; old pods go only while enough
// pods stay available).
#include "tests/support/rolling_update.hpp"

#include <gtest/gtest.h>

namespace rg::testing {
namespace {

using nlohmann::json;

json rolling(json maxSurge, json maxUnavailable) {
  return {{"strategy",
           {{"type", "RollingUpdate"},
            {"rollingUpdate", {{"maxSurge", maxSurge}, {"maxUnavailable", maxUnavailable}}}}}};
}

TEST(RollingUpdateTest, SurgeAndUnavailableFollowTheStrategy) {
  // Defaults 25 %: of 2 replicas, surge rounds up to 1, unavailable down to 0.
  EXPECT_EQ(surgeAndUnavailable(json::object(), 2), std::make_pair(int64_t{1}, int64_t{0}));
  EXPECT_EQ(surgeAndUnavailable(json::object(), 4), std::make_pair(int64_t{1}, int64_t{1}));
  EXPECT_EQ(surgeAndUnavailable(rolling(2, 1), 3), std::make_pair(int64_t{2}, int64_t{1}));
  EXPECT_EQ(surgeAndUnavailable(rolling("50%", "50%"), 3), std::make_pair(int64_t{2}, int64_t{1}));
  // Both 0 cannot progress: the controller makes maxUnavailable 1.
  EXPECT_EQ(surgeAndUnavailable(rolling(0, 0), 3), std::make_pair(int64_t{0}, int64_t{1}));
  EXPECT_EQ(surgeAndUnavailable({{"strategy", {{"type", "Recreate"}}}}, 3),
            std::make_pair(int64_t{0}, int64_t{3}));
}

TEST(RollingUpdateTest, NewReplicaSetGrowsWithinTheSurge) {
  EXPECT_EQ(newReplicaSetReplicas(2, 1, {0, 0}, {}), 2) << "a first rollout starts in full";
  EXPECT_EQ(newReplicaSetReplicas(2, 1, {0, 0}, {{2, 2}}), 1);
  EXPECT_EQ(newReplicaSetReplicas(2, 1, {1, 0}, {{2, 2}}), 1) << "at replicas + maxSurge";
  EXPECT_EQ(newReplicaSetReplicas(2, 1, {1, 1}, {{1, 1}}), 2);
  EXPECT_EQ(newReplicaSetReplicas(4, 2, {0, 0}, {{4, 4}}), 2);
  EXPECT_EQ(newReplicaSetReplicas(2, 1, {3, 3}, {}), 2) << "scaled down to the Deployment";
}

TEST(RollingUpdateTest, OldPodsGoOnlyAsNewOnesBecomeAvailable) {
  // maxUnavailable 0: a new pod that is not available keeps every old one.
  EXPECT_EQ(oldReplicaSetReplicas(2, 0, {1, 0}, {{2, 2}}), std::vector<int64_t>{2});
  EXPECT_EQ(oldReplicaSetReplicas(2, 0, {1, 1}, {{2, 2}}), std::vector<int64_t>{1});
  EXPECT_EQ(oldReplicaSetReplicas(2, 0, {2, 2}, {{1, 1}}), std::vector<int64_t>{0});
  // maxUnavailable 1 of 4: one old pod may go before any new one is available.
  EXPECT_EQ(oldReplicaSetReplicas(4, 1, {1, 0}, {{4, 4}}), std::vector<int64_t>{3});
  // Unavailable old pods go first and cost no availability; the oldest ReplicaSet first.
  EXPECT_EQ(oldReplicaSetReplicas(2, 0, {2, 2}, {{1, 0}}), std::vector<int64_t>{0});
  EXPECT_EQ(oldReplicaSetReplicas(2, 0, {2, 1}, {{1, 1}, {1, 0}}), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(oldReplicaSetReplicas(2, 0, {2, 2}, {{1, 1}, {1, 1}}), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(oldReplicaSetReplicas(2, 0, {2, 2}, {}), std::vector<int64_t>{});
}

}  // namespace
}  // namespace rg::testing
