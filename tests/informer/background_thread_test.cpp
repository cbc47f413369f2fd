// The thread helper of the informer, leader elector and event recorder: a stop wakes waits,
// stop() from the thread itself does not deadlock, the destructor stops and joins, waits end at
// their deadline on real and fake clocks.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <thread>

#include "kube/background_thread.hpp"

namespace rg::kube {
namespace {

using namespace std::chrono_literals;

// Polls `done` in real time; tests assert on it rather than hang.
bool eventually(const std::atomic<bool>& done, std::chrono::milliseconds limit = 5s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done.load()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(BackgroundThread, StopWakesAWaiterPromptly) {
  BackgroundThread thread;
  std::atomic<bool> waiting{false};
  std::atomic<bool> result{true};
  thread.start([&] {
    auto lock = thread.lock();
    waiting = true;
    result = thread.wait(lock, [] { return false; });
  });
  ASSERT_TRUE(eventually(waiting));
  const auto start = std::chrono::steady_clock::now();
  thread.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_FALSE(result.load());  // the predicate never held
  thread.stop();                // idempotent
}

TEST(BackgroundThread, StopWakesASleepOnAFakeClock) {
  auto clock = std::make_shared<FakeClock>();
  BackgroundThread thread(clock);
  std::atomic<bool> sleeping{false};
  std::atomic<bool> slept{true};
  thread.start([&] {
    sleeping = true;
    slept = thread.sleepFor(1h);
  });
  ASSERT_TRUE(eventually(sleeping));
  thread.stop();
  EXPECT_FALSE(slept.load());
}

TEST(BackgroundThread, StopFromTheThreadItselfDoesNotDeadlock) {
  BackgroundThread thread;
  std::atomic<bool> returned{false};
  thread.start([&] {
    thread.stop();
    // Still running after its own stop(): the request is visible, nothing was joined.
    returned = thread.stopRequested();
  });
  ASSERT_TRUE(eventually(returned));
  thread.stop();  // the owner joins
}

TEST(BackgroundThread, DestructorStopsAndJoins) {
  std::atomic<bool> finished{false};
  {
    BackgroundThread thread;
    std::atomic<bool> sleeping{false};
    thread.start([&] {
      sleeping = true;
      while (thread.sleepFor(1h)) {
      }
      // Work after the wake-up that the destructor must wait for.
      std::this_thread::sleep_for(50ms);
      finished = true;
    });
    ASSERT_TRUE(eventually(sleeping));
  }
  EXPECT_TRUE(finished.load());
}

TEST(BackgroundThread, DestroyedByItsOwnThreadDetaches) {
  auto thread = std::make_unique<BackgroundThread>();
  BackgroundThread* raw = thread.get();
  std::promise<std::unique_ptr<BackgroundThread>> handOver;
  auto owned = handOver.get_future();
  std::atomic<bool> destroyed{false};
  raw->start([&owned, &destroyed] {
    owned.get().reset();
    destroyed = true;
  });
  handOver.set_value(std::move(thread));
  EXPECT_TRUE(eventually(destroyed));
}

TEST(BackgroundThread, WaitReturnsAtTheDeadlineOfAFakeClock) {
  auto clock = std::make_shared<FakeClock>();
  BackgroundThread thread(clock);
  // Fixed before the thread runs, so an advance cannot come before the deadline is taken.
  const auto deadline = clock->now() + 10s;
  std::atomic<bool> woke{false};
  std::atomic<bool> result{true};
  thread.start([&] {
    auto lock = thread.lock();
    result = thread.waitUntil(lock, deadline, [] { return false; });
    woke = true;
  });
  clock->advance(9s);
  EXPECT_FALSE(eventually(woke, 50ms));
  clock->advance(1s);
  ASSERT_TRUE(eventually(woke));
  EXPECT_FALSE(result.load());
  EXPECT_FALSE(thread.stopRequested());
}

TEST(BackgroundThread, SleepLastsItsDelayWhenNotStopped) {
  BackgroundThread thread;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(thread.sleepFor(30ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
}

TEST(BackgroundThread, WaitUntilReturnsFalseAtTheDeadlineOfTheRealClock) {
  BackgroundThread thread;
  auto lock = thread.lock();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(thread.waitUntil(lock, start + 30ms, [] { return false; }));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
}

TEST(BackgroundThread, WaitReturnsWhenThePredicateHolds) {
  auto clock = std::make_shared<FakeClock>();
  BackgroundThread thread(clock);
  bool ready = false;  // guarded by thread.lock()
  std::atomic<bool> result{false};
  std::atomic<bool> returned{false};
  thread.start([&] {
    auto lock = thread.lock();
    result = thread.waitUntil(lock, clock->now() + 1h, [&] { return ready; });
    returned = true;
  });
  {
    auto lock = thread.lock();
    ready = true;
  }
  thread.notifyAll();
  ASSERT_TRUE(eventually(returned));
  EXPECT_TRUE(result.load());
}

TEST(BackgroundThread, RealTimeWaitEndsWhileAFakeClockStandsStill) {
  BackgroundThread thread(std::make_shared<FakeClock>());
  auto lock = thread.lock();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(thread.waitForRealTime(lock, 20ms, [] { return false; }));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
}

TEST(BackgroundThread, StopBeforeStartEndsTheFirstWait) {
  BackgroundThread thread;
  thread.requestStop();
  std::atomic<bool> slept{true};
  thread.start([&] { slept = thread.sleepFor(1h); });
  thread.stop();
  EXPECT_FALSE(slept.load());
}

TEST(BackgroundThread, StopRunsStopCallbacks) {
  BackgroundThread thread;
  std::atomic<bool> called{false};
  const std::stop_callback onStop(thread.stopToken(), [&] { called = true; });
  EXPECT_FALSE(called.load());
  thread.stop();
  EXPECT_TRUE(called.load());
}

TEST(BackgroundThread, StartsOnce) {
  BackgroundThread thread;
  EXPECT_FALSE(thread.started());
  thread.start([] {});
  EXPECT_TRUE(thread.started());
  EXPECT_THROW(thread.start([] {}), std::logic_error);
}

}  // namespace
}  // namespace rg::kube
