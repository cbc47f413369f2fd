#pragma once
// A work queue of object keys ("namespace/name") after client-go's util/workqueue: deduplicating,
// with delayed and rate-limited adds, and a guarantee that one key is never processed by two
// workers at once. Unlike client-go there is no thread that moves delayed keys to the queue: one
// idle getter waits for the earliest ready time and takes the key itself, which saves a thread
// hand-off (two context switches) on every delayed key.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kube/clock.hpp"
#include "kube/rate_limiter.hpp"

namespace rg::kube {

// Counters for the workqueue_* metrics; updated by the queue, read by anyone. Durations are
// measured on the queue's clock, in nanoseconds.
struct WorkQueueMetrics {
  std::atomic<std::int64_t> depth{0};                  // keys waiting to be handed out
  std::atomic<std::uint64_t> adds_total{0};            // adds that were not deduplicated away
  std::atomic<std::uint64_t> retries_total{0};         // delayed / rate-limited adds
  std::atomic<std::int64_t> queue_duration_sum_ns{0};  // add -> get
  std::atomic<std::uint64_t> queue_duration_count{0};
  std::atomic<std::int64_t> work_duration_sum_ns{0};  // get -> done
  std::atomic<std::uint64_t> work_duration_count{0};
};

namespace detail {

// Min-heap of keys by ready time (ties in insertion order) with at most one entry per key, so a
// later add for a waiting key can move it earlier in place.
class DelayHeap {
 public:
  using TimePoint = Clock::TimePoint;

  // Inserts `key`, or moves it to `readyAt` if that is earlier than its current time.
  void push(const std::string& key, TimePoint readyAt);
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  TimePoint nextReadyAt() const { return entries_.front().readyAt; }
  std::string pop();
  void clear();

 private:
  struct Entry {
    TimePoint readyAt;
    std::uint64_t seq;
    std::string key;
  };
  static bool before(const Entry& a, const Entry& b);
  void place(std::size_t i);
  void siftUp(std::size_t i);
  void siftDown(std::size_t i);

  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::size_t> index_;
  std::uint64_t nextSeq_ = 0;
};

}  // namespace detail

class WorkQueue {
 public:
  struct Options {
    std::shared_ptr<Clock> clock;              // default: the real clock
    std::shared_ptr<RateLimiter> rateLimiter;  // default: defaultControllerRateLimiter(clock)
    // Optional, for the workqueue_*_duration_seconds histograms: each key's time from add to
    // get, and from get to done. Called outside the queue's lock.
    std::function<void(std::chrono::nanoseconds)> observeQueueDuration = {};
    std::function<void(std::chrono::nanoseconds)> observeWorkDuration = {};
  };

  WorkQueue();
  explicit WorkQueue(Options options);
  // Shuts down, dropping waiting keys. Workers must have exited.
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues `key` unless it is already waiting. A key being processed is queued again once, after
  // its done(). Ignored after shutdown.
  void add(const std::string& key);
  // Blocks until a key is available and marks it as processing; nullopt once shut down.
  std::optional<std::string> get();
  // Ends processing of a key returned by get(); re-queues it if it was added meanwhile.
  void done(const std::string& key);
  // Keys ready to be handed out (not those still delayed or being processed).
  std::size_t len();

  // add(key) once `delay` has passed on the queue's clock. If the key is already waiting for a
  // delay, the earlier ready time wins. A non-positive delay adds at once.
  void addAfter(const std::string& key, std::chrono::nanoseconds delay);
  // Keys waiting for their delay to pass.
  std::size_t numWaiting();

  // addAfter(key, rateLimiter.when(key)): backoff for a failed key.
  void addRateLimited(const std::string& key);
  // Resets the key's backoff (call after it succeeded).
  void forget(const std::string& key);
  int numRequeues(const std::string& key) const;

  // Stops accepting keys, drops waiting ones and wakes every get() with nullopt.
  void shutDown();
  // As shutDown(), then blocks until every key handed out has been done(). Calling it from a
  // worker that still holds a key deadlocks, as in client-go.
  void shutDownWithDrain();
  bool shuttingDown() const;

  const WorkQueueMetrics& metrics() const { return metrics_; }

 private:
  // Queues `key`; returns whether it went into the queue (not deduplicated, not processing).
  bool addLocked(const std::string& key);
  // Moves the keys whose delay has passed into the queue; returns how many went in.
  std::size_t promoteDueLocked();
  // Wakes one idle getter for a queued key: a plain waiter first, else the timer waiter.
  void wakeOneLocked();
  // Both, when keys went in: done(), len() and numWaiting() keep the depth true while every
  // worker is busy and none is waiting for the delays.
  void promoteDueAndWakeLocked();
  void shutDownLocked();
  void updateDepthLocked();

  const std::shared_ptr<Clock> clock_;
  const std::shared_ptr<RateLimiter> rateLimiter_;
  const std::function<void(std::chrono::nanoseconds)> observeQueueDuration_;
  const std::function<void(std::chrono::nanoseconds)> observeWorkDuration_;
  WorkQueueMetrics metrics_;

  mutable std::mutex mu_;
  std::condition_variable readyCv_;  // plain getters: a key was queued or the queue shut down
  std::condition_variable timerCv_;  // the timer waiter: also an earlier delay or a clock jump
  std::condition_variable drainCv_;  // shutDownWithDrain: processing became empty
  bool shuttingDown_ = false;
  int plainWaiters_ = 0;      // getters blocked on readyCv_
  bool timerWaiter_ = false;  // a getter blocked on timerCv_ until timerDeadline_
  Clock::TimePoint timerDeadline_{};
  std::deque<std::string> queue_;               // order in which keys are handed out
  std::unordered_set<std::string> dirty_;       // keys needing processing (queued or re-added)
  std::unordered_set<std::string> processing_;  // keys handed out and not yet done
  std::unordered_map<std::string, Clock::TimePoint> addedAt_;
  std::unordered_map<std::string, Clock::TimePoint> startedAt_;
  detail::DelayHeap delayed_;

  Clock::SubscriptionId clockSubscription_ = 0;
};

// What a handler asks the worker loop to do with the key it processed.
struct WorkResult {
  std::optional<std::chrono::nanoseconds> requeueAfter;  // come back after this long
  std::optional<std::string> error;                      // failed: retry with backoff

  static WorkResult ok() { return {}; }
  static WorkResult after(std::chrono::nanoseconds delay) { return {delay, std::nullopt}; }
  static WorkResult failed(std::string message) { return {std::nullopt, std::move(message)}; }
  bool isOk() const { return !requeueAfter && !error; }
};

using WorkHandler = std::function<WorkResult(const std::string& key)>;

// Runs `workers` threads that loop get -> handler -> done until the queue shuts down, then joins
// them. Results map as in controller-runtime: error (or a thrown exception) -> addRateLimited;
// requeueAfter -> forget + addAfter; ok -> forget. Throws std::invalid_argument if workers < 1.
void runWorkers(WorkQueue& queue, int workers, const WorkHandler& handler);

// One iteration of a worker: applies `handler` to `key` (already taken with get()) and calls
// done(). Exposed for callers that run their own threads.
void processKey(WorkQueue& queue, const std::string& key, const WorkHandler& handler);

}  // namespace rg::kube
