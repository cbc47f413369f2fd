#pragma once
// When a gate is evaluated again: at its next round, or earlier when a check's result changes
// with time alone (Evaluation::recheckAt, such as a pod's ready timeout).
#include <algorithm>
#include <chrono>
#include <optional>

namespace rg {

// `untilNextRound` is at least 1 ms; so is the answer, so a recheck time already passed
// requeues at once instead of never.
inline std::chrono::nanoseconds requeueAfter(
    std::chrono::nanoseconds untilNextRound,
    std::optional<std::chrono::system_clock::time_point> recheckAt,
    std::chrono::system_clock::time_point now) {
  if (!recheckAt) return untilNextRound;
  const std::chrono::nanoseconds minimum = std::chrono::milliseconds(1);
  return std::clamp<std::chrono::nanoseconds>(*recheckAt - now, minimum,
                                              std::max(untilNextRound, minimum));
}

}  // namespace rg
