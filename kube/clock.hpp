#pragma once
// Time source for the work queue and rate limiters. The real clock is std::chrono::steady_clock;
// the fake clock only moves when a test advances it, so delays are tested without sleeping.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace rg::kube {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  using SubscriptionId = std::uint64_t;

  virtual ~Clock() = default;

  virtual TimePoint now() const = 0;

  // Blocks on `cv` (with `lock` held on entry, released while blocked) until `deadline` on this
  // clock, a notification of `cv`, or a spurious wake-up. Callers re-check their own condition.
  virtual void waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         TimePoint deadline) const = 0;

  // Registers a callback run after every jump of the clock, so a thread blocked in waitUntil can
  // be woken to re-check its deadline. Callbacks run on the advancing thread with the clock's
  // internal lock held: they may lock their own mutex and notify, but must not call back into
  // subscribe/unsubscribe/advance. now() never takes that lock, so it is safe to call anywhere.
  // unsubscribe() returns only once no callback for `id` is running.
  virtual SubscriptionId subscribe(std::function<void()> onJump) = 0;
  virtual void unsubscribe(SubscriptionId id) = 0;
};

// steady_clock; never jumps, so subscriptions are accepted and never called.
class RealClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  void waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) const override;
  SubscriptionId subscribe(std::function<void()>) override { return 0; }
  void unsubscribe(SubscriptionId) override {}
};

// The process-wide real clock.
std::shared_ptr<Clock> realClock();

// A clock that stands still until advance() is called.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint{}) : nowNs_(start.time_since_epoch().count()) {}

  TimePoint now() const override;
  // Waits only for a notification: advance() wakes subscribers, which notify their own cv.
  void waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) const override;
  SubscriptionId subscribe(std::function<void()> onJump) override;
  void unsubscribe(SubscriptionId id) override;

  // Moves time forward (negative steps are ignored) and wakes every subscriber.
  void advance(std::chrono::nanoseconds step);

 private:
  // Atomic so now() is lock-free: subscribers call it while holding the lock their callback takes.
  std::atomic<TimePoint::rep> nowNs_;
  std::mutex mu_;
  SubscriptionId nextId_ = 1;
  std::map<SubscriptionId, std::function<void()>> subscribers_;
};

// `t + d`, clamped to the representable range instead of overflowing.
Clock::TimePoint saturatingAdd(Clock::TimePoint t, std::chrono::nanoseconds d);

}  // namespace rg::kube
