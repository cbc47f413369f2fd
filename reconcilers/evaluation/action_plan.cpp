#include "reconcilers/evaluation/action_plan.hpp"

#include <algorithm>
#include <set>

#include "kube/object_views.hpp"
#include "reconcilers/actions/pause.hpp"
#include "reconcilers/actions/rollback.hpp"

namespace rg {
namespace {

using nlohmann::json;

constexpr size_t kMaxBadHashes = 10;

// The pod-template-hash of the ReplicaSet carrying the Deployment's current revision.
std::string currentTemplateHash(const Workload& workload) {
  const std::string revision = kube::DeploymentView(workload.deployment).revisionText();
  if (revision.empty()) return "";
  for (const json& rs : actions::controlledReplicaSets(workload.deployment, workload.replicaSets)) {
    const kube::ReplicaSetView view(rs);
    if (view.revisionText() == revision) return view.podTemplateHash();
  }
  return "";
}

// True when the current revision is the one a gate's rollback restored, read from the cluster
// alone: the current ReplicaSet was re-activated (the controller records the revisions it had in
// revision-history) and the revision just below it has a template hash recorded as rolled back
// on the Deployment. This survives a status lost between the rollback patch and the status write
// (an operator killed in between).
bool restoredByRollback(const Workload& workload) {
  auto current = kube::DeploymentView(workload.deployment).revision();
  if (!current) return false;
  const std::set<std::string> recorded = actions::recordedBadHashes(workload.deployment);
  if (recorded.empty()) return false;
  const json* restored = nullptr;
  const json* below = nullptr;
  int64_t belowRevision = 0;
  for (const json& rs : actions::controlledReplicaSets(workload.deployment, workload.replicaSets)) {
    auto revision = kube::ReplicaSetView(rs).revision();
    if (!revision) continue;
    if (*revision == *current) restored = &rs;
    if (*revision < *current && (!below || *revision > belowRevision)) {
      below = &rs;
      belowRevision = *revision;
    }
  }
  if (!restored || !below) return false;
  if (kube::ReplicaSetView(*restored).revisionHistory().empty()) return false;
  return recorded.contains(kube::ReplicaSetView(*below).podTemplateHash()) &&
         !recorded.contains(kube::ReplicaSetView(*restored).podTemplateHash());
}

// The revision annotations describe the template the deployment controller last observed. Right
// after a rollback (or any template change) the Deployment carries the new template under the old
// revision until the controller catches up; acting then would judge the wrong revision (a rollback
// just sent would look like its bad revision and be paused). The Deployment and its ReplicaSets
// come from two watches, so the cache can also hold a Deployment the controller has observed next
// to ReplicaSets that do not show it yet: the current revision's ReplicaSet must carry the
// Deployment's template. Missing fields: nothing to compare.
bool rolloutObserved(const Workload& workload) {
  const kube::DeploymentView deployment(workload.deployment);
  const auto generation = deployment.generation();
  const auto observed = deployment.observedGeneration();
  if (generation && observed && *observed < *generation) return false;
  const std::string revision = deployment.revisionText();
  // The template may be kept as text: compared by digest, never parsed here.
  if (revision.empty() || !actions::hasTemplate(workload.deployment)) return true;
  for (const json& rs : actions::controlledReplicaSets(workload.deployment, workload.replicaSets)) {
    const kube::ReplicaSetView replicaSet(rs);
    if (replicaSet.revisionText() != revision) continue;
    return actions::replicaSetTemplateMatches(rs, workload.deployment).value_or(true);
  }
  // No ReplicaSet carries the Deployment's revision yet.
  return workload.replicaSets.empty();
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return !value.empty() && std::find(list.begin(), list.end(), value) != list.end();
}

// Bad hashes from status and from the Deployment's annotation (which survives a lost status).
std::set<std::string> knownBadHashes(const GateStatus& status, const json& deployment) {
  std::set<std::string> known = actions::recordedBadHashes(deployment);
  known.insert(status.badTemplateHashes.begin(), status.badTemplateHashes.end());
  return known;
}

void recordAction(Evaluation& out, const std::string& type, const std::string& message,
                  const std::string& now) {
  LastAction action;
  action.type = type;
  action.message = message;
  action.time = now;
  out.status.lastAction = std::move(action);
}

void pause(const EvaluationInput& in, Evaluation& out, const std::string& why,
           const std::string& now) {
  const Gate& gate = *in.gate;
  out.action = {ActionKind::Pause, actions::pauseByGatePatch(gate.name),
                "paused the rollout: " + why};
  out.status.pausedByGate = true;
  recordAction(out, "Pause", out.action.message, now);
  out.status.lastAction->fromRevision = out.status.targetRevision;
  out.status.setCondition({"Paused", "True", gate.generation, "", "ChecksFailing", why}, now);
  out.events.push_back({"Warning", "RolloutPaused", out.action.message, true});
}

// Returns true when a rollback was planned; otherwise `why` says why not.
bool rollback(const EvaluationInput& in, Evaluation& out, const std::string& failing,
              const std::string& now, std::string& why) {
  const Workload& workload = *in.workload;
  GateStatus& status = out.status;
  std::string current = currentTemplateHash(workload);
  const std::set<std::string> known = knownBadHashes(status, workload.deployment);
  if (!current.empty() && known.contains(current)) {
    why = "revision " + status.targetRevision + " was already rolled back once";
    return false;
  }
  auto plan = actions::planRollback(workload.deploymentWithTemplate(), workload.replicaSets, known);
  if (!plan.possible) {
    why = plan.reason;
    return false;
  }
  // The bad hash is recorded on the Deployment in the same patch, so it survives restarts.
  actions::recordBadHash(plan, known);
  std::string target = plan.toTemplateHash;
  std::string message = "rolled back from revision " + std::to_string(plan.fromRevision) + " to " +
                        std::to_string(plan.toRevision) + ": " + failing;
  out.action = {ActionKind::Rollback, plan.jsonPatch, message};
  recordAction(out, "Rollback", message, now);
  status.lastAction->fromRevision = std::to_string(plan.fromRevision);
  status.lastAction->toRevision = std::to_string(plan.toRevision);
  status.lastAction->badTemplateHash =
      plan.badTemplateHash.empty() ? current : plan.badTemplateHash;
  status.lastAction->toTemplateHash = target;
  if (!status.lastAction->badTemplateHash.empty()) {
    status.badTemplateHashes.push_back(status.lastAction->badTemplateHash);
    if (status.badTemplateHashes.size() > kMaxBadHashes)
      status.badTemplateHashes.erase(status.badTemplateHashes.begin());
  }
  status.setCondition({"RolledBack", "True", in.gate->generation, "", "ThresholdExceeded",
                       "rolled back from revision " + std::to_string(plan.fromRevision) + " to " +
                           std::to_string(plan.toRevision)},
                      now);
  out.events.push_back({"Warning", "RolledBack", message, true});
  return true;
}

std::string failingSummary(const Evaluation& out) {
  const Condition* ready = out.status.condition("Ready");
  return ready ? ready->message : "checks failing";
}

}  // namespace

void planGateAction(const EvaluationInput& in, Evaluation& out) {
  const Gate& gate = *in.gate;
  const Workload& workload = *in.workload;
  GateStatus& status = out.status;
  const std::string now = formatTime(in.now);

  const bool deploymentPaused = actions::isPaused(workload.deployment);
  // The annotation, written in the same patch as spec.paused, is the record of who paused it:
  // a Deployment resumed and paused again by hand is not the gate's to resume.
  status.pausedByGate = actions::pausedByGate(workload.deployment, gate.name);

  // The revision a rollback chose is not acted on again: its metrics may lag behind.
  const std::string current = currentTemplateHash(workload);
  const bool onRolledBackRevision =
      (status.lastAction && status.lastAction->type == "Rollback" && !current.empty() &&
       current == status.lastAction->toTemplateHash) ||
      restoredByRollback(workload);
  if (const Condition* rolledBack = status.condition("RolledBack");
      rolledBack && rolledBack->status == "True" && !onRolledBackRevision && !current.empty() &&
      !contains(status.badTemplateHashes, current)) {
    status.setCondition({"RolledBack", "False", gate.generation, "", "NewRevision",
                         "revision " + status.targetRevision + " rolled out after the rollback"},
                        now);
  }

  if (gate.spec.suspend) return;
  if (out.criticalFailing) {
    if (gate.spec.onFailure == FailureAction::Report || onRolledBackRevision) return;
    // The controller's status update re-enqueues the gate: the decision is only deferred.
    if (!rolloutObserved(workload)) return;
    std::string why = failingSummary(out);
    if (gate.spec.onFailure == FailureAction::Rollback) {
      std::string notPossible;
      if (rollback(in, out, why, now, notPossible)) return;
      why = why + " (no rollback: " + notPossible + ")";
    }
    if (!deploymentPaused) pause(in, out, why, now);
    return;
  }
  // A Critical check that cannot be evaluated has not passed: resuming would roll on blind.
  if (status.pausedByGate && !out.criticalInconclusive) {
    out.action = {ActionKind::Resume, actions::resumeByGatePatch(workload.deployment),
                  "resumed the rollout: every critical check passes"};
    status.pausedByGate = false;
    recordAction(out, "Resume", out.action.message, now);
    status.setCondition(
        {"Paused", "False", gate.generation, "", "ChecksPassing", "every critical check passes"},
        now);
    out.events.push_back({"Normal", "RolloutResumed", out.action.message, true});
  }
}

std::string currentRevisionTemplateHash(const Workload& workload) {
  return currentTemplateHash(workload);
}

bool targetRolloutObserved(const Workload& workload) {
  return rolloutObserved(workload);
}

}  // namespace rg
