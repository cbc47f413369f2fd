#include "reconcilers/reconciler/gate_reconciler.hpp"

#include <spdlog/spdlog.h>

#include "operator/cluster_cache.hpp"
#include "operator/kube/api_error.hpp"
#include "operator/kube/event_recorder.hpp"
#include "operator/kube/rest_client.hpp"
#include "reconcilers/actions/pod_readiness.hpp"
#include "reconcilers/providers/runtime_checks.hpp"
#include "reconcilers/spec_parser.hpp"

namespace rg {
namespace {

using nlohmann::json;
constexpr int kStatusWriteAttempts = 4;

std::chrono::nanoseconds untilNextRound(const Gate& gate, const GateStatus& status, Time now) {
  auto interval = gate.spec.interval.value();
  auto last = parseTime(status.lastEvaluationTime);
  if (!last) return interval;
  auto wait = *last + interval - now;
  return std::max<std::chrono::nanoseconds>(wait, std::chrono::milliseconds(1));
}

}  // namespace

GateReconciler::GateReconciler(ReconcilerDeps deps) : deps_(std::move(deps)) {
  if (!deps_.now) deps_.now = [] { return std::chrono::system_clock::now(); };
}

kube::WorkResult GateReconciler::reconcile(const std::string& key) {
  auto started = std::chrono::steady_clock::now();
  auto object = deps_.cache->gate(key);
  auto slash = key.find('/');
  std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
  if (!object) {
    if (deps_.observer) deps_.observer->gateDeleted(ns, name);
    return kube::WorkResult::ok();
  }
  const Time now = deps_.now();
  GateStatus previous = statusFromJson(object->value("status", json::object()));
  const json metadata = object->value("metadata", json::object());
  const int64_t generation = metadata.value("generation", int64_t{0});

  auto parsed = parseGate(*object);
  if (!parsed.gate) {
    Evaluation evaluation = invalidGate(previous, generation, parsed.errorSummary(), now);
    spdlog::warn("gate {}: invalid spec: {}", key, parsed.errorSummary());
    try {
      if (toJson(evaluation.status) != toJson(previous)) writeStatus(*object, evaluation.status);
    } catch (const std::exception& e) {
      return kube::WorkResult::failed(e.what());
    }
    recordEvents(*object, nullptr, evaluation.events);
    if (deps_.observer) deps_.observer->gateInvalid(ns, name);
    return kube::WorkResult::ok();  // nothing changes until the spec does
  }
  const Gate& gate = *parsed.gate;
  auto workload = deps_.cache->workload(gate.namespace_, gate.spec.targetRef.name);

  EvaluationInput input{&gate, workload ? &*workload : nullptr, &previous, now,
                        [this](const CheckSpec& check, std::optional<double> baseline) {
                          auto result = deps_.runtime->evaluate(check, baseline);
                          return RuntimeOutcome{result.result, result.measured};
                        }};
  Evaluation evaluation = evaluateGate(input);

  try {
    if (evaluation.action.kind != ActionKind::None) {
      sendAction(gate, evaluation.action);
      if (deps_.observer) deps_.observer->actionTaken(evaluation.action.kind);
    }
    if (gate.spec.podReadinessGate && workload && !gate.spec.suspend) {
      const Condition* ready = evaluation.status.condition("Ready");
      setPodConditions(gate, !evaluation.criticalFailing, ready ? ready->message : "");
    }
    if (toJson(evaluation.status) != toJson(previous)) writeStatus(*object, evaluation.status);
  } catch (const std::exception& e) {
    // Nothing of this evaluation is recorded; the retry evaluates again from the same status.
    spdlog::warn("gate {}: {}", key, e.what());
    return kube::WorkResult::failed(e.what());
  }
  recordEvents(*object, &gate, evaluation.events);
  if (evaluation.action.kind != ActionKind::None && workload) {
    spdlog::info("gate {}: {} Deployment {}", key, evaluation.action.message,
                 gate.spec.targetRef.name);
  }
  if (deps_.observer)
    deps_.observer->gateEvaluated(gate, evaluation, std::chrono::steady_clock::now() - started);
  return kube::WorkResult::after(untilNextRound(gate, evaluation.status, now));
}

void GateReconciler::sendAction(const Gate& gate, const PlannedAction& action) {
  auto type = action.kind == ActionKind::Rollback ? kube::PatchType::Json : kube::PatchType::Merge;
  deps_.client->patch(resources::kDeployments, gate.namespace_, gate.spec.targetRef.name, type,
                      action.patch);
}

void GateReconciler::setPodConditions(const Gate& gate, bool ready, const std::string& message) {
  const std::string type = actions::conditionType(gate.name);
  const std::string now = formatTime(deps_.now());
  const std::string reason = ready ? "ChecksPassing" : "ChecksFailing";
  for (const auto& pod : deps_.cache->podsOf(gate.namespace_, gate.spec.targetRef.name)) {
    auto patch = actions::planPodCondition(*pod, type, ready, reason, message, now);
    if (!patch) continue;
    try {
      deps_.client->patchStatus(resources::kPods, gate.namespace_, kube::objectName(*pod),
                                kube::PatchType::StrategicMerge, *patch);
    } catch (const kube::NotFoundError&) {
      // The pod went away meanwhile: nothing to gate.
    }
  }
}

void GateReconciler::writeStatus(const json& gateObject, const GateStatus& status) {
  json body = gateObject;
  for (int attempt = 1;; ++attempt) {
    body["status"] = toJson(status);
    try {
      deps_.client->updateStatus(resources::kReadinessGates, body);
      return;
    } catch (const kube::NotFoundError&) {
      return;  // deleted meanwhile
    } catch (const kube::ConflictError&) {
      if (attempt >= kStatusWriteAttempts) throw;
      body = deps_.client->get(resources::kReadinessGates, kube::objectNamespace(gateObject),
                               kube::objectName(gateObject));
    }
  }
}

void GateReconciler::recordEvents(const json& gateObject, const Gate* gate,
                                  const std::vector<GateEvent>& events) {
  if (!deps_.events || events.empty()) return;
  auto gateRef = kube::ObjectReference::fromObject(gateObject, kGateApiVersion, kGateKind);
  std::optional<kube::ObjectReference> targetRef;
  for (const auto& event : events) {
    auto type = event.type == "Warning" ? kube::EventType::Warning : kube::EventType::Normal;
    deps_.events->record(gateRef, type, event.reason, event.message);
    if (!event.alsoOnTarget || !gate) continue;
    if (!targetRef) {
      auto deployment = deps_.cache->deployment(gate->namespace_, gate->spec.targetRef.name);
      if (!deployment) continue;
      targetRef = kube::ObjectReference::fromObject(*deployment, "apps/v1", "Deployment");
    }
    deps_.events->record(*targetRef, type, event.reason,
                         "ReadinessGate " + gate->name + ": " + event.message);
  }
}

}  // namespace rg
