#include "kube/work_queue.hpp"

#include <exception>
#include <stdexcept>
#include <thread>
#include <utility>

namespace rg::kube {

namespace detail {

bool DelayHeap::before(const Entry& a, const Entry& b) {
  if (a.readyAt != b.readyAt) return a.readyAt < b.readyAt;
  return a.seq < b.seq;
}

void DelayHeap::push(const std::string& key, TimePoint readyAt) {
  if (const auto it = index_.find(key); it != index_.end()) {
    Entry& entry = entries_[it->second];
    // client-go keeps the earlier time: a later request cannot postpone a pending one.
    if (readyAt < entry.readyAt) {
      entry.readyAt = readyAt;
      siftUp(it->second);
    }
    return;
  }
  entries_.push_back(Entry{readyAt, nextSeq_++, key});
  index_[key] = entries_.size() - 1;
  siftUp(entries_.size() - 1);
}

std::string DelayHeap::pop() {
  std::string key = std::move(entries_.front().key);
  index_.erase(key);
  if (entries_.size() > 1) {
    entries_.front() = std::move(entries_.back());
    entries_.pop_back();
    place(0);
    siftDown(0);
  } else {
    entries_.pop_back();
  }
  return key;
}

void DelayHeap::clear() {
  entries_.clear();
  index_.clear();
}

void DelayHeap::place(std::size_t i) {
  index_[entries_[i].key] = i;
}

void DelayHeap::siftUp(std::size_t i) {
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!before(entries_[i], entries_[parent])) break;
    std::swap(entries_[i], entries_[parent]);
    place(i);
    place(parent);
    i = parent;
  }
}

void DelayHeap::siftDown(std::size_t i) {
  const std::size_t n = entries_.size();
  while (true) {
    std::size_t smallest = i;
    const std::size_t left = 2 * i + 1;
    const std::size_t right = left + 1;
    if (left < n && before(entries_[left], entries_[smallest])) smallest = left;
    if (right < n && before(entries_[right], entries_[smallest])) smallest = right;
    if (smallest == i) break;
    std::swap(entries_[i], entries_[smallest]);
    place(i);
    place(smallest);
    i = smallest;
  }
}

}  // namespace detail

WorkQueue::WorkQueue() : WorkQueue(Options{}) {}

WorkQueue::WorkQueue(Options options)
    : clock_(options.clock ? std::move(options.clock) : realClock()),
      rateLimiter_(options.rateLimiter ? std::move(options.rateLimiter)
                                       : defaultControllerRateLimiter(clock_)),
      observeQueueDuration_(std::move(options.observeQueueDuration)),
      observeWorkDuration_(std::move(options.observeWorkDuration)) {
  // A fake clock's jump must wake the timer waiter so it re-reads the time; taking mu_ before
  // notifying orders the wake-up after the waiter's check of the clock.
  clockSubscription_ = clock_->subscribe([this] {
    { std::lock_guard lock(mu_); }
    timerCv_.notify_all();
    readyCv_.notify_all();
  });
}

WorkQueue::~WorkQueue() {
  shutDown();
  clock_->unsubscribe(clockSubscription_);
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mu_);
  if (addLocked(key)) wakeOneLocked();
}

bool WorkQueue::addLocked(const std::string& key) {
  if (shuttingDown_) return false;
  if (!dirty_.insert(key).second) return false;  // already waiting to be handed out
  metrics_.adds_total.fetch_add(1, std::memory_order_relaxed);
  addedAt_.try_emplace(key, clock_->now());
  updateDepthLocked();
  // A key being processed goes back in the queue from done(), never to a second worker now.
  if (processing_.contains(key)) return false;
  queue_.push_back(key);
  return true;
}

std::size_t WorkQueue::promoteDueLocked() {
  if (delayed_.empty()) return 0;
  const Clock::TimePoint now = clock_->now();
  std::size_t queued = 0;
  while (!delayed_.empty() && delayed_.nextReadyAt() <= now)
    if (addLocked(delayed_.pop())) ++queued;
  return queued;
}

void WorkQueue::promoteDueAndWakeLocked() {
  if (promoteDueLocked() > 0) wakeOneLocked();
}

void WorkQueue::wakeOneLocked() {
  if (plainWaiters_ > 0)
    readyCv_.notify_one();
  else if (timerWaiter_)
    timerCv_.notify_one();
}

std::optional<std::string> WorkQueue::get() {
  std::optional<std::chrono::nanoseconds> waited;
  std::string key;
  {
    std::unique_lock lock(mu_);
    for (;;) {
      if (shuttingDown_) return std::nullopt;
      promoteDueLocked();
      if (!queue_.empty()) break;
      if (!delayed_.empty() && !timerWaiter_) {
        // The earliest delayed key is this getter's to take when it is due.
        timerWaiter_ = true;
        timerDeadline_ = delayed_.nextReadyAt();
        clock_->waitUntil(timerCv_, lock, timerDeadline_);
        timerWaiter_ = false;
      } else {
        ++plainWaiters_;
        readyCv_.wait(lock);
        --plainWaiters_;
      }
    }
    key = std::move(queue_.front());
    queue_.pop_front();
    // Pass on what is left: a queued key to another idle getter, or the wait for the next
    // delayed key if this getter was the one waiting for it.
    if (!queue_.empty())
      wakeOneLocked();
    else if (!delayed_.empty() && !timerWaiter_ && plainWaiters_ > 0)
      readyCv_.notify_one();
    dirty_.erase(key);
    processing_.insert(key);
    updateDepthLocked();
    const Clock::TimePoint now = clock_->now();
    if (const auto it = addedAt_.find(key); it != addedAt_.end()) {
      waited = std::chrono::duration_cast<std::chrono::nanoseconds>(now - it->second);
      metrics_.queue_duration_sum_ns.fetch_add(waited->count(), std::memory_order_relaxed);
      metrics_.queue_duration_count.fetch_add(1, std::memory_order_relaxed);
      addedAt_.erase(it);
    }
    startedAt_[key] = now;
  }
  if (waited && observeQueueDuration_) observeQueueDuration_(*waited);
  return key;
}

void WorkQueue::done(const std::string& key) {
  std::optional<std::chrono::nanoseconds> worked;
  {
    std::lock_guard lock(mu_);
    if (processing_.erase(key) == 0) return;  // not handed out: nothing to finish
    if (const auto it = startedAt_.find(key); it != startedAt_.end()) {
      worked = std::chrono::duration_cast<std::chrono::nanoseconds>(clock_->now() - it->second);
      metrics_.work_duration_sum_ns.fetch_add(worked->count(), std::memory_order_relaxed);
      metrics_.work_duration_count.fetch_add(1, std::memory_order_relaxed);
      startedAt_.erase(it);
    }
    if (dirty_.contains(key)) {
      queue_.push_back(key);
      wakeOneLocked();
    }
    promoteDueAndWakeLocked();
    if (processing_.empty()) drainCv_.notify_all();
  }
  if (worked && observeWorkDuration_) observeWorkDuration_(*worked);
}

std::size_t WorkQueue::len() {
  std::lock_guard lock(mu_);
  promoteDueAndWakeLocked();
  return queue_.size();
}

void WorkQueue::addAfter(const std::string& key, std::chrono::nanoseconds delay) {
  std::lock_guard lock(mu_);
  if (shuttingDown_) return;
  metrics_.retries_total.fetch_add(1, std::memory_order_relaxed);
  if (delay <= std::chrono::nanoseconds::zero()) {
    if (addLocked(key)) wakeOneLocked();
    return;
  }
  const Clock::TimePoint readyAt = saturatingAdd(clock_->now(), delay);
  delayed_.push(key, readyAt);
  // The timer waiter must wait less; without one, an idle getter becomes it.
  if (timerWaiter_) {
    if (readyAt < timerDeadline_) timerCv_.notify_one();
  } else if (plainWaiters_ > 0) {
    readyCv_.notify_one();
  }
}

std::size_t WorkQueue::numWaiting() {
  std::lock_guard lock(mu_);
  promoteDueAndWakeLocked();
  return delayed_.size();
}

void WorkQueue::addRateLimited(const std::string& key) {
  // Checked first so a stopped queue does not keep growing the key's backoff.
  if (shuttingDown()) return;
  addAfter(key, rateLimiter_->when(key));
}

void WorkQueue::forget(const std::string& key) {
  rateLimiter_->forget(key);
}

int WorkQueue::numRequeues(const std::string& key) const {
  return rateLimiter_->numRequeues(key);
}

void WorkQueue::shutDown() {
  std::lock_guard lock(mu_);
  shutDownLocked();
}

void WorkQueue::shutDownWithDrain() {
  std::unique_lock lock(mu_);
  shutDownLocked();
  drainCv_.wait(lock, [this] { return processing_.empty(); });
}

void WorkQueue::shutDownLocked() {
  shuttingDown_ = true;
  // Keys not yet handed out are dropped; keys being processed stay until their done().
  queue_.clear();
  dirty_.clear();
  addedAt_.clear();
  delayed_.clear();
  updateDepthLocked();
  readyCv_.notify_all();
  timerCv_.notify_all();
}

bool WorkQueue::shuttingDown() const {
  std::lock_guard lock(mu_);
  return shuttingDown_;
}

void WorkQueue::updateDepthLocked() {
  metrics_.depth.store(static_cast<std::int64_t>(dirty_.size()), std::memory_order_relaxed);
}

void processKey(WorkQueue& queue, const std::string& key, const WorkHandler& handler) {
  WorkResult result;
  try {
    result = handler(key);
  } catch (const std::exception& e) {
    result = WorkResult::failed(e.what());
  } catch (...) {
    result = WorkResult::failed("unknown exception");
  }
  // Re-adding before done() marks the key dirty, so it returns to the queue only after done().
  if (result.error) {
    queue.addRateLimited(key);
  } else if (result.requeueAfter) {
    queue.forget(key);
    queue.addAfter(key, *result.requeueAfter);
  } else {
    queue.forget(key);
  }
  queue.done(key);
}

void runWorkers(WorkQueue& queue, int workers, const WorkHandler& handler) {
  if (workers < 1) throw std::invalid_argument("runWorkers needs at least one worker");
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(workers));
  auto loop = [&queue, &handler] {
    while (auto key = queue.get()) processKey(queue, *key, handler);
  };
  try {
    for (int i = 0; i < workers; ++i) threads.emplace_back(loop);
  } catch (...) {
    // Started threads only exit on shutdown; stop them before reporting the failure.
    queue.shutDown();
    for (auto& thread : threads) thread.join();
    throw;
  }
  for (auto& thread : threads) thread.join();
}

}  // namespace rg::kube
