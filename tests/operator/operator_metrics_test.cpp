#include "operator/metrics/operator_metrics.hpp"

#include <gtest/gtest.h>

#include <atomic>

namespace rg {
namespace {

using metrics::Family;

Gate gate(const std::string& ns, const std::string& name) {
  Gate g;
  g.namespace_ = ns;
  g.name = name;
  return g;
}

CheckStatus check(const std::string& name, CheckOutcome result, const std::string& value = "") {
  CheckStatus c;
  c.name = name;
  c.result = result;
  c.value = value;
  return c;
}

Evaluation evaluation(Phase phase, std::vector<CheckStatus> checks) {
  Evaluation e;
  e.status.phase = phase;
  e.status.checks = std::move(checks);
  return e;
}

class OperatorMetricsTest : public ::testing::Test {
 protected:
  Family& family(const std::string& name) {
    auto* f = metrics.registry().find(name);
    if (!f) throw std::runtime_error("no family " + name);
    return *f;
  }
  double value(const std::string& name, const metrics::LabelValues& labels) {
    return family(name).value(labels).value_or(-1);
  }

  OperatorMetrics metrics{"readinessgate", 3};
};

TEST_F(OperatorMetricsTest, CheckResultIsOneOnTheCurrentResultAndZeroOnTheOthers) {
  metrics.gateEvaluated(gate("shop", "api"),
                        evaluation(Phase::Failing, {check("resources", CheckOutcome::Failed),
                                                    check("error-rate", CheckOutcome::Passed)}),
                        std::chrono::milliseconds(20));
  EXPECT_EQ(value("readinessgate_check_result", {"shop", "api", "resources", "Failed"}), 1);
  EXPECT_EQ(value("readinessgate_check_result", {"shop", "api", "resources", "Passed"}), 0);
  EXPECT_EQ(value("readinessgate_check_result", {"shop", "api", "resources", "Inconclusive"}), 0);
  EXPECT_EQ(value("readinessgate_check_result", {"shop", "api", "error-rate", "Passed"}), 1);
  EXPECT_EQ(family("readinessgate_check_result").seriesCount(), 8u);  // 2 checks x 4 results
}

TEST_F(OperatorMetricsTest, CheckValueOnlyForNumericValues) {
  metrics.gateEvaluated(
      gate("shop", "api"),
      evaluation(Phase::Passing, {check("error-rate", CheckOutcome::Passed, "0.23"),
                                  check("env", CheckOutcome::Passed, "3/3"),
                                  check("probes", CheckOutcome::Passed)}),
      std::chrono::milliseconds(1));
  auto& values = family("readinessgate_check_value");
  EXPECT_EQ(values.value({"shop", "api", "error-rate"}), 0.23);
  EXPECT_FALSE(values.value({"shop", "api", "env"}));
  EXPECT_FALSE(values.value({"shop", "api", "probes"}));
  // The value turns non-numeric (query failed): its series goes.
  metrics.gateEvaluated(
      gate("shop", "api"),
      evaluation(Phase::Inconclusive, {check("error-rate", CheckOutcome::Inconclusive)}),
      std::chrono::milliseconds(1));
  EXPECT_EQ(values.seriesCount(), 0u);
}

TEST_F(OperatorMetricsTest, PhaseIsOneOnTheCurrentPhase) {
  metrics.gateEvaluated(gate("shop", "api"), evaluation(Phase::Paused, {}),
                        std::chrono::milliseconds(1));
  auto& phase = family("readinessgate_phase");
  EXPECT_EQ(phase.seriesCount(), 7u);
  EXPECT_EQ(phase.value({"shop", "api", "Paused"}), 1);
  EXPECT_EQ(phase.value({"shop", "api", "Passing"}), 0);
  EXPECT_EQ(phase.value({"shop", "api", "Inconclusive"}), 0);
  metrics.gateEvaluated(gate("shop", "api"), evaluation(Phase::Passing, {}),
                        std::chrono::milliseconds(1));
  EXPECT_EQ(phase.value({"shop", "api", "Paused"}), 0);
  EXPECT_EQ(phase.value({"shop", "api", "Passing"}), 1);
  metrics.gateEvaluated(gate("shop", "api"), evaluation(Phase::Inconclusive, {}),
                        std::chrono::milliseconds(1));
  EXPECT_EQ(phase.value({"shop", "api", "Passing"}), 0);
  EXPECT_EQ(phase.value({"shop", "api", "Inconclusive"}), 1);
}

TEST_F(OperatorMetricsTest, ChecksRemovedFromTheSpecLoseTheirSeries) {
  metrics.gateEvaluated(gate("shop", "api"),
                        evaluation(Phase::Passing, {check("a", CheckOutcome::Passed, "1"),
                                                    check("b", CheckOutcome::Passed, "2")}),
                        std::chrono::milliseconds(1));
  metrics.gateEvaluated(gate("shop", "api"),
                        evaluation(Phase::Passing, {check("a", CheckOutcome::Passed, "1")}),
                        std::chrono::milliseconds(1));
  EXPECT_EQ(family("readinessgate_check_result").seriesCount(), 4u);
  EXPECT_FALSE(family("readinessgate_check_result").value({"shop", "api", "b", "Passed"}));
  EXPECT_FALSE(family("readinessgate_check_value").value({"shop", "api", "b"}));
}

TEST_F(OperatorMetricsTest, DeletedGateLosesEverySeriesOtherGatesKeepTheirs) {
  for (const auto& [ns, name] : {std::pair{"shop", "api"}, std::pair{"shop", "web"}})
    metrics.gateEvaluated(gate(ns, name),
                          evaluation(Phase::Passing, {check("x", CheckOutcome::Passed, "5")}),
                          std::chrono::milliseconds(1));
  metrics.gateDeleted("shop", "api");
  const std::string text = metrics.render();
  EXPECT_EQ(text.find("gate=\"api\""), std::string::npos) << text;
  EXPECT_NE(text.find("readinessgate_phase{namespace=\"shop\",gate=\"web\",phase=\"Passing\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("readinessgate_check_value{namespace=\"shop\",gate=\"web\",check=\"x\"} 5"),
            std::string::npos);
}

TEST_F(OperatorMetricsTest, LastEvaluationTimestampMovesOnRoundsOnlyAndGoesWithTheGate) {
  auto& last = family("readinessgate_last_evaluation_timestamp_seconds");
  Evaluation e = evaluation(Phase::Passing, {});
  e.round = true;
  e.at = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'800'000'000'250));
  metrics.gateEvaluated(gate("shop", "api"), e, std::chrono::milliseconds(1));
  EXPECT_NEAR(last.value({"shop", "api"}).value_or(0), 1'800'000'000.25, 1e-3);
  // A pod event between rounds re-evaluates static checks only: the round time stays.
  e.round = false;
  e.at += std::chrono::seconds(3);
  metrics.gateEvaluated(gate("shop", "api"), e, std::chrono::milliseconds(1));
  EXPECT_NEAR(last.value({"shop", "api"}).value_or(0), 1'800'000'000.25, 1e-3);
  metrics.gateDeleted("shop", "api");
  EXPECT_EQ(last.seriesCount(), 0u);
}

TEST_F(OperatorMetricsTest, InvalidGateShowsPhaseInvalidWithoutChecks) {
  metrics.gateEvaluated(gate("shop", "api"),
                        evaluation(Phase::Passing, {check("x", CheckOutcome::Passed, "5")}),
                        std::chrono::milliseconds(1));
  metrics.gateInvalid("shop", "api");
  EXPECT_EQ(value("readinessgate_phase", {"shop", "api", "Invalid"}), 1);
  EXPECT_EQ(value("readinessgate_phase", {"shop", "api", "Passing"}), 0);
  EXPECT_EQ(family("readinessgate_check_result").seriesCount(), 0u);
  EXPECT_EQ(family("readinessgate_check_value").seriesCount(), 0u);
}

TEST_F(OperatorMetricsTest, ActionsAndEvaluationDuration) {
  EXPECT_EQ(value("readinessgate_actions_total", {"Rollback"}), 0);  // present from the start
  metrics.actionTaken(ActionKind::Rollback);
  metrics.actionTaken(ActionKind::Pause);
  metrics.actionTaken(ActionKind::Pause);
  metrics.actionTaken(ActionKind::None);
  EXPECT_EQ(value("readinessgate_actions_total", {"Rollback"}), 1);
  EXPECT_EQ(value("readinessgate_actions_total", {"Pause"}), 2);
  EXPECT_EQ(value("readinessgate_actions_total", {"Resume"}), 0);
  EXPECT_EQ(family("readinessgate_actions_total").seriesCount(), 3u);

  metrics.gateEvaluated(gate("shop", "api"), evaluation(Phase::Passing, {}),
                        std::chrono::milliseconds(300));
  auto h = family("readinessgate_evaluation_duration_seconds").histogram({});
  ASSERT_TRUE(h);
  EXPECT_EQ(h->count, 1u);
  EXPECT_NEAR(h->sum, 0.3, 1e-9);
}

TEST_F(OperatorMetricsTest, ReconcileResultsAsControllerRuntimeCountsThem) {
  for (const char* result : {"success", "error", "requeue", "requeue_after"})
    EXPECT_EQ(value("controller_runtime_reconcile_total", {"readinessgate", result}), 0) << result;
  EXPECT_EQ(value("controller_runtime_max_concurrent_reconciles", {"readinessgate"}), 3);

  metrics.reconcileStarted();
  EXPECT_EQ(value("controller_runtime_active_workers", {"readinessgate"}), 1);
  auto ok = kube::WorkResult::ok();
  metrics.reconcileFinished(&ok, std::chrono::milliseconds(10));
  auto later = kube::WorkResult::after(std::chrono::seconds(30));
  metrics.reconcileStarted();
  metrics.reconcileFinished(&later, std::chrono::milliseconds(10));
  auto failed = kube::WorkResult::failed("boom");
  metrics.reconcileStarted();
  metrics.reconcileFinished(&failed, std::chrono::milliseconds(10));
  metrics.reconcileStarted();
  metrics.reconcileFinished(nullptr, std::chrono::milliseconds(10));  // threw

  EXPECT_EQ(value("controller_runtime_active_workers", {"readinessgate"}), 0);
  EXPECT_EQ(value("controller_runtime_reconcile_total", {"readinessgate", "success"}), 1);
  EXPECT_EQ(value("controller_runtime_reconcile_total", {"readinessgate", "requeue_after"}), 1);
  EXPECT_EQ(value("controller_runtime_reconcile_total", {"readinessgate", "error"}), 2);
  EXPECT_EQ(value("controller_runtime_reconcile_errors_total", {"readinessgate"}), 2);
  auto h = family("controller_runtime_reconcile_time_seconds").histogram({"readinessgate"});
  ASSERT_TRUE(h);
  EXPECT_EQ(h->count, 4u);
}

TEST_F(OperatorMetricsTest, QueueClientAndLeaderAreReadAtScrapeTime) {
  kube::WorkQueueMetrics counters;
  metrics.watchQueue(counters);
  kube::RequestCounts counts;
  metrics.watchRequests("10.0.0.1:443", [&] { return counts; });
  std::atomic<bool> leading{false};
  metrics.watchLeader("readiness-gate-leader", [&] { return leading.load(); });

  counters.depth = 4;
  counters.adds_total = 9;
  counters.retries_total = 2;
  counts.byMethodAndCode[{"GET", "200"}] = 12;
  counts.byMethodAndCode[{"PUT", "<error>"}] = 1;
  leading = true;
  const std::string text = metrics.render();
  for (const char* line :
       {"workqueue_depth{name=\"readinessgate\"} 4\n",
        "workqueue_adds_total{name=\"readinessgate\"} 9\n",
        "workqueue_retries_total{name=\"readinessgate\"} 2\n",
        "rest_client_requests_total{code=\"200\",method=\"GET\",host=\"10.0.0.1:443\"} 12\n",
        "rest_client_requests_total{code=\"<error>\",method=\"PUT\",host=\"10.0.0.1:443\"} 1\n",
        "leader_election_master_status{name=\"readiness-gate-leader\"} 1\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;

  metrics.observeQueueDuration(std::chrono::microseconds(5));
  metrics.observeWorkDuration(std::chrono::milliseconds(2));
  auto queued = family("workqueue_queue_duration_seconds").histogram({"readinessgate"});
  ASSERT_TRUE(queued);
  EXPECT_EQ(queued->upperBounds.size(), 10u);
  EXPECT_EQ(queued->count, 1u);
  // 5 us is above 1e-6 and at or below 1e-5: the first three buckets stay empty.
  EXPECT_EQ(queued->cumulative[2], 0u);
  EXPECT_EQ(queued->cumulative[3], 1u);
  EXPECT_EQ(family("workqueue_work_duration_seconds").histogram({"readinessgate"})->count, 1u);
}

TEST_F(OperatorMetricsTest, ProcessMetricsAreIncluded) {
  const std::string text = metrics.render();
  EXPECT_NE(text.find("# TYPE process_resident_memory_bytes gauge"), std::string::npos);
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter"), std::string::npos);
}

TEST(OperatorMetrics, ApiErrorsAreCountedByVerbGroupResourceAndCode) {
  OperatorMetrics metrics;
  kube::RequestCounts counts;
  metrics.watchRequests("10.0.0.1:443", [&] { return counts; });
  counts.apiErrors[{"get", "coordination.k8s.io", "leases", "403"}] = 7;
  counts.apiErrors[{"patch", "", "pods/status", "403"}] = 1;
  const std::string text = metrics.render();
  for (const char* line :
       {"# TYPE readinessgate_api_errors_total counter\n",
        "readinessgate_api_errors_total{verb=\"get\",group=\"coordination.k8s.io\","
        "resource=\"leases\",code=\"403\"} 7\n",
        "readinessgate_api_errors_total{verb=\"patch\",group=\"\",resource=\"pods/status\","
        "code=\"403\"} 1\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
}

}  // namespace
}  // namespace rg
