#include "reconcilers/providers/runtime_checks.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <thread>
#include <vector>

#include "reconcilers/providers/fake_provider.hpp"

namespace rg::providers {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

HttpCheck healthCheck() {
  HttpCheck check;
  check.url = "http://x/health";
  return check;
}

HttpProbeResult answer(int status, std::string body = {}) {
  return HttpProbeResult{true, status, std::move(body), {}};
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

PrometheusCheck promCheck() {
  PrometheusCheck check;
  check.address = "http://prometheus:9090";
  check.query = "error_ratio";
  return check;
}

Threshold maxOf(double max) {
  Threshold t;
  t.max = max;
  return t;
}

Threshold minOf(double min) {
  Threshold t;
  t.min = min;
  return t;
}

Threshold increaseOf(double percent) {
  Threshold t;
  t.maxIncreasePercent = percent;
  return t;
}

TEST(EvaluatePrometheus, NoDataAndErrorsAreInconclusive) {
  auto none = evaluatePrometheus(promCheck(), maxOf(0.1),
                                 PromQueryResult::noData("query returned no data"), std::nullopt);
  EXPECT_EQ(none.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(none.message, "query returned no data");
  EXPECT_EQ(none.value, "");

  auto nan =
      evaluatePrometheus(promCheck(), maxOf(0.1),
                         PromQueryResult::noData("query returned NaN (no traffic: 0/0?)"), 0.5);
  EXPECT_EQ(nan.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(nan.message, "query returned NaN (no traffic: 0/0?)");

  auto failed = evaluatePrometheus(
      promCheck(), maxOf(0.1), PromQueryResult::failure("query returned 2 series; expected one"),
      std::nullopt);
  EXPECT_EQ(failed.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(failed.message, "query failed: query returned 2 series; expected one");
}

TEST(EvaluatePrometheus, AboveMaxFails) {
  auto r = evaluatePrometheus(promCheck(), maxOf(0.1), PromQueryResult::of(0.23), std::nullopt);
  EXPECT_EQ(r.outcome, CheckOutcome::Failed);
  EXPECT_EQ(r.message, "value 0.23 is above max 0.1");
  EXPECT_EQ(r.value, "0.23");
}

TEST(EvaluatePrometheus, BelowMinFails) {
  auto r = evaluatePrometheus(promCheck(), minOf(2), PromQueryResult::of(1), std::nullopt);
  EXPECT_EQ(r.outcome, CheckOutcome::Failed);
  EXPECT_EQ(r.message, "value 1 is below min 2");
  EXPECT_EQ(r.value, "1");
}

TEST(EvaluatePrometheus, WithinBoundsPasses) {
  Threshold both;
  both.min = 0.01;
  both.max = 0.1;
  auto r = evaluatePrometheus(promCheck(), both, PromQueryResult::of(0.05), std::nullopt);
  EXPECT_EQ(r.outcome, CheckOutcome::Passed);
  EXPECT_EQ(r.message, "value 0.05 is within threshold (min 0.01; max 0.1)");
  EXPECT_EQ(r.value, "0.05");
}

TEST(EvaluatePrometheus, LimitsAreInclusiveAndIgnoreFloatNoise) {
  EXPECT_EQ(
      evaluatePrometheus(promCheck(), maxOf(0.1), PromQueryResult::of(0.1), std::nullopt).outcome,
      CheckOutcome::Passed);
  EXPECT_EQ(evaluatePrometheus(promCheck(), maxOf(0.1), PromQueryResult::of(0.10000000000000002),
                               std::nullopt)
                .outcome,
            CheckOutcome::Passed);
  EXPECT_EQ(evaluatePrometheus(promCheck(), minOf(0.3), PromQueryResult::of(0.29999999999999993),
                               std::nullopt)
                .outcome,
            CheckOutcome::Passed);
  EXPECT_EQ(evaluatePrometheus(promCheck(), maxOf(0.1), PromQueryResult::of(0.1001), std::nullopt)
                .outcome,
            CheckOutcome::Failed);
}

TEST(EvaluatePrometheus, NaNAndInfinitiesAreInconclusiveWhateverTheThreshold) {
  // 1/sum(rate(...)) over no traffic is +Inf: it says nothing about the revision.
  auto high = evaluatePrometheus(promCheck(), maxOf(0.1), PromQueryResult::of(kInf), std::nullopt);
  EXPECT_EQ(high.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(high.message, "query returned +Inf");
  EXPECT_EQ(high.value, "");
  auto low = evaluatePrometheus(promCheck(), minOf(0), PromQueryResult::of(-kInf), std::nullopt);
  EXPECT_EQ(low.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(low.message, "query returned -Inf");
  auto fine = evaluatePrometheus(promCheck(), minOf(0), PromQueryResult::of(kInf), std::nullopt);
  EXPECT_EQ(fine.outcome, CheckOutcome::Inconclusive) << "not even a limit it would meet";
  // A NaN value (a provider that passes it through) is never compared either.
  auto nan = evaluatePrometheus(promCheck(), maxOf(0.1),
                                PromQueryResult::of(std::numeric_limits<double>::quiet_NaN()), 0.1);
  EXPECT_EQ(nan.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(nan.message, "query returned NaN (no traffic: 0/0?)");
}

TEST(EvaluatePrometheus, IncreaseAboveLimitFails) {
  auto r = evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(0.30), 0.18);
  EXPECT_EQ(r.outcome, CheckOutcome::Failed);
  EXPECT_EQ(r.message, "value 0.3 is 66.7% above baseline 0.18; max increase 50%");
  EXPECT_EQ(r.value, "0.3");
}

TEST(EvaluatePrometheus, IncreaseWithinLimitPasses) {
  auto r = evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(0.2), 0.18);
  EXPECT_EQ(r.outcome, CheckOutcome::Passed);
  EXPECT_EQ(r.message,
            "value 0.2 is within threshold (11.1% above baseline 0.18, max increase 50%)");

  // Exactly the limit passes, despite (0.27 - 0.18) / 0.18 being 50.000000000000014 in doubles.
  EXPECT_EQ(
      evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(0.27), 0.18).outcome,
      CheckOutcome::Passed);

  auto lower = evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(0.09), 0.18);
  EXPECT_EQ(lower.outcome, CheckOutcome::Passed);
  EXPECT_EQ(lower.message, "value 0.09 is within threshold (50% below baseline 0.18)");

  auto same = evaluatePrometheus(promCheck(), increaseOf(0), PromQueryResult::of(0.18), 0.18);
  EXPECT_EQ(same.outcome, CheckOutcome::Passed);
  EXPECT_EQ(same.message,
            "value 0.18 is within threshold (0% above baseline 0.18, max increase 0%)");
}

TEST(EvaluatePrometheus, NoBaselineYetPassesTheIncreasePart) {
  auto r = evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(0.3), std::nullopt);
  EXPECT_EQ(r.outcome, CheckOutcome::Passed);
  EXPECT_EQ(r.message, "value 0.3 is within threshold (no baseline yet)");
  EXPECT_EQ(r.value, "0.3");

  // The other limits still apply.
  Threshold t = increaseOf(50);
  t.max = 0.2;
  auto capped = evaluatePrometheus(promCheck(), t, PromQueryResult::of(0.3), std::nullopt);
  EXPECT_EQ(capped.outcome, CheckOutcome::Failed);
  EXPECT_EQ(capped.message, "value 0.3 is above max 0.2");
}

TEST(EvaluatePrometheus, ZeroBaselineOnlyLetsZeroPass) {
  auto zero = evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(0), 0.0);
  EXPECT_EQ(zero.outcome, CheckOutcome::Passed);
  EXPECT_EQ(zero.message, "value 0 is within threshold (equal to baseline 0)");

  auto more = evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(0.01), 0.0);
  EXPECT_EQ(more.outcome, CheckOutcome::Failed);
  EXPECT_EQ(more.message,
            "value 0.01 differs from baseline 0; a change from a zero baseline has no "
            "percentage, so only 0 passes (max increase 50%)");

  auto less = evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(-1), 0.0);
  EXPECT_EQ(less.outcome, CheckOutcome::Failed);
}

TEST(EvaluatePrometheus, NegativeBaselineMeasuresIncreaseUpwards) {
  // From -2 to -1 is a rise of 50% of the baseline's size.
  auto r = evaluatePrometheus(promCheck(), increaseOf(40), PromQueryResult::of(-1), -2.0);
  EXPECT_EQ(r.outcome, CheckOutcome::Failed);
  EXPECT_EQ(r.message, "value -1 is 50% above baseline -2; max increase 40%");
  auto down = evaluatePrometheus(promCheck(), increaseOf(40), PromQueryResult::of(-3), -2.0);
  EXPECT_EQ(down.outcome, CheckOutcome::Passed);
  EXPECT_EQ(down.message, "value -3 is within threshold (50% below baseline -2)");
}

TEST(EvaluatePrometheus, InfiniteValueOrBaseline) {
  auto r = evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(kInf), 0.18);
  EXPECT_EQ(r.outcome, CheckOutcome::Inconclusive) << "never fails against any baseline";
  EXPECT_EQ(r.message, "query returned +Inf");

  auto baseline = evaluatePrometheus(promCheck(), increaseOf(50), PromQueryResult::of(1), kInf);
  EXPECT_EQ(baseline.outcome, CheckOutcome::Passed);
  EXPECT_EQ(baseline.message,
            "value 1 is within threshold (baseline +Inf cannot be compared; max increase 50% "
            "not checked)");
}

TEST(EvaluatePrometheus, ReportsEveryBrokenLimit) {
  Threshold t;
  t.max = 0.1;
  t.maxIncreasePercent = 50;
  auto r = evaluatePrometheus(promCheck(), t, PromQueryResult::of(0.3), 0.18);
  EXPECT_EQ(r.outcome, CheckOutcome::Failed);
  EXPECT_EQ(r.message,
            "value 0.3 is above max 0.1; value 0.3 is 66.7% above baseline 0.18; max increase 50%");
}

TEST(EvaluatePrometheus, NoThresholdPasses) {
  auto r = evaluatePrometheus(promCheck(), Threshold{}, PromQueryResult::of(3), std::nullopt);
  EXPECT_EQ(r.outcome, CheckOutcome::Passed);
  EXPECT_EQ(r.message, "value 3 (no threshold)");
}

CheckSpec runtimeSpec(CheckBody body, std::optional<Threshold> threshold = std::nullopt) {
  CheckSpec spec;
  spec.name = "runtime";
  spec.body = std::move(body);
  spec.threshold = threshold;
  return spec;
}

TEST(RuntimeEvaluator, HttpCheckAsksTheProvider) {
  FakeProvider fake;
  fake.setHttp("http://x/health", answer(503));
  RuntimeEvaluator evaluator(fake);
  auto r = evaluator.evaluate(runtimeSpec(healthCheck()));
  EXPECT_EQ(r.result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(r.result.message, "GET http://x/health answered 503, expected 200");
  EXPECT_FALSE(r.measured.has_value());
  ASSERT_EQ(fake.httpCalls().size(), 1u);
  EXPECT_EQ(fake.httpCalls()[0].url, "http://x/health");

  HttpCheck other;
  other.url = "http://unknown/";
  EXPECT_EQ(evaluator.evaluate(runtimeSpec(other)).result.outcome, CheckOutcome::Inconclusive);
}

TEST(RuntimeEvaluator, PrometheusCheckComparesAndReturnsTheMeasuredValue) {
  FakeProvider fake;
  fake.setPrometheus("error_ratio", PromQueryResult::of(0.3));
  RuntimeEvaluator evaluator(fake);
  auto spec = runtimeSpec(promCheck(), increaseOf(50));
  auto r = evaluator.evaluate(spec, 0.18);
  EXPECT_EQ(r.result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(r.result.message, "value 0.3 is 66.7% above baseline 0.18; max increase 50%");
  ASSERT_TRUE(r.measured.has_value());
  EXPECT_DOUBLE_EQ(*r.measured, 0.3);

  auto first = evaluator.evaluate(spec);
  EXPECT_EQ(first.result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(first.result.message, "value 0.3 is within threshold (no baseline yet)");

  auto calls = fake.prometheusCalls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].address, "http://prometheus:9090");
  EXPECT_EQ(calls[0].query, "error_ratio");
  EXPECT_EQ(calls[0].timeout.toString(), "5s");
}

TEST(RuntimeEvaluator, NoMeasuredValueWithoutAFiniteSample) {
  FakeProvider fake;
  fake.setPrometheus("error_ratio", PromQueryResult::noData("query returned no data"));
  RuntimeEvaluator evaluator(fake);
  auto none = evaluator.evaluate(runtimeSpec(promCheck(), maxOf(0.1)));
  EXPECT_EQ(none.result.outcome, CheckOutcome::Inconclusive);
  EXPECT_FALSE(none.measured.has_value());

  fake.setPrometheus("error_ratio", PromQueryResult::of(kInf));
  auto inf = evaluator.evaluate(runtimeSpec(promCheck(), maxOf(0.1)));
  EXPECT_EQ(inf.result.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(inf.result.message, "query returned +Inf");
  EXPECT_FALSE(inf.measured.has_value());
}

TEST(RuntimeEvaluator, StaticChecksAreSkipped) {
  FakeProvider fake;
  RuntimeEvaluator evaluator(fake);
  auto r = evaluator.evaluate(runtimeSpec(ProbesCheck{}));
  EXPECT_EQ(r.result.outcome, CheckOutcome::Skipped);
  EXPECT_EQ(r.result.message, "probes is not a runtime check");
  EXPECT_TRUE(fake.httpCalls().empty());
}

RevisionVariables revisionValues() {
  return {"shop", "web", "4", "5d9c8f7b6", "web-gate"};
}

TEST(RuntimeEvaluator, QueriesRunExpandedAndShowWhatRan) {
  FakeProvider fake;
  const std::string expanded =
      R"(sum(rate(http_requests_total{namespace="shop",pod=~"web-5d9c8f7b6-.*"}[1m])))";
  fake.setPrometheus(expanded, PromQueryResult::of(0.3));
  RuntimeEvaluator evaluator(fake);
  PrometheusCheck body = promCheck();
  body.query =
      R"(sum(rate(http_requests_total{namespace="{{namespace}}",pod=~"{{ name }}-{{podTemplateHash}}-.*"}[1m])))";
  auto values = revisionValues();
  auto r = evaluator.evaluate(runtimeSpec(body, maxOf(0.1)), std::nullopt, &values);
  EXPECT_EQ(r.result.outcome, CheckOutcome::Failed);
  EXPECT_EQ(r.result.message, "value 0.3 is above max 0.1 (query: " + expanded + ")");
  ASSERT_EQ(fake.prometheusCalls().size(), 1u);
  EXPECT_EQ(fake.prometheusCalls()[0].query, expanded);

  // A query without variables keeps its short message.
  fake.setPrometheus("error_ratio", PromQueryResult::of(0.05));
  EXPECT_EQ(evaluator.evaluate(runtimeSpec(promCheck(), maxOf(0.1)), std::nullopt, &values)
                .result.message,
            "value 0.05 is within threshold (max 0.1)");
}

TEST(RuntimeEvaluator, LongExpandedQueriesAreCut) {
  FakeProvider fake;
  const std::string longQuery = "sum(x{pod=~\"{{name}}-.*\"})" + std::string(300, ' ') + "+ 0";
  auto values = revisionValues();
  fake.setPrometheus(expandVariables(longQuery, values), PromQueryResult::of(1));
  RuntimeEvaluator evaluator(fake);
  PrometheusCheck body = promCheck();
  body.query = longQuery;
  auto r = evaluator.evaluate(runtimeSpec(body, maxOf(2)), std::nullopt, &values);
  EXPECT_EQ(r.result.outcome, CheckOutcome::Passed);
  const std::string shown = "(query: sum(x{pod=~\"web-.*\"})";
  EXPECT_NE(r.result.message.find(shown), std::string::npos) << r.result.message;
  EXPECT_LT(r.result.message.size(), 220u);
  EXPECT_EQ(r.result.message.substr(r.result.message.size() - 4), "...)");
}

TEST(RuntimeEvaluator, UrlsAreExpanded) {
  FakeProvider fake;
  fake.setHttp("http://web.shop.svc/health?rev=4", answer(200));
  RuntimeEvaluator evaluator(fake);
  HttpCheck check;
  check.url = "http://{{name}}.{{namespace}}.svc/health?rev={{revision}}";
  auto values = revisionValues();
  auto r = evaluator.evaluate(runtimeSpec(check), std::nullopt, &values);
  EXPECT_EQ(r.result.outcome, CheckOutcome::Passed);
  EXPECT_EQ(r.result.message, "GET http://web.shop.svc/health?rev=4 answered 200");
}

TEST(RuntimeEvaluator, AMissingOrUnsafeValueIsInconclusiveAndNothingRuns) {
  FakeProvider fake;
  RuntimeEvaluator evaluator(fake);
  PrometheusCheck body = promCheck();
  body.query = R"(sum(up{pod=~"{{name}}-{{podTemplateHash}}-.*"}))";
  auto values = revisionValues();
  values.podTemplateHash.clear();
  auto missing = evaluator.evaluate(runtimeSpec(body, maxOf(1)), std::nullopt, &values);
  EXPECT_EQ(missing.result.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(missing.result.message,
            "query not run: {{podTemplateHash}} has no value yet: no ReplicaSet of the current "
            "revision yet");

  values.podTemplateHash = R"(x"} or vector(0) or up{a=")";
  auto unsafe = evaluator.evaluate(runtimeSpec(body, maxOf(1)), std::nullopt, &values);
  EXPECT_EQ(unsafe.result.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(unsafe.result.message,
            "query not run: {{podTemplateHash}} has a value with characters outside "
            "[A-Za-z0-9._-]; not run");

  // No variables given at all: a query that uses one is not run either.
  auto none = evaluator.evaluate(runtimeSpec(body, maxOf(1)));
  EXPECT_EQ(none.result.outcome, CheckOutcome::Inconclusive);

  HttpCheck http;
  http.url = "http://{{name}}.svc/";
  values.name = "web/../x";
  auto url = evaluator.evaluate(runtimeSpec(http), std::nullopt, &values);
  EXPECT_EQ(url.result.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(url.result.message,
            "http://{{name}}.svc/ not called: {{name}} has a value with characters outside "
            "[A-Za-z0-9._-]; not run");
  EXPECT_TRUE(fake.prometheusCalls().empty());
  EXPECT_TRUE(fake.httpCalls().empty());
}

TEST(WindowQuery, TenStepsInWholeSeconds) {
  using namespace std::chrono_literals;
  EXPECT_EQ(windowQuery("x", kube::Duration(10min)), "avg_over_time((x)[600s:60s])");
  EXPECT_EQ(windowQuery("a / b", kube::Duration(15s)), "avg_over_time((a / b)[15s:2s])");
  EXPECT_EQ(windowQuery("x", kube::Duration(1s)), "avg_over_time((x)[1s:1s])");
  EXPECT_EQ(windowQuery("x", kube::Duration(1h)), "avg_over_time((x)[3600s:360s])");
  EXPECT_EQ(windowQuery("x", kube::Duration(1500ms)), "avg_over_time((x)[1s:1s])");
}

CheckSpec increaseCheck(const std::string& query, std::chrono::seconds window) {
  PrometheusCheck body = promCheck();
  body.query = query;
  Threshold t = increaseOf(20);
  t.baselineWindow = kube::Duration(window);
  return runtimeSpec(body, t);
}

TEST(RuntimeEvaluator, WindowBaselineAveragesThePreviousRevision) {
  using namespace std::chrono_literals;
  FakeProvider fake;
  fake.setPrometheus(R"(avg_over_time((avg(latency{pod=~"web-aaa-.*"}))[300s:30s]))",
                     PromQueryResult::of(0.2));
  RuntimeEvaluator evaluator(fake);
  RevisionVariables previous = revisionValues();
  previous.revision = "3";
  previous.podTemplateHash = "aaa";
  auto w = evaluator.windowBaseline(
      increaseCheck(R"(avg(latency{pod=~"{{name}}-{{podTemplateHash}}-.*"}))", 5min), previous);
  ASSERT_TRUE(w.value);
  EXPECT_DOUBLE_EQ(*w.value, 0.2);
  EXPECT_EQ(w.note, "average over 5m0s of revision 3");

  fake.setPrometheus("avg_over_time((idle)[600s:60s])",
                     PromQueryResult::noData("query returned no data"));
  auto none = evaluator.windowBaseline(increaseCheck("idle", 10min), previous);
  EXPECT_FALSE(none.value);
  EXPECT_EQ(none.note, "no data over 10m0s of revision 3");

  fake.setPrometheus("avg_over_time((ratio)[600s:60s])", PromQueryResult::of(kInf));
  auto inf = evaluator.windowBaseline(increaseCheck("ratio", 10min), previous);
  EXPECT_FALSE(inf.value) << "an infinite average is no baseline";
  EXPECT_EQ(inf.note, "average over 10m0s of revision 3 is +Inf");

  auto failed = evaluator.windowBaseline(increaseCheck("unscripted", 10min), previous);
  EXPECT_FALSE(failed.value);
  EXPECT_EQ(failed.note,
            "average over 10m0s of revision 3 failed: no answer scripted for query "
            "avg_over_time((unscripted)[600s:60s])");

  previous.podTemplateHash.clear();
  auto missing =
      evaluator.windowBaseline(increaseCheck("x{pod=~\"{{podTemplateHash}}\"}", 10min), previous);
  EXPECT_FALSE(missing.value);
  EXPECT_EQ(missing.note.rfind("previous revision: {{podTemplateHash}} has no value yet", 0), 0u)
      << missing.note;
}

class ThrowingProvider final : public Provider {
 public:
  HttpProbeResult httpProbe(const HttpCheck&) override { throw std::runtime_error("boom"); }
  PromQueryResult prometheusQuery(const std::string&, const std::string&, kube::Duration) override {
    throw std::runtime_error("boom");
  }
};

TEST(RuntimeEvaluator, AThrowingProviderIsInconclusive) {
  ThrowingProvider provider;
  RuntimeEvaluator evaluator(provider);
  auto r = evaluator.evaluate(runtimeSpec(healthCheck()));
  EXPECT_EQ(r.result.outcome, CheckOutcome::Inconclusive);
  EXPECT_EQ(r.result.message, "provider error: boom");
}

TEST(RuntimeEvaluator, ConcurrentEvaluations) {
  FakeProvider fake;
  fake.setHttp("http://x/health", answer(200));
  fake.setPrometheus("error_ratio", PromQueryResult::of(0.05));
  RuntimeEvaluator evaluator(fake);
  std::vector<std::thread> threads;
  std::atomic<int> passed{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (evaluator.evaluate(runtimeSpec(healthCheck())).result.outcome == CheckOutcome::Passed) {
          ++passed;
        }
        if (evaluator.evaluate(runtimeSpec(promCheck(), maxOf(0.1))).result.outcome ==
            CheckOutcome::Passed) {
          ++passed;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(passed.load(), 1600);
  EXPECT_EQ(fake.httpCalls().size(), 800u);
}

}  // namespace
}  // namespace rg::providers
