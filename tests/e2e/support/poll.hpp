#pragma once
// Polling with a deadline: end-to-end tests wait for outcomes, never for fixed times.
#include <chrono>
#include <thread>

namespace rg::e2e {

// Evaluates `condition` every `every` until it holds (true) or `timeout` passes (false).
template <class Condition>
bool eventually(Condition&& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds every = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

}  // namespace rg::e2e
