// Parsing of the rollout check body.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "reconcilers/offline/yaml_documents.hpp"
#include "reconcilers/spec_parser.hpp"

namespace rg {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;

json withCheck(const std::string& check) {
  return offline::yamlToJson(
      "apiVersion: gates.readiness.dev/v1alpha1\n"
      "kind: ReadinessGate\n"
      "metadata: {name: api, namespace: shop}\n"
      "spec:\n"
      "  targetRef: {name: api}\n"
      "  checks:\n"
      "  - " +
      check + "\n");
}

std::string errorsOf(const std::string& check) {
  auto result = parseGate(withCheck(check));
  EXPECT_FALSE(result.gate.has_value());
  return result.errorSummary();
}

TEST(RolloutSpec, EmptyBodyTakesTheDefaults) {
  auto result = parseGate(withCheck("{name: rollout, rollout: {}}"));
  ASSERT_TRUE(result.gate) << result.errorSummary();
  const CheckSpec& check = result.gate->spec.checks[0];
  ASSERT_TRUE(std::holds_alternative<RolloutCheck>(check.body));
  EXPECT_STREQ(checkKindName(check.body), "rollout");
  EXPECT_FALSE(isRuntimeCheck(check.body));
  const auto& rollout = std::get<RolloutCheck>(check.body);
  EXPECT_EQ(rollout.maxRestarts, 3);
  EXPECT_FALSE(rollout.readyTimeout);
}

TEST(RolloutSpec, ReadsMaxRestartsAndReadyTimeout) {
  auto result =
      parseGate(withCheck("{name: rollout, rollout: {maxRestarts: 0, readyTimeout: 2m30s}}"));
  ASSERT_TRUE(result.gate) << result.errorSummary();
  const auto& rollout = std::get<RolloutCheck>(result.gate->spec.checks[0].body);
  EXPECT_EQ(rollout.maxRestarts, 0);
  ASSERT_TRUE(rollout.readyTimeout);
  EXPECT_EQ(rollout.readyTimeout->value(), 150s);
}

TEST(RolloutSpec, BadFieldsAreNamed) {
  EXPECT_EQ(errorsOf("{name: r, rollout: {maxRestart: 2}}"),
            "spec.checks[0].rollout.maxRestart: unknown field");
  EXPECT_EQ(errorsOf("{name: r, rollout: {maxRestarts: -1}}"),
            "spec.checks[0].rollout.maxRestarts: must not be negative");
  EXPECT_THAT(errorsOf("{name: r, rollout: {maxRestarts: many}}"),
              HasSubstr("spec.checks[0].rollout.maxRestarts: "));
  EXPECT_THAT(errorsOf("{name: r, rollout: {readyTimeout: 10}}"),
              HasSubstr("spec.checks[0].rollout.readyTimeout: 10 is not a duration"));
  EXPECT_THAT(errorsOf("{name: r, rollout: {readyTimeout: ten minutes}}"),
              HasSubstr("spec.checks[0].rollout.readyTimeout: \"ten minutes\" is not a duration"));
  EXPECT_EQ(errorsOf("{name: r, rollout: {readyTimeout: 0s}}"),
            "spec.checks[0].rollout.readyTimeout: must be greater than 0");
  EXPECT_THAT(errorsOf("{name: r, rollout: 3}"), HasSubstr("spec.checks[0].rollout: "));
}

TEST(RolloutSpec, ThresholdIsNotAllowed) {
  EXPECT_EQ(errorsOf("{name: r, rollout: {}, threshold: {max: 1}}"),
            "spec.checks[0].threshold: is only allowed on prometheus checks, not on rollout");
}

TEST(RolloutSpec, OneBodyOnly) {
  EXPECT_THAT(errorsOf("{name: r, rollout: {}, probes: {}}"), HasSubstr("has 2 check bodies"));
}

}  // namespace
}  // namespace rg
