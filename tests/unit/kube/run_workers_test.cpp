// runWorkers: errors retried with backoff, requeues, shutdown; WorkResult.
#include "kube/work_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "kube/clock.hpp"
#include "kube/rate_limiter.hpp"
#include "tests/unit/kube/work_queue_support.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;
using namespace queue_test;
using std::chrono::nanoseconds;

// --- runWorkers --------------------------------------------------------------------------

TEST(RunWorkers, ErrorRetriesWithGrowingBackoffThenOkForgets) {
  FakeClockQueue f;
  std::atomic<int> attempts{0};
  std::thread runner([&] {
    runWorkers(f.queue, 2, [&](const std::string&) {
      return ++attempts <= 3 ? WorkResult::failed("not yet") : WorkResult::ok();
    });
  });
  f.queue.add("ns/a");

  // Each failure waits twice as long as the one before: 5 ms, 10 ms, 20 ms.
  const nanoseconds backoff[] = {5ms, 10ms, 20ms};
  for (int failure = 1; failure <= 3; ++failure) {
    ASSERT_TRUE(waitFor([&] { return attempts == failure && f.queue.numWaiting() == 1; }));
    EXPECT_EQ(f.queue.numRequeues("ns/a"), failure);
    f.clock->advance(backoff[failure - 1] - 1ms);
    EXPECT_EQ(f.queue.numWaiting(), 1u) << "retried before its backoff, failure " << failure;
    EXPECT_EQ(attempts.load(), failure);
    f.clock->advance(1ms);
  }
  ASSERT_TRUE(waitFor([&] { return attempts == 4 && f.queue.numRequeues("ns/a") == 0; }));
  f.queue.shutDown();
  runner.join();
  EXPECT_EQ(attempts.load(), 4);
  EXPECT_EQ(f.queue.metrics().retries_total.load(), 3u);
}

TEST(RunWorkers, RequeueAfterForgetsBackoffAndComesBackLater) {
  auto clock = std::make_shared<FakeClock>();
  auto limiter = std::make_shared<ItemExponentialFailureRateLimiter>(5ms, 1000s);
  limiter->when("ns/a");
  limiter->when("ns/a");  // two earlier failures
  WorkQueue queue(WorkQueue::Options{clock, limiter});
  std::atomic<int> attempts{0};
  std::thread runner([&] {
    runWorkers(queue, 1, [&](const std::string&) {
      return ++attempts == 1 ? WorkResult::after(30s) : WorkResult::ok();
    });
  });
  queue.add("ns/a");
  ASSERT_TRUE(waitFor([&] { return attempts == 1 && queue.numWaiting() == 1; }));
  EXPECT_EQ(limiter->numRequeues("ns/a"), 0);
  clock->advance(29s);
  EXPECT_EQ(queue.numWaiting(), 1u);
  clock->advance(1s);
  ASSERT_TRUE(waitFor([&] { return attempts == 2; }));
  queue.shutDown();
  runner.join();
  EXPECT_EQ(queue.numWaiting(), 0u);
}

TEST(RunWorkers, ThrowingHandlerIsRetriedLikeAnError) {
  FakeClockQueue f;
  std::atomic<int> attempts{0};
  std::thread runner([&] {
    runWorkers(f.queue, 1, [&](const std::string&) -> WorkResult {
      if (++attempts == 1) throw std::runtime_error("boom");
      return WorkResult::ok();
    });
  });
  f.queue.add("ns/a");
  ASSERT_TRUE(waitFor([&] { return attempts == 1 && f.queue.numWaiting() == 1; }));
  EXPECT_EQ(f.queue.numRequeues("ns/a"), 1);
  f.clock->advance(5ms);
  ASSERT_TRUE(waitFor([&] { return attempts == 2 && f.queue.numRequeues("ns/a") == 0; }));
  f.queue.shutDown();
  runner.join();
}

TEST(RunWorkers, OkResultForgetsAndDoesNotRequeue) {
  FakeClockQueue f;
  f.queue.addRateLimited("ns/a");  // one earlier failure, ready after 5 ms
  std::atomic<int> attempts{0};
  std::thread runner([&] {
    runWorkers(f.queue, 3, [&](const std::string&) {
      ++attempts;
      return WorkResult::ok();
    });
  });
  f.clock->advance(5ms);
  ASSERT_TRUE(waitFor([&] { return attempts == 1 && f.queue.numRequeues("ns/a") == 0; }));
  f.clock->advance(1h);
  EXPECT_EQ(f.queue.numWaiting(), 0u);
  EXPECT_EQ(f.queue.len(), 0u);
  f.queue.shutDown();
  runner.join();
  EXPECT_EQ(attempts.load(), 1);
}

TEST(RunWorkers, ReturnsOnceQueueShutsDown) {
  WorkQueue queue;
  std::atomic<bool> returned{false};
  std::thread runner([&] {
    runWorkers(queue, 4, [](const std::string&) { return WorkResult::ok(); });
    returned = true;
  });
  queue.shutDown();
  runner.join();
  EXPECT_TRUE(returned.load());
}

TEST(RunWorkers, RejectsZeroWorkers) {
  WorkQueue queue;
  EXPECT_THROW(runWorkers(queue, 0, [](const std::string&) { return WorkResult::ok(); }),
               std::invalid_argument);
}

TEST(WorkResult, FactoriesSetTheRightFields) {
  EXPECT_TRUE(WorkResult::ok().isOk());
  EXPECT_EQ(WorkResult::after(3s).requeueAfter, nanoseconds(3s));
  EXPECT_FALSE(WorkResult::after(3s).isOk());
  EXPECT_EQ(WorkResult::failed("x").error, "x");
  EXPECT_FALSE(WorkResult::failed("x").isOk());
}

}  // namespace
}  // namespace rg::kube
