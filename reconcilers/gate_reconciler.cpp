#include "reconcilers/gate_reconciler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "kube/api_error.hpp"
#include "kube/json_fields.hpp"
#include "kube/object_views.hpp"
#include "reconcilers/actions/pod_readiness.hpp"
#include "reconcilers/evaluation/recheck.hpp"
#include "reconcilers/providers/revision_variables.hpp"
#include "reconcilers/providers/runtime_check_pool.hpp"
#include "reconcilers/providers/runtime_checks.hpp"
#include "reconcilers/spec/spec_parser.hpp"
#include "reconcilers/spec/stored_gate.hpp"

namespace rg {
namespace {

using nlohmann::json;

std::chrono::nanoseconds untilNextRound(const Gate& gate, std::optional<Time> last, Time now) {
  auto interval = gate.spec.interval.value();
  if (!last) return interval;
  auto wait = *last + interval - now;
  return std::max<std::chrono::nanoseconds>(wait, std::chrono::milliseconds(1));
}

// Equal values serialize equally; JSON decides only when they differ.
bool statusChanged(const GateStatus& next, const GateStatus& stored) {
  return next != stored && toJson(next) != toJson(stored);
}

}  // namespace

GateReconciler::GateReconciler(ReconcilerDeps deps) : deps_(std::move(deps)) {
  if (!deps_.now) deps_.now = [] { return std::chrono::system_clock::now(); };
}

GateReconciler::ParsedGate GateReconciler::parse(const std::string& key,
                                                 const kube::ObjectPtr& object) {
  {
    std::lock_guard lock(mu_);
    auto it = parsedGates_.find(key);
    if (it != parsedGates_.end() && it->second.object.lock() == object) return it->second;
  }
  ParsedGate parsed{object,
                    std::make_shared<const GateParseResult>(parseGate(withStoredSpec(*object))),
                    std::make_shared<const GateStatus>(storedStatus(*object))};
  std::lock_guard lock(mu_);
  parsedGates_[key] = parsed;
  return parsed;
}

kube::WorkResult GateReconciler::reconcile(const std::string& key) {
  auto started = std::chrono::steady_clock::now();
  auto object = latestGate(key, deps_.cache->gate(key));
  auto slash = key.find('/');
  std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
  if (!object) {
    takeUnrecorded(key, "");  // deleted: nothing left to record it on
    deps_.runtimeChecks->forget(key);
    {
      std::lock_guard lock(mu_);
      awaited_.erase(key);
      parsedGates_.erase(key);
      lastRounds_.erase(key);
      ownWrites_.erase(key);
      staticResults_.erase(key);
    }
    if (deps_.observer) deps_.observer->gateDeleted(ns, name);
    return kube::WorkResult::ok();
  }
  const Time now = deps_.now();
  const kube::ObjectMetaView metadata(*object);
  const int64_t generation = metadata.generation().value_or(0);
  // What the API server holds, and what this evaluation builds on: the same, unless an earlier
  // action is still to be recorded.
  const ParsedGate read = parse(key, object);
  const GateStatus& stored = *read.stored;
  std::optional<Unrecorded> unrecorded = takeUnrecorded(key, metadata.uid());
  const GateStatus previous = unrecorded ? unrecorded->status : stored;
  const std::vector<GateEvent> pendingEvents =
      unrecorded ? unrecorded->events : std::vector<GateEvent>{};

  const GateParseResult& parsed = *read.result;
  if (!parsed.gate) {
    Evaluation evaluation = invalidGate(previous, generation, parsed.errorSummary(), now);
    spdlog::warn("gate {}: invalid spec: {}", key, parsed.errorSummary());
    try {
      if (statusChanged(evaluation.status, stored)) writeStatus(key, *object, evaluation.status);
    } catch (const std::exception& e) {
      if (unrecorded) keepUnrecorded(key, std::move(*unrecorded));
      return kube::WorkResult::failed(e.what());
    }
    recordEvents(*object, nullptr, pendingEvents);
    recordEvents(*object, nullptr, evaluation.events);
    if (deps_.observer) deps_.observer->gateInvalid(ns, name);
    return kube::WorkResult::ok();  // nothing changes until the spec does
  }
  const Gate& gate = *parsed.gate;
  auto workload = deps_.cache->workload(gate.namespace_, gate.spec.targetRef.name);
  if (workload && cacheBehindOwnAction(key, workload->deployment)) {
    // The Deployment's watch event re-enqueues the gate once the cache has caught up.
    spdlog::debug("gate {}: waiting for the cache to show the Deployment after the last action",
                  key);
    if (unrecorded) keepUnrecorded(key, std::move(*unrecorded));
    return kube::WorkResult::after(gate.spec.interval.value());
  }

  // {{...}} in queries and URLs: the values of the target's current revision.
  const providers::RevisionVariables variables =
      workload ? providers::revisionVariables(gate, *workload) : providers::RevisionVariables{};
  const std::string gateUid = metadata.uid();
  // Runtime calls go through the pool: a round whose answers are not in yet gives the worker back
  // and comes again when they are (the pool queues the gate), acting on nothing meanwhile.
  auto round = deps_.runtimeChecks->round(key);
  const providers::RuntimeEvaluator runtime(round);
  EvaluationInput input{
      &gate, workload ? &*workload : nullptr, &previous, now,
      [&runtime, &variables](const CheckSpec& check, std::optional<double> baseline) {
        auto result = runtime.evaluate(check, baseline, &variables);
        return RuntimeOutcome{result.result, result.measured};
      }};
  input.measureBaseline = [&runtime, &gate, &workload, &previous](const CheckSpec& check) {
    // Revisions this gate rolled back never serve as a baseline.
    auto before =
        workload ? providers::previousRevisionVariables(gate, *workload, previous.badTemplateHashes)
                 : std::nullopt;
    if (!before) return BaselineMeasurement{std::nullopt, "no earlier revision to average"};
    auto window = runtime.windowBaseline(check, *before);
    return BaselineMeasurement{window.value, window.note};
  };
  input.lastRound = lastRound(key, gateUid);
  input.statusHeartbeat = deps_.statusHeartbeat;
  std::optional<StaticCheckRound> statics;
  if (workload) {
    statics.emplace(keptStaticResults(key), read.result, gate, *workload, previous);
    input.evaluateStatic = [&statics](const CheckSpec& check) { return statics->evaluate(check); };
  }
  // Start every call the evaluation makes, all at once, then evaluate once they answered.
  for (const CheckSpec* check : runtimeChecksToCall(input)) runtime.startCall(*check, &variables);
  Evaluation evaluation;
  if (!round.pending() || round.settle()) {
    evaluation = evaluateGate(input);
    // A call not started above (a baseline window, on a new revision) is waited for alike.
    if (round.pending() && round.settle()) evaluation = evaluateGate(input);
    keepStaticResults(key, statics ? statics->results() : nullptr);
  }
  if (round.pending()) {
    spdlog::debug("gate {}: waiting for runtime check answers", key);
    if (unrecorded) keepUnrecorded(key, std::move(*unrecorded));
    return kube::WorkResult::after(gate.spec.interval.value());
  }

  bool actionSent = false;
  try {
    if (evaluation.action.kind != ActionKind::None) {
      sendAction(key, gate, evaluation.action);
      actionSent = true;
      if (deps_.observer) deps_.observer->actionTaken(evaluation.action.kind);
    }
    if (gate.spec.podReadinessGate && workload && !gate.spec.suspend)
      setPodConditions(gate, evaluation);
    if (statusChanged(evaluation.status, stored)) writeStatus(key, *object, evaluation.status);
  } catch (const std::exception& e) {
    // The retry evaluates again from the same status, or, once an action went out, from the
    // status recording it.
    spdlog::warn("gate {}: {}", key, e.what());
    if (actionSent) {
      std::vector<GateEvent> events = pendingEvents;
      events.insert(events.end(), evaluation.events.begin(), evaluation.events.end());
      keepUnrecorded(key, {metadata.uid(), evaluation.status, std::move(events)});
    } else if (unrecorded) {
      keepUnrecorded(key, std::move(*unrecorded));
    }
    return kube::WorkResult::failed(e.what());
  }
  // Only once its status is safe: a round whose write failed runs again on the retry.
  if (evaluation.round) {
    rememberRound(key, gateUid, now);
    input.lastRound = now;
  }
  recordEvents(*object, &gate, pendingEvents);
  recordEvents(*object, &gate, evaluation.events);
  if (evaluation.action.kind != ActionKind::None && workload) {
    spdlog::info("gate {}: {} Deployment {}", key, evaluation.action.message,
                 gate.spec.targetRef.name);
  }
  if (deps_.observer)
    deps_.observer->gateEvaluated(gate, evaluation, std::chrono::steady_clock::now() - started);
  return kube::WorkResult::after(requeueAfter(
      untilNextRound(
          gate, input.lastRound ? input.lastRound : parseTime(evaluation.status.lastEvaluationTime),
          now),
      evaluation.recheckAt, now));
}

std::shared_ptr<const StaticResults> GateReconciler::keptStaticResults(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = staticResults_.find(key);
  return it == staticResults_.end() ? nullptr : it->second;
}

void GateReconciler::keepStaticResults(const std::string& key,
                                       std::shared_ptr<const StaticResults> results) {
  std::lock_guard lock(mu_);
  if (results)
    staticResults_[key] = std::move(results);
  else
    staticResults_.erase(key);
}

std::optional<Time> GateReconciler::lastRound(const std::string& key, const std::string& gateUid) {
  std::lock_guard lock(mu_);
  auto it = lastRounds_.find(key);
  if (it == lastRounds_.end() || it->second.gateUid != gateUid) return std::nullopt;
  return it->second.at;
}

void GateReconciler::rememberRound(const std::string& key, const std::string& gateUid, Time at) {
  std::lock_guard lock(mu_);
  lastRounds_[key] = {gateUid, at};
}

std::optional<GateReconciler::Unrecorded> GateReconciler::takeUnrecorded(
    const std::string& key, const std::string& gateUid) {
  std::lock_guard lock(mu_);
  auto it = unrecorded_.find(key);
  if (it == unrecorded_.end()) return std::nullopt;
  Unrecorded record = std::move(it->second);
  unrecorded_.erase(it);
  // A gate deleted and created again under the same name is another object.
  if (record.gateUid != gateUid) return std::nullopt;
  return record;
}

void GateReconciler::keepUnrecorded(const std::string& key, Unrecorded record) {
  std::lock_guard lock(mu_);
  unrecorded_[key] = std::move(record);
}

bool GateReconciler::cacheBehindOwnAction(const std::string& key, const json& deployment) {
  std::lock_guard lock(mu_);
  auto it = awaited_.find(key);
  if (it == awaited_.end()) return false;
  const kube::DeploymentView view(deployment);
  // Another Deployment under the same name, or the cache caught up: nothing to wait for.
  if (view.uid() != it->second.uid || view.generation().value_or(0) >= it->second.generation) {
    awaited_.erase(it);
    return false;
  }
  return true;
}

void GateReconciler::sendAction(const std::string& key, const Gate& gate,
                                const PlannedAction& action) {
  auto type = action.kind == ActionKind::Rollback ? kube::PatchType::Json : kube::PatchType::Merge;
  const json patched =
      deps_.cluster->patchDeployment(gate.namespace_, gate.spec.targetRef.name, type, action.patch);
  if (!kube::objectAt(patched, "metadata")) return;
  const kube::DeploymentView view(patched);
  std::lock_guard lock(mu_);
  awaited_[key] = {view.uid(), view.generation().value_or(0)};
}

void GateReconciler::setPodConditions(const Gate& gate, const Evaluation& evaluation) {
  const std::string type = actions::conditionType(gate.name);
  const std::string now = formatTime(deps_.now());
  for (const auto& pod : deps_.cache->podsOf(gate.namespace_, gate.spec.targetRef.name)) {
    auto decision =
        actions::decidePodGate(*pod, type, evaluation.status.passedTemplateHashes,
                               evaluation.currentTemplateHash, evaluation.blockingChecks);
    if (!decision) continue;
    auto patch = actions::planPodCondition(*pod, type, decision->status, decision->reason,
                                           decision->message, now);
    if (!patch) continue;
    try {
      deps_.cluster->patchPodStatus(gate.namespace_, kube::objectName(*pod), *patch);
    } catch (const kube::NotFoundError&) {
      // The pod went away meanwhile: nothing to gate.
    }
  }
}

void GateReconciler::statusSeen(const std::string& key, const std::string& resourceVersion) {
  std::lock_guard lock(mu_);
  auto it = ownWrites_.find(key);
  if (it != ownWrites_.end() && it->second.resourceVersion == resourceVersion) ownWrites_.erase(it);
}

std::size_t GateReconciler::unconfirmedWrites() {
  std::lock_guard lock(mu_);
  return ownWrites_.size();
}

kube::ObjectPtr GateReconciler::latestGate(const std::string& key, kube::ObjectPtr cached) {
  json written;
  {
    std::lock_guard lock(mu_);
    auto it = ownWrites_.find(key);
    if (it == ownWrites_.end()) return cached;
    const OwnWrite& own = it->second;
    if (!cached || kube::objectUid(*cached) != own.gateUid ||
        std::ranges::find(own.superseded, kube::objectResourceVersion(*cached)) ==
            own.superseded.end()) {
      // The cache shows our write, or a change by someone else after it.
      ownWrites_.erase(it);
      return cached;
    }
    // The cached gate as the write left it: a status write changes only the status and the
    // resourceVersion.
    written = *cached;
    written["metadata"]["resourceVersion"] = own.resourceVersion;
    written["status"] = toJson(own.status);
  }
  return std::make_shared<const json>(std::move(written));
}

void GateReconciler::writeStatus(const std::string& key, const json& gateObject,
                                 const GateStatus& status) {
  // The status subresource takes nothing but the status from the body (and the resourceVersion
  // as a precondition): the spec, which the cache keeps as text, is not sent.
  json body = json::object();
  for (const char* field : {"apiVersion", "kind", "metadata"})
    if (auto it = gateObject.find(field); it != gateObject.end()) body[field] = *it;
  body["status"] = toJson(status);
  json written;
  try {
    written = deps_.cluster->updateGateStatus(body);
  } catch (const kube::NotFoundError&) {
    return;  // deleted meanwhile
  }
  std::lock_guard lock(mu_);
  const std::string uid = kube::objectUid(gateObject);
  if (!written.is_object() || kube::objectResourceVersion(written).empty() ||
      kube::objectUid(written) != uid) {
    ownWrites_.erase(key);
    return;
  }
  OwnWrite& own = ownWrites_[key];
  if (own.gateUid != uid) own = {uid, {}, {}, {}};
  own.superseded.push_back(kube::objectResourceVersion(gateObject));
  // Writes pile up only while the watch is behind; the oldest are no longer shown by then.
  constexpr size_t kMaxSuperseded = 16;
  if (own.superseded.size() > kMaxSuperseded) own.superseded.erase(own.superseded.begin());
  own.resourceVersion = kube::objectResourceVersion(written);
  own.status = storedStatus(written);
  // A ConflictError propagates: the gate changed since the cached copy this status was computed
  // from (often by our own last status write, not in the cache yet). Writing it anyway could
  // replace a newer status, such as the record of an action; the retry evaluates again.
}

void GateReconciler::recordEvents(const json& gateObject, const Gate* gate,
                                  const std::vector<GateEvent>& events) {
  if (events.empty()) return;
  auto gateRef = kube::ObjectReference::fromObject(gateObject, kGateApiVersion, kGateKind);
  std::optional<kube::ObjectReference> targetRef;
  for (const auto& event : events) {
    auto type = event.type == "Warning" ? kube::EventType::Warning : kube::EventType::Normal;
    deps_.cluster->recordEvent(gateRef, type, event.reason, event.message);
    if (!event.alsoOnTarget || !gate) continue;
    if (!targetRef) {
      auto deployment = deps_.cache->deployment(gate->namespace_, gate->spec.targetRef.name);
      if (!deployment) continue;
      targetRef = kube::ObjectReference::fromObject(*deployment, "apps/v1", "Deployment");
    }
    deps_.cluster->recordEvent(*targetRef, type, event.reason,
                               "ReadinessGate " + gate->name + ": " + event.message);
  }
}

}  // namespace rg
