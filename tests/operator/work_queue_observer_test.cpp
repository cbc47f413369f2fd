// The work queue's duration hooks feed the workqueue_*_duration_seconds histograms.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <vector>

#include "kube/work_queue.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueueObservers, ReportQueueAndWorkDurationsOnTheQueueClock) {
  auto clock = std::make_shared<FakeClock>();
  std::mutex mu;
  std::vector<std::chrono::nanoseconds> queued, worked;
  WorkQueue::Options options{clock, nullptr};
  options.observeQueueDuration = [&](std::chrono::nanoseconds d) {
    std::lock_guard lock(mu);
    queued.push_back(d);
  };
  options.observeWorkDuration = [&](std::chrono::nanoseconds d) {
    std::lock_guard lock(mu);
    worked.push_back(d);
  };
  WorkQueue queue(options);
  queue.add("ns/a");
  clock->advance(3s);
  auto key = queue.get();
  ASSERT_EQ(key, "ns/a");
  clock->advance(250ms);
  queue.done(*key);

  std::lock_guard lock(mu);
  EXPECT_EQ(queued, std::vector<std::chrono::nanoseconds>{3s});
  EXPECT_EQ(worked, std::vector<std::chrono::nanoseconds>{250ms});
}

TEST(WorkQueueObservers, ObserversMayUseTheQueue) {
  // Called outside the queue's lock: an observer reading the queue does not deadlock.
  std::size_t lenSeen = 99;
  WorkQueue* self = nullptr;
  WorkQueue::Options options;
  options.observeQueueDuration = [&](std::chrono::nanoseconds) { lenSeen = self->len(); };
  WorkQueue queue(options);
  self = &queue;
  queue.add("ns/a");
  auto key = queue.get();
  ASSERT_TRUE(key);
  queue.done(*key);
  EXPECT_EQ(lenSeen, 0u);
}

}  // namespace
}  // namespace rg::kube
