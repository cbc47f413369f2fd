#include "reconcilers/providers/runtime_checks.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <thread>
#include <vector>

#include "reconcilers/providers/fake_provider.hpp"
#include "tests/unit/checks/runtime_check_fixtures.hpp"

namespace rg::providers {
namespace {

using namespace runtime_check_fixtures;

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

TEST(RuntimeEvaluator, StartCallMakesTheCallEvaluateMakesAndNoOther) {
  FakeProvider fake;
  RuntimeEvaluator evaluator(fake);
  auto values = revisionValues();
  HttpCheck http;
  http.url = "http://{{name}}.{{namespace}}.svc/health";
  PrometheusCheck prom = promCheck();
  prom.query = R"(up{pod=~"{{name}}-{{podTemplateHash}}-.*"})";
  evaluator.startCall(runtimeSpec(http), &values);
  evaluator.startCall(runtimeSpec(prom, maxOf(1)), &values);
  ASSERT_EQ(fake.httpCalls().size(), 1u);
  EXPECT_EQ(fake.httpCalls()[0].url, "http://web.shop.svc/health");
  ASSERT_EQ(fake.prometheusCalls().size(), 1u);
  EXPECT_EQ(fake.prometheusCalls()[0].query, R"(up{pod=~"web-5d9c8f7b6-.*"})");
  EXPECT_EQ(fake.prometheusCalls()[0].address, prom.address);
  EXPECT_EQ(fake.prometheusCalls()[0].timeout, prom.timeout);
  // Where evaluate() would not call (a variable without a value, a static check), neither does
  // startCall.
  values.podTemplateHash.clear();
  evaluator.startCall(runtimeSpec(prom, maxOf(1)), &values);
  evaluator.startCall(runtimeSpec(prom, maxOf(1)));
  CheckSpec probes;
  probes.body = ProbesCheck{};
  evaluator.startCall(probes, &values);
  EXPECT_EQ(fake.httpCalls().size(), 1u);
  EXPECT_EQ(fake.prometheusCalls().size(), 1u);
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
  // Starting the call leaves the error for evaluate() to report.
  EXPECT_NO_THROW(evaluator.startCall(runtimeSpec(healthCheck())));
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
