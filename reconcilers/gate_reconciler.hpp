#pragma once
// The ReadinessGate reconciler: reads a gate and its target from the cache,
// evaluates it, acts on the Deployment, sets pod readiness conditions, writes
// status (only when it changed) and records Events.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kube/work_queue.hpp"
#include "reconcilers/evaluation/gate_evaluation.hpp"
#include "reconcilers/evaluation/static_results.hpp"
#include "reconcilers/gate_cluster.hpp"
#include "reconcilers/spec/spec_parser.hpp"

namespace rg {

namespace providers {
class RuntimeCheckPool;
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
  const GateCacheReader* cache = nullptr;
  GateClusterWriter* cluster = nullptr;
  providers::RuntimeCheckPool* runtimeChecks = nullptr;
  ReconcileObserver* observer = nullptr;  // optional
  std::function<Time()> now;              // default: the system clock
  // lastEvaluationTime is refreshed at least this often while nothing else changes (see
  // status_heartbeat.hpp); zero: every round.
  std::chrono::nanoseconds statusHeartbeat = std::chrono::minutes(5);
};

class GateReconciler {
 public:
  explicit GateReconciler(ReconcilerDeps deps);

  // Handles one "namespace/name" key from the work queue.
  kube::WorkResult reconcile(const std::string& key);
  // The cache now holds gate `key` at `resourceVersion`: a status write of this reconciler that
  // produced it needs no longer be kept (it would be kept until the gate's next round).
  void statusSeen(const std::string& key, const std::string& resourceVersion);
  // Status writes kept because the cache may not show them yet.
  std::size_t unconfirmedWrites();

 private:
  // Patches the target and remembers the generation the patch gave it.
  void sendAction(const std::string& key, const Gate& gate, const PlannedAction& action);
  // True while the cache still holds the target as it was before this gate's last action: a
  // decision taken from it could repeat or undo that action.
  bool cacheBehindOwnAction(const std::string& key, const nlohmann::json& deployment);
  // podReadinessGate: True on the pods of passed revisions, False on pods of the others that are
  // not True already (see actions::decidePodGate).
  void setPodConditions(const Gate& gate, const Evaluation& evaluation);
  // PUT /status with the gate's resourceVersion; throws ConflictError when the gate changed
  // since (the status was computed from an older copy). Remembers what it wrote (ownWrites_).
  void writeStatus(const std::string& key, const nlohmann::json& gate, const GateStatus& status);
  // The gate as this reconciler last wrote it while the cache still shows an older version of
  // it; otherwise `cached`. Without it, a reconcile woken by the target's watch event (our own
  // action) evaluates from the status before that action: a failure streak one short of its
  // limit, which reads as "not failing" and undoes the pause just made.
  kube::ObjectPtr latestGate(const std::string& key, kube::ObjectPtr cached);
  void recordEvents(const nlohmann::json& gateObject, const Gate* gate,
                    const std::vector<GateEvent>& events);

  // An action went out but the status and Events recording it could not be written: the next
  // reconcile of the gate starts from this status and writes it, so the record of an action
  // survives a failed write (it is in memory only; a restart relies on the Deployment's own
  // record of what the gate did).
  struct Unrecorded {
    std::string gateUid;
    GateStatus status;
    std::vector<GateEvent> events;
  };
  // Removes and returns the record of gate `key`, if it is for the gate object `gateUid`.
  std::optional<Unrecorded> takeUnrecorded(const std::string& key, const std::string& gateUid);
  void keepUnrecorded(const std::string& key, Unrecorded record);

  // The target's uid and metadata.generation right after the gate's last action.
  struct AwaitedTarget {
    std::string uid;
    int64_t generation = 0;
  };

  // When gate `key` (the object `gateUid`) last ran a round whose status was written or needed
  // no write: lastEvaluationTime in status may be older by up to the heartbeat.
  struct LastRound {
    std::string gateUid;
    Time at;
  };
  std::optional<Time> lastRound(const std::string& key, const std::string& gateUid);
  void rememberRound(const std::string& key, const std::string& gateUid, Time at);

  // A status write the informer has not delivered yet (as client-go's MutationCache keeps).
  // `superseded`: the resourceVersions it replaced, oldest first; while the cache shows one of
  // them, the cache is behind. resourceVersions are opaque, so they are never ordered. Of the
  // written gate only its resourceVersion and decoded status are kept (every gate written holds
  // one until its next round): a status write changes nothing else the cache keeps.
  struct OwnWrite {
    std::string gateUid;
    std::vector<std::string> superseded;
    std::string resourceVersion;
    GateStatus status;
  };

  // The gate as read from a cache snapshot: its parsed spec and its stored status. Snapshots
  // never change, and at steady state a gate's snapshot stays the same from round to round: it is
  // read once, not every round (the cache keeps both as text, see stored_gate.hpp). The
  // snapshot is held weakly, so a replaced one is freed and never matches again.
  struct ParsedGate {
    std::weak_ptr<const nlohmann::json> object;
    std::shared_ptr<const GateParseResult> result;
    std::shared_ptr<const GateStatus> stored;
  };
  ParsedGate parse(const std::string& key, const kube::ObjectPtr& object);
  // The static results the gate's last round left (see static_results.hpp); nullptr: none.
  std::shared_ptr<const StaticResults> keptStaticResults(const std::string& key);
  void keepStaticResults(const std::string& key, std::shared_ptr<const StaticResults> results);

  ReconcilerDeps deps_;
  std::mutex mu_;
  std::map<std::string, ParsedGate> parsedGates_;
  std::map<std::string, LastRound> lastRounds_;
  std::map<std::string, Unrecorded> unrecorded_;
  std::map<std::string, AwaitedTarget> awaited_;
  std::map<std::string, OwnWrite> ownWrites_;
  std::map<std::string, std::shared_ptr<const StaticResults>> staticResults_;
};

}  // namespace rg
