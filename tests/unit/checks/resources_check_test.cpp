#include <gtest/gtest.h>

#include "tests/unit/checks/check_fixtures.hpp"
#include "tests/unit/checks/spec_fixtures.hpp"

namespace rg::checks {
namespace {

using namespace fixtures;
using namespace spec_fixtures;

json container(const std::string& name, json requests, json limits) {
  return {{"name", name},
          {"image", "app:1"},
          {"resources", {{"requests", std::move(requests)}, {"limits", std::move(limits)}}}};
}

json sized(const char* cpu, const char* memory) {
  return {{"cpu", cpu}, {"memory", memory}};
}

ResourcesCheck contractSpec() {
  ResourcesCheck spec;
  spec.cpu = QuantityRange{q("500m"), q("1")};
  spec.memory = QuantityRange{q("512Mi"), q("1Gi")};
  return spec;
}

TEST(ResourcesCheck, PassesWhenSetAndWithinRange) {
  auto workload = workloadWith(
      containersSpec({container("api", sized("500m", "512Mi"), sized("1", "1Gi")),
                      container("worker", sized("750m", "600Mi"), sized("1000m", "1073741824"))}));
  auto result = checkResources(contractSpec(), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.message,
            "2 containers: cpu and memory requests set, cpu and memory limits set, cpu between "
            "500m and 1, memory between 512Mi and 1Gi");
  EXPECT_EQ(result.value, "2/2");
}

TEST(ResourcesCheck, LimitAboveMax) {
  auto workload =
      workloadWith(containersSpec({container("api", sized("500m", "512Mi"), sized("1", "2Gi"))}));
  auto result = checkResources(contractSpec(), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: memory limit 2Gi above max 1Gi");
  EXPECT_EQ(result.value, "0/1");
}

TEST(ResourcesCheck, RequestBelowMin) {
  auto workload =
      workloadWith(containersSpec({container("api", sized("100m", "512Mi"), sized("1", "1Gi"))}));
  auto result = checkResources(contractSpec(), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: cpu request 100m below min 500m");
}

TEST(ResourcesCheck, MissingRequestsAndLimitsAreNamed) {
  auto workload = workloadWith(
      containersSpec({container("api", R"({"cpu": "500m"})"_json, R"({"cpu": "1"})"_json),
                      container("worker", sized("500m", "512Mi"), sized("1", "1Gi"))}));
  auto result = checkResources(ResourcesCheck{}, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: no memory request; container api: no memory limit");
  EXPECT_EQ(result.value, "1/2");
}

TEST(ResourcesCheck, RequestsNotRequiredButCheckedAgainstRangeWhenSet) {
  ResourcesCheck spec = contractSpec();
  spec.requireRequests = false;
  auto noRequests =
      workloadWith(containersSpec({container("api", json::object(), sized("1", "1Gi"))}));
  auto result = checkResources(spec, noRequests);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;

  auto lowRequest =
      workloadWith(containersSpec({container("api", sized("100m", "1Gi"), sized("1", "1Gi"))}));
  result = checkResources(spec, lowRequest);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: cpu request 100m below min 500m");
}

TEST(ResourcesCheck, RangeNeedsALimitEvenWhenLimitsAreNotRequired) {
  ResourcesCheck spec;
  spec.requireRequests = false;
  spec.requireLimits = false;
  spec.memory = QuantityRange{std::nullopt, q("1Gi")};
  auto workload =
      workloadWith(containersSpec({container("api", json::object(), R"({"cpu": "1"})"_json)}));
  auto result = checkResources(spec, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: no memory limit");
}

TEST(ResourcesCheck, NoRulesPasses) {
  ResourcesCheck spec;
  spec.requireRequests = false;
  spec.requireLimits = false;
  auto workload = workloadWith(containersSpec(R"([{"name": "api"}])"_json));
  auto result = checkResources(spec, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(result.message, "no resource rules");
}

TEST(ResourcesCheck, UnparseableQuantityFails) {
  auto workload =
      workloadWith(containersSpec({container("api", sized("500m", "512Mi"), sized("abc", "1Gi"))}));
  auto result = checkResources(contractSpec(), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: cpu limit \"abc\" is not a quantity");
}

TEST(ResourcesCheck, NumericQuantitiesAreRead) {
  auto workload = workloadWith(containersSpec({container(
      "api", R"({"cpu": 0.5, "memory": "512Mi"})"_json, R"({"cpu": 2, "memory": "1Gi"})"_json)}));
  auto result = checkResources(contractSpec(), workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: cpu limit 2 above max 1");
}

TEST(ResourcesCheck, ComparisonIsExactAtTheBounds) {
  auto atMax = workloadWith(
      containersSpec({container("api", sized("0.5", "536870912"), sized("1000m", "1024Mi"))}));
  EXPECT_EQ(checkResources(contractSpec(), atMax).outcome, CheckOutcome::Passed);

  auto justAbove = workloadWith(
      containersSpec({container("api", sized("500m", "512Mi"), sized("1001m", "1Gi"))}));
  auto result = checkResources(contractSpec(), justAbove);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "container api: cpu limit 1001m above max 1");
}

TEST(ResourcesCheck, WrongTypedFieldsCountAsMissing) {
  auto workload = workloadWith(containersSpec(R"([
    {"name": "api", "resources": {"requests": {"cpu": true, "memory": "512Mi"},
                                  "limits": ["cpu"]}},
    {"name": "worker", "resources": "lots"}])"_json));
  auto result = checkResources(ResourcesCheck{}, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "container api: no cpu request; container api: no cpu limit; container api: no memory "
            "limit; container worker: no cpu request; container worker: no cpu limit; container "
            "worker: no memory request; container worker: no memory limit");
  EXPECT_EQ(result.value, "0/2");
}

TEST(ResourcesCheck, InitContainersOnlyWhenIncluded) {
  auto spec = containersSpec({container("api", sized("500m", "512Mi"), sized("1", "1Gi"))});
  spec["initContainers"] = R"([{"name": "migrate", "image": "migrate:1"}])"_json;
  auto workload = workloadWith(spec);

  ResourcesCheck check = contractSpec();
  auto result = checkResources(check, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_EQ(result.value, "1/1");

  check.includeInitContainers = true;
  check.requireLimits = false;
  check.cpu.reset();
  check.memory.reset();
  result = checkResources(check, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message,
            "init container migrate: no cpu request; init container migrate: no memory request");
  EXPECT_EQ(result.value, "1/2");
}

TEST(ResourcesCheck, OneSidedRangesDescribeThemselves) {
  ResourcesCheck spec;
  spec.cpu = QuantityRange{q("250m"), std::nullopt};
  spec.memory = QuantityRange{std::nullopt, q("2Gi")};
  auto workload =
      workloadWith(containersSpec({container("api", sized("250m", "1Gi"), sized("4", "2Gi"))}));
  auto result = checkResources(spec, workload);
  EXPECT_EQ(result.outcome, CheckOutcome::Passed) << result.message;
  EXPECT_NE(result.message.find("cpu at least 250m"), std::string::npos) << result.message;
  EXPECT_NE(result.message.find("memory at most 2Gi"), std::string::npos) << result.message;
}

TEST(ResourcesCheck, NoContainersFails) {
  auto result = checkResources(ResourcesCheck{}, workloadWith(json::object()));
  EXPECT_EQ(result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(result.message, "pod template has no containers");
}

TEST(ResourcesSpec, NumericCpuQuantitiesAreAccepted) {
  auto result = parseGate(
      withChecks("  - {name: r, resources: {cpu: {min: 0.5, max: 2}, memory: {max: 1e9}}}\n"));
  ASSERT_TRUE(result.gate) << result.errorSummary();
  const auto& r = std::get<ResourcesCheck>(result.gate->spec.checks[0].body);
  EXPECT_EQ(*r.cpu->min, *kube::Quantity::parse("500m"));
  EXPECT_EQ(*r.cpu->max, *kube::Quantity::parse("2"));
  EXPECT_EQ(*r.memory->max, *kube::Quantity::parse("1G"));
}

TEST(ResourcesSpec, BadQuantityNamesTheField) {
  EXPECT_EQ(onlyError(withChecks("  - {name: a, probes: {}}\n  - {name: b, probes: {}}\n"
                                 "  - {name: r, resources: {cpu: {max: 1.5.0}}}\n")),
            "spec.checks[2].resources.cpu.max: \"1.5.0\" is not a quantity");
}

TEST(ResourcesSpec, NegativeQuantity) {
  EXPECT_EQ(onlyError(withChecks("  - {name: r, resources: {memory: {min: -1Gi}}}\n")),
            "spec.checks[0].resources.memory.min: \"-1Gi\" must not be negative");
}

TEST(ResourcesSpec, RangeWithoutBoundsOrInverted) {
  EXPECT_EQ(onlyError(withChecks("  - {name: r, resources: {cpu: {}}}\n")),
            "spec.checks[0].resources.cpu: needs at least one of min, max");
  EXPECT_EQ(onlyError(withChecks("  - {name: r, resources: {memory: {min: 2Gi, max: 1Gi}}}\n")),
            "spec.checks[0].resources.memory: min 2Gi is above max 1Gi");
}

}  // namespace
}  // namespace rg::checks
