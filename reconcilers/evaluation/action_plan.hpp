#pragma once
// Decides what a gate does to its Deployment after an evaluation (pause,
// resume, roll back) and records it in the new status.
#include "reconcilers/evaluation/gate_evaluation.hpp"

namespace rg {

// Fills out.action and updates out.status (lastAction, pausedByGate,
// badTemplateHashes, Paused/RolledBack conditions) and out.events.
void planGateAction(const EvaluationInput& in, Evaluation& out);

// The pod-template-hash of the ReplicaSet whose revision is the Deployment's; "" when none.
std::string currentRevisionTemplateHash(const Workload& workload);
// The deployment controller has observed the Deployment's spec (status.observedGeneration) and
// the cached ReplicaSet of its revision carries its template: the revision annotation describes
// what the Deployment runs.
bool targetRolloutObserved(const Workload& workload);

}  // namespace rg
