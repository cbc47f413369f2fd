// Parsing of the http check body. Its evaluation (it calls out) is tested with the providers:
// tests/providers/runtime_checks_test.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/checks/spec_fixtures.hpp"

namespace rg {
namespace {

using namespace spec_fixtures;
using ::testing::HasSubstr;

TEST(HttpSpec, DefaultsAndFields) {
  auto result = parseGate(withCheck("{name: h, http: {url: \"http://a/\"}}"));
  ASSERT_TRUE(result.gate) << result.errorSummary();
  const auto& http = std::get<HttpCheck>(result.gate->spec.checks[0].body);
  EXPECT_EQ(http.method, "GET");
  EXPECT_EQ(http.expectedStatus, std::vector<int>{200});
  EXPECT_EQ(http.timeout.value(), std::chrono::seconds(2));
  EXPECT_TRUE(isRuntimeCheck(result.gate->spec.checks[0].body));
}

TEST(HttpSpec, Fields) {
  EXPECT_EQ(onlyError(withChecks(
                "  - {name: h, http: {url: \"http://a/\", expectedStatus: [200, 700]}}\n")),
            "spec.checks[0].http.expectedStatus[1]: 700 is not an HTTP status code (100-599)");
  EXPECT_THAT(onlyError(withChecks("  - {name: h, http: {url: \"http://a/\", method: FETCH}}\n")),
              HasSubstr("spec.checks[0].http.method: \"FETCH\" is not one of GET"));
  EXPECT_EQ(onlyError(withChecks("  - {name: h, http: {}}\n")),
            "spec.checks[0].http.url: is required");
}

TEST(HttpSpec, BadTimeout) {
  EXPECT_THAT(onlyError(withChecks("  - {name: h, http: {url: \"http://a/\", timeout: 2sec}}\n")),
              HasSubstr("spec.checks[0].http.timeout: \"2sec\" is not a duration"));
  EXPECT_EQ(onlyError(withChecks("  - {name: h, http: {url: \"http://a/\", timeout: 0s}}\n")),
            "spec.checks[0].http.timeout: must be greater than 0");
}

}  // namespace
}  // namespace rg
