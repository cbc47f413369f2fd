// The http check: parsing its body and judging an answer. The call itself is tested with the
// providers: tests/providers/.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/checks/runtime_check_fixtures.hpp"
#include "tests/unit/checks/spec_fixtures.hpp"

namespace rg {
namespace {

using namespace spec_fixtures;
using namespace runtime_check_fixtures;
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

TEST(FormatValue, IsCompact) {
  EXPECT_EQ(formatValue(0.23), "0.23");
  EXPECT_EQ(formatValue(0.1), "0.1");
  EXPECT_EQ(formatValue(0.30000000000000004), "0.3");
  EXPECT_EQ(formatValue(200), "200");
  EXPECT_EQ(formatValue(1234567), "1.23457e+06");
  EXPECT_EQ(formatValue(0.000012345678), "1.23457e-05");
  EXPECT_EQ(formatValue(-2.5), "-2.5");
  EXPECT_EQ(formatValue(0.0), "0");
  EXPECT_EQ(formatValue(-0.0), "0");
  EXPECT_EQ(formatValue(kInf), "+Inf");
  EXPECT_EQ(formatValue(-kInf), "-Inf");
  EXPECT_EQ(formatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(EvaluateHttp, NoAnswerIsInconclusive) {
  auto r = evaluateHttp(healthCheck(), HttpProbeResult{false, 0, {}, "Connection refused"});
  EXPECT_EQ(r.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(r.message, "GET http://x/health did not answer within 2s: Connection refused");
  EXPECT_EQ(r.value, "");

  auto check = healthCheck();
  check.timeout = kube::Duration(std::chrono::milliseconds(1500));
  auto quiet = evaluateHttp(check, HttpProbeResult{false, 0, {}, ""});
  EXPECT_EQ(quiet.message, "GET http://x/health did not answer within 1.5s");
}

TEST(EvaluateHttp, UnexpectedStatusFails) {
  auto r = evaluateHttp(healthCheck(), answer(503));
  EXPECT_EQ(r.outcome, CheckOutcome::Failed);
  EXPECT_EQ(r.message, "GET http://x/health answered 503, expected 200");
  EXPECT_EQ(r.value, "503");

  auto two = healthCheck();
  two.expectedStatus = {200, 204};
  EXPECT_EQ(evaluateHttp(two, answer(500)).message,
            "GET http://x/health answered 500, expected 200 or 204");
  auto three = healthCheck();
  three.expectedStatus = {200, 201, 204};
  three.method = "HEAD";
  EXPECT_EQ(evaluateHttp(three, answer(302)).message,
            "HEAD http://x/health answered 302, expected 200, 201 or 204");
}

TEST(EvaluateHttp, ExpectedStatusPasses) {
  auto r = evaluateHttp(healthCheck(), answer(200, "anything"));
  EXPECT_EQ(r.outcome, CheckOutcome::Passed);
  EXPECT_EQ(r.message, "GET http://x/health answered 200");
  EXPECT_EQ(r.value, "200");

  auto accepts = healthCheck();
  accepts.expectedStatus = {200, 204};
  EXPECT_EQ(evaluateHttp(accepts, answer(204)).outcome, CheckOutcome::Passed);
}

TEST(EvaluateHttp, EmptyExpectedStatusMeansAny2xx) {
  auto check = healthCheck();
  check.expectedStatus.clear();
  EXPECT_EQ(evaluateHttp(check, answer(204)).outcome, CheckOutcome::Passed);
  EXPECT_EQ(evaluateHttp(check, answer(301)).message,
            "GET http://x/health answered 301, expected 2xx");
}

TEST(EvaluateHttp, BodyMustContainTheSubstring) {
  auto check = healthCheck();
  check.bodyContains = "\"status\":\"UP\"";
  auto found = evaluateHttp(check, answer(200, R"({"status":"UP"})"));
  EXPECT_EQ(found.outcome, CheckOutcome::Passed);
  EXPECT_EQ(found.message,
            R"(GET http://x/health answered 200 and the body contains "\"status\":\"UP\"")");

  auto missing = evaluateHttp(check, answer(200, R"({"status":"DOWN"})"));
  EXPECT_EQ(missing.outcome, CheckOutcome::Failed);
  EXPECT_EQ(
      missing.message,
      R"(GET http://x/health answered 200 but the body does not contain "\"status\":\"UP\"")");
  EXPECT_EQ(missing.value, "200");

  // The status is judged first.
  EXPECT_EQ(evaluateHttp(check, answer(500, R"({"status":"UP"})")).message,
            "GET http://x/health answered 500, expected 200");
}

TEST(EvaluateHttp, SaysWhenOnlyTheBeginningOfTheBodyWasSearched) {
  auto check = healthCheck();
  check.bodyContains = "ok";
  auto r = evaluateHttp(check, answer(200, std::string(kMaxBodySnippet, 'x')));
  EXPECT_EQ(r.outcome, CheckOutcome::Failed);
  EXPECT_EQ(r.message,
            "GET http://x/health answered 200 but the body does not contain \"ok\" (first 4096 "
            "bytes searched)");
}

}  // namespace
}  // namespace rg
