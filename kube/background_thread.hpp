#pragma once
// The thread of a long-running client component (informer, leader elector, event recorder), in
// the manner of client-go's run-until-the-stop-channel-closes loops: one body runs on its own
// thread until asked to stop, every wait of that body returns when a stop is requested, and the
// owner's stop() joins. Waits measure deadlines on an injected Clock, so a fake clock drives them
// in tests without sleeping.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>

#include "kube/clock.hpp"

namespace rg::kube {

class BackgroundThread {
 public:
  // No clock: the real clock.
  explicit BackgroundThread(std::shared_ptr<Clock> clock = nullptr);
  // stop(). Run on the thread itself (its body destroying the owner), which cannot join
  // itself, it detaches the thread instead.
  ~BackgroundThread();
  BackgroundThread(const BackgroundThread&) = delete;
  BackgroundThread& operator=(const BackgroundThread&) = delete;

  // Runs `body` on a new thread. Once only: std::logic_error on a second call.
  void start(std::function<void()> body);
  bool started() const { return started_.load(); }

  // Asks the body to end: every wait below returns and every std::stop_callback on
  // stopToken() runs (on the calling thread). Idempotent; any thread, also before start().
  // Not with lock() held.
  void requestStop();
  // requestStop(), then waits for the body to return. Called on the thread itself (from a
  // callback of the body) it only requests, since a thread cannot join itself. Idempotent.
  void stop();

  bool stopRequested() const { return stop_.stop_requested(); }
  // For work a stop must interrupt that no wait below covers (closing a stream): register a
  // std::stop_callback on it.
  std::stop_token stopToken() const { return stop_.get_token(); }
  const std::shared_ptr<Clock>& clock() const { return clock_; }

  // The mutex the waits below block on. State that a wait's predicate reads is changed with
  // it held; notifyAll() then wakes the waits to re-check.
  std::unique_lock<std::mutex> lock() const { return std::unique_lock(mu_); }
  // Not with lock() held: it takes the lock first, so that a change made without it (an atomic
  // flag) cannot slip between a waiter's check and its sleep.
  void notifyAll() const;

  // With `lock` (from lock()) held: waits until pred() holds, a stop is requested or `deadline`
  // passes on the clock. Returns pred().
  template <typename Pred>
  bool waitUntil(std::unique_lock<std::mutex>& lock, Clock::TimePoint deadline, Pred pred) const {
    while (!pred()) {
      if (stopRequested() || clock_->now() >= deadline) return false;
      if (deadline == Clock::TimePoint::max()) {
        cv_.wait(lock);
      } else {
        clock_->waitUntil(cv_, lock, deadline);
      }
    }
    return true;
  }
  // As waitUntil, without a deadline.
  template <typename Pred>
  bool wait(std::unique_lock<std::mutex>& lock, Pred pred) const {
    return waitUntil(lock, Clock::TimePoint::max(), std::move(pred));
  }
  // As waitUntil, bounded in real time whatever the clock: for callers outside the thread that
  // must not hang on a fake clock nobody advances.
  template <typename Pred>
  bool waitForRealTime(std::unique_lock<std::mutex>& lock, std::chrono::nanoseconds timeout,
                       Pred pred) const {
    const auto deadline = saturatingAdd(std::chrono::steady_clock::now(), timeout);
    while (!pred()) {
      if (stopRequested() || cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
        return pred();
      }
    }
    return true;
  }
  // Sleeps `delay` on the clock. False when a stop was requested (before or meanwhile).
  bool sleepFor(std::chrono::nanoseconds delay) const;

 private:
  const std::shared_ptr<Clock> clock_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::stop_source stop_;
  Clock::SubscriptionId clockSubscription_ = 0;

  std::atomic<bool> started_{false};
  std::mutex joinMu_;  // start() and joiners: one at a time
  std::thread thread_;
  // Set by the thread itself before the body runs: stop() from a callback compares against it
  // without reading thread_, which start() may still be assigning.
  std::atomic<std::thread::id> runnerId_{};
};

}  // namespace rg::kube
