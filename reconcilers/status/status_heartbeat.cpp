#include "reconcilers/status/status_heartbeat.hpp"

namespace rg {
namespace {

// A runtime check whose outcome and counters stayed as they were: only its value and message
// (which quotes the value) may have drifted.
bool onlyDrifted(const CheckStatus& before, const CheckStatus& after) {
  return before.result == after.result && before.consecutiveFailures == after.consecutiveFailures &&
         before.consecutiveInconclusive == after.consecutiveInconclusive &&
         before.lastTransitionTime == after.lastTransitionTime;
}

}  // namespace

void settleRoundStatus(const Gate& gate, const GateStatus& previous, GateStatus& next, Time now,
                       std::chrono::nanoseconds heartbeat) {
  const auto last = parseTime(previous.lastEvaluationTime);
  if (!last || now - *last >= heartbeat) {
    next.lastEvaluationTime = formatTimeMillis(now);
    return;
  }
  GateStatus held = next;
  held.lastEvaluationTime = previous.lastEvaluationTime;
  for (const auto& spec : gate.spec.checks) {
    if (!isRuntimeCheck(spec.body)) continue;
    const CheckStatus* before = previous.check(spec.name);
    for (auto& after : held.checks) {
      if (after.name != spec.name || !before || !onlyDrifted(*before, after)) continue;
      after.value = before->value;
      after.message = before->message;
    }
  }
  // Equal values serialize equally; JSON decides only when they differ (a round trip through
  // status may normalize a value).
  if (held == previous || toJson(held) == toJson(previous)) {
    next = std::move(held);  // nothing to write
  } else {
    next.lastEvaluationTime = formatTimeMillis(now);  // written anyway: say when it was taken
  }
}

}  // namespace rg
