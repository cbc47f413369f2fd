#pragma once
// Status is written only when something a user reads changes: phase, conditions, a check's
// result, counters or (for static checks) message, lastAction, baselines, the revision. A
// round whose only news is a runtime check's new value (an error ratio moving from 0.011 to
// 0.012) or `lastEvaluationTime` itself writes nothing until the heartbeat is due; the live
// values are on /metrics. Without this every gate writes once per interval: 1 000 writes/s for
// 10 000 gates at 10 s.
#include <chrono>

#include "reconcilers/spec/gate_spec.hpp"
#include "reconcilers/status/gate_status.hpp"

namespace rg {

// Settles `next`, the status a round produced from `previous`: refreshes lastEvaluationTime
// to `now` when the heartbeat is due or the status changes anyway; otherwise keeps the runtime
// checks' drifting values and messages as `previous` has them, so that `next` equals it.
void settleRoundStatus(const Gate& gate, const GateStatus& previous, GateStatus& next, Time now,
                       std::chrono::nanoseconds heartbeat);

}  // namespace rg
