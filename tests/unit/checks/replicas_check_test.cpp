#include <gtest/gtest.h>

#include "tests/unit/checks/check_fixtures.hpp"
#include "tests/unit/checks/spec_fixtures.hpp"

namespace rg::checks {
namespace {

using namespace fixtures;
using namespace spec_fixtures;

// A Deployment manifest (no status) or live object (with status).
Workload deployment(json spec, json status = nullptr) {
  Workload workload;
  workload.deployment = json{{"kind", "Deployment"}, {"spec", std::move(spec)}};
  if (!status.is_null()) workload.deployment.edit()["status"] = std::move(status);
  return workload;
}

// The status of a Deployment whose `replicas` pods are all of the current revision.
json steady(int replicas, int available) {
  return {{"replicas", replicas}, {"updatedReplicas", replicas}, {"availableReplicas", available}};
}

ReplicasCheck rules(std::optional<int64_t> min, std::optional<int64_t> percent) {
  return ReplicasCheck{min, percent};
}

TEST(ReplicasCheck, ManifestMeetsMinimum) {
  auto result = checkReplicas(rules(2, std::nullopt), deployment(R"({"replicas": 3})"_json));
  EXPECT_EQ(result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(result.message, "3 replicas, at least 2");
  EXPECT_EQ(result.value, "3 replicas");
}

TEST(ReplicasCheck, BelowMinimumFails) {
  auto result = checkReplicas(rules(2, std::nullopt), deployment(R"({"replicas": 1})"_json));
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "1 replica, expected at least 2");
  EXPECT_EQ(result.value, "1 replica");
}

TEST(ReplicasCheck, AbsentOrWrongTypedReplicasDefaultToOne) {
  for (const auto& spec : {R"({})"_json, R"({"replicas": "3"})"_json, R"({"replicas": 2.5})"_json,
                           R"("broken")"_json}) {
    auto result = checkReplicas(rules(2, std::nullopt), deployment(spec));
    EXPECT_EQ(result.outcome, CheckOutcome::Failed) << spec.dump();
    EXPECT_EQ(result.message, "1 replica, expected at least 2");
  }
}

TEST(ReplicasCheck, FullyAvailable) {
  auto result = checkReplicas(rules(2, 100), deployment(R"({"replicas": 3})"_json, steady(3, 3)));
  EXPECT_EQ(result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(result.message,
            "3 replicas, at least 2; 3 of 3 replicas available, at least 100% required");
  EXPECT_EQ(result.value, "3/3 available");
}

TEST(ReplicasCheck, NotEnoughAvailable) {
  auto result =
      checkReplicas(rules(std::nullopt, 100), deployment(R"({"replicas": 3})"_json, steady(3, 2)));
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "2 of 3 replicas available (66%), at least 100% required");
  EXPECT_EQ(result.value, "2/3 available");
}

TEST(ReplicasCheck, PercentUsesExactIntegerMath) {
  auto twoOfThree = deployment(R"({"replicas": 3})"_json, steady(3, 2));  // 66.67%
  EXPECT_EQ(checkReplicas(rules(std::nullopt, 66), twoOfThree).outcome, CheckOutcome::Passed);
  auto failed = checkReplicas(rules(std::nullopt, 67), twoOfThree);
  EXPECT_EQ(failed.outcome, CheckOutcome::Failed);
  EXPECT_EQ(failed.message, "2 of 3 replicas available (66%), at least 67% required");

  auto oneOfThree = deployment(R"({"replicas": 3})"_json, steady(3, 1));  // 33.33%
  EXPECT_EQ(checkReplicas(rules(std::nullopt, 33), oneOfThree).outcome, CheckOutcome::Passed);
  EXPECT_EQ(checkReplicas(rules(std::nullopt, 34), oneOfThree).outcome, CheckOutcome::Failed);
}

TEST(ReplicasCheck, NoStatusMeansAvailabilityNotObserved) {
  auto passed = checkReplicas(rules(2, 100), deployment(R"({"replicas": 2})"_json));
  EXPECT_EQ(passed.outcome, CheckOutcome::Passed);
  EXPECT_EQ(passed.message, "2 replicas, at least 2; availability not observed (no status)");
  EXPECT_EQ(passed.value, "2 replicas");

  auto failed = checkReplicas(rules(3, 100), deployment(R"({"replicas": 2})"_json));
  EXPECT_EQ(failed.outcome, CheckOutcome::Failed);
  EXPECT_EQ(failed.message,
            "2 replicas, expected at least 3; availability not observed (no status)");

  auto percentOnly = checkReplicas(rules(std::nullopt, 50), deployment(R"({"replicas": 2})"_json));
  EXPECT_EQ(percentOnly.outcome, CheckOutcome::Passed);
  EXPECT_EQ(percentOnly.message, "availability not observed (no status)");
}

TEST(ReplicasCheck, StatusWithoutAvailableReplicasCountsZero) {
  for (const auto& status : {R"({})"_json, R"({"availableReplicas": "2"})"_json}) {
    auto result =
        checkReplicas(rules(std::nullopt, 50), deployment(R"({"replicas": 2})"_json, status));
    EXPECT_EQ(result.outcome, CheckOutcome::Failed) << status.dump();
    // Before the controller's first sync nothing is available, and nothing is updated either.
    EXPECT_EQ(result.message,
              "0 of 2 replicas available (0%), at least 50% required; rollout in progress: 0 of 2 "
              "updated");
  }
}

TEST(ReplicasCheck, WrongTypedStatusIsNoStatus) {
  auto result =
      checkReplicas(rules(std::nullopt, 100), deployment(R"({"replicas": 2})"_json, "pending"));
  EXPECT_EQ(result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(result.message, "availability not observed (no status)");
}

TEST(ReplicasCheck, ZeroReplicasSatisfyAvailability) {
  auto result =
      checkReplicas(rules(std::nullopt, 100),
                    deployment(R"({"replicas": 0})"_json, R"({"availableReplicas": 0})"_json));
  EXPECT_EQ(result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(result.message, "0 replicas requested; availability satisfied");
  EXPECT_EQ(result.value, "0/0 available");
}

TEST(ReplicasCheck, BothRulesFailing) {
  auto result = checkReplicas(rules(3, 100), deployment(R"({"replicas": 2})"_json, steady(2, 1)));
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "2 replicas, expected at least 3; 1 of 2 replicas available (50%), at least 100% "
            "required");
}

TEST(ReplicasCheck, NoRulesReportsWhatWasSeen) {
  auto result = checkReplicas(rules(std::nullopt, std::nullopt),
                              deployment(R"({"replicas": 4})"_json, steady(4, 4)));
  EXPECT_EQ(result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(result.message, "4 of 4 replicas available");
  EXPECT_EQ(result.value, "4/4 available");
}

// The case that passed on spec.replicas alone: nothing runs, the status says so.
TEST(ReplicasCheck, NothingAvailableFails) {
  auto result = checkReplicas(rules(2, 100), deployment(R"({"replicas": 3})"_json,
                                                        R"({"replicas": 3, "updatedReplicas": 3,
                                             "unavailableReplicas": 3})"_json));
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "0 of 3 replicas available (0%), at least 100% required; 3 replicas, at least 2");
  EXPECT_EQ(result.value, "0/3 available");
}

// availableReplicas counts the old revision's pods: the message says how far the new one got.
TEST(ReplicasCheck, RolloutInProgressSaysHowManyAreUpdated) {
  auto oldPodsServing = checkReplicas(
      rules(std::nullopt, 100),
      deployment(R"({"replicas": 3})"_json,
                 R"({"replicas": 4, "updatedReplicas": 1, "availableReplicas": 3})"_json));
  EXPECT_EQ(oldPodsServing.outcome, CheckOutcome::Passed);
  EXPECT_EQ(oldPodsServing.message,
            "3 of 3 replicas available, at least 100% required; rollout in progress: 1 of 3 "
            "updated");

  auto failing = checkReplicas(
      rules(std::nullopt, 100),
      deployment(R"({"replicas": 3})"_json,
                 R"({"replicas": 4, "updatedReplicas": 1, "availableReplicas": 2})"_json));
  EXPECT_EQ(failing.outcome, CheckOutcome::Failed);
  EXPECT_EQ(failing.message,
            "2 of 3 replicas available (66%), at least 100% required; rollout in progress: 1 of 3 "
            "updated");

  // All updated, old pods still terminating: still in progress.
  auto finishing = checkReplicas(
      rules(std::nullopt, std::nullopt),
      deployment(R"({"replicas": 3})"_json,
                 R"({"replicas": 4, "updatedReplicas": 3, "availableReplicas": 3})"_json));
  EXPECT_EQ(finishing.message, "3 of 3 replicas available; rollout in progress: 3 of 3 updated");
}

TEST(ReplicasSpec, NegativeOrMissingLimits) {
  EXPECT_EQ(onlyError(withChecks("  - {name: r, replicas: {min: -1}}\n")),
            "spec.checks[0].replicas.min: must not be negative");
  EXPECT_EQ(onlyError(withChecks("  - {name: r, replicas: {minAvailablePercent: 150}}\n")),
            "spec.checks[0].replicas.minAvailablePercent: must be between 0 and 100");
  EXPECT_EQ(onlyError(withChecks("  - {name: r, replicas: {}}\n")),
            "spec.checks[0].replicas: needs at least one of min, minAvailablePercent");
  EXPECT_EQ(onlyError(withChecks("  - {name: r, replicas: {min: 1.5}}\n")),
            "spec.checks[0].replicas.min: must be an integer, got 1.5");
}

}  // namespace
}  // namespace rg::checks
