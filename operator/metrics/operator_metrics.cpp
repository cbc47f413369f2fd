#include "operator/metrics/operator_metrics.hpp"

#include <charconv>
#include <cmath>
#include <set>

#include "operator/metrics/process_metrics.hpp"

namespace rg {
namespace {

using std::chrono::duration;

double seconds(std::chrono::nanoseconds d) {
  return duration<double>(d).count();
}

// controller-runtime's reconcile_time_seconds buckets.
std::vector<double> reconcileBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1,  0.15, 0.2,  0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6,
          0.7,   0.8,  0.9,   1.0,  1.25, 1.5,  1.75, 2.0,  2.5, 3.0,  3.5, 4.0,  4.5, 5,
          6,     7,    8,     9,    10,   15,   20,   25,   30,  40,   50,  60};
}

// Runtime checks wait for HTTP endpoints and Prometheus: evaluations can take seconds.
std::vector<double> evaluationBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

constexpr CheckOutcome kOutcomes[] = {CheckOutcome::Passed, CheckOutcome::Failed,
                                      CheckOutcome::Inconclusive, CheckOutcome::Skipped};
constexpr Phase kPhases[] = {Phase::Pending,    Phase::Passing, Phase::Failing,     Phase::Paused,
                             Phase::RolledBack, Phase::Invalid, Phase::Inconclusive};
template <typename Enum, std::size_t N>
std::vector<std::string> names(const Enum (&values)[N]) {
  std::vector<std::string> out;
  for (Enum value : values) out.push_back(toString(value));
  return out;
}

constexpr ActionKind kActions[] = {ActionKind::Pause, ActionKind::Resume, ActionKind::Rollback};

// The whole string is a finite number ("0.23", "12"); "3/3" and "" are not.
std::optional<double> numericValue(const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace

const char* actionName(ActionKind kind) {
  switch (kind) {
    case ActionKind::Pause:
      return "Pause";
    case ActionKind::Resume:
      return "Resume";
    case ActionKind::Rollback:
      return "Rollback";
    case ActionKind::None:
      break;
  }
  return "None";
}

OperatorMetrics::OperatorMetrics(std::string controller, int maxConcurrentReconciles)
    : controller_(std::move(controller)),
      reconcileTotal_(registry_.counter("controller_runtime_reconcile_total",
                                        "Total number of reconciliations per controller",
                                        {"controller", "result"})),
      reconcileErrors_(registry_.counter("controller_runtime_reconcile_errors_total",
                                         "Total number of reconciliation errors per controller",
                                         {"controller"})),
      reconcileTime_(registry_.histogram("controller_runtime_reconcile_time_seconds",
                                         "Length of time per reconciliation per controller",
                                         {"controller"}, reconcileBuckets())),
      activeWorkers_(registry_.gauge("controller_runtime_active_workers",
                                     "Number of currently used workers per controller",
                                     {"controller"})),
      maxConcurrent_(registry_.gauge("controller_runtime_max_concurrent_reconciles",
                                     "Maximum number of concurrent reconciles per controller",
                                     {"controller"})),
      queueDepth_(registry_.gauge("workqueue_depth", "Current depth of workqueue", {"name"})),
      queueAdds_(registry_.counter("workqueue_adds_total",
                                   "Total number of adds handled by workqueue", {"name"})),
      queueRetries_(registry_.counter("workqueue_retries_total",
                                      "Total number of retries handled by workqueue", {"name"})),
      queueDuration_(registry_.histogram(
          "workqueue_queue_duration_seconds",
          "How long in seconds an item stays in workqueue before being requested", {"name"},
          metrics::exponentialBuckets(10e-9, 10, 10))),
      workDuration_(
          registry_.histogram("workqueue_work_duration_seconds",
                              "How long in seconds processing an item from workqueue takes",
                              {"name"}, metrics::exponentialBuckets(10e-9, 10, 10))),
      restRequests_(
          registry_.counter("rest_client_requests_total",
                            "Number of HTTP requests, partitioned by status code, method, and host",
                            {"code", "method", "host"})),
      leaderStatus_(registry_.gauge("leader_election_master_status",
                                    "Gauge of if the reporting system is master of the relevant "
                                    "lease, 0 indicates backup, 1 indicates master. 'name' is "
                                    "the string used to identify the lease",
                                    {"name"})),
      checkResult_(registry_.stateSet("readinessgate_check_result",
                                      "Result of each check of a ReadinessGate at its last "
                                      "evaluation: 1 on the current result, 0 on the others",
                                      {"namespace", "gate", "check"}, "result", names(kOutcomes))),
      checkValue_(registry_.gauge(
          "readinessgate_check_value",
          "Value a check of a ReadinessGate measured at its last evaluation, when numeric",
          {"namespace", "gate", "check"})),
      phase_(
          registry_.stateSet("readinessgate_phase",
                             "Phase of each ReadinessGate: 1 on the current phase, 0 on the others",
                             {"namespace", "gate"}, "phase", names(kPhases))),
      lastEvaluation_(registry_.gauge(
          "readinessgate_last_evaluation_timestamp_seconds",
          "Unix time of a ReadinessGate's last evaluation round (runtime checks run, counters "
          "advanced); status.lastEvaluationTime is refreshed less often",
          {"namespace", "gate"})),
      actions_(registry_.counter("readinessgate_actions_total",
                                 "Actions taken on target Deployments, by action", {"action"})),
      evaluationDuration_(registry_.histogram("readinessgate_evaluation_duration_seconds",
                                              "Time taken to evaluate a ReadinessGate's checks", {},
                                              evaluationBuckets())),
      apiErrors_(registry_.counter(
          "readinessgate_api_errors_total",
          "API requests answered with an error after retries, by verb, API group, resource and "
          "code; 401 and 403 (refused) are also logged at error level",
          {"verb", "group", "resource", "code"})),
      runtimeChecksQueued_(registry_.gauge(
          "readinessgate_runtime_checks_queued",
          "http and prometheus check calls waiting for a runtime check thread", {})),
      runtimeChecksRunning_(registry_.gauge("readinessgate_runtime_checks_running",
                                            "http and prometheus check calls being made", {})) {
  // Known series start at 0 so that rate() and absent() work from the first scrape.
  for (const char* result : {"success", "error", "requeue", "requeue_after"})
    reconcileTotal_.set({controller_, result}, 0);
  reconcileErrors_.set({controller_}, 0);
  activeWorkers_.set({controller_}, 0);
  maxConcurrent_.set({controller_}, maxConcurrentReconciles);
  for (ActionKind kind : kActions) actions_.set({actionName(kind)}, 0);
  metrics::registerProcessMetrics(registry_);
}

void OperatorMetrics::reconcileStarted() {
  activeWorkers_.add({controller_}, 1);
}

void OperatorMetrics::reconcileFinished(const kube::WorkResult* result,
                                        std::chrono::nanoseconds duration) {
  activeWorkers_.add({controller_}, -1);
  reconcileTime_.observe({controller_}, seconds(duration));
  const char* label = "success";
  if (!result || result->error) {
    label = "error";
    reconcileErrors_.inc({controller_});
  } else if (result->requeueAfter) {
    label = "requeue_after";
  }
  reconcileTotal_.inc({controller_, label});
}

void OperatorMetrics::watchQueue(const kube::WorkQueueMetrics& counters) {
  const std::string name = controller_;
  queueDepth_.set({name}, 0);
  queueAdds_.set({name}, 0);
  queueRetries_.set({name}, 0);
  registry_.addCollector([this, name, &counters] {
    queueDepth_.set({name}, static_cast<double>(counters.depth.load()));
    queueAdds_.set({name}, static_cast<double>(counters.adds_total.load()));
    queueRetries_.set({name}, static_cast<double>(counters.retries_total.load()));
  });
}

void OperatorMetrics::observeQueueDuration(std::chrono::nanoseconds waited) {
  queueDuration_.observe({controller_}, seconds(waited));
}

void OperatorMetrics::observeWorkDuration(std::chrono::nanoseconds worked) {
  workDuration_.observe({controller_}, seconds(worked));
}

void OperatorMetrics::watchRequests(const std::string& host,
                                    std::function<kube::RequestCounts()> counts) {
  registry_.addCollector([this, host, counts = std::move(counts)] {
    const kube::RequestCounts now = counts();
    for (const auto& [key, total] : now.byMethodAndCode)
      restRequests_.set({key.second, key.first, host}, static_cast<double>(total));
    for (const auto& [key, total] : now.apiErrors)
      apiErrors_.set({key.verb, key.group, key.resource, key.code}, static_cast<double>(total));
  });
}

void OperatorMetrics::watchLeader(const std::string& name, std::function<bool()> leading) {
  leaderStatus_.set({name}, leading() ? 1 : 0);
  registry_.addCollector(
      [this, name, leading = std::move(leading)] { leaderStatus_.set({name}, leading() ? 1 : 0); });
}

void OperatorMetrics::watchRuntimeChecks(std::function<providers::RuntimeCheckPoolStats()> stats) {
  registry_.addCollector([this, stats = std::move(stats)] {
    const providers::RuntimeCheckPoolStats now = stats();
    runtimeChecksQueued_.set({}, static_cast<double>(now.queued));
    runtimeChecksRunning_.set({}, static_cast<double>(now.running));
  });
}

void OperatorMetrics::gateEvaluated(const Gate& gate, const Evaluation& evaluation,
                                    std::chrono::nanoseconds duration) {
  const std::string& ns = gate.namespace_;
  const std::string& name = gate.name;
  std::set<std::string> current;
  for (const auto& check : evaluation.status.checks) current.insert(check.name);
  // Checks removed from the spec lose their series.
  removeCheckSeries(ns, name, [&](const std::string& check) { return !current.contains(check); });
  for (const auto& check : evaluation.status.checks) {
    checkResult_.setState({ns, name, check.name}, toString(check.result));
    if (auto value = numericValue(check.value)) {
      checkValue_.set({ns, name, check.name}, *value);
    } else {
      checkValue_.remove({ns, name, check.name});
    }
  }
  if (evaluation.status.phase) setPhase(ns, name, toString(*evaluation.status.phase));
  if (evaluation.round)
    lastEvaluation_.set({ns, name},
                        std::chrono::duration<double>(evaluation.at.time_since_epoch()).count());
  evaluationDuration_.observe({}, seconds(duration));
}

void OperatorMetrics::gateInvalid(const std::string& ns, const std::string& name) {
  removeCheckSeries(ns, name, [](const std::string&) { return true; });
  setPhase(ns, name, toString(Phase::Invalid));
}

void OperatorMetrics::gateDeleted(const std::string& ns, const std::string& name) {
  removeCheckSeries(ns, name, [](const std::string&) { return true; });
  phase_.remove({ns, name});
  lastEvaluation_.remove({ns, name});
}

void OperatorMetrics::actionTaken(ActionKind kind) {
  if (kind == ActionKind::None) return;
  actions_.inc({actionName(kind)});
}

void OperatorMetrics::setPhase(const std::string& ns, const std::string& name,
                               const std::string& phase) {
  phase_.setState({ns, name}, phase);
}

void OperatorMetrics::removeCheckSeries(const std::string& ns, const std::string& name,
                                        const std::function<bool(const std::string&)>& stale) {
  // Both families' labels start with namespace, gate, check.
  for (metrics::Family* family : {&checkResult_, &checkValue_}) {
    family->removeIf({ns, name},
                     [&](const metrics::LabelValues& labels) { return stale(labels[2]); });
  }
}

}  // namespace rg
