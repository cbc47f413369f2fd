#include "kube/work_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "kube/clock.hpp"
#include "kube/rate_limiter.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;
using std::chrono::nanoseconds;

// Polls `condition` for work done on other threads. The bound only guards against a hang; no
// assertion depends on how long anything takes.
bool waitFor(const std::function<bool()>& condition, std::chrono::milliseconds bound = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// get() that cannot hang the test: waits for a ready key first.
std::optional<std::string> getReady(WorkQueue& queue) {
  if (!waitFor([&] { return queue.len() > 0; })) return std::nullopt;
  return queue.get();
}

struct FakeClockQueue {
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  WorkQueue queue{WorkQueue::Options{clock, nullptr}};
};

// --- basic queue semantics ---------------------------------------------------------------

TEST(WorkQueue, HandsOutKeysInFifoOrder) {
  WorkQueue queue;
  for (const char* key : {"ns/c", "ns/a", "ns/b"}) queue.add(key);
  EXPECT_EQ(queue.len(), 3u);
  EXPECT_EQ(queue.get(), "ns/c");
  EXPECT_EQ(queue.get(), "ns/a");
  EXPECT_EQ(queue.get(), "ns/b");
  EXPECT_EQ(queue.len(), 0u);
}

TEST(WorkQueue, DeduplicatesWaitingKey) {
  WorkQueue queue;
  queue.add("ns/a");
  queue.add("ns/b");
  queue.add("ns/a");
  EXPECT_EQ(queue.len(), 2u);
  EXPECT_EQ(queue.get(), "ns/a");
  EXPECT_EQ(queue.get(), "ns/b");
  EXPECT_EQ(queue.len(), 0u);
}

TEST(WorkQueue, AddDuringProcessingRequeuesExactlyOnceAfterDone) {
  WorkQueue queue;
  queue.add("ns/a");
  ASSERT_EQ(queue.get(), "ns/a");
  queue.add("ns/a");
  queue.add("ns/a");
  queue.add("ns/a");
  EXPECT_EQ(queue.len(), 0u) << "must not be queued while a worker holds it";
  queue.done("ns/a");
  EXPECT_EQ(queue.len(), 1u);
  ASSERT_EQ(queue.get(), "ns/a");
  queue.done("ns/a");
  EXPECT_EQ(queue.len(), 0u);
}

TEST(WorkQueue, DoneWithoutNewAddDoesNotRequeue) {
  WorkQueue queue;
  queue.add("ns/a");
  ASSERT_EQ(queue.get(), "ns/a");
  queue.done("ns/a");
  EXPECT_EQ(queue.len(), 0u);
}

TEST(WorkQueue, DoneForKeyNotHandedOutIsIgnored) {
  WorkQueue queue;
  queue.add("ns/a");
  queue.done("ns/a");  // still queued, not processing: must not queue a duplicate
  queue.done("ns/other");
  EXPECT_EQ(queue.len(), 1u);
}

TEST(WorkQueue, KeyBeingProcessedIsNotHandedToAnotherWorker) {
  WorkQueue queue;
  queue.add("ns/a");
  ASSERT_EQ(queue.get(), "ns/a");
  queue.add("ns/a");
  queue.add("ns/b");
  EXPECT_EQ(queue.get(), "ns/b");  // a second worker skips the held key
  EXPECT_EQ(queue.len(), 0u);
  queue.done("ns/a");
  EXPECT_EQ(queue.get(), "ns/a");
}

TEST(WorkQueue, GetBlocksUntilKeyIsAdded) {
  WorkQueue queue;
  std::optional<std::string> got;
  std::thread getter([&] { got = queue.get(); });
  queue.add("ns/a");
  getter.join();
  EXPECT_EQ(got, "ns/a");
}

// --- shutdown ----------------------------------------------------------------------------

TEST(WorkQueue, ShutDownUnblocksAllGetters) {
  WorkQueue queue;
  constexpr int kGetters = 4;
  std::vector<std::optional<std::string>> results(kGetters, std::string("unset"));
  std::vector<std::thread> getters;
  for (int i = 0; i < kGetters; ++i) getters.emplace_back([&, i] { results[i] = queue.get(); });
  queue.shutDown();
  for (auto& getter : getters) getter.join();
  for (const auto& result : results) EXPECT_EQ(result, std::nullopt);
  EXPECT_TRUE(queue.shuttingDown());
}

TEST(WorkQueue, ShutDownDropsWaitingKeysAndIgnoresNewOnes) {
  FakeClockQueue f;
  f.queue.add("ns/a");
  f.queue.addAfter("ns/b", 1s);
  f.queue.shutDown();
  EXPECT_EQ(f.queue.len(), 0u);
  EXPECT_EQ(f.queue.numWaiting(), 0u);
  f.queue.add("ns/c");
  f.queue.addAfter("ns/d", 1ms);
  f.queue.addRateLimited("ns/e");
  f.clock->advance(1h);
  EXPECT_EQ(f.queue.len(), 0u);
  EXPECT_EQ(f.queue.numWaiting(), 0u);
  EXPECT_EQ(f.queue.numRequeues("ns/e"), 0);
  EXPECT_EQ(f.queue.get(), std::nullopt);
  EXPECT_EQ(f.queue.metrics().depth.load(), 0);
}

TEST(WorkQueue, ShutDownWithDrainWaitsForInFlightWork) {
  WorkQueue queue;
  queue.add("ns/a");
  queue.add("ns/b");
  ASSERT_EQ(queue.get(), "ns/a");
  std::atomic<bool> drained{false};
  std::thread drainer([&] {
    queue.shutDownWithDrain();
    drained = true;
  });
  ASSERT_TRUE(waitFor([&] { return queue.shuttingDown(); }));
  EXPECT_EQ(queue.get(), std::nullopt) << "no new work is handed out while draining";
  std::this_thread::sleep_for(2ms);
  EXPECT_FALSE(drained.load()) << "returned while ns/a was still being processed";
  queue.done("ns/a");
  drainer.join();
  EXPECT_TRUE(drained.load());
}

TEST(WorkQueue, ShutDownWithDrainReturnsAtOnceWhenIdle) {
  WorkQueue queue;
  queue.add("ns/a");
  queue.shutDownWithDrain();  // queued but never handed out: nothing to wait for
  EXPECT_EQ(queue.get(), std::nullopt);
}

// --- concurrency -------------------------------------------------------------------------

TEST(WorkQueue, ConcurrentWorkersNeverHoldTheSameKey) {
  constexpr int kWorkers = 8;
  constexpr int kProducers = 4;
  constexpr int kAddsPerProducer = 5000;
  constexpr int kKeys = 32;
  std::vector<std::string> keys;
  std::unordered_map<std::string, int> indexOf;
  for (int i = 0; i < kKeys; ++i) {
    keys.push_back("ns/obj-" + std::to_string(i));
    indexOf[keys.back()] = i;
  }

  WorkQueue queue;
  std::mutex heldMu;
  std::unordered_set<std::string> held;
  std::atomic<int> overlaps{0};
  std::atomic<bool> finalRound{false};
  std::vector<std::atomic<bool>> seenInFinalRound(kKeys);

  std::thread runner([&] {
    runWorkers(queue, kWorkers, [&](const std::string& key) {
      {
        std::lock_guard lock(heldMu);
        if (!held.insert(key).second) ++overlaps;
      }
      if (finalRound.load()) seenInFinalRound[indexOf.at(key)] = true;
      std::this_thread::yield();
      {
        std::lock_guard lock(heldMu);
        held.erase(key);
      }
      return WorkResult::ok();
    });
  });

  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      std::mt19937 rng(static_cast<unsigned>(p + 1));
      for (int i = 0; i < kAddsPerProducer; ++i) queue.add(keys[rng() % kKeys]);
    });
  }
  for (auto& producer : producers) producer.join();

  // Every add must be followed by a processing that starts after it: add each key once more
  // and wait until each has been seen by a handler that started after that.
  finalRound = true;
  for (const auto& key : keys) queue.add(key);
  const bool allSeen = waitFor([&] {
    for (const auto& seen : seenInFinalRound) {
      if (!seen.load()) return false;
    }
    return true;
  });
  queue.shutDown();
  runner.join();

  EXPECT_TRUE(allSeen);
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_LE(queue.metrics().adds_total.load(),
            static_cast<std::uint64_t>(kProducers * kAddsPerProducer + kKeys));
  EXPECT_EQ(queue.metrics().queue_duration_count.load(),
            queue.metrics().work_duration_count.load());
}

// --- delayed adds ------------------------------------------------------------------------

TEST(WorkQueue, AddAfterIsNotReadyBeforeItsDelay) {
  FakeClockQueue f;
  f.queue.addAfter("ns/a", 100ms);
  EXPECT_EQ(f.queue.numWaiting(), 1u);
  f.clock->advance(99ms);
  EXPECT_EQ(f.queue.len(), 0u);
  EXPECT_EQ(f.queue.numWaiting(), 1u);
  f.clock->advance(1ms);
  EXPECT_EQ(getReady(f.queue), "ns/a");
  EXPECT_EQ(f.queue.numWaiting(), 0u);
}

TEST(WorkQueue, AddAfterReleasesKeysInReadyTimeOrder) {
  FakeClockQueue f;
  f.queue.addAfter("ns/c", 30ms);
  f.queue.addAfter("ns/a", 10ms);
  f.queue.addAfter("ns/b", 20ms);
  f.clock->advance(10ms);
  EXPECT_EQ(getReady(f.queue), "ns/a");
  f.clock->advance(10ms);
  EXPECT_EQ(getReady(f.queue), "ns/b");
  EXPECT_EQ(f.queue.len(), 0u);
  EXPECT_EQ(f.queue.numWaiting(), 1u);
  f.clock->advance(10ms);
  EXPECT_EQ(getReady(f.queue), "ns/c");
}

TEST(WorkQueue, KeysReadyTogetherKeepReadyTimeThenInsertionOrder) {
  FakeClockQueue f;
  f.queue.addAfter("ns/late", 20ms);
  f.queue.addAfter("ns/first", 10ms);
  f.queue.addAfter("ns/second", 10ms);
  f.clock->advance(1s);
  ASSERT_TRUE(waitFor([&] { return f.queue.len() == 3; }));
  EXPECT_EQ(f.queue.get(), "ns/first");
  EXPECT_EQ(f.queue.get(), "ns/second");
  EXPECT_EQ(f.queue.get(), "ns/late");
}

TEST(WorkQueue, EarlierAddAfterWinsOverLaterOne) {
  FakeClockQueue f;
  f.queue.addAfter("ns/a", 50ms);
  f.queue.addAfter("ns/a", 10ms);  // moves the pending key earlier
  f.queue.addAfter("ns/b", 10ms);
  f.queue.addAfter("ns/b", 50ms);  // cannot postpone the pending key
  EXPECT_EQ(f.queue.numWaiting(), 2u);
  f.clock->advance(10ms);
  ASSERT_TRUE(waitFor([&] { return f.queue.len() == 2; }));
  EXPECT_EQ(f.queue.numWaiting(), 0u);
  EXPECT_EQ(f.queue.get(), "ns/a");
  EXPECT_EQ(f.queue.get(), "ns/b");
  f.clock->advance(1h);  // neither comes back for its later request
  EXPECT_EQ(f.queue.numWaiting(), 0u);
  EXPECT_EQ(f.queue.len(), 0u);
}

TEST(WorkQueue, AddAfterWithNonPositiveDelayAddsAtOnce) {
  FakeClockQueue f;
  f.queue.addAfter("ns/a", 0ms);
  f.queue.addAfter("ns/b", -5ms);
  EXPECT_EQ(f.queue.len(), 2u);
  EXPECT_EQ(f.queue.numWaiting(), 0u);
}

TEST(WorkQueue, AddAfterOfQueuedKeyIsDeduplicatedWhenReady) {
  FakeClockQueue f;
  f.queue.add("ns/a");
  f.queue.addAfter("ns/a", 5ms);
  f.clock->advance(5ms);
  ASSERT_TRUE(waitFor([&] { return f.queue.numWaiting() == 0; }));
  EXPECT_EQ(f.queue.len(), 1u);
}

TEST(WorkQueue, ClockAdvanceWakesBlockedGetter) {
  FakeClockQueue f;
  f.queue.addAfter("ns/a", 1s);
  std::optional<std::string> got;
  std::thread getter([&] { got = f.queue.get(); });
  f.clock->advance(1s);
  getter.join();
  EXPECT_EQ(got, "ns/a");
}

TEST(WorkQueue, AddAfterWorksWithRealClock) {
  WorkQueue queue;
  queue.addAfter("ns/a", 1ms);
  EXPECT_EQ(getReady(queue), "ns/a");
}

TEST(WorkQueue, HugeDelaySaturatesAndShutsDownCleanly) {
  WorkQueue queue;  // real clock: the getter waits until the far end of steady_clock
  queue.addAfter("ns/a", nanoseconds::max());
  EXPECT_EQ(queue.numWaiting(), 1u);
  EXPECT_EQ(queue.len(), 0u);
  std::optional<std::string> got = "unset";
  std::thread getter([&] { got = queue.get(); });
  std::this_thread::sleep_for(20ms);  // lets the getter wait for the delay (passes either way)
  queue.shutDown();
  getter.join();
  EXPECT_EQ(got, std::nullopt);
  EXPECT_EQ(queue.numWaiting(), 0u);
}

// --- idle getters wait for the delays themselves (no delay thread) -------------------------

// Runs get() on a thread; the result can be awaited with a bound, and shutDown() releases a
// getter that would otherwise wait for a delay of hours.
struct BackgroundGet {
  explicit BackgroundGet(WorkQueue& queue) : queue(queue) {
    thread = std::thread([this] {
      auto key = this->queue.get();
      std::lock_guard lock(mu);
      got = std::move(key);
      returned = true;
    });
    // Lets the getter reach its wait; each test passes the same way if it has not yet.
    std::this_thread::sleep_for(20ms);
  }
  ~BackgroundGet() {
    queue.shutDown();
    thread.join();
  }
  std::optional<std::string> result(std::chrono::milliseconds bound = 10s) {
    if (!waitFor(
            [&] {
              std::lock_guard lock(mu);
              return returned;
            },
            bound))
      return "(get did not return)";
    std::lock_guard lock(mu);
    return got;
  }

  WorkQueue& queue;
  std::mutex mu;
  bool returned = false;
  std::optional<std::string> got;
  std::thread thread;
};

TEST(WorkQueue, AnEarlierDelayWakesTheGetterWaitingForALaterOne) {
  WorkQueue queue;
  queue.addAfter("ns/late", 1h);
  BackgroundGet getter(queue);
  queue.addAfter("ns/soon", 10ms);
  EXPECT_EQ(getter.result(), "ns/soon");
}

TEST(WorkQueue, AnAddWakesTheGetterWaitingForADelay) {
  WorkQueue queue;
  queue.addAfter("ns/late", 1h);
  BackgroundGet getter(queue);
  queue.add("ns/now");
  EXPECT_EQ(getter.result(), "ns/now");
}

TEST(WorkQueue, ADelayAddedWhileGettersWaitIsTakenWhenDue) {
  WorkQueue queue;
  BackgroundGet first(queue);
  BackgroundGet second(queue);
  queue.addAfter("ns/a", 10ms);
  queue.addAfter("ns/b", 20ms);
  std::unordered_set<std::string> got = {first.result().value_or(""), second.result().value_or("")};
  EXPECT_EQ(got, (std::unordered_set<std::string>{"ns/a", "ns/b"}));
}

TEST(WorkQueue, DelayedKeysReachIdleWorkersUnderLoad) {
  // Many workers, keys due at nearly the same times, added while workers take and finish keys:
  // a lost hand-over of the wait for the next delay leaves keys waiting with idle workers.
  WorkQueue queue;
  constexpr int kKeys = 2000;
  std::mutex mu;
  std::unordered_set<std::string> seen;
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i)
    workers.emplace_back([&] {
      while (auto key = queue.get()) {
        {
          std::lock_guard lock(mu);
          seen.insert(*key);
        }
        queue.done(*key);
      }
    });
  std::mt19937 random(7);
  for (int i = 0; i < kKeys; ++i) {
    queue.addAfter("ns/k" + std::to_string(i), std::chrono::microseconds(random() % 3000));
    if (i % 50 == 0) std::this_thread::sleep_for(1ms);
  }
  const bool allSeen = waitFor([&] {
    std::lock_guard lock(mu);
    return seen.size() == static_cast<std::size_t>(kKeys);
  });
  queue.shutDown();
  for (auto& worker : workers) worker.join();
  EXPECT_TRUE(allSeen) << seen.size() << " of " << kKeys << " keys handed out";
}

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
