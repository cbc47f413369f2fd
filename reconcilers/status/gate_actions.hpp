#pragma once
// Decides what a gate does to its Deployment after an evaluation (pause,
// resume, roll back) and records it in the new status.
#include "reconcilers/status/gate_evaluation.hpp"

namespace rg {

// Fills out.action and updates out.status (lastAction, pausedByGate,
// badTemplateHashes, Paused/RolledBack conditions) and out.events.
void planGateAction(const EvaluationInput& in, Evaluation& out);

}  // namespace rg
