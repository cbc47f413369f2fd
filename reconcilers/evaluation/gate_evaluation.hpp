#pragma once
// One evaluation of a gate: checks -> new status, Events and the action the
// Deployment needs. Pure: runtime checks come in through a callback, and the
// caller sends the resulting patches and status.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "reconcilers/checks/workload.hpp"
#include "reconcilers/spec/gate_spec.hpp"
#include "reconcilers/status/gate_status.hpp"

namespace rg {

// What a runtime check measured: the result plus the raw value (for baselines).
struct RuntimeOutcome {
  CheckResult result;
  std::optional<double> measured;
};

using RuntimeCheckRunner =
    std::function<RuntimeOutcome(const CheckSpec& check, std::optional<double> baseline)>;

// A maxIncreasePercent baseline measured over a window of the previous revision.
struct BaselineMeasurement {
  std::optional<double> value;  // finite; nullopt: none (note says why)
  std::string note;             // how it was taken, or why there is none
};

using BaselineRunner = std::function<BaselineMeasurement(const CheckSpec& check)>;

struct GateEvent {
  std::string type;  // Normal | Warning
  std::string reason;
  std::string message;
  bool alsoOnTarget = false;  // recorded on the Deployment too
};

enum class ActionKind { None, Pause, Resume, Rollback };

struct PlannedAction {
  ActionKind kind = ActionKind::None;
  nlohmann::json patch;  // merge patch (Pause/Resume) or JSON patch (Rollback)
  std::string message;   // for the Event and status.lastAction
};

struct Evaluation {
  GateStatus status;
  std::vector<GateEvent> events;
  PlannedAction action;
  bool round = false;                 // runtime checks ran; counters advanced
  Time at{};                          // EvaluationInput::now
  bool criticalFailing = false;       // a Critical check reached its failureLimit
  bool criticalInconclusive = false;  // a Critical check could not be evaluated
  // The pod-template-hash of the target's current revision ("" when unknown), and the Critical
  // checks keeping it from passing (any result but Passed): what podReadinessGate tells pods.
  std::string currentTemplateHash;
  std::vector<std::string> blockingChecks;
  // The earliest CheckResult::recheckAt of the checks: evaluate again then, even if no
  // object changes before the next round.
  std::optional<Time> recheckAt;
};

struct EvaluationInput {
  const Gate* gate = nullptr;
  const Workload* workload = nullptr;  // nullptr: the target Deployment does not exist
  const GateStatus* previous = nullptr;
  Time now;
  RuntimeCheckRunner runRuntime;
  // Called once per check and revision change; empty: the last sample is the baseline.
  BaselineRunner measureBaseline = {};
  // When the last round ran, as the caller remembers it; nullopt: status.lastEvaluationTime.
  std::optional<Time> lastRound = std::nullopt;
  // How often a round refreshes lastEvaluationTime when nothing a user sees changed (see
  // status_heartbeat.hpp); zero: every round.
  std::chrono::nanoseconds statusHeartbeat{0};
  // Evaluates a static check (of gate->spec.checks); empty: checks::evaluateStatic on the
  // workload. The reconciler keeps results while their objects stay the same.
  std::function<CheckResult(const CheckSpec& check)> evaluateStatic = {};
};

Evaluation evaluateGate(const EvaluationInput& input);

// The runtime checks evaluateGate(input) runs: each one in a round, else only those without a
// status yet; none without a target. Lets a caller start their calls (all at once) first.
std::vector<const CheckSpec*> runtimeChecksToCall(const EvaluationInput& input);

// Status for a gate whose spec does not parse: phase Invalid, Ready=False/InvalidSpec.
Evaluation invalidGate(const GateStatus& previous, int64_t generation, const std::string& message,
                       Time now);

}  // namespace rg
