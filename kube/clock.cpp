#include "kube/clock.hpp"

#include <limits>
#include <type_traits>
#include <utility>

namespace rg::kube {

static_assert(std::is_same_v<Clock::TimePoint::duration, std::chrono::nanoseconds>,
              "saturatingAdd and FakeClock assume a nanosecond steady_clock");

void RealClock::waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                          TimePoint deadline) const {
  cv.wait_until(lock, deadline);
}

std::shared_ptr<Clock> realClock() {
  static const std::shared_ptr<Clock> clock = std::make_shared<RealClock>();
  return clock;
}

Clock::TimePoint FakeClock::now() const {
  return TimePoint{std::chrono::nanoseconds{nowNs_.load(std::memory_order_acquire)}};
}

void FakeClock::waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                          TimePoint deadline) const {
  // No lost wake-up: advance() stores the new time before running callbacks, and a callback must
  // take the caller's mutex (held here from the check until wait() releases it) before notifying.
  if (now() < deadline) cv.wait(lock);
}

Clock::SubscriptionId FakeClock::subscribe(std::function<void()> onJump) {
  std::lock_guard lock(mu_);
  const SubscriptionId id = nextId_++;
  subscribers_.emplace(id, std::move(onJump));
  return id;
}

void FakeClock::unsubscribe(SubscriptionId id) {
  // Taking mu_ waits out a concurrent advance(), so the callback never outlives its owner.
  std::lock_guard lock(mu_);
  subscribers_.erase(id);
}

void FakeClock::advance(std::chrono::nanoseconds step) {
  std::lock_guard lock(mu_);
  if (step.count() > 0) {
    const TimePoint next = saturatingAdd(now(), step);
    nowNs_.store(next.time_since_epoch().count(), std::memory_order_release);
  }
  for (auto& [id, onJump] : subscribers_) onJump();
}

Clock::TimePoint saturatingAdd(Clock::TimePoint t, std::chrono::nanoseconds d) {
  using Rep = std::chrono::nanoseconds::rep;
  const Rep base = t.time_since_epoch().count();
  const Rep step = d.count();
  if (step > 0 && base > std::numeric_limits<Rep>::max() - step) return Clock::TimePoint::max();
  if (step < 0 && base < std::numeric_limits<Rep>::min() - step) return Clock::TimePoint::min();
  return t + d;
}

}  // namespace rg::kube
