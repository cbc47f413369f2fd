#pragma once
// The ReadinessGate's .status, typed, with conversion from and to the API object.
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "reconcilers/checks/check_result.hpp"

namespace rg {

using Time = std::chrono::system_clock::time_point;

// metav1.Time: RFC 3339 in UTC with second precision ("2026-11-22T10:00:00Z").
std::string formatTime(Time time);
// With milliseconds ("2026-11-22T10:00:00.250Z"), for times that schedule work.
std::string formatTimeMillis(Time time);
std::optional<Time> parseTime(const std::string& text);

// Inconclusive: no Critical check is failing, but one could not be evaluated, so the gate cannot
// say Passing.
enum class Phase { Pending, Passing, Failing, Paused, RolledBack, Invalid, Inconclusive };
const char* toString(Phase phase);

struct CheckStatus {
  std::string name;
  CheckOutcome result = CheckOutcome::Inconclusive;
  std::string value;
  std::string message;
  int64_t consecutiveFailures = 0;
  std::string lastTransitionTime;
  // Inconclusive rounds in a row of the current revision; what inconclusiveLimit counts.
  int64_t consecutiveInconclusive = 0;

  bool operator==(const CheckStatus&) const = default;
};

struct LastAction {
  std::string type;  // Pause | Resume | Rollback
  std::string fromRevision;
  std::string toRevision;
  std::string badTemplateHash;
  std::string toTemplateHash;  // the revision chosen by the rollback: never acted on again
  std::string time;
  std::string message;

  bool operator==(const LastAction&) const = default;
};

// metav1.Condition.
struct Condition {
  std::string type;
  std::string status;  // True | False | Unknown
  int64_t observedGeneration = 0;
  std::string lastTransitionTime;
  std::string reason;
  std::string message;

  bool operator==(const Condition&) const = default;
};

struct GateStatus {
  int64_t observedGeneration = 0;
  std::optional<Phase> phase;
  std::string targetRevision;
  // metadata.uid of the Deployment this status describes: one deleted and created again under
  // the same name is a new target, whose history starts over.
  std::string targetUID;
  std::string lastEvaluationTime;
  std::map<std::string, std::string> baselines;
  std::vector<CheckStatus> checks;
  std::optional<LastAction> lastAction;
  bool pausedByGate = false;
  // Template hashes this gate rolled back from: never rolled back to, never rolled back twice.
  std::vector<std::string> badTemplateHashes;
  // Template hashes of revisions that passed while current (newest last, bounded): the revisions
  // whose pods podReadinessGate lets serve.
  std::vector<std::string> passedTemplateHashes;
  std::vector<Condition> conditions;

  const CheckStatus* check(const std::string& name) const;
  const Condition* condition(const std::string& type) const;
  // Sets a condition, keeping lastTransitionTime unless the status changes (as
  // apimachinery's meta.SetStatusCondition does).
  void setCondition(Condition condition, const std::string& now);

  bool operator==(const GateStatus&) const = default;
};

// Lenient: fields of the wrong type are ignored, so a hand-edited status never blocks the gate.
GateStatus statusFromJson(const nlohmann::json& status);
nlohmann::json toJson(const GateStatus& status);

// The operator's cache keeps a gate's status as its compact JSON text, packed (packed_text.hpp),
// not as a tree: the status is read once per snapshot, and as a tree it took two thirds of a
// cached gate's memory. compactStoredStatus turns an object .status into that text;
// storedStatus reads either form (a gate just written by the operator itself still has its
// status as an object).
void compactStoredStatus(nlohmann::json& gate);
GateStatus storedStatus(const nlohmann::json& gate);

}  // namespace rg
