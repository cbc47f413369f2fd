#pragma once
// The ReadinessGate reconciler: reads a gate and its target from the cache,
// evaluates it, acts on the Deployment, sets pod readiness conditions, writes
// status (only when it changed) and records Events.
#include <functional>
#include <memory>
#include <string>

#include "operator/kube/work_queue.hpp"
#include "reconcilers/status/gate_evaluation.hpp"

namespace rg {

class ClusterCache;
namespace kube {
class RestClient;
class EventRecorder;
}  // namespace kube
namespace providers {
class RuntimeEvaluator;
}

// What the operator's metrics learn from each reconcile.
class ReconcileObserver {
 public:
  virtual ~ReconcileObserver() = default;
  virtual void gateEvaluated(const Gate& gate, const Evaluation& evaluation,
                             std::chrono::nanoseconds duration) = 0;
  virtual void gateInvalid(const std::string& ns, const std::string& name) = 0;
  virtual void gateDeleted(const std::string& ns, const std::string& name) = 0;
  virtual void actionTaken(ActionKind kind) = 0;
};

struct ReconcilerDeps {
  ClusterCache* cache = nullptr;
  kube::RestClient* client = nullptr;
  providers::RuntimeEvaluator* runtime = nullptr;
  kube::EventRecorder* events = nullptr;
  ReconcileObserver* observer = nullptr;  // optional
  std::function<Time()> now;              // default: the system clock
};

class GateReconciler {
 public:
  explicit GateReconciler(ReconcilerDeps deps);

  // Handles one "namespace/name" key from the work queue.
  kube::WorkResult reconcile(const std::string& key);

 private:
  void sendAction(const Gate& gate, const PlannedAction& action);
  void setPodConditions(const Gate& gate, bool ready, const std::string& message);
  // PUT /status; on a conflict re-reads the gate and tries again (the status we computed stays
  // ours: we are the only writer of a gate's status).
  void writeStatus(const nlohmann::json& gate, const GateStatus& status);
  void recordEvents(const nlohmann::json& gateObject, const Gate* gate,
                    const std::vector<GateEvent>& events);

  ReconcilerDeps deps_;
};

}  // namespace rg
