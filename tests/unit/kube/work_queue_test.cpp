// The work queue: deduplication, delays, shutdown, and getters waiting for delays.
#include "kube/work_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kube/clock.hpp"
#include "kube/rate_limiter.hpp"
#include "tests/unit/kube/work_queue_support.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;
using namespace queue_test;
using std::chrono::nanoseconds;

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

}  // namespace
}  // namespace rg::kube
