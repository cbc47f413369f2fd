// The work queue's rate-limited adds and its metrics.
#include "kube/work_queue.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

#include "kube/clock.hpp"
#include "kube/rate_limiter.hpp"
#include "tests/unit/kube/work_queue_support.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;
using namespace queue_test;
using std::chrono::nanoseconds;

// --- rate-limited adds -------------------------------------------------------------------

TEST(WorkQueue, AddRateLimitedBacksOffPerKeyAndForgetResets) {
  FakeClockQueue f;
  f.queue.addRateLimited("ns/a");  // 5 ms
  EXPECT_EQ(f.queue.numRequeues("ns/a"), 1);
  f.clock->advance(4ms);
  EXPECT_EQ(f.queue.len(), 0u);
  f.clock->advance(1ms);
  ASSERT_EQ(getReady(f.queue), "ns/a");
  f.queue.addRateLimited("ns/a");  // 10 ms, added while processing
  f.queue.done("ns/a");
  EXPECT_EQ(f.queue.numRequeues("ns/a"), 2);
  f.clock->advance(9ms);
  EXPECT_EQ(f.queue.len(), 0u);
  EXPECT_EQ(f.queue.numWaiting(), 1u);
  f.clock->advance(1ms);
  ASSERT_EQ(getReady(f.queue), "ns/a");
  f.queue.forget("ns/a");
  EXPECT_EQ(f.queue.numRequeues("ns/a"), 0);
}

TEST(WorkQueue, UsesInjectedRateLimiter) {
  auto clock = std::make_shared<FakeClock>();
  auto limiter = std::make_shared<ItemExponentialFailureRateLimiter>(1s, 10s);
  WorkQueue queue(WorkQueue::Options{clock, limiter});
  queue.addRateLimited("ns/a");
  clock->advance(999ms);
  EXPECT_EQ(queue.len(), 0u);
  clock->advance(1ms);
  EXPECT_EQ(getReady(queue), "ns/a");
  EXPECT_EQ(limiter->numRequeues("ns/a"), 1);
}

// --- metrics -----------------------------------------------------------------------------

TEST(WorkQueueMetrics, CountsAddsAndDepth) {
  WorkQueue queue;
  const auto& m = queue.metrics();
  queue.add("ns/a");
  queue.add("ns/a");
  queue.add("ns/b");
  EXPECT_EQ(m.adds_total.load(), 2u);
  EXPECT_EQ(m.depth.load(), 2);
  ASSERT_EQ(queue.get(), "ns/a");
  EXPECT_EQ(m.depth.load(), 1);
  queue.add("ns/a");  // re-added while processing: waiting again
  EXPECT_EQ(m.adds_total.load(), 3u);
  EXPECT_EQ(m.depth.load(), 2);
  queue.done("ns/a");
  ASSERT_EQ(queue.get(), "ns/b");
  ASSERT_EQ(queue.get(), "ns/a");
  EXPECT_EQ(m.depth.load(), 0);
}

TEST(WorkQueueMetrics, MeasuresQueueAndWorkDurationsOnQueueClock) {
  FakeClockQueue f;
  const auto& m = f.queue.metrics();
  f.queue.add("ns/a");
  f.queue.add("ns/b");
  f.clock->advance(7ms);
  ASSERT_EQ(f.queue.get(), "ns/a");
  EXPECT_EQ(m.queue_duration_count.load(), 1u);
  EXPECT_EQ(m.queue_duration_sum_ns.load(), nanoseconds(7ms).count());
  f.clock->advance(3ms);
  f.queue.done("ns/a");
  EXPECT_EQ(m.work_duration_count.load(), 1u);
  EXPECT_EQ(m.work_duration_sum_ns.load(), nanoseconds(3ms).count());
  ASSERT_EQ(f.queue.get(), "ns/b");  // waited 10 ms
  EXPECT_EQ(m.queue_duration_count.load(), 2u);
  EXPECT_EQ(m.queue_duration_sum_ns.load(), nanoseconds(17ms).count());
  f.queue.done("ns/b");
  EXPECT_EQ(m.work_duration_count.load(), 2u);
  EXPECT_EQ(m.work_duration_sum_ns.load(), nanoseconds(3ms).count());
}

TEST(WorkQueueMetrics, CountsRetries) {
  FakeClockQueue f;
  const auto& m = f.queue.metrics();
  f.queue.addAfter("ns/a", 1s);
  f.queue.addRateLimited("ns/b");
  f.queue.addAfter("ns/c", 0s);
  EXPECT_EQ(m.retries_total.load(), 3u);
  EXPECT_EQ(m.adds_total.load(), 1u);  // only ns/c has reached the queue
  f.clock->advance(1s);
  ASSERT_TRUE(waitFor([&] { return f.queue.len() == 3; }));
  EXPECT_EQ(m.adds_total.load(), 3u);
  EXPECT_EQ(m.retries_total.load(), 3u);
}

}  // namespace
}  // namespace rg::kube
