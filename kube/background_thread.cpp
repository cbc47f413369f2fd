#include "kube/background_thread.hpp"

#include <stdexcept>
#include <utility>

namespace rg::kube {

BackgroundThread::BackgroundThread(std::shared_ptr<Clock> clock)
    : clock_(clock ? std::move(clock) : realClock()) {
  // A fake clock's jump wakes the waits so they re-check their deadline.
  clockSubscription_ = clock_->subscribe([this] { notifyAll(); });
}

BackgroundThread::~BackgroundThread() {
  stop();
  {
    // Only the thread itself still finds it joinable; joinMu_ lets a start() that is still
    // assigning thread_ finish first.
    std::lock_guard join(joinMu_);
    if (thread_.joinable()) thread_.detach();
  }
  clock_->unsubscribe(clockSubscription_);
}

void BackgroundThread::start(std::function<void()> body) {
  std::lock_guard join(joinMu_);
  if (started_.exchange(true)) throw std::logic_error("background thread started twice");
  thread_ = std::thread([this, body = std::move(body)] {
    runnerId_.store(std::this_thread::get_id());
    body();
  });
}

void BackgroundThread::requestStop() {
  stop_.request_stop();
  notifyAll();
}

void BackgroundThread::stop() {
  requestStop();
  if (runnerId_.load() == std::this_thread::get_id()) return;
  std::lock_guard join(joinMu_);
  if (thread_.joinable()) thread_.join();
}

void BackgroundThread::notifyAll() const {
  { std::lock_guard lock(mu_); }
  cv_.notify_all();
}

bool BackgroundThread::sleepFor(std::chrono::nanoseconds delay) const {
  auto lock = this->lock();
  const auto deadline = saturatingAdd(clock_->now(), delay);
  waitUntil(lock, deadline, [] { return false; });
  return !stopRequested();
}

}  // namespace rg::kube
