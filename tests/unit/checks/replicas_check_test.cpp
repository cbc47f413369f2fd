#include <gtest/gtest.h>

#include "tests/unit/checks/check_fixtures.hpp"

namespace rg::checks {
namespace {

using namespace fixtures;

// A Deployment manifest (no status) or live object (with status).
Workload deployment(json spec, json status = nullptr) {
  Workload workload;
  workload.deployment = {{"kind", "Deployment"}, {"spec", std::move(spec)}};
  if (!status.is_null()) workload.deployment["status"] = std::move(status);
  return workload;
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
  auto result = checkReplicas(
      rules(2, 100), deployment(R"({"replicas": 3})"_json, R"({"availableReplicas": 3})"_json));
  EXPECT_EQ(result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(result.message, "3 replicas, at least 2; 3/3 available, at least 100%");
  EXPECT_EQ(result.value, "3/3 available");
}

TEST(ReplicasCheck, NotEnoughAvailable) {
  auto result =
      checkReplicas(rules(std::nullopt, 100),
                    deployment(R"({"replicas": 3})"_json, R"({"availableReplicas": 2})"_json));
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "2/3 available (66%), expected at least 100%");
  EXPECT_EQ(result.value, "2/3 available");
}

TEST(ReplicasCheck, PercentUsesExactIntegerMath) {
  auto twoOfThree =
      deployment(R"({"replicas": 3})"_json, R"({"availableReplicas": 2})"_json);  // 66.67%
  EXPECT_EQ(checkReplicas(rules(std::nullopt, 66), twoOfThree).outcome, CheckOutcome::Passed);
  auto failed = checkReplicas(rules(std::nullopt, 67), twoOfThree);
  EXPECT_EQ(failed.outcome, CheckOutcome::Failed);
  EXPECT_EQ(failed.message, "2/3 available (66%), expected at least 67%");

  auto oneOfThree =
      deployment(R"({"replicas": 3})"_json, R"({"availableReplicas": 1})"_json);  // 33.33%
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
    EXPECT_EQ(result.message, "0/2 available (0%), expected at least 50%");
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
  auto result = checkReplicas(
      rules(3, 100), deployment(R"({"replicas": 2})"_json, R"({"availableReplicas": 1})"_json));
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "2 replicas, expected at least 3; 1/2 available (50%), expected at least 100%");
}

TEST(ReplicasCheck, NoRulesReportsWhatWasSeen) {
  auto result =
      checkReplicas(rules(std::nullopt, std::nullopt),
                    deployment(R"({"replicas": 4})"_json, R"({"availableReplicas": 4})"_json));
  EXPECT_EQ(result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(result.message, "4/4 available");
  EXPECT_EQ(result.value, "4/4 available");
}

}  // namespace
}  // namespace rg::checks
