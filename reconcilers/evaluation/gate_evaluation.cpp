#include "reconcilers/evaluation/gate_evaluation.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "kube/object_views.hpp"
#include "reconcilers/actions/pod_readiness.hpp"
#include "reconcilers/checks/static_checks.hpp"
#include "reconcilers/evaluation/action_plan.hpp"
#include "reconcilers/status/status_heartbeat.hpp"

namespace rg {
namespace {

using namespace std::chrono_literals;

constexpr size_t kMaxPassedHashes = 10;

std::optional<double> parseNumber(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return value;
}

// A round runs runtime checks and advances failure counters: at most once per
// interval, and at once when the gate or the target's revision changed, so
// failureLimit means interval x failureLimit however often watches fire.
bool isRound(const EvaluationInput& in, const std::string& revision) {
  const GateStatus& previous = *in.previous;
  if (previous.lastEvaluationTime.empty()) return true;
  if (previous.observedGeneration != in.gate->generation) return true;
  if (revision != previous.targetRevision) return true;
  auto last = in.lastRound ? in.lastRound : parseTime(previous.lastEvaluationTime);
  if (!last) return true;
  auto interval = in.gate->spec.interval.value();
  // The queue's delayed add fires at the interval; tolerate scheduling jitter.
  auto tolerance = std::min<std::chrono::nanoseconds>(interval / 10, 500ms);
  return in.now - *last >= interval - tolerance;
}

bool isTargetReplaced(const GateStatus& previous, const std::string& uid) {
  return !previous.targetUID.empty() && !uid.empty() && uid != previous.targetUID;
}

// What the status remembers about one Deployment object: dropped when the target is replaced.
void forgetTarget(GateStatus& status) {
  status.baselines.clear();
  status.badTemplateHashes.clear();
  status.passedTemplateHashes.clear();
  status.lastAction.reset();
  status.pausedByGate = false;
  std::erase_if(status.conditions,
                [](const Condition& c) { return c.type == "RolledBack" || c.type == "Paused"; });
}

std::string numberText(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

struct Baseline {
  std::optional<double> value;
  std::string note;  // set in the round that took it: how
};

// `newRevision`: the target moved to another revision of the same Deployment. The baseline is
// taken once per revision change: the average over threshold.baselineWindow of the previous
// revision (measureBaseline), else the last value seen under it; never from a revision that was
// failing the check.
Baseline baselineFor(const CheckSpec& check, const EvaluationInput& in, bool newRevision,
                     GateStatus& next) {
  if (!check.threshold || !check.threshold->maxIncreasePercent) return {};
  const GateStatus& previous = *in.previous;
  Baseline out;
  if (newRevision && !previous.targetRevision.empty()) {
    const CheckStatus* before = previous.check(check.name);
    if (!before || before->result != CheckOutcome::Failed) {
      BaselineMeasurement window =
          in.measureBaseline ? in.measureBaseline(check) : BaselineMeasurement{};
      if (window.value && std::isfinite(*window.value)) {
        next.baselines[check.name] = numberText(*window.value);
        out.note = "baseline " + next.baselines[check.name] + ": " + window.note;
      } else if (before && before->result == CheckOutcome::Passed && parseNumber(before->value)) {
        next.baselines[check.name] = before->value;
        out.note =
            "baseline " + before->value + ": last sample of revision " + previous.targetRevision;
        if (!window.note.empty()) out.note += " (" + window.note + ")";
      }
    }
  }
  auto it = next.baselines.find(check.name);
  if (it != next.baselines.end()) out.value = parseNumber(it->second);
  return out;
}

struct CheckTally {
  size_t total = 0;
  size_t passed = 0;
  std::vector<std::string> failingCritical;
  std::vector<std::string> failingWarning;
  std::vector<std::string> inconclusiveCritical;
  std::vector<std::string> inconclusiveWarning;
};

// consecutiveInconclusive of a runtime check just run, and inconclusiveLimit applied: that many
// Inconclusive rounds in a row turn into a failure, which then counts toward failureLimit.
// `before`: the check's status in the same revision, or nullptr (the count starts over).
void countInconclusive(const CheckSpec& check, const CheckStatus* before, CheckStatus& status) {
  if (status.result != CheckOutcome::Inconclusive) {
    status.consecutiveInconclusive = 0;
    return;
  }
  // Runtime checks run once per round (or on first sight, when `before` is absent).
  status.consecutiveInconclusive = (before ? before->consecutiveInconclusive : 0) + 1;
  if (!check.inconclusiveLimit || status.consecutiveInconclusive < *check.inconclusiveLimit) return;
  status.result = CheckOutcome::Failed;
  status.message = "inconclusive for " + std::to_string(status.consecutiveInconclusive) +
                   " rounds in a row (inconclusiveLimit " +
                   std::to_string(*check.inconclusiveLimit) + "): " + status.message;
}

// Newest last; a revision passing again (a rollback to it) moves to the end, so the bound drops
// the revisions passed longest ago.
void recordPassed(GateStatus& status, const std::string& hash) {
  auto& passed = status.passedTemplateHashes;
  if (!passed.empty() && passed.back() == hash) return;
  std::erase(passed, hash);
  passed.push_back(hash);
  if (passed.size() > kMaxPassedHashes)
    passed.erase(passed.begin(), passed.end() - kMaxPassedHashes);
}

// The gate sets its pod condition True only on passed revisions: a pod of `hash` carrying it
// proves the revision passed before, even when the status no longer says so (lost, reset, or
// written before passedTemplateHashes existed).
bool podsShowPassed(const Gate& gate, const Workload& workload, const std::string& hash) {
  if (!gate.spec.podReadinessGate) return false;
  const std::string type = actions::conditionType(gate.name);
  for (const auto& pod : workload.pods) {
    if (kube::PodView(pod).podTemplateHash() == hash && actions::podConditionTrue(pod, type))
      return true;
  }
  return false;
}

std::string joinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

Condition readyCondition(const CheckTally& tally, int64_t generation) {
  Condition ready{"Ready", "True", generation, "", "ChecksPassing", ""};
  if (!tally.failingCritical.empty()) {
    size_t failing = tally.failingCritical.size() + tally.failingWarning.size();
    ready.status = "False";
    ready.reason = "ChecksFailing";
    std::vector<std::string> all = tally.failingCritical;
    all.insert(all.end(), tally.failingWarning.begin(), tally.failingWarning.end());
    ready.message = std::to_string(failing) + " of " + std::to_string(tally.total) +
                    " checks failing: " + joinNames(all);
    return ready;
  }
  std::string summary =
      std::to_string(tally.passed) + " of " + std::to_string(tally.total) + " checks passing";
  if (!tally.failingWarning.empty())
    summary += "; warnings failing: " + joinNames(tally.failingWarning);
  if (!tally.inconclusiveWarning.empty())
    summary += "; warnings inconclusive: " + joinNames(tally.inconclusiveWarning);
  if (!tally.inconclusiveCritical.empty()) {
    // Nothing failed, but not everything that matters was seen to pass: neither True nor False.
    ready.status = "Unknown";
    ready.reason = "ChecksInconclusive";
    ready.message =
        "critical checks inconclusive: " + joinNames(tally.inconclusiveCritical) + "; " + summary;
    return ready;
  }
  ready.message = summary;
  return ready;
}

}  // namespace

std::vector<const CheckSpec*> runtimeChecksToCall(const EvaluationInput& in) {
  std::vector<const CheckSpec*> out;
  if (!in.workload) return out;
  const kube::DeploymentView target(in.workload->deployment);
  const bool round =
      isTargetReplaced(*in.previous, target.uid()) || isRound(in, target.revisionText());
  for (const auto& check : in.gate->spec.checks)
    if (isRuntimeCheck(check.body) && (round || !in.previous->check(check.name)))
      out.push_back(&check);
  return out;
}

Evaluation evaluateGate(const EvaluationInput& in) {
  const Gate& gate = *in.gate;
  const GateStatus& previous = *in.previous;
  const std::string now = formatTime(in.now);
  Evaluation out;
  out.at = in.now;
  out.status = previous;
  GateStatus& next = out.status;
  next.observedGeneration = gate.generation;

  if (!in.workload) {
    next.phase = Phase::Pending;
    next.setCondition(
        {"Ready", "False", gate.generation, "", "TargetNotFound",
         "Deployment " + gate.namespace_ + "/" + gate.spec.targetRef.name + " not found"},
        now);
    if (previous.condition("Ready") == nullptr ||
        previous.condition("Ready")->reason != "TargetNotFound")
      out.events.push_back({"Warning", "TargetNotFound",
                            "Deployment " + gate.spec.targetRef.name + " not found", false});
    return out;
  }

  const std::string revision = kube::DeploymentView(in.workload->deployment).revisionText();
  const std::string uid = kube::DeploymentView(in.workload->deployment).uid();
  // A Deployment deleted and created again under the same name is a new object: the rollbacks,
  // bad templates, baselines and failure streaks of the old one say nothing about it.
  const bool targetReplaced = isTargetReplaced(previous, uid);
  if (targetReplaced) forgetTarget(next);
  next.targetUID = uid;
  const bool revisionChanged = targetReplaced || revision != previous.targetRevision;
  out.round = targetReplaced || isRound(in, revision);
  next.targetRevision = revision;

  std::vector<CheckStatus> checks;
  CheckTally tally;
  for (const auto& check : gate.spec.checks) {
    const CheckStatus* before = previous.check(check.name);
    CheckStatus status;
    status.name = check.name;
    bool reused = false;
    if (!isRuntimeCheck(check.body)) {
      CheckResult result = in.evaluateStatic ? in.evaluateStatic(check)
                                             : checks::evaluateStatic(check, *in.workload);
      if (result.recheckAt && (!out.recheckAt || *result.recheckAt < *out.recheckAt))
        out.recheckAt = result.recheckAt;
      status.result = result.outcome;
      status.value = result.value;
      status.message = result.message;
    } else if (out.round || !before) {
      auto baseline = baselineFor(check, in, revisionChanged && !targetReplaced, next);
      RuntimeOutcome outcome =
          in.runRuntime
              ? in.runRuntime(check, baseline.value)
              : RuntimeOutcome{CheckResult::inconclusive("no runtime provider"), std::nullopt};
      status.result = outcome.result.outcome;
      status.value = outcome.result.value;
      status.message = outcome.result.message;
      countInconclusive(check, before && !revisionChanged ? before : nullptr, status);
      if (!baseline.note.empty()) status.message += " [" + baseline.note + "]";
    } else {
      status = *before;
      reused = true;
    }

    const bool wasFailed = before && before->result == CheckOutcome::Failed;
    if (!reused) {
      // A new revision starts its own streak: it is judged on its own failures. Inconclusive
      // rounds in between neither break a streak nor add to it.
      const bool streak = before && !revisionChanged && before->consecutiveFailures > 0 &&
                          before->result != CheckOutcome::Passed;
      switch (status.result) {
        case CheckOutcome::Failed:
          status.consecutiveFailures =
              streak ? before->consecutiveFailures + (out.round ? 1 : 0) : 1;
          if (status.consecutiveFailures < 1) status.consecutiveFailures = 1;
          break;
        case CheckOutcome::Inconclusive:
          // Counts toward no failure, and does not break a streak either.
          status.consecutiveFailures = before && !revisionChanged ? before->consecutiveFailures : 0;
          break;
        default:
          status.consecutiveFailures = 0;
      }
      status.lastTransitionTime =
          before && before->result == status.result ? before->lastTransitionTime : now;
    }

    const bool counted =
        status.result == CheckOutcome::Failed && status.consecutiveFailures >= check.failureLimit;
    const bool countedBefore = wasFailed && before->consecutiveFailures >= check.failureLimit;
    ++tally.total;
    if (status.result == CheckOutcome::Passed) ++tally.passed;
    if (check.severity == Severity::Critical && status.result != CheckOutcome::Passed)
      out.blockingChecks.push_back(check.name);
    if (counted) {
      (check.severity == Severity::Critical ? tally.failingCritical : tally.failingWarning)
          .push_back(check.name);
      if (!countedBefore)
        out.events.push_back({"Warning", "CheckFailed",
                              "check " + check.name + " failed: " + status.message,
                              check.severity == Severity::Critical});
    } else if (status.result == CheckOutcome::Inconclusive) {
      (check.severity == Severity::Critical ? tally.inconclusiveCritical
                                            : tally.inconclusiveWarning)
          .push_back(check.name);
      if (!before || before->result != CheckOutcome::Inconclusive)
        out.events.push_back({"Warning", "CheckInconclusive",
                              "check " + check.name + " is inconclusive: " + status.message,
                              false});
    } else if (status.result == CheckOutcome::Passed && countedBefore) {
      out.events.push_back({"Normal", "CheckRecovered", "check " + check.name + " passes again",
                            check.severity == Severity::Critical});
    }
    checks.push_back(std::move(status));
  }
  next.checks = std::move(checks);
  // Baselines of checks that no longer exist are dropped.
  std::erase_if(next.baselines, [&](const auto& entry) {
    return std::none_of(gate.spec.checks.begin(), gate.spec.checks.end(),
                        [&](const CheckSpec& c) { return c.name == entry.first; });
  });

  out.criticalFailing = !tally.failingCritical.empty();
  out.criticalInconclusive = !tally.inconclusiveCritical.empty();
  out.currentTemplateHash = currentRevisionTemplateHash(*in.workload);
  // Judged only once the controller observed the template: before that, the revision annotation
  // names the old ReplicaSet while the static checks read the new template.
  if (!out.currentTemplateHash.empty() && targetRolloutObserved(*in.workload) &&
      (out.blockingChecks.empty() || podsShowPassed(gate, *in.workload, out.currentTemplateHash)))
    recordPassed(next, out.currentTemplateHash);
  next.setCondition(readyCondition(tally, gate.generation), now);
  planGateAction(in, out);
  next.phase = out.criticalFailing        ? Phase::Failing
               : out.criticalInconclusive ? Phase::Inconclusive
                                          : Phase::Passing;
  if (next.pausedByGate) next.phase = Phase::Paused;
  const Condition* rolledBack = next.condition("RolledBack");
  if (rolledBack && rolledBack->status == "True" && !next.pausedByGate)
    next.phase = Phase::RolledBack;
  if (out.round) settleRoundStatus(gate, previous, next, in.now, in.statusHeartbeat);
  return out;
}

Evaluation invalidGate(const GateStatus& previous, int64_t generation, const std::string& message,
                       Time now) {
  Evaluation out;
  out.status = previous;
  out.status.observedGeneration = generation;
  out.status.phase = Phase::Invalid;
  const Condition* before = previous.condition("Ready");
  if (!before || before->reason != "InvalidSpec" || before->message != message)
    out.events.push_back({"Warning", "InvalidSpec", message, false});
  out.status.setCondition({"Ready", "False", generation, "", "InvalidSpec", message},
                          formatTime(now));
  return out;
}

}  // namespace rg
