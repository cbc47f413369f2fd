#pragma once
// The operator's metrics: controller-runtime's reconcile metrics, client-go's work queue, REST
// client and leader election metrics, the readinessgate_* gate metrics (fed by the reconciler
// through ReconcileObserver) and the process metrics.
#include <chrono>
#include <functional>
#include <string>

#include "kube/rest_client.hpp"
#include "kube/work_queue.hpp"
#include "operator/metrics/metric_registry.hpp"
#include "reconcilers/gate_reconciler.hpp"
#include "reconcilers/providers/runtime_check_pool.hpp"

namespace rg {

class OperatorMetrics final : public ReconcileObserver {
 public:
  // `controller` labels the controller_runtime_* series; `maxConcurrentReconciles` is the
  // number of workers.
  explicit OperatorMetrics(std::string controller = "readinessgate",
                           int maxConcurrentReconciles = 1);

  metrics::Registry& registry() { return registry_; }
  std::string render() const { return registry_.render(); }

  // --- controller-runtime: around each reconcile ------------------------------------------
  void reconcileStarted();
  // `result` is nullptr when the reconcile threw (counted as an error).
  void reconcileFinished(const kube::WorkResult* result, std::chrono::nanoseconds duration);

  // --- client-go work queue ----------------------------------------------------------------
  // Reads depth, adds and retries from `counters` at each scrape (it must outlive this). The
  // queue is named after the controller, as controller-runtime names it.
  void watchQueue(const kube::WorkQueueMetrics& counters);
  void observeQueueDuration(std::chrono::nanoseconds waited);
  void observeWorkDuration(std::chrono::nanoseconds worked);

  // --- client-go REST client and leader election (read at each scrape) --------------------
  // `host` as in the client's server URL ("10.0.0.1:443"). Also feeds
  // readinessgate_api_errors_total from the counts' apiErrors.
  void watchRequests(const std::string& host, std::function<kube::RequestCounts()> counts);
  void watchLeader(const std::string& name, std::function<bool()> leading);
  // http and prometheus check calls waiting for a thread of the pool, and being made.
  void watchRuntimeChecks(std::function<providers::RuntimeCheckPoolStats()> stats);

  // --- ReconcileObserver: the gate metrics ----------------------------------------------
  void gateEvaluated(const Gate& gate, const Evaluation& evaluation,
                     std::chrono::nanoseconds duration) override;
  void gateInvalid(const std::string& ns, const std::string& name) override;
  void gateDeleted(const std::string& ns, const std::string& name) override;
  void actionTaken(ActionKind kind) override;

 private:
  void setPhase(const std::string& ns, const std::string& name, const std::string& phase);
  void removeCheckSeries(const std::string& ns, const std::string& name,
                         const std::function<bool(const std::string& check)>& stale);

  metrics::Registry registry_;
  const std::string controller_;
  metrics::Family& reconcileTotal_;
  metrics::Family& reconcileErrors_;
  metrics::Family& reconcileTime_;
  metrics::Family& activeWorkers_;
  metrics::Family& maxConcurrent_;
  metrics::Family& queueDepth_;
  metrics::Family& queueAdds_;
  metrics::Family& queueRetries_;
  metrics::Family& queueDuration_;
  metrics::Family& workDuration_;
  metrics::Family& restRequests_;
  metrics::Family& leaderStatus_;
  metrics::Family& checkResult_;
  metrics::Family& checkValue_;
  metrics::Family& phase_;
  metrics::Family& lastEvaluation_;
  metrics::Family& actions_;
  metrics::Family& evaluationDuration_;
  metrics::Family& apiErrors_;
  metrics::Family& runtimeChecksQueued_;
  metrics::Family& runtimeChecksRunning_;
};

// "Pause", "Resume", "Rollback" ("None" for ActionKind::None).
const char* actionName(ActionKind kind);

}  // namespace rg
