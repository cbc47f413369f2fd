#pragma once
// Helpers of the work queue's tests (work_queue_test.cpp, work_queue_limits_test.cpp,
// run_workers_test.cpp), which the ThreadSanitizer job builds alone (kube/workqueue.cmake).
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "kube/clock.hpp"
#include "kube/work_queue.hpp"

namespace rg::kube::queue_test {

// Polls `condition` for work done on other threads. The bound only guards against a hang; no
// assertion depends on how long anything takes.
inline bool waitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds bound = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// get() that cannot hang the test: waits for a ready key first.
inline std::optional<std::string> getReady(WorkQueue& queue) {
  if (!waitFor([&] { return queue.len() > 0; })) return std::nullopt;
  return queue.get();
}

struct FakeClockQueue {
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  WorkQueue queue{WorkQueue::Options{clock, nullptr}};
};

}  // namespace rg::kube::queue_test
