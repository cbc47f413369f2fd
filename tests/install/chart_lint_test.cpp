// `helm lint` passes (strict too) for the value sets the tests render, and values.schema.json
// turns a bad value into an error that names it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/install/chart_render.hpp"

namespace rg::install {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct LintCase {
  std::string name;
  std::vector<std::string> values;
};

void PrintTo(const LintCase& c, std::ostream* os) {
  *os << c.name;
}

class ChartLint : public ::testing::TestWithParam<LintCase> {};

TEST_P(ChartLint, IsClean) {
  for (bool strict : {false, true}) {
    std::vector<std::string> args{"lint", chartDir(), "--namespace", kNamespace};
    if (strict) args.push_back("--strict");
    args.insert(args.end(), GetParam().values.begin(), GetParam().values.end());
    auto result = runHelm(args);
    EXPECT_EQ(result.exitCode, 0) << (strict ? "--strict: " : "") << result.out << result.err;
    EXPECT_THAT(result.out, HasSubstr("0 chart(s) failed"));
    EXPECT_THAT(result.out, Not(HasSubstr("[WARNING]")));
    EXPECT_THAT(result.out, Not(HasSubstr("[ERROR]")));
  }
}

INSTANTIATE_TEST_SUITE_P(
    ValueSets, ChartLint,
    ::testing::Values(LintCase{"Defaults", {}},
                      LintCase{"NamespacedThreeReplicas",
                               {"--set", "watchNamespaces={a,b}", "--set", "replicas=3"}},
                      LintCase{"EveryToggleOn",
                               {"--set", "serviceMonitor.enabled=true", "--set",
                                "podDisruptionBudget.enabled=true", "--set", "replicas=2"}}),
    [](const ::testing::TestParamInfo<LintCase>& info) { return info.param.name; });

struct BadValue {
  std::string name;
  std::string set;
  std::string error;  // what helm's message must contain
};

void PrintTo(const BadValue& v, std::ostream* os) {
  *os << v.set;
}

class ChartSchema : public ::testing::TestWithParam<BadValue> {};

TEST_P(ChartSchema, RejectsABadValue) {
  auto result = runHelm({"template", kRelease, chartDir(), "--set", GetParam().set});
  EXPECT_NE(result.exitCode, 0) << result.out;
  EXPECT_THAT(result.err, HasSubstr("values don't meet the specifications of the schema"));
  EXPECT_THAT(result.err, HasSubstr(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Values, ChartSchema,
    ::testing::Values(
        BadValue{"LogFormatNotInEnum", "logFormat=xml", "logFormat must be one of"},
        BadValue{"LogLevelNotInEnum", "logLevel=verbose", "logLevel must be one of"},
        BadValue{"ZeroReplicas", "replicas=0", "replicas: Must be greater than or equal to 1"},
        BadValue{"ReplicasNotANumber", "replicas=two", "replicas: Invalid type"},
        BadValue{"NamespaceNotADnsLabel", "watchNamespaces={Shop_1}", "watchNamespaces.0"},
        BadValue{"ExtraArgNotAFlag", "extraArgs={verbose}", "extraArgs.0"},
        BadValue{"PullPolicyNotInEnum", "image.pullPolicy=Sometimes", "image.pullPolicy"},
        BadValue{"UnknownKey", "replica=2", "Additional property replica is not allowed"}),
    [](const ::testing::TestParamInfo<BadValue>& info) { return info.param.name; });

TEST(ChartSchemaDefaults, AcceptTheDefaultValues) {
  auto result = runHelm({"template", kRelease, chartDir()});
  EXPECT_EQ(result.exitCode, 0) << result.err;
}

}  // namespace
}  // namespace rg::install
